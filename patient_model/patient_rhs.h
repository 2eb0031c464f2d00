/*
 * patient_rhs — what the scalar engine (patient.c) and the batch engine (batch_kernel.h)
 * share about the right-hand side of the S2008 model: the per-patient constants folded
 * once from the parameters, and the meal's gastric-emptying constants (Dbar, docs/patient-model.md
 * "Inputs").
 *
 * Private to patient_model. Both engines take these from here so that they fold the
 * parameters with the same operations, in the same order, into the same bits.
 */
#ifndef FAKEPUMP_PATIENT_RHS_H
#define FAKEPUMP_PATIENT_RHS_H

#include "patient_model.h"

#define EAT_RATE_G_PER_MIN 5.0
#define PMOL_PER_U 6000.0

/*
 * Per-patient constants of the right-hand side, folded once (sums and quotients of
 * parameters). Folding changes results by an ulp at most, far below what the reference
 * traces resolve (their print rounding is 5e-7 mg/dL).
 */
typedef struct rhs_constants {
	double kmax, kmin, kabs;
	double ra_per_qgut; /* f * kabs / BW */
	double kp1, kp2, kp3, fsnc, ke1, ke2, k1, k2;
	double vm0, vmx, km0, p2u, ib, inv_vi, ki;
	double m1, m2, m2_plus_m4, m1_plus_m30;
	double ka1, ka2, kd, ka1_plus_kd, ksc;
} rhs_constants;

static inline rhs_constants rhs_constants_of(const patient_params *p)
{
	return (rhs_constants){
	    .kmax = p->kmax,
	    .kmin = p->kmin,
	    .kabs = p->kabs,
	    .ra_per_qgut = p->f * p->kabs / p->BW,
	    .kp1 = p->kp1,
	    .kp2 = p->kp2,
	    .kp3 = p->kp3,
	    .fsnc = p->Fsnc,
	    .ke1 = p->ke1,
	    .ke2 = p->ke2,
	    .k1 = p->k1,
	    .k2 = p->k2,
	    .vm0 = p->Vm0,
	    .vmx = p->Vmx,
	    .km0 = p->Km0,
	    .p2u = p->p2u,
	    .ib = p->Ib,
	    .inv_vi = 1.0 / p->Vi,
	    .ki = p->ki,
	    .m1 = p->m1,
	    .m2 = p->m2,
	    .m2_plus_m4 = p->m2 + p->m4,
	    .m1_plus_m30 = p->m1 + p->m30,
	    .ka1 = p->ka1,
	    .ka2 = p->ka2,
	    .kd = p->kd,
	    .ka1_plus_kd = p->ka1 + p->kd,
	    .ksc = p->ksc,
	};
}

/*
 * The gastric-emptying constants of one minute, from Dbar (mg, > 0), with the reference's
 * operation order: aa = 5/2/(1-b)/Dbar, cc = 5/2/d/Dbar (left to right, so the first two
 * quotients are per-patient constants: `aa_times_dbar` and `cc_times_dbar` below, bit for
 * bit what the reference computes before its last division).
 */
static inline double rhs_aa_times_dbar(const patient_params *p)
{
	return 5.0 / 2.0 / (1.0 - p->b);
}

static inline double rhs_cc_times_dbar(const patient_params *p)
{
	return 5.0 / 2.0 / p->d;
}

static inline double rhs_kgut_half_span(const patient_params *p)
{
	return (p->kmax - p->kmin) / 2.0;
}

/*
 * The exponentials of the scalar engine's tanh (patient.c): e^a and e^b, by glibc's
 * libmvec where the build has it, else by libm. The batch engine's vector exp is checked
 * against this, bit for bit, before a vector engine is used.
 */
void patient_exp_pair(double a, double b, double *ea, double *eb);

#endif
