/*
 * Tests for sim/scenario.c: good files load with the right values, the parse helpers, and
 * every malformed file in tests/scenarios/bad/ is refused with the exact `file:line:column:`
 * of the offending node and a message that says what was wrong.
 *
 * SCENARIO_DIR (set in tests/meson.build) is the absolute path of tests/scenarios.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "scenario.h"

#ifndef SCENARIO_DIR
#error "SCENARIO_DIR must name tests/scenarios (see tests/meson.build)"
#endif

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */
/* ------------------------------------------------------------------------------------ */

static void scenario_path(char *buf, size_t len, const char *kind, const char *file)
{
	int n = snprintf(buf, len, "%s/%s/%s", SCENARIO_DIR, kind, file);
	cr_assert(n > 0 && (size_t)n < len, "path too long for %s", file);
}

static scenario load_good(const char *file)
{
	char path[1024];
	scenario s;
	scenario_error err;
	scenario_path(path, sizeof path, "good", file);
	cr_assert(scenario_load_file(path, &s, &err), "%s did not load: %s", file, err.message);
	return s;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/*
 * The message must start with exactly `<path>:<where>: ` and contain `fragment` after it;
 * the scenario must come back empty (all zero) even though it held garbage before.
 */
static void check_refused(const char *path, bool loaded, const scenario *s,
                          const scenario_error *err, const char *where, const char *fragment)
{
	char prefix[1100];
	snprintf(prefix, sizeof prefix, "%s:%s: ", path, where);
	cr_assert_not(loaded, "%s loaded, but should have been refused", path);
	cr_assert(strncmp(err->message, prefix, strlen(prefix)) == 0,
	          "message\n  %s\ndoes not start with\n  %s", err->message, prefix);
	cr_assert(strstr(err->message + strlen(prefix), fragment) != NULL,
	          "message\n  %s\ndoes not say\n  %s", err->message, fragment);
	cr_assert(all_zero(s, sizeof *s), "a refused scenario must be left empty");
}

static void expect_bad_file(const char *file, const char *where, const char *fragment)
{
	char path[1024];
	scenario s;
	scenario_error err;
	scenario_path(path, sizeof path, "bad", file);
	memset(&s, 0xA5, sizeof s);
	bool loaded = scenario_load_file(path, &s, &err);
	check_refused(path, loaded, &s, &err, where, fragment);
}

static void expect_bad_text(const char *text, const char *where, const char *fragment)
{
	scenario s;
	scenario_error err;
	memset(&s, 0xA5, sizeof s);
	bool loaded = scenario_load_string(text, strlen(text), "mem.yaml", &s, &err);
	check_refused("mem.yaml", loaded, &s, &err, where, fragment);
}

/* ------------------------------------------------------------------------------------ */
/* Good files                                                                           */
/* ------------------------------------------------------------------------------------ */

Test(scenario_good, every_key_given_loads_with_its_value)
{
	scenario s = load_good("meal-day.yaml");
	cr_assert_str_eq(s.name, "meal day, shifted");
	cr_assert(strstr(s.path, "/good/meal-day.yaml") != NULL, "path: %s", s.path);
	cr_assert_str_eq(s.patient->name, "adolescent#003");
	cr_assert_eq(s.duration_min, 30 * 60);
	cr_assert_eq(s.start_min_of_day, 6 * 60);
	cr_assert_eq(s.seed, 4294967295u);
	cr_assert_eq(s.cgm, CGM_GUARDIAN_RT);
	cr_assert_eq(s.cgm_interval_min, 15);
	cr_assert_float_eq(s.bolus_speed_u_per_min, 1.5, 1e-12);
	scenario_free(&s);
}

Test(scenario_good, event_clock_times_count_from_a_non_midnight_start)
{
	scenario s = load_good("meal-day.yaml");
	/* start 06:00: 06:00 is t = 0, 07:00 is 60, 12:30 is 390, d2 07:00 is 1500. */
	static const struct {
		int64_t at_min;
		scenario_event_kind kind;
		double amount;
		int line;
	} want[] = {
	    {0, SCENARIO_EVENT_BOLUS, 1.0, 21},    {60, SCENARIO_EVENT_MEAL, 50.0, 18},
	    {60, SCENARIO_EVENT_BOLUS, 5.0, 19},   {390, SCENARIO_EVENT_MEAL, 70.0, 17},
	    {1500, SCENARIO_EVENT_MEAL, 40.5, 20}, {1799, SCENARIO_EVENT_BOLUS, 0.25, 22},
	};
	cr_assert_eq(s.event_count, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < s.event_count; i++) {
		cr_assert_eq(s.events[i].at_min, want[i].at_min, "event %zu at %lld", i,
		             (long long)s.events[i].at_min);
		cr_assert_eq(s.events[i].kind, want[i].kind, "event %zu kind", i);
		cr_assert_float_eq(s.events[i].amount, want[i].amount, 1e-12, "event %zu", i);
		cr_assert_eq(s.events[i].line, want[i].line, "event %zu line", i);
		cr_assert_eq(s.events[i].column, 5, "event %zu column", i);
	}
	scenario_free(&s);
}

Test(scenario_good, events_are_sorted_by_time_and_keep_file_order_when_equal)
{
	scenario s = load_good("meal-day.yaml");
	for (size_t i = 1; i < s.event_count; i++) {
		cr_assert_leq(s.events[i - 1].at_min, s.events[i].at_min);
		if (s.events[i - 1].at_min == s.events[i].at_min)
			cr_assert_lt(s.events[i - 1].line, s.events[i].line);
	}
	scenario_free(&s);
}

Test(scenario_good, basal_program_segments_are_sorted_with_their_rates)
{
	scenario s = load_good("meal-day.yaml");
	cr_assert_eq(s.basal_kind, SCENARIO_BASAL_PROGRAM);
	cr_assert_eq(s.basal_segment_count, 4);
	static const scenario_basal_segment want[] = {
	    {0, 0.6}, {5 * 60 + 30, 1.15}, {11 * 60, 0.0}, {22 * 60, 0.75}};
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(s.basal_segments[i].start_min_of_day, want[i].start_min_of_day);
		cr_assert_float_eq(s.basal_segments[i].rate_u_per_h, want[i].rate_u_per_h, 1e-12);
		if (i > 0)
			cr_assert_gt(s.basal_segments[i].start_min_of_day,
			             s.basal_segments[i - 1].start_min_of_day);
	}
	scenario_free(&s);
}

