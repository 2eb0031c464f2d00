/*
 * Tests for the scenario loader (sim/scenario/): good files load with the right values, and
 * every malformed file in tests/scenarios/bad/ is refused with the exact `file:line:column:`
 * of the offending node and a message that says what was wrong.
 *
 * SCENARIO_DIR (set in tests/meson.build) is the absolute path of tests/scenarios.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A file whose mistake is in a fragment it includes: the message names the fragment. */
static void expect_bad_include(const char *file, const char *fragment_file, const char *where,
                               const char *fragment)
{
	char path[1024], fragment_path[1024];
	scenario s;
	scenario_error err;
	scenario_path(path, sizeof path, "bad", file);
	scenario_path(fragment_path, sizeof fragment_path, "bad", fragment_file);
	memset(&s, 0xA5, sizeof s);
	bool loaded = scenario_load_file(path, &s, &err);
	check_refused(fragment_path, loaded, &s, &err, where, fragment);
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

Test(scenario_good, pairing_window_event_and_new_bond_expectation_load)
{
	const char *text = "patient: adult#001\nduration: 2h\n"
	                   "events: [{at: \"00:05\", pairing_window: 3m}, "
	                   "{at: \"01:00\", pairing_window: 1h}]\n"
	                   "expect: [{annunciation: new_bond, within: 30m}]\n";
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "pair.yaml", &s, &err), "%s",
	          err.message);
	cr_assert_eq(s.event_count, 2);
	cr_assert_eq(s.events[0].kind, SCENARIO_EVENT_PAIRING_WINDOW);
	cr_assert_eq(s.events[0].at_min, 5);
	cr_assert_eq(s.events[0].duration_min, 3);
	cr_assert_eq(s.events[1].duration_min, 60);
	cr_assert_str_eq(scenario_event_kind_name(s.events[0].kind), "pairing_window");
	cr_assert_eq(s.expectation_count, 1);
	cr_assert_eq(s.expectations[0].annunciation, PUMP_ANN_NEW_BOND);
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
/* Malformed files: one mistake each, the exact place and what was wrong                 */
/* ------------------------------------------------------------------------------------ */

Test(scenario_bad, unknown_key_points_at_the_key_lists_the_keys_and_suggests)
{
	expect_bad_file("unknown-key.yaml", "3:1",
	                "unknown key 'patinet' (expected one of: name, patient, duration, start, "
	                "seed, cgm, pump, security, e2e, events, expect, include, expect_failure); "
	                "did you mean "
	                "'patient'?");
}

Test(scenario_bad, unknown_nested_key_names_its_mapping)
{
	expect_bad_file("unknown-pump-key.yaml", "6:3",
	                "pump: unknown key 'bolus_sped' (expected one of: basal, bolus_speed, "
	                "pulse, reservoir, reservoir_low, battery, battery_low, battery_drain, "
	                "occlusion_threshold, insulin_action, bolus_calculator, limits, "
	                "low_glucose_protection, controller); did you mean 'bolus_speed'?");
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

/* One grammar with the command line (clock.h): a text that is no duration at all is a
 * syntax error, whatever digits it has past a nanosecond. */
Test(scenario_bad, duration_syntax_is_judged_before_its_value)
{
	expect_bad_text("patient: adult#001\nduration: 1.0000000001x\n", "2:11",
	                "duration: expected a duration such as 90m, 1.5h or 2d (units s, m, h, "
	                "d), got 1.0000000001x");
	expect_bad_text("patient: adult#001\nduration: 1.0000000001m\n", "2:11",
	                "duration: expected a whole number of minutes, got 1.0000000001m");
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

Test(scenario_bad, a_tab_that_indents_is_named_as_a_tab)
{
	expect_bad_file(
	    "tab-indent.yaml", "5:1",
	    "YAML syntax error: a tab character; YAML indents with spaces only (libyaml: "
	    "found character that cannot start any token)");
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

/* ------------------------------------------------------------------------------------ */
/* The full language: repeats, relative times, includes, faults, meals, phone events     */
/* ------------------------------------------------------------------------------------ */

static scenario load_text(const char *text, const char *path)
{
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), path, &s, &err), "did not load: %s",
	          err.message);
	return s;
}

Test(scenario_language, core_files_load_as_before_with_nothing_of_the_new_keys)
{
	scenario s = load_good("meal-day.yaml");
	cr_assert_eq(s.expectation_count, 0);
	cr_assert_null(s.expectations);
	cr_assert_null(s.expect_failure);
	cr_assert_eq(s.included_count, 0);
	cr_assert_null(s.included_files);
	for (size_t i = 0; i < s.event_count; i++) {
		cr_assert_eq(s.events[i].file, s.path, "event %zu points at the scenario's path",
		             i);
		cr_assert_not(s.events[i].from_phone);
		cr_assert_eq(s.events[i].link, SCENARIO_LINK_AUTHENTICATED);
		if (s.events[i].kind == SCENARIO_EVENT_MEAL)
			cr_assert_float_eq(s.events[i].eat_rate_g_per_min, 5.0, 1e-12,
			                   "a meal's eating rate defaults to 5 g/min");
	}
	scenario_free(&s);
}

Test(scenario_language, text_is_the_main_files_text_as_read)
{
	char path[1024];
	scenario_path(path, sizeof path, "good", "minimal.yaml");
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	char want[4096];
	size_t n = fread(want, 1, sizeof want - 1, f);
	fclose(f);
	want[n] = '\0';
	scenario s = load_good("minimal.yaml");
	cr_assert_not_null(s.text);
	cr_assert_str_eq(s.text, want);
	scenario_free(&s);
}

Test(scenario_language, repeats_expand_by_count_until_and_to_the_end_with_relative_times)
{
	scenario s = load_good("repeats.yaml");
	/*
	 * start 06:00, 3 days (t < 4320):
	 *   line 6  meal 50 at 07:00 every 1d to the end: t = 60, 1500, 2940
	 *   line 7  bolus 2 at +30m (07:30) every 8h, count 3: t = 90, 570, 1050
	 *   line 8  meal 70 at 12:00 every 1d until d3 00:00 (t 2520): t = 360, 1800
	 *   line 9  dropout at +90m after 12:00's FIRST occurrence: 13:30, t = 450
	 *   line 10 meal 10 at +0m: the previous event's own time, t = 450
	 */
	static const struct {
		int64_t at_min;
		scenario_event_kind kind;
		double amount;
		int line;
	} want[] = {
	    {60, SCENARIO_EVENT_MEAL, 50, 6},   {90, SCENARIO_EVENT_BOLUS, 2, 7},
	    {360, SCENARIO_EVENT_MEAL, 70, 8},  {450, SCENARIO_EVENT_SENSOR_DROPOUT, 0, 9},
	    {450, SCENARIO_EVENT_MEAL, 10, 10}, {570, SCENARIO_EVENT_BOLUS, 2, 7},
	    {1050, SCENARIO_EVENT_BOLUS, 2, 7}, {1500, SCENARIO_EVENT_MEAL, 50, 6},
	    {1800, SCENARIO_EVENT_MEAL, 70, 8}, {2940, SCENARIO_EVENT_MEAL, 50, 6},
	};
	cr_assert_eq(s.event_count, sizeof want / sizeof want[0], "%zu events", s.event_count);
	for (size_t i = 0; i < s.event_count; i++) {
		const scenario_event *e = &s.events[i];
		cr_assert_eq(e->at_min, want[i].at_min, "event %zu at %lld", i,
		             (long long)e->at_min);
		cr_assert_eq(e->kind, want[i].kind, "event %zu kind", i);
		cr_assert_float_eq(e->amount, want[i].amount, 1e-12, "event %zu amount", i);
		cr_assert_eq(e->line, want[i].line, "event %zu keeps its definition's line", i);
		cr_assert_eq(e->column, 5, "event %zu column", i);
		cr_assert_eq(e->file, s.path);
	}
	cr_assert_eq(s.events[3].duration_min, 45, "sensor_dropout's value is its duration");
	cr_assert_float_eq(s.events[2].eat_rate_g_per_min, 2.5, 1e-12);
	cr_assert_float_eq(s.events[8].eat_rate_g_per_min, 2.5, 1e-12, "repeats keep eat_rate");
	cr_assert_float_eq(s.events[4].eat_rate_g_per_min, 5.0, 1e-12);
	scenario_free(&s);
}

