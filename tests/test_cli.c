/*
 * The fakepump command line as a user meets it: help, version, patients, exit statuses,
 * bad input answered with file:line:column and status 2, the CSV's shape, determinism
 * (same seed → same bytes, other seed → other noise), and --speed pacing.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "support.h"

static char *tmp;

static void make_tmp(void)
{
	tmp = make_temp_dir();
	cr_assert_not_null(tmp);
}

static void drop_tmp(void)
{
	remove_tree(tmp);
	free(tmp);
}

TestSuite(cli, .init = make_tmp, .fini = drop_tmp);

static void path_in_tmp(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmp, name);
}

static const char day_dexcom[] = "name: day\n"
                                 "patient: adult#003\n"
                                 "duration: 6h\n"
                                 "start: \"06:00\"\n"
                                 "seed: %u\n"
                                 "cgm: {model: dexcom}\n"
                                 "events:\n"
                                 "  - {at: \"07:00\", meal: 60}\n"
                                 "  - {at: \"07:00\", bolus: 6}\n";

static void write_day(const char *name, unsigned seed, char *path, size_t cap)
{
	char yaml[1024];
	snprintf(yaml, sizeof yaml, day_dexcom, seed);
	path_in_tmp(path, cap, name);
	cr_assert_eq(write_file(path, yaml), 0);
}

Test(cli, help_names_the_commands_and_exits_0)
{
	const char *args[] = {"--help", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0);
	cr_assert(strstr(r.out, "run FILE") && strstr(r.out, "patients") &&
	              strstr(r.out, "--speed") && strstr(r.out, "--csv"),
	          "%s", r.out);
	run_result_free(&r);
}

Test(cli, version_prints_the_version)
{
	const char *args[] = {"--version", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0);
	cr_assert(strncmp(r.out, "fakepump ", 9) == 0, "%s", r.out);
	run_result_free(&r);
}

Test(cli, patients_lists_all_thirty)
{
	const char *args[] = {"patients", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0);
	int lines = 0;
	for (const char *p = r.out; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 31, "header + 30 patients, got %d lines", lines);
	cr_assert(strstr(r.out, "adolescent#001") && strstr(r.out, "child#010"));
	run_result_free(&r);
}

Test(cli, usage_errors_exit_2_with_a_message)
{
	const char *const cases[][4] = {
	    {"frobnicate", NULL},
	    {"run", NULL},
	    {"run", "x.yaml", "--speed", "fast"},
	    {"run", "x.yaml", "--speed", "0"},
	    {"run", "x.yaml", "--bogus", NULL},
	    {"run", "x.yaml", "--csv", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *args[5] = {cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL};
		run_result r = run_fakepump(args);
		cr_expect_eq(r.exit_status, 2, "case %zu: status %d", i, r.exit_status);
		cr_expect(strlen(r.err) > 10, "case %zu: no message", i);
		run_result_free(&r);
	}
}

Test(cli, missing_scenario_file_exits_2_naming_it)
{
	const char *args[] = {"run", "/nonexistent/day.yaml", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 2);
	cr_assert(strstr(r.err, "/nonexistent/day.yaml"), "%s", r.err);
	run_result_free(&r);
}

/* Every malformed scenario of the test library is refused with file:line:column, exit 2. */
Test(cli, every_malformed_scenario_exits_2_with_file_line_column)
{
	char dir[700];
	snprintf(dir, sizeof dir, "%s/../scenarios/bad", FIXTURE_DIR);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "no %s", dir);
	int files = 0;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		size_t len = strlen(ent->d_name);
		if (len < 6 || strcmp(ent->d_name + len - 5, ".yaml") != 0)
			continue;
		char path[1024], csv[800], pattern[1200];
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		path_in_tmp(csv, sizeof csv, "should-not-exist.csv");
		const char *args[] = {"run", path, "--csv", csv, NULL};
		run_result r = run_fakepump(args);
		cr_expect_eq(r.exit_status, 2, "%s: status %d", ent->d_name, r.exit_status);
		snprintf(pattern, sizeof pattern, "^[^\n]*%s:[0-9]+:[0-9]+: [^\n]+", ent->d_name);
		regex_t re;
		cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
		cr_expect_eq(regexec(&re, r.err, 0, NULL, 0), 0, "%s: stderr was: %s", ent->d_name,
		             r.err);
		regfree(&re);
		cr_expect_null(fopen(csv, "r"), "%s: nothing may run on bad input", ent->d_name);
		run_result_free(&r);
		files++;
	}
	closedir(d);
	cr_assert_geq(files, 10, "the issue asks for at least 10 malformed files, found %d", files);
}

