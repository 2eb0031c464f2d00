/*
 * batch_kernel — many patients a core: the S2008 right-hand side and DOPRI5 written once
 * over vectors of lanes, each lane its own patient, its own step size and its own minute.
 *
 * Compiled once per instruction set and group width (meson: BATCH_ISA_AVX512 or
 * BATCH_ISA_AVX2, BATCH_GROUP 1 or 2 vectors interleaved): batch_kernel_<isa>_x<group>.
 * The instruction-set layer (batch_isa_*.h) has only exactly rounded operations, so every
 * instantiation computes the same bits for a lane, whatever its width or its neighbours.
 *
 * What it reproduces, per lane and bit for bit, is the scalar engine (patient.c,
 * ode_dopri5.h): the same meal state machine, the same held inputs and their comparison
 * (first-same-as-last reuse), scipy's DOPRI5 step control with the step size carried
 * across minutes, the same accept/reject and end-of-minute decisions, hence the same
 * right-hand-side count per minute. Every floating-point operation is the scalar
 * engine's, in its order: no fused multiply-add; the tanh's exp is libmvec's algorithm
 * (batch_vector.h); the step control's pow is libm's wherever its value reaches a later
 * number. docs/batch-engine.md explains; tests/test_patient_batch.c checks it minute by
 * minute.
 *
 * Never allocates, keeps no globals, reads and writes only the batch_lanes it is given.
 */
#if defined(BATCH_ISA_AVX512)
#include "batch_isa_avx512.h"
#elif defined(BATCH_ISA_AVX2)
#include "batch_isa_avx2.h"
#else
#error "compile with -DBATCH_ISA_AVX512 or -DBATCH_ISA_AVX2"
#endif
#ifndef BATCH_GROUP
#error "compile with -DBATCH_GROUP=1 or 2"
#endif

#include "batch_lanes.h"
#include "ode_dopri5.h"
#include "patient_rhs.h"

#include <math.h>
#include <string.h>

#include "batch_vector.h"

#define PASTE4(a, b, c, d) a##b##c##d
#define NAME4(a, b, c, d) PASTE4(a, b, c, d)
#define KERNEL_NAME NAME4(batch_kernel_, BATCH_ISA_NAME, _x, BATCH_GROUP)
#define MATH_NAME(fn) NAME4(batch_math_, BATCH_ISA_NAME, _, fn)

_Static_assert(LANES <= BATCH_MAX_LANES, "batch_lanes rows are too short");

/* ---------------------------------------------------------------------------------- */
/* The right-hand side (docs/patient-model.md "Equations", "Clamps"), as patient.c's           */
/* ---------------------------------------------------------------------------------- */

/* What the right-hand side holds over a minute, loaded once an attempt. */
typedef struct held_inputs {
	vd meal_mg_per_min, insulin_pmol_per_kg_min;
	vd two_aa, two_cc, b_dbar, d_dbar;
	vm has_dbar;
} held_inputs;

VI held_inputs held_inputs_of(const batch_lanes *b)
{
	return (held_inputs){
	    .meal_mg_per_min = vload(b->meal_mg_per_min),
	    .insulin_pmol_per_kg_min = vload(b->insulin_pmol_per_kg_min),
	    .two_aa = vload(b->two_aa),
	    .two_cc = vload(b->two_cc),
	    .b_dbar = vload(b->b_dbar),
	    .d_dbar = vload(b->d_dbar),
	    .has_dbar = mask_of(b->has_dbar),
	};
}

#define C(name) vload(b->c[name])

/* The clamp (docs/patient-model.md "Clamps"): the derivative is 0 while the state is not >= 0. */
VI vd clamp(vd dx, vd x)
{
	return vsel(vge(x, vset(0.0)), dx, vset(0.0));
}

