/*
 * controller — the interface, the settings and the rules every algorithm obeys (see
 * controller.h): fallback on a missing or stale CGM, nothing asked of a pump that is not
 * delivering, the person's temp basal left alone, the controller's own max-basal and
 * max-IOB limits, rounding to what the pump can deliver, and no re-sending of a temp basal
 * that already runs. The algorithms (controller_*.c) only decide.
 *
 * Must never: ask for a rate above max_basal or below 0; ask for automatic insulin that
 * takes net IOB above max_iob; dose on a stale reading; do I/O or allocate in a step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controller_internal.h"
#include "insulin_curve.h"

static const char *const algorithm_names[CONTROLLER_ALGORITHM_COUNT] = {
    [CONTROLLER_BASAL_BOLUS] = "basal-bolus",
    [CONTROLLER_PID_IFB] = "pid-ifb",
    [CONTROLLER_OREF0] = "oref0",
};

static const char *const status_names[CONTROLLER_STATUS_COUNT] = {
    [CONTROLLER_DOSING] = "dosing",           [CONTROLLER_CGM_MISSING] = "cgm_missing",
    [CONTROLLER_CGM_STALE] = "cgm_stale",     [CONTROLLER_NOT_DELIVERING] = "not_delivering",
    [CONTROLLER_PERSON_TEMP] = "person_temp", [CONTROLLER_LOW_SUSPEND] = "low_suspend",
};

const char *controller_algorithm_name(controller_algorithm a)
{
	return (unsigned)a < CONTROLLER_ALGORITHM_COUNT ? algorithm_names[a] : "unknown";
}

bool controller_algorithm_from_name(const char *name, controller_algorithm *out)
{
	for (int i = 0; name && i < CONTROLLER_ALGORITHM_COUNT; i++)
		if (strcmp(name, algorithm_names[i]) == 0) {
			*out = (controller_algorithm)i;
			return true;
		}
	return false;
}

const char *controller_status_name(controller_status s)
{
	return (unsigned)s < CONTROLLER_STATUS_COUNT ? status_names[s] : "unknown";
}

static const controller_algorithm_ops *ops_for(controller_algorithm a)
{
	switch (a) {
	case CONTROLLER_BASAL_BOLUS:
		return &controller_basal_bolus_ops;
	case CONTROLLER_PID_IFB:
		return &controller_pid_ifb_ops;
	case CONTROLLER_OREF0:
		return &controller_oref0_ops;
	case CONTROLLER_ALGORITHM_COUNT:
		break;
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------- */
/* Settings                                                                            */
/* ---------------------------------------------------------------------------------- */

/* Children: the conservative settings (docs/controllers.md, "Settings from the clinic"). */
enum { CHILD_UNDER_YEARS = 13 };

void controller_settings_for_therapy(controller_algorithm algorithm, const controller_therapy *t,
                                     controller_settings *out)
{
	const double basal = t->basal_u_per_h;
	const double tdi = t->total_daily_insulin_u;
	const bool child = t->age_years < CHILD_UNDER_YEARS;
	const bool reference = algorithm == CONTROLLER_BASAL_BOLUS;
	double cr = t->carb_ratio_g_per_u;
	if (!reference && child && 500.0 / tdi > cr)
		cr = 500.0 / tdi;
	*out = (controller_settings){
	    .algorithm = algorithm,
	    .target_mgdl = child ? 110.0 : 100.0,
	    .carb_ratio_g_per_u = cr,
	    .correction_factor_mgdl_per_u =
	        reference ? t->correction_factor_mgdl_per_u : 1800.0 / tdi,
	    .total_daily_insulin_u = tdi,
	    .max_basal_u_per_h = 4.0 * basal,
	    .max_iob_u = 2.0 * basal,
	    .low_suspend_mgdl = 70.0,
	    .insulin_action_min = 420,
	    .insulin_peak_min = 100,
	    .interval_min = 5,
	    .temp_duration_min = 30,
	    .cgm_stale_min = 15,
	    .basal_step_u_per_h = 0.05,
	    .pulse_u = 0.05,
	    .basal_bolus = {.correct_above_mgdl = 150.0, .correct_to_mgdl = 140.0},
	    .pid = {.kp_u_per_h_per_mgdl = tdi / 24.0 / 240.0,
	            .ti_min = 450.0,
	            .td_min = 60.0,
	            .ifb_gamma = 0.5,
	            .ifb_tau1_min = 55.0,
	            .ifb_tau2_min = 70.0,
	            .slope_window_min = 20,
	            .meal_bolus_fraction = 1.0,
	            .integral_low_u_per_h = basal,
	            .integral_high_u_per_h = 0.3 * basal},
	    .oref0 = {.max_daily_safety_multiplier = 3.0,
	              .current_basal_safety_multiplier = 4.0,
	              .min_5m_carbimpact_mgdl = 8.0,
	              .remaining_carbs_time_min = 180,
	              .max_cob_g = 120.0,
	              .smb = true,
	              .uam = false,
	              .smb_uam = false,
	              .max_smb_basal_min = 30.0,
	              .max_uam_smb_basal_min = 30.0,
	              .smb_fraction = 0.5,
	              .smb_interval_min = 3,
	              .low_temp_factor = 2.0,
	              .autosens = false,
	              .autosens_min = 0.7,
	              .autosens_max = 1.2,
	              .meal_bolus_fraction = 1.0,
	              .meal_iob_fraction = 1.0},
	};
}

