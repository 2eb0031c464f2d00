/*
 * pump — the insulin pump state machine (see pump_model.h for the contract).
 *
 * Must never: deliver while paused, stopped, occluded, empty or without battery; count
 * insulin that did not reach the patient as delivered; let any source raise a limit above
 * the configured one; change anything but the audit trail on a refused command; do I/O or
 * allocate after pump_new.
 *
 * Delivery model (documented in docs/pump.md):
 *  - basal is delivered as a continuous rate, exactly rate/60 U each minute (the model's
 *    one-minute step is coarser than a pump's basal pulse interval);
 *  - boluses are delivered in whole pulses (`pulse_u`, default 0.05 U) at `bolus_speed`
 *    (default 1.5 U/min); programmed amounts are rounded DOWN to the pulse; `instant`
 *    delivers the exact dose within the minute (the physiology reference checks use it);
 *  - an extended part is spread evenly over its duration (cumulative floor);
 *  - an occluded line delivers nothing and consumes nothing; the missed insulin accumulates
 *    until `occlusion_threshold_u` (default 2.0 U), then the occlusion alarm stops therapy.
 * Insulin on board uses the exponential insulin-action curve (Loop/OpenAPS form, with
 * duration td and peak tp) over boluses really delivered.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "insulin_curve.h"
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

/* ---------------------------------------------------------------------------------- */
/* Names                                                                               */
/* ---------------------------------------------------------------------------------- */

static const char *const result_names[PUMP_RESULT_COUNT] = {
    [PUMP_OK] = "ok",
    [PUMP_REFUSED_INVALID_VALUE] = "invalid_value",
    [PUMP_REFUSED_MAX_BOLUS] = "max_bolus",
    [PUMP_REFUSED_MAX_BASAL] = "max_basal",
    [PUMP_REFUSED_MAX_DAILY] = "max_daily",
    [PUMP_REFUSED_MAX_IOB] = "max_iob",
    [PUMP_REFUSED_MIN_INTERVAL] = "min_bolus_interval",
    [PUMP_REFUSED_BOLUS_ACTIVE] = "bolus_active",
    [PUMP_REFUSED_NOT_RUNNING] = "not_running",
    [PUMP_REFUSED_OCCLUSION] = "occlusion",
    [PUMP_REFUSED_RESERVOIR_EMPTY] = "reservoir_empty",
    [PUMP_REFUSED_BATTERY_EMPTY] = "battery_empty",
    [PUMP_REFUSED_NO_SUCH_BOLUS] = "no_such_bolus",
    [PUMP_REFUSED_NO_TEMP_BASAL] = "no_temp_basal",
    [PUMP_REFUSED_NOT_APPLICABLE] = "not_applicable",
    [PUMP_REFUSED_LIMIT_ABOVE_PUMP] = "limit_above_pump",
    [PUMP_REFUSED_NO_SUCH_ANNUNCIATION] = "no_such_annunciation",
    [PUMP_REFUSED_NEEDS_PERSON] = "needs_person",
    [PUMP_REFUSED_BOLUS_RATE] = "bolus_rate",
};

static const char *const command_names[PUMP_COMMAND_COUNT] = {
    [PUMP_CMD_BOLUS] = "bolus",
    [PUMP_CMD_CANCEL_BOLUS] = "cancel_bolus",
    [PUMP_CMD_TEMP_BASAL] = "temp_basal",
    [PUMP_CMD_CANCEL_TEMP_BASAL] = "cancel_temp_basal",
    [PUMP_CMD_SUSPEND] = "suspend",
    [PUMP_CMD_RESUME] = "resume",
    [PUMP_CMD_STOP] = "stop",
    [PUMP_CMD_PRIME] = "prime",
    [PUMP_CMD_FILL_RESERVOIR] = "fill_reservoir",
    [PUMP_CMD_SET_MAX_BOLUS] = "set_max_bolus",
    [PUMP_CMD_CONFIRM_ANNUNCIATION] = "confirm_annunciation",
    [PUMP_CMD_SNOOZE_ANNUNCIATION] = "snooze_annunciation",
    [PUMP_CMD_CHANGE_BATTERY] = "change_battery",
};

static const char *const fault_names[PUMP_FAULT_COUNT] = {
    [PUMP_FAULT_OCCLUSION] = "occlusion",
    [PUMP_FAULT_OCCLUSION_CLEARED] = "occlusion_cleared",
    [PUMP_FAULT_BATTERY_DRAIN] = "battery_drain",
    [PUMP_FAULT_RESERVOIR_EMPTY] = "reservoir_empty",
    [PUMP_FAULT_RESERVOIR_LOW] = "reservoir_low",
    [PUMP_FAULT_BATTERY_LOW] = "battery_low",
    [PUMP_FAULT_BATTERY_DEAD] = "battery_dead",
    [PUMP_FAULT_BOLUS_INTERRUPTED] = "bolus_interrupted",
    [PUMP_FAULT_ANNUNCIATION_BURST] = "annunciation_burst",
};

static const char *const event_kind_names[PUMP_EVENT_KIND_COUNT] = {
    [PUMP_EV_COMMAND] = "command",
    [PUMP_EV_BOLUS_STARTED] = "bolus_started",
    [PUMP_EV_BOLUS_ENDED] = "bolus_ended",
    [PUMP_EV_BASAL_CHANGED] = "basal_changed",
    [PUMP_EV_THERAPY_STATE] = "therapy_state",
    [PUMP_EV_ANNUNCIATION] = "annunciation",
    [PUMP_EV_FAULT] = "fault",
    [PUMP_EV_PRIMED] = "primed",
    [PUMP_EV_RESERVOIR_FILLED] = "reservoir_filled",
};

static const struct {
	pump_annunciation_type type;
	const char *name;
} annunciation_names[] = {
    {PUMP_ANN_OCCLUSION, "occlusion"},
    {PUMP_ANN_RESERVOIR_EMPTY, "reservoir_empty"},
    {PUMP_ANN_RESERVOIR_LOW, "reservoir_low"},
    {PUMP_ANN_BATTERY_EMPTY, "battery_empty"},
    {PUMP_ANN_BATTERY_LOW, "battery_low"},
    {PUMP_ANN_BOLUS_CANCELED, "bolus_canceled"},
    {PUMP_ANN_TBR_OVER, "tbr_over"},
    {PUMP_ANN_TBR_CANCELED, "tbr_canceled"},
    {PUMP_ANN_MAX_DELIVERY, "max_delivery"},
    {PUMP_ANN_LOW_GLUCOSE_SUSPEND, "low_glucose_suspend"},
    {PUMP_ANN_LOW_GLUCOSE_RESUME, "low_glucose_resume"},
    {PUMP_ANN_NEW_BOND, "new_bond"},
    {PUMP_ANN_PAIRING_ATTEMPTS, "pairing_attempts"},
    {PUMP_ANN_CONTROLLER_FALLBACK, "controller_fallback"},
};

static const pump_annunciation_type annunciation_types[] = {
    PUMP_ANN_OCCLUSION,          PUMP_ANN_RESERVOIR_EMPTY,
    PUMP_ANN_RESERVOIR_LOW,      PUMP_ANN_BATTERY_EMPTY,
    PUMP_ANN_BATTERY_LOW,        PUMP_ANN_BOLUS_CANCELED,
    PUMP_ANN_TBR_OVER,           PUMP_ANN_TBR_CANCELED,
    PUMP_ANN_MAX_DELIVERY,       PUMP_ANN_LOW_GLUCOSE_SUSPEND,
    PUMP_ANN_LOW_GLUCOSE_RESUME, PUMP_ANN_NEW_BOND,
    PUMP_ANN_PAIRING_ATTEMPTS,   PUMP_ANN_CONTROLLER_FALLBACK,
};
_Static_assert(sizeof annunciation_types / sizeof annunciation_types[0] ==
                   sizeof annunciation_names / sizeof annunciation_names[0],
               "every annunciation type has a name");

size_t pump_annunciation_types(const pump_annunciation_type **out)
{
	*out = annunciation_types;
	return sizeof annunciation_types / sizeof annunciation_types[0];
}

static bool name_lookup(const char *const *names, int count, const char *name, int *out)
{
	if (!name)
		return false;
	for (int i = 0; i < count; i++)
		if (names[i] && strcmp(names[i], name) == 0) {
			*out = i;
			return true;
		}
	return false;
}

const char *pump_result_name(pump_result r)
{
	return (unsigned)r < PUMP_RESULT_COUNT ? result_names[r] : "unknown";
}

bool pump_result_from_name(const char *name, pump_result *out)
{
	int i;
	if (!name_lookup(result_names, PUMP_RESULT_COUNT, name, &i))
		return false;
	*out = (pump_result)i;
	return true;
}

