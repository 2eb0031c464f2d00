/*
 * population: virtual patients beyond the 30 — identity (same cohort, index and seed give
 * the same bits), the basal steady state that holds exactly, the spread within its
 * bounds, the plausibility check that keeps every base patient and refuses broken ones.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "population.h"

static const char *const cohorts[] = {"adolescent", "adult", "child"};

static double gb_mgdl(const patient_params *p)
{
	return p->x0[PATIENT_GP_MG_PER_KG] / p->Vg;
}

/* The parameters as numbers only (the name pointer differs between two structs). */
static bool same_numbers(const patient_params *a, const patient_params *b)
{
	for (size_t i = 0; i < population_param_count(); i++) {
		const double x = population_param_value(a, i), y = population_param_value(b, i);
		if (memcmp(&x, &y, sizeof x) != 0)
			return false;
	}
	return memcmp(a->x0, b->x0, sizeof a->x0) == 0;
}

Test(population, every_base_patient_is_plausible)
{
	for (size_t i = 0; i < patient_params_count(); i++)
		cr_expect_eq(population_plausible(patient_params_at(i)), POPULATION_OK, "%s",
		             patient_params_at(i)->name);
}

Test(population, same_identity_gives_the_same_bits_whatever_the_order)
{
	population_patient a, b, c;
	cr_assert_eq(population_draw("adult", 42, 7, &a), POPULATION_OK);
	cr_assert_eq(population_draw("child", 3, 7, &c), POPULATION_OK);
	cr_assert_eq(population_draw("adult", 42, 7, &b), POPULATION_OK);
	cr_assert(same_numbers(&a.params, &b.params));
	cr_assert_str_eq(a.name, b.name);
	cr_assert_eq(a.param_seed, b.param_seed);
}

Test(population, index_seed_and_cohort_each_change_the_patient)
{
	population_patient a, b;
	cr_assert_eq(population_draw("adult", 42, 7, &a), POPULATION_OK);
	cr_assert_eq(population_draw("adult", 52, 7, &b), POPULATION_OK); /* same base */
	cr_assert_eq(a.base, b.base);
	cr_assert_not(same_numbers(&a.params, &b.params));
	cr_assert_eq(population_draw("adult", 42, 8, &b), POPULATION_OK);
	cr_assert_not(same_numbers(&a.params, &b.params));
	cr_assert_neq(population_param_seed("adult", 42, 7, 0),
	              population_param_seed("child", 42, 7, 0));
	cr_assert_neq(population_param_seed("adult", 42, 7, 0),
	              population_param_seed("adult", 42, 7, 1));
}

Test(population, names_say_base_and_index_and_bases_take_turns)
{
	population_patient p;
	cr_assert_eq(population_draw("adult", 42, 1, &p), POPULATION_OK);
	cr_assert_str_eq(p.name, "adult#003~p00042");
	cr_assert_eq(p.params.name, p.name);
	cr_assert_str_eq(p.base->name, "adult#003");
	cr_assert_eq(p.index, 42);
	cr_assert_eq(population_draw("child", 9, 1, &p), POPULATION_OK);
	cr_assert_str_eq(p.name, "child#010~p00009");
	cr_assert_eq(population_draw("adolescent", 123456, 1, &p), POPULATION_OK);
	cr_assert_str_eq(p.name, "adolescent#007~p123456");
}

Test(population, unknown_cohort_is_refused_and_out_untouched)
{
	population_patient p;
	memset(&p, 0xAB, sizeof p);
	cr_assert_eq(population_draw("adults", 0, 1, &p), POPULATION_BAD_COHORT);
	cr_assert_eq(population_draw(NULL, 0, 1, &p), POPULATION_BAD_COHORT);
	cr_assert_eq(p.index, 0xABABABABu);
}

/* The derivation of the steady state, fed a base patient's own basal values, gives back
 * that patient's kp1, Vm0, u2ss and x0: the equations are the ones the table was made by. */
