/*
 * Tests of the trial (sim/trial/): --patients, the per-patient seeds, the meal plan as
 * events, and the run — the batch engine (every vector path this CPU has) gives the scalar
 * engine's results bit for bit, whatever the thread count; a patient's glucose figures are
 * a run summary's on the same minutes; a patient whose glucose reaches 0 is failed and ends
 * there; the table's columns are the issue's.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "summary.h"
#include "trial.h"
#include "trial_table.h"

Test(trial_patients, cohorts_and_all_are_the_populations_patients_in_order)
{
	trial_definition d = {0};
	char err[256];
	cr_assert(trial_parse_patients("all", &d, err, sizeof err));
	cr_assert_eq(d.patient_count, 30);
	cr_assert(trial_parse_patients("child", &d, err, sizeof err));
	cr_assert_eq(d.patient_count, 10);
	for (size_t i = 0; i < d.patient_count; i++)
		cr_assert_str_eq(trial_cohort_of(d.patients[i]), "child");
	cr_assert_str_eq(d.patients[0]->name, "child#001");
}

Test(trial_patients, names_are_taken_loosely_in_the_order_given)
{
	trial_definition d = {0};
	char err[256];
	cr_assert(trial_parse_patients("child#3,adult1,Adolescent#010", &d, err, sizeof err), "%s",
	          err);
	cr_assert_eq(d.patient_count, 3);
	cr_assert_str_eq(d.patients[0]->name, "child#003");
	cr_assert_str_eq(d.patients[1]->name, "adult#001");
	cr_assert_str_eq(d.patients[2]->name, "adolescent#010");
}

Test(trial_patients, mistakes_are_refused_with_a_suggestion)
{
	trial_definition d = {0};
	char err[256];
	cr_assert_not(trial_parse_patients("adutl#001", &d, err, sizeof err));
	cr_assert(strstr(err, "no patient 'adutl#001'; did you mean 'adult#001'?"), "%s", err);
	cr_assert_not(trial_parse_patients("adult#001,adult#1", &d, err, sizeof err));
	cr_assert(strstr(err, "adult#001 is named twice"), "%s", err);
	cr_assert_not(trial_parse_patients("adult#001,", &d, err, sizeof err));
	cr_assert_not(trial_parse_patients("adult#011", &d, err, sizeof err));
}

Test(trial_seeds, each_patient_and_stream_has_its_own_seed_and_the_same_inputs_the_same)
{
	const uint32_t a = trial_patient_seed(1, "adult#001", 1);
	cr_assert_eq(a, trial_patient_seed(1, "adult#001", 1));
	cr_assert_neq(a, trial_patient_seed(2, "adult#001", 1));
	cr_assert_neq(a, trial_patient_seed(1, "adult#002", 1));
	cr_assert_neq(a, trial_patient_seed(1, "adult#001", 2));
}

/* A definition of `count` patients of the population from index `first`. */
static trial_definition some_patients(size_t first, size_t count, int days, int algorithm,
                                      meal_plan_kind meals)
{
	trial_definition d = {.days = days, .controller = algorithm, .meals = meals, .seed = 7};
	for (size_t i = 0; i < count; i++)
		d.patients[d.patient_count++] = patient_params_at((first + i * 7) % 30);
	return d;
}

static size_t count_meals(const scenario *s, bool announced)
{
	size_t n = 0;
	for (size_t i = 0; i < s->event_count; i++)
		n += s->events[i].kind == SCENARIO_EVENT_MEAL && s->events[i].announce == announced;
	return n;
}

