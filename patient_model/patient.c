/*
 * patient — the UVA/Padova S2008 T1DM model exactly as simglucose v0.2.11 computes it
 * (T1DPatient.model / T1DPatient.step), one-minute zero-order-hold steps.
 *
 * Follows the patient-model spec: §3 equations (Dalla Man et al. 2007; Kovatchev et al.
 * 2009), §3.6 the reference's non-negativity clamps (derivative forced to 0 while the state
 * is strictly negative — an artefact we reproduce on purpose, because matching the
 * reference matters more here than the frozen tail after a deep hypo, see §6), §4 the meal
 * state machine (EAT_RATE 5 g/min, Dbar), §8 the integrator (DOPRI5 as scipy runs it).
 *
 * Never does I/O, never allocates inside a step, keeps no globals.
 */
#include <math.h>
#include <stdlib.h>

#include "ode_dopri5.h"
#include "patient_model.h"

#define EAT_RATE_G_PER_MIN 5.0
#define PMOL_PER_U 6000.0

/* What the right-hand side needs during one minute: parameters and the held inputs. */
typedef struct rhs_inputs {
	const patient_params *p;
	double meal_mg_per_min;      /* d */
	double insulin_pmol_per_kg_min; /* IIR */
	/* gastric emptying, constant over the minute because Dbar is */
	bool has_dbar;
	double aa, cc, b_dbar, d_dbar, kgut_half_span;
} rhs_inputs;

struct patient {
	const patient_params *params;
	double t_min;
	double x[PATIENT_STATE_COUNT];
	ode_dopri5 solver;
	/* meal state machine (spec §4) */
	double planned_meal_g;
	double last_eaten_g;   /* to_eat of the previous minute */
	double last_qsto_mg;
	double last_foodtaken_g;
	bool is_eating;
};

/*
 * tanh through one exp: glibc's tanh goes through expm1, which is three times slower and
 * was half of the simulation's time. The result differs from libm's by a few ulp at most
 * (1 - e loses relative precision only where tanh is tiny, i.e. in absolute terms never),
 * far below what the reference traces resolve.
 */
static inline double fast_tanh(double v)
{
	const double e = exp(-2.0 * fabs(v));
	return copysign((1.0 - e) / (1.0 + e), v);
}

/* Spec §3: dx/dt of the 13 states, with the reference's clamps (§3.6). */
static void patient_rhs(const double *x, double *dx, const void *user_data)
{
	const rhs_inputs *in = user_data;
	const patient_params *p = in->p;
	const double qsto = x[0] + x[1];

	dx[0] = -p->kmax * x[0] + in->meal_mg_per_min;

	double kgut;
	if (in->has_dbar)
		kgut = p->kmin + in->kgut_half_span * (fast_tanh(in->aa * (qsto - in->b_dbar)) -
		                                       fast_tanh(in->cc * (qsto - in->d_dbar)) + 2.0);
	else
		kgut = p->kmax;

	dx[1] = p->kmax * x[0] - x[1] * kgut;
	dx[2] = kgut * x[1] - p->kabs * x[2];

	const double ra = p->f * p->kabs * x[2] / p->BW;
	const double egp = p->kp1 - p->kp2 * x[3] - p->kp3 * x[8];
	const double uii = p->Fsnc;
	const double renal = x[3] > p->ke2 ? p->ke1 * (x[3] - p->ke2) : 0.0;

	dx[3] = (egp > 0.0 ? egp : 0.0) + ra - uii - renal - p->k1 * x[3] + p->k2 * x[4];
	if (!(x[3] >= 0.0))
		dx[3] = 0.0;

	const double vmt = p->Vm0 + p->Vmx * x[6];
	const double uid = vmt * x[4] / (p->Km0 + x[4]);
	dx[4] = -uid + p->k1 * x[3] - p->k2 * x[4];
	if (!(x[4] >= 0.0))
		dx[4] = 0.0;

	dx[5] = -(p->m2 + p->m4) * x[5] + p->m1 * x[9] + p->ka1 * x[10] + p->ka2 * x[11];
	const double it = x[5] / p->Vi;
	if (!(x[5] >= 0.0))
		dx[5] = 0.0;

	dx[6] = -p->p2u * x[6] + p->p2u * (it - p->Ib);
	dx[7] = -p->ki * (x[7] - it);
	dx[8] = -p->ki * (x[8] - x[7]);

	dx[9] = -(p->m1 + p->m30) * x[9] + p->m2 * x[5];
	if (!(x[9] >= 0.0))
		dx[9] = 0.0;

	dx[10] = in->insulin_pmol_per_kg_min - (p->ka1 + p->kd) * x[10];
	if (!(x[10] >= 0.0))
		dx[10] = 0.0;

	dx[11] = p->kd * x[10] - p->ka2 * x[11];
	if (!(x[11] >= 0.0))
		dx[11] = 0.0;

	dx[12] = -p->ksc * x[12] + p->ksc * x[3];
	if (!(x[12] >= 0.0))
		dx[12] = 0.0;
}