static bool positive(double v)
{
	return isfinite(v) && v > 0.0;
}

const char *controller_settings_check(const controller_settings *s)
{
	if (!s)
		return "no settings";
	if ((unsigned)s->algorithm >= CONTROLLER_ALGORITHM_COUNT)
		return "unknown algorithm";
	if (!positive(s->target_mgdl) || s->target_mgdl < 70.0 || s->target_mgdl > 200.0)
		return "target must be 70 … 200 mg/dL";
	if (!positive(s->carb_ratio_g_per_u) || !positive(s->correction_factor_mgdl_per_u))
		return "carb ratio and correction factor must be > 0";
	if (!positive(s->total_daily_insulin_u))
		return "total daily insulin must be > 0 U";
	if (!isfinite(s->max_basal_u_per_h) || s->max_basal_u_per_h < 0.0)
		return "max_basal must be >= 0 U/h";
	if (!isfinite(s->max_iob_u) || s->max_iob_u < 0.0)
		return "max_iob must be >= 0 U";
	if (!isfinite(s->low_suspend_mgdl) || s->low_suspend_mgdl < 0.0 ||
	    s->low_suspend_mgdl >= s->target_mgdl)
		return "low_suspend must be >= 0 and below the target";
	if (s->insulin_action_min < 60 || s->insulin_action_min > 1440 || s->insulin_peak_min < 1 ||
	    2 * s->insulin_peak_min >= s->insulin_action_min)
		return "insulin action must be 1 … 24 h with its peak under half of it";
	if (s->interval_min < 1 || s->interval_min > 60)
		return "interval must be 1 … 60 min";
	if (s->temp_duration_min < s->interval_min || s->temp_duration_min > 120)
		return "temp duration must be interval … 120 min";
	if (s->cgm_stale_min < 1 || s->cgm_stale_min > 60)
		return "cgm_stale must be 1 … 60 min";
	if (!positive(s->basal_step_u_per_h) || !positive(s->pulse_u))
		return "basal step and pulse must be > 0";
	const controller_pid_tuning *p = &s->pid;
	if (!isfinite(p->kp_u_per_h_per_mgdl) || p->kp_u_per_h_per_mgdl < 0.0 ||
	    !positive(p->ti_min) || !isfinite(p->td_min) || p->td_min < 0.0 ||
	    !isfinite(p->ifb_gamma) || p->ifb_gamma < 0.0 || p->ifb_gamma > 5.0 ||
	    !positive(p->ifb_tau1_min) || !positive(p->ifb_tau2_min) || p->slope_window_min < 5 ||
	    p->slope_window_min > 60 || !isfinite(p->meal_bolus_fraction) ||
	    p->meal_bolus_fraction < 0.0 || p->meal_bolus_fraction > 1.0 ||
	    !isfinite(p->integral_low_u_per_h) || p->integral_low_u_per_h < 0.0 ||
	    !isfinite(p->integral_high_u_per_h) || p->integral_high_u_per_h < 0.0)
		return "pid-ifb tuning out of range";
	const controller_oref0_tuning *o = &s->oref0;
	if (!positive(o->max_daily_safety_multiplier) ||
	    !positive(o->current_basal_safety_multiplier) || !isfinite(o->min_5m_carbimpact_mgdl) ||
	    o->min_5m_carbimpact_mgdl < 0.0 || o->remaining_carbs_time_min < 30 ||
	    o->remaining_carbs_time_min > 600 || !isfinite(o->max_cob_g) || o->max_cob_g < 0.0 ||
	    !isfinite(o->max_smb_basal_min) || o->max_smb_basal_min < 0.0 ||
	    o->max_smb_basal_min > 120.0 || !isfinite(o->max_uam_smb_basal_min) ||
	    o->max_uam_smb_basal_min < 0.0 || o->max_uam_smb_basal_min > 120.0 ||
	    !isfinite(o->smb_fraction) || o->smb_fraction < 0.0 || o->smb_fraction > 1.0 ||
	    o->smb_interval_min < 1 || !isfinite(o->low_temp_factor) || o->low_temp_factor < 0.0 ||
	    !isfinite(o->autosens_min) || !isfinite(o->autosens_max) || o->autosens_min <= 0.0 ||
	    o->autosens_min > 1.0 || o->autosens_max < 1.0 || o->autosens_max > 3.0 ||
	    !isfinite(o->meal_bolus_fraction) || o->meal_bolus_fraction < 0.0 ||
	    o->meal_bolus_fraction > 1.0)
		return "oref0 tuning out of range";
	return NULL;
}