Test(cli, csv_has_one_row_per_minute_and_cgm_every_sample)
{
	char yaml[800], csv[800];
	write_day("day.yaml", 7, yaml, sizeof yaml);
	path_in_tmp(csv, sizeof csv, "day.csv");
	const char *args[] = {"run", yaml, "--csv", csv, "--headless", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "day: adult#003") && strstr(r.out, "time in 70-180"), "%s", r.out);
	run_result_free(&r);

	csv_table t;
	cr_assert_eq(csv_load(csv, &t), 0);
	cr_assert_eq(t.rows, 361, "6 h = 360 minutes + the final state");
	const char *needed[] = {"t_min",        "clock",    "bg_mgdl",
	                        "gsub_mgdl",    "cgm_mgdl", "insulin_u_per_min",
	                        "cho_g_per_min"};
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
		cr_assert_geq(csv_column(&t, needed[i]), 0, "column %s missing", needed[i]);
	int tc = csv_column(&t, "t_min"), cc = csv_column(&t, "cgm_mgdl");
	int clock = csv_column(&t, "clock"), cho = csv_column(&t, "cho_g_per_min");
	int ins = csv_column(&t, "insulin_u_per_min");
	double carbs = 0;
	for (size_t k = 0; k < t.rows; k++) {
		cr_assert_eq(csv_number(&t, k, tc), (double)k);
		bool has = !isnan(csv_number(&t, k, cc));
		cr_assert_eq(has, k % 3 == 0, "Dexcom samples every 3 min (row %zu)", k);
		if (has)
			cr_assert(csv_number(&t, k, cc) >= 39 && csv_number(&t, k, cc) <= 600);
		carbs += csv_number(&t, k, cho);
	}
	cr_assert_str_eq(t.cells[0][clock], "06:00");
	cr_assert_str_eq(t.cells[60][clock], "07:00");
	cr_assert_float_eq(carbs, 60.0, 1e-9);
	/* the 6 U bolus at the pump's 1.5 U/min: 07:00 to 07:03, then basal only */
	int bolus = csv_column(&t, "bolus_u");
	cr_assert_geq(bolus, 0, "column bolus_u missing");
	double bolus_total = 0;
	for (size_t k = 60; k < 64; k++) {
		cr_assert_float_eq(csv_number(&t, k, bolus), 1.5, 1e-9, "row %zu", k);
		bolus_total += csv_number(&t, k, bolus);
	}
	cr_assert_float_eq(bolus_total, 6.0, 1e-9);
	cr_assert_float_eq(csv_number(&t, 64, bolus), 0.0, 0.0);
	cr_assert_lt(csv_number(&t, 64, ins), 0.1);
	csv_free(&t);
}

Test(cli, same_seed_gives_the_same_bytes_other_seed_other_noise)
{
	char y7[800], y8[800], a[800], b[800], c[800];
	write_day("seed7.yaml", 7, y7, sizeof y7);
	write_day("seed8.yaml", 8, y8, sizeof y8);
	path_in_tmp(a, sizeof a, "a.csv");
	path_in_tmp(b, sizeof b, "b.csv");
	path_in_tmp(c, sizeof c, "c.csv");
	const char *ra[] = {"run", y7, "--csv", a, NULL};
	const char *rb[] = {"run", y7, "--csv", b, NULL};
	const char *rc[] = {"run", y8, "--csv", c, NULL};
	run_result r1 = run_fakepump(ra), r2 = run_fakepump(rb), r3 = run_fakepump(rc);
	cr_assert(r1.exit_status == 0 && r2.exit_status == 0 && r3.exit_status == 0);
	cr_assert_str_eq(r1.out, r2.out, "same seed, same summary");
	size_t la, lb;
	char *da = read_file(a, &la), *db = read_file(b, &lb), *dc = read_file(c, NULL);
	cr_assert(la == lb && memcmp(da, db, la) == 0, "same seed must give identical bytes");

	csv_table ta, tc;
	csv_load(a, &ta);
	csv_load(c, &tc);
	int cgm = csv_column(&ta, "cgm_mgdl"), bg = csv_column(&ta, "bg_mgdl");
	int differing = 0;
	for (size_t k = 0; k < ta.rows; k += 3) {
		differing += csv_number(&ta, k, cgm) != csv_number(&tc, k, cgm);
		cr_assert_eq(csv_number(&ta, k, bg), csv_number(&tc, k, bg),
		             "the seed moves the sensor noise, never the physiology");
	}
	cr_assert_gt(differing, 100, "another seed must give other noise (%d of 121 differ)",
	             differing);
	csv_free(&ta);
	csv_free(&tc);
	free(da);
	free(db);
	free(dc);
	run_result_free(&r1);
	run_result_free(&r2);
	run_result_free(&r3);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 2 simulated hours at 36000× real time cannot take less than 0.2 s of wall time. */
Test(cli, speed_paces_the_run_against_the_wall_clock)
{
	char yaml[800];
	path_in_tmp(yaml, sizeof yaml, "paced.yaml");
	cr_assert_eq(write_file(yaml, "patient: adult#001\nduration: 2h\n"), 0);
	const char *paced[] = {"run", yaml, "--speed", "36000", "--quiet", NULL};
	double t0 = now_s();
	run_result r = run_fakepump(paced);
	double elapsed = now_s() - t0;
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	cr_assert_geq(elapsed, 0.195, "paced run took only %.3f s", elapsed);
	run_result_free(&r);
}

Test(cli, demo_runs_the_embedded_scenario)
{
	const char *args[] = {"demo", "--headless", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "demo-day: adult#001"), "%s", r.out);
	run_result_free(&r);
}

