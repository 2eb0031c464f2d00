/*
 * population — see population.h and docs/population.md.
 *
 * A draw, in order: the base patient (index mod 10 of the cohort); one truncated normal z
 * per free parameter, in the order of `free_params` below, from the patient's own stream;
 * each free parameter times exp(POPULATION_SPREAD × sd_log × z); the basal steady state
 * recomputed from the model's equations at rest (Dalla Man 2007, eqs. 1–3, 8–12 with every
 * derivative 0); the plausibility check. Changing the order or the list changes every
 * drawn patient: the test pins a few.
 */
#include "population.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { COHORT_SIZE = 10 };

/* A free parameter: a field of patient_params, or one of the basal quantities below. */
typedef enum basal_quantity {
	FIELD = 0,
	BASAL_GLUCOSE_MGDL, /* Gb = Gp(0) / Vg */
	BASAL_EGP,          /* EGPb = kp1 - kp2 Gpb - kp3 Ib, mg/kg/min */
} basal_quantity;

typedef struct free_param {
	const char *name;
	size_t offset; /* into patient_params when kind == FIELD */
	basal_quantity kind;
} free_param;

#define F(field)                                                                                   \
	{                                                                                          \
#field, offsetof(patient_params, field), FIELD                                     \
	}

/*
 * What varies between subjects. Left fixed: f (0.9 for all 30), Fsnc (1), ke1 and ke2
 * (renal excretion, the same for all 30), b and d (fractions, 0 … 1; not log-normal), the
 * age. Derived, never drawn: kp1, Vm0, u2ss and the steady state (so the basal holds), CR,
 * CF and TDI (from the basal insulin need), and m4 and m30, which follow m2 and m1 in the
 * base's own ratio (m4 = 0.4 m2 and m30 = 1.5 m1 in all 30: the basal hepatic extraction
 * HEb = 0.6 of Dalla Man 2007, eq. 10, kept).
 */
static const free_param free_params[] = {
    F(BW),
    F(Vg),
    F(Vi),
    F(kabs),
    F(kmax),
    F(kmin),
    F(kp2),
    F(kp3),
    F(ki),
    F(k1),
    F(k2),
    F(Vmx),
    F(Km0),
    F(p2u),
    F(Ib),
    F(m1),
    F(m2),
    F(kd),
    F(ka1),
    F(ka2),
    F(ksc),
    {"Gb", 0, BASAL_GLUCOSE_MGDL},
    {"EGPb", 0, BASAL_EGP},
};

enum { FREE_COUNT = sizeof free_params / sizeof free_params[0] };

static double *field(patient_params *p, size_t offset)
{
	return (double *)((char *)p + offset);
}

static double field_of(const patient_params *p, size_t offset)
{
	return *(const double *)((const char *)p + offset);
}

static double basal_egp(const patient_params *p)
{
	return p->kp1 - p->kp2 * p->x0[PATIENT_GP_MG_PER_KG] - p->kp3 * p->Ib;
}

static double free_value(const patient_params *p, const free_param *fp)
{
	switch (fp->kind) {
	case BASAL_GLUCOSE_MGDL:
		return p->x0[PATIENT_GP_MG_PER_KG] / p->Vg;
	case BASAL_EGP:
		return basal_egp(p);
	case FIELD:
	default:
		return field_of(p, fp->offset);
	}
}

static bool cohort_known(const char *cohort)
{
	return cohort && (strcmp(cohort, "adolescent") == 0 || strcmp(cohort, "adult") == 0 ||
	                  strcmp(cohort, "child") == 0);
}

/* The cohort's base patient k (0 … 9): "cohort#00(k+1)". */
static const patient_params *cohort_member(const char *cohort, unsigned k)
{
	char name[32];
	snprintf(name, sizeof name, "%s#%03u", cohort, k + 1);
	return patient_params_find(name);
}

/* 64-bit finaliser (splitmix64): a well-mixed word from a poorly mixed one. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

uint32_t population_param_seed(const char *cohort, uint32_t index, uint32_t trial_seed,
                               unsigned draw)
{
	uint64_t h = 0xCBF29CE484222325ull; /* FNV-1a 64 of the cohort's name */
	for (const char *c = cohort ? cohort : ""; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001B3ull;
	uint64_t x = mix64(h ^ mix64(((uint64_t)trial_seed << 32) | index));
	x = mix64(x ^ ((uint64_t)draw << 1 | 1));
	return (uint32_t)(x ^ (x >> 32));
}

/* Sample standard deviation of ln(parameter) over the cohort's ten. */
static double cohort_sd_log(const char *cohort, const free_param *fp)
{
	double v[COHORT_SIZE], mean = 0;
	for (unsigned k = 0; k < COHORT_SIZE; k++) {
		v[k] = log(free_value(cohort_member(cohort, k), fp));
		mean += v[k];
	}
	mean /= COHORT_SIZE;
	double ss = 0;
	for (unsigned k = 0; k < COHORT_SIZE; k++)
		ss += (v[k] - mean) * (v[k] - mean);
	return sqrt(ss / (COHORT_SIZE - 1));
}

