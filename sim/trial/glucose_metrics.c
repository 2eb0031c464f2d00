/*
 * glucose_metrics — consensus CGM metrics and Kovatchev's risk indices (see the header).
 */
#include <assert.h>
#include <math.h>

#include "glucose_metrics.h"

void glucose_accumulator_init(glucose_accumulator *a)
{
	*a = (glucose_accumulator){.min = INFINITY, .max = -INFINITY};
}

/* Kovatchev's risk of each waiting sample, summed in sample order. Why in a batch: the
 * log → log → exp chain of one sample is latency-bound (about a tenth of a trial's time
 * when taken minute by minute between the pump's and the controller's code); a loop over
 * independent samples lets their chains overlap. */
static void risk_flush(glucose_accumulator *a)
{
	double low = a->low_risk, high = a->high_risk;
	for (unsigned i = 0; i < a->pending; i++) {
		/* Kovatchev's symmetrised scale; a glucose at or below 1 mg/dL counts as 1. */
		/* ln(BG)^1.084 as exp(1.084 ln ln BG): ln BG > 0 for BG > 1; a third of pow's
		 * cost, and pow was a tenth of a trial's time (the indices differ in the 15th
		 * digit). */
		const double lbg = log(fmax(a->pending_bg[i], 1.0));
		const double f = 1.509 * ((lbg > 0.0 ? exp(1.084 * log(lbg)) : 0.0) - 5.381);
		const double r = 10.0 * f * f;
		if (f < 0.0)
			low += r;
		else
			high += r;
	}
	a->low_risk = low;
	a->high_risk = high;
	a->pending = 0;
}

void glucose_accumulator_add(glucose_accumulator *a, double bg)
{
	a->n++;
	a->sum += bg;
	a->sum_sq += bg * bg;
	a->below54 += bg < 54.0;
	a->below70 += bg < 70.0;
	a->in_range += bg >= 70.0 && bg <= 180.0;
	a->above180 += bg > 180.0;
	a->above250 += bg > 250.0;
	a->min = fmin(a->min, bg);
	a->max = fmax(a->max, bg);
	a->pending_bg[a->pending++] = bg;
	if (a->pending == GLUCOSE_RISK_BATCH)
		risk_flush(a);
}

void glucose_accumulator_finish(glucose_accumulator *a)
{
	risk_flush(a);
}

void glucose_metrics_of(const glucose_accumulator *a, glucose_metrics *m)
{
	assert(a->pending == 0);
	*m = (glucose_metrics){.samples = a->n};
	if (a->n == 0) {
		m->mean_mgdl = m->sd_mgdl = m->cv_pct = m->gmi_pct = NAN;
		m->tir_pct = m->tbr70_pct = m->tbr54_pct = m->tar180_pct = m->tar250_pct = NAN;
		m->min_mgdl = m->max_mgdl = m->lbgi = m->hbgi = NAN;
		return;
	}
	const double n = (double)a->n;
	m->mean_mgdl = a->sum / n;
	const double var = a->sum_sq / n - m->mean_mgdl * m->mean_mgdl;
	m->sd_mgdl = var > 0.0 ? sqrt(var) : 0.0;
	m->cv_pct = m->mean_mgdl > 0.0 ? 100.0 * m->sd_mgdl / m->mean_mgdl : NAN;
	m->gmi_pct = 3.31 + 0.02392 * m->mean_mgdl;
	m->tir_pct = 100.0 * (double)a->in_range / n;
	m->tbr70_pct = 100.0 * (double)a->below70 / n;
	m->tbr54_pct = 100.0 * (double)a->below54 / n;
	m->tar180_pct = 100.0 * (double)a->above180 / n;
	m->tar250_pct = 100.0 * (double)a->above250 / n;
	m->min_mgdl = a->min;
	m->max_mgdl = a->max;
	m->lbgi = a->low_risk / n;
	m->hbgi = a->high_risk / n;
}