const char *pump_command_name(pump_command c)
{
	return (unsigned)c < PUMP_COMMAND_COUNT ? command_names[c] : "unknown";
}

bool pump_command_from_name(const char *name, pump_command *out)
{
	int i;
	if (!name_lookup(command_names, PUMP_COMMAND_COUNT, name, &i))
		return false;
	*out = (pump_command)i;
	return true;
}

const char *pump_fault_name(pump_fault f)
{
	return (unsigned)f < PUMP_FAULT_COUNT ? fault_names[f] : "unknown";
}

bool pump_fault_from_name(const char *name, pump_fault *out)
{
	int i;
	if (!name_lookup(fault_names, PUMP_FAULT_COUNT, name, &i))
		return false;
	*out = (pump_fault)i;
	return true;
}

const char *pump_event_kind_name(pump_event_kind k)
{
	return (unsigned)k < PUMP_EVENT_KIND_COUNT ? event_kind_names[k] : "unknown";
}

const char *pump_annunciation_name(pump_annunciation_type t)
{
	for (size_t i = 0; i < sizeof annunciation_names / sizeof annunciation_names[0]; i++)
		if (annunciation_names[i].type == t)
			return annunciation_names[i].name;
	return "unknown";
}

bool pump_annunciation_from_name(const char *name, pump_annunciation_type *out)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof annunciation_names / sizeof annunciation_names[0]; i++)
		if (strcmp(annunciation_names[i].name, name) == 0) {
			*out = annunciation_names[i].type;
			return true;
		}
	return false;
}

const char *pump_source_name(pump_source s)
{
	switch (s) {
	case PUMP_SOURCE_PUMP:
		return "pump";
	case PUMP_SOURCE_PHONE:
		return "phone";
	case PUMP_SOURCE_AUTOMATION:
		return "automation";
	case PUMP_SOURCE_CONTROLLER:
		return "controller";
	}
	return "unknown";
}

const char *pump_therapy_state_name(pump_therapy_state s)
{
	switch (s) {
	case PUMP_THERAPY_STOP:
		return "stop";
	case PUMP_THERAPY_PAUSE:
		return "pause";
	case PUMP_THERAPY_RUN:
		return "run";
	}
	return "unknown";
}

/* ---------------------------------------------------------------------------------- */
/* Configuration                                                                       */
/* ---------------------------------------------------------------------------------- */

void pump_config_defaults(pump_config *cfg)
{
	*cfg = (pump_config){
	    .basal_segment_count = 1,
	    .basal_segments = {{0, 1.0}},
	    .bolus_speed_u_per_min = 1.5,
	    .pulse_u = 0.05,
	    .reservoir_u = 300.0,
	    .reservoir_low_u = 20.0,
	    .battery_pct = 100.0,
	    /* 100 % = 1,000 mAh at 3 V (docs/pump.md "Battery and radio"). */
	    .battery = {.drain_pct_per_h = 0.25, /* 2.5 mA: about 16 days on a charge */
	                .drain_pct_per_u = 0.01,
	                /* 10 µC an exchange: two 27-octet PDUs at ~5.4 mA with ramp-up */
	                .drain_pct_per_radio_event = 2.78e-7,
	                /* 2,000 empty connection events a minute (30 ms) at 3 µC */
	                .drain_pct_per_link_min = 1.67e-4,
	                /* the radio at full duty, ~6 mA: 0.1 mAh a minute */
	                .radio_max_pct_per_min = 0.01,
	                .low_pct = 20.0},
	    .occlusion_threshold_u = 2.0,
	    .insulin_action_min = 300,
	    .insulin_peak_min = 75,
	    .carb_ratio_g_per_u = 10.0,
	    .correction_factor_mgdl_per_u = 50.0,
	    .target_mgdl = 110.0,
	    .limits = {.max_bolus_u = 25.0,
	               .max_basal_u_per_h = 15.0,
	               .max_daily_u = 150.0,
	               .max_iob_u = 40.0,
	               .min_bolus_interval_min = 0},
	    .lgs = {.enabled = false,
	            .suspend_below_mgdl = 70.0,
	            .predictive = true,
	            .predict_below_mgdl = 80.0,
	            .horizon_min = 30,
	            .resume_above_mgdl = 90.0,
	            .max_suspend_min = 120},
	};
}

static bool finite_nonneg(double v)
{
	return isfinite(v) && v >= 0.0;
}

const char *pump_config_check(const pump_config *cfg)
{
	if (!cfg)
		return "no configuration";
	if (cfg->start_min_of_day < 0 || cfg->start_min_of_day >= DAY_MIN)
		return "start time out of range";
	if (!finite_nonneg(cfg->bolus_speed_u_per_min))
		return "bolus speed must be >= 0 U/min";
	if (!(cfg->pulse_u > 0.0) || !isfinite(cfg->pulse_u) || cfg->pulse_u > 1.0)
		return "pulse must be > 0 and <= 1 U";
	if (!finite_nonneg(cfg->reservoir_u) || !finite_nonneg(cfg->reservoir_low_u))
		return "reservoir amounts must be >= 0 U";
	if (!finite_nonneg(cfg->battery_pct) || cfg->battery_pct > 100.0)
		return "battery must be 0 … 100 %";
	if (!finite_nonneg(cfg->battery.drain_pct_per_h) ||
	    !finite_nonneg(cfg->battery.drain_pct_per_u) ||
	    !finite_nonneg(cfg->battery.drain_pct_per_radio_event) ||
	    !finite_nonneg(cfg->battery.drain_pct_per_link_min) ||
	    !finite_nonneg(cfg->battery.radio_max_pct_per_min) ||
	    !finite_nonneg(cfg->battery.low_pct))
		return "battery model values must be >= 0";
	if (!(cfg->occlusion_threshold_u > 0.0) || !isfinite(cfg->occlusion_threshold_u))
		return "occlusion threshold must be > 0 U";
	if (cfg->insulin_action_min < 60 || cfg->insulin_action_min > 24 * 60)
		return "insulin action must be 1 … 24 h";
	if (cfg->insulin_peak_min < 1 || 2 * cfg->insulin_peak_min >= cfg->insulin_action_min)
		return "insulin peak must be > 0 and under half the action time";
	if (!(cfg->carb_ratio_g_per_u > 0.0) || !(cfg->correction_factor_mgdl_per_u > 0.0) ||
	    !isfinite(cfg->carb_ratio_g_per_u) || !isfinite(cfg->correction_factor_mgdl_per_u) ||
	    !finite_nonneg(cfg->target_mgdl))
		return "bolus calculator values must be > 0";
	const pump_limits *l = &cfg->limits;
	if (!(l->max_bolus_u > 0.0) || !(l->max_basal_u_per_h >= 0.0) || !(l->max_daily_u > 0.0) ||
	    !(l->max_iob_u > 0.0) || !isfinite(l->max_bolus_u) || !isfinite(l->max_basal_u_per_h) ||
	    !isfinite(l->max_daily_u) || !isfinite(l->max_iob_u) || l->min_bolus_interval_min < 0)
		return "limits must be positive numbers";
	if (cfg->lgs.enabled && (!finite_nonneg(cfg->lgs.suspend_below_mgdl) ||
	                         !finite_nonneg(cfg->lgs.predict_below_mgdl) ||
	                         !finite_nonneg(cfg->lgs.resume_above_mgdl) ||
	                         cfg->lgs.horizon_min < 0 || cfg->lgs.max_suspend_min < 0))
		return "low-glucose protection values must be >= 0";
	if (cfg->steady_basal_u_per_min > 0.0) {
		if (!isfinite(cfg->steady_basal_u_per_min))
			return "basal must be finite";
		if (cfg->steady_basal_u_per_min * 60.0 > l->max_basal_u_per_h + EPS_U)
			return "the basal rate is above max_basal";
		return NULL;
	}
	if (cfg->basal_segment_count < 1 || cfg->basal_segment_count > PUMP_MAX_BASAL_SEGMENTS)
		return "the basal program needs 1 … 24 segments";
	if (cfg->basal_segments[0].start_min_of_day != 0)
		return "the basal program must start at 00:00";
	for (size_t i = 0; i < cfg->basal_segment_count; i++) {
		const pump_basal_segment *s = &cfg->basal_segments[i];
		if (!finite_nonneg(s->rate_u_per_h))
			return "basal rates must be >= 0 U/h";
		if (s->rate_u_per_h > l->max_basal_u_per_h + EPS_U)
			return "a basal rate is above max_basal";
		if (s->start_min_of_day >= DAY_MIN ||
		    (i > 0 && s->start_min_of_day <= cfg->basal_segments[i - 1].start_min_of_day))
			return "basal segments must start at increasing times within the day";
	}
	return NULL;
}

