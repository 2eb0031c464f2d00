/*
 * patient_batch: the batch engine against the reference traces and against the scalar
 * engine, through every engine and lane width this CPU runs; lanes of different patients,
 * inputs and lengths in one batch; lanes ending mid-batch; the pull interface's rules.
 *
 * The reference traces (tests/fixtures/traces, 30 patients x 5 scenarios) carry their
 * inputs; every job here replays one of them minute by minute.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_lanes.h"
#include "patient_model.h"
#include "patient_rhs.h"
#include "support.h"

#ifndef FIXTURE_DIR
#error FIXTURE_DIR must name tests/fixtures
#endif

enum { MINUTES = 1440, TRACE_CAP = 160 };

/* The port check of test_reference_traces.c. */
static const double port_max_mgdl = 1e-5;

/* One reference trace: its inputs, its reference glucose, the scalar engine's run. */
typedef struct trace {
	char name[256];
	const patient_params *params;
	bool has_meals;
	double meal_g[MINUTES + 1], insulin_u_per_min[MINUTES + 1];
	double ref_bg[MINUTES + 1], ref_gsub[MINUTES + 1];
	double scalar_bg[MINUTES + 1], scalar_gsub[MINUTES + 1];
	unsigned scalar_evals[MINUTES + 1]; /* [k]: the minute that ended at k */
} trace;

static trace *traces;
static size_t trace_count;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const trace *)a)->name, ((const trace *)b)->name);
}

/* Loads the 150 fixtures (sorted by name) and runs each through the scalar engine. */
static void load_traces(void)
{
	traces = calloc(TRACE_CAP, sizeof *traces);
	cr_assert_not_null(traces);
	DIR *d = opendir(FIXTURE_DIR "/traces");
	cr_assert_not_null(d, "cannot open %s", FIXTURE_DIR "/traces");
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		const char *sep = strstr(ent->d_name, "__");
		size_t len = strlen(ent->d_name);
		if (!sep || len < 4 || strcmp(ent->d_name + len - 4, ".csv") != 0)
			continue;
		cr_assert_lt(trace_count, TRACE_CAP);
		trace *t = &traces[trace_count++];
		snprintf(t->name, sizeof t->name, "%s", ent->d_name);
		char patient_name[64], path[700];
		snprintf(patient_name, sizeof patient_name, "%.*s", (int)(sep - ent->d_name),
		         ent->d_name);
		t->params = patient_params_find(patient_name);
		cr_assert_not_null(t->params, "%s: unknown patient", ent->d_name);
		snprintf(path, sizeof path, "%s/traces/%s", FIXTURE_DIR, ent->d_name);
		csv_table csv;
		cr_assert_eq(csv_load(path, &csv), 0, "cannot read %s", path);
		cr_assert_eq(csv.rows, (size_t)MINUTES + 1, "%s: %zu rows", t->name, csv.rows);
		const int meal = csv_column(&csv, "meal_announced_g");
		const int insulin = csv_column(&csv, "insulin_U_per_min");
		const int bg = csv_column(&csv, "BG_mgdl"), gsub = csv_column(&csv, "Gsub_mgdl");
		cr_assert(meal >= 0 && insulin >= 0 && bg >= 0 && gsub >= 0, "%s: columns",
		          t->name);
		for (size_t k = 0; k <= MINUTES; k++) {
			t->meal_g[k] = csv_number(&csv, k, meal);
			t->insulin_u_per_min[k] = csv_number(&csv, k, insulin);
			t->ref_bg[k] = csv_number(&csv, k, bg);
			t->ref_gsub[k] = csv_number(&csv, k, gsub);
			t->has_meals |= t->meal_g[k] > 0;
		}
		csv_free(&csv);

		patient *p = patient_new(t->params);
		for (int k = 0; k <= MINUTES; k++) {
			t->scalar_bg[k] = patient_bg_mgdl(p);
			t->scalar_gsub[k] = patient_gsub_mgdl(p);
			if (k == MINUTES)
				break;
			patient_step_info info;
			cr_assert_eq(patient_step(p, t->meal_g[k], t->insulin_u_per_min[k], &info),
			             PATIENT_STEP_OK);
			t->scalar_evals[k + 1] = info.rhs_evals;
		}
		patient_free(p);
	}
	closedir(d);
	cr_assert_eq(trace_count, 150, "expected 150 reference traces, found %zu", trace_count);
	qsort(traces, trace_count, sizeof *traces, by_name);
}

static void free_traces(void)
{
	free(traces);
	traces = NULL;
	trace_count = 0;
}

TestSuite(patient_batch, .init = load_traces, .fini = free_traces, .timeout = 600);

/* ------------------------------------------------------------------------------------ */
/* Running jobs through a batch                                                          */
/* ------------------------------------------------------------------------------------ */

/* What one job (a trace replayed for `minutes`) saw, minute by minute. */
typedef struct job {
	const trace *t;
	int minutes;
	int reports; /* minute reports received: minutes + 1 when the job ran to its end */
	double bg[MINUTES + 1], gsub[MINUTES + 1];
	unsigned evals[MINUTES + 1];
	patient_step_result last_status;
	unsigned plan; /* minutes planned a call: 0 or 1 one by one, else 1 … plan in turn */
} job;