VI void rhs(const batch_lanes *b, const held_inputs *in, const vd *x, vd *dx)
{
	const vd zero = vset(0.0), one = vset(1.0);
	const vd qsto = vadd(x[0], x[1]);
	const vd kmax = C(BC_KMAX);

	dx[0] = vsub(in->meal_mg_per_min, vmul(kmax, x[0]));

	/* tanh(u) - tanh(v) with one exp each and one division (patient.c); the held 2 aa
	 * and 2 cc give 2u and 2v exactly, and -2|u| is 2u with its sign bit set */
	const vd u2 = vmul(in->two_aa, vsub(qsto, in->b_dbar));
	const vd v2 = vmul(in->two_cc, vsub(qsto, in->d_dbar));
	const vd sign = vbits(0x8000000000000000u);
	const vd eu = vexp_nonpositive(vor(u2, sign));
	const vd ev = vexp_nonpositive(vor(v2, sign));
	const vd nu = vwith_sign_of(vsub(one, eu), u2), nvv = vwith_sign_of(vsub(one, ev), v2);
	const vd pu = vadd(one, eu), pv = vadd(one, ev);
	const vd tanh_diff = vdiv(vsub(vmul(nu, pv), vmul(nvv, pu)), vmul(pu, pv));
	const vd kgut =
	    vsel(in->has_dbar,
	         vadd(C(BC_KMIN), vmul(C(BC_KGUT_HALF_SPAN), vadd(tanh_diff, vset(2.0)))), kmax);

	dx[1] = vsub(vmul(kmax, x[0]), vmul(x[1], kgut));
	dx[2] = vsub(vmul(kgut, x[1]), vmul(C(BC_KABS), x[2]));

	const vd ra = vmul(C(BC_RA_PER_QGUT), x[2]);
	const vd egp = vsub(vsub(C(BC_KP1), vmul(C(BC_KP2), x[3])), vmul(C(BC_KP3), x[8]));
	const vd ke2 = C(BC_KE2);
	const vd renal = vsel(vgt(x[3], ke2), vmul(C(BC_KE1), vsub(x[3], ke2)), zero);
	const vd k1 = C(BC_K1), k2 = C(BC_K2);
	vd d3 = vsub(vsub(vadd(vmax(egp, zero), ra), C(BC_FSNC)), renal);
	d3 = vadd(vsub(d3, vmul(k1, x[3])), vmul(k2, x[4]));
	dx[3] = clamp(d3, x[3]);

	const vd vmt = vadd(C(BC_VM0), vmul(C(BC_VMX), x[6]));
	const vd uid = vdiv(vmul(vmt, x[4]), vadd(C(BC_KM0), x[4]));
	dx[4] = clamp(vsub(vsub(vmul(k1, x[3]), uid), vmul(k2, x[4])), x[4]);

	vd d5 = vsub(vmul(C(BC_M1), x[9]), vmul(C(BC_M2_PLUS_M4), x[5]));
	d5 = vadd(vadd(d5, vmul(C(BC_KA1), x[10])), vmul(C(BC_KA2), x[11]));
	dx[5] = clamp(d5, x[5]);
	const vd it = vmul(x[5], C(BC_INV_VI));

	const vd p2u = C(BC_P2U), ki = C(BC_KI);
	dx[6] = vsub(vmul(p2u, vsub(it, C(BC_IB))), vmul(p2u, x[6]));
	dx[7] = vmul(ki, vsub(it, x[7]));
	dx[8] = vmul(ki, vsub(x[7], x[8]));

	dx[9] = clamp(vsub(vmul(C(BC_M2), x[5]), vmul(C(BC_M1_PLUS_M30), x[9])), x[9]);
	dx[10] = clamp(vsub(in->insulin_pmol_per_kg_min, vmul(C(BC_KA1_PLUS_KD), x[10])), x[10]);
	dx[11] = clamp(vsub(vmul(C(BC_KD), x[10]), vmul(C(BC_KA2), x[11])), x[11]);
	const vd ksc = C(BC_KSC);
	dx[12] = clamp(vsub(vmul(ksc, x[3]), vmul(ksc, x[12])), x[12]);
}