patient *patient_new(const patient_params *params)
{
	if (!params)
		return NULL;
	patient *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->params = params;
	for (int i = 0; i < PATIENT_STATE_COUNT; i++)
		p->x[i] = params->x0[i];
	p->last_qsto_mg = p->x[PATIENT_QSTO1_MG] + p->x[PATIENT_QSTO2_MG];
	ode_dopri5_init(&p->solver, 1e-6, 1e-12);
	return p;
}

void patient_free(patient *p)
{
	free(p);
}

/* Spec §4: announced grams become an eating rate; returns grams eaten this minute. */
static double patient_eat(patient *p, double meal_announced_g)
{
	double to_eat = 0.0;
	p->planned_meal_g += meal_announced_g;
	if (p->planned_meal_g > 0.0) {
		to_eat = fmin(EAT_RATE_G_PER_MIN, p->planned_meal_g);
		p->planned_meal_g = fmax(0.0, p->planned_meal_g - to_eat);
	}
	if (to_eat > 0.0 && p->last_eaten_g <= 0.0) {
		p->last_qsto_mg = p->x[PATIENT_QSTO1_MG] + p->x[PATIENT_QSTO2_MG];
		p->last_foodtaken_g = 0.0;
		p->is_eating = true;
	}
	if (p->is_eating)
		p->last_foodtaken_g += to_eat;
	if (to_eat <= 0.0 && p->last_eaten_g > 0.0)
		p->is_eating = false;
	p->last_eaten_g = to_eat;
	return to_eat;
}

patient_step_result patient_step(patient *p, double meal_announced_g, double insulin_u_per_min,
                                 patient_step_info *info)
{
	if (!(meal_announced_g >= 0.0) || !isfinite(meal_announced_g) ||
	    !(insulin_u_per_min >= 0.0) || !isfinite(insulin_u_per_min))
		return PATIENT_STEP_BAD_INPUT;

	const patient_params *pp = p->params;
	const double eaten_g = patient_eat(p, meal_announced_g);
	const double dbar_mg = p->last_qsto_mg + p->last_foodtaken_g * 1000.0;

	rhs_inputs in = {
		.p = pp,
		.meal_mg_per_min = eaten_g * 1000.0,
		.insulin_pmol_per_kg_min = insulin_u_per_min * PMOL_PER_U / pp->BW,
		.has_dbar = dbar_mg > 0.0,
	};
	if (in.has_dbar) {
		/* Same operation order as the reference, so the constants are the same bits. */
		in.aa = 5.0 / 2.0 / (1.0 - pp->b) / dbar_mg;
		in.cc = 5.0 / 2.0 / pp->d / dbar_mg;
		in.b_dbar = pp->b * dbar_mg;
		in.d_dbar = pp->d * dbar_mg;
		in.kgut_half_span = (pp->kmax - pp->kmin) / 2.0;
	}

	double x = p->t_min;
	ode_result r = ode_dopri5_integrate(&p->solver, patient_rhs, &in, &x, p->x, p->t_min + 1.0);
	if (info) {
		info->eaten_g = eaten_g;
		info->rhs_evals = p->solver.rhs_evals;
	}
	if (r != ODE_OK)
		return PATIENT_STEP_SOLVER_FAILED;
	p->t_min = x;
	return PATIENT_STEP_OK;
}

double patient_time_min(const patient *p)
{
	return p->t_min;
}

double patient_bg_mgdl(const patient *p)
{
	return p->x[PATIENT_GP_MG_PER_KG] / p->params->Vg;
}

double patient_gsub_mgdl(const patient *p)
{
	return p->x[PATIENT_GS_MG_PER_KG] / p->params->Vg;
}

double patient_insulin_pmol_per_l(const patient *p)
{
	return p->x[PATIENT_IP_PMOL_PER_KG] / p->params->Vi;
}

void patient_get_state(const patient *p, double out[PATIENT_STATE_COUNT])
{
	for (int i = 0; i < PATIENT_STATE_COUNT; i++)
		out[i] = p->x[i];
}

const patient_params *patient_get_params(const patient *p)
{
	return p->params;
}