pump *pump_new(const pump_config *cfg)
{
	if (pump_config_check(cfg))
		return NULL;
	pump *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->max_bolus_in_force_u = cfg->limits.max_bolus_u;
	p->max_bolus_person_u = cfg->limits.max_bolus_u;
	p->therapy = PUMP_THERAPY_RUN;
	p->halt_owner = PUMP_SOURCE_PUMP;
	p->tbr_owner = PUMP_SOURCE_PUMP;
	p->next_bolus_id = 1;
	p->next_annunciation_id = 1;
	p->reservoir_u = cfg->reservoir_u;
	p->battery_pct = cfg->battery_pct;
	p->reservoir_low_raised = cfg->reservoir_u <= cfg->reservoir_low_u;
	p->battery_low_raised = cfg->battery_pct <= cfg->battery.low_pct;
	p->lgs_refractory_until_min = INT64_MIN;
	p->radio_minute = INT64_MIN;
	return p;
}

void pump_free(pump *p)
{
	free(p);
}

pump *pump_clone(const pump *p)
{
	pump *c = malloc(sizeof *c);
	if (c)
		memcpy(c, p, sizeof *c); /* padding included: pumps come from calloc */
	return c;
}

bool pump_state_equal(const pump *a, const pump *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

const pump_config *pump_get_config(const pump *p)
{
	return &p->cfg;
}

/* ---------------------------------------------------------------------------------- */
/* Events and annunciations                                                            */
/* ---------------------------------------------------------------------------------- */

static void emit(const pump *p, const pump_event *ev)
{
	if (p->cfg.on_event)
		p->cfg.on_event(ev, p->cfg.user_data);
}

static pump_result command_done(const pump *p, int64_t now, pump_source src, pump_command cmd,
                                pump_result r, double v1, double v2, double v3)
{
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_COMMAND,
	                 .source = src,
	                 .command = cmd,
	                 .result = r,
	                 .value = v1,
	                 .value2 = v2,
	                 .value3 = v3};
	emit(p, &ev);
	return r;
}

static void emit_annunciation(const pump *p, int64_t now, const pump_annunciation *a,
                              const char *detail)
{
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_ANNUNCIATION,
	                 .annunciation = *a,
	                 .value = a->aux,
	                 .detail = detail};
	emit(p, &ev);
}

/* The oldest slot that is confirmed (`confirmed`), or active and not one that needs the
 * person, or (`any`) any; ANNUNCIATION_SLOTS when none. */
static size_t evictable_slot(const pump *p, bool confirmed, bool any)
{
	size_t slot = ANNUNCIATION_SLOTS;
	for (size_t i = 0; i < ANNUNCIATION_SLOTS; i++) {
		const pump_annunciation *a = &p->annunciations[i];
		const bool fits = any || (confirmed ? a->status == PUMP_ANN_CONFIRMED
		                                    : !pump_annunciation_needs_person(a->type));
		if (fits && (slot == ANNUNCIATION_SLOTS || a->id < p->annunciations[slot].id))
			slot = i;
	}
	return slot;
}

static uint16_t raise_annunciation(pump *p, int64_t now, pump_annunciation_type type, double aux)
{
	size_t slot;
	if (p->annunciation_count < ANNUNCIATION_SLOTS) {
		slot = p->annunciation_count++;
	} else {
		/* Full: reuse the oldest confirmed slot, else the oldest one a phone may
		 * acknowledge, else the oldest of all. Never an active one that needs the person
		 * while another will do: a phone that makes the pump announce trifles (a bolus
		 * canceled, again and again) must not push an occlusion or a new bond off it. */
		slot = evictable_slot(p, true, false);
		if (slot == ANNUNCIATION_SLOTS)
			slot = evictable_slot(p, false, false);
		if (slot == ANNUNCIATION_SLOTS && pump_annunciation_needs_person(type))
			slot = evictable_slot(p, false, true);
	}
	uint16_t id = p->next_annunciation_id++;
	if (p->next_annunciation_id == 0)
		p->next_annunciation_id = 1;
	if (slot == ANNUNCIATION_SLOTS) {
		/* Every slot holds an alarm for the person: a trifle is announced (audited) but
		 * not kept in their place. */
		const pump_annunciation a = {.id = id,
		                             .type = type,
		                             .status = PUMP_ANN_PENDING,
		                             .raised_min = now,
		                             .aux = aux};
		emit_annunciation(p, now, &a, "raised");
		return id;
	}
	p->annunciations[slot] = (pump_annunciation){
	    .id = id, .type = type, .status = PUMP_ANN_PENDING, .raised_min = now, .aux = aux};
	p->snoozed_until[slot] = 0;
	emit_annunciation(p, now, &p->annunciations[slot], "raised");
	return id;
}

static pump_annunciation *find_annunciation(pump *p, uint16_t id)
{
	for (size_t i = 0; i < p->annunciation_count; i++)
		if (p->annunciations[i].id == id && id != 0)
			return &p->annunciations[i];
	return NULL;
}

static void set_therapy(pump *p, int64_t now, pump_therapy_state s, pump_source src,
                        const char *why)
{
	if (p->therapy == s)
		return;
	p->therapy = s;
	pump_event ev = {
	    .t_min = now, .kind = PUMP_EV_THERAPY_STATE, .source = src, .state = s, .detail = why};
	emit(p, &ev);
}

/* ---------------------------------------------------------------------------------- */
/* Insulin on board                                                                    */
/* ---------------------------------------------------------------------------------- */

/* Fraction of a dose still active t minutes after it (exponential curve, td and tp). */
static double iob_fraction(double t, double td, double tp)
{
	return insulin_curve_remaining(t, td, tp);
}

static void iob_prune(pump *p, int64_t now)
{
	while (p->iob_count > 0 &&
	       now - p->iob[p->iob_head].t_min >= (int64_t)p->cfg.insulin_action_min) {
		p->iob_head = (p->iob_head + 1) % IOB_SLOTS;
		p->iob_count--;
	}
}

static void iob_add(pump *p, int64_t now, double u)
{
	if (u <= 0.0)
		return;
	iob_prune(p, now);
	if (p->iob_count == IOB_SLOTS) {
		/* Full (a long extended bolus): fold the oldest entry into the next one. */
		size_t next = (p->iob_head + 1) % IOB_SLOTS;
		p->iob[next].u += p->iob[p->iob_head].u;
		p->iob_head = next;
		p->iob_count--;
	}
	p->iob[(p->iob_head + p->iob_count) % IOB_SLOTS] = (timed_amount){now, u};
	p->iob_count++;
}

double pump_iob_u(const pump *p, int64_t now_min)
{
	double total = 0.0;
	for (size_t i = 0; i < p->iob_count; i++) {
		const timed_amount *e = &p->iob[(p->iob_head + i) % IOB_SLOTS];
		total += e->u * iob_fraction((double)(now_min - e->t_min),
		                             (double)p->cfg.insulin_action_min,
		                             (double)p->cfg.insulin_peak_min);
	}
	return total;
}

double pump_bolus_advice_u(const pump *p, int64_t now_min, double carbs_g, double glucose_mgdl)
{
	double u = 0.0;
	if (isfinite(carbs_g) && carbs_g > 0.0)
		u += carbs_g / p->cfg.carb_ratio_g_per_u;
	if (isfinite(glucose_mgdl))
		u += (glucose_mgdl - p->cfg.target_mgdl) / p->cfg.correction_factor_mgdl_per_u;
	u -= pump_iob_u(p, now_min);
	if (!(u > 0.0))
		return 0.0;
	return floor(u / p->cfg.pulse_u + EPS_U) * p->cfg.pulse_u;
}

/* ---------------------------------------------------------------------------------- */
/* Basal and bolus bookkeeping                                                         */
/* ---------------------------------------------------------------------------------- */

static double programmed_rate_u_per_h(const pump *p, int64_t now)
{
	if (p->cfg.steady_basal_u_per_min > 0.0)
		return p->cfg.steady_basal_u_per_min * 60.0;
	const int minute_of_day = (int)((now + p->cfg.start_min_of_day) % DAY_MIN);
	double rate = p->cfg.basal_segments[0].rate_u_per_h;
	for (size_t i = 1; i < p->cfg.basal_segment_count; i++) {
		if (p->cfg.basal_segments[i].start_min_of_day > minute_of_day)
			break;
		rate = p->cfg.basal_segments[i].rate_u_per_h;
	}
	return rate;
}