/* ---------------------------------------------------------------------------------- */
/* The start of a minute: meal state machine, held inputs, k1, first step size         */
/* ---------------------------------------------------------------------------------- */

enum { N = PATIENT_STATE_COUNT };

/* Hairer's initial step (ode_dopri5_initial_step) for `lanes`; y and f0 = f(y). */
VI vd initial_step(const batch_lanes *b, uint32_t lanes, const held_inputs *in, const vd *y,
                   const vd *f0, vd hmax)
{
	const vd atol = vset(1e-12), rtol = vset(1e-6);
	vd dnf = vset(0.0), dny = vset(0.0), sk[N];
	for (int i = 0; i < N; i++) {
		sk[i] = vadd(atol, vmul(rtol, vabs(y[i])));
		const vd qf = vdiv(f0[i], sk[i]), qy = vdiv(y[i], sk[i]);
		dnf = vadd(dnf, vmul(qf, qf));
		dny = vadd(dny, vmul(qy, qy));
	}
	const vm tiny = mor(vle(dnf, vset(1e-10)), vle(dny, vset(1e-10)));
	vd h = vsel(tiny, vset(1.0e-6), vmul(vsqrt(vdiv(dny, dnf)), vset(0.01)));
	h = vmin(h, hmax);
	vd y1[N], f1[N];
	for (int i = 0; i < N; i++)
		y1[i] = vadd(y[i], vmul(h, f0[i]));
	rhs(b, in, y1, f1);
	vd der2 = vset(0.0);
	for (int i = 0; i < N; i++) {
		const vd q = vdiv(vsub(f1[i], f0[i]), sk[i]);
		der2 = vadd(der2, vmul(q, q));
	}
	der2 = vdiv(vsqrt(der2), h);
	const vd der12 = vmax(vabs(der2), vsqrt(dnf));
	/* libm's pow, as the scalar engine's: once a job, and the first step sets the pace */
	_Alignas(64) double q_row[LANES];
	vstore(q_row, vdiv(vset(0.01), der12));
	for (int lane = 0; lane < LANES; lane++)
		if (lanes & (1u << lane))
			q_row[lane] = pow(q_row[lane], 1.0 / 5.0);
	const vd h1 = vsel(vle(der12, vset(1e-15)), vmax(vset(1.0e-6), vmul(vabs(h), vset(1.0e-3))),
	                   vload(q_row));
	return vmin(vmin(vmul(vset(100.0), vabs(h)), h1), hmax);
}

