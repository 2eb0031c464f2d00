/*
 * The controllers (pump_model/controller.h) on hand-made inputs: what each algorithm
 * decides, and the rules every one obeys — a stale or missing CGM gives the programmed
 * basal and no automatic insulin, nothing is asked of a pump that is not delivering, the
 * person's temp basal is left alone, max-basal and max-IOB hold, the PID's integral does
 * not wind up; the insulin ledger's net IOB against a sum done the slow way; and the loop
 * bound to a real pump (commands audited as source controller, none accepted while the
 * pump's low-glucose protection has it suspended).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_loop.h"
#include "insulin_curve.h"
#include "insulin_ledger.h"
#include "pump_model.h"

/* An adult: CR 10 g/U, CF 40 mg/dL/U, TDI 40 U, basal 1 U/h, 70 kg, 30 years. */
static const controller_therapy adult = {10.0, 40.0, 40.0, 1.0, 70.0, 30.0};

static controller_settings settings_for(controller_algorithm a)
{
	controller_settings s;
	controller_settings_for_therapy(a, &adult, &s);
	return s;
}

/* Readings every 5 minutes up to `now`, from `start` mg/dL changing by `per_5min`. */
typedef struct history {
	controller_reading r[64];
	size_t n;
} history;

static history readings(int64_t now, int count, double start, double per_5min)
{
	history h = {.n = (size_t)count};
	for (int i = 0; i < count; i++)
		h.r[i] = (controller_reading){now - 5 * (count - 1 - i), start + per_5min * i};
	return h;
}

static controller_input input(int64_t now, const history *h)
{
	return (controller_input){
	    .now_min = now,
	    .cgm = h->r,
	    .cgm_count = h->n,
	    .scheduled_basal_u_per_h = 1.0,
	    .pump = {.delivering = true},
	};
}

static controller_decision step(controller *c, const controller_input *in)
{
	controller_decision d;
	controller_step(c, in, &d);
	return d;
}

Test(controller_names, every_algorithm_and_status_has_a_round_trip_name)
{
	for (int a = 0; a < CONTROLLER_ALGORITHM_COUNT; a++) {
		controller_algorithm back;
		cr_assert(controller_algorithm_from_name(controller_algorithm_name(a), &back));
		cr_assert_eq(back, a);
	}
	cr_assert_str_eq(controller_algorithm_name(CONTROLLER_PID_IFB), "pid-ifb");
	controller_algorithm x;
	cr_assert_not(controller_algorithm_from_name("oref1", &x));
	cr_assert_str_eq(controller_status_name(CONTROLLER_CGM_STALE), "cgm_stale");
	for (int s = 0; s < CONTROLLER_STATUS_COUNT; s++)
		cr_assert_str_neq(controller_status_name(s), "unknown");
}

Test(controller_settings, unusable_settings_are_refused_with_a_reason)
{
	controller_settings s = settings_for(CONTROLLER_OREF0);
	cr_assert_null(controller_settings_check(&s));
	s.max_basal_u_per_h = NAN;
	cr_assert_not_null(controller_settings_check(&s));
	cr_assert_null(controller_new(&s));
	s = settings_for(CONTROLLER_OREF0);
	s.low_suspend_mgdl = s.target_mgdl + 1;
	cr_assert_not_null(controller_settings_check(&s));
	s = settings_for(CONTROLLER_PID_IFB);
	s.pid.ti_min = 0;
	cr_assert_not_null(controller_settings_check(&s));
}

Test(controller_settings, children_get_the_conservative_carb_ratio_and_target)
{
	controller_therapy child = {15.0, 30.0, 20.0, 0.4, 30.0, 9.0};
	controller_settings s;
	controller_settings_for_therapy(CONTROLLER_OREF0, &child, &s);
	cr_assert_float_eq(s.carb_ratio_g_per_u, 25.0, 1e-9); /* 500 / 20 > 15 */
	cr_assert_float_eq(s.target_mgdl, 110.0, 1e-9);
	cr_assert_float_eq(s.correction_factor_mgdl_per_u, 90.0, 1e-9); /* 1800 / 20 */
	/* the reference keeps the clinic's settings as they are */
	controller_settings_for_therapy(CONTROLLER_BASAL_BOLUS, &child, &s);
	cr_assert_float_eq(s.carb_ratio_g_per_u, 15.0, 1e-9);
	cr_assert_float_eq(s.correction_factor_mgdl_per_u, 30.0, 1e-9);
}

