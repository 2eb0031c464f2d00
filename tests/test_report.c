/*
 * test_report — the report's core (sim/report/): the HTML and SVG written from runs built
 * by hand, the threat each run exercises and its outcome in clinical terms, and the reader
 * on a database recorded by the real executable.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_read.h"
#include "report_svg.h"
#include "report_threats.h"
#include "support.h"

/* A day of a run by hand: true glucose 120, dipping to 50 at 10:00–10:30; CGM every 5 min. */
static void day_run(report_run *r, const char *name, const char *profile)
{
	report_run_init(r);
	r->id = 7;
	r->name = report_run_str(r, name);
	r->patient = "adult#001";
	r->status = "passed";
	r->duration_min = 1440;
	r->seed = 41;
	r->has_facts = true;
	r->security_profile = profile;
	r->sensor_model = "dexcom";
	r->sensor_interval_min = 3;
	r->summary = (report_summary){.present = true, .insulin_u = 42.4, .ended = "completed"};
	r->profile = agp_new(0);
	for (int64_t t = 0; t <= 1440; t++) {
		const double bg = t >= 600 && t < 630 ? 50.0 : 120.0;
		report_column *c = &r->cols[report_column_of(t, 0, 1441)];
		c->bg_min = c->rows ? fminf(c->bg_min, (float)bg) : (float)bg;
		c->bg_max = c->rows ? fmaxf(c->bg_max, (float)bg) : (float)bg;
		c->rows++;
		agp_add(r->profile, t, bg, NAN, 0, 0);
		if (bg < 54)
			r->minutes_below_54++;
		if (bg < 70)
			r->minutes_below_70++;
	}
	r->first_min = 0;
	r->last_min = 1440;
	r->lowest_bg_mgdl = 50;
	r->lowest_bg_min = 600;
}

static char *html_of(const report_run *runs, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const report_options opt = {.db_path = "x.db", .generator = "test", .generated_at = "now"};
	report_html_begin(f, &opt, runs, n, NULL, 0);
	for (size_t i = 0; i < n; i++)
		report_html_run(f, &runs[i], report_twin(runs, n, i));
	report_html_end(f);
	fclose(f);
	return buf;
}

static void add_audit(report_run *r, report_audit a)
{
	r->audit = realloc(r->audit, (r->audit_count + 1) * sizeof *r->audit);
	a.repeat = a.repeat ? a.repeat : 1;
	a.count = a.count ? a.count : 1;
	a.value = NAN;
	r->audit[r->audit_count++] = a;
	r->attacks += strcmp(a.type, "ble_attack") == 0;
}