static void minute_setup(batch_lanes *b, uint32_t setup_bits)
{
	const vm s = mask_of(setup_bits);
	const vd zero = vset(0.0);

	/* docs/patient-model.md "Inputs", patient_eat: announced grams become an eating rate */
	const vd meal_g = vload(b->in_meal_g);
	const vd rate =
	    vsel(vgt(meal_g, zero), vload(b->in_eat_rate_g_per_min), vload(b->eat_rate_g_per_min));
	vd planned = vadd(vload(b->planned_meal_g), meal_g);
	const vm some = vgt(planned, zero);
	const vd to_eat = vsel(some, vmin(rate, planned), zero);
	planned = vsel(some, vmax(vsub(planned, to_eat), zero), planned);
	const vd last_eaten = vload(b->last_eaten_g);
	const vm starts = mand(vgt(to_eat, zero), vle(last_eaten, zero));
	vd y[N];
	for (int i = 0; i < N; i++)
		y[i] = vload(b->y[i]);
	const vd last_qsto = vsel(starts, vadd(y[0], y[1]), vload(b->last_qsto_mg));
	vd foodtaken = vsel(starts, zero, vload(b->last_foodtaken_g));
	vm eating = mor(starts, mask_of(b->is_eating));
	foodtaken = vsel(eating, vadd(foodtaken, to_eat), foodtaken);
	eating = mandnot(mand(vle(to_eat, zero), vgt(last_eaten, zero)), eating);

	vstore_where(b->eat_rate_g_per_min, s, rate);
	vstore_where(b->planned_meal_g, s, planned);
	vstore_where(b->last_eaten_g, s, to_eat);
	vstore_where(b->eaten_g, s, to_eat);
	vstore_where(b->last_qsto_mg, s, last_qsto);
	vstore_where(b->last_foodtaken_g, s, foodtaken);
	b->is_eating = (b->is_eating & ~setup_bits) | (bits_of(eating) & setup_bits);

	/* patient_step_eating: the inputs held over the minute, in the reference's order */
	const vd dbar = vadd(last_qsto, vmul(foodtaken, vset(1000.0)));
	const vd meal_mg = vmul(to_eat, vset(1000.0));
	const vd iir = vdiv(vmul(vload(b->in_insulin_u_per_min), vset(PMOL_PER_U)), C(BC_BW_KG));
	const vm has_dbar = vgt(dbar, zero);
	const vd two = vset(2.0);
	const vd aa2 = vsel(has_dbar, vmul(two, vdiv(C(BC_AA_TIMES_DBAR), dbar)), zero);
	const vd cc2 = vsel(has_dbar, vmul(two, vdiv(C(BC_CC_TIMES_DBAR), dbar)), zero);
	const vd bd = vsel(has_dbar, vmul(C(BC_B), dbar), zero);
	const vd dd = vsel(has_dbar, vmul(C(BC_D), dbar), zero);

	/* integrate_minute: the same inputs as the last minute's (field by field) */
	const vm equal = mand(mand(mand(veq(meal_mg, vload(b->meal_mg_per_min)),
	                                veq(iir, vload(b->insulin_pmol_per_kg_min))),
	                           mand(veq(aa2, vload(b->two_aa)), veq(cc2, vload(b->two_cc)))),
	                      mand(veq(bd, vload(b->b_dbar)), veq(dd, vload(b->d_dbar))));
	const uint32_t has_dbar_bits = bits_of(has_dbar);
	const uint32_t same =
	    setup_bits & b->has_last_inputs & bits_of(equal) & ~(has_dbar_bits ^ b->has_dbar);
	vstore_where(b->meal_mg_per_min, s, meal_mg);
	vstore_where(b->insulin_pmol_per_kg_min, s, iir);
	vstore_where(b->two_aa, s, aa2);
	vstore_where(b->two_cc, s, cc2);
	vstore_where(b->b_dbar, s, bd);
	vstore_where(b->d_dbar, s, dd);
	b->has_dbar = (b->has_dbar & ~setup_bits) | (has_dbar_bits & setup_bits);
	b->has_last_inputs |= setup_bits;

	/* ode_dopri5_integrate's entry: from x to x + 1, stabilisation memory afresh */
	const vd x = vload(b->x_min);
	const vd xend = vadd(x, vset(1.0));
	const vd hmax = vsub(xend, x);
	vstore_where(b->xend_min, s, xend);
	vstore_where(b->hmax_min, s, hmax);
	vstore_where(b->steps, s, zero);
	b->facold_reset |= setup_bits;
	b->reject &= ~setup_bits;
	b->last &= ~setup_bits;

	const uint32_t reuse = same & b->has_f_end;
	const uint32_t evaluate = setup_bits & ~reuse;
	b->has_f_end &= ~setup_bits;
	vd evals = vsel(s, zero, vload(b->evals));
	if (!evaluate && !(setup_bits & bits_of(veq(vload(b->h_min), zero)))) {
		vstore(b->evals, evals);
		return;
	}
	const held_inputs in = held_inputs_of(b);
	vd f0[N];
	for (int i = 0; i < N; i++)
		f0[i] = vload(b->k1[i]);
	if (evaluate) {
		const vm e = mask_of(evaluate);
		vd f[N];
		rhs(b, &in, y, f);
		for (int i = 0; i < N; i++) {
			f0[i] = vsel(e, f[i], f0[i]);
			vstore(b->k1[i], f0[i]);
		}
		evals = vsel(e, vset(1.0), evals);
	}
	const vd h = vload(b->h_min);
	const vm first = mand(s, veq(h, zero));
	if (bits_of(first)) {
		const vd h0 = initial_step(b, bits_of(first), &in, y, f0, hmax);
		vstore(b->h_min, vsel(first, h0, h));
		evals = vsel(first, vadd(evals, vset(1.0)), evals);
	}
	vstore(b->evals, evals);
}