static double tbr_rate_u_per_h(const pump *p, pump_temp_basal_type type, double value, int64_t now)
{
	return type == PUMP_TBR_ABSOLUTE ? value : programmed_rate_u_per_h(p, now) * value / 100.0;
}

/* The basal rate delivering now (0 when not running), U/h. */
static double current_rate_u_per_h(const pump *p, int64_t now)
{
	if (p->therapy != PUMP_THERAPY_RUN)
		return 0.0;
	return p->tbr_active ? tbr_rate_u_per_h(p, p->tbr_type, p->tbr_value, now)
	                     : programmed_rate_u_per_h(p, now);
}

/* This minute's basal in U: exact U/min for the steady basal (no unit round trip). */
static double basal_this_minute_u(const pump *p, int64_t now)
{
	if (p->therapy != PUMP_THERAPY_RUN)
		return 0.0;
	if (!p->tbr_active && p->cfg.steady_basal_u_per_min > 0.0)
		return p->cfg.steady_basal_u_per_min;
	return current_rate_u_per_h(p, now) / 60.0;
}

static bool instant_mode(const pump *p)
{
	return p->cfg.bolus_speed_u_per_min <= 0.0;
}

static int64_t pulses_per_minute(const pump *p)
{
	int64_t n = (int64_t)floor(p->cfg.bolus_speed_u_per_min / p->cfg.pulse_u + EPS_U);
	return n < 1 ? 1 : n;
}

static double bolus_remaining_u(const pump *p)
{
	if (!p->bolus_active)
		return 0.0;
	if (instant_mode(p))
		return p->instant_immediate_left_u + (p->instant_extended_u - p->extended_done_u);
	return (double)(p->immediate_pulses_left +
	                (p->extended_pulses_total - p->extended_pulses_done)) *
	       p->cfg.pulse_u;
}

/* End the active bolus; `how` is "completed", "canceled" or "uncertain". */
static void end_bolus(pump *p, int64_t now, const char *how, bool annunciate)
{
	if (!p->bolus_active)
		return;
	p->bolus_active = false;
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_BOLUS_ENDED,
	                 .bolus_id = p->bolus_id,
	                 .value = p->bolus_delivered_u,
	                 .value2 = p->bolus_programmed_u,
	                 .detail = how};
	emit(p, &ev);
	if (annunciate)
		raise_annunciation(p, now, PUMP_ANN_BOLUS_CANCELED, p->bolus_delivered_u);
	p->immediate_pulses_left = p->extended_pulses_total = p->extended_pulses_done = 0;
	p->instant_immediate_left_u = p->instant_extended_u = p->extended_done_u = 0.0;
}

static void end_tbr(pump *p, int64_t now, bool annunciate_canceled)
{
	if (!p->tbr_active)
		return;
	p->tbr_active = false;
	if (annunciate_canceled)
		raise_annunciation(p, now, PUMP_ANN_TBR_CANCELED, 0.0);
}

/*
 * Delivery stops (pause, stop, alarm): the bolus and the temp basal end with it, and any
 * low-glucose suspension is superseded: only the protection's own pause may end by itself.
 */
static void halt_delivery(pump *p, int64_t now, pump_therapy_state to, pump_source src,
                          const char *why, const char *bolus_how)
{
	/* A halt belongs to the highest authority that made it: a phone stopping a pump the
	 * person paused cannot then resume it. */
	p->halt_owner = p->therapy == PUMP_THERAPY_RUN ? src : authority_higher(p->halt_owner, src);
	p->lgs_suspended = false;
	end_bolus(p, now, bolus_how, true);
	end_tbr(p, now, true);
	set_therapy(p, now, to, src, why);
}

/* ---------------------------------------------------------------------------------- */
/* Commands                                                                            */
/* ---------------------------------------------------------------------------------- */

/* Refusals that depend on the pump's state, common to delivery commands. */
static pump_result delivery_blocked(const pump *p)
{
	if (p->battery_pct <= 0.0)
		return PUMP_REFUSED_BATTERY_EMPTY;
	if (p->occlusion_alarm)
		return PUMP_REFUSED_OCCLUSION;
	if (p->reservoir_u <= EPS_U)
		return PUMP_REFUSED_RESERVOIR_EMPTY;
	if (p->therapy != PUMP_THERAPY_RUN)
		return PUMP_REFUSED_NOT_RUNNING;
	return PUMP_OK;
}

/*
 * Delivered over the rolling 24 h window that ends with minute `now` (minutes now−1439 …
 * now−1, i.e. before `now` is delivered). The running sum covers the 1440 minutes up to
 * the last tick; minutes that have left the window are taken out.
 */
static double delivered_24h_before(const pump *p, int64_t now)
{
	if (!p->has_ticked)
		return 0.0;
	double total = p->delivered_24h_u;
	const int64_t oldest_kept = p->last_tick_min - (DAY_MIN - 1);
	for (int64_t m = oldest_kept < 0 ? 0 : oldest_kept;
	     m <= now - DAY_MIN && m <= p->last_tick_min; m++)
		total -= p->minute_delivered_u[m % DAY_MIN];
	return total > 0.0 ? total : 0.0;
}

pump_result pump_bolus(pump *p, int64_t now, pump_source src, const pump_bolus_request *req,
                       uint16_t *out_bolus_id)
{
	double imm = 0.0, ext = 0.0;
	int dur = 0;
	pump_result r = PUMP_OK;
	if (!req || (unsigned)req->type > PUMP_BOLUS_MULTIWAVE) {
		r = PUMP_REFUSED_INVALID_VALUE;
	} else {
		imm = req->type == PUMP_BOLUS_EXTENDED ? 0.0 : req->immediate_u;
		ext = req->type == PUMP_BOLUS_NORMAL ? 0.0 : req->extended_u;
		dur = req->type == PUMP_BOLUS_NORMAL ? 0 : req->duration_min;
		if (!finite_nonneg(imm) || !finite_nonneg(ext) ||
		    (req->type == PUMP_BOLUS_NORMAL && !(imm > 0.0)) ||
		    (req->type == PUMP_BOLUS_EXTENDED && !(ext > 0.0)) ||
		    (req->type == PUMP_BOLUS_MULTIWAVE && !(imm > 0.0 && ext > 0.0)) ||
		    (req->type != PUMP_BOLUS_NORMAL &&
		     (dur < PUMP_EXTENDED_MIN_MIN || dur > PUMP_EXTENDED_MAX_MIN)))
			r = PUMP_REFUSED_INVALID_VALUE;
	}
	const double total_requested = imm + ext;
	if (r == PUMP_OK)
		r = delivery_blocked(p);
	if (r == PUMP_OK && p->bolus_active)
		r = PUMP_REFUSED_BOLUS_ACTIVE;

	/* Pulse mode: round each part down to whole pulses. */
	int64_t imm_pulses = 0, ext_pulses = 0;
	if (r == PUMP_OK && !instant_mode(p)) {
		imm_pulses = (int64_t)floor(imm / p->cfg.pulse_u + EPS_U);
		ext_pulses = (int64_t)floor(ext / p->cfg.pulse_u + EPS_U);
		imm = (double)imm_pulses * p->cfg.pulse_u;
		ext = (double)ext_pulses * p->cfg.pulse_u;
		if (imm_pulses + ext_pulses == 0)
			r = PUMP_REFUSED_INVALID_VALUE; /* less than one pulse */
	}
	const double total = imm + ext;
	if (r == PUMP_OK && total > p->max_bolus_in_force_u + EPS_U)
		r = PUMP_REFUSED_MAX_BOLUS;
	/* No programme beats the bolus speed: an extended part faster than it is a fast bolus
	 * in disguise (delivery also never exceeds the speed in any minute, see
	 * bolus_this_minute_u). */
	if (r == PUMP_OK && !instant_mode(p) && ext > 0.0 &&
	    ext / (double)dur > p->cfg.bolus_speed_u_per_min + EPS_U)
		r = PUMP_REFUSED_BOLUS_RATE;
	if (r == PUMP_OK && p->cfg.limits.min_bolus_interval_min > 0 && p->has_last_bolus &&
	    now - p->last_bolus_min < p->cfg.limits.min_bolus_interval_min)
		r = PUMP_REFUSED_MIN_INTERVAL;
	if (r == PUMP_OK && pump_iob_u(p, now) + total > p->cfg.limits.max_iob_u + EPS_U)
		r = PUMP_REFUSED_MAX_IOB;
	if (r == PUMP_OK &&
	    delivered_24h_before(p, now) + total > p->cfg.limits.max_daily_u + EPS_U)
		r = PUMP_REFUSED_MAX_DAILY;
	if (r == PUMP_OK && total > p->reservoir_u + EPS_U)
		r = PUMP_REFUSED_RESERVOIR_EMPTY;
	if (r != PUMP_OK)
		return command_done(p, now, src, PUMP_CMD_BOLUS, r, total_requested, ext, dur);

	p->bolus_active = true;
	p->bolus_id = p->next_bolus_id++;
	if (p->next_bolus_id == 0)
		p->next_bolus_id = 1;
	p->bolus_type = req->type;
	p->bolus_programmed_u = total;
	p->bolus_delivered_u = 0.0;
	p->instant_immediate_left_u = instant_mode(p) ? imm : 0.0;
	p->instant_extended_u = instant_mode(p) ? ext : 0.0;
	p->extended_done_u = 0.0;
	p->immediate_pulses_left = imm_pulses;
	p->extended_pulses_total = ext_pulses;
	p->extended_pulses_done = 0;
	p->extended_duration_min = dur;
	p->extended_elapsed_min = 0;
	p->has_last_bolus = true;
	p->last_bolus_min = now;
	if (out_bolus_id)
		*out_bolus_id = p->bolus_id;
	command_done(p, now, src, PUMP_CMD_BOLUS, PUMP_OK, total, ext, dur);
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_BOLUS_STARTED,
	                 .source = src,
	                 .bolus_id = p->bolus_id,
	                 .value = total,
	                 .value2 = ext,
	                 .value3 = dur};
	emit(p, &ev);
	return PUMP_OK;
}