/* ---------------------------------------------------------------------------------- */
/* Rules every algorithm obeys                                                         */
/* ---------------------------------------------------------------------------------- */

Test(controller_rules, a_stale_cgm_gives_the_programmed_basal_and_no_automatic_insulin)
{
	for (int a = 0; a < CONTROLLER_ALGORITHM_COUNT; a++) {
		controller_settings s = settings_for(a);
		controller *c = controller_new(&s);
		/* a high glucose, but the newest reading is 20 minutes old */
		history h = readings(980, 12, 250.0, 5.0);
		controller_input in = input(1000, &h);
		in.pump.temp_active = in.pump.temp_is_controllers = true;
		in.pump.temp_u_per_h = 3.0;
		in.pump.temp_remaining_min = 20;
		const controller_decision d = step(c, &in);
		cr_assert_eq(d.status, CONTROLLER_CGM_STALE, "%s", controller_algorithm_name(a));
		cr_assert_eq(d.action, CONTROLLER_CANCEL_TEMP, "%s: the programmed basal",
		             controller_algorithm_name(a));
		cr_assert_eq(d.bolus_u, 0.0, "%s: never a guess", controller_algorithm_name(a));
		controller_free(c);
	}
}

Test(controller_rules, a_stale_cgm_still_covers_announced_carbs_without_a_correction)
{
	controller_settings s = settings_for(CONTROLLER_BASAL_BOLUS);
	controller *c = controller_new(&s);
	history h = readings(970, 12, 250.0, 0.0); /* 250 mg/dL, 30 min old */
	controller_input in = input(1000, &h);
	in.carbs_g = 50.0;
	const controller_decision d = step(c, &in);
	cr_assert_eq(d.status, CONTROLLER_CGM_STALE);
	cr_assert_float_eq(d.bolus_u, 5.0, 1e-9); /* 50 g / 10, no (250 − 140) / 40 */
	cr_assert(d.bolus_is_meal);
	controller_free(c);
}

Test(controller_rules, no_reading_at_all_is_missing_not_a_guess)
{
	for (int a = 0; a < CONTROLLER_ALGORITHM_COUNT; a++) {
		controller_settings s = settings_for(a);
		controller *c = controller_new(&s);
		controller_input in = {
		    .now_min = 0, .scheduled_basal_u_per_h = 1.0, .pump = {.delivering = true}};
		const controller_decision d = step(c, &in);
		cr_assert_eq(d.status, CONTROLLER_CGM_MISSING);
		cr_assert_eq(d.action, CONTROLLER_KEEP); /* no temp of its own to end */
		cr_assert_eq(d.bolus_u, 0.0);
		cr_assert(isnan(d.bg_mgdl));
		controller_free(c);
	}
}

Test(controller_rules, a_pump_that_is_not_delivering_is_asked_nothing_not_even_a_meal_bolus)
{
	for (int a = 0; a < CONTROLLER_ALGORITHM_COUNT; a++) {
		controller_settings s = settings_for(a);
		controller *c = controller_new(&s);
		history h = readings(1000, 12, 300.0, 10.0);
		controller_input in = input(1000, &h);
		in.pump.delivering = false; /* paused by its protection, or by the person */
		in.carbs_g = 60.0;
		const controller_decision d = step(c, &in);
		cr_assert_eq(d.status, CONTROLLER_NOT_DELIVERING);
		cr_assert_eq(d.action, CONTROLLER_KEEP);
		cr_assert_eq(d.bolus_u, 0.0);
		controller_free(c);
	}
}

