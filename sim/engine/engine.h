/*
 * engine — the virtual clock: drives the patient, the pump and the CGM in fixed one-minute
 * steps from a loaded scenario. Deterministic: the same scenario and seed give the same
 * rows, bit for bit. No wall clock here; pacing (--speed) belongs to the caller.
 *
 * What changes the pump, and when. The engine owns the pump; nothing else holds it
 * writable (engine_pump gives a read-only view). The pump changes at two defined points:
 *
 *  1. Inside a minute, in engine_next(k), in this order: the scenario's events of minute k
 *     (the person at the pump, faults, the scenario's phones and attacks as bytes through
 *     the pump's GATT server: engine_ble.h); then the pump's closed-loop controller, when
 *     the scenario has one (pump: {controller: …}: controller_loop_minute with the
 *     minute's reading and the carbs announced, commanding the pump as
 *     PUMP_SOURCE_CONTROLLER); then the pump's delivery over [k, k+1) (pump_tick, which
 *     sees minute k's CGM reading).
 *  2. Between minutes: after engine_next returned row k and before the next call, requests
 *     from outside the scenario, each applied at once and stamped t = k + 1
 *     (engine_now_min): the person at the pump (engine_confirm_annunciation: the window's
 *     acknowledge key), the radio (engine_bond_created, engine_bond_removed,
 *     engine_pairing_attempts: what BlueZ reports about pairing), and a real phone's GATT
 *     requests through engine_server's handlers (the BlueZ gateway). They are answered at
 *     once, as a phone expects, not held to the next minute: a request waits at most one
 *     paced minute for the gap, and its answer reflects the pump after minute k.
 *
 * Calling a between-minutes request from inside engine_next (from an event callback) is a
 * programmer's mistake (assert).
 */
#ifndef FAKEPUMP_ENGINE_H
#define FAKEPUMP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "ble_server.h"
#include "controller_loop.h"
#include "scenario.h"

/*
 * Row k: the state at t = k minutes and the inputs applied over [k, k+1).
 * The last row (t = duration) holds the final state; its inputs are never integrated.
 */
typedef struct engine_row {
	int64_t t_min;
	int day;          /* 1-based calendar day of the run */
	int min_of_day;   /* clock minute 0 … 1439 */
	double bg_mgdl;   /* plasma glucose Gp/Vg */
	double gsub_mgdl; /* subcutaneous glucose Gs/Vg */
	bool has_cgm;
	double cgm_mgdl; /* valid when has_cgm */
	double meal_announced_g;
	double cho_g_per_min;     /* eaten over the minute */
	double basal_u_per_min;   /* delivered this minute */
	double bolus_u_per_min;   /* delivered this minute (= bolus_u) */
	double insulin_u_per_min; /* basal + bolus, what the patient receives */
	/* the pump at t = k (after the minute's commands) */
	double basal_u_per_h; /* basal rate in force (0 when not delivering) */
	double iob_u;         /* insulin on board (boluses) at t = k + 1, U */
	double reservoir_u;   /* at t = k, before the minute's delivery: the next row's is
	                         this minus insulin_u_per_min (unless a fill comes between) */
	double battery_pct;   /* at t = k, before the minute's delivery */
	int therapy_state;    /* pump_therapy_state: 0 stop, 1 pause, 2 run */
	int annunciation;     /* pump_annunciation_type of the newest active one, 0 none */
} engine_row;

typedef enum engine_status {
	ENGINE_ROW = 0,  /* *row filled; more to come */
	ENGINE_LAST_ROW, /* *row filled with the final state; the run is over */
	ENGINE_DONE,     /* nothing left */
	ENGINE_FAILED,   /* the model failed (solver); see engine_error */
} engine_status;

typedef struct engine engine;

/* The scenario must outlive the engine. NULL on bad configuration or out of memory. */
engine *engine_new(const scenario *sc);
void engine_free(engine *e);

/*
 * The same engine with the patient outside it (a lane of a patient batch, patient_model.h
 * "Batch engine"): the caller integrates the patient. Drive it with engine_next_external,
 * not engine_next; the rest is the same (events, controller, pump, sensor, Bluetooth).
 */