typedef struct queue {
	job *jobs;
	size_t count, next;
} queue;

static bool next_job(void *user_data, const patient_params **params, void **handle)
{
	queue *q = user_data;
	if (q->next == q->count)
		return false;
	job *j = &q->jobs[q->next++];
	*params = j->t->params;
	*handle = j;
	return true;
}

/* Minute t_min's glucose and count, in order (from ready or from a planned minute's end). */
static void job_report(job *j, int64_t t_min, double bg, double gsub, unsigned evals)
{
	const int k = (int)t_min;
	if (k != j->reports)
		cr_assert_fail("%s: minute %d reported after %d reports", j->t->name, k,
		               j->reports);
	j->reports++;
	j->bg[k] = bg;
	j->gsub[k] = gsub;
	j->evals[k] = evals;
}

static bool job_minute(void *user_data, const patient_batch_ready *r, patient_batch_inputs *in,
                       unsigned *count)
{
	(void)user_data;
	job *j = r->job;
	const int k = (int)r->t_min;
	j->last_status = r->status;
	if (r->status != PATIENT_STEP_OK)
		return false;
	for (unsigned i = 0; i < r->passed_count; i++)
		job_report(j, r->passed[i].t_min, r->passed[i].bg_mgdl, r->passed[i].gsub_mgdl,
		           r->passed[i].last.rhs_evals);
	job_report(j, k, r->bg_mgdl, r->gsub_mgdl, r->last.rhs_evals);
	if (k >= j->minutes)
		return false;
	/* plans of 1, 2, … j->plan minutes in turn, never past the job's end */
	unsigned n = j->plan > 1 ? 1 + (unsigned)k % j->plan : 1;
	if (n > (unsigned)(j->minutes - k))
		n = (unsigned)(j->minutes - k);
	for (unsigned i = 0; i < n; i++)
		in[i] = (patient_batch_inputs){j->t->meal_g[k + (int)i], 5.0,
		                               j->t->insulin_u_per_min[k + (int)i]};
	*count = n;
	return true;
}

/* Runs the jobs through a new batch of the engine and lane count. */
static void run_jobs(patient_batch_engine engine, unsigned lanes, job *jobs, size_t count)
{
	patient_batch *b = patient_batch_new(engine, lanes);
	cr_assert_not_null(b, "%s with %u lanes", patient_batch_engine_name(engine), lanes);
	queue q = {jobs, count, 0};
	const patient_batch_source source = {next_job, job_minute, &q};
	cr_assert_eq(patient_batch_run(b, &source), PATIENT_BATCH_OK);
	patient_batch_free(b);
	for (size_t i = 0; i < count; i++)
		cr_assert_eq(jobs[i].reports, jobs[i].minutes + 1, "%s: %d of %d minutes",
		             jobs[i].t->name, jobs[i].reports, jobs[i].minutes + 1);
}

/* Every trace, whole, in name order. */
static job *all_traces_as_jobs(void)
{
	job *jobs = calloc(trace_count, sizeof *jobs);
	cr_assert_not_null(jobs);
	for (size_t i = 0; i < trace_count; i++)
		jobs[i] = (job){.t = &traces[i], .minutes = MINUTES};
	return jobs;
}

/* The engines and widths this CPU runs: the scalar engine first, the reference. */
typedef struct engine_config {
	patient_batch_engine engine;
	unsigned lanes;
} engine_config;

static const engine_config all_configs[] = {
    {PATIENT_BATCH_SCALAR, 1}, {PATIENT_BATCH_SCALAR, 7}, {PATIENT_BATCH_AVX2, 4},
    {PATIENT_BATCH_AVX2, 8},   {PATIENT_BATCH_AVX512, 8}, {PATIENT_BATCH_AVX512, 16},
};

static size_t available_configs(engine_config *out)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof all_configs / sizeof all_configs[0]; i++) {
		if (patient_batch_engine_available(all_configs[i].engine))
			out[n++] = all_configs[i];
		else
			cr_log_info("%s: not available here (CPU or libm), not tested",
			            patient_batch_engine_name(all_configs[i].engine));
	}
	return n;
}

/* ------------------------------------------------------------------------------------ */
/* Accuracy                                                                              */
/* ------------------------------------------------------------------------------------ */

/* The port check of test_reference_traces.c on one engine's run of every trace. */
static void expect_reference_traces(const engine_config *config, const job *jobs)
{
	double worst = 0;
	int failing = 0;
	for (size_t i = 0; i < trace_count; i++) {
		double max = 0;
		for (int k = 0; k <= MINUTES; k++)
			max = fmax(max, fmax(fabs(jobs[i].bg[k] - traces[i].ref_bg[k]),
			                     fabs(jobs[i].gsub[k] - traces[i].ref_gsub[k])));
		worst = fmax(worst, max);
		if (!(max < port_max_mgdl)) {
			failing++;
			cr_log_error("%s x%u: %s max |err| %.3g mg/dL",
			             patient_batch_engine_name(config->engine), config->lanes,
			             traces[i].name, max);
		}
	}
	cr_log_info("%s x%u: worst |err| %.3g mg/dL over 150 traces",
	            patient_batch_engine_name(config->engine), config->lanes, worst);
	cr_expect_eq(failing, 0, "%s x%u: %d traces beyond %g mg/dL",
	             patient_batch_engine_name(config->engine), config->lanes, failing,
	             port_max_mgdl);
}

