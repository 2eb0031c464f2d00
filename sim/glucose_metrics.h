/*
 * glucose_metrics — the glucose figures of a trace, for a run's summary (summary.h) and a
 * trial's table (trial/): accumulated sample by sample (nothing stored), merged across
 * patients and shards, and turned into figures at the end. The one place they are
 * computed; docs/glucose-metrics.md says the same for users.
 *
 * Over the n samples (mg/dL):
 *   mean, SD (population: sqrt(Σx²/n − mean²)), CV % = 100 SD / mean;
 *   GMI % = 3.31 + 0.02392 × mean (Bergenstal RM et al. Diabetes Care 2018;41:2275–2280);
 *   TIR % in 70 ≤ BG ≤ 180, TBR % BG < 70 and BG < 54, TAR % BG > 180 and BG > 250
 *     (Battelino T et al. Diabetes Care 2019;42:1593–1603): 70 and 180 are in range,
 *     54 and 70 are not below, 180 and 250 are not above;
 *   min, max;
 *   LBGI, HBGI: the mean over all samples of r = 10 f² where f < 0 (LBGI) or f > 0 (HBGI),
 *     0 elsewhere, f Kovatchev's scale (glucose_risk.h; BG <= 1 counts as 1).
 *
 * Must never: keep state outside the accumulator (runs and trial workers go in threads),
 * allocate, or depend on anything but the C library.
 */
#ifndef FAKEPUMP_GLUCOSE_METRICS_H
#define FAKEPUMP_GLUCOSE_METRICS_H

#include <stddef.h>

/*
 * The consensus bands' limits (mg/dL), for every place that counts them (the metrics
 * here, the day profile in agp.c, the chart's pixel columns): in range 70 ≤ BG ≤ 180,
 * below when BG < 70 or < 54, above when BG > 180 or > 250.
 */
#define GLUCOSE_BELOW_VERY_LOW_MGDL 54.0
#define GLUCOSE_RANGE_LOW_MGDL 70.0
#define GLUCOSE_RANGE_HIGH_MGDL 180.0
#define GLUCOSE_ABOVE_VERY_HIGH_MGDL 250.0

/* The raw sums; two accumulators merge into the one of their samples together. */
typedef struct glucose_accumulator {
	size_t n;
	double sum, sum_sq; /* Σ BG (mg/dL), Σ BG² (mg²/dL²) */
	size_t below54, below70, in_range, above180, above250;
	double min, max;            /* mg/dL; +inf and −inf when empty */
	double low_risk, high_risk; /* Σ r over the samples with f < 0, with f > 0 */
} glucose_accumulator;

typedef struct glucose_metrics {
	size_t samples;
	double mean_mgdl, sd_mgdl, cv_pct, gmi_pct;
	double tir_pct, tbr70_pct, tbr54_pct, tar180_pct, tar250_pct;
	double min_mgdl, max_mgdl, lbgi, hbgi;
} glucose_metrics;

void glucose_accumulator_init(glucose_accumulator *a);
void glucose_accumulator_add(glucose_accumulator *a, double bg_mgdl);
/* Adds `from`'s samples to `into`. */
void glucose_accumulator_merge(glucose_accumulator *into, const glucose_accumulator *from);
/* The figures; with no samples every figure is NaN. */
void glucose_metrics_of(const glucose_accumulator *a, glucose_metrics *out);

/*
 * Kovatchev's f(BG) (glucose_risk.h) from a table built at compile time on [20, 600)
 * mg/dL, within 2e-7 × (20 / BG)⁴ of the formula there (a patient-year trial's indices
 * moved by under 1e-8 of themselves); the formula itself elsewhere, NaN counting as BG <= 1.
 * Pure and thread-safe.
 */
double glucose_risk_f(double bg_mgdl);

#endif