Test(report, text_from_the_database_is_escaped_and_nothing_is_loaded_from_outside)
{
	report_run r;
	day_run(&r, "<script>alert(1)</script> & \"x\"", "hardened");
	r.scenario_comment = "<img src=http://evil/x.png>";
	char *html = html_of(&r, 1);
	cr_assert_null(strstr(html, "<script"), "no script element at all");
	cr_assert_null(strstr(html, "<img"), "no image from the data");
	cr_assert(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
	cr_assert(strstr(html, "&lt;img src=http://evil/x.png&gt;"), "a tag in the data is text");
	cr_assert_null(strstr(html, "href=\"http"), "no link out");
	cr_assert(strstr(html, "<footer id=\"end\">"), "the end marker the browser test expects");
	free(html);
	report_run_clear(&r);
}

/* The lines of a footer, counted; the longest's length in characters (UTF-8 "·" and "…"
 * count one). */
static int footer_lines(const char *footer, size_t *longest)
{
	int lines = 0;
	*longest = 0;
	for (const char *line = footer; *line;) {
		const char *end = strchr(line, '\n');
		const char *stop = end ? end : line + strlen(line);
		size_t chars = 0;
		for (const char *c = line; c < stop; c++)
			chars += ((unsigned char)*c & 0xC0) != 0x80;
		if (chars > *longest)
			*longest = chars;
		lines++;
		line = end ? end + 1 : stop;
	}
	return lines;
}

Test(report, a_pictures_footer_keeps_the_settings_on_a_line_of_their_own)
{
	/* A picture 1600 pixels wide holds about 190 characters of the footer's small type;
	 * the layout gives a footer 3 lines. The settings once shared the scenario's line and
	 * ran off the picture with a long path. */
	report_run r;
	day_run(&r, "day", "hardened");
	r.path = "/home/qa/projects/fakepump-regression/scenarios/site-b/sensor-dropout.yaml";
	r.scenario_sha256 = "cff9fb632ac5d1e0";
	r.started_at = "2026-12-05T07:32:13.579Z";
	r.build = "0.1.0 (git 5859dbb8908d)";
	r.host = "vm (Linux 6.18.44 x86_64)";
	r.max_bolus_u = 25;
	r.max_basal_u_per_h = 15;
	r.max_daily_u = 150;
	r.max_iob_u = 40;
	r.lgs_text = "on";
	char footer[1200];
	report_run_footer(&r, "/var/lib/fakepump/runs.db", footer, sizeof footer);
	size_t longest;
	cr_assert_eq(footer_lines(footer, &longest), 3, "%s", footer);
	cr_assert_leq(longest, 150, "a line of %zu characters: %s", longest, footer);
	const char *third = strrchr(footer, '\n') + 1;
	cr_assert(strncmp(third, "limits bolus 25 U, basal 15 U/h, daily 150 U, IOB 40 U", 54) == 0,
	          "%s", third);
	cr_assert(strstr(third, "low-glucose suspend on · hardened, E2E off"), "%s", third);
	r.has_facts = false;
	report_run_footer(&r, "runs.db", footer, sizeof footer);
	cr_assert_eq(footer_lines(footer, &longest), 2, "%s", footer);
	cr_assert(strstr(footer, "· settings not recorded"), "%s", footer);
	report_run_clear(&r);
}

Test(report, statistics_say_whether_they_are_on_true_glucose_or_on_cgm)
{
	report_run r;
	day_run(&r, "day", "hardened");
	char *html = html_of(&r, 1);
	cr_assert(strstr(html, "Computed on TRUE (plasma) glucose"));
	cr_assert(strstr(html, "Computed on CGM readings"));
	cr_assert(strstr(html, "50.0 mg/dL at d1 10:00"), "the lowest and when");
	free(html);
	report_run_clear(&r);
}

Test(report, alarms_faults_and_sensor_faults_are_named_on_the_chart)
{
	report_run r;
	day_run(&r, "day", "hardened");
	report_marker m[] = {
	    {.t_min = 300, .kind = REPORT_MARK_ALARM, .name = "low_glucose_suspend"},
	    {.t_min = 700, .kind = REPORT_MARK_FAULT, .name = "occlusion"}};
	r.markers = malloc(sizeof m);
	memcpy(r.markers, m, sizeof m);
	r.marker_count = 2;
	report_sensor_fault s = {.kind = "sensor_dropout", .at_min = 120, .duration_min = 90};
	r.sensor_faults = malloc(sizeof s);
	*r.sensor_faults = s;
	r.sensor_fault_count = 1;
	char *svg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&svg, &len);
	report_svg_trace(f, &r);
	fclose(f);
	cr_assert(strstr(svg, ">low glucose suspend</text>"), "the alarm by name");
	cr_assert(strstr(svg, ">fault: occlusion</text>"), "the fault by name");
	cr_assert(strstr(svg, "class=\"sensor-fault\""), "the dropout shaded");
	cr_assert(strstr(svg, ">sensor dropout (no readings)</text>"), "and labelled");
	cr_assert(strstr(svg, ">03:00</text>"), "clock labels for a day");
	free(svg);
	report_run_clear(&r);
}

Test(report, an_interrupted_run_says_where_it_stopped)
{
	report_run r;
	day_run(&r, "day", "hardened");
	r.status = "interrupted";
	r.summary.ended = "interrupted";
	r.summary.ended_at_min = 243;
	r.summary.stopped_by = "SIGINT";
	char *html = html_of(&r, 1);
	cr_assert(strstr(html, "Verdict: interrupted at d1 04:03 (SIGINT)"), "%s",
	          strstr(html, "Verdict"));
	cr_assert(strstr(html, "interrupted at d1 04:03: not run past here"));
	cr_assert(strstr(html, "not judged: the run did not end"));
	free(html);
	report_run_clear(&r);
}

Test(report, long_runs_get_the_daily_profile_and_labelled_days)
{
	report_run r;
	report_run_init(&r);
	r.name = "month";
	r.status = "done";
	r.duration_min = 30 * 1440;
	r.profile = agp_new(0);
	r.summary.present = true;
	for (int64_t t = 0; t <= r.duration_min; t += 5) {
		agp_add(r.profile, t, 100 + 50 * sin((double)t / 200.0), NAN, 0, 0);
		report_column *c = &r.cols[report_column_of(t, 0, r.duration_min + 1)];
		c->bg_min = c->bg_max = 100;
		c->rows++;
	}
	r.first_min = 0;
	r.last_min = r.duration_min;
	char *html = html_of(&r, 1);
	cr_assert(strstr(html, "class=\"chart agp\""), "the AGP overlay");
	cr_assert(strstr(html, "class=\"chart days\""), "the day-by-day strip");
	cr_assert(strstr(html, ">Day 8</text>"), "week ticks name their day");
	cr_assert(strstr(html, "over 31 days"));
	free(html);
	report_run_clear(&r);
}

