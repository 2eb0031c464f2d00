/*
 * patient — the UVA/Padova S2008 T1DM model exactly as simglucose v0.2.11 computes it
 * (T1DPatient.model / T1DPatient.step), one-minute zero-order-hold steps.
 *
 * Follows docs/patient-model.md: its equations (Dalla Man et al. 2007; Kovatchev et al.
 * 2009), the reference's non-negativity clamps (derivative forced to 0 while the state is
 * strictly negative — an artefact we reproduce on purpose, because matching the reference
 * matters more here than the frozen tail after a deep hypo), the meal state machine
 * (EAT_RATE 5 g/min, Dbar) and the integrator (DOPRI5 as scipy runs it).
 *
 * Never does I/O, never allocates inside a step, keeps no globals.
 */
#include <math.h>
#include <stdlib.h>

#include "ode_dopri5.h"
#include "patient_model.h"
#include "patient_rhs.h"

/* What the right-hand side needs during one minute: constants and the held inputs. */
typedef struct rhs_inputs {
	const rhs_constants *c;
	double meal_mg_per_min;         /* d */
	double insulin_pmol_per_kg_min; /* IIR */
	/* gastric emptying, constant over the minute because Dbar is */
	bool has_dbar;
	double aa, cc, b_dbar, d_dbar, kgut_half_span;
} rhs_inputs;

struct patient {
	const patient_params *params;
	rhs_constants constants;
	double t_min;
	double x[PATIENT_STATE_COUNT];
	ode_dopri5 solver;
	/* meal state machine (docs/patient-model.md "Inputs") */
	double planned_meal_g;
	double eat_rate_g_per_min;
	double last_eaten_g; /* to_eat of the previous minute */
	double last_qsto_mg;
	double last_foodtaken_g;
	bool is_eating;
	/* the inputs of the last minute, to reuse the solver's end derivative */
	rhs_inputs last_inputs;
	bool has_last_inputs;
};

/*
 * tanh(u) - tanh(v), each through one exp and both over one division: glibc's tanh goes
 * through expm1, three times slower, and was half of the simulation's time. Differs from
 * libm's by a few ulp (1 - e loses relative precision only where tanh is tiny, i.e. never
 * in absolute terms), far below what the reference traces resolve.
 */
#if defined(FAKEPUMP_HAVE_LIBMVEC)
/* glibc's libmvec: both exponentials in one two-lane call (accurate to 4 ulp). */
#include <emmintrin.h>
__m128d _ZGVbN2v_exp(__m128d x);

static inline void exp2_lanes(double a, double b, double *ea, double *eb)
{
	double out[2];
	_mm_storeu_pd(out, _ZGVbN2v_exp(_mm_set_pd(b, a)));
	*ea = out[0];
	*eb = out[1];
}
#else
static inline void exp2_lanes(double a, double b, double *ea, double *eb)
{
	*ea = exp(a);
	*eb = exp(b);
}
#endif

void patient_exp_pair(double a, double b, double *ea, double *eb)
{
	exp2_lanes(a, b, ea, eb);
}

static inline double tanh_difference(double u, double v)
{
	double eu, ev;
	exp2_lanes(-2.0 * fabs(u), -2.0 * fabs(v), &eu, &ev);
	const double nu = copysign(1.0 - eu, u), nv = copysign(1.0 - ev, v);
	return (nu * (1.0 + ev) - nv * (1.0 + eu)) / ((1.0 + eu) * (1.0 + ev));
}

/* docs/patient-model.md "Equations": dx/dt of the 13 states, with the reference's clamps. */
static void patient_rhs(const double *x, double *dx, const void *user_data)
{
	const rhs_inputs *in = user_data;
	const rhs_constants *c = in->c;
	const double qsto = x[0] + x[1];

	dx[0] = -c->kmax * x[0] + in->meal_mg_per_min;

	double kgut;
	if (in->has_dbar)
		kgut =
		    c->kmin + in->kgut_half_span * (tanh_difference(in->aa * (qsto - in->b_dbar),
		                                                    in->cc * (qsto - in->d_dbar)) +
		                                    2.0);
	else
		kgut = c->kmax;

	dx[1] = c->kmax * x[0] - x[1] * kgut;
	dx[2] = kgut * x[1] - c->kabs * x[2];

	const double ra = c->ra_per_qgut * x[2];
	const double egp = c->kp1 - c->kp2 * x[3] - c->kp3 * x[8];
	const double renal = x[3] > c->ke2 ? c->ke1 * (x[3] - c->ke2) : 0.0;

	dx[3] = (egp > 0.0 ? egp : 0.0) + ra - c->fsnc - renal - c->k1 * x[3] + c->k2 * x[4];
	if (!(x[3] >= 0.0))
		dx[3] = 0.0;

	const double vmt = c->vm0 + c->vmx * x[6];
	const double uid = vmt * x[4] / (c->km0 + x[4]);
	dx[4] = -uid + c->k1 * x[3] - c->k2 * x[4];
	if (!(x[4] >= 0.0))
		dx[4] = 0.0;

	dx[5] = -c->m2_plus_m4 * x[5] + c->m1 * x[9] + c->ka1 * x[10] + c->ka2 * x[11];
	const double it = x[5] * c->inv_vi;
	if (!(x[5] >= 0.0))
		dx[5] = 0.0;

	dx[6] = -c->p2u * x[6] + c->p2u * (it - c->ib);
	dx[7] = -c->ki * (x[7] - it);
	dx[8] = -c->ki * (x[8] - x[7]);

	dx[9] = -c->m1_plus_m30 * x[9] + c->m2 * x[5];
	if (!(x[9] >= 0.0))
		dx[9] = 0.0;

	dx[10] = in->insulin_pmol_per_kg_min - c->ka1_plus_kd * x[10];
	if (!(x[10] >= 0.0))
		dx[10] = 0.0;

	dx[11] = c->kd * x[10] - c->ka2 * x[11];
	if (!(x[11] >= 0.0))
		dx[11] = 0.0;

	dx[12] = -c->ksc * x[12] + c->ksc * x[3];
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
	p->constants = rhs_constants_of(params);
	for (int i = 0; i < PATIENT_STATE_COUNT; i++)
		p->x[i] = params->x0[i];
	p->last_qsto_mg = p->x[PATIENT_QSTO1_MG] + p->x[PATIENT_QSTO2_MG];
	p->eat_rate_g_per_min = EAT_RATE_G_PER_MIN;
	ode_dopri5_init(&p->solver, 1e-6, 1e-12);
	return p;
}

