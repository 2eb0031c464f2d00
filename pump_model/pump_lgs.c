/*
 * pump_lgs — low-glucose protection: suspend at a threshold or before a predicted low
 * (least-squares trend over the last 20 min of CGM), resume on recovery or after a time
 * limit, with a refractory rest after a time limit or a person's resume (after
 * Medtronic's SmartGuard rules; docs/pump.md).
 */
#include "pump_internal.h"

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

void pump_lgs_evaluate(pump *p, int64_t now, double cgm_mgdl)
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
			pump_set_therapy(p, now, PUMP_THERAPY_RUN, PUMP_SOURCE_AUTOMATION,
			                 too_long ? "low-glucose suspend ended: time limit"
			                          : "low-glucose suspend ended: glucose recovered");
			pump_raise_annunciation(p, now, PUMP_ANN_LOW_GLUCOSE_RESUME, cgm_mgdl);
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
	pump_halt_delivery(p, now, PUMP_THERAPY_PAUSE, PUMP_SOURCE_AUTOMATION,
	                   low ? "low-glucose suspend: at threshold"
	                       : "low-glucose suspend: predicted low",
	                   "canceled");
	p->lgs_suspended = true;
	p->lgs_since_min = now;
	pump_raise_annunciation(p, now, PUMP_ANN_LOW_GLUCOSE_SUSPEND, cgm_mgdl);
}
