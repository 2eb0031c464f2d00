/*
 * report_trial and report_trial_html: trials recorded by the real `fakepump trial --db`
 * (3 patients x 2 days, well under a second) read back into the report, whose numbers must
 * be the very ones `fakepump trial` printed and wrote to its CSV; the pictures when the
 * database holds their data (--shard 0/1), and what is missing when it does not; failed
 * patients named with their reason; a bad trial id refused with the ids there are.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_trial.h"
#include "report_trial_html.h"
#include "support.h"

static const char *const THREE = "adult#001,adolescent#002,child#003";

/* `fakepump trial ARGS… --db DB` in dir; its standard output (owned). */
static char *record_trial(const char *dir, const char *db, const char *const *extra,
                          int want_status)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, db);
	const char *args[24] = {"trial", "--db", path};
	size_t n = 3;
	for (size_t i = 0; extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	run_result rr = run_fakepump(args);
	cr_assert_eq(rr.exit_status, want_status, "trial: %s%s", rr.out, rr.err);
	char *out = strdup(rr.out);
	run_result_free(&rr);
	return out;
}

static report_db *open_db(const char *dir, const char *db)
{
	char path[512], err[600] = "";
	snprintf(path, sizeof path, "%s/%s", dir, db);
	report_db *d = report_db_open(path, err, sizeof err);
	cr_assert_not_null(d, "%s", err);
	return d;
}

/* What `write` writes for `t`, as a string (owned). */
static char *html_of(void (*write)(FILE *, const report_trial *), const report_trial *t)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	write(f, t);
	const long len = ftell(f);
	cr_assert_gt(len, 0);
	rewind(f);
	char *buf = calloc((size_t)len + 1, 1);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static void summary_of_one(FILE *f, const report_trial *t)
{
	report_html_trials_summary(f, t, 1);
}