Test(cli, headless_is_announced_in_one_line_when_there_is_no_display)
{
	char yaml[800];
	path_in_tmp(yaml, sizeof yaml, "short.yaml");
	cr_assert_eq(write_file(yaml, "patient: child#001\nduration: 10m\n"), 0);
	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	const char *args[] = {"run", yaml, NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0);
	cr_assert(strstr(r.err, "headless") != NULL, "stderr: %s", r.err);
	run_result_free(&r);
}

/* A recorded run comes back out of the database as the same CSV and the same picture. */
Test(cli, recorded_run_exports_the_same_csv_and_plots_without_a_display)
{
	char yaml[800], db[800], csv_run[800], csv_export[800], png_run[800], png_db[800];
	write_day("rec.yaml", 3, yaml, sizeof yaml);
	path_in_tmp(db, sizeof db, "runs.db");
	path_in_tmp(csv_run, sizeof csv_run, "run.csv");
	path_in_tmp(csv_export, sizeof csv_export, "export.csv");
	path_in_tmp(png_run, sizeof png_run, "run.png");
	path_in_tmp(png_db, sizeof png_db, "db.png");
	unsetenv("DISPLAY");
	const char *run[] = {"run", yaml, "--db", db, "--csv", csv_run, "--png", png_run, NULL};
	run_result r = run_fakepump(run);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	run_result_free(&r);

	const char *runs[] = {"runs", "--db", db, NULL};
	r = run_fakepump(runs);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "day") && strstr(r.out, "adult#003") && strstr(r.out, "361"), "%s",
	          r.out);
	run_result_free(&r);

	const char *export[] = {"export", "1", "--db", db, "--csv", csv_export, NULL};
	r = run_fakepump(export);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	run_result_free(&r);
	size_t la, lb;
	char *a = read_file(csv_run, &la), *b = read_file(csv_export, &lb);
	cr_assert(a && b && la == lb && memcmp(a, b, la) == 0, "export must equal the run's CSV");
	free(a);
	free(b);

	const char *plot[] = {"plot", "1", "--db", db, "--png", png_db, NULL};
	r = run_fakepump(plot);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	run_result_free(&r);
	const char *pngs[] = {png_run, png_db};
	for (int i = 0; i < 2; i++) {
		size_t len;
		unsigned char *png = (unsigned char *)read_file(pngs[i], &len);
		cr_assert(png && len > 20000, "%s: a picture, not %zu bytes", pngs[i], len);
		cr_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", pngs[i]);
		/* IHDR: 1600 × 900 */
		unsigned w = (unsigned)png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19];
		unsigned h = (unsigned)png[20] << 24 | png[21] << 16 | png[22] << 8 | png[23];
		cr_assert(w == 1600 && h == 900, "%ux%u", w, h);
		free(png);
	}

	const char *missing[] = {"export", "7", "--db", db, "--csv", csv_export, NULL};
	r = run_fakepump(missing);
	cr_assert_eq(r.exit_status, 2, "no such run is bad input");
	cr_assert(strstr(r.err, "no run 7"), "%s", r.err);
	run_result_free(&r);
}