Test(trial_plan, standard_meals_are_announced_to_a_controller_and_unannounced_ones_are_not)
{
	char err[512];
	trial_plan *p = malloc(sizeof *p);
	trial_definition d = some_patients(0, 1, 3, CONTROLLER_OREF0, MEAL_PLAN_STANDARD);
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	cr_assert_eq(count_meals(&p->scenarios[0], true), 9);
	cr_assert_eq(p->scenarios[0].events[0].at_min, 7 * 60);
	cr_assert_eq(p->scenarios[0].cgm, CGM_DEXCOM);
	cr_assert(p->scenarios[0].has_controller);
	/* a trial changes no cartridges: the pump never runs dry or flat (a year drains a
	 * default battery at 0.01 % per U, and the patient's glucose then runs away) */
	cr_assert_geq(p->scenarios[0].pump.reservoir_u, 100000.0);
	cr_assert_eq(p->scenarios[0].pump.battery.drain_pct_per_h, 0.0);
	cr_assert_eq(p->scenarios[0].pump.battery.drain_pct_per_u, 0.0);
	char standard_hash[65];
	memcpy(standard_hash, p->hash, sizeof standard_hash);
	trial_plan_free(p);

	d.meals = MEAL_PLAN_UNANNOUNCED;
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	cr_assert_eq(count_meals(&p->scenarios[0], false), 9);
	cr_assert_eq(count_meals(&p->scenarios[0], true), 0);
	cr_assert_str_neq(p->hash, standard_hash);
	trial_plan_free(p);

	d.meals = MEAL_PLAN_STANDARD;
	d.controller = TRIAL_CONTROLLER_NONE; /* nobody to tell */
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	cr_assert_not(p->scenarios[0].has_controller);
	cr_assert_eq(count_meals(&p->scenarios[0], false), 9);
	trial_plan_free(p);
	free(p);
}

Test(trial_plan, a_base_scenarios_mistake_is_refused_with_its_place)
{
	char err[512];
	trial_plan *p = malloc(sizeof *p);
	trial_definition d = some_patients(0, 2, 1, -1, MEAL_PLAN_STANDARD);
	d.base_path = "base.yaml";
	d.base_text = "pump:\n  controller: {algorithm: oref0, targte: 100}\n";
	cr_assert_not(trial_plan_make(&d, p, err, sizeof err));
	cr_assert(strstr(err, "base.yaml:2:34: pump.controller: unknown key 'targte'"), "%s", err);
	free(p);
}

Test(trial_plan, without_controller_option_the_bases_is_used_else_basal_bolus)
{
	char err[512];
	trial_plan *p = malloc(sizeof *p);
	trial_definition d = some_patients(0, 1, 1, -1, MEAL_PLAN_STANDARD);
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	cr_assert_eq(p->def.controller, CONTROLLER_BASAL_BOLUS);
	trial_plan_free(p);
	d.base_text = "cgm: {model: guardian}\npump: {controller: {algorithm: pid-ifb}}\n";
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	cr_assert_eq(p->def.controller, CONTROLLER_PID_IFB);
	cr_assert_eq(p->scenarios[0].cgm, CGM_GUARDIAN_RT, "the base's sensor");
	trial_plan_free(p);
	free(p);
}

/* The results of `d` run by `which` engine on `threads`. */
static void run(const trial_definition *d, trial_engine which, int threads,
                trial_patient_result *results)
{
	char err[512];
	trial_plan *p = malloc(sizeof *p);
	cr_assert(trial_plan_make(d, p, err, sizeof err), "%s", err);
	const trial_run_options o = {.engine = which, .threads = threads};
	cr_assert(trial_run(p, &o, results, err, sizeof err), "%s", err);
	trial_plan_free(p);
	free(p);
}

static void assert_same(const trial_patient_result *a, const trial_patient_result *b, size_t n,
                        const char *what)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(a[i].patient, b[i].patient, "%s: patient %zu", what, i);
		cr_assert_eq(a[i].status, b[i].status, "%s: %s", what, a[i].patient->name);
		cr_assert_eq(a[i].minutes, b[i].minutes, "%s: %s", what, a[i].patient->name);
		cr_assert(memcmp(&a[i].acc, &b[i].acc, sizeof a[i].acc) == 0 &&
		              memcmp(&a[i].insulin_u, &b[i].insulin_u, sizeof a[i].insulin_u) == 0,
		          "%s: %s: mean %.12f vs %.12f, min %.12f vs %.12f", what,
		          a[i].patient->name, a[i].acc.sum / (double)a[i].acc.n,
		          b[i].acc.sum / (double)b[i].acc.n, a[i].acc.min, b[i].acc.min);
	}
}

