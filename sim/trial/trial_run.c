/*
 * trial_run — a trial's patients on worker threads (see trial.h).
 *
 * Scalar engine: each worker takes the next patient and runs its engine (engine_next, the
 * code of `fakepump run`) to the end. Batch engine (docs/batch-engine.md): each worker has
 * one patient_batch; its lanes take patients from the same queue, and each lane's minute is
 * engine_next_external — the same events, sensor, controller and pump — around the batch's
 * integration of the patient. Between two CGM readings nothing a lane's engine does
 * depends on the glucose, so a lane plans every minute up to the next reading at once
 * (its engine's state stays in the cache) and its rows take their glucose when the batch
 * has integrated them. The lanes reproduce patient_step_eating bit for bit, so both
 * give the same results; each result goes to the patient's own slot, so neither the thread
 * count nor which thread ran whom changes a bit.
 *
 * Must never: let one patient's state reach another's, or write a result out of order.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "csv_writer.h"
#include "engine.h"
#include "stop_request.h"
#include "trial.h"
#include "trial_traces.h"

typedef struct job {
	size_t index;
	engine *e;
	FILE *trace;
	agp *profile; /* with o->figures: its true glucose by time of day */
	scenario own; /* a population's patient: its scenario, made when it starts */
	bool has_own;
} job;

typedef struct shared {
	const trial_plan *plan;
	const trial_run_options *opt;
	trial_patient_result *results;
	job *jobs; /* one a patient */
	size_t next, done;
	pthread_mutex_t lock;
	bool broken; /* a trace file or memory failed: the first message is in err */
	char err[512];
} shared;

bool trial_engine_available(trial_engine e)
{
	switch (e) {
	case TRIAL_ENGINE_BATCH:
	case TRIAL_ENGINE_SCALAR:
		return true;
	case TRIAL_ENGINE_AVX512:
		return patient_batch_engine_available(PATIENT_BATCH_AVX512);
	case TRIAL_ENGINE_AVX2:
		return patient_batch_engine_available(PATIENT_BATCH_AVX2);
	case TRIAL_ENGINE_COUNT:
		break;
	}
	return false;
}

static void fail_run(shared *sh, const char *message)
{
	pthread_mutex_lock(&sh->lock);
	if (!sh->broken) {
		sh->broken = true;
		snprintf(sh->err, sizeof sh->err, "%s", message);
	}
	pthread_mutex_unlock(&sh->lock);
}

/* The next patient's index, or false when none is left (or the run broke). */
static bool take_index(shared *sh, size_t *index)
{
	pthread_mutex_lock(&sh->lock);
	const bool some = !sh->broken && sh->next < sh->plan->def.patient_count;
	if (some)
		*index = sh->next++;
	pthread_mutex_unlock(&sh->lock);
	return some;
}

/* What job_begin had made when it could not finish. */
static void job_abort(job *j)
{
	engine_free(j->e);
	j->e = NULL;
	agp_free(j->profile);
	j->profile = NULL;
	if (j->has_own)
		scenario_free(&j->own);
	j->has_own = false;
}

/* Patient i's job: its engine (inside or outside: external) and its trace file. */
static bool job_begin(shared *sh, size_t i, bool external)
{
	job *j = &sh->jobs[i];
	*j = (job){.index = i};
	if (!sh->plan->scenarios) {
		char err[512];
		if (!trial_plan_scenario(sh->plan, i, &j->own, err, sizeof err)) {
			fail_run(sh, err);
			return false;
		}
		j->has_own = true;
	}
	const scenario *sc = j->has_own ? &j->own : &sh->plan->scenarios[i];
	sh->results[i] = (trial_patient_result){.patient = trial_patient(&sh->plan->def, i)};
	glucose_accumulator_init(&sh->results[i].acc);
	j->e = external ? engine_new_external(sc) : engine_new(sc);
	if (!j->e) {
		fail_run(sh, "out of memory starting a patient");
		job_abort(j);
		return false;
	}
	/* The pump's status and IOB in every row only for the traces (about a fifth of a
	 * closed-loop minute otherwise). */
	engine_set_detailed_rows(j->e, sh->opt->traces_dir != NULL);
	if (sh->opt->figures && !(j->profile = agp_new(sc->start_min_of_day))) {
		fail_run(sh, "out of memory starting a patient");
		job_abort(j);
		return false;
	}
	if (sh->opt->traces_dir) {
		char err[512];
		j->trace =
		    trial_trace_open(sh->opt->traces_dir, sc->patient->name, err, sizeof err);
		if (!j->trace) {
			fail_run(sh, err);
			job_abort(j);
			return false;
		}
	}
	return true;
}

