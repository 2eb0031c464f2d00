/*
 * patient_model: the UVA/Padova patient — steady state, meal state machine, input
 * validation, determinism, and the reference's clamp behaviour.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "patient_model.h"

static double gb_mgdl(const patient_params *p)
{
	return p->x0[PATIENT_GP_MG_PER_KG] / p->Vg;
}

Test(patient_params, thirty_patients_in_reference_order)
{
	cr_assert_eq(patient_params_count(), 30);
	cr_assert_str_eq(patient_params_at(0)->name, "adolescent#001");
	cr_assert_str_eq(patient_params_at(10)->name, "adult#001");
	cr_assert_str_eq(patient_params_at(29)->name, "child#010");
	cr_assert_null(patient_params_at(30));
	cr_assert_eq(patient_params_find("adult#007"), patient_params_at(16));
	cr_assert_null(patient_params_find("adult#011"));
	cr_assert_null(patient_params_find("Adult#001"));
	cr_assert_null(patient_params_find(NULL));
}

Test(patient_params, basal_is_u2ss_times_body_weight_over_6000)
{
	const patient_params *p = patient_params_find("adult#001");
	/* scenarios.md: adult#001 basal 0.021122675 U/min (1.267360 U/h). */
	cr_assert_float_eq(patient_basal_u_per_min(p), 0.021122675, 1e-9);
	cr_assert_float_eq(patient_basal_u_per_min(patient_params_find("child#003")) * 60.0,
	                   0.288790, 1e-6);
}

Test(patient, fasting_on_own_basal_stays_at_basal_glucose_for_every_patient)
{
	for (size_t i = 0; i < patient_params_count(); i++) {
		const patient_params *pp = patient_params_at(i);
		patient *p = patient_new(pp);
		cr_assert_not_null(p);
		for (int k = 0; k < 1440; k++)
			cr_assert_eq(patient_step(p, 0, patient_basal_u_per_min(pp), NULL),
			             PATIENT_STEP_OK);
		cr_expect_float_eq(patient_bg_mgdl(p), gb_mgdl(pp), 1e-6, "%s: %.9f vs %.9f",
		                   pp->name, patient_bg_mgdl(p), gb_mgdl(pp));
		cr_expect_float_eq(patient_time_min(p), 1440.0, 0.0);
		patient_free(p);
	}
}

Test(patient, meal_is_eaten_at_five_grams_a_minute_remainder_last)
{
	const patient_params *pp = patient_params_find("adult#001");
	patient *p = patient_new(pp);
	const double expected[] = {5, 5, 2, 0, 0};
	for (int k = 0; k < 5; k++) {
		patient_step_info info;
		cr_assert_eq(patient_step(p, k == 0 ? 12.0 : 0.0, 0.02, &info), PATIENT_STEP_OK);
		cr_assert_float_eq(info.eaten_g, expected[k], 1e-12, "minute %d ate %g", k,
		                   info.eaten_g);
	}
	patient_free(p);
}

Test(patient, meal_announced_while_eating_extends_the_meal)
{
	patient *p = patient_new(patient_params_find("adult#001"));
	double total = 0;
	int minutes_eating = 0;
	for (int k = 0; k < 20; k++) {
		patient_step_info info;
		patient_step(p, k == 0 ? 30.0 : (k == 3 ? 20.0 : 0.0), 0.02, &info);
		total += info.eaten_g;
		minutes_eating += info.eaten_g > 0;
	}
	cr_assert_float_eq(total, 50.0, 1e-12);
	cr_assert_eq(minutes_eating, 10, "50 g at 5 g/min is 10 minutes, got %d", minutes_eating);
	patient_free(p);
}

Test(patient, meal_raises_and_insulin_lowers_glucose)
{
	const patient_params *pp = patient_params_find("adult#004");
	const double basal = patient_basal_u_per_min(pp);
	patient *fed = patient_new(pp), *dosed = patient_new(pp);
	double peak = 0;
	for (int k = 0; k < 600; k++) {
		patient_step(fed, k == 0 ? 60.0 : 0.0, basal, NULL);
		patient_step(dosed, 0.0, k == 0 ? basal + 5.0 : basal, NULL);
		peak = fmax(peak, patient_bg_mgdl(fed));
	}
	cr_assert_gt(peak, gb_mgdl(pp) + 40.0, "60 g should raise BG well above basal");
	cr_assert_lt(patient_bg_mgdl(dosed), gb_mgdl(pp) - 20.0, "5 U should lower BG");
	patient_free(fed);
	patient_free(dosed);
}