/* ---------------------------------------------------------------------------------- */
/* One attempt: the stages, the error, accept or reject, each lane on its own          */
/* ---------------------------------------------------------------------------------- */

/*
 * One lane's next step size after an attempt of size h with error err, as
 * ode_dopri5_integrate computes it (the same operations, libm's pow): reads the lane's
 * stabilisation memory, hmax and reject flag before the attempt's updates.
 */
static double next_step_size(const batch_lanes *b, int lane, double h, double err, bool accepted,
                             bool ends)
{
	const uint32_t bit = 1u << lane;
	const double fac11 = pow(err, DP_EXPO1);
	if (!accepted)
		return h / fmin(1.0 / DP_FAC1, fac11 / DP_SAFE);
	double fac = fac11 / ((b->facold_reset & bit) ? b->pow_facold_initial
	                                              : pow(b->facold[lane], DP_BETA));
	fac = fac / DP_SAFE;
	fac = fac < 1.0 / DP_FAC1 ? fac : 1.0 / DP_FAC1;
	fac = fac > 1.0 / DP_FAC2 ? fac : 1.0 / DP_FAC2;
	double hnew = h / fac;
	if (ends)
		return hnew;
	if (fabs(hnew) > b->hmax_min[lane])
		hnew = b->hmax_min[lane];
	if (b->reject & bit)
		hnew = fmin(fabs(hnew), fabs(h));
	return hnew;
}