/* Every minute of every trace: the scalar engine's bits and right-hand-side count. */
static void expect_scalar_engine(const engine_config *config, const job *jobs)
{
	int differing = 0;
	long count_mismatches = 0;
	for (size_t i = 0; i < trace_count; i++) {
		const trace *t = &traces[i];
		const size_t bytes = sizeof t->scalar_bg;
		if (memcmp(jobs[i].bg, t->scalar_bg, bytes) != 0 ||
		    memcmp(jobs[i].gsub, t->scalar_gsub, bytes) != 0) {
			double worst = 0;
			for (int k = 0; k <= MINUTES; k++)
				worst = fmax(worst, fabs(jobs[i].bg[k] - t->scalar_bg[k]));
			if (differing++ < 5)
				cr_log_error("%s x%u: %s differs by up to %.3g mg/dL",
				             patient_batch_engine_name(config->engine),
				             config->lanes, t->name, worst);
		}
		for (int k = 1; k <= MINUTES; k++)
			if (jobs[i].evals[k] != t->scalar_evals[k] && count_mismatches++ < 5)
				cr_log_error("%s: minute %d took %u RHS, the scalar engine %u",
				             t->name, k - 1, jobs[i].evals[k], t->scalar_evals[k]);
	}
	cr_expect_eq(differing, 0, "%s x%u: %d traces are not the scalar engine's bits",
	             patient_batch_engine_name(config->engine), config->lanes, differing);
	cr_expect_eq(count_mismatches, 0, "%s x%u: %ld minutes with another RHS count",
	             patient_batch_engine_name(config->engine), config->lanes, count_mismatches);
}

/*
 * The 150 reference traces through every engine and width the CPU runs: within 1e-5 of
 * simglucose, and every minute the scalar engine's bits and right-hand-side count. The
 * kernels do the scalar engine's operations in its order, with its exp (libmvec's, checked
 * before a kernel runs) and libm's pow, hence the same step sequence too; the issue's
 * tolerance, 1e-6 mg/dL a minute, is met with all of it to spare.
 */
Test(patient_batch, every_engine_and_width_gives_the_reference_traces_with_the_scalar_engines_bits)
{
	engine_config configs[8];
	const size_t n = available_configs(configs);
	for (size_t c = 0; c < n; c++) {
		job *jobs = all_traces_as_jobs();
		run_jobs(configs[c].engine, configs[c].lanes, jobs, trace_count);
		expect_reference_traces(&configs[c], jobs);
		expect_scalar_engine(&configs[c], jobs);
		free(jobs);
	}
}

/*
 * The same traces with the inputs of several minutes given at once (plans of 1 to 16
 * minutes in turn, patient_batch_source.minute): each minute's end, passed or reported,
 * is the scalar engine's bits and count — a plan changes when the caller is asked, never
 * what is integrated.
 */
Test(patient_batch, planned_minutes_give_the_same_bits_as_minute_by_minute)
{
	engine_config configs[8];
	const size_t n = available_configs(configs);
	for (size_t c = 0; c < n; c++) {
		job *jobs = all_traces_as_jobs();
		for (size_t i = 0; i < trace_count; i++)
			jobs[i].plan = 1 + (unsigned)i % PATIENT_BATCH_MAX_PLAN;
		run_jobs(configs[c].engine, configs[c].lanes, jobs, trace_count);
		expect_scalar_engine(&configs[c], jobs);
		free(jobs);
	}
}

/* ------------------------------------------------------------------------------------ */
/* Lanes                                                                                 */
/* ------------------------------------------------------------------------------------ */

/*
 * 150 jobs of 150 lengths (1 to 1440 minutes, shuffled), so that lanes end at every
 * moment and take the next job mid-batch: each job's every minute is the bits it has
 * when it runs alone in the batch, and the scalar engine's.
 */
Test(patient_batch, lanes_of_different_patients_inputs_and_lengths_share_a_batch)
{
	engine_config configs[8];
	const size_t n = available_configs(configs);
	job *mixed = calloc(trace_count, sizeof *mixed);
	job *alone = calloc(1, sizeof *alone);
	cr_assert(mixed && alone);
	for (size_t c = 0; c < n; c++) {
		for (size_t i = 0; i < trace_count; i++) {
			const size_t pick =
			    (i * 67) % trace_count; /* patients and scenarios mixed */
			mixed[i] =
			    (job){.t = &traces[pick], .minutes = 1 + (int)((i * 613) % MINUTES)};
		}
		run_jobs(configs[c].engine, configs[c].lanes, mixed, trace_count);
		for (size_t i = 0; i < trace_count; i += 37) {
			*alone = (job){.t = mixed[i].t, .minutes = mixed[i].minutes};
			run_jobs(configs[c].engine, configs[c].lanes, alone, 1);
			const size_t bytes = (size_t)(mixed[i].minutes + 1) * sizeof(double);
			cr_expect(memcmp(mixed[i].bg, alone->bg, bytes) == 0 &&
			              memcmp(mixed[i].gsub, alone->gsub, bytes) == 0,
			          "%s x%u: %s for %d minutes differs with neighbours",
			          patient_batch_engine_name(configs[c].engine), configs[c].lanes,
			          mixed[i].t->name, mixed[i].minutes);
		}
		int differing = 0;
		for (size_t i = 0; i < trace_count; i++) {
			const size_t bytes = (size_t)(mixed[i].minutes + 1) * sizeof(double);
			differing += memcmp(mixed[i].bg, mixed[i].t->scalar_bg, bytes) != 0 ||
			             memcmp(mixed[i].gsub, mixed[i].t->scalar_gsub, bytes) != 0;
		}
		cr_expect_eq(differing, 0, "%s x%u: %d mixed jobs are not the scalar engine's bits",
		             patient_batch_engine_name(configs[c].engine), configs[c].lanes,
		             differing);
	}
	free(mixed);
	free(alone);
}