Test(report, a_replay_is_classified_with_its_row_stride_and_control)
{
	report_run r;
	day_run(&r, "replay-hardened", "hardened");
	add_audit(&r, (report_audit){.type = "ble_attack",
	                             .result = "replay",
	                             .security = "authenticated (LE SC + MITM)",
	                             .answer = "e2e_invalid_counter",
	                             .att_error = 0x82});
	const report_threat *t = report_threat_of(&r);
	cr_assert_not_null(t);
	cr_assert_str_eq(t->key, "replay");
	cr_assert_str_eq(t->stride, "Spoofing");
	cr_assert(strstr(t->rows, "R1"));
	report_run plain;
	day_run(&plain, "normal-day", "hardened");
	cr_assert_null(report_threat_of(&plain), "an ordinary run tells no security story");
	report_run_clear(&r);
	report_run_clear(&plain);
}

Test(report, the_legacy_twin_shows_harm_in_clinical_terms_and_the_hardened_one_refused)
{
	report_run runs[2];
	day_run(&runs[0], "replay-hardened", "hardened");
	runs[0].lowest_bg_mgdl = 110;
	runs[0].minutes_below_54 = 0;
	add_audit(&runs[0],
	          (report_audit){.type = "ble_refused", .result = "e2e: invalid counter"});
	add_audit(&runs[0], (report_audit){.type = "ble_attack", .result = "replay"});
	day_run(&runs[1], "replay-legacy-vulnerable", "legacy-vulnerable");
	runs[1].summary.insulin_u = 62.4;
	add_audit(&runs[1],
	          (report_audit){.type = "ble_attack", .result = "replay", .answer = "success"});
	char buf[1400];
	cr_assert_eq(report_outcome_of(&runs[0], &runs[1], buf, sizeof buf), REPORT_REFUSED);
	cr_assert(strstr(buf, "e2e: invalid counter ×1"), "%s", buf);
	cr_assert_eq(report_outcome_of(&runs[1], &runs[0], buf, sizeof buf), REPORT_HARM);
	cr_assert(strstr(buf, "+20.00 U of insulin the patient did not ask for"), "%s", buf);
	cr_assert(strstr(buf, "lowest true glucose 50 mg/dL at d1 10:00"), "%s", buf);
	cr_assert(strstr(buf, "30 min below 54 mg/dL (level 2)"), "%s", buf);
	cr_assert(report_twin(runs, 2, 0) == &runs[1]);
	char *html = html_of(runs, 2);
	cr_assert(strstr(html, "replay-hardened — verdict: refused."));
	cr_assert(strstr(html, "replay-legacy-vulnerable — verdict: harm."));
	cr_assert(strstr(html, "STRIDE: <b>Spoofing</b>"));
	free(html);
	report_run_clear(&runs[0]);
	report_run_clear(&runs[1]);
}

Test(report, limits_that_hold_on_the_weak_profile_are_said_to_contain_it)
{
	report_run runs[2];
	day_run(&runs[0], "out-of-range-hardened", "hardened");
	day_run(&runs[1], "out-of-range-legacy-vulnerable", "legacy-vulnerable");
	for (int i = 0; i < 2; i++) {
		add_audit(&runs[i], (report_audit){.type = "ble_attack", .result = "out_of_range"});
		add_audit(&runs[i], (report_audit){
		                        .type = "command", .name = "bolus", .result = "max_bolus"});
	}
	char buf[1400];
	cr_assert_eq(report_outcome_of(&runs[1], &runs[0], buf, sizeof buf), REPORT_CONTAINED);
	cr_assert(strstr(buf, "the pump: max_bolus ×1"), "%s", buf);
	report_run_clear(&runs[0]);
	report_run_clear(&runs[1]);
}

