/*
 * trial — `fakepump trial`: one base scenario run for each patient of a virtual population
 * with a meal plan, a sensor and a controller, and the consensus glucose metrics per patient,
 * per cohort and overall (docs/trial.md).
 *
 * A trial is a definition (what to run: trial_definition), a plan (one scenario per
 * patient, loaded and checked before anything runs: trial_plan.c), a run (the patients on
 * worker threads through the scalar or the batch engine: trial_run.c) and results (one
 * trial_patient_result per patient in the definition's order, whatever the threads did),
 * written as a table (trial_table.c: CSV, JSON), traces (trial_traces.c) and database rows
 * (trial_record.c).
 *
 * Deterministic: each patient's streams (sensor noise, sensor faults, the variable meal
 * plan) are seeded from the trial seed and the patient's name (trial_patient_seed); the same
 * definition gives the same results, bit for bit, whatever the engine, lanes or threads.
 * Never writes to standard output; the caller owns every file.
 */
#ifndef FAKEPUMP_TRIAL_H
#define FAKEPUMP_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glucose_metrics.h"
#include "meal_plan.h"
#include "trial_seed.h"
#include "patient_model.h"
#include "scenario.h"
#include "trial_figures.h"

enum {
	TRIAL_MAX_PATIENTS = 30,         /* --patients names: the 30 */
	TRIAL_MAX_POPULATION = 10000000, /* --population, --shard: the caller's array (`many`) */
	TRIAL_MAX_DAYS = 3650,
};

/* The controller of a trial: an algorithm, or none (the open loop: the programme only). */
enum { TRIAL_CONTROLLER_NONE = CONTROLLER_ALGORITHM_COUNT };

typedef enum trial_engine {
	TRIAL_ENGINE_BATCH = 0, /* patient_batch, the fastest vector engine the CPU has */
	TRIAL_ENGINE_SCALAR,    /* engine_next: the reference, one patient at a time */
	TRIAL_ENGINE_AVX512,    /* the batch engine forced onto a path (benchmarks, tests) */
	TRIAL_ENGINE_AVX2,
	TRIAL_ENGINE_COUNT,
} trial_engine;

/* "batch", "scalar", "avx512", "avx2"; false / NULL for no such engine. */
const char *trial_engine_name(trial_engine e);
bool trial_engine_from_name(const char *name, trial_engine *out);

typedef struct trial_definition {
	const char *base_path; /* the base scenario's path as given; NULL: none */
	const char *base_text; /* its text (NUL-terminated), owned by the caller; NULL: none */
	const patient_params *patients[TRIAL_MAX_PATIENTS];
	size_t patient_count;
	/* When not NULL: the patients run instead of patients[] (patient_count of them), the
	 * caller's array, which outlives the plan — a drawn population (patient_model/
	 * population.h) or a shard's slice (sim/shard/shard_plan.h). */
	const patient_params *const *many;
	/* With --population: "adolescent,adult,child x 1000": the hash names the population
	 * drawn, not each patient (the same for every shard). NULL otherwise. */
	const char *population;
	int days;       /* 1 … TRIAL_MAX_DAYS */
	int controller; /* a controller_algorithm, TRIAL_CONTROLLER_NONE, or -1: the base's
	                   (basal-bolus when the base has none) */
	meal_plan_kind meals;
	cgm_model cgm; /* with force_cgm (--cgm), else Dexcom unless the base names one */
	bool force_cgm;
	uint32_t seed;
} trial_definition;

/* Patient i of the definition (patients[i], or many[i]). */
static inline const patient_params *trial_patient(const trial_definition *d, size_t i)
{
	return d->many ? d->many[i] : d->patients[i];
}

/* "basal-bolus", "pid-ifb", "oref0", "none". */
const char *trial_controller_name(int algorithm);

/* "adult", "adolescent", "child" (from the patient's name). */
const char *trial_cohort_of(const patient_params *p);

/*
 * --patients: "all", "adult", "adolescent", "child", or names separated by commas
 * ("adult#001,child#003"; loose names such as adult1 too). Fills d->patients in the
 * population's order for a cohort, in the order given for names. False with a message in
 * err ("--patients: no patient 'adutl#001' (did you mean adult#001?)").
 */
