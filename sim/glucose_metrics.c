/*
 * glucose_metrics — consensus CGM metrics and Kovatchev's risk indices (see the header for
 * the definitions and their sources).
 */
#include <math.h>

#include "glucose_metrics.h"
#include "glucose_risk.h"
#include "glucose_risk_table.h" /* generated at build time by glucose_risk_table_gen.c */

void glucose_accumulator_init(glucose_accumulator *a)
{
	*a = (glucose_accumulator){.min = INFINITY, .max = -INFINITY};
}

/* Kovatchev's f from the table (inlined where a sample is added: one call a simulated
 * minute per patient). */
static inline double risk_f(double bg)
{
	/* Why a table: the formula's log → log → exp (pow) chain every simulated minute was
	 * a tenth of a trial's CPU time; one cubic a mg/dL is a few multiply-adds. */
	if (bg >= GLUCOSE_RISK_TABLE_LO_MGDL && bg < GLUCOSE_RISK_TABLE_HI_MGDL) {
		const double pos =
		    (bg - GLUCOSE_RISK_TABLE_LO_MGDL) * GLUCOSE_RISK_TABLE_STEPS_PER_MGDL;
		const int i = (int)pos;
		const double t = pos - i;
		const double *c = glucose_risk_table[i];
		/* c0 + c1 t + (c2 + c3 t) t²: two short chains instead of Horner's one long one */
		return (c[0] + c[1] * t) + (c[2] + c[3] * t) * (t * t);
	}
	return glucose_risk_f_exact(bg); /* severe lows and highs only: rare */
}

double glucose_risk_f(double bg_mgdl)
{
	return risk_f(bg_mgdl);
}

void glucose_accumulator_add(glucose_accumulator *a, double bg)
{
	a->n++;
	a->sum += bg;
	a->sum_sq += bg * bg;
	a->below54 += bg < GLUCOSE_BELOW_VERY_LOW_MGDL;
	a->below70 += bg < GLUCOSE_RANGE_LOW_MGDL;
	a->in_range += bg >= GLUCOSE_RANGE_LOW_MGDL && bg <= GLUCOSE_RANGE_HIGH_MGDL;
	a->above180 += bg > GLUCOSE_RANGE_HIGH_MGDL;
	a->above250 += bg > GLUCOSE_ABOVE_VERY_HIGH_MGDL;
	/* comparisons, not fmin/fmax: those are calls into libm here (no -ffast-math) */
	if (bg < a->min)
		a->min = bg;
	if (bg > a->max)
		a->max = bg;
	const double f = risk_f(bg);
	const double r = 10.0 * f * f;
	if (f < 0.0)
		a->low_risk += r;
	else
		a->high_risk += r;
}

void glucose_accumulator_merge(glucose_accumulator *into, const glucose_accumulator *a)
{
	into->n += a->n;
	into->sum += a->sum;
	into->sum_sq += a->sum_sq;
	into->below54 += a->below54;
	into->below70 += a->below70;
	into->in_range += a->in_range;
	into->above180 += a->above180;
	into->above250 += a->above250;
	into->min = fmin(into->min, a->min);
	into->max = fmax(into->max, a->max);
	into->low_risk += a->low_risk;
	into->high_risk += a->high_risk;
}

void glucose_metrics_of(const glucose_accumulator *a, glucose_metrics *m)
{
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