Test(scenario_good, only_required_keys_gives_the_documented_defaults)
{
	scenario s = load_good("minimal.yaml");
	cr_assert_str_eq(s.name, "minimal", "name defaults to the file's base name");
	cr_assert_str_eq(s.patient->name, "child#010");
	cr_assert_eq(s.duration_min, 90);
	cr_assert_eq(s.start_min_of_day, 0);
	cr_assert_eq(s.seed, 0);
	cr_assert_eq(s.cgm, CGM_IDEAL);
	cr_assert_eq(s.cgm_interval_min, 0);
	cr_assert_eq(s.basal_kind, SCENARIO_BASAL_STEADY_STATE);
	cr_assert_eq(s.basal_segment_count, 0);
	cr_assert_float_eq(s.bolus_speed_u_per_min, 1.5, 1e-12, "the pump's 1.5 U/min");
	/* the resolved pump: the patient's own basal, carb ratio and correction factor */
	cr_assert_eq(s.pump.steady_basal_u_per_min, patient_basal_u_per_min(s.patient));
	cr_assert_eq(s.pump.carb_ratio_g_per_u, s.patient->carb_ratio_g_per_u);
	cr_assert_eq(s.pump.correction_factor_mgdl_per_u, s.patient->correction_factor_mgdl_per_u);
	cr_assert_float_eq(s.pump.reservoir_u, 300.0, 1e-12);
	cr_assert_float_eq(s.pump.limits.max_bolus_u, 25.0, 1e-12);
	cr_assert_not(s.pump.lgs.enabled);
	cr_assert_eq(s.event_count, 0);
	cr_assert_null(s.events);
	scenario_free(&s);
}