bool trial_parse_patients(const char *spec, trial_definition *d, char *err, size_t cap);

/* ----------------------------------------------------------------------------------- */
/* The plan (trial_plan.c)                                                              */
/* ----------------------------------------------------------------------------------- */

typedef struct trial_plan {
	trial_definition def; /* the controller resolved (never -1) */
	/* def.patient_count of them; NULL for a definition with `many` (a population), whose
	 * scenarios are checked by trial_plan_make and made when each patient starts */
	scenario *scenarios;
	int load_algorithm; /* how the base's controller was read for every patient */
	char hash[65];      /* SHA-256 (hex) of the definition: same hash, same results */
} trial_plan;

/* Patient i's scenario as trial_plan_make checked it (free with scenario_free). */
bool trial_plan_scenario(const trial_plan *p, size_t i, scenario *out, char *err, size_t cap);

/* The SHA-256 (hex) of a definition as trial_plan_make computes it (a shard's plan takes
 * its whole trial's, computed over every patient, not only the shard's). */
void trial_definition_hash(const trial_definition *d, char out[65]);

/*
 * Each patient's scenario: the base read for the patient (scenario_load_string_for: the
 * trial's patient, duration, seed, sensor and controller), then the meal plan's meals as
 * events (announced to the controller when the plan says so and there is one). False
 * (nothing to free) with the message in err, file:line:column for the base's mistakes.
 * Free with trial_plan_free.
 */
bool trial_plan_make(const trial_definition *d, trial_plan *out, char *err, size_t cap);
void trial_plan_free(trial_plan *p);

/* ----------------------------------------------------------------------------------- */
/* The run (trial_run.c)                                                                */
/* ----------------------------------------------------------------------------------- */

typedef enum trial_status {
	TRIAL_OK = 0,
	TRIAL_FAILED, /* the glucose reached 0 mg/dL (or the model could not be integrated) */
} trial_status;

typedef struct trial_patient_result {
	const patient_params *patient;
	trial_status status;
	int64_t minutes;         /* simulated (days × 1440 unless it failed) */
	glucose_accumulator acc; /* bg_mgdl, one sample a minute, t = 0 … minutes − 1 */
	double insulin_u;        /* delivered over those minutes */
	char why[96];            /* a failure's reason; "" when ok */
	/* With trial_run_options.figures: the pictures' row of this patient (its true glucose's
	 * percentiles, CVGA box, times in ranges: sim/trial_figures.h); has_figures false when
	 * it had no sample. */
	trial_figures_patient figures;
	bool has_figures;
} trial_patient_result;

/* Progress: `done` of `total` patients finished (called from worker threads, serialised). */
typedef void (*trial_progress_fn)(size_t done, size_t total, void *user_data);

typedef struct trial_run_options {
	trial_engine engine;
	int threads;            /* 1 … 64 */
	const char *traces_dir; /* each patient's per-minute CSV there; NULL: none */
	trial_progress_fn progress;
	void *progress_user_data;
	/* The pictures' data (sim/trial_figures.h): each patient's row into its result, and
	 * every patient's true glucose by time of day summed into figures[its cohort] (agp_new
	 * profiles the caller owns: adolescent, adult, child). NULL: none. */
	agp **figures;
} trial_run_options;

/*
 * Run every patient of the plan; results[i] is patient i's. False with err when a thread,
 * a trace file or memory could not be had, or the engine is not available here; and when a
 * stop was requested (stop_request.h: Ctrl-C, SIGTERM) — then every patient stops at its
 * next simulated day, no new one starts, err says "interrupted by SIGINT", and the results
 * are partial (the caller writes no table; each trace ends where its patient stopped).
 */
bool trial_run(const trial_plan *p, const trial_run_options *o, trial_patient_result *results,
               char *err, size_t cap);

/* Whether the engine runs on this build and CPU (batch and scalar always). */
bool trial_engine_available(trial_engine e);

#endif