Test(population, steady_state_equations_reproduce_the_base_table)
{
	for (size_t i = 0; i < patient_params_count(); i++) {
		const patient_params *b = patient_params_at(i);
		patient_params p = *b;
		const double gb = gb_mgdl(b);
		const double egp = b->kp1 - b->kp2 * b->x0[PATIENT_GP_MG_PER_KG] - b->kp3 * b->Ib;
		/* population.c's set_steady_state, through a zero-spread draw's arithmetic */
		const double gpb = gb * p.Vg;
		const double gtb = (p.Fsnc - egp + p.k1 * gpb) / p.k2;
		cr_expect_float_eq(gtb, b->x0[PATIENT_GT_MG_PER_KG], 1e-6 * gtb, "%s", b->name);
		const double vm0 = (egp - p.Fsnc) * (p.Km0 + gtb) / gtb;
		cr_expect_float_eq(vm0, b->Vm0, 1e-8 * vm0, "%s", b->name);
		const double ipb = p.Ib * p.Vi, ilb = p.m2 * ipb / (p.m1 + p.m30);
		const double u2ss = (p.m2 + p.m4) * ipb - p.m1 * ilb;
		cr_expect_float_eq(u2ss, b->u2ss, 1e-8 * u2ss, "%s", b->name);
		cr_expect_float_eq(ilb, b->x0[PATIENT_IL_PMOL_PER_KG], 1e-8 * ilb, "%s", b->name);
		cr_expect_float_eq(u2ss / (p.kd + p.ka1), b->x0[PATIENT_ISC1_PMOL_PER_KG],
		                   1e-6 * b->x0[PATIENT_ISC1_PMOL_PER_KG], "%s", b->name);
	}
}

/* The property that matters most: a drawn patient on its own basal, fasting, stays where
 * it starts (its steady state is a steady state). 60 patients a cohort, 24 h each. */
Test(population, drawn_patients_fasting_on_own_basal_stay_at_their_basal_glucose, .timeout = 300)
{
	for (size_t c = 0; c < 3; c++)
		for (uint32_t k = 0; k < 60; k++) {
			population_patient d;
			cr_assert_eq(population_draw(cohorts[c], k, 2026, &d), POPULATION_OK);
			patient *pt = patient_new(&d.params);
			cr_assert_not_null(pt);
			const double basal = patient_basal_u_per_min(&d.params);
			double worst = 0;
			for (int t = 0; t < 1440; t++) {
				cr_assert_eq(patient_step(pt, 0, basal, NULL), PATIENT_STEP_OK);
				worst = fmax(worst, fabs(patient_bg_mgdl(pt) - gb_mgdl(&d.params)));
			}
			patient_free(pt);
			cr_expect_lt(worst, 0.01, "%s (seed 2026): drifted %.4f mg/dL in 24 h",
			             d.name, worst);
		}
}

/* Each free parameter moves at most exp(±SPREAD × Z_MAX × the cohort's log-SD) from the
 * base; body weight checked here against the cohort's spread computed independently. */
Test(population, body_weight_moves_within_the_truncated_spread)
{
	for (size_t c = 0; c < 3; c++) {
		double lw[10], mean = 0, ss = 0;
		for (unsigned k = 0; k < 10; k++) {
			char name[32];
			snprintf(name, sizeof name, "%s#%03u", cohorts[c], k + 1);
			lw[k] = log(patient_params_find(name)->BW);
			mean += lw[k] / 10;
		}
		for (unsigned k = 0; k < 10; k++)
			ss += (lw[k] - mean) * (lw[k] - mean);
		const double bound = POPULATION_SPREAD * POPULATION_Z_MAX * sqrt(ss / 9);
		double widest = 0;
		for (uint32_t k = 0; k < 300; k++) {
			population_patient d;
			cr_assert_eq(population_draw(cohorts[c], k, 5, &d), POPULATION_OK);
			const double moved = fabs(log(d.params.BW / d.base->BW));
			cr_expect_leq(moved, bound + 1e-12, "%s", d.name);
			widest = fmax(widest, moved);
		}
		/* and it does move: 300 draws reach past half the bound */
		cr_expect_gt(widest, bound / 2, "%s: widest %.3f of %.3f", cohorts[c], widest,
		             bound);
	}
}

Test(population, hepatic_extraction_is_kept_m4_and_m30_follow_m2_and_m1)
{
	for (uint32_t k = 0; k < 30; k++) {
		population_patient d;
		cr_assert_eq(population_draw(cohorts[k % 3], k, 9, &d), POPULATION_OK);
		cr_expect_float_eq(d.params.m4 / d.params.m2, d.base->m4 / d.base->m2, 1e-12);
		cr_expect_float_eq(d.params.m30 / d.params.m1, d.base->m30 / d.base->m1, 1e-12);
		cr_expect_neq(d.params.m2, d.base->m2, "%s: m2 drawn", d.name);
	}
}