/*
 * Random inputs (fixed seed, printed on failure): meals of 5-120 g eaten at 1-10 g/min,
 * announced again while eating, insulin from 0 (suspended) to 3 times basal changing every
 * half hour or so, boluses of 0.5-15 U. Every patient for 3 days, each lane against the
 * scalar engine given the same inputs: the same bits and RHS count every minute — given
 * minute by minute, then in plans of 1 to 16 minutes at random.
 */
typedef struct random_job {
	const patient_params *params;
	patient *scalar;
	uint64_t rng;
	double insulin_u_per_min;
	long minutes_checked, differing, count_mismatches;
	unsigned scalar_evals;
	bool plans; /* give 1 … PATIENT_BATCH_MAX_PLAN minutes a call, at random */
	/* the scalar engine at the ends of the minutes planned last */
	double shadow_bg[PATIENT_BATCH_MAX_PLAN], shadow_gsub[PATIENT_BATCH_MAX_PLAN];
	unsigned shadow_evals[PATIENT_BATCH_MAX_PLAN];
} random_job;

static double uniform(uint64_t *state)
{
	*state = *state * 6364136223846793005u + 1442695040888963407u;
	return (double)(*state >> 11) * 0x1p-53;
}

typedef struct random_queue {
	random_job *jobs;
	size_t count, next;
} random_queue;

static bool random_next_job(void *user_data, const patient_params **params, void **handle)
{
	random_queue *q = user_data;
	if (q->next == q->count)
		return false;
	random_job *j = &q->jobs[q->next++];
	*params = j->params;
	*handle = j;
	return true;
}

/* One minute of random inputs; the shadow scalar patient takes it too. */
static void random_inputs(random_job *j, patient_batch_inputs *in, unsigned slot)
{
	const double basal = patient_basal_u_per_min(j->params);
	if (uniform(&j->rng) < 1.0 / 30.0)
		j->insulin_u_per_min =
		    uniform(&j->rng) < 0.1 ? 0.0 : 3.0 * basal * uniform(&j->rng);
	in->insulin_u_per_min = j->insulin_u_per_min;
	if (uniform(&j->rng) < 0.002)
		in->insulin_u_per_min += 0.5 + 14.5 * uniform(&j->rng);
	in->meal_announced_g = uniform(&j->rng) < 0.003 ? 5.0 + 115.0 * uniform(&j->rng) : 0.0;
	in->eat_rate_g_per_min = 1.0 + 9.0 * uniform(&j->rng);
	patient_step_info info;
	cr_assert_eq(patient_step_eating(j->scalar, in->meal_announced_g, in->eat_rate_g_per_min,
	                                 in->insulin_u_per_min, &info),
	             PATIENT_STEP_OK);
	j->shadow_bg[slot] = patient_bg_mgdl(j->scalar);
	j->shadow_gsub[slot] = patient_gsub_mgdl(j->scalar);
	j->shadow_evals[slot] = info.rhs_evals;
}

/* A minute's end the batch reports against the shadow's (slot: which planned minute). */
static void random_check(random_job *j, int64_t t_min, double bg, double gsub, unsigned evals,
                         unsigned slot)
{
	j->minutes_checked++;
	if (t_min == 0) {
		if (bg != patient_bg_mgdl(j->scalar) || gsub != patient_gsub_mgdl(j->scalar))
			j->differing++;
		return;
	}
	if (bg != j->shadow_bg[slot] || gsub != j->shadow_gsub[slot])
		j->differing++;
	if (evals != j->shadow_evals[slot])
		j->count_mismatches++;
}

static bool random_minute(void *user_data, const patient_batch_ready *r, patient_batch_inputs *in,
                          unsigned *count)
{
	(void)user_data;
	random_job *j = r->job;
	cr_assert_eq(r->status, PATIENT_STEP_OK);
	for (unsigned i = 0; i < r->passed_count; i++)
		random_check(j, r->passed[i].t_min, r->passed[i].bg_mgdl, r->passed[i].gsub_mgdl,
		             r->passed[i].last.rhs_evals, i);
	random_check(j, r->t_min, r->bg_mgdl, r->gsub_mgdl, r->last.rhs_evals, r->passed_count);
	if (r->t_min >= 3 * MINUTES)
		return false;
	unsigned n = j->plans ? 1 + (unsigned)(uniform(&j->rng) * PATIENT_BATCH_MAX_PLAN) : 1;
	if (n > PATIENT_BATCH_MAX_PLAN)
		n = PATIENT_BATCH_MAX_PLAN;
	if ((int64_t)n > 3 * MINUTES - r->t_min)
		n = (unsigned)(3 * MINUTES - r->t_min);
	for (unsigned i = 0; i < n; i++)
		random_inputs(j, &in[i], i);
	*count = n;
	return true;
}