void patient_free(patient *p)
{
	free(p);
}

/* docs/patient-model.md "Inputs": announced grams become an eating rate; returns grams eaten this
 * minute. */
static double patient_eat(patient *p, double meal_announced_g)
{
	double to_eat = 0.0;
	p->planned_meal_g += meal_announced_g;
	if (p->planned_meal_g > 0.0) {
		to_eat = fmin(p->eat_rate_g_per_min, p->planned_meal_g);
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

/*
 * The integrator with the right-hand side inlined into its stages (the function pointer
 * is a constant here): the call overhead was a tenth of a simulated minute's cost.
 */
#if defined(__GNUC__)
__attribute__((flatten))
#endif
static ode_result
integrate_minute(patient *p, const rhs_inputs *in)
{
	/* Inputs compared field by field: memcmp would see padding. */
	const rhs_inputs *last = &p->last_inputs;
	const bool same = p->has_last_inputs && in->meal_mg_per_min == last->meal_mg_per_min &&
	                  in->insulin_pmol_per_kg_min == last->insulin_pmol_per_kg_min &&
	                  in->has_dbar == last->has_dbar && in->aa == last->aa &&
	                  in->cc == last->cc && in->b_dbar == last->b_dbar &&
	                  in->d_dbar == last->d_dbar && in->kgut_half_span == last->kgut_half_span;
	double x = p->t_min;
	ode_result r =
	    ode_dopri5_integrate(&p->solver, patient_rhs, in, same, &x, p->x, p->t_min + 1.0);
	p->last_inputs = *in;
	p->has_last_inputs = r == ODE_OK;
	if (r == ODE_OK)
		p->t_min = x;
	return r;
}

patient_step_result patient_step(patient *p, double meal_announced_g, double insulin_u_per_min,
                                 patient_step_info *info)
{
	return patient_step_eating(p, meal_announced_g, EAT_RATE_G_PER_MIN, insulin_u_per_min,
	                           info);
}

patient_step_result patient_step_eating(patient *p, double meal_announced_g,
                                        double eat_rate_g_per_min, double insulin_u_per_min,
                                        patient_step_info *info)
{
	if (!(meal_announced_g >= 0.0) || !isfinite(meal_announced_g) ||
	    !(insulin_u_per_min >= 0.0) || !isfinite(insulin_u_per_min) ||
	    !(eat_rate_g_per_min > 0.0) || !isfinite(eat_rate_g_per_min))
		return PATIENT_STEP_BAD_INPUT;
	if (meal_announced_g > 0.0)
		p->eat_rate_g_per_min = eat_rate_g_per_min;

	const patient_params *pp = p->params;
	const double eaten_g = patient_eat(p, meal_announced_g);
	const double dbar_mg = p->last_qsto_mg + p->last_foodtaken_g * 1000.0;

	rhs_inputs in = {
	    .c = &p->constants,
	    .meal_mg_per_min = eaten_g * 1000.0,
	    .insulin_pmol_per_kg_min = insulin_u_per_min * PMOL_PER_U / pp->BW,
	    .has_dbar = dbar_mg > 0.0,
	};
	if (in.has_dbar) {
		/* Same operation order as the reference, so the constants are the same bits. */
		in.aa = rhs_aa_times_dbar(pp) / dbar_mg;
		in.cc = rhs_cc_times_dbar(pp) / dbar_mg;
		in.b_dbar = pp->b * dbar_mg;
		in.d_dbar = pp->d * dbar_mg;
		in.kgut_half_span = rhs_kgut_half_span(pp);
	}

	ode_result r = integrate_minute(p, &in);
	if (info) {
		info->eaten_g = eaten_g;
		info->rhs_evals = p->solver.rhs_evals;
	}
	if (r != ODE_OK)
		return PATIENT_STEP_SOLVER_FAILED;
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