Test(controller_rules, the_persons_temp_basal_is_left_alone)
{
	for (int a = 0; a < CONTROLLER_ALGORITHM_COUNT; a++) {
		controller_settings s = settings_for(a);
		controller *c = controller_new(&s);
		history h = readings(1000, 12, 280.0, 6.0);
		controller_input in = input(1000, &h);
		in.pump.temp_active = in.pump.temp_is_persons = true;
		in.pump.temp_u_per_h = 0.2; /* exercise */
		in.pump.temp_remaining_min = 60;
		const controller_decision d = step(c, &in);
		cr_assert_eq(d.status, CONTROLLER_PERSON_TEMP);
		cr_assert_eq(d.action, CONTROLLER_KEEP);
		cr_assert_eq(d.bolus_u, 0.0);
		controller_free(c);
	}
}

Test(controller_rules, max_basal_caps_every_rate_asked)
{
	controller_algorithm algs[] = {CONTROLLER_PID_IFB, CONTROLLER_OREF0};
	for (size_t i = 0; i < 2; i++) {
		controller_settings s = settings_for(algs[i]);
		s.max_basal_u_per_h = 1.5;
		s.max_iob_u = 50.0; /* so that only max_basal can bind */
		controller *c = controller_new(&s);
		history h = readings(1000, 12, 300.0, 8.0); /* 388 and rising */
		controller_input in = input(1000, &h);
		const controller_decision d = step(c, &in);
		cr_assert_eq(d.action, CONTROLLER_SET_TEMP, "%s",
		             controller_algorithm_name(algs[i]));
		cr_assert_leq(d.rate_u_per_h, 1.5 + 1e-9);
		cr_assert(d.limits & CONTROLLER_LIMIT_MAX_BASAL);
		controller_free(c);
	}
}

Test(controller_rules, no_automatic_insulin_beyond_max_iob)
{
	controller_algorithm algs[] = {CONTROLLER_PID_IFB, CONTROLLER_OREF0};
	for (size_t i = 0; i < 2; i++) {
		controller_settings s = settings_for(algs[i]);
		s.max_iob_u = 2.0;
		controller *c = controller_new(&s);
		history h = readings(1000, 12, 300.0, 8.0);
		controller_input in = input(1000, &h);
		in.insulin.net_iob_u = 2.5; /* already over */
		const controller_decision d = step(c, &in);
		cr_assert_leq(d.rate_u_per_h, in.scheduled_basal_u_per_h + 1e-9, "%s: %g U/h",
		              controller_algorithm_name(algs[i]), d.rate_u_per_h);
		cr_assert_eq(d.bolus_u, 0.0);
		controller_free(c);
	}
}

Test(controller_rules, a_temp_above_basal_adds_at_most_the_room_left_under_max_iob)
{
	controller_settings s = settings_for(CONTROLLER_PID_IFB);
	s.max_iob_u = 1.5;
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 320.0, 8.0);
	controller_input in = input(1000, &h);
	in.insulin.net_iob_u = 1.0;
	const controller_decision d = step(c, &in);
	/* (rate − basal) over the temp's 30 minutes ≤ 1.5 − 1.0 U */
	cr_assert_leq((d.rate_u_per_h - 1.0) * s.temp_duration_min / 60.0, 0.5 + 1e-9);
	cr_assert(d.limits & CONTROLLER_LIMIT_MAX_IOB);
	controller_free(c);
}

Test(controller_rules, no_bolus_while_one_is_being_delivered)
{
	controller_settings s = settings_for(CONTROLLER_BASAL_BOLUS);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 120.0, 0.0);
	controller_input in = input(1000, &h);
	in.carbs_g = 40.0;
	in.pump.bolus_active = true;
	const controller_decision d = step(c, &in);
	cr_assert_eq(d.bolus_u, 0.0);
	cr_assert(d.limits & CONTROLLER_LIMIT_BOLUS_ACTIVE);
	controller_free(c);
}