pump_result pump_cancel_bolus(pump *p, int64_t now, pump_source src, uint16_t bolus_id)
{
	pump_result r = PUMP_OK;
	if (!p->bolus_active || (bolus_id != 0 && bolus_id != p->bolus_id))
		r = PUMP_REFUSED_NO_SUCH_BOLUS;
	command_done(p, now, src, PUMP_CMD_CANCEL_BOLUS, r, bolus_id, 0, 0);
	if (r == PUMP_OK)
		end_bolus(p, now, "canceled", true);
	return r;
}

pump_result pump_temp_basal(pump *p, int64_t now, pump_source src, pump_temp_basal_type type,
                            double value, int duration_min)
{
	pump_result r = PUMP_OK;
	if ((type != PUMP_TBR_ABSOLUTE && type != PUMP_TBR_RELATIVE) || !finite_nonneg(value) ||
	    duration_min < 1 || duration_min > 24 * 60 ||
	    (type == PUMP_TBR_RELATIVE && value > 250.0))
		r = PUMP_REFUSED_INVALID_VALUE;
	if (r == PUMP_OK)
		r = delivery_blocked(p);
	if (r == PUMP_OK) {
		/* The highest rate the temp basal can reach over its duration. */
		double highest = tbr_rate_u_per_h(p, type, value, now);
		if (type == PUMP_TBR_RELATIVE)
			for (size_t i = 0; i < p->cfg.basal_segment_count; i++)
				highest = fmax(highest, p->cfg.basal_segments[i].rate_u_per_h *
				                            value / 100.0);
		if (highest > p->cfg.limits.max_basal_u_per_h + EPS_U)
			r = PUMP_REFUSED_MAX_BASAL;
	}
	if (r == PUMP_OK && p->tbr_active &&
	    !authority_may_change_temp_basal(src, p->tbr_owner, current_rate_u_per_h(p, now),
	                                     tbr_rate_u_per_h(p, type, value, now)))
		r = PUMP_REFUSED_NEEDS_PERSON;
	command_done(p, now, src, PUMP_CMD_TEMP_BASAL, r, value, type, duration_min);
	if (r != PUMP_OK)
		return r;
	/* A temp basal that replaces a higher authority's keeps that authority: a phone that
	 * lowered the person's cannot raise it again. */
	p->tbr_owner = p->tbr_active ? authority_higher(p->tbr_owner, src) : src;
	p->tbr_active = true;
	p->tbr_type = type;
	p->tbr_value = value;
	p->tbr_end_min = now + duration_min;
	return PUMP_OK;
}

pump_result pump_cancel_temp_basal(pump *p, int64_t now, pump_source src)
{
	pump_result r = p->tbr_active ? PUMP_OK : PUMP_REFUSED_NO_TEMP_BASAL;
	if (r == PUMP_OK &&
	    !authority_may_change_temp_basal(
	        src, p->tbr_owner, current_rate_u_per_h(p, now),
	        p->therapy == PUMP_THERAPY_RUN ? programmed_rate_u_per_h(p, now) : 0.0))
		r = PUMP_REFUSED_NEEDS_PERSON;
	command_done(p, now, src, PUMP_CMD_CANCEL_TEMP_BASAL, r, 0, 0, 0);
	if (r == PUMP_OK)
		end_tbr(p, now, false);
	return r;
}

pump_result pump_suspend(pump *p, int64_t now, pump_source src)
{
	pump_result r = p->therapy == PUMP_THERAPY_RUN ? PUMP_OK : PUMP_REFUSED_NOT_APPLICABLE;
	command_done(p, now, src, PUMP_CMD_SUSPEND, r, 0, 0, 0);
	if (r == PUMP_OK)
		halt_delivery(p, now, PUMP_THERAPY_PAUSE, src, "suspended", "canceled");
	return r;
}

pump_result pump_resume(pump *p, int64_t now, pump_source src)
{
	pump_result r = PUMP_OK;
	if (p->therapy == PUMP_THERAPY_RUN)
		r = PUMP_REFUSED_NOT_APPLICABLE;
	else if (p->battery_pct <= 0.0)
		r = PUMP_REFUSED_BATTERY_EMPTY;
	else if (p->occlusion_alarm)
		r = PUMP_REFUSED_OCCLUSION;
	else if (p->reservoir_u <= EPS_U)
		r = PUMP_REFUSED_RESERVOIR_EMPTY;
	else if (!authority_may_resume(src, p->halt_owner))
		r = PUMP_REFUSED_NEEDS_PERSON; /* the person's pause, or the protection's */
	command_done(p, now, src, PUMP_CMD_RESUME, r, 0, 0, 0);
	if (r != PUMP_OK)
		return r;
	if (p->lgs_suspended) {
		/* A person overrides the protection: give it a rest before it acts again. */
		p->lgs_suspended = false;
		p->lgs_refractory_until_min = now + LGS_REFRACTORY_MIN;
	}
	set_therapy(p, now, PUMP_THERAPY_RUN, src, "resumed");
	return PUMP_OK;
}

pump_result pump_stop(pump *p, int64_t now, pump_source src)
{
	pump_result r = p->therapy == PUMP_THERAPY_STOP ? PUMP_REFUSED_NOT_APPLICABLE : PUMP_OK;
	command_done(p, now, src, PUMP_CMD_STOP, r, 0, 0, 0);
	if (r == PUMP_OK)
		halt_delivery(p, now, PUMP_THERAPY_STOP, src, "stopped", "canceled");
	return r;
}

pump_result pump_prime(pump *p, int64_t now, pump_source src, double amount_u)
{
	pump_result r = PUMP_OK;
	if (!authority_may_handle(src, PUMP_CMD_PRIME))
		r = PUMP_REFUSED_NEEDS_PERSON; /* only the person knows the set is off the body */
	else if (!(amount_u > 0.0) || !isfinite(amount_u) || amount_u > 30.0)
		r = PUMP_REFUSED_INVALID_VALUE;
	else if (p->therapy != PUMP_THERAPY_STOP)
		r = PUMP_REFUSED_NOT_APPLICABLE; /* never prime into the patient */
	else if (p->battery_pct <= 0.0)
		r = PUMP_REFUSED_BATTERY_EMPTY;
	else if (amount_u > p->reservoir_u + EPS_U)
		r = PUMP_REFUSED_RESERVOIR_EMPTY;
	command_done(p, now, src, PUMP_CMD_PRIME, r, amount_u, 0, 0);
	if (r != PUMP_OK)
		return r;
	p->reservoir_u -= amount_u;
	p->primed_total_u += amount_u;
	pump_event ev = {.t_min = now, .kind = PUMP_EV_PRIMED, .source = src, .value = amount_u};
	emit(p, &ev);
	return PUMP_OK;
}