/* A run's summary (summary.c, `fakepump run`) and a trial's table take their glucose figures
 * from one place: on the same minutes of the same patient they are the same bits. */
Test(trial_metrics, a_trial_row_has_the_run_summarys_glucose_figures_on_the_same_minutes,
     .timeout = 300)
{
	/* a child on variable meals: lows and highs both */
	trial_definition d = some_patients(21, 1, 2, CONTROLLER_BASAL_BOLUS, MEAL_PLAN_VARIABLE);
	trial_patient_result results[TRIAL_MAX_PATIENTS];
	run(&d, TRIAL_ENGINE_SCALAR, 1, results);
	cr_assert_eq(results[0].status, TRIAL_OK);

	char err[512];
	trial_plan *p = malloc(sizeof *p);
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	scenario sc;
	cr_assert(trial_plan_scenario(p, 0, &sc, err, sizeof err), "%s", err);
	engine *e = engine_new(&sc);
	cr_assert_not_null(e);
	summary s;
	summary_init(&s);
	engine_row row;
	engine_status st;
	/* the trial takes t = 0 … duration − 1; a run's summary the final row as well */
	while ((st = engine_next(e, &row)) == ENGINE_ROW && row.t_min < sc.duration_min)
		summary_add(&s, &row, 1);
	cr_assert(st == ENGINE_ROW || st == ENGINE_LAST_ROW, "%s", engine_error(e));
	cr_assert_eq(row.t_min, sc.duration_min);
	engine_free(e);
	scenario_free(&sc);

	cr_assert_eq(s.glucose.n, results[0].acc.n);
	cr_assert(memcmp(&s.glucose, &results[0].acc, sizeof s.glucose) == 0,
	          "summary: mean %.17g, low risk %.17g; trial: %.17g, %.17g",
	          s.glucose.sum / (double)s.glucose.n, s.glucose.low_risk,
	          results[0].acc.sum / (double)results[0].acc.n, results[0].acc.low_risk);
	summary_figures f;
	summary_figures_of(&s, &f);
	trial_row rows[TRIAL_TABLE_MAX_ROWS];
	trial_table_rows(p, results, rows);
	cr_assert(memcmp(&f.glucose, &rows[0].m, sizeof f.glucose) == 0);
	cr_assert_gt(f.glucose.lbgi, 0.0);
	cr_assert_gt(f.glucose.hbgi, 0.0);
	trial_plan_free(p);
	free(p);
}

Test(trial_run, the_batch_engine_gives_the_scalar_engines_results_bit_for_bit, .timeout = 600)
{
	/* Variable meals (unannounced ones, snacks), sensor dropouts from the base, a closed
	 * loop: every input path of a lane. */
	trial_definition d = some_patients(3, 9, 2, CONTROLLER_OREF0, MEAL_PLAN_VARIABLE);
	d.base_text = "events:\n  - {at: \"03:00\", sensor_dropout: 40m, every: 24h}\n";
	trial_patient_result scalar[TRIAL_MAX_PATIENTS], batch[TRIAL_MAX_PATIENTS];
	run(&d, TRIAL_ENGINE_SCALAR, 1, scalar);
	run(&d, TRIAL_ENGINE_BATCH, 1, batch);
	assert_same(scalar, batch, d.patient_count, "batch");
	const trial_engine paths[] = {TRIAL_ENGINE_AVX512, TRIAL_ENGINE_AVX2};
	for (size_t k = 0; k < 2; k++)
		if (trial_engine_available(paths[k])) {
			run(&d, paths[k], 2, batch);
			assert_same(scalar, batch, d.patient_count, trial_engine_name(paths[k]));
		}
}

Test(trial_run, the_thread_count_changes_no_bit, .timeout = 600)
{
	trial_definition d = some_patients(1, 7, 2, CONTROLLER_PID_IFB, MEAL_PLAN_VARIABLE);
	trial_patient_result one[TRIAL_MAX_PATIENTS], three[TRIAL_MAX_PATIENTS];
	run(&d, TRIAL_ENGINE_BATCH, 1, one);
	run(&d, TRIAL_ENGINE_BATCH, 3, three);
	assert_same(one, three, d.patient_count, "-j 3");
	run(&d, TRIAL_ENGINE_SCALAR, 3, three);
	assert_same(one, three, d.patient_count, "scalar -j 3");
}