Test(controller_rules, a_low_glucose_gets_a_zero_temp)
{
	controller_algorithm algs[] = {CONTROLLER_PID_IFB, CONTROLLER_OREF0};
	for (size_t i = 0; i < 2; i++) {
		controller_settings s = settings_for(algs[i]);
		controller *c = controller_new(&s);
		history h = readings(1000, 12, 110.0, -4.0); /* 66 and falling */
		controller_input in = input(1000, &h);
		const controller_decision d = step(c, &in);
		cr_assert_eq(d.status, CONTROLLER_LOW_SUSPEND, "%s",
		             controller_algorithm_name(algs[i]));
		cr_assert_eq(d.action, CONTROLLER_SET_TEMP);
		cr_assert_eq(d.rate_u_per_h, 0.0);
		controller_free(c);
	}
}

/* ---------------------------------------------------------------------------------- */
/* Each algorithm                                                                      */
/* ---------------------------------------------------------------------------------- */

Test(controller_basal_bolus, gives_the_references_meal_bolus_and_never_a_temp)
{
	controller_settings s = settings_for(CONTROLLER_BASAL_BOLUS);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 180.0, 0.0);
	controller_input in = input(1000, &h);
	in.carbs_g = 60.0;
	in.insulin.net_iob_u = 3.0; /* the reference subtracts nothing */
	controller_decision d = step(c, &in);
	/* 60 / 10 + (180 − 140) / 40 = 7.0 U */
	cr_assert_float_eq(d.bolus_u, 7.0, 1e-9);
	cr_assert_eq(d.action, CONTROLLER_KEEP);
	in.carbs_g = 0.0;
	in.now_min = 1005;
	d = step(c, &in);
	cr_assert_eq(d.bolus_u, 0.0);
	cr_assert_eq(d.action, CONTROLLER_KEEP);
	controller_free(c);
}

Test(controller_basal_bolus, a_bolus_is_rounded_down_to_the_pulse)
{
	controller_settings s = settings_for(CONTROLLER_BASAL_BOLUS);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 120.0, 0.0);
	controller_input in = input(1000, &h);
	in.carbs_g = 43.0; /* 4.3 U */
	cr_assert_float_eq(step(c, &in).bolus_u, 4.3, 1e-9);
	in.carbs_g = 43.4; /* 4.34 → 4.30 */
	in.now_min = 1005;
	cr_assert_float_eq(step(c, &in).bolus_u, 4.3, 1e-9);
	controller_free(c);
}

Test(controller_pid_ifb, at_target_and_steady_it_asks_the_programmed_basal)
{
	controller_settings s = settings_for(CONTROLLER_PID_IFB);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, s.target_mgdl, 0.0);
	controller_input in = input(1000, &h);
	in.insulin.delivered_u = 5.0 / 60.0; /* the basal over the last 5 minutes */
	controller_decision d = step(c, &in);
	for (int k = 1; k <= 10; k++) {
		in.now_min = 1000 + 5 * k;
		h = readings(in.now_min, 12, s.target_mgdl, 0.0);
		in.cgm = h.r;
		d = step(c, &in);
	}
	/* basal as offset: nothing to correct, so the programme (no temp of its own) */
	cr_assert(d.action == CONTROLLER_KEEP || d.action == CONTROLLER_CANCEL_TEMP ||
	              fabs(d.rate_u_per_h - 1.0) < 0.051,
	          "action %d rate %g", d.action, d.rate_u_per_h);
	controller_free(c);
}

Test(controller_pid_ifb, the_integral_does_not_wind_up_while_the_command_is_saturated)
{
	controller_settings s = settings_for(CONTROLLER_PID_IFB);
	s.max_basal_u_per_h = 2.0;
	s.max_iob_u = 100.0;
	controller *c = controller_new(&s);
	controller_input in;
	history h;
	/* Ten hours at 350 mg/dL: the command is pinned at max_basal the whole time. */
	for (int k = 0; k < 120; k++) {
		h = readings(5 * k, 12, 350.0, 0.0);
		in = input(5 * k, &h);
		in.insulin.delivered_u = 2.0 * 5.0 / 60.0;
		(void)step(c, &in);
	}
	/* Back at target and steady: without anti-windup the I term would still be several
	 * U/h above basal; here it is within the clamp (0.3 × basal). */
	controller_decision d;
	for (int k = 120; k < 150; k++) {
		h = readings(5 * k, 12, s.target_mgdl, 0.0);
		in = input(5 * k, &h);
		in.insulin.delivered_u = 1.0 * 5.0 / 60.0;
		d = step(c, &in);
	}
	const double rate = d.action == CONTROLLER_SET_TEMP ? d.rate_u_per_h : 1.0;
	cr_assert_leq(rate, 1.0 + (1.0 + s.pid.ifb_gamma) * s.pid.integral_high_u_per_h + 0.06,
	              "rate %g U/h at target after a long high", rate);
	controller_free(c);
}

