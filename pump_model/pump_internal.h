/*
 * pump_internal.h — the pump's private state and the helpers its files share.
 *
 * The pump (pump_model.h) is one state machine written as several files, one concept each
 * (docs/pump.md "Where it lives in the code"): configuration, lifetime and the audit trail
 * (pump.c), names (pump_names.c), annunciations, the 24 h delivery record, basal, bolus,
 * therapy state, consumables, faults, low-glucose protection, the minute (pump_tick.c) and
 * the status (pump_status.c). Only those files include this header; every other caller
 * sees the opaque `pump` of pump_model.h and must never rely on what is here.
 * The shared helpers keep the pump_ prefix so that they cannot collide in a static link;
 * the file that defines each one is named above its declaration.
 *
 * The files stand in layers and call one way only, so that each can be read with only
 * what is under it in mind. The declarations below go from the ground up, and a file calls
 * only what is declared before its own section: pump.c is the ground; therapy stands above
 * basal and bolus because its halt ends them; the minute (pump_tick.c) and the status
 * (pump_status.c), which no pump file calls, are on top.
 */
#ifndef PUMP_INTERNAL_H
#define PUMP_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pump_model.h"

enum {
	DAY_MIN = 1440,
	ANNUNCIATION_SLOTS = 32,
	IOB_SLOTS = 2048,
	CGM_HISTORY = 16,
	SNOOZE_MIN = 15,
	LGS_REFRACTORY_MIN = 30,
	LGS_TREND_WINDOW_MIN = 20,
	/* Suspend before low only when the reading is within this of the predicted limit,
	 * resume no sooner than LGS_MIN_SUSPEND_MIN (after Medtronic's SmartGuard rules). */
	LGS_PREDICTIVE_REACH_MGDL = 50,
	LGS_MIN_SUSPEND_MIN = 30,
	RECOMPUTE_SUM_EVERY_MIN = DAY_MIN,
};

#define EPS_U 1e-9

typedef struct timed_amount {
	int64_t t_min;
	double u;
} timed_amount;

struct pump {
	pump_config cfg;
	double max_bolus_in_force_u;
	double max_bolus_person_u; /* the person's value: a phone's ceiling */
	pump_therapy_state therapy;
	pump_source halt_owner; /* who paused or stopped it (authority.h); when not Run */
	pump_source tbr_owner;  /* who set the temp basal; while one runs */

	/* temporary basal */
	bool tbr_active;
	pump_temp_basal_type tbr_type;
	double tbr_value;
	int64_t tbr_end_min;

	/* the active bolus (at most one) */
	bool bolus_active;
	uint16_t bolus_id;
	uint16_t next_bolus_id;
	pump_bolus_type bolus_type;
	double bolus_programmed_u;
	double bolus_delivered_u;
	/* instant mode: exact amounts */
	double instant_immediate_left_u;
	double instant_extended_u;
	/* pulse mode: whole pulses */
	int64_t immediate_pulses_left;
	int64_t extended_pulses_total;
	int64_t extended_pulses_done;
	double extended_done_u; /* instant mode */
	int extended_duration_min;
	int extended_elapsed_min;
	bool has_last_bolus;
	int64_t last_bolus_min;

	/* consumables and faults */
	double reservoir_u;
	double discarded_u; /* declared unusable by a reservoir fault */
	bool reservoir_low_raised;
	double battery_pct;
	double battery_extra_drain_pct_per_h;
	int64_t radio_minute; /* the minute radio_spent_pct counts */
	double radio_spent_pct;
	bool battery_low_raised;
	bool occluded; /* truth: the line is blocked */
	double missed_u;
	bool occlusion_alarm; /* raised and not yet confirmed */
	uint16_t occlusion_annunciation_id;

	/* accounting */
	double delivered_total_u;
	double primed_total_u;
	double minute_delivered_u[DAY_MIN]; /* ring by minute */
	double delivered_24h_u;
	int64_t last_tick_min;
	bool has_ticked;
	double reported_basal_u_per_h;
	bool reported_basal_valid;

	timed_amount iob[IOB_SLOTS]; /* ring of bolus deliveries within the action time */
	size_t iob_head, iob_count;

	pump_annunciation annunciations[ANNUNCIATION_SLOTS];
	int64_t snoozed_until[ANNUNCIATION_SLOTS];
	size_t annunciation_count;
	uint16_t next_annunciation_id;

	/* low-glucose protection */
	timed_amount cgm[CGM_HISTORY]; /* readings (u = mg/dL) */
	size_t cgm_head, cgm_count;
	bool lgs_suspended;
	int64_t lgs_since_min;
	int64_t lgs_refractory_until_min;
};

static inline bool finite_nonneg(double v)
{
	return isfinite(v) && v >= 0.0;
}

/* Bolus speed 0 delivers the exact dose within the minute (docs/pump.md). */
static inline bool instant_mode(const pump *p)
{
	return p->cfg.bolus_speed_u_per_min <= 0.0;
}

/* pump.c — the audit trail: every event goes to cfg.on_event; a command's result is
 * reported (PUMP_EV_COMMAND) and returned. */
void pump_emit(const pump *p, const pump_event *ev);
pump_result pump_command_done(const pump *p, int64_t now, pump_source src, pump_command cmd,
                              pump_result r, double v1, double v2, double v3);
/* pump.c — why a delivery command must be refused now (PUMP_OK when it may deliver). */
pump_result pump_delivery_blocked(const pump *p);

/* pump_annunciations.c — raise one (returns its id, never 0), report one, and end the
 * snoozes that are over. */
uint16_t pump_raise_annunciation(pump *p, int64_t now, pump_annunciation_type type, double aux);
void pump_emit_annunciation(const pump *p, int64_t now, const pump_annunciation *a,
                            const char *detail);
void pump_annunciations_tick(pump *p, int64_t now);

/* pump_delivery_record.c — delivered over the rolling 24 h before minute `now`, U; and
 * the minute `now` entered as having delivered `delivered_u` (it becomes the last tick). */
double pump_delivered_24h_before(const pump *p, int64_t now);
void pump_record_minute(pump *p, int64_t now, double delivered_u);

/* pump_basal.c — rates in U/h (0 when not running), the minute's basal in U. */
double pump_programmed_rate_u_per_h(const pump *p, int64_t now);
double pump_current_rate_u_per_h(const pump *p, int64_t now);
double pump_basal_this_minute_u(const pump *p, int64_t now);
void pump_end_tbr(pump *p, int64_t now, bool annunciate_canceled);

/* pump_bolus.c — insulin on board, the active bolus's progress and end. */
void pump_iob_add(pump *p, int64_t now, double u);
double pump_bolus_remaining_u(const pump *p);
void pump_end_bolus(pump *p, int64_t now, const char *how, bool annunciate);
double pump_bolus_this_minute_u(pump *p);

/* pump_therapy.c — run/pause/stop, and the halt that ends bolus and temp basal with it. */
void pump_set_therapy(pump *p, int64_t now, pump_therapy_state s, pump_source src, const char *why);
void pump_halt_delivery(pump *p, int64_t now, pump_therapy_state to, pump_source src,
                        const char *why, const char *bolus_how);

/* pump_consumables.c — the battery's steady drain and its alarms, once a minute. */
void pump_battery_tick(pump *p, int64_t now);

/* pump_faults.c — the occlusion alarm (stops therapy, needs the person). */
void pump_occlusion_alarm(pump *p, int64_t now);

/* pump_lgs.c — low-glucose protection: suspend before low, resume on recovery. */
void pump_lgs_evaluate(pump *p, int64_t now, double cgm_mgdl);

#endif /* PUMP_INTERNAL_H */
