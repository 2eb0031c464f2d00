/*
 * pump_basal — basal delivery: the programmed profile (or a steady rate), temporary basal
 * rates (absolute or relative, never above max_basal at any point of their duration) and
 * who may change or cancel one (authority.c). Basal is a continuous rate: rate/60 U a
 * minute (docs/pump.md).
 */
#include "authority.h"
#include "pump_internal.h"

double pump_programmed_rate_u_per_h(const pump *p, int64_t now)
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
	return type == PUMP_TBR_ABSOLUTE ? value
	                                 : pump_programmed_rate_u_per_h(p, now) * value / 100.0;
}

/* The basal rate delivering now (0 when not running), U/h. */
double pump_current_rate_u_per_h(const pump *p, int64_t now)
{
	if (p->therapy != PUMP_THERAPY_RUN)
		return 0.0;
	return p->tbr_active ? tbr_rate_u_per_h(p, p->tbr_type, p->tbr_value, now)
	                     : pump_programmed_rate_u_per_h(p, now);
}

/* This minute's basal in U: exact U/min for the steady basal (no unit round trip). */
double pump_basal_this_minute_u(const pump *p, int64_t now)
{
	if (p->therapy != PUMP_THERAPY_RUN)
		return 0.0;
	if (!p->tbr_active && p->cfg.steady_basal_u_per_min > 0.0)
		return p->cfg.steady_basal_u_per_min;
	return pump_current_rate_u_per_h(p, now) / 60.0;
}

void pump_end_tbr(pump *p, int64_t now, bool annunciate_canceled)
{
	if (!p->tbr_active)
		return;
	p->tbr_active = false;
	if (annunciate_canceled)
		pump_raise_annunciation(p, now, PUMP_ANN_TBR_CANCELED, 0.0);
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
		r = pump_delivery_blocked(p);
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
	    !authority_may_change_temp_basal(src, p->tbr_owner, pump_current_rate_u_per_h(p, now),
	                                     tbr_rate_u_per_h(p, type, value, now)))
		r = PUMP_REFUSED_NEEDS_PERSON;
	pump_command_done(p, now, src, PUMP_CMD_TEMP_BASAL, r, value, type, duration_min);
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
	        src, p->tbr_owner, pump_current_rate_u_per_h(p, now),
	        p->therapy == PUMP_THERAPY_RUN ? pump_programmed_rate_u_per_h(p, now) : 0.0))
		r = PUMP_REFUSED_NEEDS_PERSON;
	pump_command_done(p, now, src, PUMP_CMD_CANCEL_TEMP_BASAL, r, 0, 0, 0);
	if (r == PUMP_OK)
		pump_end_tbr(p, now, false);
	return r;
}
