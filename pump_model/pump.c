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
 *
 * This file: the configuration (defaults, checks), the pump's lifetime (new, free, clone,
 * compare), the audit trail every other pump file reports through and the state check
 * every delivery command makes. It calls none of the other pump files: they all stand on
 * it. The rest of the state machine lives one concept a file (see pump_internal.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pump_internal.h"

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

void pump_emit(const pump *p, const pump_event *ev)
{
	if (p->cfg.on_event)
		p->cfg.on_event(ev, p->cfg.user_data);
}

pump_result pump_command_done(const pump *p, int64_t now, pump_source src, pump_command cmd,
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
	pump_emit(p, &ev);
	return r;
}

/*
 * Refusals that depend on the pump's state, common to delivery commands. It reads what
 * several parts own (battery, occlusion alarm, reservoir, therapy) and is asked by the
 * delivery commands (basal, bolus), which the therapy's halt itself calls: so it stands
 * here, with the state, below them all.
 */
pump_result pump_delivery_blocked(const pump *p)
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
