/*
 * engine — the virtual clock: drives the patient, the pump and the CGM in fixed one-minute
 * steps from a loaded scenario. Deterministic: the same scenario and seed give the same
 * rows, bit for bit. No wall clock here; pacing (--speed) belongs to the caller.
 */
#ifndef FAKEPUMP_ENGINE_H
#define FAKEPUMP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

/*
 * Row k: the state at t = k minutes and the inputs applied over [k, k+1).
 * The last row (t = duration) holds the final state; its inputs are never integrated.
 */
typedef struct engine_row {
	int64_t t_min;
	int day;                  /* 1-based calendar day of the run */
	int min_of_day;           /* clock minute 0 … 1439 */
	double bg_mgdl;           /* plasma glucose Gp/Vg */
	double gsub_mgdl;         /* subcutaneous glucose Gs/Vg */
	bool has_cgm;
	double cgm_mgdl;          /* valid when has_cgm */
	double meal_announced_g;
	double cho_g_per_min;     /* eaten over the minute */
	double basal_u_per_min;
	double bolus_u_per_min;
	double insulin_u_per_min; /* basal + bolus, what the patient receives */
} engine_row;

typedef enum engine_status {
	ENGINE_ROW = 0,     /* *row filled; more to come */
	ENGINE_LAST_ROW,    /* *row filled with the final state; the run is over */
	ENGINE_DONE,        /* nothing left */
	ENGINE_FAILED,      /* the model failed (solver); see engine_error */
} engine_status;

typedef struct engine engine;

/* The scenario must outlive the engine. NULL on bad configuration or out of memory. */
engine *engine_new(const scenario *sc);
void engine_free(engine *e);

/* Produce the next row and advance the models one minute. */
engine_status engine_next(engine *e, engine_row *row);

const char *engine_error(const engine *e);

#endif