/* ---------------------------------------------------------------------------------- */
/* Life                                                                                */
/* ---------------------------------------------------------------------------------- */

controller *controller_new(const controller_settings *s)
{
	if (controller_settings_check(s))
		return NULL;
	controller *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->s = *s;
	c->remaining_step_min = s->interval_min < 5 ? 5 : s->interval_min;
	for (size_t k = 0; k <= CONTROLLER_FORECAST_MAX; k++)
		c->remaining_at_step[k] = insulin_curve_remaining(
		    (double)k * 5.0, s->insulin_action_min, s->insulin_peak_min);
	return c;
}

void controller_free(controller *c)
{
	free(c);
}

const controller_settings *controller_get_settings(const controller *c)
{
	return &c->s;
}

double controller_remaining_at_step(const controller *c, size_t k, int step_min)
{
	if (step_min == 5 && k <= CONTROLLER_FORECAST_MAX)
		return c->remaining_at_step[k];
	return insulin_curve_remaining((double)k * step_min, c->s.insulin_action_min,
	                               c->s.insulin_peak_min);
}

/* ---------------------------------------------------------------------------------- */
/* Glucose status                                                                      */
/* ---------------------------------------------------------------------------------- */

/* The three average deltas (per 5 min) from the readings aged (2.5, 7.5], (2.5, 17.5] and
 * (17.5, 42.5] minutes before the newest, in one pass; found[k] when any. */
static void avg_deltas(const controller_input *in, double out[3], bool found[3])
{
	const controller_reading *newest = &in->cgm[in->cgm_count - 1];
	double sum[3] = {0.0, 0.0, 0.0};
	int n[3] = {0, 0, 0};
	for (size_t i = in->cgm_count - 1; i-- > 0;) {
		const double age = (double)(newest->t_min - in->cgm[i].t_min);
		if (age > 42.5)
			break;
		if (age <= 2.5)
			continue;
		const double d = (newest->mgdl - in->cgm[i].mgdl) / age * 5.0;
		if (age <= 7.5) {
			sum[0] += d;
			n[0]++;
		}
		if (age <= 17.5) {
			sum[1] += d;
			n[1]++;
		} else {
			sum[2] += d;
			n[2]++;
		}
	}
	for (int k = 0; k < 3; k++) {
		found[k] = n[k] > 0;
		out[k] = n[k] > 0 ? sum[k] / n[k] : 0.0;
	}
}

static double lsq_slope(const controller_input *in, int window_min)
{
	const controller_reading *newest = &in->cgm[in->cgm_count - 1];
	double n = 0, st = 0, sg = 0, stt = 0, stg = 0;
	for (size_t i = in->cgm_count; i-- > 0;) {
		const double t = (double)(in->cgm[i].t_min - newest->t_min);
		if (-t > window_min)
			break;
		n += 1;
		st += t;
		sg += in->cgm[i].mgdl;
		stt += t * t;
		stg += t * in->cgm[i].mgdl;
	}
	const double den = n * stt - st * st;
	if (n < 2 || den <= 0.0)
		return 0.0;
	return (n * stg - st * sg) / den;
}

