/*
 * patient_model — the UVA/Padova S2008 type 1 diabetes patient, as the open reference
 * simglucose v0.2.11 computes it, and the CGM sensor that reads it.
 *
 * Pure and deterministic: no I/O, no globals (the parameter tables are const data), no
 * allocation inside a step; time and randomness are passed in. The same inputs give the
 * same bits out.
 *
 * Sources: Dalla Man et al., IEEE TBME 2007 (meal model); Kovatchev et al., JDST 2009
 * (S2008); Breton & Kovatchev, JDST 2008 (CGM noise); simglucose v0.2.11 (commit a6f6777):
 * t1dpatient.py, cgm.py, noise_gen.py. Units are in every name.
 */
#ifndef FAKEPUMP_PATIENT_MODEL_H
#define FAKEPUMP_PATIENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------------------ */
/* Virtual patients                                                                     */
/* ------------------------------------------------------------------------------------ */

enum { PATIENT_STATE_COUNT = 13 };

/* State indices, in simglucose order (docs/patient-model.md "States"). */
typedef enum patient_state_index {
	PATIENT_QSTO1_MG = 0,
	PATIENT_QSTO2_MG,
	PATIENT_QGUT_MG,
	PATIENT_GP_MG_PER_KG,
	PATIENT_GT_MG_PER_KG,
	PATIENT_IP_PMOL_PER_KG,
	PATIENT_X_PMOL_PER_L,
	PATIENT_I1_PMOL_PER_L,
	PATIENT_ID_PMOL_PER_L,
	PATIENT_IL_PMOL_PER_KG,
	PATIENT_ISC1_PMOL_PER_KG,
	PATIENT_ISC2_PMOL_PER_KG,
	PATIENT_GS_MG_PER_KG,
} patient_state_index;

/*
 * One virtual patient's parameters (vpatient_params.csv + Quest.csv). Field names keep the
 * model's symbols; their units are those of the S2008 model (minutes, mg, pmol, kg, dL, L).
 */
typedef struct patient_params {
	const char *name; /* "adult#001" */
	double BW;        /* body weight, kg */
	double Vg, Vi;    /* glucose (dL/kg) and insulin (L/kg) distribution volumes */
	double kabs, kmax, kmin, b, d, f;
	double kp1, kp2, kp3, ki, Fsnc, ke1, ke2, k1, k2;
	double Vm0, Vmx, Km0, p2u, Ib;
	double m1, m2, m4, m30;
	double kd, ka1, ka2, ksc;
	double u2ss;                         /* basal insulin infusion, pmol/kg/min */
	double x0[PATIENT_STATE_COUNT];      /* basal steady state */
	double carb_ratio_g_per_u;           /* Quest.csv CR */
	double correction_factor_mgdl_per_u; /* Quest.csv CF */
	double age_years;                    /* Quest.csv Age */
	double total_daily_insulin_u;        /* Quest.csv TDI */
} patient_params;

/* The 30 patients: adolescent#001–#010, adult#001–#010, child#001–#010, in that order. */
size_t patient_params_count(void);
const patient_params *patient_params_at(size_t index);
/* Exact name match; NULL when there is no such patient. */
const patient_params *patient_params_find(const char *name);
/* The patient's own steady-state basal: u2ss * BW / 6000, in U/min. */
double patient_basal_u_per_min(const patient_params *params);

/* ------------------------------------------------------------------------------------ */
/* Integration                                                                          */
/* ------------------------------------------------------------------------------------ */

typedef enum patient_step_result {
	PATIENT_STEP_OK = 0,
	PATIENT_STEP_BAD_INPUT,     /* negative or non-finite meal or insulin: state unchanged */
	PATIENT_STEP_SOLVER_FAILED, /* the integrator could not reach the end of the minute */
} patient_step_result;

/* What one minute of simulation took in; filled by patient_step. */
typedef struct patient_step_info {
	double eaten_g;     /* carbohydrate eaten during this minute (EAT_RATE 5 g/min) */
	unsigned rhs_evals; /* right-hand-side evaluations spent on this minute */
} patient_step_info;

typedef struct patient patient;

/*
 * A patient at its basal steady state, t = 0. `params` must outlive the patient.
 * Returns NULL only when out of memory. Free with patient_free.
 */
patient *patient_new(const patient_params *params);
void patient_free(patient *p);

/*
 * Advance one minute. `meal_announced_g` grams are added to the meal being eaten (eaten at
 * 5 g/min, docs/patient-model.md "Inputs"); `insulin_u_per_min` is the subcutaneous infusion over
 * the minute (basal + bolus). Both are held constant over the minute. `info` may be NULL.
 */
patient_step_result patient_step(patient *p, double meal_announced_g, double insulin_u_per_min,
                                 patient_step_info *info);