Test(controller_pid_ifb, insulin_already_delivered_lowers_the_command)
{
	controller_settings s = settings_for(CONTROLLER_PID_IFB);
	s.max_iob_u = 100.0;
	controller *a = controller_new(&s), *b = controller_new(&s);
	controller_decision da, db;
	for (int k = 0; k < 6; k++) {
		history h = readings(5 * k, 12, 200.0, 0.0);
		controller_input in = input(5 * k, &h);
		in.insulin.delivered_u = 5.0 / 60.0;
		da = step(a, &in);
		in.insulin.delivered_u = k == 1 ? 6.0 : 5.0 / 60.0; /* a 6 U bolus in b */
		db = step(b, &in);
	}
	cr_assert_lt(db.rate_u_per_h, da.rate_u_per_h, "IFB: %g vs %g U/h", db.rate_u_per_h,
	             da.rate_u_per_h);
	controller_free(a);
	controller_free(b);
}

Test(controller_oref0, a_high_steady_glucose_gets_a_high_temp_within_max_safe_basal)
{
	controller_settings s = settings_for(CONTROLLER_OREF0);
	s.max_iob_u = 10.0;
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 220.0, 0.0);
	controller_input in = input(1000, &h);
	const controller_decision d = step(c, &in);
	cr_assert_eq(d.status, CONTROLLER_DOSING);
	cr_assert_eq(d.action, CONTROLLER_SET_TEMP);
	cr_assert_gt(d.rate_u_per_h, 1.0);
	/* max safe basal: 3 × the basal (max_daily_safety_multiplier) */
	cr_assert_leq(d.rate_u_per_h, 3.0 + 1e-9);
	/* eventualBG = 220 − IOB·ISF + deviation = 220 with nothing on board */
	cr_assert_float_eq(d.predicted_mgdl, 220.0, 1e-6);
	cr_assert_float_eq(d.insulin_req_u, (220.0 - s.target_mgdl) / 45.0, 0.5);
	controller_free(c);
}

Test(controller_oref0, insulin_on_board_brings_the_eventual_glucose_down)
{
	controller_settings s = settings_for(CONTROLLER_OREF0);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 180.0, 0.0);
	controller_input in = input(1000, &h);
	in.insulin.net_iob_u = 2.0; /* 2 U × ISF 45 = 90 mg/dL to come */
	const controller_decision d = step(c, &in);
	cr_assert_lt(d.predicted_mgdl, s.target_mgdl);
	cr_assert(d.action == CONTROLLER_SET_TEMP && d.rate_u_per_h < 1.0);
	controller_free(c);
}

Test(controller_oref0, announced_carbs_are_on_board_and_get_the_calculator_bolus)
{
	controller_settings s = settings_for(CONTROLLER_OREF0);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 100.0, 0.0);
	controller_input in = input(1000, &h);
	in.carbs_g = 50.0;
	const controller_decision d = step(c, &in);
	cr_assert_float_eq(d.cob_g, 50.0, 1e-9);
	/* 50 / 10 + (100 − 100) / 45 − 0 */
	cr_assert_float_eq(d.bolus_u, 5.0, 1e-9);
	cr_assert(d.bolus_is_meal);
	controller_free(c);
}

Test(controller_oref0, carbs_on_board_absorb_at_least_at_the_minimum_carb_impact)
{
	controller_settings s = settings_for(CONTROLLER_OREF0);
	controller *c = controller_new(&s);
	history h = readings(1000, 12, 100.0, 0.0);
	controller_input in = input(1000, &h);
	in.carbs_g = 40.0;
	(void)step(c, &in);
	in.carbs_g = 0.0;
	in.now_min = 1005;
	h = readings(1005, 12, 100.0, 0.0); /* flat: nothing seen absorbing */
	in.cgm = h.r;
	const controller_decision d = step(c, &in);
	/* 8 mg/dL per 5 min / CSF (45 / 10 = 4.5 mg/dL per g) = 1.78 g */
	cr_assert_float_eq(d.cob_g, 40.0 - 8.0 / 4.5, 1e-6);
	controller_free(c);
}