/* A standard normal truncated to ±POPULATION_Z_MAX (rejection; 4.6 % of draws rejected). */
static double truncated_gauss(rng *r)
{
	for (int i = 0; i < 64; i++) {
		const double z = rng_gauss(r);
		if (fabs(z) <= POPULATION_Z_MAX)
			return z;
	}
	return 0.0; /* 64 rejections in a row: p < 1e-85 */
}

/*
 * The basal steady state of `p` from its drawn Gb, EGPb and the rest, the model's
 * equations with every derivative 0:
 *   Gpb = Gb Vg;  kp1 = EGPb + kp2 Gpb + kp3 Ib                     (EGP at rest)
 *   E = ke1 (Gpb - ke2) above ke2, else 0                           (renal excretion)
 *   Gtb = (Fsnc + E - EGPb + k1 Gpb) / k2                             (dGp/dt = 0)
 *   Vm0 = (EGPb - Fsnc - E) (Km0 + Gtb) / Gtb                         (dGt/dt = 0)
 *   Ipb = Ib Vi;  Ilb = m2 Ipb / (m1 + m30)                           (dIl/dt = 0)
 *   u2ss = (m2 + m4) Ipb - m1 Ilb                                     (dIp/dt = 0)
 *   Isc1 = u2ss / (kd + ka1);  Isc2 = kd Isc1 / ka2                   (dIsc/dt = 0)
 * and X = 0, I1 = Id = Ib, Gs = Gp, an empty gut.
 */
static void set_steady_state(patient_params *p, double gb_mgdl, double egp_b)
{
	const double gpb = gb_mgdl * p->Vg;
	p->kp1 = egp_b + p->kp2 * gpb + p->kp3 * p->Ib;
	const double renal = gpb > p->ke2 ? p->ke1 * (gpb - p->ke2) : 0.0;
	const double gtb = (p->Fsnc + renal - egp_b + p->k1 * gpb) / p->k2;
	p->Vm0 = (egp_b - p->Fsnc - renal) * (p->Km0 + gtb) / gtb;
	const double ipb = p->Ib * p->Vi;
	const double ilb = p->m2 * ipb / (p->m1 + p->m30);
	p->u2ss = (p->m2 + p->m4) * ipb - p->m1 * ilb;
	const double isc1 = p->u2ss / (p->kd + p->ka1);
	const double isc2 = p->kd * isc1 / p->ka2;
	const double x0[PATIENT_STATE_COUNT] = {0,     0,     0,   gpb,  gtb,  ipb, 0,
	                                        p->Ib, p->Ib, ilb, isc1, isc2, gpb};
	memcpy(p->x0, x0, sizeof x0);
}

/* One draw from seed `seed` around `base` into `out` (name not set). */
static void draw_once(const char *cohort, const patient_params *base, uint32_t seed,
                      patient_params *out)
{
	rng r;
	rng_seed(&r, seed);
	*out = *base;
	double gb = base->x0[PATIENT_GP_MG_PER_KG] / base->Vg, egp = basal_egp(base);
	for (size_t i = 0; i < FREE_COUNT; i++) {
		const free_param *fp = &free_params[i];
		const double factor =
		    exp(POPULATION_SPREAD * cohort_sd_log(cohort, fp) * truncated_gauss(&r));
		if (fp->kind == BASAL_GLUCOSE_MGDL)
			gb *= factor;
		else if (fp->kind == BASAL_EGP)
			egp *= factor;
		else
			*field(out, fp->offset) *= factor;
	}
	out->m4 = out->m2 * (base->m4 / base->m2);
	out->m30 = out->m1 * (base->m30 / base->m1);
	set_steady_state(out, gb, egp);
	/* The insulin need moves with the basal infusion; CR and CF go with its inverse, as
	 * the 500 and 1800 rules make them go with the total daily dose. */
	const double need = (out->u2ss * out->BW) / (base->u2ss * base->BW);
	out->total_daily_insulin_u = base->total_daily_insulin_u * need;
	out->carb_ratio_g_per_u = base->carb_ratio_g_per_u / need;
	out->correction_factor_mgdl_per_u = base->correction_factor_mgdl_per_u / need;
}

population_result population_draw(const char *cohort, uint32_t index, uint32_t trial_seed,
                                  population_patient *out)
{
	if (!cohort_known(cohort))
		return POPULATION_BAD_COHORT;
	const patient_params *base = cohort_member(cohort, index % COHORT_SIZE);
	for (unsigned draw = 0; draw < POPULATION_MAX_DRAWS; draw++) {
		const uint32_t seed = population_param_seed(cohort, index, trial_seed, draw);
		patient_params p;
		draw_once(cohort, base, seed, &p);
		const population_result ok = population_plausible(&p);
		if (ok == POPULATION_NO_MEMORY)
			return ok;
		if (ok != POPULATION_OK)
			continue;
		out->params = p;
		snprintf(out->name, sizeof out->name, "%s~p%05u", base->name, (unsigned)index);
		out->params.name = out->name;
		out->base = base;
		out->index = index;
		out->param_seed = seed;
		out->rejected = draw;
		return POPULATION_OK;
	}
	return POPULATION_NO_VALID_DRAW;
}