Test(scenario_good, plain_number_basal_is_one_segment_at_midnight)
{
	scenario s = load_good("flat-basal.yaml");
	cr_assert_eq(s.basal_kind, SCENARIO_BASAL_PROGRAM);
	cr_assert_eq(s.basal_segment_count, 1);
	cr_assert_eq(s.basal_segments[0].start_min_of_day, 0);
	cr_assert_float_eq(s.basal_segments[0].rate_u_per_h, 0.85, 1e-12);
	cr_assert_eq(s.cgm, CGM_NAVIGATOR);
	cr_assert_eq(s.bolus_speed_u_per_min, 0.0, "instant");
	cr_assert_eq(s.pump.basal_segment_count, 1);
	cr_assert_float_eq(s.pump.basal_segments[0].rate_u_per_h, 0.85, 1e-12);
	scenario_free(&s);
}

Test(scenario_good, late_start_puts_day_two_events_just_after_midnight)
{
	scenario s = load_good("flat-basal.yaml");
	cr_assert_eq(s.duration_min, 120, "7200s");
	cr_assert_eq(s.start_min_of_day, 23 * 60 + 30, "plain 23:30 is a clock time too");
	cr_assert_eq(s.event_count, 2);
	cr_assert_eq(s.events[0].at_min, 0);
	cr_assert_eq(s.events[0].kind, SCENARIO_EVENT_BOLUS);
	cr_assert_float_eq(s.events[0].amount, 100.0, 1e-12, "100 U is the upper bound, allowed");
	cr_assert_eq(s.events[1].at_min, 45, "d2 00:15 is 45 min after 23:30");
	cr_assert_eq(s.events[1].kind, SCENARIO_EVENT_MEAL);
	cr_assert_eq(s.events[1].line, 12);
	scenario_free(&s);
}

Test(scenario_good, empty_event_list_and_explicit_defaults_load)
{
	const char *text =
	    "patient: adult#002\nduration: 1d\nstart: \"00:00\"\nseed: 0\n"
	    "cgm: {model: ideal}\npump: {basal: steady-state, bolus_speed: instant}\n"
	    "events: []\n";
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "dir/x.y/plain.yaml", &s, &err), "%s",
	          err.message);
	cr_assert_str_eq(s.name, "plain");
	cr_assert_str_eq(s.path, "dir/x.y/plain.yaml");
	cr_assert_eq(s.duration_min, 1440);
	cr_assert_eq(s.event_count, 0);
	cr_assert_eq(s.basal_kind, SCENARIO_BASAL_STEADY_STATE);
	scenario_free(&s);
}

Test(scenario_string, reads_only_len_bytes_of_the_text)
{
	/* The text goes on past len with something that would be an error. */
	const char text[] = "patient: adult#003\nduration: 2h\nbogus: 1\n";
	size_t len = strlen("patient: adult#003\nduration: 2h\n");
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, len, "t.yaml", &s, &err), "%s", err.message);
	cr_assert_eq(s.duration_min, 120);
	scenario_free(&s);
}

Test(scenario_free, is_safe_on_a_zeroed_scenario_and_leaves_it_zeroed)
{
	scenario s = {0};
	scenario_free(&s);
	scenario_free(&s);
	cr_assert(all_zero(&s, sizeof s));
	s = load_good("meal-day.yaml");
	scenario_free(&s);
	cr_assert(all_zero(&s, sizeof s));
}

Test(scenario_file, missing_file_names_the_path_and_the_reason)
{
	scenario s;
	scenario_error err;
	cr_assert_not(scenario_load_file(SCENARIO_DIR "/no-such-file.yaml", &s, &err));
	cr_assert_str_eq(err.message,
	                 SCENARIO_DIR "/no-such-file.yaml: cannot open: No such file or directory");
	cr_assert(all_zero(&s, sizeof s));
}