pump_result pump_fill_reservoir(pump *p, int64_t now, pump_source src, double amount_u)
{
	pump_result r = PUMP_OK;
	if (!authority_may_handle(src, PUMP_CMD_FILL_RESERVOIR))
		r = PUMP_REFUSED_NEEDS_PERSON; /* a cartridge is changed by hand */
	else if (!(amount_u > 0.0) || !isfinite(amount_u) || amount_u > 1000.0)
		r = PUMP_REFUSED_INVALID_VALUE;
	else if (p->therapy != PUMP_THERAPY_STOP)
		r = PUMP_REFUSED_NOT_APPLICABLE;
	command_done(p, now, src, PUMP_CMD_FILL_RESERVOIR, r, amount_u, 0, 0);
	if (r != PUMP_OK)
		return r;
	/* The old cartridge and what was left in it leave the pump. */
	p->discarded_u += p->reservoir_u;
	p->reservoir_u = amount_u;
	p->reservoir_low_raised = amount_u <= p->cfg.reservoir_low_u;
	pump_event ev = {
	    .t_min = now, .kind = PUMP_EV_RESERVOIR_FILLED, .source = src, .value = amount_u};
	emit(p, &ev);
	return PUMP_OK;
}

pump_result pump_set_max_bolus(pump *p, int64_t now, pump_source src, double max_bolus_u)
{
	pump_result r = PUMP_OK;
	if (!(max_bolus_u > 0.0) || !isfinite(max_bolus_u))
		r = PUMP_REFUSED_INVALID_VALUE;
	else if (!authority_may_set_max_bolus(src, max_bolus_u, p->max_bolus_person_u,
	                                      p->cfg.limits.max_bolus_u))
		r = PUMP_REFUSED_LIMIT_ABOVE_PUMP;
	const bool person = authority_rank(src) >= authority_rank(PUMP_SOURCE_PUMP);
	command_done(p, now, src, PUMP_CMD_SET_MAX_BOLUS, r, max_bolus_u,
	             person ? p->cfg.limits.max_bolus_u : p->max_bolus_person_u, 0);
	if (r != PUMP_OK)
		return r;
	p->max_bolus_in_force_u = max_bolus_u;
	if (person)
		p->max_bolus_person_u = max_bolus_u;
	return r;
}

pump_result pump_confirm_annunciation(pump *p, int64_t now, pump_source src, uint16_t id)
{
	pump_annunciation *a = find_annunciation(p, id);
	pump_result r =
	    a && a->status != PUMP_ANN_CONFIRMED ? PUMP_OK : PUMP_REFUSED_NO_SUCH_ANNUNCIATION;
	if (r == PUMP_OK && !authority_may_acknowledge(src, a->type))
		r = PUMP_REFUSED_NEEDS_PERSON;
	command_done(p, now, src, PUMP_CMD_CONFIRM_ANNUNCIATION, r, id, a ? (double)a->type : 0, 0);
	if (r != PUMP_OK)
		return r;
	a->status = PUMP_ANN_CONFIRMED;
	if (a->type == PUMP_ANN_OCCLUSION && id == p->occlusion_annunciation_id) {
		/* The person has seen the alarm and dealt with the set: therapy may resume. */
		p->occlusion_alarm = false;
		p->missed_u = 0.0;
	}
	emit_annunciation(p, now, a, "confirmed");
	return PUMP_OK;
}

pump_result pump_snooze_annunciation(pump *p, int64_t now, pump_source src, uint16_t id)
{
	pump_annunciation *a = find_annunciation(p, id);
	pump_result r =
	    a && a->status == PUMP_ANN_PENDING ? PUMP_OK : PUMP_REFUSED_NO_SUCH_ANNUNCIATION;
	if (r == PUMP_OK && !authority_may_acknowledge(src, a->type))
		r = PUMP_REFUSED_NEEDS_PERSON;
	command_done(p, now, src, PUMP_CMD_SNOOZE_ANNUNCIATION, r, id, a ? (double)a->type : 0, 0);
	if (r != PUMP_OK)
		return r;
	a->status = PUMP_ANN_SNOOZED;
	p->snoozed_until[a - p->annunciations] = now + SNOOZE_MIN;
	emit_annunciation(p, now, a, "snoozed");
	return PUMP_OK;
}

pump_result pump_change_battery(pump *p, int64_t now, pump_source src)
{
	if (!authority_may_handle(src, PUMP_CMD_CHANGE_BATTERY))
		return command_done(p, now, src, PUMP_CMD_CHANGE_BATTERY, PUMP_REFUSED_NEEDS_PERSON,
		                    100.0, 0, 0);
	command_done(p, now, src, PUMP_CMD_CHANGE_BATTERY, PUMP_OK, 100.0, 0, 0);
	p->battery_pct = 100.0;
	p->battery_extra_drain_pct_per_h = 0.0;
	p->battery_low_raised = false;
	return PUMP_OK;
}

/* The occlusion alarm, as the minute's delivery raises it (pump_tick). */
static void occlusion_alarm(pump *p, int64_t now)
{
	p->occlusion_alarm = true;
	halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP, "occlusion", "uncertain");
	p->occlusion_annunciation_id = raise_annunciation(p, now, PUMP_ANN_OCCLUSION, p->missed_u);
}

/* A burst: advisory annunciations (ones a phone may acknowledge), cycling, AuxInfo = the
 * instance's place in the burst. */
static void annunciation_burst(pump *p, int64_t now, double value)
{
	static const pump_annunciation_type advisory[] = {
	    PUMP_ANN_BOLUS_CANCELED, PUMP_ANN_TBR_OVER,      PUMP_ANN_TBR_CANCELED,
	    PUMP_ANN_BATTERY_LOW,    PUMP_ANN_RESERVOIR_LOW,
	};
	const size_t kinds = sizeof advisory / sizeof advisory[0];
	int n = isfinite(value) && value >= 1.0 ? (int)value : 5;
	if (n > PUMP_ANNUNCIATION_BURST_MAX)
		n = PUMP_ANNUNCIATION_BURST_MAX;
	for (int i = 0; i < n; i++)
		raise_annunciation(p, now, advisory[(size_t)i % kinds], (double)(i + 1));
}

void pump_inject_fault(pump *p, int64_t now, pump_fault f, double value)
{
	pump_inject_fault_by(p, now, f, value, NULL);
}

void pump_inject_fault_by(pump *p, int64_t now, pump_fault f, double value, const char *origin)
{
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_FAULT,
	                 .source = PUMP_SOURCE_PUMP,
	                 .fault = f,
	                 .value = value,
	                 .detail = origin};
	const double missed = isfinite(value) && value > 0.0 ? value : 0.0;
	switch (f) {
	case PUMP_FAULT_OCCLUSION:
		p->occluded = true;
		if (missed > p->missed_u)
			p->missed_u = missed;
		ev.value = missed;
		break;
	case PUMP_FAULT_OCCLUSION_CLEARED:
		p->occluded = false;
		p->missed_u = 0.0;
		break;
	case PUMP_FAULT_BATTERY_DRAIN:
		p->battery_extra_drain_pct_per_h = value > 0.0 && isfinite(value) ? value : 10.0;
		ev.value = p->battery_extra_drain_pct_per_h;
		break;
	case PUMP_FAULT_RESERVOIR_EMPTY:
		p->discarded_u += p->reservoir_u;
		p->reservoir_u = 0.0;
		break;
	case PUMP_FAULT_RESERVOIR_LOW:
		if (p->reservoir_u > p->cfg.reservoir_low_u) {
			p->discarded_u += p->reservoir_u - p->cfg.reservoir_low_u;
			p->reservoir_u = p->cfg.reservoir_low_u;
		}
		ev.value = p->reservoir_u;
		break;
	case PUMP_FAULT_BATTERY_LOW:
		if (p->battery_pct > p->cfg.battery.low_pct)
			p->battery_pct = p->cfg.battery.low_pct;
		ev.value = p->battery_pct;
		break;
	case PUMP_FAULT_BATTERY_DEAD:
		p->battery_pct = 0.0;
		break;
	case PUMP_FAULT_BOLUS_INTERRUPTED:
		ev.value = p->bolus_active ? p->bolus_delivered_u : 0.0;
		break;
	case PUMP_FAULT_ANNUNCIATION_BURST:
		ev.value = isfinite(value) && value >= 1.0
		               ? (value > PUMP_ANNUNCIATION_BURST_MAX ? PUMP_ANNUNCIATION_BURST_MAX
		                                                      : floor(value))
		               : 5.0;
		break;
	default:
		return;
	}
	emit(p, &ev);
	/* What the pump does about it, after the fault is in the audit trail. */
	switch (f) {
	case PUMP_FAULT_OCCLUSION:
		if (p->missed_u >= p->cfg.occlusion_threshold_u - EPS_U && !p->occlusion_alarm)
			occlusion_alarm(p, now);
		break;
	case PUMP_FAULT_RESERVOIR_LOW:
		p->reservoir_low_raised = true;
		raise_annunciation(p, now, PUMP_ANN_RESERVOIR_LOW, p->reservoir_u);
		break;
	case PUMP_FAULT_BATTERY_LOW:
		p->battery_low_raised = true;
		raise_annunciation(p, now, PUMP_ANN_BATTERY_LOW, p->battery_pct);
		break;
	case PUMP_FAULT_BATTERY_DEAD:
		if (p->therapy != PUMP_THERAPY_STOP)
			halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP, "battery empty",
			              "uncertain");
		raise_annunciation(p, now, PUMP_ANN_BATTERY_EMPTY, 0.0);
		break;
	case PUMP_FAULT_BOLUS_INTERRUPTED:
		end_bolus(p, now, "uncertain", true);
		break;
	case PUMP_FAULT_ANNUNCIATION_BURST:
		annunciation_burst(p, now, value);
		break;
	default:
		break;
	}
}