Test(patient_batch, random_meals_rates_and_insulin_give_the_scalar_engines_bits)
{
	const uint64_t seed = 20240518;
	engine_config configs[8];
	const size_t n = available_configs(configs);
	const size_t count = patient_params_count();
	random_job *jobs = calloc(count, sizeof *jobs);
	cr_assert_not_null(jobs);
	for (size_t run = 0; run < 2 * n; run++) {
		const size_t c = run / 2;
		const bool plans = run % 2 == 1; /* minute by minute, then random plans */
		for (size_t i = 0; i < count; i++) {
			jobs[i] = (random_job){
			    .params = patient_params_at(i), .rng = seed + i, .plans = plans};
			jobs[i].scalar = patient_new(jobs[i].params);
			jobs[i].insulin_u_per_min = patient_basal_u_per_min(jobs[i].params);
		}
		patient_batch *b = patient_batch_new(configs[c].engine, configs[c].lanes);
		random_queue q = {jobs, count, 0};
		const patient_batch_source source = {random_next_job, random_minute, &q};
		cr_assert_eq(patient_batch_run(b, &source), PATIENT_BATCH_OK);
		patient_batch_free(b);
		long checked = 0, differing = 0, count_mismatches = 0;
		for (size_t i = 0; i < count; i++) {
			checked += jobs[i].minutes_checked;
			differing += jobs[i].differing;
			count_mismatches += jobs[i].count_mismatches;
			patient_free(jobs[i].scalar);
		}
		cr_expect_eq(checked, (long)count * (3 * MINUTES + 1));
		cr_expect_eq(differing, 0,
		             "%s x%u%s, seed %llu: %ld minutes not the scalar engine's bits",
		             patient_batch_engine_name(configs[c].engine), configs[c].lanes,
		             plans ? " (plans)" : "", (unsigned long long)seed, differing);
		cr_expect_eq(count_mismatches, 0,
		             "%s x%u%s, seed %llu: %ld minutes with another RHS count",
		             patient_batch_engine_name(configs[c].engine), configs[c].lanes,
		             plans ? " (plans)" : "", (unsigned long long)seed, count_mismatches);
	}
	free(jobs);
}

/* Inputs for `lane` from trace `t` at the minute it waits at. */
static void answer(patient_batch *b, const patient_batch_ready *r, const trace *t)
{
	const int k = (int)r->t_min;
	cr_assert_eq(
	    patient_batch_set_inputs(b, r->lane, t->meal_g[k], 5.0, t->insulin_u_per_min[k]),
	    PATIENT_BATCH_OK);
}

Test(patient_batch, a_lane_ended_mid_batch_takes_a_new_patient_from_its_steady_state)
{
	engine_config configs[8];
	const size_t n = available_configs(configs);
	const trace *first = &traces[0], *second = &traces[1], *third = &traces[60];
	for (size_t c = 0; c < n; c++) {
		patient_batch *b = patient_batch_new(configs[c].engine, configs[c].lanes);
		cr_assert_not_null(b);
		const unsigned other = patient_batch_lane_count(b) - 1;
		cr_assert_eq(patient_batch_start(b, 0, first->params, (void *)first),
		             PATIENT_BATCH_OK);
		if (other != 0)
			cr_assert_eq(patient_batch_start(b, other, second->params, (void *)second),
			             PATIENT_BATCH_OK);
		bool replaced = false;
		int third_minutes = 0, second_minutes = 0;
		patient_batch_ready ready[PATIENT_BATCH_MAX_LANES];
		size_t got;
		while ((got = patient_batch_advance(b, ready, PATIENT_BATCH_MAX_LANES)) > 0) {
			for (size_t i = 0; i < got; i++) {
				const patient_batch_ready *r = &ready[i];
				const trace *t = r->job;
				const int k = (int)r->t_min;
				cr_assert_eq(r->status, PATIENT_STEP_OK);
				if (r->bg_mgdl != t->scalar_bg[k] ||
				    r->gsub_mgdl != t->scalar_gsub[k])
					cr_expect_fail(
					    "%s minute %d: %.17g, the scalar engine %.17g", t->name,
					    k, r->bg_mgdl, t->scalar_bg[k]);
				if (t == first && k == 100) {
					/* ended mid-batch: the lane takes the next patient at t = 0
					 */
					cr_assert_eq(patient_batch_end(b, r->lane),
					             PATIENT_BATCH_OK);
					cr_assert_eq(patient_batch_start(b, r->lane, third->params,
					                                 (void *)third),
					             PATIENT_BATCH_OK);
					replaced = true;
					continue;
				}
				if (t == third) {
					if (third_minutes++ == 0) {
						cr_expect_eq(k, 0);
						cr_expect_eq(
						    r->bg_mgdl,
						    third->params->x0[PATIENT_GP_MG_PER_KG] /
						        third->params->Vg);
						cr_expect_eq(r->last.rhs_evals, 0u);
					}
					if (k == 300) {
						patient_batch_end(b, r->lane);
						continue;
					}
				}
				if (t == second && (second_minutes++, k == 500)) {
					patient_batch_end(b, r->lane);
					continue;
				}
				answer(b, r, t);
			}
		}
		cr_expect(replaced);
		cr_expect_eq(third_minutes, 301, "the new patient ran %d of 301 reports",
		             third_minutes);
		if (other != 0)
			cr_expect_eq(second_minutes, 501, "its neighbour ran %d of 501 reports",
			             second_minutes);
		patient_batch_free(b);
	}
}