/*
 * The same with the announced meal's own eating rate (g/min, > 0): the rate applies to
 * what is left to eat from now on (simglucose eats at a fixed 5 g/min; patient_step is
 * this with 5). A rate that is not > 0 and finite is PATIENT_STEP_BAD_INPUT.
 */
patient_step_result patient_step_eating(patient *p, double meal_announced_g,
                                        double eat_rate_g_per_min, double insulin_u_per_min,
                                        patient_step_info *info);

double patient_time_min(const patient *p);
/* Plasma glucose Gp/Vg, mg/dL: the model's true blood glucose. */
double patient_bg_mgdl(const patient *p);
/* Subcutaneous glucose Gs/Vg, mg/dL: what the CGM reads. */
double patient_gsub_mgdl(const patient *p);
/* Plasma insulin Ip/Vi, pmol/L. */
double patient_insulin_pmol_per_l(const patient *p);
/* Copy of the 13 states (docs/patient-model.md order). */
void patient_get_state(const patient *p, double out[PATIENT_STATE_COUNT]);
const patient_params *patient_get_params(const patient *p);

/* ------------------------------------------------------------------------------------ */
/* Batch engine: many patients a core (docs/batch-engine.md)                            */
/* ------------------------------------------------------------------------------------ */

/*
 * A batch integrates one patient per lane, each lane bit for bit as patient_step_eating
 * would with the same inputs: the same states, glucose and right-hand-side count every
 * minute (docs/batch-engine.md says how). Lanes advance independently: each waits for the
 * caller only at the end of its own minute, and a lane whose job ends takes the next.
 * The caller's loop:
 *
 *   patient_batch_start(b, lane, params, job)     on a free lane: the patient at t = 0
 *   n = patient_batch_advance(b, ready, cap)      the lanes that wait for the caller
 *   for each ready[i] (its patient at minute t_min: bg, gsub, state):
 *     patient_batch_set_inputs(b, lane, meal_g, eat_rate, insulin)   inputs for [t, t+1)
 *     or patient_batch_end(b, lane), then patient_batch_start(...) the next job
 *   until patient_batch_advance returns 0 (no lane has a job).
 *
 * patient_batch_run drives the same loop from two callbacks. Pure like the rest of
 * patient_model; the batch allocates only in patient_batch_new (and, for the scalar
 * engine, one patient per patient_batch_start). Results do not depend on the engine, the
 * lane, the lane count or the other lanes' patients. One batch per thread; batches share
 * nothing.
 */
typedef enum patient_batch_engine {
	PATIENT_BATCH_AUTO = 0, /* the fastest this CPU runs: avx512, else avx2, else scalar */
	PATIENT_BATCH_SCALAR,   /* the reference engine (patient_step_eating), lane by lane */
	PATIENT_BATCH_AVX2,     /* 4 lanes a vector: x86-64 with AVX2 */
	PATIENT_BATCH_AVX512,   /* 8 lanes a vector: x86-64 with AVX-512F */
} patient_batch_engine;

enum { PATIENT_BATCH_MAX_LANES = 16 };

typedef enum patient_batch_result {
	PATIENT_BATCH_OK = 0,
	PATIENT_BATCH_BAD_INPUT,   /* negative or non-finite meal or insulin, or an eating rate
	                              not > 0 and finite: refused, the lane still waits */
	PATIENT_BATCH_BAD_LANE,    /* no such lane, or params NULL */
	PATIENT_BATCH_LANE_BUSY,   /* start on a lane with a job; inputs for a lane that has them */
	PATIENT_BATCH_NO_JOB,      /* inputs for (or end of) a lane without a job */
	PATIENT_BATCH_LANE_FAILED, /* inputs for a lane whose integrator failed: end it */
	PATIENT_BATCH_NO_MEMORY,
} patient_batch_result;

/*
 * A minute's end a lane passed without asking the caller, because the caller had planned
 * the minute after it too (patient_batch_run: `minute` may give several minutes' inputs).
 */
typedef struct patient_batch_point {
	int64_t t_min;          /* minutes since the job started */
	double bg_mgdl;         /* plasma glucose at t_min */
	double gsub_mgdl;       /* subcutaneous glucose at t_min */
	patient_step_info last; /* the minute that ended at t_min */
} patient_batch_point;

enum { PATIENT_BATCH_MAX_PLAN = 16 }; /* minutes planned at once, at most */