Test(scenario_language, until_is_exclusive_and_count_may_fill_the_run_exactly)
{
	scenario s = load_text("patient: adult#001\nduration: 1d\nevents:\n"
	                       "  - {at: \"00:00\", bolus: 1, every: 6h, until: \"18:00\"}\n"
	                       "  - {at: \"01:00\", meal: 5, every: 6h, count: 4}\n",
	                       "t.yaml");
	static const int64_t want[] = {0, 60, 360, 420, 720, 780, 1140};
	cr_assert_eq(s.event_count, 7, "18:00 itself is not included; 19:00 fits: %zu",
	             s.event_count);
	for (size_t i = 0; i < 7; i++)
		cr_assert_eq(s.events[i].at_min, want[i], "event %zu at %lld", i,
		             (long long)s.events[i].at_min);
	scenario_free(&s);
}

Test(scenario_language, a_long_run_of_interleaved_repeats_sorts_stably_and_fast)
{
	/* 2 × 262,800 events whose expansions interleave: a quadratic sort would take minutes. */
	scenario s = load_text("patient: adult#001\nduration: 3650d\nevents:\n"
	                       "  - {at: \"00:10\", meal: 1, every: 20m}\n"
	                       "  - {at: \"00:00\", bolus: 1, every: 20m}\n"
	                       "  - {at: \"00:10\", bolus: 2, every: 20m}\n",
	                       "t.yaml");
	cr_assert_eq(s.event_count, 3 * 262800 - 0, "%zu", s.event_count);
	for (size_t i = 1; i < s.event_count; i++) {
		const scenario_event *a = &s.events[i - 1], *b = &s.events[i];
		cr_assert(a->at_min < b->at_min || (a->at_min == b->at_min && a->line < b->line),
		          "events %zu and %zu out of order", i - 1, i);
	}
	scenario_free(&s);
}