Test(patient_batch, a_waiting_lane_is_listed_until_answered_while_the_others_go_on)
{
	if (!patient_batch_engine_available(PATIENT_BATCH_AVX2))
		cr_skip_test("no vector engine on this CPU");
	patient_batch *b = patient_batch_new(PATIENT_BATCH_AUTO, 0);
	cr_assert_not_null(b);
	const trace *t = &traces[10];
	cr_assert_eq(patient_batch_start(b, 0, t->params, (void *)t), PATIENT_BATCH_OK);
	cr_assert_eq(patient_batch_start(b, 1, t->params, (void *)t), PATIENT_BATCH_OK);
	patient_batch_ready ready[PATIENT_BATCH_MAX_LANES];
	int lane1_minute = 0;
	for (int round = 0; round < 50; round++) {
		const size_t got = patient_batch_advance(b, ready, PATIENT_BATCH_MAX_LANES);
		bool saw_lane0 = false;
		for (size_t i = 0; i < got; i++) {
			if (ready[i].lane == 0) {
				saw_lane0 = true;
				cr_expect_eq(ready[i].t_min, 0); /* never answered: stays at 0 */
				continue;
			}
			lane1_minute = (int)ready[i].t_min;
			answer(b, &ready[i], t);
		}
		cr_expect(saw_lane0, "round %d: the unanswered lane is not listed", round);
	}
	cr_expect_eq(lane1_minute, 49, "the answered lane reached minute %d", lane1_minute);
	patient_batch_free(b);
}

/* ------------------------------------------------------------------------------------ */
/* Refusals and failures                                                                 */
/* ------------------------------------------------------------------------------------ */

Test(patient_batch, bad_inputs_are_refused_and_the_lane_still_waits)
{
	engine_config configs[8];
	const size_t n = available_configs(configs);
	const patient_params *p = patient_params_find("adult#001");
	for (size_t c = 0; c < n; c++) {
		patient_batch *b = patient_batch_new(configs[c].engine, configs[c].lanes);
		cr_assert_eq(patient_batch_start(b, 0, p, NULL), PATIENT_BATCH_OK);
		patient_batch_ready r;
		cr_assert_eq(patient_batch_advance(b, &r, 1), 1);
		const double bad[][3] = {{-1, 5, 0.02},  {NAN, 5, 0.02},   {INFINITY, 5, 0.02},
		                         {10, 0, 0.02},  {10, -5, 0.02},   {10, NAN, 0.02},
		                         {0, 5, -0.001}, {0, 5, INFINITY}, {0, 5, NAN}};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			cr_expect_eq(
			    patient_batch_set_inputs(b, 0, bad[i][0], bad[i][1], bad[i][2]),
			    PATIENT_BATCH_BAD_INPUT, "meal %g rate %g insulin %g", bad[i][0],
			    bad[i][1], bad[i][2]);
		cr_assert_eq(patient_batch_advance(b, &r, 1), 1);
		cr_expect_eq(r.t_min, 0, "refused inputs moved the lane to minute %lld",
		             (long long)r.t_min);
		cr_expect_eq(patient_batch_set_inputs(b, 0, 0, 5, 0.02), PATIENT_BATCH_OK);
		cr_expect_eq(patient_batch_set_inputs(b, 0, 0, 5, 0.02), PATIENT_BATCH_LANE_BUSY);
		cr_assert_eq(patient_batch_advance(b, &r, 1), 1);
		cr_expect_eq(r.t_min, 1);
		patient_batch_free(b);
	}
}

Test(patient_batch, lane_misuse_is_an_error_value)
{
	patient_batch *b = patient_batch_new(PATIENT_BATCH_SCALAR, 2);
	const patient_params *p = patient_params_at(0);
	double state[PATIENT_STATE_COUNT];
	cr_expect_eq(patient_batch_start(b, 2, p, NULL), PATIENT_BATCH_BAD_LANE);
	cr_expect_eq(patient_batch_start(b, 0, NULL, NULL), PATIENT_BATCH_BAD_LANE);
	cr_expect_eq(patient_batch_set_inputs(b, 0, 0, 5, 0), PATIENT_BATCH_NO_JOB);
	cr_expect_eq(patient_batch_end(b, 1), PATIENT_BATCH_NO_JOB);
	cr_expect_eq(patient_batch_end(b, 7), PATIENT_BATCH_BAD_LANE);
	cr_expect_eq(patient_batch_get_state(b, 0, state), PATIENT_BATCH_NO_JOB);
	patient_batch_ready r;
	cr_expect_eq(patient_batch_advance(b, &r, 1), 0, "no job: nothing waits");
	cr_assert_eq(patient_batch_start(b, 0, p, NULL), PATIENT_BATCH_OK);
	cr_expect_eq(patient_batch_start(b, 0, p, NULL), PATIENT_BATCH_LANE_BUSY);
	cr_expect_eq(patient_batch_get_state(b, 0, state), PATIENT_BATCH_OK);
	cr_expect_eq(state[PATIENT_GP_MG_PER_KG], p->x0[PATIENT_GP_MG_PER_KG]);
	const patient_batch_source busy = {NULL, NULL, NULL};
	cr_expect_eq(patient_batch_run(b, &busy), PATIENT_BATCH_LANE_BUSY);
	patient_batch_free(b);
}

