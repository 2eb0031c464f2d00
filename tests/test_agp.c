/*
 * test_agp — the glucose profile by time of day and day by day (sim/agp.h).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "agp.h"

Test(agp, percentiles_by_slot_are_nearest_rank_over_the_days)
{
	agp *a = agp_new(0);
	cr_assert_not_null(a);
	/* 20 days; at 08:00 glucose is 100 + day (100 … 119); nothing else */
	for (int d = 0; d < 20; d++)
		cr_assert(agp_add(a, d * 1440 + 8 * 60, 100.0 + d, NAN, 0, 0));
	double p[AGP_PERCENTILES];
	cr_assert(agp_slot_percentiles(a, 8 * 60 / AGP_SLOT_MIN, p));
	/* nearest rank of 20 values: 5 % → 1st, 25 % → 5th, 50 % → 10th, 75 % → 15th, 95 % → 19th
	 */
	cr_assert_float_eq(p[0], 100, 1e-9);
	cr_assert_float_eq(p[1], 104, 1e-9);
	cr_assert_float_eq(p[2], 109, 1e-9);
	cr_assert_float_eq(p[3], 114, 1e-9);
	cr_assert_float_eq(p[4], 118, 1e-9);
	cr_assert_not(agp_slot_percentiles(a, 0, p), "a slot without samples has none");
	cr_assert_eq(agp_day_count(a), 20);
	agp_free(a);
}

Test(agp, days_follow_the_clock_of_the_start_not_run_minutes)
{
	agp *a = agp_new(22 * 60); /* t = 0 is 22:00 of day 1 */
	for (int t = 0; t < 240; t++)
		agp_add(a, t, t < 120 ? 60.0 : 200.0, t % 5 == 0 ? 65.0 : NAN, 0.01,
		        t == 0 ? 30 : 0);
	cr_assert_eq(agp_day_count(a), 2, "22:00–02:00 spans two days");
	const agp_day *d1 = agp_day_at(a, 0), *d2 = agp_day_at(a, 1);
	cr_assert_eq(d1->day, 1);
	cr_assert_eq(d1->minutes, 120);
	cr_assert_eq(d1->below_70, 120);
	cr_assert_eq(d1->below_54, 0);
	cr_assert_eq(d2->above_180, 120);
	cr_assert_eq(d2->in_range, 0);
	cr_assert_eq(d1->cgm_readings, 24);
	cr_assert_eq(d1->cgm_below_70, 24);
	cr_assert_float_eq(d1->carbs_g, 30, 1e-9);
	cr_assert_float_eq(d1->insulin_u + d2->insulin_u, 2.4, 1e-9);
	cr_assert_float_eq(d1->bg_min_mgdl, 60, 1e-6);
	agp_add_alarm(a, 130);
	cr_assert_eq(agp_day_at(a, 1)->alarms, 1, "an alarm at 00:10 of day 2");
	agp_free(a);
}

Test(agp, glucose_beyond_the_histogram_counts_at_its_top_and_never_crashes)
{
	agp *a = agp_new(0);
	agp_add(a, 0, 5000.0, NAN, 0, 0);
	agp_add(a, 1, -3.0, NAN, 0, 0);
	double p[AGP_PERCENTILES];
	cr_assert(agp_slot_percentiles(a, 0, p));
	cr_assert_float_eq(p[0], 0, 1e-9);
	cr_assert_float_eq(p[4], AGP_MAX_MGDL, 1e-9);
	cr_assert_not(agp_add(a, -2000, 100, NAN, 0, 0), "a day before the last is refused");
	agp_free(a);
}

Test(agp, ten_years_take_one_record_a_day)
{
	agp *a = agp_new(0);
	for (int64_t t = 0; t < 3650LL * 1440; t += 7)
		cr_assert(agp_add(a, t, 100 + (double)(t % 97), NAN, 0, 0));
	cr_assert_eq(agp_day_count(a), 3650);
	agp_free(a);
}

Test(agp, merged_profiles_sum_their_samples_whatever_the_order)
{
	agp *a = agp_new(0), *b = agp_new(0), *ab = agp_new(0), *ba = agp_new(0);
	for (int t = 0; t < 1440; t++) {
		agp_add(a, t, 100 + t % 50, NAN, 0, 0);
		agp_add(b, t, 180 + t % 7, NAN, 0, 0);
	}
	cr_assert(agp_merge_profile(ab, a) && agp_merge_profile(ab, b));
	cr_assert(agp_merge_profile(ba, b) && agp_merge_profile(ba, a));
	for (int s = 0; s < AGP_SLOTS; s++)
		for (int v = 0; v <= AGP_MAX_MGDL; v++) {
			cr_assert_eq(agp_slot_count(ab, s, v), agp_slot_count(ba, s, v));
			cr_assert_eq(agp_slot_count(ab, s, v),
			             agp_slot_count(a, s, v) + agp_slot_count(b, s, v));
		}
	double p[AGP_PERCENTILES];
	cr_assert(agp_slot_percentiles(ab, 0, p));
	cr_assert_float_eq(p[4], 186, 1e-9, "the top 5 %% of slot 0 are b's (180 … 186)");
	cr_assert_eq(agp_day_count(ab), 0, "day records are not merged");
	agp_free(a);
	agp_free(b);
	agp_free(ab);
	agp_free(ba);
}

Test(agp, run_percentiles_are_nearest_rank_over_every_slot)
{
	agp *a = agp_new(0);
	/* 400 minutes at 40 … 49, 600 at 200 … 299 (six each); 2.5 % → 25th, 97.5 % → 975th */
	for (int t = 0; t < 1000; t++)
		agp_add(a, t, t < 400 ? 40 + t % 10 : 200 + (t - 400) % 100, NAN, 0, 0);
	double lo, hi;
	cr_assert(agp_run_percentile(a, 2.5, &lo));
	cr_assert(agp_run_percentile(a, 97.5, &hi));
	cr_assert_float_eq(lo, 40, 1e-9);
	cr_assert_float_eq(hi, 295, 1e-9); /* 400 + 6 × (v − 199) ≥ 975 */
	agp *empty = agp_new(0);
	cr_assert_not(agp_run_percentile(empty, 50, &lo));
	agp_free(empty);
	agp_free(a);
}

Test(agp, a_profile_read_back_count_by_count_is_the_same_profile)
{
	agp *a = agp_new(0), *copy = agp_new(0);
	for (int t = 0; t < 3 * 1440; t++)
		agp_add(a, t, 90 + 60 * sin(t / 200.0), NAN, 0, 0);
	for (int s = 0; s < AGP_SLOTS; s++)
		for (int v = 0; v <= AGP_MAX_MGDL; v++)
			if (agp_slot_count(a, s, v))
				cr_assert(agp_add_count(copy, s, v, agp_slot_count(a, s, v)));
	for (int s = 0; s < AGP_SLOTS; s++) {
		double p[AGP_PERCENTILES], q[AGP_PERCENTILES];
		cr_assert(agp_slot_percentiles(a, s, p) && agp_slot_percentiles(copy, s, q));
		for (int k = 0; k < AGP_PERCENTILES; k++)
			cr_assert_eq(p[k], q[k]);
	}
	cr_assert_not(agp_add_count(copy, AGP_SLOTS, 100, 1));
	cr_assert_not(agp_add_count(copy, 0, AGP_MAX_MGDL + 1, 1));
	cr_assert_not(agp_add_count(copy, 0, 100, (uint64_t)UINT32_MAX + 1),
	              "a count past 2^32 is refused");
	agp_free(a);
	agp_free(copy);
}
