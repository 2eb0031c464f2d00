/*
 * Tests for sim/engine/sensor_faults.c: each fault's effect minute by minute (dropout window,
 * linear drift, noise SD, compression shape), overlaps, clipping, and determinism.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "patient_model.h"
#include "sensor_faults.h"

static scenario_event fault(scenario_event_kind kind, int64_t at_min, double amount,
                            int duration_min)
{
	scenario_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.at_min = at_min;
	ev.amount = amount;
	ev.duration_min = duration_min;
	return ev;
}

/* A wide range, so that nothing clips unless the test means it to. */
static const double LO = -1e9, HI = 1e9;

/* The reading the faults make of a constant 100 mg/dL at minute t (NAN when dropped). */
static double read_at(sensor_faults *f, int64_t t)
{
	double v = 100.0;
	return sensor_faults_apply(f, t, &v, LO, HI) ? v : NAN;
}

Test(sensor_faults, no_fault_leaves_the_reading_as_it_is)
{
	sensor_faults *f = sensor_faults_new(1);
	cr_assert_not_null(f);
	for (int64_t t = 0; t < 100; t++)
		cr_assert_eq(read_at(f, t), 100.0);
	sensor_faults_free(f);
	sensor_faults_free(NULL);
}

Test(sensor_faults, dropout_drops_exactly_the_minutes_of_its_window)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event ev = fault(SCENARIO_EVENT_SENSOR_DROPOUT, 100, 0.0, 45);
	cr_assert(sensor_faults_start(f, &ev));
	for (int64_t t = 0; t < 300; t++) {
		double v = 123.0;
		bool kept = sensor_faults_apply(f, t, &v, LO, HI);
		bool in_window = t >= 100 && t < 145;
		cr_assert_eq(kept, !in_window, "minute %lld", (long long)t);
		cr_assert_eq(v, 123.0, "minute %lld: a dropped reading is left untouched",
		             (long long)t);
	}
	sensor_faults_free(f);
}

Test(sensor_faults, drift_grows_linearly_from_zero_and_ends_with_the_fault)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event up = fault(SCENARIO_EVENT_SENSOR_DRIFT, 60, 10.0, 360);
	cr_assert(sensor_faults_start(f, &up));
	cr_assert_eq(read_at(f, 59), 100.0);
	for (int64_t t = 60; t < 420; t++)
		cr_assert_float_eq(read_at(f, t), 100.0 + 10.0 * (double)(t - 60) / 60.0, 1e-9,
		                   "minute %lld", (long long)t);
	cr_assert_eq(read_at(f, 420), 100.0, "the error is gone when the fault ends");
	sensor_faults_free(f);

	f = sensor_faults_new(1);
	scenario_event down = fault(SCENARIO_EVENT_SENSOR_DRIFT, 0, -30.0, 120);
	cr_assert(sensor_faults_start(f, &down));
	cr_assert_float_eq(read_at(f, 60), 70.0, 1e-9, "-30 mg/dL per hour, one hour in");
	cr_assert_float_eq(read_at(f, 119), 100.0 - 30.0 * 119.0 / 60.0, 1e-9);
	sensor_faults_free(f);
}

Test(sensor_faults, noise_burst_has_the_given_sd_and_mean_zero)
{
	const double sd = 20.0;
	const int n = 200000;
	sensor_faults *f = sensor_faults_new(7);
	scenario_event ev = fault(SCENARIO_EVENT_SENSOR_NOISE, 10, sd, n);
	cr_assert(sensor_faults_start(f, &ev));
	for (int64_t t = 0; t < 10; t++)
		cr_assert_eq(read_at(f, t), 100.0, "no noise before the burst");
	double sum = 0.0, sum_sq = 0.0;
	for (int64_t t = 10; t < 10 + n; t++) {
		double e = read_at(f, t) - 100.0;
		sum += e;
		sum_sq += e * e;
	}
	double mean = sum / n, measured_sd = sqrt(sum_sq / n - mean * mean);
	/* Standard errors: mean 20/sqrt(n) = 0.045, SD about 0.032; tolerances are 10 of them. */
	cr_assert_lt(fabs(mean), 0.45, "mean %g (seed 7)", mean);
	cr_assert_lt(fabs(measured_sd - sd), 0.32, "SD %g, wanted %g (seed 7)", measured_sd, sd);
	cr_assert_eq(read_at(f, 10 + n), 100.0, "no noise after the burst");
	sensor_faults_free(f);
}