void KERNEL_NAME(batch_lanes *b)
{
	const uint32_t lane_bits = (uint32_t)((1ull << LANES) - 1u);
	if (b->setup & lane_bits)
		minute_setup(b, b->setup & lane_bits);
	b->setup &= ~lane_bits;

	vm act = mask_of(b->active & lane_bits);
	vd h = vload(b->h_min);
	const vd x = vload(b->x_min), xend = vload(b->xend_min);
	const vd steps = vload(b->steps);

	/* the integrator's give-ups (too many steps, step below rounding) */
	const vm gives_up =
	    mand(act, mor(vgt(steps, vset((double)DP_MAX_STEPS)),
	                  vle(vmul(vset(0.1), vabs(h)), vmul(vabs(x), vset(DP_UROUND)))));
	act = mandnot(gives_up, act);
	/* the last step of the minute is cut to end on it */
	const vm cut = mand(act, vgt(vsub(vadd(x, vmul(vset(1.01), h)), xend), vset(0.0)));
	h = vsel(cut, vsub(xend, x), h);
	const uint32_t last_bits = b->last | bits_of(cut);
	vstore(b->steps, vsel(act, vadd(steps, vset(1.0)), steps));
	vstore(b->evals, vsel(act, vadd(vload(b->evals), vset(6.0)), vload(b->evals)));

	const held_inputs in = held_inputs_of(b);
	vd y[N], k1[N], k2[N], k3[N], k4[N], k5[N], k6[N], k7[N], ys[N];
	/* the stages in ode_dopri5.h's operation order: y + h * (a1 k1 + a2 k2 + ...) */
#define TERM(a, k) vmul(vset(a), k[i])
	const vd h_a21 = vmul(h, vset(DP_A21));
	for (int i = 0; i < N; i++) {
		y[i] = vload(b->y[i]);
		k1[i] = vload(b->k1[i]);
		ys[i] = vadd(y[i], vmul(h_a21, k1[i]));
	}
	rhs(b, &in, ys, k2);
	for (int i = 0; i < N; i++)
		ys[i] = vadd(y[i], vmul(h, vadd(TERM(DP_A31, k1), TERM(DP_A32, k2))));
	rhs(b, &in, ys, k3);
	for (int i = 0; i < N; i++) {
		const vd t = vadd(vadd(TERM(DP_A41, k1), TERM(DP_A42, k2)), TERM(DP_A43, k3));
		ys[i] = vadd(y[i], vmul(h, t));
	}
	rhs(b, &in, ys, k4);
	for (int i = 0; i < N; i++) {
		vd t = vadd(vadd(TERM(DP_A51, k1), TERM(DP_A52, k2)), TERM(DP_A53, k3));
		t = vadd(t, TERM(DP_A54, k4));
		ys[i] = vadd(y[i], vmul(h, t));
	}
	rhs(b, &in, ys, k5);
	for (int i = 0; i < N; i++) {
		vd t = vadd(vadd(TERM(DP_A61, k1), TERM(DP_A62, k2)), TERM(DP_A63, k3));
		t = vadd(vadd(t, TERM(DP_A64, k4)), TERM(DP_A65, k5));
		ys[i] = vadd(y[i], vmul(h, t));
	}
	rhs(b, &in, ys, k6);
	for (int i = 0; i < N; i++) {
		vd t = vadd(vadd(TERM(DP_A71, k1), TERM(DP_A73, k3)), TERM(DP_A74, k4));
		t = vadd(vadd(t, TERM(DP_A75, k5)), TERM(DP_A76, k6));
		ys[i] = vadd(y[i], vmul(h, t)); /* the 5th-order solution */
	}
	rhs(b, &in, ys, k7);

	/* error: RMS of the embedded 4th-order difference, scaled per state */
	vd err = vset(0.0);
	for (int i = 0; i < N; i++) {
		vd e = vadd(vadd(TERM(DP_E1, k1), TERM(DP_E3, k3)), TERM(DP_E4, k4));
		e = vadd(vadd(vadd(e, TERM(DP_E5, k5)), TERM(DP_E6, k6)), TERM(DP_E7, k7));
		e = vmul(e, h);
		const vd sk = vadd(vset(1e-12), vmul(vset(1e-6), vmax(vabs(y[i]), vabs(ys[i]))));
		const vd q = vdiv(e, sk);
		err = vadd(err, vmul(q, q));
	}
#undef TERM
	err = vsqrt(vdiv(err, vset((double)N)));

	/* step control (Hairer's DOPRI5, Lund stabilisation) */
	const vm fits = vle(err, vset(1.0));
	const vm accepted = mand(act, fits);
	const vm rejected = mandnot(fits, act);
	const uint32_t acc_bits = bits_of(accepted), rej_bits = bits_of(rejected);
	const uint32_t ends = acc_bits & last_bits;
	/*
	 * The common minute: one step over all of it (h = 1, stabilisation memory afresh)
	 * with an error so small that the next step is at least 0.991 minute, and the next
	 * minute cuts any step over 1/1.01 to the minute: the exact size reaches nothing and
	 * is not computed (it needs pow). 10 h stands for it (the size at the factor's clamp).
	 * Every other lane takes the scalar engine's step control, libm's pow included.
	 */
	const uint32_t quick = ends & b->facold_reset &
	                       bits_of(mand(veq(h, vset(1.0)), vle(err, vset(b->quick_err_max))));
	const uint32_t exact = (acc_bits | rej_bits) & ~quick;
	vd h_next = vsel(mask_of(quick), vmul(h, vset(DP_FAC2)), h);
	if (exact) {
		_Alignas(64) double err_row[LANES], h_row[LANES];
		vstore(err_row, err);
		vstore(h_row, h_next);
		for (uint32_t m = exact; m; m &= m - 1) {
			const int lane = __builtin_ctz(m);
			const uint32_t bit = 1u << lane;
			h_row[lane] = next_step_size(b, lane, h_row[lane], err_row[lane],
			                             (acc_bits & bit) != 0, (ends & bit) != 0);
		}
		h_next = vload(h_row);
	}
	vstore(b->h_min, vsel(mor(accepted, rejected), h_next, vload(b->h_min)));

	/* accepted: advance; the end of the minute keeps hnew for the next one */
	vstore_where(b->facold, accepted, vmax(err, vset(DP_FACOLD_RESET)));
	for (int i = 0; i < N; i++) {
		vstore_where(b->y[i], accepted, ys[i]);
		vstore_where(b->k1[i], accepted, k7[i]);
	}
	const vm ends_m = mask_of(ends);
	vstore(b->x_min, vsel(accepted, vsel(ends_m, xend, vadd(x, h)), x));

	b->facold_reset &= ~acc_bits;
	b->reject = (b->reject & ~acc_bits) | rej_bits;
	b->last = last_bits & ~rej_bits & ~ends;
	b->has_f_end |= ends;

	const uint32_t stopped = ends | bits_of(gives_up);
	if (stopped) {
		const vm sm = mask_of(stopped);
		const vd vg = C(BC_VG_DL_PER_KG);
		/* from registers: a load right after the masked store could not be forwarded */
		const vd gp = vsel(accepted, ys[PATIENT_GP_MG_PER_KG], y[PATIENT_GP_MG_PER_KG]);
		const vd gs = vsel(accepted, ys[PATIENT_GS_MG_PER_KG], y[PATIENT_GS_MG_PER_KG]);
		vstore_where(b->bg_mgdl, sm, vdiv(gp, vg));
		vstore_where(b->gsub_mgdl, sm, vdiv(gs, vg));
	}
	b->done |= ends;
	b->failed |= bits_of(gives_up);
	b->active &= ~stopped;
}