Test(trial_run, a_patient_whose_glucose_reaches_zero_is_failed_and_ends_there, .timeout = 600)
{
	trial_definition d = some_patients(20, 2, 2, TRIAL_CONTROLLER_NONE, MEAL_PLAN_STANDARD);
	d.base_text = "pump:\n  basal: 8\n  limits: {max_basal: 10}\n";
	for (int e = TRIAL_ENGINE_BATCH; e <= TRIAL_ENGINE_SCALAR; e++) {
		trial_patient_result r[TRIAL_MAX_PATIENTS];
		run(&d, (trial_engine)e, 2, r);
		for (size_t i = 0; i < d.patient_count; i++) {
			cr_assert_eq(r[i].status, TRIAL_FAILED, "%s", r[i].patient->name);
			cr_assert_lt(r[i].minutes, 2 * 1440);
			cr_assert_eq(r[i].acc.n, (size_t)r[i].minutes);
			cr_assert_leq(r[i].acc.min, 0.0);
			cr_assert_str_eq(r[i].why, "glucose reached 0 mg/dL");
		}
	}
}

Test(trial_table, the_csv_has_the_issues_columns_first_then_cohorts_and_all, .timeout = 600)
{
	char err[512];
	trial_plan *p = malloc(sizeof *p);
	trial_definition d = {.days = 1, .controller = CONTROLLER_BASAL_BOLUS, .seed = 1};
	cr_assert(trial_parse_patients("adult#001,child#002,adult#003", &d, err, sizeof err));
	cr_assert(trial_plan_make(&d, p, err, sizeof err), "%s", err);
	trial_patient_result r[TRIAL_MAX_PATIENTS];
	const trial_run_options o = {.engine = TRIAL_ENGINE_BATCH, .threads = 2};
	cr_assert(trial_run(p, &o, r, err, sizeof err), "%s", err);
	trial_row rows[TRIAL_TABLE_MAX_ROWS];
	const size_t n = trial_table_rows(p, r, rows);
	cr_assert_eq(n, 3 + 2 + 1);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_eq(trial_table_csv(f, p, rows, n), 0);
	fclose(f);
	static const char header[] =
	    "patient,cohort,controller,days,mean_mgdl,sd_mgdl,cv_pct,gmi_pct,tir_pct,tbr70_pct,"
	    "tbr54_pct,tar180_pct,tar250_pct,min_mgdl,max_mgdl,lbgi,hbgi,tdd_u,status,";
	cr_assert(strncmp(text, header, strlen(header)) == 0, "%s", text);
	const char *line[8];
	size_t lines = 0;
	for (char *c = text; *c && lines < 8; c = strchr(c, '\n') + 1)
		line[lines++] = c;
	cr_assert_eq(lines, 7);
	cr_assert(strncmp(line[1], "adult#001,adult,basal-bolus,1,", 30) == 0, "%s", line[1]);
	cr_assert(strncmp(line[2], "child#002,child,basal-bolus,1,", 30) == 0, "%s", line[2]);
	cr_assert(strncmp(line[4], "cohort:adult,adult,", 19) == 0, "%s", line[4]);
	cr_assert(strncmp(line[5], "cohort:child,child,", 19) == 0, "%s", line[5]);
	cr_assert(strncmp(line[6], "all,all,basal-bolus,1,", 22) == 0, "%s", line[6]);
	/* the cohort's TIR is the mean of its patients' */
	cr_assert_float_eq(rows[3].m.tir_pct, (rows[0].m.tir_pct + rows[2].m.tir_pct) / 2, 1e-9);
	cr_assert_float_eq(rows[3].m.min_mgdl, fmin(rows[0].m.min_mgdl, rows[2].m.min_mgdl), 0);
	cr_assert_eq(rows[5].patients, 3);
	free(text);
	trial_plan_free(p);
	free(p);
}
