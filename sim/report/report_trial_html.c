/*
 * report_trial_html — see report_trial_html.h. Decimals as trial_table.c prints them (the
 * human table: 1 for TIR, CV, mean and min, 2 for below 70 and below 54; the CSV's for the
 * patients' rows), so a reader can hold the report against `fakepump trial`'s output.
 */
#include "report_trial_html.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "report_svg.h"
#include "trial_seed.h"

#define E(text) report_esc(f, (text))

enum { PATIENT_ROWS_MAX = 100, BASE_TEXT_MAX = 4000 };

#define BAD " class=\"bad\"" /* a consensus target missed */

static bool is_group(const trial_row *r)
{
	return strncmp(r->patient, "cohort:", 7) == 0 || strcmp(r->patient, "all") == 0;
}

/* A number with `decimals`, "–" when it cannot be computed; never "-0.0". */
static void cell(FILE *f, double v, int decimals, const char *cls)
{
	fprintf(f, "<td class=\"num%s%s\">", cls ? " " : "", cls ? cls : "");
	if (!isfinite(v))
		fputs("–", f);
	else
		fprintf(f, "%.*f", decimals, fabs(v) * pow(10.0, decimals) < 0.5 ? 0.0 : v);
	fputs("</td>", f);
}

static const char *meals_words(const char *meals)
{
	if (!meals)
		return "";
	if (strcmp(meals, "standard") == 0)
		return "50, 70 and 80 g at 07:00, 12:00 and 18:30, every day, all announced";
	if (strcmp(meals, "variable") == 0)
		return "each meal's size × U(0.7, 1.3) and time ± U(30 min), a 20 g snack at "
		       "15:30; each meal unannounced with probability 0.1";
	if (strcmp(meals, "unannounced") == 0)
		return "the standard meals, none announced";
	return "";
}

static void trial_anchor(FILE *f, const report_trial *t)
{
	fprintf(f, "<a class=\"nb\" href=\"#trial-%lld\">trial %lld</a>", (long long)t->id,
	        (long long)t->id);
}

/* "30 patients × 14 days, oref0, standard meals" */
static void headline(FILE *f, const report_trial *t)
{
	fprintf(f, "%zu patient%s × %d day%s, ", t->patient_count, t->patient_count == 1 ? "" : "s",
	        t->days, t->days == 1 ? "" : "s");
	E(t->controller);
	fprintf(f, ", ");
	E(t->meals);
	fprintf(f, " meals");
}

/* ---- cover and summary ------------------------------------------------------------- */

/* A merged trial's provenance: what its database keeps of it. */
static void merged_words(FILE *f, const report_trial *t)
{
	fprintf(f, "put together by 'fakepump merge' from the shards run by fakepump ");
	E(t->build ? t->build : "(build not recorded)");
	fprintf(f, "; when, where and on which engine each shard ran is in its own shard "
	           "database");
}

void report_html_trials_cover(FILE *f, const report_trial *trials, size_t n)
{
	if (n == 0)
		return;
	fprintf(f, "<h2>Trials: what was run</h2>\n<p>A trial runs one scenario for each virtual "
	           "patient with a meal plan, a sensor and the pump's controller, and gives the "
	           "consensus glucose metrics per patient, per cohort and overall. Its "
	           "definition hash (SHA-256) covers everything that shapes the results: two "
	           "trials with the same hash have the same numbers.</p>\n");
	fprintf(f, "<table class=\"provenance trials\"><colgroup><col style=\"width:16%%\"><col "
	           "style=\"width:46%%\"><col style=\"width:38%%\"></colgroup><tr><th>Trial</th>"
	           "<th>Definition</th><th>Recorded</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const report_trial *t = &trials[i];
		fprintf(f, "<tr><td>");
		trial_anchor(f, t);
		fprintf(f, "<br><span class=\"mono\">%.12s</span></td><td>",
		        t->hash ? t->hash : "");
		headline(f, t);
		fprintf(f, "; sensor ");
		E(t->cgm ? t->cgm : "the base's, else Dexcom");
		fprintf(f, "; seed %u; base scenario ", (unsigned)t->seed);
		E(t->base_path ? t->base_path : "none");
		if (t->shard_count)
			fprintf(f,
			        "<br><span class=\"warn\">shard %u/%u of a larger trial: its "
			        "patients only</span>",
			        (unsigned)t->shard_index, (unsigned)t->shard_count);
		fprintf(f, "</td><td>");
		if (t->merged) {
			merged_words(f, t);
			fprintf(f, "</td></tr>\n");
			continue;
		}
		E(t->started_at);
		fprintf(f, " by fakepump ");
		E(t->build ? t->build : "(build not recorded)");
		fprintf(f, " on ");
		E(t->host ? t->host : "(host not recorded)");
		fprintf(f, "; engine ");
		E(t->engine);
		fprintf(f, ", %d thread%s</td></tr>\n", t->threads, t->threads == 1 ? "" : "s");
	}
	fprintf(f, "</table>\n");
}