static void glucose_status(const controller *c, const controller_input *in, controller_glucose *g)
{
	*g = (controller_glucose){.bg_mgdl = NAN,
	                          .delta_mgdl_per_5min = NAN,
	                          .short_avgdelta = NAN,
	                          .long_avgdelta = NAN};
	/* Only readings at or before now count; a non-finite newest reading is no reading. */
	size_t count = in->cgm_count;
	while (count > 0 &&
	       (in->cgm[count - 1].t_min > in->now_min || !isfinite(in->cgm[count - 1].mgdl)))
		count--;
	if (!in->cgm || count == 0)
		return;
	controller_input view = *in;
	view.cgm_count = count;
	const controller_reading *newest = &in->cgm[count - 1];
	g->any = true;
	g->bg_mgdl = newest->mgdl;
	g->age_min = in->now_min - newest->t_min;
	g->fresh = g->age_min <= c->s.cgm_stale_min;
	double d[3];
	bool found[3];
	avg_deltas(&view, d, found);
	const bool has_delta = found[0], has_short = found[1], has_long = found[2];
	double delta = d[0];
	const double short_avg = d[1], long_avg = d[2];
	/* Sparse history (a dropout): the nearest average stands in, else no change. */
	if (!has_delta)
		delta = has_short ? short_avg : 0.0;
	g->delta_mgdl_per_5min = delta;
	g->short_avgdelta = has_short ? short_avg : delta;
	g->long_avgdelta = has_long ? long_avg : g->short_avgdelta;
	/* the PID's derivative only: a least-squares line is not free */
	g->slope_mgdl_per_min = c->s.algorithm == CONTROLLER_PID_IFB
	                            ? lsq_slope(&view, c->s.pid.slope_window_min)
	                            : 0.0;
}

/* ---------------------------------------------------------------------------------- */
/* The step                                                                            */
/* ---------------------------------------------------------------------------------- */

static double round_down_to(double v, double step)
{
	return floor(v / step + 1e-9) * step;
}

/* The meal bolus, rounded down to the pulse; 0 when no carbs were announced. */
static double meal_bolus(const controller *c, const controller_input *in, double bg_mgdl,
                         const controller_algorithm_ops *ops)
{
	if (!(in->carbs_g > 0.0) || !isfinite(in->carbs_g))
		return 0.0;
	const double u = ops->meal_bolus_u(c, in, bg_mgdl);
	return isfinite(u) && u > 0.0 ? round_down_to(u, c->s.pulse_u) : 0.0;
}

/* The controller's own limits and the pump's resolution on what the algorithm asked. */
static void limit(const controller *c, const controller_input *in, controller_decision *d)
{
	const controller_settings *s = &c->s;
	const double basal = in->scheduled_basal_u_per_h;
	if (d->action == CONTROLLER_SET_TEMP) {
		double rate = d->rate_u_per_h;
		if (!isfinite(rate) || rate < 0.0)
			rate = 0.0;
		if (rate > s->max_basal_u_per_h) {
			rate = s->max_basal_u_per_h;
			d->limits |= CONTROLLER_LIMIT_MAX_BASAL;
		}
		/* Above the basal, a temp adds insulin: never past max_iob over its duration. */
		if (rate > basal) {
			const double room_u = s->max_iob_u - in->insulin.net_iob_u;
			const double cap =
			    basal + (room_u > 0.0 ? room_u : 0.0) * 60.0 / s->temp_duration_min;
			if (rate > cap) {
				rate = cap > basal ? cap : basal;
				d->limits |= CONTROLLER_LIMIT_MAX_IOB;
			}
		}
		rate = round_down_to(rate, s->basal_step_u_per_h);
		d->rate_u_per_h = rate;
		d->duration_min = s->temp_duration_min;
	}
	if (d->bolus_u > 0.0 && !d->bolus_is_meal) {
		const double room_u = s->max_iob_u - in->insulin.net_iob_u;
		if (d->bolus_u > room_u) {
			d->bolus_u = room_u > 0.0 ? room_u : 0.0;
			d->limits |= CONTROLLER_LIMIT_MAX_IOB;
		}
	}
	if (d->bolus_u > 0.0 && in->pump.bolus_active) {
		d->bolus_u = 0.0;
		d->limits |= CONTROLLER_LIMIT_BOLUS_ACTIVE;
	}
	d->bolus_u = d->bolus_u > 0.0 ? round_down_to(d->bolus_u, s->pulse_u) : 0.0;
}