Test(sensor_faults, compression_ramps_down_in_5_min_holds_and_recovers_over_the_last_10)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event ev = fault(SCENARIO_EVENT_SENSOR_COMPRESSION, 200, 40.0, 90);
	cr_assert(sensor_faults_start(f, &ev));
	static const struct {
		int64_t u; /* minutes into the fault */
		double fall;
	} want[] = {
	    {-1, 0.0},  {0, 0.0},   {1, 8.0},   {2, 16.0}, {4, 32.0}, {5, 40.0},  {30, 40.0},
	    {80, 40.0}, {81, 36.0}, {85, 20.0}, {89, 4.0}, {90, 0.0}, {120, 0.0},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert_float_eq(read_at(f, 200 + want[i].u), 100.0 - want[i].fall, 1e-9,
		                   "minute %lld of the compression", (long long)want[i].u);
	sensor_faults_free(f);
}

Test(sensor_faults, a_short_compression_never_reaches_full_depth)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event ev = fault(SCENARIO_EVENT_SENSOR_COMPRESSION, 0, 40.0, 10);
	cr_assert(sensor_faults_start(f, &ev));
	for (int64_t t = 0; t < 10; t++) {
		double fall = 100.0 - read_at(f, t);
		double in = (double)t / 5.0, out = (double)(10 - t) / 10.0;
		cr_assert_float_eq(fall, 40.0 * (in < out ? in : out), 1e-9, "minute %lld",
		                   (long long)t);
		cr_assert_lt(fall, 40.0);
	}
	sensor_faults_free(f);
}

Test(sensor_faults, overlapping_faults_add_up_and_a_dropout_wins)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event drift = fault(SCENARIO_EVENT_SENSOR_DRIFT, 0, 60.0, 600);     /* +1/min */
	scenario_event drift2 = fault(SCENARIO_EVENT_SENSOR_DRIFT, 100, -30.0, 100); /* -0.5/min */
	scenario_event comp = fault(SCENARIO_EVENT_SENSOR_COMPRESSION, 150, 20.0, 60);
	scenario_event drop = fault(SCENARIO_EVENT_SENSOR_DROPOUT, 170, 0.0, 5);
	cr_assert(sensor_faults_start(f, &drift));
	cr_assert(sensor_faults_start(f, &drift2));
	cr_assert(sensor_faults_start(f, &comp));
	cr_assert(sensor_faults_start(f, &drop));
	cr_assert_float_eq(read_at(f, 50), 150.0, 1e-9);
	cr_assert_float_eq(read_at(f, 120), 100.0 + 120.0 - 10.0, 1e-9);
	cr_assert_float_eq(read_at(f, 160), 100.0 + 160.0 - 30.0 - 20.0, 1e-9);
	for (int64_t t = 170; t < 175; t++)
		cr_assert(isnan(read_at(f, t)), "minute %lld is dropped", (long long)t);
	cr_assert_float_eq(read_at(f, 175), 100.0 + 175.0 - 37.5 - 20.0, 1e-9);
	cr_assert_float_eq(read_at(f, 250), 100.0 + 250.0, 1e-9, "only the first drift left");
	sensor_faults_free(f);
}

Test(sensor_faults, readings_are_clipped_to_the_sensor_range)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event comp = fault(SCENARIO_EVENT_SENSOR_COMPRESSION, 0, 400.0, 60);
	scenario_event drift = fault(SCENARIO_EVENT_SENSOR_DRIFT, 100, 500.0, 600);
	cr_assert(sensor_faults_start(f, &comp));
	cr_assert(sensor_faults_start(f, &drift));
	double v = 100.0;
	cr_assert(sensor_faults_apply(f, 30, &v, 39.0, 400.0));
	cr_assert_eq(v, 39.0);
	v = 100.0;
	cr_assert(sensor_faults_apply(f, 200, &v, 39.0, 400.0));
	cr_assert_eq(v, 400.0);
	sensor_faults_free(f);
}

/* Readings of a day with every kind of fault, from a fresh fault set seeded `seed`. */
static void run_day(uint32_t seed, double out[1440], bool kept[1440])
{
	sensor_faults *f = sensor_faults_new(seed);
	const scenario_event events[] = {
	    fault(SCENARIO_EVENT_SENSOR_NOISE, 100, 15.0, 600),
	    fault(SCENARIO_EVENT_SENSOR_NOISE, 300, 5.0, 60),
	    fault(SCENARIO_EVENT_SENSOR_DROPOUT, 320, 0.0, 30),
	    fault(SCENARIO_EVENT_SENSOR_DRIFT, 500, 12.5, 300),
	    fault(SCENARIO_EVENT_SENSOR_COMPRESSION, 900, 35.0, 90),
	};
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		cr_assert(sensor_faults_start(f, &events[i]));
	for (int64_t t = 0; t < 1440; t++) {
		out[t] = 100.0 + (double)(t % 37);
		kept[t] = sensor_faults_apply(f, t, &out[t], 39.0, 400.0);
	}
	sensor_faults_free(f);
}