uint16_t pump_announce_new_bond(pump *p, int64_t now, unsigned bond_number)
{
	return raise_annunciation(p, now, PUMP_ANN_NEW_BOND, (double)bond_number);
}

uint16_t pump_announce_pairing_attempts(pump *p, int64_t now, unsigned attempts)
{
	return raise_annunciation(p, now, PUMP_ANN_PAIRING_ATTEMPTS, (double)attempts);
}

uint16_t pump_announce_controller_fallback(pump *p, int64_t now, unsigned minutes_since_reading)
{
	return raise_annunciation(p, now, PUMP_ANN_CONTROLLER_FALLBACK,
	                          (double)minutes_since_reading);
}

/* The radio's share of a minute: never more than it can draw at full duty. */
static void radio_spend(pump *p, int64_t now, double pct)
{
	if (!(pct > 0.0))
		return; /* a radio that costs nothing changes nothing */
	if (now != p->radio_minute) {
		p->radio_minute = now;
		p->radio_spent_pct = 0.0;
	}
	const double cap = p->cfg.battery.radio_max_pct_per_min;
	if (cap > 0.0 && p->radio_spent_pct + pct > cap)
		pct = cap - p->radio_spent_pct;
	if (!(pct > 0.0))
		return;
	p->radio_spent_pct += pct;
	p->battery_pct -= pct;
	if (p->battery_pct < 0.0)
		p->battery_pct = 0.0;
}

void pump_radio_event(pump *p, int64_t now)
{
	radio_spend(p, now, p->cfg.battery.drain_pct_per_radio_event);
}

void pump_radio_link_minutes(pump *p, int64_t now, unsigned links)
{
	radio_spend(p, now, p->cfg.battery.drain_pct_per_link_min * (double)links);
}

/* ---------------------------------------------------------------------------------- */
/* Low-glucose protection                                                              */
/* ---------------------------------------------------------------------------------- */

static void cgm_remember(pump *p, int64_t now, double mgdl)
{
	size_t slot = (p->cgm_head + p->cgm_count) % CGM_HISTORY;
	if (p->cgm_count == CGM_HISTORY) {
		p->cgm_head = (p->cgm_head + 1) % CGM_HISTORY;
		p->cgm_count--;
		slot = (p->cgm_head + p->cgm_count) % CGM_HISTORY;
	}
	p->cgm[slot] = (timed_amount){now, mgdl};
	p->cgm_count++;
}

/* Least-squares line through the readings of the last 20 min; false if too few. */
static bool cgm_predict(const pump *p, int64_t now, int horizon_min, double *out)
{
	double n = 0, st = 0, sg = 0, stt = 0, stg = 0;
	int64_t first = now;
	for (size_t i = 0; i < p->cgm_count; i++) {
		const timed_amount *r = &p->cgm[(p->cgm_head + i) % CGM_HISTORY];
		if (now - r->t_min > LGS_TREND_WINDOW_MIN)
			continue;
		double t = (double)(r->t_min - now);
		n += 1;
		st += t;
		sg += r->u;
		stt += t * t;
		stg += t * r->u;
		if (r->t_min < first)
			first = r->t_min;
	}
	if (n < 2 || now - first < 5)
		return false;
	const double den = n * stt - st * st;
	if (den <= 0)
		return false;
	const double slope = (n * stg - st * sg) / den;
	const double at_now = (sg - slope * st) / n;
	*out = at_now + slope * horizon_min;
	return true;
}

static void lgs_evaluate(pump *p, int64_t now, double cgm_mgdl)
{
	const pump_low_glucose_protection *lgs = &p->cfg.lgs;
	if (!lgs->enabled || !isfinite(cgm_mgdl))
		return;
	cgm_remember(p, now, cgm_mgdl);
	double predicted = NAN;
	const bool has_prediction = cgm_predict(p, now, lgs->horizon_min, &predicted);
	if (p->lgs_suspended) {
		const bool recovered =
		    now - p->lgs_since_min >= LGS_MIN_SUSPEND_MIN &&
		    cgm_mgdl >= lgs->resume_above_mgdl &&
		    (!lgs->predictive || !has_prediction || predicted >= lgs->resume_above_mgdl);
		const bool too_long =
		    lgs->max_suspend_min > 0 && now - p->lgs_since_min >= lgs->max_suspend_min;
		if (recovered || too_long) {
			p->lgs_suspended = false;
			if (too_long)
				p->lgs_refractory_until_min = now + LGS_REFRACTORY_MIN;
			set_therapy(p, now, PUMP_THERAPY_RUN, PUMP_SOURCE_AUTOMATION,
			            too_long ? "low-glucose suspend ended: time limit"
			                     : "low-glucose suspend ended: glucose recovered");
			raise_annunciation(p, now, PUMP_ANN_LOW_GLUCOSE_RESUME, cgm_mgdl);
		}
		return;
	}
	if (p->therapy != PUMP_THERAPY_RUN || now < p->lgs_refractory_until_min)
		return;
	const bool low = lgs->suspend_below_mgdl > 0.0 && cgm_mgdl <= lgs->suspend_below_mgdl;
	const bool heading_low = lgs->predictive && has_prediction &&
	                         predicted < lgs->predict_below_mgdl &&
	                         cgm_mgdl <= lgs->predict_below_mgdl + LGS_PREDICTIVE_REACH_MGDL;
	if (!low && !heading_low)
		return;
	halt_delivery(p, now, PUMP_THERAPY_PAUSE, PUMP_SOURCE_AUTOMATION,
	              low ? "low-glucose suspend: at threshold"
	                  : "low-glucose suspend: predicted low",
	              "canceled");
	p->lgs_suspended = true;
	p->lgs_since_min = now;
	raise_annunciation(p, now, PUMP_ANN_LOW_GLUCOSE_SUSPEND, cgm_mgdl);
}

/* ---------------------------------------------------------------------------------- */
/* The minute                                                                          */
/* ---------------------------------------------------------------------------------- */

static void battery_tick(pump *p, int64_t now)
{
	p->battery_pct -=
	    (p->cfg.battery.drain_pct_per_h + p->battery_extra_drain_pct_per_h) / 60.0;
	if (p->battery_pct <= 0.0) {
		p->battery_pct = 0.0;
		if (p->therapy != PUMP_THERAPY_STOP) {
			halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP, "battery empty",
			              "uncertain");
			raise_annunciation(p, now, PUMP_ANN_BATTERY_EMPTY, 0.0);
		}
	} else if (!p->battery_low_raised && p->battery_pct <= p->cfg.battery.low_pct) {
		p->battery_low_raised = true;
		raise_annunciation(p, now, PUMP_ANN_BATTERY_LOW, p->battery_pct);
	}
}

static void annunciations_tick(pump *p, int64_t now)
{
	for (size_t i = 0; i < p->annunciation_count; i++) {
		pump_annunciation *a = &p->annunciations[i];
		if (a->status == PUMP_ANN_SNOOZED && now >= p->snoozed_until[i]) {
			a->status = PUMP_ANN_PENDING;
			emit_annunciation(p, now, a, "snooze over");
		}
	}
}

/* Intended bolus of this minute, before faults; advances the bolus's own progress. */
static double bolus_this_minute_u(pump *p)
{
	if (!p->bolus_active)
		return 0.0;
	double u = 0.0;
	if (instant_mode(p)) {
		u += p->instant_immediate_left_u;
		p->instant_immediate_left_u = 0.0;
		if (p->instant_extended_u > 0.0) {
			p->extended_elapsed_min++;
			double target = p->instant_extended_u * p->extended_elapsed_min /
			                p->extended_duration_min;
			if (p->extended_elapsed_min >= p->extended_duration_min)
				target = p->instant_extended_u;
			u += target - p->extended_done_u;
			p->extended_done_u = target;
		}
		return u;
	}
	const int64_t speed = pulses_per_minute(p);
	int64_t pulses = p->immediate_pulses_left < speed ? p->immediate_pulses_left : speed;
	p->immediate_pulses_left -= pulses;
	if (p->extended_pulses_total > 0) {
		p->extended_elapsed_min++;
		int64_t target =
		    p->extended_pulses_total * p->extended_elapsed_min / p->extended_duration_min;
		if (target > p->extended_pulses_total)
			target = p->extended_pulses_total;
		/* The minute's pulses never beat the bolus speed: while a multiwave's immediate
		 * part runs, its extended part waits and catches up after. */
		int64_t due = target - p->extended_pulses_done;
		if (due > speed - pulses)
			due = speed - pulses;
		pulses += due;
		p->extended_pulses_done += due;
	}
	return (double)pulses * p->cfg.pulse_u;
}