/* ---------------------------------------------------------------------------------- */
/* The insulin ledger                                                                  */
/* ---------------------------------------------------------------------------------- */

Test(insulin_ledger, net_iob_is_the_curve_summed_over_deliveries_minus_the_programme)
{
	insulin_ledger *l = insulin_ledger_new(300, 75);
	double net[3000];
	unsigned x = 12345;
	for (int t = 0; t < 3000; t++) {
		x = x * 1103515245u + 12345u;
		const double delivered = (x >> 16) % 7 == 0 ? ((x >> 8) % 100) / 20.0 : 0.02;
		net[t] = delivered - 1.0 / 60.0;
		insulin_ledger_record(l, t, delivered, 1.0 / 60.0);
		if (t % 97 == 0 || t == 2999) {
			double want = 0.0;
			for (int m = t - 299 < 0 ? 0 : t - 299; m <= t; m++)
				want += net[m] * insulin_curve_remaining(t + 1 - m, 300, 75);
			cr_assert_float_eq(insulin_ledger_net_iob_u(l, t + 1), want, 1e-9,
			                   "minute %d", t);
		}
	}
	insulin_ledger_free(l);
}

Test(insulin_ledger, skipped_minutes_count_as_nothing_on_a_short_ring_that_wraps_often)
{
	/* a 9-minute action time: the ring wraps every 9 minutes, and gaps of 1, 2 and more
	 * minutes step its slots on (the usual path takes gaps of up to one skipped minute) */
	insulin_ledger *l = insulin_ledger_new(9, 2);
	double net[400] = {0};
	const int gaps[] = {1, 2, 1, 1, 3, 2, 1, 12, 1, 2, 2, 1, 9, 1, 10};
	int t = 0;
	for (int i = 0; t < 380; i++) {
		const double delivered = 0.05 * (double)(i % 5), scheduled = 0.02;
		net[t] = delivered - scheduled;
		insulin_ledger_record(l, t, delivered, scheduled);
		double want = 0.0;
		for (int m = t - 8 < 0 ? 0 : t - 8; m <= t; m++)
			want += net[m] * insulin_curve_remaining(t + 1 - m, 9, 2);
		cr_assert_float_eq(insulin_ledger_net_iob_u(l, t + 1), want, 1e-12, "minute %d", t);
		t += gaps[i % (sizeof gaps / sizeof gaps[0])];
	}
	insulin_ledger_free(l);
}

Test(insulin_ledger, a_bolus_counts_as_the_pump_counts_it)
{
	pump_config cfg;
	pump_config_defaults(&cfg);
	cfg.bolus_speed_u_per_min = 0.0; /* instant: the exact dose */
	pump *p = pump_new(&cfg);
	insulin_ledger *l = insulin_ledger_new(cfg.insulin_action_min, cfg.insulin_peak_min);
	const pump_bolus_request req = {.type = PUMP_BOLUS_NORMAL, .immediate_u = 4.0};
	cr_assert_eq(pump_bolus(p, 10, PUMP_SOURCE_PUMP, &req, NULL), PUMP_OK);
	for (int t = 0; t < 200; t++) {
		const pump_delivery d = pump_tick(p, t, NAN);
		insulin_ledger_record(l, t, d.basal_u + d.bolus_u, d.basal_u);
	}
	/* the programme's own basal nets to 0: the bolus alone, on the same curve */
	cr_assert_float_eq(insulin_ledger_net_iob_u(l, 200), pump_iob_u(p, 200), 1e-9);
	cr_assert_gt(insulin_ledger_activity_u_per_min(l, 200), 0.0);
	insulin_ledger_free(l);
	pump_free(p);
}