/* A lane waiting for the caller: its patient at minute t_min of its job. */
typedef struct patient_batch_ready {
	unsigned lane;
	void *job;        /* as given to patient_batch_start */
	int64_t t_min;    /* minutes since the job started */
	double bg_mgdl;   /* plasma glucose at t_min (patient_bg_mgdl) */
	double gsub_mgdl; /* subcutaneous glucose at t_min (patient_gsub_mgdl) */
	/*
	 * PATIENT_STEP_OK, or PATIENT_STEP_SOLVER_FAILED: the minute from t_min could not be
	 * integrated (bg and gsub are where the integrator stopped); the lane can only be ended.
	 */
	patient_step_result status;
	patient_step_info last; /* the minute that ended at t_min (zeros at t = 0) */
	/*
	 * patient_batch_run only: when the last call planned n > 1 minutes, the n − 1 minute
	 * ends between (t_min − n + 1 … t_min − 1), oldest first; else none. When the
	 * integrator fails inside a plan, the lane is reported where it failed, with the
	 * minute ends it passed before.
	 */
	const patient_batch_point *passed;
	unsigned passed_count;
} patient_batch_ready;

typedef struct patient_batch patient_batch;

/*
 * Whether this build and this CPU run the engine (AUTO and SCALAR always). A vector engine
 * also needs its exp to give the scalar engine's bits here (checked on a sample, ~50 us).
 */
bool patient_batch_engine_available(patient_batch_engine engine);
/* The engine AUTO stands for on this CPU; any other engine is returned as is. */
patient_batch_engine patient_batch_engine_resolve(patient_batch_engine engine);
/* "auto", "scalar", "avx2", "avx512"; NULL for no such engine. */
const char *patient_batch_engine_name(patient_batch_engine engine);
/* The inverse of patient_batch_engine_name; false for an unknown name. */
bool patient_batch_engine_from_name(const char *name, patient_batch_engine *out);
/*
 * Whether the engine runs with `lanes` lanes (0 = its default: 16 for avx512, 8 for avx2,
 * 1 for scalar). avx512: 8 or 16; avx2: 4 or 8; scalar: 1 … PATIENT_BATCH_MAX_LANES.
 */
bool patient_batch_lanes_supported(patient_batch_engine engine, unsigned lanes);

/*
 * A batch of free lanes. NULL when the engine is not available here, the lane count not
 * supported (patient_batch_lanes_supported), or out of memory. Free with
 * patient_batch_free (which ends every job).
 */
patient_batch *patient_batch_new(patient_batch_engine engine, unsigned lanes);
void patient_batch_free(patient_batch *b);
/* The engine the batch runs (never AUTO) and its lane count. */
patient_batch_engine patient_batch_engine_of(const patient_batch *b);
unsigned patient_batch_lane_count(const patient_batch *b);

/*
 * Put a patient on a free lane, at its basal steady state, t = 0, as patient_new; `params`
 * must outlive the job. The lane waits for its first inputs: the next
 * patient_batch_advance reports it at t_min 0. `job` is the caller's, handed back.
 */
patient_batch_result patient_batch_start(patient_batch *b, unsigned lane,
                                         const patient_params *params, void *job);
/*
 * The inputs of a waiting lane for the minute from its t_min, as patient_step_eating
 * takes them (grams announced now, their eating rate in g/min, insulin in U/min held over
 * the minute). The next patient_batch_advance integrates it. Bad input is refused and
 * changes nothing.
 */
patient_batch_result patient_batch_set_inputs(patient_batch *b, unsigned lane,
                                              double meal_announced_g, double eat_rate_g_per_min,
                                              double insulin_u_per_min);
/* End the lane's job (wherever it is); the lane is free. */
patient_batch_result patient_batch_end(patient_batch *b, unsigned lane);

/*
 * Integrate the lanes that have inputs until at least one of them ends its minute (or
 * none is left integrating), then list every lane waiting for the caller in `ready`
 * (at most `cap`; lane order). Returns how many are listed: 0 only when no lane has a
 * job. A waiting lane the caller does not answer is listed again next time.
 */
size_t patient_batch_advance(patient_batch *b, patient_batch_ready *ready, size_t cap);

/* The lane's 13 states (docs/patient-model.md order) where it stands; the lane must have a job. */
patient_batch_result patient_batch_get_state(const patient_batch *b, unsigned lane,
                                             double out[PATIENT_STATE_COUNT]);

/* The inputs of one minute, for patient_batch_run. */
typedef struct patient_batch_inputs {
	double meal_announced_g;
	double eat_rate_g_per_min;
	double insulin_u_per_min;
} patient_batch_inputs;