static void job_end(shared *sh, job *j)
{
	if (j->trace && trial_trace_close(j->trace) != 0) {
		char err[256];
		snprintf(err, sizeof err, "--traces: writing %s's trace failed",
		         trial_patient(&sh->plan->def, j->index)->name);
		fail_run(sh, err);
	}
	j->trace = NULL;
	engine_free(j->e);
	j->e = NULL;
	if (j->has_own) {
		scenario_free(&j->own);
		j->has_own = false;
	}
	trial_patient_result *r = &sh->results[j->index];
	if (j->profile)
		r->has_figures = trial_figures_patient_of(j->profile, &r->figures);
	pthread_mutex_lock(&sh->lock);
	if (j->profile) {
		/* counts add up in any order: the threads do not change the profile */
		trial_figures_cohort k;
		if (trial_figures_cohort_of(r->patient->name, &k) && k < FIGURES_COHORT_ALL &&
		    sh->opt->figures[k] && !agp_merge_profile(sh->opt->figures[k], j->profile) &&
		    !sh->broken) {
			sh->broken = true;
			snprintf(sh->err, sizeof sh->err,
			         "the glucose profile's counts overflowed");
		}
		agp_free(j->profile);
		j->profile = NULL;
	}
	const size_t done = ++sh->done;
	if (sh->opt->progress)
		sh->opt->progress(done, sh->plan->def.patient_count, sh->opt->progress_user_data);
	pthread_mutex_unlock(&sh->lock);
}

static void set_failed(trial_patient_result *r, const char *why)
{
	r->status = TRIAL_FAILED;
	snprintf(r->why, sizeof r->why, "%s", why);
}

/*
 * Row k of patient j into its result: the metrics take bg at t = k for k < the duration,
 * the insulin of minute k. False when the patient ends here: its glucose reached 0.
 */
static bool take_row(shared *sh, job *j, const engine_row *row)
{
	trial_patient_result *r = &sh->results[j->index];
	const int64_t duration =
	    j->has_own ? j->own.duration_min : sh->plan->scenarios[j->index].duration_min;
	if (row->t_min >= duration)
		return false;
	/* A stop request (Ctrl-C, SIGTERM) ends every patient at its next simulated day and
	 * fails the run: a trial cut short has no table to give (trial.h). */
	if (row->t_min % CLOCK_MIN_PER_DAY == 0 && row->t_min > 0 && stop_request_signal()) {
		char why[96];
		snprintf(why, sizeof why, "interrupted by %s",
		         stop_request_signal_name(stop_request_signal()));
		fail_run(sh, why);
		return false;
	}
	glucose_accumulator_add(&r->acc, row->bg_mgdl);
	if (j->profile)
		agp_add(j->profile, row->t_min, row->bg_mgdl, NAN, 0.0, 0.0);
	r->insulin_u += row->insulin_u_per_min;
	r->minutes = row->t_min + 1;
	if (!(row->bg_mgdl > 0.0)) {
		set_failed(r, "glucose reached 0 mg/dL");
		return false;
	}
	return true;
}

static void trace_row(job *j, const engine_row *row)
{
	if (j->trace)
		csv_write_row(j->trace, row);
}

/* --------------------------------------------------------------------------------- */
/* Scalar: engine_next                                                                 */
/* --------------------------------------------------------------------------------- */