Test(cli, ble_options_out_of_place_exit_2_with_a_message)
{
	const char *const cases[][5] = {
	    {"run", "x.yaml", "--pair-window", "2m", NULL},     /* without --ble */
	    {"run", "x.yaml", "--adapter", "hci0", NULL},       /* without --ble */
	    {"run", "x.yaml", "--ble", "--pair-window", "5x"},  /* not a duration */
	    {"run", "x.yaml", "--ble", "--pair-window", "25h"}, /* more than a day */
	    {"run", "x.yaml", "y.yaml", "--ble", NULL},         /* one FILE only */
	    {"run", "x.yaml", "y.yaml", "--events", "e.jsonl"}, /* one FILE only */
	    {"bonds", "--frobnicate", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *args[6] = {cases[i][0], cases[i][1], cases[i][2],
		                       cases[i][3], cases[i][4], NULL};
		run_result r = run_fakepump(args);
		cr_expect_eq(r.exit_status, 2, "case %zu: status %d", i, r.exit_status);
		cr_expect(strlen(r.err) > 10, "case %zu: no message", i);
		run_result_free(&r);
	}
}

Test(cli, events_to_stdout_are_json_lines_with_the_phone_commands)
{
	const char *args[] = {"run", SCENARIO_LIBRARY_DIR "/phone-bolus.yaml", "--events", "-",
	                      NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	cr_expect(strncmp(r.out, "{\"t_min\":0,\"wall\":\"", 19) == 0, "%.200s", r.out);
	cr_expect(strstr(r.out, "\"type\":\"command\",\"source\":\"phone\",\"command\":\"bolus\","
	                        "\"result\":\"ok\""));
	cr_expect(strstr(r.out, "\"type\":\"run_ended\",\"status\":\"passed\""));
	cr_expect(strstr(r.err, "phone-bolus: adult#001"), "summary goes to stderr: %s", r.err);
	run_result_free(&r);
}

/* Row 0 is the pump as it starts (the scenario's fill and charge), and from row to row the
 * reservoir drops by what the row delivered — the last row's delivery is shown, never
 * taken, so the final reservoir is the fill minus the insulin of rows 0 … N−1. */
Test(cli, csv_row_0_is_the_initial_state_and_the_reservoir_drop_is_the_insulin_delivered)
{
	char yaml[800], csv[800];
	path_in_tmp(yaml, sizeof yaml, "fill.yaml");
	path_in_tmp(csv, sizeof csv, "fill.csv");
	cr_assert_eq(write_file(yaml, "patient: adult#002\nduration: 8h\n"
	                              "pump: {reservoir: 250, battery: 80}\n"
	                              "events:\n  - {at: \"01:00\", meal: 40}\n"
	                              "  - {at: \"01:00\", bolus: 4}\n"),
	             0);
	const char *args[] = {"run", yaml, "--csv", csv, "--quiet", "--headless", NULL};
	run_result r = run_fakepump(args);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	run_result_free(&r);
	csv_table t;
	cr_assert_eq(csv_load(csv, &t), 0);
	const int res = csv_column(&t, "reservoir_u"), bat = csv_column(&t, "battery_pct");
	const int ins = csv_column(&t, "insulin_u_per_min");
	cr_assert_eq(csv_number(&t, 0, res), 250.0, "row 0: the initial fill");
	cr_assert_eq(csv_number(&t, 0, bat), 80.0, "row 0: the initial charge");
	double delivered = 0;
	for (size_t k = 0; k + 1 < t.rows; k++) {
		/* reservoir_u is printed with 6 significant digits */
		cr_assert_float_eq(csv_number(&t, k, res) - csv_number(&t, k + 1, res),
		                   csv_number(&t, k, ins), 2e-3, "row %zu", k);
		delivered += csv_number(&t, k, ins);
	}
	cr_assert_float_eq(250.0 - csv_number(&t, t.rows - 1, res), delivered, 1e-3);
	csv_free(&t);
}

/* The names in `dir`, sorted, one per line (to see that nothing was created). */
static char *listing(const char *dir)
{
	struct dirent **names = NULL;
	const int n = scandir(dir, &names, NULL, alphasort);
	cr_assert_geq(n, 0);
	char *text = calloc(1, 4096);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			strncat(text, names[i]->d_name, 4096 - strlen(text) - 2);
			strcat(text, "\n");
		}
		free(names[i]);
	}
	free(names);
	return text;
}

/* Every output is checked before the first simulated minute: a bad one is refused with
 * exit 2, its option and path named, and nothing at all is written (not even the outputs
 * that were fine). The timing (under 0.1 s for a simulated year) is in bench/run.sh. */