/* ---------------------------------------------------------------------------------- */
/* For tests and for the check before a kernel runs: the exp over arrays              */
/* ---------------------------------------------------------------------------------- */

#if BATCH_GROUP == 1
void MATH_NAME(exp)(const double *in, double *out, unsigned n)
{
	for (unsigned i = 0; i + BATCH_W <= n; i += BATCH_W) {
		_Alignas(64) double buf[BATCH_W];
		for (int j = 0; j < BATCH_W; j++)
			buf[j] = in[i + (unsigned)j];
		vstore(buf, vexp_nonpositive(vload(buf)));
		for (int j = 0; j < BATCH_W; j++)
			out[i + (unsigned)j] = buf[j];
	}
}

bool MATH_NAME(exp_matches_scalar)(void)
{
	enum { SAMPLE = 4096 };
	static const double edges[] = {0.0,    -0.0,   -1e-300, -0x1p-1022, -1e-17,        -0.5,
	                               -1.0,   -20.0,  -708.0,  -708.3959,  -0x1.6232bp+9, -708.4,
	                               -745.0, -746.0, -1e6,    (double)NAN};
	_Alignas(64) double in[SAMPLE], got[SAMPLE];
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (unsigned i = 0; i < SAMPLE; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		const double u = (double)(seed >> 11) * 0x1p-53;
		/* most of the sample where the tanh's arguments are, the rest down to -750 */
		in[i] = i < sizeof edges / sizeof edges[0] ? edges[i]
		        : i % 4                            ? -64.0 * u * u
		                                           : -750.0 * u;
	}
	MATH_NAME(exp)(in, got, SAMPLE);
	for (unsigned i = 0; i < SAMPLE; i += 2) {
		double want[2];
		patient_exp_pair(in[i], in[i + 1], &want[0], &want[1]);
		if (memcmp(want, &got[i], sizeof want) != 0)
			return false;
	}
	return true;
}
#endif