static void run_scalar_patient(shared *sh, size_t i)
{
	if (!job_begin(sh, i, false))
		return;
	job *j = &sh->jobs[i];
	engine_row row;
	for (;;) {
		const engine_status st = engine_next(j->e, &row);
		if (st == ENGINE_DONE)
			break;
		trace_row(j, &row);
		const bool goes_on = take_row(sh, j, &row);
		if (st == ENGINE_FAILED) {
			set_failed(&sh->results[i],
			           engine_error(j->e) ? engine_error(j->e) : "the model failed");
			break;
		}
		if (st != ENGINE_ROW || !goes_on)
			break;
	}
	job_end(sh, j);
}

/* --------------------------------------------------------------------------------- */
/* Batch: patient_batch lanes around engine_next_external                             */
/* --------------------------------------------------------------------------------- */

/*
 * A lane's minutes planned at its last call, t0 … t0 + count − 1: their rows, whose glucose
 * (but the first's) and eaten carbs the batch tells at the next call.
 */
typedef struct lane_plan {
	engine_row rows[PATIENT_BATCH_MAX_PLAN];
	unsigned count;
} lane_plan;

/* A batch worker: the trial and its lanes' plans. */
typedef struct batch_worker {
	shared *sh;
	lane_plan plans[PATIENT_BATCH_MAX_LANES];
} batch_worker;

static bool next_job(void *user_data, const patient_params **params, void **job_out)
{
	shared *sh = ((batch_worker *)user_data)->sh;
	size_t i;
	if (!take_index(sh, &i) || !job_begin(sh, i, true))
		return false;
	*params = trial_patient(&sh->plan->def, i);
	*job_out = &sh->jobs[i];
	return true;
}

static bool lane_ends(shared *sh, job *j, lane_plan *pl)
{
	pl->count = 0;
	job_end(sh, j);
	return false;
}

static bool lane_minute(void *user_data, const patient_batch_ready *ready,
                        patient_batch_inputs *inputs, unsigned *count)
{
	batch_worker *w = user_data;
	shared *sh = w->sh;
	job *j = ready->job;
	lane_plan *pl = &w->plans[ready->lane];

	/* The planned minutes the batch has integrated (up to where it failed, if it did):
	 * each row's glucose at its start, what was eaten in it. */
	if (pl->count > 0) {
		const unsigned resolved = ready->passed_count + 1;
		if (resolved > pl->count ||
		    (ready->status == PATIENT_STEP_OK && resolved != pl->count)) {
			fail_run(sh, "the batch engine reported another plan than it was given");
			return lane_ends(sh, j, pl);
		}
		for (unsigned i = 0; i < resolved; i++) {
			engine_row *row = &pl->rows[i];
			row->cho_g_per_min = i < ready->passed_count ? ready->passed[i].last.eaten_g
			                                             : ready->last.eaten_g;
			if (i > 0) { /* the first row's glucose was known when it was planned */
				row->bg_mgdl = ready->passed[i - 1].bg_mgdl;
				row->gsub_mgdl = ready->passed[i - 1].gsub_mgdl;
				if (!take_row(sh, j,
				              row)) { /* its row is written, as every row is */
					trace_row(j, row);
					return lane_ends(sh, j, pl);
				}
			}
			trace_row(j, row);
		}
		pl->count = 0;
	}
	if (ready->status != PATIENT_STEP_OK) {
		set_failed(&sh->results[j->index], "the model could not be integrated");
		return lane_ends(sh, j, pl);
	}

	/* Minute t_min with its glucose, then the minutes after it that need none (no CGM
	 * reading due: engine_minutes_without_glucose), up to the batch's plan length. */
	engine_row *row = &pl->rows[0];
	const engine_status st =
	    engine_next_external(j->e, ready->bg_mgdl, ready->gsub_mgdl, row, &inputs[0]);
	if (st == ENGINE_DONE)
		return lane_ends(sh, j, pl);
	const bool goes_on = take_row(sh, j, row);
	if (st != ENGINE_ROW || !goes_on) {
		trace_row(j, row);
		if (st == ENGINE_FAILED)
			set_failed(&sh->results[j->index],
			           engine_error(j->e) ? engine_error(j->e) : "the model failed");
		return lane_ends(sh, j, pl);
	}
	const int64_t free_minutes = engine_minutes_without_glucose(j->e);
	const unsigned plan = free_minutes < PATIENT_BATCH_MAX_PLAN ? 1 + (unsigned)free_minutes
	                                                            : PATIENT_BATCH_MAX_PLAN;
	/* Those minutes end in a row: engine_minutes_without_glucose stops before the final
	 * row, and a scenario whose events can fail has the Bluetooth server (none then). */
	for (unsigned n = 1; n < plan; n++)
		if (engine_next_external(j->e, NAN, NAN, &pl->rows[n], &inputs[n]) != ENGINE_ROW) {
			fail_run(sh, "the engine ended a minute planned without glucose");
			return lane_ends(sh, j, pl);
		}
	pl->count = plan;
	*count = plan;
	return true;
}