Test(cli, bad_output_paths_are_refused_before_the_run_and_nothing_is_created)
{
	char yaml[800], dir[800], other_db[800], text_file[800];
	path_in_tmp(yaml, sizeof yaml, "year.yaml");
	cr_assert_eq(write_file(yaml, "patient: adult#001\nduration: 365d\n"), 0);
	path_in_tmp(dir, sizeof dir, "a-folder");
	cr_assert_eq(mkdir(dir, 0755), 0);
	path_in_tmp(other_db, sizeof other_db, "text.db");
	cr_assert_eq(write_file(other_db, "not a database at all, and long enough to have a header "
	                                  "of one hundred bytes, which it does not look like\n"),
	             0);
	path_in_tmp(text_file, sizeof text_file, "notes.txt");
	cr_assert_eq(write_file(text_file, "x"), 0);
	char *before = listing(tmp);
	char csv[800], missing[800], events[800], fine_db[800];
	path_in_tmp(fine_db, sizeof fine_db, "fine.db");
	path_in_tmp(csv, sizeof csv, "ok.csv");
	path_in_tmp(events, sizeof events, "ok.jsonl");
	path_in_tmp(missing, sizeof missing, "no-such-folder/out");
	const struct {
		const char *option, *path, *says;
	} cases[] = {
	    {"--png", missing, "folder"},    {"--junit", missing, "folder"},
	    {"--events", missing, "folder"}, {"--csv", missing, "folder"},
	    {"--db", missing, "folder"},     {"--db", dir, "is a folder"},
	    {"--png", dir, "is a folder"},   {"--db", other_db, "not a database"},
	    {"--junit", dir, "is a folder"}, {"--db", text_file, "not a database"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* the good outputs come first: they must not be created either */
		const char *args[] = {"run",        yaml,   "--csv",         csv,
		                      "--events",   events, cases[i].option, cases[i].path,
		                      "--headless", NULL};
		const bool csv_case = strcmp(cases[i].option, "--csv") == 0;
		const bool events_case = strcmp(cases[i].option, "--events") == 0;
		if (csv_case || events_case) { /* a good database instead of the repeated option */
			args[csv_case ? 2 : 4] = "--db";
			args[csv_case ? 3 : 5] = fine_db;
		}
		run_result r = run_fakepump(args);
		cr_expect_eq(r.exit_status, 2, "%s %s: status %d", cases[i].option, cases[i].path,
		             r.exit_status);
		cr_expect(strstr(r.err, cases[i].option) && strstr(r.err, cases[i].path) &&
		              strstr(r.err, cases[i].says),
		          "%s %s: %s", cases[i].option, cases[i].path, r.err);
		cr_expect(r.out[0] == '\0', "no summary: nothing ran: %s", r.out);
		char *after = listing(tmp);
		cr_expect_str_eq(after, before, "%s %s left something behind", cases[i].option,
		                 cases[i].path);
		free(after);
		run_result_free(&r);
	}
	free(before);
}

Test(cli, small_usage_mistakes_exit_2_with_what_was_expected)
{
	const struct {
		const char *args[6];
		const char *says;
	} cases[] = {
	    {{"bonds", "--remove", "zz", NULL}, "expected a Bluetooth address"},
	    {{"bonds", "--remove", "AA:BB:CC:DD:EE:GG", NULL}, "AA:BB:CC:DD:EE:FF, or all"},
	    {{"patients", "extra", NULL}, "takes no arguments"},
	    {{"runs", "--db", NULL}, "'--db' needs a value"},
	    {{"export", "1", "--csv", "x.csv", "--db", NULL}, "'--db' needs a value"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_result r = run_fakepump(cases[i].args);
		cr_expect_eq(r.exit_status, 2, "case %zu: status %d", i, r.exit_status);
		cr_expect(strstr(r.err, cases[i].says), "case %zu: %s", i, r.err);
		run_result_free(&r);
	}
}

Test(cli, every_command_takes_help_and_exits_0)
{
	static const char *const commands[] = {"run",  "demo",     "runs", "export",
	                                       "plot", "patients", "bonds"};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const char *args[] = {commands[i], "--help", NULL};
		run_result r = run_fakepump(args);
		cr_expect_eq(r.exit_status, 0, "%s --help: status %d (%s)", commands[i],
		             r.exit_status, r.err);
		cr_expect(strstr(r.out, "Usage: fakepump COMMAND"), "%s --help: %s", commands[i],
		          r.out);
		run_result_free(&r);
	}
}

/* Every command reads its line one way (getopt_long): a missing value names the option in
 * full, an unknown letter in a cluster is named alone, --db=FILE works like --db FILE. */
Test(cli, option_mistakes_name_the_option_as_the_user_meant_it)
{
	const struct {
		const char *args[7];
		const char *says;
	} cases[] = {
	    {{"export", "1", "--csv", NULL}, "export: option '--csv' needs a value\n"},
	    {{"plot", "1", "--png", NULL}, "plot: option '--png' needs a value\n"},
	    {{"bonds", "--remove", NULL}, "bonds: option '--remove' needs a value\n"},
	    {{"runs", "--d", NULL}, "runs: option '--db' needs a value (a database file)\n"},
	    {{"run", "x.yaml", "-xv", NULL}, "run: unknown option '-x' "},
	    {{"run", "x.yaml", "-vx", NULL}, "run: unknown option '-x' "},
	    {{"run", "x.yaml", "--headless=1", NULL}, "run: unknown option '--headless=1' "},
	    {{"runs", "foo", "--db", NULL}, "runs: option '--db' needs a value"},
	    {{"export", "--db=/nonexistent/runs.db", "1", "--csv", "x.csv", NULL},
	     "export: /nonexistent/runs.db: no such database\n"},
	    {{"run", "x.yaml", "--ble", "--pair-window", "90", NULL},
	     "--pair-window: expected a duration like 90s, 2m or 1h (at most 24h), got '90'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_result r = run_fakepump(cases[i].args);
		cr_expect_eq(r.exit_status, 2, "case %zu: status %d", i, r.exit_status);
		cr_expect(strstr(r.err, cases[i].says), "case %zu: %s", i, r.err);
		run_result_free(&r);
	}
}

/* After "--" everything is a scenario file, even a name that starts with a dash. */
Test(cli, after_a_double_dash_every_argument_is_a_file)
{
	const char *args[] = {"run", "--headless", "--", "--not-an-option.yaml", NULL};
	run_result r = run_fakepump(args);
	cr_expect_eq(r.exit_status, 2);
	cr_expect(strstr(r.err, "--not-an-option.yaml: cannot open"), "%s", r.err);
	run_result_free(&r);
}

/* plot and export refuse a folder that does not exist (exit 2, as a bad run output), and a
 * run without samples is not exported as a header that looks like an empty run. */
Test(cli, plot_and_export_refuse_a_missing_folder_and_a_run_without_samples)
{
	char yaml[800], db[800], out[800], png[800];
	path_in_tmp(yaml, sizeof yaml, "short.yaml");
	cr_assert_eq(write_file(yaml, "patient: adult#001\nduration: 1h\n"), 0);
	path_in_tmp(db, sizeof db, "runs.db");
	const char *run[] = {"run", yaml, "--db", db, "-q", "--headless", NULL};
	run_result r = run_fakepump(run);
	cr_assert_eq(r.exit_status, 0, "%s", r.err);
	run_result_free(&r);
	path_in_tmp(png, sizeof png, "nope/run.png");
	const char *plot[] = {"plot", "1", "--db", db, "--png", png, NULL};
	r = run_fakepump(plot);
	cr_expect_eq(r.exit_status, 2, "plot into a missing folder: %d %s", r.exit_status, r.err);
	cr_expect(strstr(r.err, "does not exist"), "%s", r.err);
	run_result_free(&r);

	/* a run that recorded nothing: begun, never given a sample (its writer killed) */
	sqlite3 *con = NULL;
	cr_assert_eq(sqlite3_open(db, &con), SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(con,
	                 "INSERT INTO runs (scenario_name, seed, patient, duration_min, "
	                 "start_min_of_day, sqlite_version, started_at) VALUES ('empty', 0, "
	                 "'adult#001', 60, 0, '3', '2026-01-01T00:00:00Z')",
	                 NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(con));
	sqlite3_close(con);
	path_in_tmp(out, sizeof out, "empty.csv");
	const char *export[] = {"export", "2", "--db", db, "--csv", out, NULL};
	r = run_fakepump(export);
	cr_expect_eq(r.exit_status, 2, "a run without samples: %d", r.exit_status);
	cr_expect(strstr(r.err, "run 2 has no samples"), "%s", r.err);
	cr_expect_null(fopen(out, "r"), "no CSV for a run without samples");
	run_result_free(&r);
}