/* ------------------------------------------------------------------------------------ */
/* Parse helpers                                                                        */
/* ------------------------------------------------------------------------------------ */

Test(scenario_parse_duration, accepts_s_m_h_d_and_decimals_that_make_whole_minutes)
{
	static const struct {
		const char *text;
		int64_t min;
	} ok[] = {
	    {"90m", 90},   {"1.5h", 90},  {"2d", 2880},        {"120s", 2},        {"0.25h", 15},
	    {"1m", 1},     {"24h", 1440}, {"0.5d", 720},       {"3650d", 5256000}, {"007m", 7},
	    {"1.50h", 90}, {"60.0s", 1},  {"87600h", 5256000},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t min = -1;
		cr_assert(scenario_parse_duration_min(ok[i].text, &min), "'%s' refused",
		          ok[i].text);
		cr_assert_eq(min, ok[i].min, "'%s' gave %lld", ok[i].text, (long long)min);
	}
}

Test(scenario_parse_duration, refuses_partial_minutes_zero_signs_no_unit_and_absurd_lengths)
{
	/* clang-format off */
	static const char *const bad[] = {
		"90s", "0.5m", "30s", "0m", "0h", "-5m", "+5m", "90", "1.5", "h", "1.h", ".5h",
		"24hr", "24H", "24 h", " 24h", "24h ", "1e3m", "", "3651d", "5256001m", "1,5h",
		"0x10m", "1.0000000001m", "9999999999999999999999m",
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t min = -1;
		cr_assert_not(scenario_parse_duration_min(bad[i], &min), "'%s' accepted as %lld",
		              bad[i], (long long)min);
	}
	int64_t min;
	cr_assert_not(scenario_parse_duration_min(NULL, &min));
}

Test(scenario_parse_clock, reads_day_one_and_later_days)
{
	static const struct {
		const char *text;
		int day, min_of_day;
	} ok[] = {
	    {"00:00", 1, 0},      {"07:00", 1, 420},    {"23:59", 1, 1439},   {"7:05", 1, 425},
	    {"d1 07:00", 1, 420}, {"d2 07:00", 2, 420}, {"d10 00:00", 10, 0}, {"d2  12:30", 2, 750},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int day = -1, min = -1;
		cr_assert(scenario_parse_clock(ok[i].text, &day, &min), "'%s' refused", ok[i].text);
		cr_assert_eq(day, ok[i].day, "'%s' day %d", ok[i].text, day);
		cr_assert_eq(min, ok[i].min_of_day, "'%s' minute %d", ok[i].text, min);
	}
}

Test(scenario_parse_clock, refuses_out_of_range_and_malformed_times)
{
	static const char *const bad[] = {"24:00",  "25:00",   "07:60", "d0 07:00",  "7",
	                                  "07:0",   "07:000",  "d2",    "d207:00",   "D2 07:00",
	                                  " 07:00", "07:00 ",  "-1:00", "d-1 07:00", "07h00",
	                                  "",       "d 07:00", "d2 ",   "123:00",    "07.00"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int day = -1, min = -1;
		cr_assert_not(scenario_parse_clock(bad[i], &day, &min), "'%s' accepted", bad[i]);
	}
}

/* ------------------------------------------------------------------------------------ */
/* Malformed files: one mistake each, the exact place and what was wrong                 */
/* ------------------------------------------------------------------------------------ */

Test(scenario_bad, unknown_key_points_at_the_key_lists_the_keys_and_suggests)
{
	expect_bad_file("unknown-key.yaml", "3:1",
	                "unknown key 'patinet' (expected one of: name, patient, duration, start, "
	                "seed, cgm, pump, events); did you mean 'patient'?");
}