static patient_batch_engine batch_engine_of(trial_engine e)
{
	return e == TRIAL_ENGINE_AVX512 ? PATIENT_BATCH_AVX512
	       : e == TRIAL_ENGINE_AVX2 ? PATIENT_BATCH_AVX2
	                                : PATIENT_BATCH_AUTO;
}

static void run_batch(shared *sh)
{
	/* One vector of lanes (8 with AVX-512, 4 with AVX2), not the two interleaved vectors
	 * the patient alone runs best on: with each lane's pump, sensor, controller and
	 * metrics around it, the narrower batch took 6 % less CPU (docs/batch-engine.md). */
	const patient_batch_engine kind =
	    patient_batch_engine_resolve(batch_engine_of(sh->opt->engine));
	const unsigned lanes = kind == PATIENT_BATCH_AVX512 ? 8
	                       : kind == PATIENT_BATCH_AVX2 ? 4
	                                                    : 0;
	patient_batch *b = patient_batch_new(kind, lanes);
	if (!b) {
		fail_run(sh, "the batch engine could not start (out of memory)");
		return;
	}
	batch_worker *w = calloc(1, sizeof *w);
	if (!w) {
		patient_batch_free(b);
		fail_run(sh, "the batch engine could not start (out of memory)");
		return;
	}
	w->sh = sh;
	const patient_batch_source source = {
	    .next_job = next_job, .minute = lane_minute, .user_data = w};
	if (patient_batch_run(b, &source) != PATIENT_BATCH_OK)
		fail_run(sh, "the batch engine failed (out of memory)");
	patient_batch_free(b);
	free(w);
}

static void *worker(void *arg)
{
	shared *sh = arg;
	if (sh->opt->engine == TRIAL_ENGINE_SCALAR) {
		size_t i;
		while (take_index(sh, &i))
			run_scalar_patient(sh, i);
	} else {
		run_batch(sh);
	}
	return NULL;
}

bool trial_run(const trial_plan *p, const trial_run_options *o, trial_patient_result *results,
               char *err, size_t cap)
{
	if (!trial_engine_available(o->engine)) {
		snprintf(err, cap, "--engine %s: not available on this CPU or build",
		         trial_engine_name(o->engine));
		return false;
	}
	shared *sh = calloc(1, sizeof *sh);
	if (!sh) {
		snprintf(err, cap, "out of memory");
		return false;
	}
	*sh = (shared){.plan = p, .opt = o, .results = results};
	sh->jobs = calloc(p->def.patient_count, sizeof *sh->jobs);
	if (!sh->jobs) {
		free(sh);
		snprintf(err, cap, "out of memory");
		return false;
	}
	pthread_mutex_init(&sh->lock, NULL);
	int threads = o->threads < 1 ? 1 : o->threads > 64 ? 64 : o->threads;
	if ((size_t)threads > p->def.patient_count)
		threads = (int)p->def.patient_count;
	pthread_t tid[64];
	int started = 0;
	for (; started < threads - 1; started++)
		if (pthread_create(&tid[started], NULL, worker, sh) != 0)
			break; /* fewer threads: the same results, later */
	worker(sh);            /* this thread works too */
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&sh->lock);
	const bool ok = !sh->broken;
	if (!ok)
		snprintf(err, cap, "%s", sh->err);
	free(sh->jobs);
	free(sh);
	return ok;
}
