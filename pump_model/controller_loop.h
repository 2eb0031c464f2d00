/*
 * controller_loop — the closed loop inside the pump: keeps the CGM history and the insulin
 * ledger, runs a controller every interval (and at once when carbs are announced), and
 * sends its decision to the pump as commands from PUMP_SOURCE_CONTROLLER, so that every
 * one is checked against the pump's hard limits and audited like any other.
 *
 * Call order within minute `now` (what the engine does, and bench/closed_loop.c):
 *   1. the minute's CGM reading and the person's own commands;
 *   2. controller_loop_minute(loop, pump, now, reading or NaN, carbs announced);
 *   3. pump_tick(pump, now, reading) → delivery;
 *   4. controller_loop_delivered(loop, pump, now, &delivery).
 * A temp basal the person or the protection owns (pump_status.temp_basal_set_by, a
 * phone's lowering of it included) is left alone; a phone's is replaced.
 *
 * It never resumes, stops, suspends, primes, confirms or changes a limit: while the pump is
 * paused (its low-glucose protection, the person) or stopped, it asks nothing.
 * Pure and deterministic; allocates only in controller_loop_new.
 */
#ifndef FAKEPUMP_CONTROLLER_LOOP_H
#define FAKEPUMP_CONTROLLER_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "controller.h"
#include "pump_model.h"

/* What one step decided and what the pump made of it (for the event stream). */
typedef struct controller_report {
	int64_t t_min;
	controller_decision decision;
	bool temp_sent;          /* a temp basal or its cancel was sent … */
	pump_result temp_result; /* … and the pump's answer */
	bool bolus_sent;
	pump_result bolus_result;
	bool fallback_began; /* first step of a CGM-missing/stale episode: annunciate */
	bool fallback_ended; /* dosing again after one */
} controller_report;

typedef struct controller_loop controller_loop;

/* NULL when the settings are unusable or memory is short. Enabled from the start. */
controller_loop *controller_loop_new(const controller_settings *s);
void controller_loop_free(controller_loop *l);
const controller_settings *controller_loop_settings(const controller_loop *l);

/*
 * Minute `now`, before pump_tick: record the reading (NaN = none this minute) and the
 * carbs announced (g, 0 = none); on a step minute run the controller and command the pump.
 * Returns true and fills *out when the controller stepped.
 */
bool controller_loop_minute(controller_loop *l, pump *p, int64_t now_min, double cgm_mgdl,
                            double carbs_g, controller_report *out);

/* Minute `now`, after pump_tick: what it delivered (the insulin ledger). */
void controller_loop_delivered(controller_loop *l, const pump *p, int64_t now_min,
                               const pump_delivery *d);

/* Switch the controller on or off mid-run; off ends its own temp basal (the programme). */
void controller_loop_set_enabled(controller_loop *l, pump *p, int64_t now_min, bool enabled);
bool controller_loop_enabled(const controller_loop *l);

/* Net insulin on board as the loop counts it (boluses + basal deviations), U. */
double controller_loop_net_iob_u(const controller_loop *l, int64_t now_min);

#endif
