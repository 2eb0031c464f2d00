/*
 * Tests for sim/glucose_metrics.c: every figure against values worked out here from the
 * definitions (Kovatchev's f written again with pow, not taken from glucose_risk.h), the
 * range boundaries as documented, no samples, glucose at or below 1 mg/dL, merging, and
 * the compile-time risk table within its stated bound of the formula over the whole range.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "glucose_metrics.h"

/* Kovatchev BP et al. 1997: f(BG) = 1.509 ((ln BG)^1.084 − 5.381), BG in mg/dL. */
static double kovatchev_f(double bg_mgdl)
{
	return 1.509 * (pow(log(bg_mgdl), 1.084) - 5.381);
}

static glucose_metrics metrics_of(const double *bg_mgdl, size_t n)
{
	glucose_accumulator a;
	glucose_accumulator_init(&a);
	for (size_t i = 0; i < n; i++)
		glucose_accumulator_add(&a, bg_mgdl[i]);
	glucose_metrics m;
	glucose_metrics_of(&a, &m);
	return m;
}

Test(glucose_metrics, no_samples_give_no_figures)
{
	const glucose_metrics m = metrics_of(NULL, 0);
	cr_assert_eq(m.samples, 0);
	const double figures[] = {m.mean_mgdl, m.sd_mgdl,   m.cv_pct,     m.gmi_pct,    m.tir_pct,
	                          m.tbr70_pct, m.tbr54_pct, m.tar180_pct, m.tar250_pct, m.min_mgdl,
	                          m.max_mgdl,  m.lbgi,      m.hbgi};
	for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
		cr_assert(isnan(figures[i]), "figure %zu is %g, not NaN", i, figures[i]);
}

Test(glucose_metrics, mean_sd_cv_gmi_min_and_max_of_known_samples)
{
	const double bg[] = {100.0, 200.0, 150.0, 150.0};
	const glucose_metrics m = metrics_of(bg, 4);
	cr_assert_eq(m.samples, 4);
	cr_assert_float_eq(m.mean_mgdl, 150.0, 1e-12);
	/* population SD: sqrt((50² + 50² + 0 + 0) / 4) */
	cr_assert_float_eq(m.sd_mgdl, sqrt(1250.0), 1e-9);
	cr_assert_float_eq(m.cv_pct, 100.0 * sqrt(1250.0) / 150.0, 1e-9);
	cr_assert_float_eq(m.gmi_pct, 3.31 + 0.02392 * 150.0, 1e-12); /* 6.898 % */
	cr_assert_eq(m.min_mgdl, 100.0);
	cr_assert_eq(m.max_mgdl, 200.0);
}

Test(glucose_metrics, a_flat_trace_has_no_spread)
{
	const double bg[] = {120.0, 120.0, 120.0};
	const glucose_metrics m = metrics_of(bg, 3);
	cr_assert_eq(m.sd_mgdl, 0.0);
	cr_assert_eq(m.cv_pct, 0.0);
}

Test(glucose_metrics, range_boundaries_70_and_180_are_in_range_54_70_180_250_are_not_beyond)
{
	/* 54 is not below 54, 70 not below 70 but in range, 180 in range and not above,
	 * 250 above 180 but not above 250 */
	const double bg[] = {53.9, 54.0, 69.9, 70.0, 180.0, 180.1, 250.0, 250.1, 120.0, 300.0};
	const glucose_metrics m = metrics_of(bg, 10);
	cr_assert_float_eq(m.tbr54_pct, 10.0, 1e-12);  /* 53.9 */
	cr_assert_float_eq(m.tbr70_pct, 30.0, 1e-12);  /* 53.9, 54, 69.9 */
	cr_assert_float_eq(m.tir_pct, 30.0, 1e-12);    /* 70, 180, 120 */
	cr_assert_float_eq(m.tar180_pct, 40.0, 1e-12); /* 180.1, 250, 250.1, 300 */
	cr_assert_float_eq(m.tar250_pct, 20.0, 1e-12); /* 250.1, 300 */
}

Test(glucose_metrics, lbgi_and_hbgi_are_the_means_of_kovatchevs_risk_over_all_samples)
{
	/* lows and highs, in the table (20 … 600) and outside it */
	const double bg[] = {19.0,  20.0,  35.5,   54.0,  70.0,   99.9,  112.0,
	                     113.0, 180.0, 250.25, 333.3, 599.99, 600.0, 750.0};
	const size_t n = sizeof bg / sizeof bg[0];
	double low = 0.0, high = 0.0;
	for (size_t i = 0; i < n; i++) {
		const double f = kovatchev_f(bg[i]);
		*(f < 0.0 ? &low : &high) += 10.0 * f * f;
	}
	const glucose_metrics m = metrics_of(bg, n);
	cr_assert_float_eq(m.lbgi, low / (double)n, 1e-6 * low / (double)n);
	cr_assert_float_eq(m.hbgi, high / (double)n, 1e-6 * high / (double)n);
	/* one sample: its own risk */
	const double at_40 = 40.0;
	const glucose_metrics one = metrics_of(&at_40, 1);
	cr_assert_float_eq(one.lbgi, 10.0 * pow(kovatchev_f(40.0), 2), 1e-6);
	cr_assert_eq(one.hbgi, 0.0);
}