/* The reader on a real database: a day with a sensor fault and an expectation. */
Test(report, the_reader_gets_settings_verdicts_files_and_samples_from_a_recorded_run,
     .timeout = 120)
{
	char *dir = make_temp_dir();
	char yaml[512], db[512], html[512];
	snprintf(yaml, sizeof yaml, "%s/day.yaml", dir);
	snprintf(db, sizeof db, "%s/runs.db", dir);
	snprintf(html, sizeof html, "%s/r.html", dir);
	write_file(yaml, "# A day with a hole in the sensor.\n"
	                 "name: hole\npatient: adult#002\nduration: 1d\nseed: 3\n"
	                 "cgm: {model: dexcom}\nsecurity: legacy-vulnerable\n"
	                 "pump: {limits: {max_bolus: 12}}\n"
	                 "events:\n  - {at: \"07:00\", meal: 40}\n"
	                 "  - {at: \"09:00\", sensor_dropout: 45m}\n"
	                 "expect:\n  - {bg: {min_above: 40}}\n");
	const char *args[] = {"run", yaml, "--db", db, "-q", NULL};
	run_result rr = run_fakepump(args);
	cr_assert_eq(rr.exit_status, 0, "%s%s", rr.out, rr.err);
	run_result_free(&rr);
	char err[600] = "";
	report_db *d = report_db_open(db, err, sizeof err);
	cr_assert_not_null(d, "%s", err);
	report_run r;
	report_run_init(&r);
	cr_assert(report_db_read_run(d, 1, &r, err, sizeof err), "%s", err);
	cr_assert_str_eq(r.name, "hole");
	cr_assert_str_eq(r.patient, "adult#002");
	cr_assert(r.has_facts);
	cr_assert_str_eq(r.security_profile, "legacy-vulnerable");
	cr_assert_str_eq(r.sensor_model, "dexcom");
	cr_assert_float_eq(r.max_bolus_u, 12, 1e-9);
	cr_assert_eq(r.sensor_fault_count, 1);
	cr_assert_str_eq(r.sensor_faults[0].kind, "sensor_dropout");
	cr_assert_eq(r.sensor_faults[0].at_min, 540);
	cr_assert_eq(r.sensor_faults[0].duration_min, 45);
	cr_assert_eq(r.expectation_count, 1);
	cr_assert(r.expectations[0].passed);
	cr_assert_eq(r.file_count, 1);
	cr_assert_str_eq(r.files[0].sha256, r.scenario_sha256);
	cr_assert_str_eq(r.scenario_comment, "A day with a hole in the sensor.");
	cr_assert_eq(r.minutes, 1441);
	cr_assert_eq(r.first_min, 0);
	cr_assert_eq(r.last_min, 1440);
	int64_t in_dropout = 0;
	for (int c = 0; c < REPORT_COLUMNS; c++)
		in_dropout += r.cols[c].cgm_n;
	cr_assert_eq(in_dropout, r.cgm_readings);
	cr_assert_lt(r.cgm_readings, 1440 / 3 + 1 - 45 / 3 + 1, "no readings in the dropout");
	report_run_clear(&r);
	cr_assert_not(report_db_read_run(d, 9, &r, err, sizeof err));
	cr_assert(strstr(err, "no run 9"), "%s", err);
	report_db_close(d);

	const char *rep[] = {"report", "1", "--db", db, "--html", html, NULL};
	rr = run_fakepump(rep);
	cr_assert_eq(rr.exit_status, 0, "%s", rr.err);
	run_result_free(&rr);
	char *text = read_file(html, NULL);
	cr_assert(strstr(text, "A day with a hole in the sensor."));
	free(text);
	const char *none[] = {"report", "--db", db, "--html", html, NULL};
	rr = run_fakepump(none);
	cr_assert_eq(rr.exit_status, 2);
	cr_assert(strstr(rr.err, "which runs?"), "%s", rr.err);
	run_result_free(&rr);
	remove_tree(dir);
	free(dir);
}

/* A flood's thousands of refusals fold into a few audit rows that still count every one
 * (a refused command is two rows, the pump's and the server's, alternating). */
Test(report, a_flood_is_folded_and_every_refusal_counted, .timeout = 120)
{
	char *dir = make_temp_dir();
	char db[512];
	snprintf(db, sizeof db, "%s/runs.db", dir);
	const char *args[] = {"run",  SCENARIO_LIBRARY_DIR "/attacks/flood-legacy-vulnerable.yaml",
	                      "--db", db,
	                      "-q",   NULL};
	run_result rr = run_fakepump(args);
	cr_assert_eq(rr.exit_status, 0, "%s%s", rr.out, rr.err);
	run_result_free(&rr);
	char err[600] = "";
	report_db *d = report_db_open(db, err, sizeof err);
	cr_assert_not_null(d, "%s", err);
	report_run r;
	report_run_init(&r);
	cr_assert(report_db_read_run(d, 1, &r, err, sizeof err), "%s", err);
	unsigned long server = 0, pump = 0;
	for (size_t i = 0; i < r.audit_count; i++) {
		if (strcmp(r.audit[i].type, "ble_refused") == 0)
			server += r.audit[i].count;
		if (strcmp(r.audit[i].type, "command") == 0 && r.audit[i].result &&
		    strcmp(r.audit[i].result, "bolus_active") == 0)
			pump += r.audit[i].count;
	}
	cr_assert_eq(server, 2997);
	cr_assert_eq(pump, 2997);
	cr_assert_lt(r.audit_count, 100, "folded: %zu rows", r.audit_count);
	report_run_clear(&r);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}