Test(sensor_faults, the_same_seed_gives_the_same_bytes_and_another_seed_other_noise)
{
	static double a[1440], b[1440], c[1440];
	static bool ka[1440], kb[1440], kc[1440];
	run_day(42, a, ka);
	run_day(42, b, kb);
	run_day(43, c, kc);
	cr_assert(memcmp(a, b, sizeof a) == 0, "same seed, same readings (seed 42)");
	cr_assert(memcmp(ka, kb, sizeof ka) == 0);
	cr_assert(memcmp(ka, kc, sizeof ka) == 0,
	          "which minutes are dropped does not depend on it");
	cr_assert(memcmp(a, c, sizeof a) != 0, "seeds 42 and 43 give different noise");
	/* Outside the noise bursts there is nothing random. */
	cr_assert_eq(a[50], c[50]);
	cr_assert_eq(a[950], c[950]);
}

Test(sensor_faults, the_noise_stream_is_not_the_cgms_stream_of_the_same_seed)
{
	sensor_faults *f = sensor_faults_new(5);
	scenario_event ev = fault(SCENARIO_EVENT_SENSOR_NOISE, 0, 1.0, 10);
	cr_assert(sensor_faults_start(f, &ev));
	rng cgm;
	rng_seed(&cgm, 5);
	double first = read_at(f, 0) - 100.0;
	cr_assert_neq(first, rng_gauss(&cgm), "seed 5 must not replay the CGM's first draw");
	sensor_faults_free(f);
}

Test(sensor_faults, a_dropout_does_not_shift_the_noise_of_later_minutes)
{
	sensor_faults *with = sensor_faults_new(9), *without = sensor_faults_new(9);
	scenario_event noise = fault(SCENARIO_EVENT_SENSOR_NOISE, 0, 10.0, 100);
	scenario_event drop = fault(SCENARIO_EVENT_SENSOR_DROPOUT, 20, 0.0, 10);
	cr_assert(sensor_faults_start(with, &noise));
	cr_assert(sensor_faults_start(with, &drop));
	cr_assert(sensor_faults_start(without, &noise));
	for (int64_t t = 0; t < 100; t++) {
		double a = read_at(with, t), b = read_at(without, t);
		if (t >= 20 && t < 30)
			cr_assert(isnan(a));
		else
			cr_assert_eq(a, b, "minute %lld", (long long)t);
	}
	sensor_faults_free(with);
	sensor_faults_free(without);
}

Test(sensor_faults, start_refuses_what_is_not_a_valid_sensor_fault)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event meal = fault(SCENARIO_EVENT_MEAL, 0, 50.0, 0);
	scenario_event no_time = fault(SCENARIO_EVENT_SENSOR_DROPOUT, 0, 0.0, 0);
	scenario_event nan_drift = fault(SCENARIO_EVENT_SENSOR_DRIFT, 0, NAN, 60);
	scenario_event zero_noise = fault(SCENARIO_EVENT_SENSOR_NOISE, 0, 0.0, 60);
	scenario_event negative_fall = fault(SCENARIO_EVENT_SENSOR_COMPRESSION, 0, -5.0, 60);
	cr_assert_not(sensor_faults_start(f, &meal));
	cr_assert_not(sensor_faults_start(f, &no_time));
	cr_assert_not(sensor_faults_start(f, &nan_drift));
	cr_assert_not(sensor_faults_start(f, &zero_noise));
	cr_assert_not(sensor_faults_start(f, &negative_fall));
	cr_assert_not(sensor_faults_start(NULL, &meal));
	cr_assert_eq(read_at(f, 0), 100.0, "nothing was started");
	sensor_faults_free(f);
}

Test(sensor_faults, at_most_64_at_once_and_room_again_once_they_are_over)
{
	sensor_faults *f = sensor_faults_new(1);
	scenario_event ev = fault(SCENARIO_EVENT_SENSOR_DRIFT, 0, 60.0, 10);
	for (int i = 0; i < SENSOR_FAULTS_MAX_ACTIVE; i++)
		cr_assert(sensor_faults_start(f, &ev), "fault %d", i);
	cr_assert_not(sensor_faults_start(f, &ev), "the 65th while all are active");
	cr_assert_float_eq(read_at(f, 5), 100.0 + 64 * 5.0, 1e-9);
	cr_assert_eq(read_at(f, 10), 100.0, "all over at minute 10");
	scenario_event later = fault(SCENARIO_EVENT_SENSOR_DRIFT, 20, 60.0, 10);
	cr_assert(sensor_faults_start(f, &later));
	cr_assert_float_eq(read_at(f, 25), 105.0, 1e-9);
	sensor_faults_free(f);
}