/* The caller's side of patient_batch_run. */
typedef struct patient_batch_source {
	/* The next job: its patient and the caller's handle. false: no job left. */
	bool (*next_job)(void *user_data, const patient_params **params, void **job);
	/*
	 * A lane's patient is at ready->t_min: fill `inputs[0]` (it comes as no meal, 5 g/min,
	 * no insulin) for the next minute and return true, or return false to end the job
	 * (the caller ends a patient it finds at 0 mg/dL this way). The caller may plan
	 * further: set *count to n (1 … PATIENT_BATCH_MAX_PLAN; it comes as 1) and fill
	 * inputs[0 … n): the lane then integrates n minutes in a row — each exactly as if
	 * its inputs had been given at its own minute — and calls again at t_min + n, with the
	 * minute ends between in ready->passed. Why: a caller whose inputs do not depend on
	 * the glucose for a while (a pump between two CGM readings) runs its own code for one
	 * patient several minutes together, while that patient's state is in the cache.
	 * When ready->status is not PATIENT_STEP_OK (the integrator failed, or the inputs just
	 * given were refused — one bad minute refuses the plan: PATIENT_STEP_BAD_INPUT at the
	 * same t_min, nothing integrated) this is the job's last call: it ends whatever is
	 * returned.
	 */
	bool (*minute)(void *user_data, const patient_batch_ready *ready,
	               patient_batch_inputs *inputs, unsigned *count);
	void *user_data;
} patient_batch_source;

/*
 * Run jobs from `source` on every lane until next_job has none left and every job has
 * ended. PATIENT_BATCH_OK; PATIENT_BATCH_NO_MEMORY (scalar engine) or
 * PATIENT_BATCH_BAD_LANE (next_job gave no params) with every job started so far ended.
 * The batch must have no job on entry (PATIENT_BATCH_LANE_BUSY).
 */
patient_batch_result patient_batch_run(patient_batch *b, const patient_batch_source *source);

/* ------------------------------------------------------------------------------------ */
/* Random numbers (numpy RandomState compatible: MT19937 + legacy polar Gaussian)        */
/* ------------------------------------------------------------------------------------ */

/* A value type: copy it to fork a stream, pass a pointer to consume it. */
typedef struct rng {
	uint32_t mt[624];
	int index;
	bool has_cached_gauss;
	double cached_gauss;
} rng;

/* numpy's RandomState(seed) for an integer seed 0 … 2^32-1 (init_genrand). */
void rng_seed(rng *r, uint32_t seed);
uint32_t rng_next_u32(rng *r);
/* Uniform double in [0, 1) with 53 random bits, as numpy's random_sample. */
double rng_uniform(rng *r);
/* Standard normal deviate, numpy's legacy polar method (caches the second deviate). */
double rng_gauss(rng *r);

/* ------------------------------------------------------------------------------------ */
/* CGM sensor                                                                           */
/* ------------------------------------------------------------------------------------ */

typedef enum cgm_model {
	CGM_IDEAL = 0,   /* no noise, no clipping beyond [0, +inf) */
	CGM_DEXCOM,      /* sensor_params.csv "Dexcom", 3 min */
	CGM_GUARDIAN_RT, /* "GuardianRT", 5 min */
	CGM_NAVIGATOR,   /* "Navigator", 1 min */
	CGM_MODEL_COUNT,
} cgm_model;

/* sensor_params.csv: Johnson-SU noise (Breton & Kovatchev 2008) through an AR(1) filter. */
typedef struct cgm_params {
	const char *name; /* "ideal", "dexcom", "guardian", "navigator" (scenario names) */
	double pacf;      /* AR(1) coefficient of the 15-minute knots */
	double gamma, lambda, delta, xi; /* Johnson SU */
	int sample_time_min;             /* default sampling interval */
	double min_mgdl, max_mgdl;       /* reading range (clip) */
} cgm_params;

const cgm_params *cgm_params_for(cgm_model model);
/* Scenario name ("ideal", "dexcom", "guardian", "navigator") to model; false if unknown. */
bool cgm_model_from_name(const char *name, cgm_model *out);

typedef struct cgm_sensor cgm_sensor;

/*
 * A sensor sampling every `interval_min` minutes (0 = the model's own sample time).
 * Its noise is drawn from `seed` (a stream of its own). NULL when out of memory or when
 * interval_min is negative or over 150.
 */
cgm_sensor *cgm_sensor_new(cgm_model model, int interval_min, uint32_t seed);
void cgm_sensor_free(cgm_sensor *s);
int cgm_sensor_interval_min(const cgm_sensor *s);

/*
 * Read the sensor at minute `now_min` (an integer minute from t = 0) given the
 * subcutaneous glucose. Returns true and writes `*reading_mgdl` when a sample is due
 * (now_min % interval == 0); otherwise returns false and consumes nothing. Each sample
 * consumes the next noise value; the reading is Gsub + noise, clipped to the range.
 */
bool cgm_sensor_read(cgm_sensor *s, int64_t now_min, double gsub_mgdl, double *reading_mgdl);

/*
 * The next raw noise value (mg/dL) of the sensor's noise stream, as the reading would add
 * it; for statistics tests. 0 for the ideal sensor.
 */
double cgm_sensor_next_noise(cgm_sensor *s);

#endif