/* Several trials (controllers, meal plans, sensors) side by side, cohort by cohort: each
 * cell the group's time in range, below 70 and below 54 from its trial's table. */
static void compared(FILE *f, const report_trial *trials, size_t n)
{
	if (n < 2)
		return;
	fprintf(f, "<h3>The trials compared, cohort by cohort</h3>\n<p class=\"note\">Each "
	           "cell: time in range 70–180 / below 70 / below 54 mg/dL, %% of the minutes "
	           "(the mean over the group's patients, from its trial's table); red: a "
	           "consensus target missed. Compare trials of the same patients, days and "
	           "meals.</p>\n<table class=\"compared\"><tr><th>group</th>");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<th>");
		trial_anchor(f, &trials[i]);
		fprintf(f, ": ");
		headline(f, &trials[i]);
		fprintf(f, "</th>");
	}
	fprintf(f, "</tr>\n");
	static const char *const groups[] = {"cohort:adult", "cohort:adolescent", "cohort:child",
	                                     "all"};
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		bool any = false;
		for (size_t i = 0; i < n && !any; i++)
			any = report_trial_row(&trials[i], groups[g]) != NULL;
		if (!any)
			continue;
		fprintf(f, "<tr><td class=\"nb\">%s</td>", groups[g]);
		for (size_t i = 0; i < n; i++) {
			const trial_row *r = report_trial_row(&trials[i], groups[g]);
			if (!r) {
				fprintf(f, "<td>–</td>");
				continue;
			}
			fprintf(f,
			        "<td class=\"num\"><span%s>%.1f</span> / <span%s>%.2f</span> / "
			        "<span%s>%.2f</span>",
			        r->m.tir_pct > 70 ? "" : BAD, r->m.tir_pct,
			        r->m.tbr70_pct < 4 ? "" : BAD, r->m.tbr70_pct,
			        r->m.tbr54_pct < 1 ? "" : BAD, r->m.tbr54_pct);
			if (r->failed)
				fprintf(f, "<br><span class=\"bad\">%zu failed</span>", r->failed);
			fprintf(f, "</td>");
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
}