Test(scenario_language, relative_times_count_within_their_own_file)
{
	scenario s = load_text("patient: adult#001\nduration: 1d\nstart: \"06:00\"\nevents:\n"
	                       "  - {at: \"08:00\", meal: 50}\n"
	                       "  - {at: \"+1.5h\", bolus: 3}\n"
	                       "  - {at: \"+120s\", bolus: 1}\n"
	                       "  - {at: \"d1 23:00\", meal: 20}\n"
	                       "  - {at: +1h, meal: 10}\n",
	                       "t.yaml");
	static const int64_t want[] = {120, 210, 212, 1020, 1080};
	cr_assert_eq(s.event_count, 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(s.events[i].at_min, want[i], "event %zu at %lld", i,
		             (long long)s.events[i].at_min);
	scenario_free(&s);
}

Test(scenario_language, includes_merge_events_and_expectations_and_name_their_files)
{
	scenario s = load_good("includes.yaml");
	cr_assert_eq(s.included_count, 3);
	cr_assert(strstr(s.included_files[0], "/good/fragments/meals.yaml") != NULL, "%s",
	          s.included_files[0]);
	cr_assert(strstr(s.included_files[1], "/good/fragments/nested/snack.yaml") != NULL,
	          "a nested include is relative to the fragment that names it: %s",
	          s.included_files[1]);
	cr_assert(strstr(s.included_files[2], "/good/fragments/checks.yaml") != NULL, "%s",
	          s.included_files[2]);
	/* Sorted by time; for equal times the scenario's own first, then include order. */
	static const struct {
		int64_t at_min;
		scenario_event_kind kind;
		double amount;
		int file; /* -1 the scenario, else included_files[file] */
		int line;
	} want[] = {
	    {480, SCENARIO_EVENT_MEAL, 40, -1, 5}, {480, SCENARIO_EVENT_MEAL, 15, 1, 3},
	    {720, SCENARIO_EVENT_BOLUS, 1, -1, 6}, {720, SCENARIO_EVENT_MEAL, 60, 0, 3},
	    {730, SCENARIO_EVENT_BOLUS, 6, 0, 4},
	};
	cr_assert_eq(s.event_count, 5);
	for (size_t i = 0; i < 5; i++) {
		const scenario_event *e = &s.events[i];
		const char *file = want[i].file < 0 ? s.path : s.included_files[want[i].file];
		cr_assert_eq(e->at_min, want[i].at_min, "event %zu", i);
		cr_assert_eq(e->kind, want[i].kind, "event %zu", i);
		cr_assert_float_eq(e->amount, want[i].amount, 1e-12, "event %zu", i);
		cr_assert_eq(e->file, file, "event %zu file %s", i, e->file);
		cr_assert_eq(e->line, want[i].line, "event %zu line", i);
	}
	cr_assert_eq(s.expectation_count, 2);
	cr_assert_eq(s.expectations[0].kind, SCENARIO_EXPECT_BG);
	cr_assert_eq(s.expectations[0].file, s.path);
	cr_assert_eq(s.expectations[1].kind, SCENARIO_EXPECT_CARBS);
	cr_assert_eq(s.expectations[1].file, s.included_files[2]);
	cr_assert_eq(s.expectations[1].line, 2);
	cr_assert_eq(s.expectations[1].column, 5);
	scenario_free(&s);
}

Test(scenario_language, include_from_a_string_resolves_next_to_its_path_and_dedups_names)
{
	/* The same fragment twice: its events twice, its name once. */
	const char *text = "patient: adult#002\nduration: 1d\n"
	                   "include: [fragments/nested/snack.yaml, fragments/nested/snack.yaml]\n";
	scenario s = load_text(text, SCENARIO_DIR "/good/virtual.yaml");
	cr_assert_eq(s.included_count, 1);
	cr_assert_str_eq(s.included_files[0], SCENARIO_DIR "/good/fragments/nested/snack.yaml");
	cr_assert_eq(s.event_count, 2);
	cr_assert_eq(s.events[0].file, s.included_files[0]);
	cr_assert_eq(s.events[1].file, s.included_files[0]);
	scenario_free(&s);
}

Test(scenario_language, sensor_faults_meals_and_phone_commands_load_with_their_values)
{
	scenario s = load_good("sensor-phone.yaml");
	cr_assert_str_eq(s.expect_failure, "a phone on an unencrypted link must be refused");
	const scenario_event *e = s.events;
	cr_assert_eq(s.event_count, 22);
	/* sensor faults: kind, amount, duration */
	cr_assert_eq(e[0].kind, SCENARIO_EVENT_SENSOR_DROPOUT);
	cr_assert_eq(e[0].at_min, 120);
	cr_assert_eq(e[0].duration_min, 45);
	cr_assert_eq(e[1].kind, SCENARIO_EVENT_SENSOR_DRIFT);
	cr_assert_float_eq(e[1].amount, -10.0, 1e-12, "a drift may be negative");
	cr_assert_eq(e[1].duration_min, 360);
	cr_assert_eq(e[2].kind, SCENARIO_EVENT_SENSOR_NOISE);
	cr_assert_float_eq(e[2].amount, 20.0, 1e-12);
	cr_assert_eq(e[2].duration_min, 60);
	cr_assert_eq(e[3].kind, SCENARIO_EVENT_SENSOR_COMPRESSION);
	cr_assert_float_eq(e[3].amount, 40.0, 1e-12);
	cr_assert_eq(e[3].duration_min, 90);
	/* meals: their own rate, or 5 g/min */
	cr_assert_float_eq(e[4].eat_rate_g_per_min, 5.0, 1e-12);
	cr_assert_float_eq(e[5].eat_rate_g_per_min, 2.5, 1e-12);
	/* phone commands: the pump's kinds with from_phone, and the phone-only procedures */
	static const struct {
		scenario_event_kind kind;
		double amount;
		scenario_link link;
	} phone[] = {
	    {SCENARIO_EVENT_BOLUS, 3, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_BOLUS, 2, SCENARIO_LINK_ENCRYPTED},
	    {SCENARIO_EVENT_TEMP_BASAL, 50, SCENARIO_LINK_UNENCRYPTED},
	    {SCENARIO_EVENT_CANCEL_BOLUS, 0, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_SUSPEND, 0, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_RESUME, 0, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_SET_MAX_BOLUS, 8, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_PHONE_READ, 0, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_PHONE_SUBSCRIBE, 0, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL, 0, SCENARIO_LINK_AUTHENTICATED},
	    {SCENARIO_EVENT_CONFIRM, 0, SCENARIO_LINK_AUTHENTICATED},
	};
	for (size_t i = 0; i < sizeof phone / sizeof phone[0]; i++) {
		const scenario_event *p = &e[6 + i];
		cr_assert(p->from_phone, "phone event %zu", i);
		cr_assert_eq(p->kind, phone[i].kind, "phone event %zu kind %d", i, p->kind);
		cr_assert_float_eq(p->amount, phone[i].amount, 1e-12, "phone event %zu", i);
		cr_assert_eq(p->link, phone[i].link, "phone event %zu link", i);
	}
	cr_assert_eq(e[7].bolus_type, PUMP_BOLUS_EXTENDED);
	cr_assert_eq(e[7].duration_min, 120);
	cr_assert(e[8].relative);
	cr_assert_eq(e[8].duration_min, 60);
	cr_assert_str_eq(e[13].phone_target, "history");
	cr_assert_str_eq(e[14].phone_target, "cgm");
	cr_assert_eq(e[15].duration_min, 5);
	cr_assert(e[16].confirm_all);
	/* set_max_bolus at the pump, and the block-style phone stop, fill, prime */
	cr_assert_eq(e[17].kind, SCENARIO_EVENT_SET_MAX_BOLUS);
	cr_assert_not(e[17].from_phone);
	cr_assert_float_eq(e[17].amount, 10.0, 1e-12);
	cr_assert_eq(e[18].kind, SCENARIO_EVENT_STOP);
	cr_assert(e[18].from_phone);
	cr_assert_eq(e[19].kind, SCENARIO_EVENT_FILL);
	cr_assert_eq(e[20].kind, SCENARIO_EVENT_PRIME);
	cr_assert_eq(e[21].kind, SCENARIO_EVENT_CANCEL_TEMP_BASAL);
	cr_assert(e[21].from_phone);
	cr_assert_str_eq(scenario_event_kind_name(SCENARIO_EVENT_SENSOR_COMPRESSION),
	                 "compression_low");
	cr_assert_str_eq(scenario_event_kind_name(SCENARIO_EVENT_SET_MAX_BOLUS), "set_max_bolus");
	scenario_free(&s);
}

Test(scenario_language, every_expectation_kind_loads_with_its_values)
{
	scenario s = load_good("expectations.yaml");
	const scenario_expectation *x = s.expectations;
	cr_assert_eq(s.expectation_count, 16);
	for (size_t i = 0; i < s.expectation_count; i++) {
		cr_assert_eq(x[i].file, s.path);
		cr_assert_eq(x[i].line, 8 + (int)i, "expectation %zu line", i);
		cr_assert_eq(x[i].column, 5);
	}
	/* bg: min_above (open), max_below (open) + mean_between (closed), a window */
	cr_assert_eq(x[0].kind, SCENARIO_EXPECT_BG);
	cr_assert(x[0].bg.has_lo && x[0].bg.lo_open && !x[0].bg.has_hi);
	cr_assert_float_eq(x[0].bg.lo, 54.0, 1e-12);
	cr_assert_not(x[0].bg_mean.has_lo || x[0].bg_mean.has_hi);
	cr_assert_not(x[0].has_window);
	cr_assert(x[1].bg.has_hi && x[1].bg.hi_open && !x[1].bg.has_lo);
	cr_assert_float_eq(x[1].bg.hi, 300.0, 1e-12);
	cr_assert(x[1].bg_mean.has_lo && x[1].bg_mean.has_hi);
	cr_assert_not(x[1].bg_mean.lo_open || x[1].bg_mean.hi_open);
	cr_assert_float_eq(x[1].bg_mean.lo, 100.0, 1e-12);
	cr_assert_float_eq(x[1].bg_mean.hi, 160.0, 1e-12);
	cr_assert(x[1].has_window);
	cr_assert_eq(x[1].window_from_min, 0, "d1 06:00 is the start");
	cr_assert_eq(x[1].window_to_min, 17 * 60);
	/* time in range: "60%" with low/high; a plain number and a quoted "2.5%", defaults */
	cr_assert_eq(x[2].kind, SCENARIO_EXPECT_TIME_IN_RANGE);
	cr_assert_float_eq(x[2].tir_low_mgdl, 70.0, 1e-12);
	cr_assert_float_eq(x[2].tir_high_mgdl, 180.0, 1e-12);
	cr_assert(x[2].tir_pct.has_lo && !x[2].tir_pct.has_hi && !x[2].tir_pct.lo_open);
	cr_assert_float_eq(x[2].tir_pct.lo, 60.0, 1e-12);
	cr_assert_float_eq(x[3].tir_low_mgdl, 70.0, 1e-12, "low defaults to 70");
	cr_assert_float_eq(x[3].tir_high_mgdl, 250.0, 1e-12);
	cr_assert(x[3].tir_pct.has_lo && x[3].tir_pct.has_hi);
	cr_assert_float_eq(x[3].tir_pct.lo, 2.5, 1e-12);
	cr_assert_float_eq(x[3].tir_pct.hi, 5.0, 1e-12, "a plain number is a percentage");
	/* annunciation: within + after; never with a window up to the run's end; within alone */
	cr_assert_eq(x[4].kind, SCENARIO_EXPECT_ANNUNCIATION);
	cr_assert_eq(x[4].annunciation, PUMP_ANN_OCCLUSION);
	cr_assert(x[4].has_after);
	cr_assert_eq(x[4].after_min, 240);
	cr_assert_eq(x[4].within_min, 60);
	cr_assert_not(x[4].never);
	cr_assert_eq(x[5].annunciation, PUMP_ANN_BATTERY_LOW);
	cr_assert(x[5].never);
	cr_assert_eq(x[5].window_from_min, 18 * 60);
	cr_assert_eq(x[5].window_to_min, 2 * 1440, "a window may end at the run's end");
	cr_assert_not(x[6].has_after, "within alone counts from the start");
	cr_assert_eq(x[6].after_min, 0);
	cr_assert_eq(x[6].within_min, 360);
	/* command: result + code; source + exact count; any + count range; an alias */
	cr_assert_eq(x[7].kind, SCENARIO_EXPECT_COMMAND);
	cr_assert_eq(x[7].command, PUMP_CMD_BOLUS);
	cr_assert_not(x[7].any_command);
	cr_assert_eq(x[7].outcome, SCENARIO_OUTCOME_REJECTED);
	cr_assert_str_eq(x[7].code, "parameter_out_of_range");
	cr_assert_eq(x[7].source, -1, "any source");
	cr_assert(x[7].count.has_lo && !x[7].count.has_hi, "default: at least once");
	cr_assert_float_eq(x[7].count.lo, 1.0, 1e-12);
	cr_assert_eq(x[8].command, PUMP_CMD_TEMP_BASAL);
	cr_assert_eq(x[8].source, PUMP_SOURCE_PHONE);
	cr_assert_eq(x[8].outcome, SCENARIO_OUTCOME_ANY);
	cr_assert_str_eq(x[8].code, "");
	cr_assert(x[8].count.has_lo && x[8].count.has_hi);
	cr_assert_float_eq(x[8].count.lo, 3.0, 1e-12);
	cr_assert_float_eq(x[8].count.hi, 3.0, 1e-12);
	cr_assert(x[9].any_command);
	cr_assert_eq(x[9].outcome, SCENARIO_OUTCOME_ACCEPTED);
	cr_assert_str_eq(x[9].code, "ok");
	cr_assert_float_eq(x[9].count.lo, 1.0, 1e-12);
	cr_assert_float_eq(x[9].count.hi, 5.0, 1e-12);
	cr_assert_eq(x[10].command, PUMP_CMD_FILL_RESERVOIR, "fill is fill_reservoir");
	cr_assert_eq(x[10].source, PUMP_SOURCE_AUTOMATION);
	cr_assert(!x[10].count.has_lo && x[10].count.has_hi);
	cr_assert_float_eq(x[10].count.hi, 0.0, 1e-12);
	/* insulin delivered: between, and at_least + at_most; carbs */
	cr_assert_eq(x[11].kind, SCENARIO_EXPECT_INSULIN_DELIVERED);
	cr_assert(x[11].amount.has_lo && x[11].amount.has_hi);
	cr_assert_float_eq(x[11].amount.lo, 30.0, 1e-12);
	cr_assert_float_eq(x[11].amount.hi, 45.0, 1e-12);
	cr_assert_float_eq(x[12].amount.lo, 20.0, 1e-12);
	cr_assert_float_eq(x[12].amount.hi, 60.0, 1e-12);
	cr_assert_eq(x[13].kind, SCENARIO_EXPECT_CARBS);
	cr_assert(x[13].amount.has_lo && !x[13].amount.has_hi);
	/* therapy state at a moment (flow and block style) */
	cr_assert_eq(x[14].kind, SCENARIO_EXPECT_THERAPY_STATE);
	cr_assert_eq(x[14].therapy, PUMP_THERAPY_RUN);
	cr_assert_eq(x[14].at_min, 510);
	cr_assert_eq(x[15].therapy, PUMP_THERAPY_STOP);
	cr_assert_eq(x[15].at_min, 2 * 1440 - 1, "d3 05:59: the run's last minute");
	scenario_free(&s);
}

Test(scenario_language, expectation_text_is_one_line_as_written)
{
	scenario s = load_good("expectations.yaml");
	cr_assert_str_eq(s.expectations[2].text,
	                 "{time_in_range: {low: 70, high: 180, at_least: 60%}, window: [\"d1 "
	                 "06:00\", \"d1 23:00\"]}");
	cr_assert_str_eq(s.expectations[15].text, "{therapy_state: stop, at: \"d3 05:59\"}",
	                 "block style is rendered in flow style");
	scenario_free(&s);
	/* A very long one is cut at 199 bytes with "..." (and still a string). */
	const char *longer = "patient: adult#001\nduration: 1d\nexpect:\n"
	                     "  - {command: any, code: "
	                     "maximum_bolus_number_reached, source: automation, result: rejected, "
	                     "count: {at_least: 1000000, at_most: 1000000}, window: [\"d1 00:00\", "
	                     "\"d1 23:59\"]}  # a long comment is not part of the text\n"
	                     "  - command: any\n    code: maximum_bolus_number_reached\n"
	                     "    source: automation\n    result: rejected\n"
	                     "    count: {at_least: 1000000, at_most: 1000000}\n"
	                     "    window: [\"d1 00:00\", \"d1 23:59\"]\n";
	s = load_text(longer, "t.yaml");
	cr_assert_str_eq(s.expectations[0].text, s.expectations[1].text,
	                 "comments and style are not part of the text");
	cr_assert_str_eq(s.expectations[0].text,
	                 "{command: any, code: maximum_bolus_number_reached, source: automation, "
	                 "result: rejected, count: {at_least: 1000000, at_most: 1000000}, window: "
	                 "[\"d1 00:00\", \"d1 23:59\"]}");
	scenario_free(&s);
	char very_long[600];
	snprintf(very_long, sizeof very_long,
	         "patient: adult#001\nduration: 1d\nexpect:\n  - {annunciation: occlusion, "
	         "after: \"%s\"}\n",
	         "d1                                                                         "
	         "                                                                           "
	         "                                                        01:00");
	s = load_text(very_long, "t.yaml");
	size_t len = strlen(s.expectations[0].text);
	cr_assert_eq(len, sizeof s.expectations[0].text - 1, "%zu bytes", len);
	cr_assert_str_eq(s.expectations[0].text + len - 3, "...");
	cr_assert(strncmp(s.expectations[0].text, "{annunciation: occlusion, after: \"d1  ", 38) ==
	          0);
	scenario_free(&s);
}

Test(scenario_language, expect_failure_is_the_reason_text)
{
	scenario s = load_text("patient: adult#001\nduration: 1d\nexpect_failure: shows the "
	                       "late-bolus spike\n",
	                       "t.yaml");
	cr_assert_str_eq(s.expect_failure, "shows the late-bolus spike");
	scenario_free(&s);
}

/* ------------------------------------------------------------------------------------ */
/* Malformed files of the full language: one mistake each                                */
/* ------------------------------------------------------------------------------------ */

Test(scenario_bad_language, every_without_a_unit_is_refused)
{
	expect_bad_file("every-bad-unit.yaml", "5:36",
	                "events[0].every: expected a duration such as 90m, 1.5h or 2d (units s, m, "
	                "h, d), got 1x");
}

Test(scenario_bad_language, until_before_the_first_occurrence_is_refused)
{
	expect_bad_file("until-before-first.yaml", "5:47",
	                "events[0].until: expected a time after the first occurrence at 07:00 "
	                "(until is exclusive), got \"06:00\"");
}

Test(scenario_bad_language, count_zero_is_refused)
{
	expect_bad_file("count-zero.yaml", "5:47",
	                "events[0].count: expected an integer 1 to 1000000, got 0");
}

Test(scenario_bad_language, count_past_the_end_says_how_many_fit)
{
	expect_bad_file("count-past-end.yaml", "5:47",
	                "events[0].count: expected at most 5 (occurrence 6 would be at d6 08:00, "
	                "at or after the end of the run at d6 00:00), got 7");
}

Test(scenario_bad_language, until_without_every_is_refused)
{
	expect_bad_file("until-without-every.yaml", "5:36",
	                "events[0].until: 'until' goes with 'every'");
}

Test(scenario_bad_language, count_and_until_together_point_at_the_later)
{
	expect_bad_file("count-and-until.yaml", "5:66",
	                "events[0].count: 'count' cannot be combined with 'until'");
}

Test(scenario_bad_language, the_first_event_cannot_be_relative)
{
	expect_bad_file(
	    "relative-first-event.yaml", "5:10",
	    "events[0].at: expected a clock time \"HH:MM\" or \"dN HH:MM\" for the first "
	    "event (a relative time counts from the event before it), got \"+90m\"");
}

Test(scenario_bad_language, relative_time_with_an_unknown_unit_is_refused)
{
	expect_bad_file("relative-bad-unit.yaml", "6:10",
	                "events[1].at: expected a relative time such as +90m (units s, m, h, d), "
	                "got \"+90x\"");
}

Test(scenario_bad_language, relative_time_past_the_end_shows_the_clock_time)
{
	expect_bad_file("relative-after-end.yaml", "6:10",
	                "events[1].at: bolus of 5 U at +20h (d2 03:00) is at or after the end "
	                "(t = 1620 min, duration 1440 min");
}

Test(scenario_bad_language, a_repeat_beyond_the_event_cap_is_refused_before_allocating)
{
	expect_bad_file("repeat-too-many-events.yaml", "5:57",
	                "events[0].every: expected at most 1000000 events in all (repeats "
	                "expanded), got 5256000 (this one adds 5256000)");
}

Test(scenario_bad_language, include_of_a_missing_file_names_the_path_tried)
{
	expect_bad_file("include-missing-file.yaml", "4:11",
	                "include[0]: expected a readable fragment file, got "
	                "fragments/no-such-fragment.yaml (");
	expect_bad_file("include-missing-file.yaml", "4:11",
	                "/bad/fragments/no-such-fragment.yaml: cannot open: No such file or "
	                "directory)");
}

Test(scenario_bad_language, include_cycle_is_reported_where_it_closes_with_the_chain)
{
	expect_bad_include("include-cycle.yaml", "fragments/include-cycle.yaml", "4:10",
	                   "include: expected a file that is not already being included, got "
	                   "../include-cycle.yaml (include cycle: ");
	expect_bad_include("include-cycle.yaml", "fragments/include-cycle.yaml", "4:10",
	                   "/bad/include-cycle.yaml -> ");
}

Test(scenario_bad_language, a_mistake_inside_an_included_file_names_that_file)
{
	expect_bad_include("include-bad-fragment.yaml", "fragments/include-bad-fragment.yaml",
	                   "3:25",
	                   "events[0].meal: expected grams of carbohydrate, more than 0 and at "
	                   "most 1000, got -5");
}

Test(scenario_bad_language, a_fragment_holds_only_events_expect_and_include)
{
	expect_bad_include("include-fragment-with-scenario-key.yaml",
	                   "fragments/include-fragment-with-scenario-key.yaml", "2:1",
	                   "unknown key 'patient' (expected one of: events, expect, include)");
}

Test(scenario_bad_language, unknown_expectation_kind_lists_the_kinds)
{
	expect_bad_file("expect-unknown-kind.yaml", "5:6",
	                "expect[0]: unknown key 'glucose' (expected one of: bg, time_in_range, "
	                "annunciation, command, insulin_delivered, carbs_eaten, therapy_state, "
	                "refused, attack, history, window");
}

Test(scenario_bad_language, percentage_over_100_is_refused)
{
	expect_bad_file("tir-bad-percentage.yaml", "5:52",
	                "expect[0].time_in_range.at_least: expected a percentage 0% to 100% "
	                "(written 60% or 60), got 160%");
}

Test(scenario_bad_language, a_plain_fraction_as_a_percentage_is_refused_naming_both_readings)
{
	expect_bad_file("tir-fraction.yaml", "5:52",
	                "expect[0].time_in_range.at_least: expected a percentage 0% to 100% "
	                "(written 60% or 60), got 0.6: a plain number is percent, so this is 0.6%; "
	                "write 60% for a fraction, or 0.6% if 0.6% is meant");
}

Test(scenario_bad_language, a_glucose_in_mmol_per_litre_is_refused_with_its_mg_per_dl)
{
	expect_bad_file(
	    "bg-mmol.yaml", "5:22",
	    "expect[0].bg.min_above: expected a glucose in mg/dL (0, or 20 to 1000), got "
	    "3.9: that looks like mmol/L (3.9 mmol/L is 70 mg/dL)");
}

Test(scenario_bad_language, window_end_before_its_start_is_refused)
{
	expect_bad_file("window-end-before-start.yaml", "5:48",
	                "expect[0].window[1]: expected a time after the window's start d1 23:00 "
	                "(the end is exclusive), got \"d1 06:00\"");
}

Test(scenario_bad_language, window_starting_before_the_run_is_refused)
{
	expect_bad_file("window-outside-run.yaml", "6:47",
	                "expect[0].window[0]: expected a time within the run, 06:00 to d2 06:00 "
	                "(exclusive), got \"05:00\" (t = -60 min)");
}

Test(scenario_bad_language, misspelt_response_code_suggests_the_right_one)
{
	expect_bad_file("expect-bad-code.yaml", "5:46",
	                "expect[0].code: expected a result code: a pump result (ok, max_bolus, "
	                "not_running, …) or an IDS response code (success, parameter_out_of_range, "
	                "…), got parameter_out_of_rang; did you mean 'parameter_out_of_range'?");
}

Test(scenario_bad_language, a_refusal_code_with_result_accepted_is_refused)
{
	expect_bad_file("code-contradicts-result.yaml", "5:46",
	                "expect[0].code: expected a code of an accepted command, got max_bolus (a "
	                "code of a rejected command)");
}

Test(scenario_bad_language, therapy_state_needs_at)
{
	expect_bad_file("therapy-state-without-at.yaml", "5:5",
	                "expect[0]: a therapy_state expectation needs at (e.g. at: \"14:30\")");
}

Test(scenario_bad_language, never_with_within_is_refused)
{
	expect_bad_file("never-with-within.yaml", "5:52",
	                "expect[0].within: 'within' cannot be combined with 'never'");
}

Test(scenario_bad_language, empty_bg_bounds_are_refused)
{
	expect_bad_file("bg-empty.yaml", "5:10",
	                "expect[0].bg: expected at least one of: min_above, max_below, "
	                "mean_between, got an empty mapping");
}

Test(scenario_bad_language, between_with_at_least_is_refused)
{
	expect_bad_file("amount-between-and-at-least.yaml", "5:55",
	                "expect[0].insulin_delivered.at_least: 'at_least' cannot be combined with "
	                "'between'");
}

Test(scenario_bad_language, link_on_a_pump_event_is_refused)
{
	expect_bad_file("link-on-pump-event.yaml", "5:35",
	                "events[0].link: 'link' goes with a phone: or attack: event (the security "
	                "of the phone's link), not a bolus");
}

Test(scenario_bad_language, phone_with_two_commands_points_at_the_second)
{
	expect_bad_file("phone-two-commands.yaml", "5:37",
	                "events[0].phone: 'suspend' cannot be combined with 'bolus' (give exactly "
	                "one of: bolus, temp_basal, cancel_bolus");
}

Test(scenario_bad_language, phone_command_modifiers_go_inside_phone)
{
	expect_bad_file("phone-duration-outside.yaml", "5:64",
	                "events[0].duration: 'duration' goes inside phone:, next to its command");
}

Test(scenario_bad_language, phone_read_of_an_unknown_target_lists_the_targets)
{
	expect_bad_file("phone-unknown-read.yaml", "5:33",
	                "events[0].phone.read: expected what to read (one of: status, "
	                "annunciations, history, features, cgm, battery, device_info, serial), got "
	                "glucose");
}

Test(scenario_bad_language, sensor_drift_without_duration_is_refused)
{
	expect_bad_file("sensor-drift-without-duration.yaml", "5:5",
	                "events[0]: a sensor_drift needs a duration (e.g. duration: 2h)");
}

Test(scenario_bad_language, sensor_dropout_with_a_second_duration_is_refused)
{
	expect_bad_file("sensor-dropout-with-duration.yaml", "5:50",
	                "events[0].duration: 'duration' does not go with sensor_dropout: its value "
	                "is the duration");
}

Test(scenario_bad_language, eat_rate_zero_is_refused)
{
	expect_bad_file("eat-rate-zero.yaml", "5:39",
	                "events[0].eat_rate: expected an eating rate in g/min, more than 0 and at "
	                "most 100, got 0");
}

Test(scenario_bad_language, eat_rate_on_a_bolus_is_refused)
{
	expect_bad_file("eat-rate-on-bolus.yaml", "5:39",
	                "events[0].eat_rate: 'eat_rate' goes with a meal, not a bolus");
}

Test(scenario_bad_language, expect_failure_must_be_text)
{
	expect_bad_file("expect-failure-not-text.yaml", "4:17",
	                "expect_failure: expected the reason as one line of text");
	expect_bad_file("expect-failure-not-text.yaml", "4:17", "got true");
}

Test(scenario_bad_language_text, more_mistakes_of_the_new_keys_point_at_the_value)
{
	static const struct {
		const char *text, *where, *fragment;
	} cases[] = {
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", meal: 5, every: 0m}]\n",
	     "3:40", "events[0].every: expected a duration longer than zero, got 0m"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", meal: 5, count: 2}]\n",
	     "3:40", "events[0].count: 'count' goes with 'every'"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", meal: 5}, {at: \"+1.5m\", "
	     "meal: 5}]\n",
	     "3:39", "events[1].at: expected a relative time of whole minutes, got \"+1.5m\""},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", meal: 5}, {at: \"-1h\", "
	     "meal: 5}]\n",
	     "3:39", "events[1].at: expected a clock time \"HH:MM\" or \"dN HH:MM\", got \"-1h\""},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", sensor_noise: 0, "
	     "duration: 1h}]\n",
	     "3:38", "events[0].sensor_noise: expected an extra noise SD in mg/dL, more than 0"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", sensor_drift: 0, "
	     "duration: 1h}]\n",
	     "3:38",
	     "events[0].sensor_drift: expected a drift in mg/dL per hour, -500 to 500 and "
	     "not 0, got 0"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", compression_low: 40}]\n",
	     "3:10", "events[0]: a compression_low needs a duration"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", meal: 5, eat_rate: "
	     "101}]\n",
	     "3:43",
	     "events[0].eat_rate: expected an eating rate in g/min, more than 0 and at "
	     "most 100, got 101"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", phone: {bolus: 3}, link: "
	     "tls}]\n",
	     "3:49",
	     "events[0].link: expected a link security level (one of: authenticated, "
	     "encrypted, unencrypted), got tls"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", phone: bolus}]\n", "3:31",
	     "events[0].phone: expected a phone command such as {bolus: 3}, got bolus"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", phone: {refill: 200}}]\n",
	     "3:32", "events[0].phone: unknown key 'refill'"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", phone: {subscribe: "
	     "battery}}]\n",
	     "3:43",
	     "events[0].phone.subscribe: expected what to subscribe to (one of: cgm, "
	     "status, annunciations, history), got battery"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", phone: {set_max_bolus: "
	     "0}}]\n",
	     "3:47",
	     "events[0].phone.set_max_bolus: expected a bolus limit in U, more than 0 "
	     "and at most 100, got 0"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", phone: "
	     "{set_cgm_interval: 5m, duration: 1h}}]\n",
	     "3:64", "events[0].phone.duration: 'duration' does not go with set_cgm_interval"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", pairing_window: 0m}]\n",
	     "3:40", "events[0].pairing_window: expected a duration longer than zero, got 0m"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", pairing_window: 61m}]\n",
	     "3:40", "events[0].pairing_window: expected 1m to 60m, got 61m"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", pairing_window: soon}]\n",
	     "3:40", "events[0].pairing_window: expected a duration such as 90m"},
	    {"patient: adult#001\nduration: 1d\nevents: [{at: \"07:00\", pairing_window: 2m, "
	     "duration: 5m}]\n",
	     "3:54", "events[0].duration: 'duration' does not go with pairing_window"},
	    {"patient: adult#001\nduration: 1d\nexpect: {bg: {min_above: 54}}\n", "3:9",
	     "expect: expected a list of expectations, got a mapping"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{bg: {min_above: 54}, within: 1h}]\n",
	     "3:40", "expect[0].within: 'within' goes with annunciation, not bg"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{bg: {min_above: 100, max_below: 80}}]\n",
	     "3:43", "expect[0].bg.max_below: expected more than min_above (100), got 80"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{bg: {mean_between: [160, 100]}}]\n",
	     "3:36",
	     "expect[0].bg.mean_between[1]: expected a high end at least the low end 160, "
	     "got 100"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{bg: {mean_between: [100]}}]\n", "3:30",
	     "got a list of 1"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{time_in_range: {low: 70}}]\n", "3:26",
	     "expect[0].time_in_range: expected at_least or at_most"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{time_in_range: {low: 180, high: 70, "
	     "at_least: 5}}]\n",
	     "3:43", "expect[0].time_in_range.high: expected a range with low < high"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{time_in_range: {at_least: \"60\"}}]\n",
	     "3:37", "(a quoted string; write numbers without quotes)"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{time_in_range: {at_least: 60%%}}]\n",
	     "3:37", "expected a percentage 0% to 100% (written 60% or 60), got 60%%"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{annunciation: oclusion}]\n", "3:25",
	     "did you mean 'occlusion'?"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{annunciation: occlusion, never: "
	     "false}]\n",
	     "3:43", "expect[0].never: expected true (or no value), got false"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{annunciation: occlusion, after: "
	     "\"d2 00:00\"}]\n",
	     "3:43",
	     "expect[0].after: expected a time within the run, 00:00 to d2 00:00 "
	     "(exclusive), got \"d2 00:00\""},
	    {"patient: adult#001\nduration: 1d\nexpect: [{command: bolsu}]\n", "3:20",
	     "did you mean 'bolus'?"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{command: bolus, result: refused}]\n",
	     "3:35",
	     "expect[0].result: expected a result (one of: accepted, rejected, any), got "
	     "refused"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{command: bolus, source: ble}]\n", "3:35",
	     "expect[0].source: expected a source (one of: phone, pump, automation, controller), "
	     "got ble"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{command: bolus, count: -1}]\n", "3:34",
	     "expect[0].count: expected an integer 0 to 1000000, got -1"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{command: bolus, count: {at_least: 5, "
	     "at_most: 2}}]\n",
	     "3:57", "expect[0].count.at_most: expected at least at_least (5), got 2"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{insulin_delivered: {}}]\n", "3:30",
	     "expect[0].insulin_delivered: expected one of: between, at_least, at_most, got an "
	     "empty mapping"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{carbs_eaten: {at_least: -1}}]\n", "3:35",
	     "expect[0].carbs_eaten.at_least: expected grams of carbohydrate, 0 to 1e+06"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{therapy_state: running, at: "
	     "\"12:00\"}]\n",
	     "3:26", "expected a therapy state (one of: run, pause, stop), got running"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{therapy_state: run, at: \"12:00\", "
	     "window: [\"00:00\", \"13:00\"]}]\n",
	     "3:52", "expect[0].window: 'window' does not go with therapy_state"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{bg: {min_above: 54}, window: "
	     "[\"00:00\"]}]\n",
	     "3:40", "expect[0].window: expected a window [FROM, TO] of two clock times"},
	    {"patient: adult#001\nduration: 1d\nexpect: [{bg: {min_above: 54}, window: "
	     "[\"00:00\", \"d2 00:01\"]}]\n",
	     "3:50",
	     "expect[0].window[1]: expected a time within the run, 00:00 to d2 00:00 "
	     "(inclusive), got \"d2 00:01\""},
	    {"patient: adult#001\nduration: 1d\nexpect_failure: 42\n", "3:17",
	     "expect_failure: expected the reason as one line of text"},
	    {"patient: adult#001\nduration: 1d\nexpect_failure: [a]\n", "3:17",
	     "expect_failure: expected the reason as one line of text"},
	    {"patient: adult#001\nduration: 1d\ninclude: {a: b}\n", "3:10",
	     "include: expected a fragment file such as fragments/meals.yaml, got a mapping"},
	    {"patient: adult#001\nduration: 1d\ninclude: [\"\"]\n", "3:11",
	     "include[0]: expected a fragment file such as fragments/meals.yaml, got \"\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_log_info("case %zu", i);
		expect_bad_text(cases[i].text, cases[i].where, cases[i].fragment);
	}
}

Test(scenario_bad_language_text, a_fragment_that_is_not_a_mapping_or_not_yaml_names_itself)
{
	char dir[] = "/tmp/scenario-include-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char main_path[256], frag_path[256];
	snprintf(main_path, sizeof main_path, "%s/main.yaml", dir);
	snprintf(frag_path, sizeof frag_path, "%s/frag.yaml", dir);
	static const struct {
		const char *fragment, *where, *message;
	} cases[] = {
	    {"- {at: \"07:00\", meal: 5}\n", "1:1",
	     "expected a fragment: a mapping with events, expect or include, got a list"},
	    {"events: [\n", "2:1", "YAML syntax error"},
	    {"# nothing\n", "1:1", "empty fragment"},
	    {"events: []\n---\nevents: []\n", "2:1", "a fragment holds one YAML document"},
	    {"include: frag.yaml\n", "1:10",
	     "include: expected a file that is not already being "
	     "included, got frag.yaml (include cycle: "},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_log_info("case %zu", i);
		FILE *f = fopen(frag_path, "w");
		cr_assert_not_null(f);
		fputs(cases[i].fragment, f);
		fclose(f);
		const char *text = "patient: adult#001\nduration: 1d\ninclude: frag.yaml\n";
		scenario s;
		scenario_error err;
		memset(&s, 0xA5, sizeof s);
		bool loaded = scenario_load_string(text, strlen(text), main_path, &s, &err);
		check_refused(frag_path, loaded, &s, &err, cases[i].where, cases[i].message);
	}
	remove(frag_path);
	rmdir(dir);
}

/* ------------------------------------------------------------------------------------ */
/* The attack language cannot lie (issue 12, hole 11)                                   */
/* ------------------------------------------------------------------------------------ */

Test(scenario_bad_language, an_attack_on_an_unknown_characteristic_is_refused_with_the_closest)
{
	expect_bad_file("attack-unknown-characteristic.yaml", "5:55",
	                "events[0].attack.characteristic: expected a characteristic such as "
	                "idd_command_cp or battery_level (docs/ble.md lists them), got "
	                "idd_comand_cp; did you mean 'idd_command_cp'?");
	expect_bad_text("patient: adult#001\nduration: 1d\nevents:\n"
	                "  - {at: \"08:00\", attack: {kind: flood, read: batery_level}}\n",
	                "4:47", "did you mean 'battery_level'?");
}

Test(scenario_bad_language, attack_and_history_expectations_name_what_exists)
{
	expect_bad_text("patient: adult#001\nduration: 1d\nexpect:\n"
	                "  - {attack: replays}\n",
	                "4:14", "expected an attack kind (one of: replay, tamper, raw");
	expect_bad_text("patient: adult#001\nduration: 1d\nexpect:\n"
	                "  - {attack: replay, answer: e2e_invalid_countr}\n",
	                "4:30", "did you mean 'e2e_invalid_counter'?");
	expect_bad_text("patient: adult#001\nduration: 1d\nexpect:\n"
	                "  - {refused: any, answer: success}\n",
	                "4:28", "'answer' goes with attack, not refused");
	expect_bad_text("patient: adult#001\nduration: 1d\nexpect:\n"
	                "  - {history: bolus_delivred_1}\n",
	                "4:15", "did you mean 'bolus_delivered_1'?");
}

Test(scenario_bad_language, a_delivery_context_goes_with_a_phone_temp_basal_only)
{
	expect_bad_text("patient: adult#001\nduration: 1d\nevents:\n"
	                "  - {at: \"08:00\", phone: {bolus: 2, context: ap_controller}}\n",
	                "4:46", "'context' goes with a temp_basal");
	expect_bad_text(
	    "patient: adult#001\nduration: 1d\nevents:\n"
	    "  - {at: \"08:00\", temp_basal: 1, duration: 1h, context: ap_controller}\n",
	    "4:48", "unknown key 'context'");
}

Test(scenario_good, attacks_and_their_expectations_load)
{
	const char *text = "patient: adult#001\nduration: 1d\nevents:\n"
	                   "  - {at: \"07:00\", phone: {temp_basal: 150%, duration: 30m, context: "
	                   "ap_controller}}\n"
	                   "  - {at: \"08:00\", attack: {kind: flood, count: 8000, read: "
	                   "battery_level}, link: unencrypted}\n"
	                   "expect:\n"
	                   "  - {attack: flood, answer: insufficient_resources, count: 1}\n"
	                   "  - {attack: any}\n"
	                   "  - {history: bolus_delivered_1, count: {at_least: 1}}\n";
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "mem.yaml", &s, &err), "%s",
	          err.message);
	cr_assert_eq(s.events[0].tbr_context, 0x55);
	cr_assert(s.events[1].attack_read);
	cr_assert_str_eq(s.events[1].attack_characteristic, "battery_level");
	cr_assert_eq(s.expectations[0].kind, SCENARIO_EXPECT_ATTACK);
	cr_assert_eq(s.expectations[0].attack, SCENARIO_ATTACK_FLOOD);
	cr_assert_str_eq(s.expectations[0].code, "insufficient_resources");
	cr_assert_eq(s.expectations[1].attack, -1);
	cr_assert_eq(s.expectations[2].kind, SCENARIO_EXPECT_HISTORY);
	cr_assert_eq(s.expectations[2].history_event, 0x0069);
	scenario_free(&s);
}