Test(insulin_ledger, a_suspension_is_negative_insulin_on_board)
{
	insulin_ledger *l = insulin_ledger_new(300, 75);
	for (int t = 0; t < 60; t++)
		insulin_ledger_record(l, t, 0.0, 1.0 / 60.0);
	cr_assert_lt(insulin_ledger_net_iob_u(l, 60), -0.9);
	insulin_ledger_free(l);
}

/* A forecast longer than the one-table path holds (a caller's count is not bounded by the
 * controller's 9 points) takes the general loop: the same activities, nothing written
 * outside the caller's array (ASan build). */
Test(insulin_ledger, a_forecast_of_any_length_agrees_with_a_short_one)
{
	insulin_ledger *l = insulin_ledger_new(360, 75);
	for (int t = 0; t < 400; t++)
		insulin_ledger_record(l, t, t % 97 == 0 ? 3.0 : 0.0, 0.0);
	double short_f[9];
	insulin_ledger_forecast(l, 400, 15, 9, short_f);
	enum { LONG = 400 };
	double *long_f = malloc(LONG * sizeof *long_f);
	cr_assert_not_null(long_f);
	insulin_ledger_forecast(l, 400, 15, LONG, long_f);
	for (int k = 0; k < 9; k++)
		cr_assert_float_eq(long_f[k], short_f[k], 1e-12, "point %d", k);
	cr_assert_gt(long_f[0], 0.0);
	for (int k = 360 / 15 + 1; k < LONG; k++)
		cr_assert_eq(long_f[k], 0.0, "point %d is past the action time", k);
	free(long_f);
	insulin_ledger_free(l);
}

Test(insulin_ledger, the_forecast_activity_fades_as_the_insulin_is_used)
{
	insulin_ledger *l = insulin_ledger_new(300, 75);
	for (int t = 0; t < 120; t++)
		insulin_ledger_record(l, t, t == 0 ? 5.0 : 0.0, 0.0);
	double f[9];
	insulin_ledger_forecast(l, 120, 30, 9, f);
	/* two hours after a bolus (peak 75 min) the activity only falls, to 0 by 5 h */
	for (int k = 1; k < 9; k++)
		cr_assert_leq(f[k], f[k - 1] + 1e-12);
	cr_assert_gt(f[0], 0.0);
	/* 5 h after the bolus it is all but gone (the 15-minute grouping moves it by 7 min),
	 * and after that nothing */
	cr_assert_lt(f[6], 0.02 * f[0]);
	cr_assert_eq(f[8], 0.0);
	/* and it agrees with the activity now, within the 15-minute grouping */
	cr_assert_float_eq(f[0], insulin_ledger_activity_u_per_min(l, 120),
	                   0.1 * insulin_ledger_activity_u_per_min(l, 120));
	insulin_ledger_free(l);
}

/* ---------------------------------------------------------------------------------- */
/* The loop on a real pump                                                             */
/* ---------------------------------------------------------------------------------- */

typedef struct audit {
	int controller_commands, controller_accepted, other_sources;
	pump_command last;
	pump_result last_result;
	controller_loop *loop;
} audit;

static void on_event(const pump_event *ev, void *user_data)
{
	audit *a = user_data;
	if (ev->kind != PUMP_EV_COMMAND)
		return;
	if (ev->source == PUMP_SOURCE_CONTROLLER) {
		a->controller_commands++;
		a->controller_accepted += ev->result == PUMP_OK;
		a->last = ev->command;
		a->last_result = ev->result;
	} else {
		a->other_sources++;
	}
}

static pump *audited_pump(audit *a, bool lgs)
{
	pump_config cfg;
	pump_config_defaults(&cfg);
	cfg.on_event = on_event;
	cfg.user_data = a;
	cfg.lgs.enabled = lgs;
	return pump_new(&cfg);
}