/* Ask the pump only for a change: a temp at the same rate with time left is kept. */
static void settle_action(const controller *c, const controller_input *in, controller_decision *d)
{
	const controller_pump *p = &in->pump;
	if (d->action == CONTROLLER_SET_TEMP && p->temp_active && p->temp_is_controllers &&
	    fabs(p->temp_u_per_h - d->rate_u_per_h) < c->s.basal_step_u_per_h / 2.0 &&
	    p->temp_remaining_min > c->s.temp_duration_min - 3 * c->s.interval_min)
		d->action = CONTROLLER_KEEP;
	/* The programmed basal: end the controller's (or a phone's) temp, if one runs. */
	if (d->action == CONTROLLER_SET_TEMP &&
	    fabs(d->rate_u_per_h - in->scheduled_basal_u_per_h) < c->s.basal_step_u_per_h / 2.0)
		d->action = CONTROLLER_CANCEL_TEMP;
	if (d->action == CONTROLLER_CANCEL_TEMP && !p->temp_active)
		d->action = CONTROLLER_KEEP;
}

void controller_step(controller *c, const controller_input *in, controller_decision *out)
{
	const controller_algorithm_ops *ops = ops_for(c->s.algorithm);
	*out = (controller_decision){
	    .status = CONTROLLER_DOSING,
	    .action = CONTROLLER_KEEP,
	    .bg_mgdl = NAN,
	    .delta_mgdl_per_5min = NAN,
	    .predicted_mgdl = NAN,
	    .min_predicted_mgdl = NAN,
	    .iob_u = in->insulin.net_iob_u,
	    .cob_g = NAN,
	    .insulin_req_u = NAN,
	    .sensitivity_ratio = 1.0,
	    .requested_rate_u_per_h = NAN,
	    .requested_bolus_u = 0.0,
	};
	double dt = c->s.interval_min;
	if (c->stepped && in->now_min > c->last_step_min)
		dt = (double)(in->now_min - c->last_step_min);
	c->stepped = true;
	c->last_step_min = in->now_min;

	controller_glucose g;
	glucose_status(c, in, &g);
	if (g.any) {
		out->bg_mgdl = g.bg_mgdl;
		out->delta_mgdl_per_5min = g.delta_mgdl_per_5min;
	}
	ops->observe(c, in, &g, dt);

	if (!in->pump.delivering) {
		out->status = CONTROLLER_NOT_DELIVERING;
		out->why = "the pump is not delivering: nothing asked";
		return;
	}
	if (!g.fresh) {
		/* Fallback: the programmed basal; an announced meal still gets its carbs. */
		out->status = g.any ? CONTROLLER_CGM_STALE : CONTROLLER_CGM_MISSING;
		out->why = g.any ? "CGM stale: programmed basal" : "no CGM yet: programmed basal";
		if (in->pump.temp_is_controllers)
			out->action = CONTROLLER_CANCEL_TEMP;
		out->bolus_u = out->requested_bolus_u = meal_bolus(c, in, NAN, ops);
		out->bolus_is_meal = out->bolus_u > 0.0;
		limit(c, in, out);
		return;
	}
	const double meal_u = meal_bolus(c, in, g.bg_mgdl, ops);
	if (in->pump.temp_is_persons) {
		out->status = CONTROLLER_PERSON_TEMP;
		out->why = "the person's temp basal runs: left alone";
		out->bolus_u = out->requested_bolus_u = meal_u;
		out->bolus_is_meal = meal_u > 0.0;
		limit(c, in, out);
		return;
	}
	ops->decide(c, in, &g, dt, out);
	if (meal_u > 0.0) {
		/* The meal bolus replaces any micro-bolus of the same step. */
		out->bolus_u = out->requested_bolus_u = meal_u;
		out->bolus_is_meal = true;
	}
	if (out->action == CONTROLLER_SET_TEMP)
		out->requested_rate_u_per_h = out->rate_u_per_h;
	limit(c, in, out);
	settle_action(c, in, out);
}