Test(scenario_bad, unknown_nested_key_names_its_mapping)
{
	expect_bad_file("unknown-pump-key.yaml", "6:3",
	                "pump: unknown key 'bolus_sped' (expected one of: basal, bolus_speed, "
	                "pulse, reservoir, reservoir_low, battery, battery_low, battery_drain, "
	                "occlusion_threshold, insulin_action, bolus_calculator, limits, "
	                "low_glucose_protection); did you mean 'bolus_speed'?");
}

Test(scenario_bad, events_as_a_mapping_is_the_wrong_type)
{
	expect_bad_file("wrong-type-events.yaml", "4:9",
	                "events: expected a list of events, got a mapping");
}

Test(scenario_bad, duration_with_an_unknown_unit_is_refused)
{
	expect_bad_file("bad-unit.yaml", "3:11", "duration: expected a duration such as 90m");
	expect_bad_file("bad-unit.yaml", "3:11", "(units s, m, h, d), got 24hr");
}

Test(scenario_bad, duration_of_90_seconds_is_not_whole_minutes)
{
	expect_bad_file("duration-seconds.yaml", "3:11",
	                "duration: expected a whole number of minutes, got 90s");
}

Test(scenario_bad, duration_without_a_unit_says_so)
{
	expect_bad_file("duration-without-unit.yaml", "3:11", "got 1440 (a number without a unit)");
}

Test(scenario_bad, basal_rate_over_35_u_per_h_is_out_of_range)
{
	expect_bad_file("basal-rate-too-high.yaml", "7:27",
	                "pump.basal[1].rate: expected a rate in U/h, 0 to 35, got 40");
}

Test(scenario_bad, unknown_patient_says_how_to_list_them)
{
	expect_bad_file("unknown-patient.yaml", "2:10",
	                "patient: unknown patient 'adult#011' (run 'fakepump patients'");
}

Test(scenario_bad, hour_25_is_refused)
{
	expect_bad_file("hour-25.yaml", "5:10",
	                "events[0].at: expected an hour 00 to 23, got \"25:00\"");
}

Test(scenario_bad, day_zero_is_refused_because_days_count_from_one)
{
	expect_bad_file(
	    "day-zero.yaml", "5:10",
	    "events[0].at: expected a day d1 or later (days count from 1), got \"d0 07:00\"");
}

Test(scenario_bad, event_before_the_start_names_the_event)
{
	expect_bad_file(
	    "event-before-start.yaml", "7:10",
	    "events[1].at: bolus of 2 U at 07:00 is before the start 08:00 (t = -60 min");
}

Test(scenario_bad, event_at_or_after_the_end_names_the_event)
{
	expect_bad_file(
	    "event-after-end.yaml", "7:10",
	    "events[1].at: meal of 70 g at d2 07:00 is at or after the end (t = 1500 min, "
	    "duration 1440 min");
}

Test(scenario_bad, unclosed_bracket_reports_libyaml_problem_and_where_the_list_began)
{
	expect_bad_file("unclosed-bracket.yaml", "5:1",
	                "YAML syntax error: did not find expected ',' or ']' (while parsing a flow "
	                "sequence started at line 4, column 9)");
}

Test(scenario_bad, duplicate_key_points_at_the_second_and_names_the_first)
{
	expect_bad_file("duplicate-key.yaml", "5:1",
	                "duplicate key 'duration' (first given at line 3, column 1)");
}

Test(scenario_bad, missing_patient_is_reported_at_the_mapping)
{
	expect_bad_file("missing-patient.yaml", "2:1", "missing required key 'patient'");
}

Test(scenario_bad, empty_file_is_refused)
{
	expect_bad_file("empty.yaml", "1:1", "empty scenario");
}

Test(scenario_bad, basal_program_must_start_at_midnight)
{
	expect_bad_file("basal-not-at-midnight.yaml", "6:12",
	                "pump.basal[0].at: expected 00:00 for the first segment");
}

Test(scenario_bad, basal_program_must_be_in_increasing_order)
{
	expect_bad_file("basal-not-increasing.yaml", "8:12",
	                "pump.basal[2].at: expected a time after 12:00 (segments in increasing "
	                "order), got \"08:00\"");
}

