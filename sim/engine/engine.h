/*
 * engine — the virtual clock: drives the patient, the pump and the CGM in fixed one-minute
 * steps from a loaded scenario. Deterministic: the same scenario and seed give the same
 * rows, bit for bit. No wall clock here; pacing (--speed) belongs to the caller.
 */
#ifndef FAKEPUMP_ENGINE_H
#define FAKEPUMP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "ble_server.h"
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
	double basal_u_per_min;   /* delivered this minute */
	double bolus_u_per_min;   /* delivered this minute (= bolus_u) */
	double insulin_u_per_min; /* basal + bolus, what the patient receives */
	/* the pump at t = k (after the minute's commands) */
	double basal_u_per_h;     /* basal rate in force (0 when not delivering) */
	double iob_u;             /* insulin on board (boluses) at t = k + 1, U */
	double reservoir_u;       /* at t = k, before the minute's delivery: the next row's is
	                             this minus insulin_u_per_min (unless a fill comes between) */
	double battery_pct;       /* at t = k, before the minute's delivery */
	int therapy_state;        /* pump_therapy_state: 0 stop, 1 pause, 2 run */
	int annunciation;         /* pump_annunciation_type of the newest active one, 0 none */
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

/* Every pump event (the audit trail) as it happens; `ev` is valid during the call only. */
typedef void (*engine_event_fn)(const pump_event *ev, void *user_data);
void engine_on_event(engine *e, engine_event_fn fn, void *user_data);

/*
 * Every audit event of the pump's Bluetooth server (phone commands accepted and refused,
 * attacks, reads, subscriptions) as it happens. Only scenarios with phone: or attack:
 * events have the server. Set before the first engine_next.
 */
void engine_on_ble_audit(engine *e, ble_audit_fn fn, void *user_data);

/*
 * The scenario pressed the pump's "pair" key (pairing_window: event) at minute `t_min`:
 * the caller that has a radio opens a pairing window of `window_min` wall-clock minutes.
 */
typedef void (*engine_pairing_fn)(int64_t t_min, int64_t window_min, void *user_data);
void engine_on_pairing_window(engine *e, engine_pairing_fn fn, void *user_data);

/*
 * Rows carry the pump's status (rate, IOB, reservoir, battery, therapy, annunciation) by
 * default; a run that only needs the summary turns that off to save the IOB sums.
 */
void engine_set_detailed_rows(engine *e, bool detailed);

/*
 * The pump's Bluetooth server even when the scenario has no phone events (`run --ble`: a
 * real phone talks to it through the BlueZ gateway). Returns it, or NULL when memory is
 * short. Call before the first engine_next.
 */
ble_server *engine_enable_ble(engine *e);
/* The server, or NULL when the run has none. */
ble_server *engine_server(engine *e);

/* The pump, for callers that command it between minutes (the virtual phone, the viewer). */
pump *engine_pump(engine *e);

/* Produce the next row and advance the models one minute. */
engine_status engine_next(engine *e, engine_row *row);

const char *engine_error(const engine *e);

#endif