/* pump: {controller: …} and the events that talk to it (sim/scenario/controller_keys.c). */
Test(scenario_controller, settings_not_written_take_the_patients_defaults_and_written_ones_win)
{
	static const char text[] = "patient: child#001\nduration: 1h\n"
	                           "pump:\n  controller: {algorithm: pid-ifb, target: 120, "
	                           "interval: 10m, pid: {ti: 5h, td: 0}}\n";
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "mem.yaml", &s, &err), "%s",
	          err.message);
	cr_assert(s.has_controller && s.controller_enabled);
	cr_assert_eq(s.controller.algorithm, CONTROLLER_PID_IFB);
	cr_assert_float_eq(s.controller.target_mgdl, 120.0, 1e-12);
	cr_assert_eq(s.controller.interval_min, 10);
	cr_assert_float_eq(s.controller.pid.ti_min, 300.0, 1e-12);
	cr_assert_float_eq(s.controller.pid.td_min, 0.0, 1e-12);
	cr_assert_gt(s.controller.max_basal_u_per_h, 0.0); /* 4 x the child's basal */
	cr_assert_gt(s.controller.pid.kp_u_per_h_per_mgdl, 0.0);
	scenario_free(&s);
}

Test(scenario_controller, meals_announced_not_eaten_and_switches_are_events)
{
	static const char text[] = "patient: adult#001\nduration: 2h\n"
	                           "pump: {controller: {algorithm: oref0, enabled: false}}\n"
	                           "events:\n  - {at: \"00:10\", meal: 40, announce: true}\n"
	                           "  - {at: \"00:20\", meal: 30}\n"
	                           "  - {at: \"00:30\", announce: 20}\n"
	                           "  - {at: \"00:40\", controller: on}\n";
	scenario s;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "mem.yaml", &s, &err), "%s",
	          err.message);
	cr_assert_not(s.controller_enabled);
	cr_assert_eq(s.event_count, 4);
	cr_assert(s.events[0].kind == SCENARIO_EVENT_MEAL && s.events[0].announce);
	cr_assert(s.events[1].kind == SCENARIO_EVENT_MEAL && !s.events[1].announce);
	cr_assert(s.events[2].kind == SCENARIO_EVENT_ANNOUNCE && s.events[2].amount == 20.0);
	cr_assert(s.events[3].kind == SCENARIO_EVENT_CONTROLLER && s.events[3].controller_on);
	scenario_free(&s);
}