Test(scenario_bad, negative_meal_is_out_of_range)
{
	expect_bad_file("negative-meal.yaml", "5:25",
	                "events[0].meal: expected grams of carbohydrate, more than 0 and at most "
	                "1000, got -20");
}

Test(scenario_bad, nan_bolus_is_not_a_finite_number)
{
	expect_bad_file(
	    "nan-bolus.yaml", "6:12",
	    "events[0].bolus: expected units of insulin, more than 0 and at most 100, got "
	    ".nan (not a finite number)");
}

Test(scenario_bad, quoted_number_is_a_string_not_a_number)
{
	expect_bad_file("quoted-number.yaml", "5:25",
	                "got \"50\" (a quoted string; write numbers without quotes)");
}

Test(scenario_bad, event_with_meal_and_bolus_points_at_the_second_kind)
{
	expect_bad_file("meal-and-bolus.yaml", "5:29",
	                "events[0]: 'bolus' cannot be combined with 'meal' (give exactly one of: "
	                "meal, bolus, calculated_bolus, temp_basal, cancel_bolus");
}

Test(scenario_bad, event_without_meal_or_bolus_is_refused)
{
	expect_bad_file("missing-event-kind.yaml", "6:5", "events[1]: missing one of: meal, bolus");
}

Test(scenario_bad, seed_over_32_bits_is_out_of_range)
{
	expect_bad_file("seed-too-large.yaml", "4:7",
	                "seed: expected an integer 0 to 4294967295, got 4294967296");
}

Test(scenario_bad, unknown_cgm_model_lists_the_models_and_suggests)
{
	expect_bad_file("unknown-cgm-model.yaml", "4:14",
	                "cgm.model: expected a CGM model (one of: ideal, dexcom, guardian, "
	                "navigator), got dexcon; did you mean 'dexcom'?");
}

Test(scenario_bad, cgm_interval_over_150_minutes_is_refused)
{
	expect_bad_file("cgm-interval-too-long.yaml", "6:13",
	                "cgm.interval: expected 1m to 150m, got 3h");
}

Test(scenario_bad, bolus_over_100_u_is_refused)
{
	expect_bad_file("bolus-too-large.yaml", "5:26",
	                "events[0].bolus: expected units of insulin, more than 0 and at most 100, "
	                "got 150");
}

Test(scenario_bad, bolus_speed_zero_is_refused)
{
	expect_bad_file(
	    "bolus-speed-zero.yaml", "5:16",
	    "pump.bolus_speed: expected instant or a speed in U/min, more than 0 and at "
	    "most 100, got 0");
}

Test(scenario_bad, second_yaml_document_is_refused)
{
	expect_bad_file("two-documents.yaml", "4:1", "one YAML document");
}

Test(scenario_bad, start_with_a_day_is_refused)
{
	expect_bad_file("start-with-day.yaml", "4:8",
	                "start: expected a clock time \"HH:MM\" without a day, got \"d2 06:00\"");
}

/* ------------------------------------------------------------------------------------ */
/* More malformed values, in memory                                                     */
/* ------------------------------------------------------------------------------------ */

