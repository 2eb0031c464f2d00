/*
 * glucose_metrics — the consensus metrics of a glucose trace (one sample a minute of the
 * true plasma glucose): mean, SD, CV, GMI, time in ranges, minimum and maximum, LBGI and
 * HBGI, as the literature defines them:
 *   Battelino T et al. Clinical targets for continuous glucose monitoring data
 *     interpretation: recommendations from the international consensus on time in range.
 *     Diabetes Care 2019;42:1593–1603 (TIR 70–180 inclusive, TBR < 70 and < 54, TAR > 180
 *     and > 250, CV = SD / mean);
 *   Bergenstal RM et al. Glucose management indicator (GMI). Diabetes Care 2018;41:2275–2280
 *     (GMI % = 3.31 + 0.02392 × mean mg/dL);
 *   Kovatchev BP et al. Diabetes Care 1997;20:1655–1658 and J Theor Med 2000;3:1–10 (risk
 *     f = 1.509 (ln(BG)^1.084 − 5.381), r = 10 f², LBGI / HBGI the means of r over the
 *     samples with f < 0 / f > 0, counted as 0 otherwise).
 */
#ifndef FAKEPUMP_GLUCOSE_METRICS_H
#define FAKEPUMP_GLUCOSE_METRICS_H

#include <stddef.h>

typedef struct glucose_accumulator {
	size_t n;
	double sum, sum_sq;
	size_t below54, below70, in_range, above180, above250;
	double min, max;
	double low_risk, high_risk;
} glucose_accumulator;

typedef struct glucose_metrics {
	size_t samples;
	double mean_mgdl, sd_mgdl, cv_pct, gmi_pct;
	double tir_pct, tbr70_pct, tbr54_pct, tar180_pct, tar250_pct;
	double min_mgdl, max_mgdl, lbgi, hbgi;
} glucose_metrics;

void glucose_accumulator_init(glucose_accumulator *a);
void glucose_accumulator_add(glucose_accumulator *a, double bg_mgdl);
void glucose_metrics_of(const glucose_accumulator *a, glucose_metrics *out);

#endif