Test(scenario_controller, mistakes_point_at_the_value)
{
	expect_bad_text("patient: adult#001\nduration: 1h\nevents:\n  - {at: \"00:10\", "
	                "announce: 30}\n",
	                "4:29", "events[0].announce: the pump has no controller to tell");
	expect_bad_text("patient: adult#001\nduration: 1h\npump:\n  controller: {algorithm: "
	                "pid-ifb, oref0: {smb: true}}\n",
	                "4:43",
	                "pump.controller.oref0: 'oref0' goes with algorithm: oref0 (this "
	                "controller is pid-ifb)");
	expect_bad_text("patient: adult#001\nduration: 1h\npump:\n  controller: {algorithm: "
	                "orefo}\n",
	                "4:27",
	                "pump.controller.algorithm: expected a controller algorithm (one of: "
	                "basal-bolus, pid-ifb, oref0), got orefo; did you mean 'oref0'?");
	expect_bad_text("patient: adult#001\nduration: 1h\npump:\n  controller: {algorithm: "
	                "oref0, target: 300}\n",
	                "4:42", "pump.controller.target: expected a glucose in mg/dL, 70 to 200");
	expect_bad_text("patient: adult#001\nduration: 1h\npump:\n  controller: {target: 110}\n",
	                "4:15", "pump.controller: missing required key 'algorithm'");
	expect_bad_text("patient: adult#001\nduration: 1h\npump: {controller: {algorithm: "
	                "oref0}}\nevents:\n  - {at: \"00:10\", meal: 20, announce: maybe}\n",
	                "5:39", "events[0].announce: expected true or false, got maybe");
}