Test(glucose_metrics, the_scale_is_symmetric_20_and_600_mgdl_carry_the_same_risk)
{
	/* the point of Kovatchev's transformation: the meter range 20 … 600 maps onto
	 * ±sqrt(10) (r = 100 at both ends) and its centre, 112.5 mg/dL, onto 0 */
	cr_assert_float_eq(glucose_risk_f(20.0), -sqrt(10.0), 2e-3);
	cr_assert_float_eq(glucose_risk_f(600.0), sqrt(10.0), 2e-3);
	cr_assert_float_eq(glucose_risk_f(112.5), 0.0, 2e-3);
	cr_assert_lt(glucose_risk_f(112.0), 0.0);
	cr_assert_gt(glucose_risk_f(113.0), 0.0);
}

Test(glucose_metrics, glucose_at_or_below_1_mgdl_counts_as_1)
{
	/* f(1) = 1.509 × (0 − 5.381): r = 10 × 8.119929² = 659.3325 */
	const double r1 = 10.0 * pow(1.509 * 5.381, 2);
	const double bg[] = {1.0, 0.5, 0.0, -3.0};
	const glucose_metrics m = metrics_of(bg, 4);
	cr_assert_float_eq(m.lbgi, r1, 1e-9);
	cr_assert_eq(m.hbgi, 0.0);
	cr_assert_eq(m.min_mgdl, -3.0); /* the extremes are the samples themselves */
	cr_assert_float_eq(glucose_risk_f(0.0), -1.509 * 5.381, 1e-12);
}

Test(glucose_metrics, the_risk_table_is_within_its_bound_of_the_formula_everywhere)
{
	/* every 0.001 mg/dL from 0.5 to 700: 2e-7 × (20 / BG)⁴ in f on the table ([20, 600)),
	 * the formula's own value outside (glucose_metrics.h); 1e-12 for rounding */
	double worst = 0.0, worst_at = 0.0;
	for (long k = 500; k <= 700000; k++) {
		const double bg = (double)k / 1000.0;
		const double err = fabs(glucose_risk_f(bg) - kovatchev_f(fmax(bg, 1.0)));
		const double bound =
		    (bg < 20.0 || bg >= 600.0 ? 0.0 : 2e-7 * pow(20.0 / bg, 4)) + 1e-12;
		cr_assert_leq(err, bound, "f(%.3f): %.3g off the formula (bound %.0e)", bg, err,
		              bound);
		if (err > worst) {
			worst = err;
			worst_at = bg;
		}
	}
	cr_log_info("largest difference %.3g at %.3f mg/dL", worst, worst_at);
}

Test(glucose_metrics, merging_two_accumulators_counts_every_sample_once)
{
	glucose_accumulator whole, first, second;
	glucose_accumulator_init(&whole);
	glucose_accumulator_init(&first);
	glucose_accumulator_init(&second);
	unsigned x = 2024; /* a fixed seed: lows, highs and in range */
	for (int i = 0; i < 500; i++) {
		x = x * 1103515245u + 12345u;
		const double bg = 30.0 + (double)(x >> 8) / (double)(1u << 24) * 320.0;
		glucose_accumulator_add(&whole, bg);
		glucose_accumulator_add(i < 200 ? &first : &second, bg);
	}
	glucose_accumulator merged;
	glucose_accumulator_init(&merged);
	glucose_accumulator_merge(&merged, &first);
	glucose_accumulator_merge(&merged, &second);
	cr_assert_eq(merged.n, 500);
	cr_assert_eq(merged.below54, whole.below54);
	cr_assert_eq(merged.below70, whole.below70);
	cr_assert_eq(merged.in_range, whole.in_range);
	cr_assert_eq(merged.above180, whole.above180);
	cr_assert_eq(merged.above250, whole.above250);
	cr_assert_eq(merged.min, whole.min);
	cr_assert_eq(merged.max, whole.max);
	/* the sums only in their rounding */
	cr_assert_float_eq(merged.sum, whole.sum, 1e-9 * whole.sum);
	cr_assert_float_eq(merged.sum_sq, whole.sum_sq, 1e-9 * whole.sum_sq);
	cr_assert_float_eq(merged.low_risk, whole.low_risk, 1e-9 * whole.low_risk);
	cr_assert_float_eq(merged.high_risk, whole.high_risk, 1e-9 * whole.high_risk);
	/* an empty accumulator merged changes nothing */
	glucose_accumulator empty;
	glucose_accumulator_init(&empty);
	const glucose_accumulator before = merged;
	glucose_accumulator_merge(&merged, &empty);
	cr_assert(memcmp(&before, &merged, sizeof merged) == 0);
}