Test(population, carb_ratio_and_correction_go_with_the_inverse_of_the_insulin_need)
{
	population_patient d;
	cr_assert_eq(population_draw("adolescent", 17, 3, &d), POPULATION_OK);
	const double need = d.params.u2ss * d.params.BW / (d.base->u2ss * d.base->BW);
	cr_expect_float_eq(d.params.total_daily_insulin_u, d.base->total_daily_insulin_u * need,
	                   1e-9);
	cr_expect_float_eq(d.params.carb_ratio_g_per_u * need, d.base->carb_ratio_g_per_u, 1e-9);
	cr_expect_float_eq(d.params.correction_factor_mgdl_per_u * need,
	                   d.base->correction_factor_mgdl_per_u, 1e-9);
}

Test(population, broken_parameter_sets_are_implausible)
{
	patient_params p = *patient_params_find("adult#001");
	p.kmax = p.kmin * 0.5; /* gastric emptying faster when full than empty */
	cr_expect_eq(population_plausible(&p), POPULATION_NO_VALID_DRAW);
	p = *patient_params_find("adult#001");
	p.Vm0 = -1; /* endogenous production below insulin-independent uptake */
	cr_expect_eq(population_plausible(&p), POPULATION_NO_VALID_DRAW);
	p = *patient_params_find("adult#001");
	p.Ib = NAN;
	cr_expect_eq(population_plausible(&p), POPULATION_NO_VALID_DRAW);
	p = *patient_params_find("adult#001");
	p.kp1 *= 1.05; /* x0 no longer a steady state: glucose climbs at rest */
	cr_expect_eq(population_plausible(&p), POPULATION_NO_VALID_DRAW);
	p = *patient_params_find("child#004");
	p.carb_ratio_g_per_u /= 4; /* four times the bolus: glucose below 40 */
	cr_expect_eq(population_plausible(&p), POPULATION_NO_VALID_DRAW);
	cr_expect_eq(population_plausible(NULL), POPULATION_NO_VALID_DRAW);
}

Test(population, a_copy_rebound_names_itself)
{
	population_patient a, b;
	cr_assert_eq(population_draw("adult", 1, 1, &a), POPULATION_OK);
	b = a;
	population_patient_rebind(&b);
	cr_assert_eq(b.params.name, b.name);
	cr_assert_str_eq(b.params.name, "adult#002~p00001");
}

Test(population, parameter_columns_are_named_once_and_read_the_fields)
{
	const patient_params *p = patient_params_find("adult#001");
	for (size_t i = 0; i < population_param_count(); i++) {
		cr_assert_not_null(population_param_name(i));
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(population_param_name(i), population_param_name(j));
	}
	cr_assert_null(population_param_name(population_param_count()));
	cr_assert(isnan(population_param_value(p, population_param_count())));
	cr_assert_str_eq(population_param_name(0), "BW");
	cr_assert_eq(population_param_value(p, 0), p->BW);
	for (size_t i = 0; i < population_param_count(); i++)
		if (strcmp(population_param_name(i), "Gb_mgdl") == 0)
			cr_assert_float_eq(population_param_value(p, i), gb_mgdl(p), 1e-12);
}

/* Drawn patients are reproducible across versions: a change to the method shows here
 * (and must say so in docs/population.md and the release notes). */
Test(population, pinned_draws_do_not_change_silently)
{
	population_patient d;
	cr_assert_eq(population_draw("adult", 42, 1, &d), POPULATION_OK);
	cr_assert_str_eq(d.name, "adult#003~p00042");
	cr_expect_float_eq(d.params.BW, 90.057602, 1e-6, "BW %.6f", d.params.BW);
	cr_expect_float_eq(gb_mgdl(&d.params), 147.739692, 1e-6, "Gb %.6f", gb_mgdl(&d.params));
	cr_expect_float_eq(d.params.carb_ratio_g_per_u, 7.106853, 1e-6, "CR %.6f",
	                   d.params.carb_ratio_g_per_u);
}