void population_patient_rebind(population_patient *p)
{
	p->params.name = p->name;
}

/* The algebraic part of the check: signs, order, a steady state that exists. */
static bool params_consistent(const patient_params *p)
{
	const double positive[] = {p->BW,
	                           p->Vg,
	                           p->Vi,
	                           p->kabs,
	                           p->kmax,
	                           p->kmin,
	                           p->kp1,
	                           p->kp2,
	                           p->kp3,
	                           p->ki,
	                           p->k1,
	                           p->k2,
	                           p->Vm0,
	                           p->Vmx,
	                           p->Km0,
	                           p->p2u,
	                           p->Ib,
	                           p->m1,
	                           p->m2,
	                           p->m4,
	                           p->m30,
	                           p->kd,
	                           p->ka1,
	                           p->ka2,
	                           p->ksc,
	                           p->u2ss,
	                           p->carb_ratio_g_per_u,
	                           p->correction_factor_mgdl_per_u};
	for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++)
		if (!isfinite(positive[i]) || positive[i] <= 0)
			return false;
	for (int i = 0; i < PATIENT_STATE_COUNT; i++)
		if (!isfinite(p->x0[i]) || p->x0[i] < 0)
			return false;
	return p->kmax > p->kmin && p->b > 0 && p->b < 1 && p->d > 0 && p->d < 1 &&
	       p->x0[PATIENT_GT_MG_PER_KG] > 0;
}

population_result population_plausible(const patient_params *params)
{
	if (!params || !params_consistent(params))
		return POPULATION_NO_VALID_DRAW;
	patient *pt = patient_new(params);
	if (!pt)
		return POPULATION_NO_MEMORY;
	const double basal = patient_basal_u_per_min(params);
	const double start = patient_bg_mgdl(pt);
	bool ok = true;
	/* An hour at rest, then 50 g with its bolus, then 11 h. */
	for (int t = 0; t < 720 && ok; t++) {
		const bool meal = t == 60;
		const double insulin = basal + (meal ? 50.0 / params->carb_ratio_g_per_u : 0.0);
		ok = patient_step(pt, meal ? 50.0 : 0.0, insulin, NULL) == PATIENT_STEP_OK;
		const double bg = patient_bg_mgdl(pt);
		if (t < 60)
			ok = ok && fabs(bg - start) <= 0.5;
		else
			ok = ok && bg >= POPULATION_MIN_MGDL && bg <= POPULATION_MAX_MGDL;
	}
	patient_free(pt);
	return ok ? POPULATION_OK : POPULATION_NO_VALID_DRAW;
}

/* ---- the parameters written to results ---------------------------------------------- */

typedef struct out_param {
	const char *name;
	size_t offset;
	basal_quantity kind;
} out_param;

#define O(col, field)                                                                              \
	{                                                                                          \
		col, offsetof(patient_params, field), FIELD                                        \
	}

static const out_param out_params[] = {
    O("BW", BW),
    O("Vg", Vg),
    O("Vi", Vi),
    O("kabs", kabs),
    O("kmax", kmax),
    O("kmin", kmin),
    O("b", b),
    O("d", d),
    O("f", f),
    O("kp1", kp1),
    O("kp2", kp2),
    O("kp3", kp3),
    O("ki", ki),
    O("Fsnc", Fsnc),
    O("ke1", ke1),
    O("ke2", ke2),
    O("k1", k1),
    O("k2", k2),
    O("Vm0", Vm0),
    O("Vmx", Vmx),
    O("Km0", Km0),
    O("p2u", p2u),
    O("Ib", Ib),
    O("m1", m1),
    O("m2", m2),
    O("m4", m4),
    O("m30", m30),
    O("kd", kd),
    O("ka1", ka1),
    O("ka2", ka2),
    O("ksc", ksc),
    O("u2ss", u2ss),
    {"Gb_mgdl", 0, BASAL_GLUCOSE_MGDL},
    {"EGPb", 0, BASAL_EGP},
    O("carb_ratio_g_per_u", carb_ratio_g_per_u),
    O("correction_factor_mgdl_per_u", correction_factor_mgdl_per_u),
    O("total_daily_insulin_u", total_daily_insulin_u),
    O("age_years", age_years),
};

size_t population_param_count(void)
{
	return sizeof out_params / sizeof out_params[0];
}

const char *population_param_name(size_t i)
{
	return i < population_param_count() ? out_params[i].name : NULL;
}

double population_param_value(const patient_params *p, size_t i)
{
	if (!p || i >= population_param_count())
		return NAN;
	const free_param fp = {out_params[i].name, out_params[i].offset, out_params[i].kind};
	return free_value(p, &fp);
}