Test(controller_loop, a_high_glucose_gets_a_temp_basal_audited_as_the_controllers)
{
	audit a = {0};
	pump *p = audited_pump(&a, false);
	controller_settings s = settings_for(CONTROLLER_OREF0);
	a.loop = controller_loop_new(&s);
	controller_report r;
	bool stepped = false;
	for (int t = 0; t <= 30; t++) {
		stepped = controller_loop_minute(a.loop, p, t, 240.0, 0.0, &r);
		const pump_delivery d = pump_tick(p, t, 240.0);
		controller_loop_delivered(a.loop, p, t, &d);
	}
	(void)stepped;
	cr_assert_gt(a.controller_accepted, 0);
	cr_assert_eq(a.other_sources, 0);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert(st.temp_basal_active);
	cr_assert_gt(st.basal_rate_u_per_h, 1.0);
	controller_loop_free(a.loop);
	pump_free(p);
}

Test(controller_loop, nothing_is_sent_while_the_protection_has_the_pump_suspended)
{
	audit a = {0};
	pump *p = audited_pump(&a, true);
	controller_settings s = settings_for(CONTROLLER_OREF0);
	a.loop = controller_loop_new(&s);
	controller_report r;
	int sent_while_suspended = 0;
	for (int t = 0; t < 180; t++) {
		/* 65 mg/dL: the pump's low-glucose protection suspends; then 150 with carbs */
		const double cgm = t < 120 ? 65.0 : 150.0;
		const double carbs = t == 60 ? 40.0 : 0.0;
		pump_status st;
		pump_get_status(p, &st);
		const int before = a.controller_commands;
		controller_loop_minute(a.loop, p, t, cgm, carbs, &r);
		if (st.suspended_by_lgs && a.controller_commands > before)
			sent_while_suspended++;
		const pump_delivery d = pump_tick(p, t, cgm);
		controller_loop_delivered(a.loop, p, t, &d);
	}
	cr_assert_eq(sent_while_suspended, 0);
	/* the protection ended by its own rule, never by the controller */
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(a.other_sources, 0);
	controller_loop_free(a.loop);
	pump_free(p);
}

Test(controller_loop, the_fallback_ends_the_controllers_temp_when_readings_stop)
{
	audit a = {0};
	pump *p = audited_pump(&a, false);
	controller_settings s = settings_for(CONTROLLER_PID_IFB);
	a.loop = controller_loop_new(&s);
	controller_report r;
	int began = 0;
	for (int t = 0; t < 120; t++) {
		const double cgm = t < 40 ? 250.0 : NAN; /* the sensor falls silent at 40 */
		if (controller_loop_minute(a.loop, p, t, cgm, 0.0, &r) && r.fallback_began) {
			began++;
			cr_assert_eq(r.decision.status, CONTROLLER_CGM_STALE);
			cr_assert(r.temp_sent);
			cr_assert_eq(a.last, PUMP_CMD_CANCEL_TEMP_BASAL);
			cr_assert_eq(r.temp_result, PUMP_OK);
			cr_assert_leq(t, 40 + s.cgm_stale_min + s.interval_min);
		}
		const pump_delivery d = pump_tick(p, t, cgm);
		controller_loop_delivered(a.loop, p, t, &d);
	}
	cr_assert_eq(began, 1);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_not(st.temp_basal_active);
	controller_loop_free(a.loop);
	pump_free(p);
}

Test(controller_loop, switched_off_it_ends_its_temp_and_sends_nothing_more)
{
	audit a = {0};
	pump *p = audited_pump(&a, false);
	controller_settings s = settings_for(CONTROLLER_OREF0);
	a.loop = controller_loop_new(&s);
	controller_report r;
	for (int t = 0; t < 120; t++) {
		if (t == 60) {
			controller_loop_set_enabled(a.loop, p, t, false);
			cr_assert_eq(a.last, PUMP_CMD_CANCEL_TEMP_BASAL);
		}
		const int before = a.controller_commands;
		controller_loop_minute(a.loop, p, t, 250.0, t == 90 ? 50.0 : 0.0, &r);
		if (t > 60)
			cr_assert_eq(a.controller_commands, before, "minute %d", t);
		const pump_delivery d = pump_tick(p, t, 250.0);
		controller_loop_delivered(a.loop, p, t, &d);
	}
	cr_assert_not(controller_loop_enabled(a.loop));
	controller_loop_free(a.loop);
	pump_free(p);
}
