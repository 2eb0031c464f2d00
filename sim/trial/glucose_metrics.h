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

/* Samples whose risk is not yet summed: taken GLUCOSE_RISK_BATCH at a time (see add). */
enum { GLUCOSE_RISK_BATCH = 32 };

typedef struct glucose_accumulator {
	size_t n;
	double sum, sum_sq;
	size_t below54, below70, in_range, above180, above250;
	double min, max;
	double low_risk, high_risk; /* complete only after glucose_accumulator_finish */
	double pending_bg[GLUCOSE_RISK_BATCH];
	unsigned pending;
} glucose_accumulator;

typedef struct glucose_metrics {
	size_t samples;
	double mean_mgdl, sd_mgdl, cv_pct, gmi_pct;
	double tir_pct, tbr70_pct, tbr54_pct, tar180_pct, tar250_pct;
	double min_mgdl, max_mgdl, lbgi, hbgi;
} glucose_metrics;

void glucose_accumulator_init(glucose_accumulator *a);
/*
 * One sample. Its risk (two logarithms and an exponential) waits with up to
 * GLUCOSE_RISK_BATCH − 1 others and is summed with them, in sample order: the same bits
 * as one at a time, but independent computations the processor overlaps. Every other
 * field counts the sample at once.
 */
void glucose_accumulator_add(glucose_accumulator *a, double bg_mgdl);
/* Sums the waiting samples' risk: low_risk and high_risk are then complete. Call it once
 * the last sample is in, before reading the sums or merging. */
void glucose_accumulator_finish(glucose_accumulator *a);
/* The metrics of a finished accumulator (asserts that nothing waits). */
void glucose_metrics_of(const glucose_accumulator *a, glucose_metrics *out);

#endif
