/*
 * pump — basal program and bolus delivery (first version; see pump_model.h).
 *
 * Never does I/O or allocates after pump_new. A bolus at speed v U/min is delivered as
 * v U each minute and the remainder in the last minute; `instant` delivers the exact dose
 * within the minute it is given, so the physiology reference checks see exactly the dose.
 */
#include <math.h>
#include <stdlib.h>

#include "pump_model.h"

struct pump {
	pump_config cfg;
	double bolus_remaining_u;
};

static int config_is_valid(const pump_config *cfg)
{
	if (!cfg || cfg->start_min_of_day < 0 || cfg->start_min_of_day >= 1440)
		return 0;
	if (!(cfg->bolus_speed_u_per_min >= 0.0) || !isfinite(cfg->bolus_speed_u_per_min))
		return 0;
	if (cfg->steady_basal_u_per_min > 0.0)
		return isfinite(cfg->steady_basal_u_per_min);
	if (cfg->basal_segment_count < 1 || cfg->basal_segment_count > PUMP_MAX_BASAL_SEGMENTS ||
	    cfg->basal_segments[0].start_min_of_day != 0)
		return 0;
	for (size_t i = 0; i < cfg->basal_segment_count; i++) {
		const pump_basal_segment *s = &cfg->basal_segments[i];
		if (!(s->rate_u_per_h >= 0.0) || !isfinite(s->rate_u_per_h))
			return 0;
		if (i > 0 && s->start_min_of_day <= cfg->basal_segments[i - 1].start_min_of_day)
			return 0;
		if (s->start_min_of_day >= 1440)
			return 0;
	}
	return 1;
}

pump *pump_new(const pump_config *cfg)
{
	if (!config_is_valid(cfg))
		return NULL;
	pump *p = calloc(1, sizeof *p);
	if (p)
		p->cfg = *cfg;
	return p;
}

void pump_free(pump *p)
{
	free(p);
}

pump_result pump_bolus(pump *p, int64_t now_min, double dose_u)
{
	(void)now_min;
	if (!(dose_u > 0.0) || !isfinite(dose_u))
		return PUMP_REFUSED_BAD_VALUE;
	p->bolus_remaining_u += dose_u;
	return PUMP_OK;
}

double pump_basal_rate_u_per_h(const pump *p, int64_t now_min)
{
	if (p->cfg.steady_basal_u_per_min > 0.0)
		return p->cfg.steady_basal_u_per_min * 60.0;
	const int minute_of_day = (int)((now_min + p->cfg.start_min_of_day) % 1440);
	double rate = p->cfg.basal_segments[0].rate_u_per_h;
	for (size_t i = 1; i < p->cfg.basal_segment_count; i++) {
		if (p->cfg.basal_segments[i].start_min_of_day > minute_of_day)
			break;
		rate = p->cfg.basal_segments[i].rate_u_per_h;
	}
	return rate;
}

pump_delivery pump_deliver_minute(pump *p, int64_t now_min)
{
	pump_delivery d = {0};
	d.basal_u = p->cfg.steady_basal_u_per_min > 0.0 ? p->cfg.steady_basal_u_per_min
	                                                 : pump_basal_rate_u_per_h(p, now_min) / 60.0;
	if (p->bolus_remaining_u > 0.0) {
		const double speed = p->cfg.bolus_speed_u_per_min;
		d.bolus_u = (speed <= 0.0 || p->bolus_remaining_u <= speed) ? p->bolus_remaining_u
		                                                            : speed;
		p->bolus_remaining_u -= d.bolus_u;
		if (p->bolus_remaining_u < 1e-12)
			p->bolus_remaining_u = 0.0;
	}
	return d;
}