Test(scenario_bad_text, values_of_the_wrong_kind_point_at_the_value)
{
	static const struct {
		const char *text, *where, *fragment;
	} cases[] = {
	    {"patient: adult#001\nduration: 24h\nseed: -1\n", "3:7",
	     "seed: expected an integer 0 to 4294967295, got -1"},
	    {"patient: adult#001\nduration: 24h\nseed: 1.5\n", "3:7", "got 1.5"},
	    {"patient: adult#001\nduration: 24h\nseed: \"7\"\n", "3:7", "a quoted string"},
	    {"patient: adult#001\nduration: 24h\ncgm:\n", "3:5",
	     "cgm: expected a mapping such as {model: dexcom, interval: 5m}, got nothing"},
	    {"patient: adult#001\nduration: 24h\ncgm: {interval: 30s}\n", "3:17",
	     "cgm.interval: expected a whole number of minutes, got 30s"},
	    {"patient: adult#001\nduration: 0m\n", "2:11", "expected a duration longer than zero"},
	    {"patient: adult#001\nduration: 3651d\n", "2:11", "expected at most 3650d, got 3651d"},
	    {"patient: adult#001\nduration: 24h\npump: {basal: steady_state}\n", "3:15",
	     "did you mean 'steady-state'?"},
	    {"patient: adult#001\nduration: 24h\npump: {basal: []}\n", "3:15",
	     "pump.basal: expected 1 to 24 segments, got an empty list"},
	    {"patient: adult#001\nduration: 24h\npump: {basal: [{at: \"00:00\"}]}\n", "3:16",
	     "pump.basal[0]: missing required key 'rate'"},
	    {"patient: adult#001\nduration: 24h\nevents: [{at: \"07:00\", meal: 1e999}]\n", "3:30",
	     "got 1e999 (too large to be a number)"},
	    {"patient: adult#001\nduration: 24h\nevents: [{at: \"07:00\", meal: -.inf}]\n", "3:30",
	     "got -.inf (not a finite number)"},
	    {"patient: adult#001\nduration: 24h\nevents: [{at: 7, meal: 5}]\n", "3:15",
	     "events[0].at: expected a clock time \"HH:MM\" or \"dN HH:MM\", got 7"},
	    {"patient: adult#001\nduration: 24h\nevents: [{at: \"07:60\", meal: 5}]\n", "3:15",
	     "expected minutes 00 to 59"},
	    {"patient: Adult#1\nduration: 24h\n", "1:10", "did you mean 'adult#001'?"},
	    {"- patient: adult#001\n", "1:1", "expected a mapping of scenario keys"},
	    {"patient: adult#001\nduration: 24h\n[a]: 1\n", "3:1",
	     "expected a key name, got a list"},
	    {"patient: adult#001\nduration: 24h\nseed: *nothing\n", "3:7",
	     "YAML syntax error: found undefined alias"},
	    {"# only a comment\n", "1:1", "empty scenario"},
	    {"patient:\nduration: 24h\n", "1:9",
	     "patient: expected a patient name such as adult#001, got nothing"},
	    {"patient: adult#001\nduration: 24h\nname: \"\"\n", "3:7",
	     "name: expected a one-line name, got \"\""},
	    {"patient: adult#001\nduration: 24h\nname: \"a\\tb\\nc\"\n", "3:7",
	     "got text with a control character or line break"},
	    {"patient: adult#001\nduration: 24h\nname: \"a\\0b\"\n", "3:7",
	     "got text with a NUL character"},
	    {"patient: adult#001\nduration: 24h\nx: \x01\n", "3:4", "control characters"},
	    {"patient: adult#001\nduration: \xff\n", "2:11", "not readable as YAML text"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_log_info("case %zu", i);
		expect_bad_text(cases[i].text, cases[i].where, cases[i].fragment);
	}
}

Test(scenario_bad_text, basal_program_over_24_segments_points_at_the_25th)
{
	char text[4096] = "patient: adult#001\nduration: 24h\npump:\n  basal:\n";
	for (int i = 0; i < SCENARIO_MAX_BASAL_SEGMENTS + 1; i++) {
		char line[64];
		snprintf(line, sizeof line, "    - {at: \"%02d:%02d\", rate: 1}\n", i / 2,
		         (i % 2) * 30);
		strcat(text, line);
	}
	/* Segment 25 (index 24) is on line 5 + 24 = 29, its mapping at column 7. */
	expect_bad_text(text, "29:7", "pump.basal: expected at most 24 segments, got 25");
}

Test(scenario_bad_text, path_null_is_named_string)
{
	scenario s;
	scenario_error err;
	const char *text = "duration: 24h\n";
	cr_assert_not(scenario_load_string(text, strlen(text), NULL, &s, &err));
	cr_assert_str_eq(err.message, "<string>:1:1: missing required key 'patient'");
}