/* The trial's section as HTML (owned). */
static char *section_of(const report_trial *t)
{
	return html_of(report_html_trial, t);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(report_trial, the_table_in_the_report_is_the_one_fakepump_trial_printed, .timeout = 120)
{
	char *dir = make_temp_dir(), csv[512];
	snprintf(csv, sizeof csv, "%s/t.csv", dir);
	const char *extra[] = {"--patients", THREE, "--days", "2", "--csv", csv, NULL};
	char *printed = record_trial(dir, "t.db", extra, 0);
	report_db *d = open_db(dir, "t.db");
	report_trial t = {0}, light = {0};
	char err[600] = "";
	cr_assert(report_db_read_trial(d, 1, true, &t, err, sizeof err), "%s", err);
	cr_assert(report_db_read_trial(d, 1, false, &light, err, sizeof err), "%s", err);
	cr_assert_eq(t.patient_count, 3);
	cr_assert_eq(t.days, 2);
	cr_assert_str_eq(t.controller, "basal-bolus");
	cr_assert_str_eq(t.meals, "standard");
	cr_assert_eq(t.seed, 1u);
	cr_assert_eq(t.row_count, 3 + 3 + 1, "3 patients, 3 cohorts, all");
	cr_assert_eq(light.row_count, 3 + 1, "light: the cohorts and all only");
	cr_assert(strncmp(printed + 6, t.hash, 12) == 0, "the hash: %s", printed);
	char *html = section_of(&t);

	/* every group line the trial printed, cell for cell, in the model and in the HTML */
	size_t groups = 0;
	for (char *line = strtok(printed, "\n"); line; line = strtok(NULL, "\n")) {
		char group[32];
		size_t patients, failed, below40;
		double tir, b70, b54, cv, mean, min;
		if (sscanf(line, "%31s %zu %zu %lf %lf %lf %lf %lf %lf %zu", group, &patients,
		           &failed, &tir, &b70, &b54, &cv, &mean, &min, &below40) != 10)
			continue;
		groups++;
		const trial_row *r = report_trial_row(&t, group),
		                *l = report_trial_row(&light, group);
		cr_assert_not_null(r, "%s", group);
		cr_assert_not_null(l, "%s (light)", group);
		cr_assert_eq(memcmp(&r->m, &l->m, sizeof r->m), 0, "%s: light and full differ",
		             group);
		cr_assert_eq(r->patients, patients);
		cr_assert_eq(r->failed, failed);
		cr_assert_eq(r->below40, below40);
		/* the model's numbers round to the printed ones */
		cr_assert_float_eq(r->m.tir_pct, tir, 0.05 + 1e-9, "%s TIR", group);
		cr_assert_float_eq(r->m.tbr70_pct, b70, 0.005 + 1e-9, "%s <70", group);
		cr_assert_float_eq(r->m.tbr54_pct, b54, 0.005 + 1e-9, "%s <54", group);
		cr_assert_float_eq(r->m.cv_pct, cv, 0.05 + 1e-9, "%s CV", group);
		cr_assert_float_eq(r->m.mean_mgdl, mean, 0.05 + 1e-9, "%s mean", group);
		cr_assert_float_eq(fmax(r->m.min_mgdl, 0), min, 0.05 + 1e-9, "%s min", group);
		char key[64];
		snprintf(key, sizeof key, "<tr data-group=\"%s\">", group);
		const char *row = strstr(html, key);
		cr_assert_not_null(row, "%s: no row in the HTML", group);
		const char *end = strstr(row, "</tr>");
		char *text = strndup(row, (size_t)(end - row));
		/* the exact strings fakepump trial printed, cell by cell */
		char *copy = strdup(line), *save = NULL;
		strtok_r(copy, " ", &save); /* the group */
		for (char *tok = strtok_r(NULL, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char cell[48];
			snprintf(cell, sizeof cell, ">%s</td>", tok);
			cr_assert(strstr(text, cell), "%s: printed %s, report row %s", group, tok,
			          text);
		}
		free(copy);
		free(text);
	}
	cr_assert_eq(groups, 4, "3 cohorts and all printed, %zu read", groups);

	/* every patient's CSV row: the report's rows to the CSV's decimals */
	csv_table c;
	cr_assert_eq(csv_load(csv, &c), 0);
	cr_assert_eq(c.rows, 7);
	const char *cols[] = {"mean_mgdl", "sd_mgdl", "tir_pct", "tbr70_pct",
	                      "tbr54_pct", "lbgi",    "hbgi",    "tdd_u"};
	for (size_t i = 0; i < c.rows; i++) {
		const trial_row *r = report_trial_row(&t, c.cells[i][0]);
		cr_assert_not_null(r, "%s", c.cells[i][0]);
		const double v[] = {r->m.mean_mgdl, r->m.sd_mgdl, r->m.tir_pct, r->m.tbr70_pct,
		                    r->m.tbr54_pct, r->m.lbgi,    r->m.hbgi,    trial_row_tdd_u(r)};
		for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
			const int col = csv_column(&c, cols[k]);
			char mine[32];
			snprintf(mine, sizeof mine, "%.*f", k < 2 ? 1 : 2, v[k]);
			cr_assert_str_eq(mine, c.cells[i][col], "%s %s", c.cells[i][0], cols[k]);
		}
	}
	csv_free(&c);
	cr_assert(strstr(html, "adult#001, adolescent#002, child#003"),
	          "the definition's patients");
	cr_assert(strstr(html, "No patient failed"));
	free(html);
	free(printed);
	report_trial_clear(&t);
	report_trial_clear(&light);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, a_trial_with_its_pictures_data_has_an_agp_per_cohort_and_a_cvga, .timeout = 120)
{
	char *dir = make_temp_dir();
	const char *extra[] = {"--patients", THREE, "--days", "2", "--shard", "0/1", NULL};
	free(record_trial(dir, "s.db", extra, 0));
	report_db *d = open_db(dir, "s.db");
	report_trial t = {0};
	char err[600] = "";
	cr_assert(report_db_read_trial(d, 1, true, &t, err, sizeof err), "%s", err);
	cr_assert(t.has_figures, "%s", t.figures_missing);
	cr_assert_eq(t.shard_count, 0, "shard 0/1 is the whole trial");
	const trial_figures_column *c = &t.figures.columns[0];
	cr_assert_str_eq(c->controller, "basal-bolus");
	cr_assert_eq(c->patient_count, 3);
	for (int k = 0; k < FIGURES_COHORT_COUNT; k++)
		cr_assert_not_null(c->profile[k], "cohort %d", k);
	char *html = section_of(&t);
	cr_assert_eq(count(html, "<svg class=\"chart agp\""), 4, "3 cohorts and every patient");
	cr_assert_eq(count(html, "<svg class=\"chart cvga\""), 1);
	cr_assert_eq(count(html, "<circle class=\"patient\""), 3, "a point a patient");
	size_t ab = 0;
	for (size_t i = 0; i < c->patient_count; i++) {
		ab += cvga_zone_is_a_or_b(c->patients[i].zone);
		char named[96];
		snprintf(named, sizeof named, "<title>%s: 2.5th", c->patients[i].patient);
		cr_assert(strstr(html, named), "%s is a point", c->patients[i].patient);
	}
	char share[64];
	snprintf(share, sizeof share, "A + B: %zu of 3 patients", ab);
	cr_assert(strstr(html, share), "%s", share);
	cr_assert_null(strstr(html, "missing-figures"));
	/* the light model finds the same trial, without reading the pictures */
	report_trial light = {0};
	cr_assert(report_db_read_trial(d, 1, false, &light, err, sizeof err), "%s", err);
	cr_assert(!light.has_figures);
	cr_assert_str_eq(light.figures_missing, "", "the data are there: %s",
	                 light.figures_missing);
	report_trial_clear(&light);
	free(html);
	report_trial_clear(&t);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, a_trial_without_its_pictures_data_says_what_is_missing_and_how, .timeout = 120)
{
	char *dir = make_temp_dir();
	const char *extra[] = {"--patients", THREE, "--days", "2", NULL};
	free(record_trial(dir, "t.db", extra, 0));
	report_db *d = open_db(dir, "t.db");
	report_trial t = {0};
	char err[600] = "";
	cr_assert(report_db_read_trial(d, 1, true, &t, err, sizeof err), "%s", err);
	cr_assert(!t.has_figures);
	cr_assert(strstr(t.figures_missing, "--shard 0/1 --db"), "%s", t.figures_missing);
	char *html = section_of(&t);
	cr_assert(strstr(html, "class=\"warn missing-figures\">AGP and CVGA: Not in this database"),
	          "said, not skipped");
	cr_assert_null(strstr(html, "<svg"), "no empty chart");
	free(html);
	report_trial_clear(&t);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, a_failed_patient_is_named_with_its_reason, .timeout = 120)
{
	char *dir = make_temp_dir();
	/* child#008 under basal-bolus with the variable meal plan reaches 0 mg/dL on day 6 */
	const char *extra[] = {
	    "--patients", "adult#001,child#008", "--days", "7", "--meals", "variable", NULL};
	free(record_trial(dir, "f.db", extra, 1));
	report_db *d = open_db(dir, "f.db");
	report_trial t = {0};
	char err[600] = "";
	cr_assert(report_db_read_trial(d, 1, false, &t, err, sizeof err), "%s", err);
	cr_assert_eq(t.failure_count, 1);
	cr_assert_str_eq(t.failures[0].patient, "child#008");
	cr_assert(strstr(t.failures[0].why, "0 mg/dL"), "%s", t.failures[0].why);
	const trial_row *all = report_trial_row(&t, "all");
	cr_assert_eq(all->failed, 1);
	char *buf = html_of(summary_of_one, &t);
	cr_assert(strstr(buf, "<b>child#008</b>: glucose reached 0 mg/dL"), "%s", buf);
	free(buf);
	report_trial_clear(&t);
	cr_assert(report_db_read_trial(d, 1, true, &t, err, sizeof err), "%s", err);
	char *html = section_of(&t);
	cr_assert(strstr(html, "<h3>Patients that failed</h3>"));
	cr_assert(strstr(html, "<td class=\"bad\">child#008</td><td>glucose reached 0 mg/dL"));
	free(html);
	report_trial_clear(&t);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, a_trial_id_that_is_not_there_is_refused_with_the_ids_there_are, .timeout = 120)
{
	char *dir = make_temp_dir();
	const char *extra[] = {"--patients", "adult#001", "--days", "1", NULL};
	free(record_trial(dir, "t.db", extra, 0));
	free(record_trial(dir, "t.db", extra, 0));
	report_db *d = open_db(dir, "t.db");
	report_trial t = {0};
	char err[600] = "";
	cr_assert(!report_db_read_trial(d, 7, false, &t, err, sizeof err));
	cr_assert(strstr(err, "no trial 7 (its trials: 1, 2)"), "%s", err);
	size_t n = 0;
	int64_t *ids = report_db_trial_ids(d, &n, err, sizeof err);
	cr_assert_eq(n, 2);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(ids[1], 2);
	free(ids);
	report_db_close(d);
	/* and the command line: exit 2, nothing written */
	char db[512], html[512];
	snprintf(db, sizeof db, "%s/t.db", dir);
	snprintf(html, sizeof html, "%s/r.html", dir);
	const char *bad[] = {"report", "--trial", "7", "--db", db, "--html", html, NULL};
	run_result rr = run_fakepump(bad);
	cr_assert_eq(rr.exit_status, 2, "%s", rr.err);
	cr_assert(strstr(rr.err, "no trial 7 (its trials: 1, 2)"), "%s", rr.err);
	cr_assert_null(read_file(html, NULL), "no report left behind");
	run_result_free(&rr);
	const char *word[] = {"report", "--trial", "one", "--db", db, "--html", html, NULL};
	rr = run_fakepump(word);
	cr_assert_eq(rr.exit_status, 2, "%s", rr.err);
	cr_assert(strstr(rr.err, "--trial: 'one' is not a trial id"), "%s", rr.err);
	run_result_free(&rr);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, a_database_of_runs_and_trials_reports_both_and_one_of_runs_has_no_trial,
     .timeout = 120)
{
	char *dir = make_temp_dir();
	char yaml[512], db[512], html[512];
	snprintf(yaml, sizeof yaml, "%s/day.yaml", dir);
	snprintf(db, sizeof db, "%s/both.db", dir);
	snprintf(html, sizeof html, "%s/r.html", dir);
	write_file(yaml, "name: short\npatient: adult#002\nduration: 6h\nseed: 3\n"
	                 "expect:\n  - {bg: {min_above: 40}}\n");
	const char *run[] = {"run", yaml, "--db", db, "-q", NULL};
	run_result rr = run_fakepump(run);
	cr_assert_eq(rr.exit_status, 0, "%s%s", rr.out, rr.err);
	run_result_free(&rr);
	/* a database of runs only: no trial, said so */
	const char *none[] = {"report", "--trial", "1", "--db", db, "--html", html, NULL};
	rr = run_fakepump(none);
	cr_assert_eq(rr.exit_status, 2, "%s", rr.err);
	cr_assert(strstr(rr.err, "no trial 1 (it holds no trial"), "%s", rr.err);
	run_result_free(&rr);
	const char *extra[] = {"--patients", "adult#001,child#003", "--days", "1", NULL};
	free(record_trial(dir, "both.db", extra, 0));
	const char *all[] = {"report", "--all", "--db", db, "--html", html, NULL};
	rr = run_fakepump(all);
	cr_assert_eq(rr.exit_status, 0, "%s", rr.err);
	run_result_free(&rr);
	char *page = read_file(html, NULL);
	cr_assert_not_null(page);
	cr_assert(strstr(page, "<title>FakePump report: 1 run and 1 trial</title>"));
	cr_assert(strstr(page, "<section class=\"run\" id=\"run-1\">"));
	cr_assert(strstr(page, "<section class=\"trial\" id=\"trial-1\">"));
	cr_assert(strstr(page, "<h2>Summary of runs</h2>"));
	cr_assert(strstr(page, "<h2>Summary of trials</h2>"));
	cr_assert(strstr(page, "<h2>Trials: what was run</h2>"));
	free(page);
	/* a run and a trial picked by id */
	const char *picked[] = {"report", "1", "--trial", "1", "--db", db, "--html", html, NULL};
	rr = run_fakepump(picked);
	cr_assert_eq(rr.exit_status, 0, "%s", rr.err);
	run_result_free(&rr);
	/* the trial alone: no run section, no summary of runs */
	const char *alone[] = {"report", "--trial", "1", "--db", db, "--html", html, NULL};
	rr = run_fakepump(alone);
	cr_assert_eq(rr.exit_status, 0, "%s", rr.err);
	run_result_free(&rr);
	page = read_file(html, NULL);
	cr_assert(strstr(page, "<title>FakePump report: 1 trial</title>"));
	cr_assert_null(strstr(page, "<section class=\"run\""));
	cr_assert_null(strstr(page, "Summary of runs"));
	free(page);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, trials_of_two_controllers_are_compared_cohort_by_cohort, .timeout = 120)
{
	char *dir = make_temp_dir();
	const char *bb[] = {"--patients", "adult#001,child#003", "--days", "1", NULL};
	const char *oref0[] = {
	    "--patients", "adult#001,child#003", "--days", "1", "--controller", "oref0", NULL};
	free(record_trial(dir, "c.db", bb, 0));
	free(record_trial(dir, "c.db", oref0, 0));
	report_db *d = open_db(dir, "c.db");
	report_trial t[2] = {{0}, {0}};
	char err[600] = "";
	for (int i = 0; i < 2; i++)
		cr_assert(report_db_read_trial(d, i + 1, false, &t[i], err, sizeof err), "%s", err);
	FILE *f = tmpfile();
	report_html_trials_summary(f, t, 2);
	const long len = ftell(f);
	rewind(f);
	char *html = calloc((size_t)len + 1, 1);
	cr_assert_eq(fread(html, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	cr_assert(strstr(html, "<h3>The trials compared, cohort by cohort</h3>"));
	cr_assert(strstr(html, "oref0"));
	const char *groups[] = {"cohort:adult", "cohort:child", "all"};
	for (size_t g = 0; g < 3; g++) {
		char key[64];
		snprintf(key, sizeof key, "<td class=\"nb\">%s</td>", groups[g]);
		const char *row = strstr(html, key);
		cr_assert_not_null(row, "%s", groups[g]);
		for (int i = 0; i < 2; i++) {
			const trial_row *r = report_trial_row(&t[i], groups[g]);
			char tir[32];
			snprintf(tir, sizeof tir, ">%.1f</span> / ", r->m.tir_pct);
			/* the trial's own cell of the group's row: its i-th number cell */
			const char *cell = strstr(row, "<td class=\"num\">");
			for (int k = 0; k < i && cell; k++)
				cell = strstr(cell + 1, "<td class=\"num\">");
			cr_assert_not_null(cell);
			char *text = strndup(cell, (size_t)(strstr(cell, "</td>") - cell));
			cr_assert(strstr(text, tir), "%s, trial %d: %s in %s", groups[g], i + 1,
			          tir, text);
			free(text);
		}
	}
	cr_assert_null(strstr(html, "cohort:adolescent"), "no row for a cohort no trial has");
	free(html);
	for (int i = 0; i < 2; i++)
		report_trial_clear(&t[i]);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}

Test(report_trial, a_merged_trial_reads_as_its_merge_wrote_it_and_a_shard_says_it_is_one,
     .timeout = 120)
{
	char *dir = make_temp_dir();
	char s0[512], s1[512], merged[512], csv[512];
	snprintf(s0, sizeof s0, "%s/s0.db", dir);
	snprintf(s1, sizeof s1, "%s/s1.db", dir);
	snprintf(merged, sizeof merged, "%s/m.db", dir);
	snprintf(csv, sizeof csv, "%s/m.csv", dir);
	const char *shard0[] = {"--patients", THREE, "--days", "1", "--shard", "0/2", NULL};
	const char *shard1[] = {"--patients", THREE, "--days", "1", "--shard", "1/2", NULL};
	free(record_trial(dir, "s0.db", shard0, 0));
	free(record_trial(dir, "s1.db", shard1, 0));
	const char *merge[] = {"merge", merged, s0, s1, "--csv", csv, "-q", NULL};
	run_result rr = run_fakepump(merge);
	cr_assert_eq(rr.exit_status, 0, "%s%s", rr.out, rr.err);
	run_result_free(&rr);

	/* a shard: its own patients, and it says so */
	report_db *d = open_db(dir, "s1.db");
	report_trial t = {0};
	char err[600] = "";
	cr_assert(report_db_read_trial(d, 1, true, &t, err, sizeof err), "%s", err);
	cr_assert_eq(t.shard_index, 1);
	cr_assert_eq(t.shard_count, 2);
	cr_assert_eq(t.patient_count, 1, "shard 1/2 of 3 patients: the second");
	char *html = section_of(&t);
	cr_assert(strstr(html, "This database is shard 1 of 2 of a larger trial"));
	free(html);
	report_trial_clear(&t);
	report_db_close(d);

	/* the merged database: no trials row, one trial from its manifest and results */
	d = open_db(dir, "m.db");
	size_t n = 99;
	int64_t *runs = report_db_run_ids(d, &n, err, sizeof err);
	cr_assert_not_null(runs, "%s", err);
	cr_assert_eq(n, 0, "a merged trial's database has no runs");
	free(runs);
	cr_assert(report_db_read_trial(d, 1, true, &t, err, sizeof err), "%s", err);
	cr_assert(t.merged);
	cr_assert_eq(t.patient_count, 3);
	cr_assert_eq(t.days, 1);
	cr_assert_str_eq(t.controller, "basal-bolus");
	cr_assert(t.has_figures, "%s", t.figures_missing);
	cr_assert_eq(t.figures.columns[0].patient_count, 3);
	csv_table c;
	cr_assert_eq(csv_load(csv, &c), 0);
	cr_assert_eq(c.rows, t.row_count, "the merge's CSV and the report have the same rows");
	const int tir = csv_column(&c, "tir_pct"), mean = csv_column(&c, "mean_mgdl");
	for (size_t i = 0; i < c.rows; i++) {
		const trial_row *r = report_trial_row(&t, c.cells[i][0]);
		cr_assert_not_null(r, "%s", c.cells[i][0]);
		char a[32], b[32];
		snprintf(a, sizeof a, "%.2f", r->m.tir_pct);
		snprintf(b, sizeof b, "%.1f", r->m.mean_mgdl);
		cr_assert_str_eq(a, c.cells[i][tir], "%s", c.cells[i][0]);
		cr_assert_str_eq(b, c.cells[i][mean], "%s", c.cells[i][0]);
	}
	csv_free(&c);
	html = section_of(&t);
	cr_assert(strstr(html, "put together by 'fakepump merge'"));
	cr_assert_eq(count(html, "<circle class=\"patient\""), 3);
	free(html);
	report_trial_clear(&t);
	report_db_close(d);
	remove_tree(dir);
	free(dir);
}