/* ---------------------------------------------------------------------------------- */
/* Faults on cue (issue 15): the words of `fakepump ctl fault`                         */
/* ---------------------------------------------------------------------------------- */

Test(scenario_bad_language, fault_argument_out_of_range_says_which_and_why)
{
	expect_bad_file("fault-bad-argument.yaml", "5:26",
	                "events[0].fault: drop_notifications: nth: expected a whole number 2 … "
	                "1000, got '1'");
}

Test(scenario_bad_language, unknown_fault_names_the_nearest_kind)
{
	expect_bad_file(
	    "fault-unknown.yaml", "5:26",
	    "events[0].fault: expected a fault: a kind and its key=value words "
	    "(occlusion, battery_dead, disconnect, \"drop_notifications nth=3 "
	    "for=10m\", … docs/qa-guide.md), got disconect; did you mean 'disconnect'?");
}

Test(scenario_language, phone_and_pump_faults_load_with_their_words)
{
	const char *yaml = "patient: adult#001\n"
	                   "duration: 1d\n"
	                   "events:\n"
	                   "  - {at: \"01:00\", fault: \"drop_notifications nth=3 for=10m\"}\n"
	                   "  - {at: \"02:00\", fault: \"occlusion missed=2.5\"}\n"
	                   "  - {at: \"03:00\", fault: \"time_jump by=-30\"}\n"
	                   "  - {at: \"04:00\", fault: battery_drain, drain: 20}\n";
	scenario s = {0};
	scenario_error err;
	cr_assert(scenario_load_string(yaml, strlen(yaml), "faults.yaml", &s, &err), "%s",
	          err.message);
	cr_assert_eq(s.event_count, 4);
	const fault_spec *f = &s.events[0].fault_spec;
	cr_assert(f->is_ble);
	cr_assert_eq(f->ble.kind, BLE_FAULT_DROP_NOTIFICATIONS);
	cr_assert_eq(f->ble.nth, 3);
	cr_assert_eq(f->for_min, 10);
	cr_assert_not(s.events[1].fault_spec.is_ble);
	cr_assert_eq(s.events[1].fault, PUMP_FAULT_OCCLUSION);
	cr_assert_float_eq(s.events[1].amount, 2.5, 1e-12);
	cr_assert_eq(s.events[2].fault_spec.ble.by, -30);
	cr_assert_eq(s.events[3].fault, PUMP_FAULT_BATTERY_DRAIN);
	cr_assert_float_eq(s.events[3].amount, 20.0, 1e-12);
	scenario_free(&s);
}