Test(patient, bad_input_is_refused_and_changes_nothing)
{
	patient *p = patient_new(patient_params_find("child#001"));
	double before[PATIENT_STATE_COUNT], after[PATIENT_STATE_COUNT];
	patient_get_state(p, before);
	cr_assert_eq(patient_step(p, -1.0, 0.01, NULL), PATIENT_STEP_BAD_INPUT);
	cr_assert_eq(patient_step(p, 0.0, -0.01, NULL), PATIENT_STEP_BAD_INPUT);
	cr_assert_eq(patient_step(p, NAN, 0.01, NULL), PATIENT_STEP_BAD_INPUT);
	cr_assert_eq(patient_step(p, 0.0, INFINITY, NULL), PATIENT_STEP_BAD_INPUT);
	patient_get_state(p, after);
	cr_assert_eq(memcmp(before, after, sizeof before), 0);
	cr_assert_float_eq(patient_time_min(p), 0.0, 0.0);
	patient_free(p);
}

Test(patient, same_inputs_give_the_same_bits)
{
	const patient_params *pp = patient_params_find("adolescent#007");
	patient *a = patient_new(pp), *b = patient_new(pp);
	for (int k = 0; k < 2000; k++) {
		double meal = (k % 480 == 100) ? 45.0 : 0.0;
		double ins = patient_basal_u_per_min(pp) + (k % 480 == 100 ? 4.0 : 0.0);
		patient_step(a, meal, ins, NULL);
		patient_step(b, meal, ins, NULL);
	}
	double sa[PATIENT_STATE_COUNT], sb[PATIENT_STATE_COUNT];
	patient_get_state(a, sa);
	patient_get_state(b, sb);
	cr_assert_eq(memcmp(sa, sb, sizeof sa), 0);
	patient_free(a);
	patient_free(b);
}

/* Spec §6: with a large insulin excess Gp reaches 0 and the reference's clamp freezes it. */
Test(patient, deep_hypo_freezes_at_zero_as_the_reference_does)
{
	const patient_params *pp = patient_params_find("child#002");
	patient *p = patient_new(pp);
	const double basal = patient_basal_u_per_min(pp);
	double min_state = 0;
	for (int k = 0; k < 1440; k++) {
		patient_step(p, 0.0, k == 60 ? basal + 10.0 : basal, NULL);
		double s[PATIENT_STATE_COUNT];
		patient_get_state(p, s);
		for (int i = 0; i < PATIENT_STATE_COUNT; i++)
			if (i != PATIENT_X_PMOL_PER_L)
				min_state = fmin(min_state, s[i]);
		if (k == 300)
			cr_assert_lt(patient_bg_mgdl(p), 1e-6, "BG should be ~0 by minute 300");
	}
	cr_assert_lt(patient_bg_mgdl(p), 1e-6, "BG stays frozen at 0 to the end");
	cr_assert_gt(min_state, -1e-8, "no state meaningfully negative (min %g)", min_state);
	patient_free(p);
}

Test(patient, integrator_reuses_the_end_derivative_when_inputs_hold)
{
	const patient_params *pp = patient_params_find("adult#001");
	patient *p = patient_new(pp);
	unsigned evals = 0;
	for (int k = 0; k < 1440; k++) {
		patient_step_info info;
		double meal = (k == 420) ? 50 : (k == 720) ? 70 : (k == 1110) ? 80 : 0;
		patient_step(p, meal, patient_basal_u_per_min(pp) + meal / 10.0, &info);
		evals += info.rhs_evals;
	}
	/*
	 * spec §8: DOPRI5 as scipy runs it costs 7.0–7.4 evaluations a minute; reusing the
	 * last stage when the inputs did not change saves one in most minutes.
	 */
	double per_min = evals / 1440.0;
	cr_assert(per_min > 6.0 && per_min < 6.6, "%.3f evaluations a minute", per_min);
	patient_free(p);
}

Test(patient, meal_with_its_own_eating_rate_is_eaten_at_that_rate)
{
	patient *p = patient_new(patient_params_find("adult#001"));
	const double expected[] = {2, 2, 2, 1, 0};
	for (int k = 0; k < 5; k++) {
		patient_step_info info;
		cr_assert_eq(patient_step_eating(p, k == 0 ? 7.0 : 0.0, 2.0, 0.02, &info),
		             PATIENT_STEP_OK);
		cr_assert_float_eq(info.eaten_g, expected[k], 1e-12, "minute %d ate %g", k,
		                   info.eaten_g);
	}
	cr_assert_eq(patient_step_eating(p, 5.0, 0.0, 0.02, NULL), PATIENT_STEP_BAD_INPUT);
	patient_free(p);
}
