/*
 * population — virtual patients beyond the 30: patient k of a cohort, drawn from the
 * cohort's base patients by a seeded perturbation of their parameters within the spread the
 * cohort itself shows, with its basal steady state recomputed so that it holds exactly
 * (docs/population.md says how, from which sources, and what it cannot claim).
 *
 * Identity: a drawn patient is (cohort, index, trial seed) and nothing else. The same three
 * give the same parameters, bit for bit, whichever shard, thread or order asks; its name
 * ("adult#003~p00042": base patient, '~p', index) is unique within the cohort and is what
 * the trial derives the patient's noise and meal streams from.
 *
 * Pure: no I/O, no globals (the tables are const data); the only allocation is the
 * patient that the plausibility check simulates, freed before return.
 *
 * Sources: Dalla Man, Rizza, Cobelli, IEEE TBME 2007 (the model and its basal steady
 * state); Kovatchev et al., JDST 2009 (the S2008 population, drawn from the parameters'
 * joint distribution); Visentin et al., JDST 2014 (inter- and intra-subject variability in
 * the UVA/Padova simulator); Walsh & Roberts, "Pumping Insulin" (CR and CF from the
 * total daily dose: the 500 and 1800 rules).
 */
#ifndef FAKEPUMP_POPULATION_H
#define FAKEPUMP_POPULATION_H

#include <stddef.h>
#include <stdint.h>

#include "patient_model.h"

enum {
	POPULATION_NAME_MAX = 48,
	/* Draws tried before giving up on an index (each from the next sub-stream). */
	POPULATION_MAX_DRAWS = 32,
};

typedef enum population_result {
	POPULATION_OK = 0,
	POPULATION_BAD_COHORT,    /* not "adolescent", "adult" or "child" */
	POPULATION_NO_VALID_DRAW, /* POPULATION_MAX_DRAWS draws, none plausible */
	POPULATION_NO_MEMORY,
} population_result;

/*
 * A drawn patient. `params.name` points at `name` inside the same struct: keep it where
 * population_draw wrote it (an array element, a heap block); a copy by value must call
 * population_patient_rebind before its params are used.
 */
typedef struct population_patient {
	patient_params params;
	char name[POPULATION_NAME_MAX]; /* "adult#003~p00042" */
	const patient_params *base;     /* the base patient it was drawn around */
	uint32_t index;                 /* k, 0-based within the cohort */
	uint32_t param_seed;            /* the stream its parameters came from */
	unsigned rejected;              /* implausible draws discarded before this one */
} population_patient;

/*
 * Patient `index` of `cohort` for trial seed `trial_seed`: base patient index mod 10 of
 * the cohort (the ten in turn), every free parameter multiplied by exp(s z), z a standard
 * normal truncated at ±POPULATION_Z_MAX and s = POPULATION_SPREAD × the cohort's own
 * standard deviation of that parameter's logarithm; then the basal steady state, the basal
 * infusion and CR / CF / TDI recomputed; then the plausibility check
 * (population_plausible). An implausible draw is discarded and drawn again from the next
 * sub-stream, up to POPULATION_MAX_DRAWS times. `out` is written only on POPULATION_OK.
 */
population_result population_draw(const char *cohort, uint32_t index, uint32_t trial_seed,
                                  population_patient *out);

/* After copying a population_patient by value: point params.name at the copy's name. */
void population_patient_rebind(population_patient *p);

/* How far each parameter may move: the fraction of the cohort's spread and the truncation. */
#define POPULATION_SPREAD 0.5
#define POPULATION_Z_MAX 2.0

/*
 * Whether a parameter set is plausible: every parameter finite and of its sign, kmax >
 * kmin, basal endogenous production above insulin-independent uptake (Vm0 > 0), a
 * positive basal infusion; then, simulated, its basal state steady (60 min within 0.5 mg/dL
 * of where it starts) and a 50 g meal with its carb-ratio bolus an hour in kept within
 * [POPULATION_MIN_MGDL, POPULATION_MAX_MGDL] over 12 h with the solver never failing.
 * Every one of the 30 base patients passes. POPULATION_OK, POPULATION_NO_VALID_DRAW or
 * POPULATION_NO_MEMORY.
 */
population_result population_plausible(const patient_params *params);

#define POPULATION_MIN_MGDL 40.0
#define POPULATION_MAX_MGDL 450.0

/* The stream a patient's parameters are drawn from: (cohort, index, trial seed, draw). */
uint32_t population_param_seed(const char *cohort, uint32_t index, uint32_t trial_seed,
                               unsigned draw);

/*
 * The parameters a trial writes to its results, by position: name (a column name, the
 * model's symbol) and value. population_param_count() of them; NULL / NAN past the end.
 */
size_t population_param_count(void);
const char *population_param_name(size_t i);
double population_param_value(const patient_params *p, size_t i);

#endif