engine *engine_new_external(const scenario *sc);
/*
 * Minute k of an external engine, given the patient's plasma and subcutaneous glucose at
 * t = k (patient_bg_mgdl, patient_gsub_mgdl): the row, and in *inputs what the patient
 * takes over [k, k+1) (patient_step_eating's arguments). ENGINE_ROW: integrate the patient
 * with *inputs, then call again for k + 1. ENGINE_LAST_ROW: the final state (no inputs).
 * The row's cho_g_per_min is 0: what is eaten is the integrator's (patient_step_info).
 * With the same patient states, rows, events and inputs are those of engine_next, bit for
 * bit (engine_next is this and patient_step_eating).
 */
engine_status engine_next_external(engine *e, double bg_mgdl, double gsub_mgdl, engine_row *row,
                                   patient_batch_inputs *inputs);
/*
 * How many of an external engine's next minutes, from the next one on, need not the
 * patient's glucose: none when a CGM reading is due next, it is the final row, or the
 * pump's Bluetooth server is there (it may tell a phone); else the minutes up to the next
 * reading or the final row, whichever comes first. For those minutes engine_next_external
 * may be called with NAN for both and the rows' bg_mgdl and gsub_mgdl filled in by the
 * caller once it knows them: every other field, the inputs and the engine's state are the
 * same bits (nothing else in a minute reads the glucose), and each of those minutes is an
 * ENGINE_ROW (only phone events and Bluetooth faults can fail a minute, and a scenario with
 * any has the server). 0 for a finished engine.
 */
int64_t engine_minutes_without_glucose(const engine *e);

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
 * Every step of the pump's controller (when the scenario has one): what it decided, why,
 * and what the pump answered; `rep` is valid during the call only. It comes after the
 * controller's commands' own pump events, inside the minute.
 */
typedef void (*engine_controller_fn)(const controller_report *rep, void *user_data);
void engine_on_controller(engine *e, engine_controller_fn fn, void *user_data);

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
/*
 * The server, or NULL when the run has none. For a transport that serves a real phone (the
 * BlueZ gateway): its handlers command the pump, so they run between minutes only, at
 * engine_now_min.
 */
ble_server *engine_server(engine *e);

/* The pump, read-only: its status for a screen (the viewer's pump panel). */
const pump *engine_pump(const engine *e);

/* ---- between minutes (see the top of this file) ----------------------------------- */

/*
 * The minute boundary the engine is at between minutes: 0 before the first engine_next,
 * k + 1 after it returned row k (also after the last row: requests after the end are
 * stamped duration + 1). Requests from outside carry this time; a transport that answers
 * them (the BlueZ gateway) is told it after every minute.
 */
int64_t engine_now_min(const engine *e);
/* The person confirms annunciation `id` at the pump (PUMP_SOURCE_PUMP). */
pump_result engine_confirm_annunciation(engine *e, uint16_t id);
/* The radio bonded a phone (`device`: its identity): the server announces it on the pump
 * (PUMP_ANN_NEW_BOND). False when the run has no Bluetooth server (nothing announced). */
bool engine_bond_created(engine *e, const char *device);
/* The radio removed the bond of `device`. No-op without a Bluetooth server. */
void engine_bond_removed(engine *e, const char *device);
/* The radio closed pairing after `attempts` passkeys without a bond: the person must know
 * (PUMP_ANN_PAIRING_ATTEMPTS). */
void engine_pairing_attempts(engine *e, unsigned attempts);

/*
 * Live control (`fakepump ctl`, sim/run/run_ctl.c), between minutes: the person at the pump
 * does `ev` now, at engine_now_min — a bolus, suspend, resume, confirm … as PUMP_SOURCE_PUMP
 * (the pump's rules decide, as for the scenario's person); a meal is eaten from the next
 * minute; a fault (ev->fault_spec) is injected and recorded with `origin` ("ctl"). False,
 * *why set, when it cannot apply: a phone fault in a run without a Bluetooth server, or one
 * the server refuses (bad_crc with E2E off).
 */
bool engine_apply_now(engine *e, const scenario_event *ev, const char *origin, const char **why);

/* Produce the next row and advance the models one minute (point 1 above). */
engine_status engine_next(engine *e, engine_row *row);

const char *engine_error(const engine *e);

#endif