/* The scalar engine fails on 1e300 U/min at minute 3 (step below rounding); so must all. */
Test(patient_batch, an_integrator_failure_is_reported_and_the_lane_can_only_be_ended)
{
	const patient_params *p = patient_params_find("adult#001");
	patient *reference = patient_new(p);
	int fails_at = -1;
	for (int k = 0; k < 10 && fails_at < 0; k++)
		if (patient_step(reference, 0, k == 3 ? 1e300 : 0.02, NULL) != PATIENT_STEP_OK)
			fails_at = k;
	patient_free(reference);
	cr_assert_eq(fails_at, 3);

	engine_config configs[8];
	const size_t n = available_configs(configs);
	for (size_t c = 0; c < n; c++) {
		patient_batch *b = patient_batch_new(configs[c].engine, configs[c].lanes);
		cr_assert_eq(patient_batch_start(b, 0, p, NULL), PATIENT_BATCH_OK);
		patient_batch_ready r;
		for (int k = 0; k <= 3; k++) {
			cr_assert_eq(patient_batch_advance(b, &r, 1), 1);
			cr_assert_eq(r.status, PATIENT_STEP_OK);
			cr_assert_eq(patient_batch_set_inputs(b, 0, 0, 5, k == 3 ? 1e300 : 0.02),
			             PATIENT_BATCH_OK);
		}
		cr_assert_eq(patient_batch_advance(b, &r, 1), 1);
		cr_expect_eq(r.status, PATIENT_STEP_SOLVER_FAILED, "%s x%u",
		             patient_batch_engine_name(configs[c].engine), configs[c].lanes);
		cr_expect_eq(r.t_min, 3);
		cr_expect_eq(patient_batch_set_inputs(b, 0, 0, 5, 0.02), PATIENT_BATCH_LANE_FAILED);
		cr_expect_eq(patient_batch_end(b, 0), PATIENT_BATCH_OK);
		cr_expect_eq(patient_batch_advance(b, &r, 1), 0);
		patient_batch_free(b);
	}
}

typedef struct refusing_source {
	int jobs_given, calls, bad_input_reports;
	int minutes_of_second_job;
} refusing_source;

static bool refusing_next_job(void *user_data, const patient_params **params, void **out_job)
{
	refusing_source *s = user_data;
	if (s->jobs_given == 2)
		return false;
	*params = patient_params_at((size_t)s->jobs_given);
	*out_job = (void *)(intptr_t)++s->jobs_given;
	return true;
}

/*
 * The first job plans minutes 3, 4 and 5 at minute 3 and asks for -1 g in minute 5: the
 * whole plan is refused, told at minute 3. The second runs 20 minutes in plans of 4.
 */
static bool refusing_minute(void *user_data, const patient_batch_ready *r, patient_batch_inputs *in,
                            unsigned *count)
{
	refusing_source *s = user_data;
	s->calls++;
	if ((intptr_t)r->job == 1) {
		if (r->status == PATIENT_STEP_BAD_INPUT) {
			s->bad_input_reports++;
			cr_expect_eq(r->t_min, 3);
			cr_expect_eq(r->passed_count, 0);
			return true; /* ignored: the job ends */
		}
		cr_expect_lt(r->t_min, 4);
		*count = r->t_min == 3 ? 3 : 1;
		for (unsigned i = 0; i < *count; i++)
			in[i] = (patient_batch_inputs){i == 2 ? -1.0 : 0.0, 5.0, 0.01};
		return true;
	}
	s->minutes_of_second_job = (int)r->t_min;
	cr_expect_eq(r->passed_count, r->t_min == 0 ? 0u : 3u);
	*count = 4;
	for (unsigned i = 0; i < 4; i++)
		in[i] = (patient_batch_inputs){0.0, 5.0, 0.01};
	return r->t_min < 20;
}

Test(patient_batch, run_ends_a_job_whose_inputs_are_refused_and_tells_it_once)
{
	engine_config configs[8];
	const size_t n = available_configs(configs);
	for (size_t c = 0; c < n; c++) {
		patient_batch *b = patient_batch_new(configs[c].engine, configs[c].lanes);
		refusing_source s = {0};
		const patient_batch_source source = {refusing_next_job, refusing_minute, &s};
		cr_expect_eq(patient_batch_run(b, &source), PATIENT_BATCH_OK);
		cr_expect_eq(s.bad_input_reports, 1);
		cr_expect_eq(s.minutes_of_second_job, 20);
		patient_batch_free(b);
	}
}