static void record_minute(pump *p, int64_t now, double delivered_u)
{
	const size_t slot = (size_t)(now % DAY_MIN);
	/* Minutes skipped (ticks not called) count as nothing delivered. */
	if (p->has_ticked && now - p->last_tick_min > 1) {
		for (int64_t m = p->last_tick_min + 1; m < now && m <= p->last_tick_min + DAY_MIN;
		     m++) {
			p->delivered_24h_u -= p->minute_delivered_u[m % DAY_MIN];
			p->minute_delivered_u[m % DAY_MIN] = 0.0;
		}
	}
	p->delivered_24h_u += delivered_u - p->minute_delivered_u[slot];
	p->minute_delivered_u[slot] = delivered_u;
	if (now % RECOMPUTE_SUM_EVERY_MIN == 0) {
		/* Re-add exactly once a day so that the running sum cannot drift. */
		double s = 0.0;
		for (int i = 0; i < DAY_MIN; i++)
			s += p->minute_delivered_u[i];
		p->delivered_24h_u = s;
	}
	if (p->delivered_24h_u < 0.0)
		p->delivered_24h_u = 0.0;
	p->last_tick_min = now;
	p->has_ticked = true;
}

pump_delivery pump_tick(pump *p, int64_t now, double cgm_mgdl)
{
	pump_delivery d = {0};
	annunciations_tick(p, now);
	battery_tick(p, now);
	if (p->tbr_active && now >= p->tbr_end_min) {
		p->tbr_active = false;
		raise_annunciation(p, now, PUMP_ANN_TBR_OVER, 0.0);
	}
	lgs_evaluate(p, now, cgm_mgdl);

	double basal = basal_this_minute_u(p, now);
	double bolus = p->therapy == PUMP_THERAPY_RUN ? bolus_this_minute_u(p) : 0.0;
	bool bolus_counted = false; /* already added to the bolus and IOB */

	/* Hard limit on the rolling 24 h total: deliver what fits, then stop and say so. */
	if (basal + bolus > 0.0) {
		const double room = p->cfg.limits.max_daily_u - delivered_24h_before(p, now);
		if (basal + bolus > room + EPS_U) {
			const double fit = room > 0.0 ? room : 0.0;
			const double basal_fit = basal < fit ? basal : fit;
			bolus = fit - basal_fit;
			basal = basal_fit;
			/* The bolus ends with what this minute still delivers counted in. */
			p->bolus_delivered_u += bolus;
			if (bolus > 0.0)
				iob_add(p, now, bolus);
			halt_delivery(p, now, PUMP_THERAPY_PAUSE, PUMP_SOURCE_PUMP,
			              "maximum daily delivery reached", "canceled");
			bolus_counted = true;
			raise_annunciation(p, now, PUMP_ANN_MAX_DELIVERY,
			                   p->cfg.limits.max_daily_u);
		}
	}

	double intended = basal + bolus;
	if (intended > 0.0 && p->occluded) {
		/* Nothing reaches the patient and the plunger stalls: nothing is consumed. */
		p->missed_u += intended;
		basal = bolus = 0.0;
		if (p->missed_u >= p->cfg.occlusion_threshold_u - EPS_U && !p->occlusion_alarm)
			occlusion_alarm(p, now);
	} else if (intended > p->reservoir_u) {
		/* The reservoir runs dry this minute: deliver the rest, then stop. */
		const double rest = p->reservoir_u;
		const double basal_part = basal < rest ? basal : rest;
		bolus = bolus_counted ? bolus : rest - basal_part;
		basal = basal_part;
	}

	const double delivered = basal + bolus;
	if (delivered > 0.0) {
		p->reservoir_u -= delivered;
		if (p->reservoir_u < EPS_U)
			p->reservoir_u = 0.0;
		p->delivered_total_u += delivered;
		p->battery_pct -= delivered * p->cfg.battery.drain_pct_per_u;
		if (p->battery_pct < 0.0)
			p->battery_pct = 0.0;
		if (bolus > 0.0 && !bolus_counted) {
			iob_add(p, now, bolus);
			p->bolus_delivered_u += bolus;
		}
	}
	record_minute(p, now, delivered);
	d.basal_u = basal;
	d.bolus_u = bolus;

	if (p->bolus_active && bolus_remaining_u(p) <= EPS_U) {
		/* Every pulse was attempted; what an occluded line swallowed is not delivered. */
		const bool whole = p->bolus_delivered_u + EPS_U >= p->bolus_programmed_u;
		end_bolus(p, now, whole ? "completed" : "uncertain", !whole);
	}
	if (p->reservoir_u <= EPS_U && p->therapy != PUMP_THERAPY_STOP) {
		halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP, "reservoir empty",
		              "uncertain");
		raise_annunciation(p, now, PUMP_ANN_RESERVOIR_EMPTY, 0.0);
	} else if (!p->reservoir_low_raised && p->reservoir_u <= p->cfg.reservoir_low_u) {
		p->reservoir_low_raised = true;
		raise_annunciation(p, now, PUMP_ANN_RESERVOIR_LOW, p->reservoir_u);
	}

	const double rate = current_rate_u_per_h(p, now);
	if (!p->reported_basal_valid || rate != p->reported_basal_u_per_h) {
		p->reported_basal_u_per_h = rate;
		p->reported_basal_valid = true;
		pump_event ev = {.t_min = now,
		                 .kind = PUMP_EV_BASAL_CHANGED,
		                 .value = rate,
		                 .value2 = p->tbr_active ? 1.0 : 0.0};
		emit(p, &ev);
	}
	return d;
}

/* ---------------------------------------------------------------------------------- */
/* Status                                                                              */
/* ---------------------------------------------------------------------------------- */

void pump_get_status(const pump *p, pump_status *out)
{
	const int64_t now = p->has_ticked ? p->last_tick_min : 0;
	*out = (pump_status){
	    .therapy = p->therapy,
	    .suspended_by_lgs = p->lgs_suspended,
	    .basal_rate_u_per_h = current_rate_u_per_h(p, now),
	    .programmed_basal_u_per_h = programmed_rate_u_per_h(p, now),
	    .temp_basal_active = p->tbr_active,
	    .temp_basal_type = p->tbr_type,
	    .temp_basal_value = p->tbr_value,
	    .temp_basal_end_min = p->tbr_end_min,
	    .bolus_active = p->bolus_active,
	    .bolus_id = p->bolus_id,
	    .bolus_type = p->bolus_type,
	    .bolus_programmed_u = p->bolus_programmed_u,
	    .bolus_delivered_u = p->bolus_delivered_u,
	    .reservoir_u = p->reservoir_u,
	    .battery_pct = p->battery_pct,
	    .delivered_total_u = p->delivered_total_u,
	    .primed_total_u = p->primed_total_u,
	    .discarded_u = p->discarded_u,
	    .delivered_24h_u = p->delivered_24h_u,
	    .occluded = p->occluded,
	    .max_bolus_u = p->max_bolus_in_force_u,
	    .max_bolus_person_u = p->max_bolus_person_u,
	    .halted_by = p->halt_owner,
	    .temp_basal_set_by = p->tbr_owner,
	};
	for (size_t i = 0; i < p->annunciation_count; i++)
		out->annunciation_count += p->annunciations[i].status != PUMP_ANN_CONFIRMED;
}

size_t pump_active_annunciations(const pump *p, pump_annunciation *out, size_t cap)
{
	size_t n = 0;
	/* Newest first: ids grow with time. */
	uint16_t below = UINT16_MAX;
	while (n < cap) {
		const pump_annunciation *best = NULL;
		for (size_t i = 0; i < p->annunciation_count; i++) {
			const pump_annunciation *a = &p->annunciations[i];
			if (a->status != PUMP_ANN_CONFIRMED && a->id < below &&
			    (!best || a->id > best->id))
				best = a;
		}
		if (!best)
			break;
		out[n++] = *best;
		below = best->id;
	}
	return n;
}

bool pump_newest_annunciation(const pump *p, pump_annunciation *out)
{
	return pump_active_annunciations(p, out, 1) == 1;
}