void report_html_trials_summary(FILE *f, const report_trial *trials, size_t n)
{
	if (n == 0)
		return;
	fprintf(f, "<section class=\"summary trials\">\n<h2>Summary of trials</h2>\n<p>Each "
	           "trial's overall row (the mean of its patients' values, as <code>fakepump "
	           "trial</code> prints it), on true plasma glucose every simulated minute. "
	           "Consensus targets (Battelino et al., Diabetes Care 2019): time in range "
	           "70–180 mg/dL above 70 %%, below 70 under 4 %%, below 54 under 1 %%, CV at "
	           "most 36 %%.</p>\n");
	fprintf(f, "<table><tr><th>Trial</th><th>Definition</th><th>Patients</th><th>Failed</th>"
	           "<th>TIR %%</th><th>&lt;70 %%</th><th>&lt;54 %%</th><th>CV %%</th><th>Patients "
	           "that failed, and why</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const report_trial *t = &trials[i];
		const trial_row *all = report_trial_row(t, "all");
		fprintf(f, "<tr><td>");
		trial_anchor(f, t);
		fprintf(f, "</td><td>");
		headline(f, t);
		fprintf(f, "</td><td class=\"num\">%zu</td><td class=\"num %s\">%zu</td>",
		        t->patient_count, t->failure_count ? "bad" : "ok", t->failure_count);
		if (all) {
			cell(f, all->m.tir_pct, 1, all->m.tir_pct > 70 ? NULL : "bad");
			cell(f, all->m.tbr70_pct, 2, all->m.tbr70_pct < 4 ? NULL : "bad");
			cell(f, all->m.tbr54_pct, 2, all->m.tbr54_pct < 1 ? NULL : "bad");
			cell(f, all->m.cv_pct, 1, all->m.cv_pct <= 36 ? NULL : "bad");
		} else {
			fprintf(f, "<td colspan=\"4\">–</td>");
		}
		fprintf(f, "<td>");
		if (t->failure_count == 0)
			fprintf(f, "none");
		for (size_t k = 0; k < t->failure_count && k < 10; k++) {
			fprintf(f, "%s<b>", k ? "<br>" : "");
			E(t->failures[k].patient);
			fprintf(f, "</b>: ");
			E(t->failures[k].why);
		}
		if (t->failure_count > 10)
			fprintf(f, "<br>… and %zu more", t->failure_count - 10);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
	compared(f, trials, n);
	fprintf(f, "</section>\n");
}

/* ---- one trial --------------------------------------------------------------------- */

static void definition(FILE *f, const report_trial *t)
{
	fprintf(f, "<dl class=\"kv definition\">\n<dt>Definition hash</dt><dd class=\"mono\">");
	E(t->hash);
	fprintf(f, "</dd>\n<dt>Patients</dt><dd>%zu: ", t->patient_count);
	if (t->patients_text && strlen(t->patients_text) <= 2000) {
		gchar **names = g_strsplit(t->patients_text, ",", -1);
		for (size_t i = 0; names[i]; i++)
			fprintf(f, "%s", i ? ", " : ""), E(names[i]);
		g_strfreev(names);
	} else {
		fprintf(f, "too many to list here: every name is in the database");
	}
	if (t->population) {
		fprintf(f, "; the population ");
		E(t->population);
	}
	fprintf(f, "</dd>\n<dt>Days</dt><dd>%d each</dd>\n<dt>Meals</dt><dd>", t->days);
	E(t->meals);
	fprintf(f, ": %s</dd>\n<dt>Sensor</dt><dd>", meals_words(t->meals));
	E(t->cgm ? t->cgm : "not forced: the base scenario's, else Dexcom");
	fprintf(f, "</dd>\n<dt>Controller</dt><dd>");
	E(t->controller);
	fprintf(f,
	        "</dd>\n<dt>Seed</dt><dd>%u (the trial's); each patient's own streams are "
	        "derived from it and the patient's name, so a patient's results do not "
	        "depend on the others (its scenario seed is in the table below)</dd>\n",
	        (unsigned)t->seed);
	if (t->merged) {
		fprintf(f, "<dt>Recorded</dt><dd>");
		merged_words(f, t);
		fprintf(f, "</dd>\n<dt>Base scenario</dt><dd>");
		E(t->base_path ? t->base_path : "none (the trial's defaults)");
		fprintf(f, "</dd>\n</dl>\n");
		return;
	}
	fprintf(f, "<dt>Engine</dt><dd>");
	E(t->engine);
	fprintf(f,
	        ", %d thread%s (neither changes a result)</dd>\n<dt>Recorded by</dt><dd>"
	        "fakepump ",
	        t->threads, t->threads == 1 ? "" : "s");
	E(t->build ? t->build : "(build not recorded)");
	fprintf(f, " on ");
	E(t->host ? t->host : "(host not recorded)");
	fprintf(f, "</dd>\n<dt>When</dt><dd>");
	E(t->started_at);
	fprintf(f, " … ");
	E(t->ended_at);
	fprintf(f, " (UTC)");
	if (isfinite(t->wall_s))
		fprintf(f, ", %.2f s of wall time", t->wall_s);
	fprintf(f, "</dd>\n<dt>Base scenario</dt><dd>");
	E(t->base_path ? t->base_path : "none (the trial's defaults)");
	fprintf(f, "</dd>\n</dl>\n");
	if (t->shard_count)
		fprintf(
		    f,
		    "<p class=\"warn\">This database is shard %u of %u of a larger trial: the "
		    "table and the pictures are of its patients only. 'fakepump merge' puts the "
		    "shards together.</p>\n",
		    (unsigned)t->shard_index, (unsigned)t->shard_count);
	if (t->base_text) {
		const size_t len = strlen(t->base_text);
		fprintf(f, "<pre class=\"mono base\">");
		if (len > BASE_TEXT_MAX) {
			char *cut = g_strndup(t->base_text, BASE_TEXT_MAX);
			E(cut);
			g_free(cut);
			fprintf(f, "\n… (%zu more characters in trials.base_text)",
			        len - BASE_TEXT_MAX);
		} else {
			E(t->base_text);
		}
		fprintf(f, "</pre>\n");
	}
}

/* The table `fakepump trial` prints: the cohorts and all, its columns and decimals. */
static void consensus_table(FILE *f, const report_trial *t)
{
	fprintf(f,
	        "<h3>Consensus metrics per cohort</h3>\n<p class=\"note\">As <code>fakepump "
	        "trial</code> printed it: each cohort's and the overall row is the mean of its "
	        "patients' values (each patient weighs the same), min the lowest over them; "
	        "true plasma glucose, one sample a minute. Red: a consensus target missed.</p>\n");
	fprintf(f, "<table class=\"consensus\"><tr><th>group</th><th>patients</th><th>failed</th>"
	           "<th>TIR %%</th><th>&lt;70 %%</th><th>&lt;54 %%</th><th>CV %%</th><th>mean "
	           "mg/dL</th><th>min mg/dL</th><th>below 40</th></tr>\n");
	for (size_t i = 0; i < t->row_count; i++) {
		const trial_row *r = &t->rows[i];
		if (!is_group(r))
			continue;
		fprintf(f, "<tr data-group=\"");
		E(r->patient);
		fprintf(f, "\"><td>");
		E(r->patient);
		fprintf(f, "</td><td class=\"num\">%zu</td><td class=\"num%s\">%zu</td>",
		        r->patients, r->failed ? " bad" : "", r->failed);
		cell(f, r->m.tir_pct, 1, r->m.tir_pct > 70 ? NULL : "bad");
		cell(f, r->m.tbr70_pct, 2, r->m.tbr70_pct < 4 ? NULL : "bad");
		cell(f, r->m.tbr54_pct, 2, r->m.tbr54_pct < 1 ? NULL : "bad");
		cell(f, r->m.cv_pct, 1, r->m.cv_pct <= 36 ? NULL : "bad");
		cell(f, r->m.mean_mgdl, 1, NULL);
		cell(f, fmax(r->m.min_mgdl, 0.0), 1, NULL);
		fprintf(f, "<td class=\"num\">%zu</td></tr>\n", r->below40);
	}
	fprintf(f, "</table>\n");
}

/* Every patient's row with the CSV's columns and decimals (docs/trial.md "The table"). */
static void patient_table(FILE *f, const report_trial *t)
{
	fprintf(f, "<h3>Every patient</h3>\n<table class=\"patients\"><tr><th>patient</th>"
	           "<th>scenario seed</th><th>mean</th><th>SD</th><th>CV %%</th><th>GMI %%</th>"
	           "<th>TIR %%</th><th>&lt;70 %%</th><th>&lt;54 %%</th><th>&gt;180 %%</th>"
	           "<th>&gt;250 %%</th><th>min</th><th>max</th><th>LBGI</th><th>HBGI</th>"
	           "<th>TDD U/d</th><th>status</th></tr>\n");
	size_t shown = 0;
	for (size_t i = 0; i < t->row_count; i++) {
		const trial_row *r = &t->rows[i];
		if (!is_group(r) && shown++ >= PATIENT_ROWS_MAX)
			continue;
		fprintf(f, "<tr%s><td class=\"nb\">", is_group(r) ? " class=\"group\"" : "");
		E(r->patient);
		fprintf(f, "</td><td class=\"num\">");
		if (!is_group(r))
			fprintf(f, "%u", (unsigned)trial_patient_seed(t->seed, r->patient, 1));
		fprintf(f, "</td>");
		const glucose_metrics *m = &r->m;
		const double v[] = {m->mean_mgdl,  m->sd_mgdl,        m->cv_pct,    m->gmi_pct,
		                    m->tir_pct,    m->tbr70_pct,      m->tbr54_pct, m->tar180_pct,
		                    m->tar250_pct, m->min_mgdl,       m->max_mgdl,  m->lbgi,
		                    m->hbgi,       trial_row_tdd_u(r)};
		static const int decimals[] = {1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2};
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
			cell(f, v[k], decimals[k], NULL);
		fprintf(f, "<td class=\"%s\">%s</td></tr>\n", r->failed ? "bad" : "ok",
		        r->failed ? "failed" : "ok");
	}
	if (shown > PATIENT_ROWS_MAX)
		fprintf(f,
		        "<tr><td colspan=\"17\" class=\"note\">… %zu more patients in the database "
		        "(SELECT * FROM trial_patients WHERE trial_id = %lld)</td></tr>\n",
		        shown - PATIENT_ROWS_MAX, (long long)t->id);
	fprintf(f, "</table>\n<p class=\"note\">Scenario seed: the patient's stream 1 (its "
	           "sensor's noise and faults), from the trial seed and its name. TDD: insulin "
	           "delivered a day; a group's, the mean of its patients'.</p>\n");
}

static void failures(FILE *f, const report_trial *t)
{
	if (t->failure_count == 0) {
		fprintf(f,
		        "<p class=\"ok\">No patient failed: every patient lived all %d "
		        "day%s.</p>\n",
		        t->days, t->days == 1 ? "" : "s");
		return;
	}
	fprintf(f, "<h3>Patients that failed</h3>\n<p class=\"note\">The S2008 model has no "
	           "counter-regulation: a patient whose glucose reaches 0 mg/dL ends there and "
	           "fails; its metrics cover the minutes it lived.</p>\n<table "
	           "class=\"failures\"><tr><th>Patient</th><th>Why</th></tr>\n");
	for (size_t i = 0; i < t->failure_count; i++) {
		fprintf(f, "<tr><td class=\"bad\">");
		E(t->failures[i].patient);
		fprintf(f, "</td><td>");
		E(t->failures[i].why && t->failures[i].why[0] ? t->failures[i].why
		                                              : "(no reason recorded)");
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void pictures(FILE *f, const report_trial *t)
{
	fprintf(f,
	        "<div class=\"pictures\" id=\"trial-%lld-agp\"><h3>Glucose by time of day (AGP) "
	        "per cohort</h3>\n",
	        (long long)t->id);
	if (!t->has_figures) {
		fprintf(f, "<p class=\"warn missing-figures\">AGP and CVGA: ");
		E(t->figures_missing);
		fprintf(f, "</p>\n</div>\n");
		return;
	}
	const trial_figures_column *c = &t->figures.columns[0];
	size_t cohorts = 0;
	for (int k = 0; k < FIGURES_COHORT_ALL; k++)
		cohorts += c->profile[k] != NULL;
	static const trial_figures_cohort order[] = {FIGURES_COHORT_ADULT,
	                                             FIGURES_COHORT_ADOLESCENT,
	                                             FIGURES_COHORT_CHILD, FIGURES_COHORT_ALL};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const trial_figures_cohort k = order[i];
		if (!c->profile[k] || (k == FIGURES_COHORT_ALL && cohorts < 2))
			continue;
		char name[32];
		snprintf(name, sizeof name, "%s%s",
		         k == FIGURES_COHORT_ALL ? "" : "cohort:", trial_figures_cohort_name(k));
		const trial_row *r = report_trial_row(t, k == FIGURES_COHORT_ALL ? "all" : name);
		/* a cohort's title and its chart on one page */
		fprintf(f, "<div class=\"long\"><h4>%s",
		        k == FIGURES_COHORT_ALL ? "every patient" : name + 7);
		if (r)
			fprintf(f,
			        " — %zu patient%s; the table's time in range %.1f %%, below 70 "
			        "%.2f %%, "
			        "below 54 %.2f %%",
			        r->patients, r->patients == 1 ? "" : "s", r->m.tir_pct,
			        r->m.tbr70_pct, r->m.tbr54_pct);
		fprintf(f, "</h4>\n");
		char title[96], caption[96];
		snprintf(title, sizeof title, "trial %lld, %s: glucose by time of day",
		         (long long)t->id, trial_figures_cohort_name(k));
		snprintf(caption, sizeof caption, "every minute of %zu patient%s × %d day%s",
		         r ? r->patients : 0, r && r->patients == 1 ? "" : "s", t->days,
		         t->days == 1 ? "" : "s");
		report_svg_agp_profile(f, c->profile[k], title, caption);
		fprintf(f, "</div>\n");
	}
	fprintf(f,
	        "</div>\n<div class=\"long\" id=\"trial-%lld-cvga\"><h3>Control-Variability "
	        "Grid (CVGA)</h3>\n"
	        "<p class=\"note\">One point a patient: x its 2.5th, y its 97.5th percentile "
	        "of true glucose over the trial (Magni et al., J Diabetes Sci Technol 2008); "
	        "points beyond the axes sit on the edge. Hover a point for its patient.</p>\n",
	        (long long)t->id);
	char title[64];
	snprintf(title, sizeof title, "trial %lld: CVGA", (long long)t->id);
	report_svg_cvga(f, c->patients, c->patient_count, title);
	fprintf(f, "</div>\n");
}

void report_html_trial(FILE *f, const report_trial *t)
{
	fprintf(f,
	        "<section class=\"trial\" id=\"trial-%lld\">\n<h2>Trial %lld: ", (long long)t->id,
	        (long long)t->id);
	headline(f, t);
	fprintf(f, "</h2>\n");
	definition(f, t);
	consensus_table(f, t);
	failures(f, t);
	pictures(f, t);
	patient_table(f, t);
	fprintf(f, "</section>\n");
}