/* ------------------------------------------------------------------------------------ */
/* Engines                                                                               */
/* ------------------------------------------------------------------------------------ */

Test(patient_batch, engines_are_named_and_auto_is_the_widest_the_cpu_runs)
{
	for (int e = PATIENT_BATCH_AUTO; e <= PATIENT_BATCH_AVX512; e++) {
		patient_batch_engine back;
		cr_assert(patient_batch_engine_from_name(patient_batch_engine_name(e), &back));
		cr_expect_eq(back, e);
	}
	patient_batch_engine unused;
	cr_expect_not(patient_batch_engine_from_name("sse", &unused));
	cr_expect_not(patient_batch_engine_from_name(NULL, &unused));
	cr_expect_null(patient_batch_engine_name((patient_batch_engine)9));

	const patient_batch_engine best = patient_batch_engine_resolve(PATIENT_BATCH_AUTO);
	cr_expect(patient_batch_engine_available(best));
	if (patient_batch_engine_available(PATIENT_BATCH_AVX512))
		cr_expect_eq(best, PATIENT_BATCH_AVX512);
	else if (patient_batch_engine_available(PATIENT_BATCH_AVX2))
		cr_expect_eq(best, PATIENT_BATCH_AVX2);
	else
		cr_expect_eq(best, PATIENT_BATCH_SCALAR);
	patient_batch *b = patient_batch_new(PATIENT_BATCH_AUTO, 0);
	cr_assert_not_null(b);
	cr_expect_eq(patient_batch_engine_of(b), best);
	cr_expect_eq(patient_batch_lane_count(b), best == PATIENT_BATCH_AVX512 ? 16u
	                                          : best == PATIENT_BATCH_AVX2 ? 8u
	                                                                       : 1u);
	patient_batch_free(b);

	cr_expect_null(patient_batch_new(PATIENT_BATCH_SCALAR, PATIENT_BATCH_MAX_LANES + 1));
	cr_expect_not(patient_batch_lanes_supported(PATIENT_BATCH_AVX2, 16));
	cr_expect_not(patient_batch_lanes_supported(PATIENT_BATCH_AVX512, 4));
	if (patient_batch_engine_available(PATIENT_BATCH_AVX512))
		cr_expect_null(patient_batch_new(PATIENT_BATCH_AVX512, 12));
}

#if defined(__x86_64__)
/*
 * A vector engine refuses to run where its exp would not give the scalar engine's bits;
 * on the platform this project builds on (x86-64, Debian 12's glibc 2.36 and its libmvec)
 * it must run wherever the CPU has the instructions, or the batch is silently scalar.
 */
Test(patient_batch, the_vector_engines_run_wherever_the_cpu_has_them)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		cr_expect(patient_batch_engine_available(PATIENT_BATCH_AVX2),
		          "the CPU has AVX2, the AVX2 engine does not run");
	if (__builtin_cpu_supports("avx512f"))
		cr_expect(patient_batch_engine_available(PATIENT_BATCH_AVX512),
		          "the CPU has AVX-512F, the AVX-512 engine does not run");
}

/* The kernels' exp against the scalar engine's (libmvec) over [-750, 0] and its edges. */
Test(patient_batch, the_kernels_exp_gives_the_scalar_engines_bits)
{
	enum { N_VALUES = 1 << 16 };
	static double in[N_VALUES], out[N_VALUES];
	unsigned seed = 12345;
	for (int i = 0; i < N_VALUES; i++) {
		seed = seed * 1103515245u + 12345u;
		const double u = (double)(seed >> 8) / (double)(1u << 24);
		in[i] = i % 2 ? -750.0 * u : -64.0 * u * u;
	}
	const double edges[] = {0.0,    -0.0,   -0x1p-1074, -708.3959960937499, -0x1.6232bp+9,
	                        -709.0, -745.1, -746.0,     -INFINITY,          NAN};
	memcpy(in, edges, sizeof edges);
	typedef void (*exp_fn)(const double *, double *, unsigned);
	const struct {
		patient_batch_engine engine;
		exp_fn fn;
	} paths[] = {{PATIENT_BATCH_AVX2, batch_math_avx2_exp},
	             {PATIENT_BATCH_AVX512, batch_math_avx512_exp}};
	int tested = 0;
	for (size_t p = 0; p < 2; p++) {
		if (!patient_batch_engine_available(paths[p].engine))
			continue;
		tested++;
		paths[p].fn(in, out, N_VALUES);
		for (int i = 0; i < N_VALUES; i += 2) {
			double want[2];
			patient_exp_pair(in[i], in[i + 1], &want[0], &want[1]);
			if (memcmp(want, &out[i], sizeof want) != 0)
				cr_assert_fail(
				    "%s: exp(%.17g) = %.17g, exp(%.17g) = %.17g; the scalar "
				    "engine's %.17g, %.17g",
				    patient_batch_engine_name(paths[p].engine), in[i], out[i],
				    in[i + 1], out[i + 1], want[0], want[1]);
		}
	}
	if (!tested)
		cr_log_info("no vector engine here");
}
#endif
