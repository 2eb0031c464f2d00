/*
 * batch_kernel — many patients a core: the S2008 right-hand side and DOPRI5 written once
 * over vectors of lanes, each lane its own patient, its own step size and its own minute.
 *
 * Compiled once per instruction set and group width (meson: BATCH_ISA_AVX512 or
 * BATCH_ISA_AVX2, BATCH_GROUP 1 or 2 vectors interleaved): batch_kernel_<isa>_x<group>.
 * The instruction-set layer (batch_isa_*.h) has only exactly rounded operations, so every
 * instantiation computes the same bits for a lane, whatever its width or its neighbours.
 *
 * What it reproduces, per lane, is the scalar engine (patient.c, ode_dopri5.h): the same
 * meal state machine, the same held inputs and their comparison (first-same-as-last
 * reuse), scipy's DOPRI5 step control with the step size carried across minutes, the same
 * accept/reject and end-of-minute decisions — hence the same right-hand-side count per
 * minute. It differs only in rounding: fused multiply-adds in the stages and the
 * right-hand side, and its own exp and log (Taylor/fdlibm polynomials, about 1 ulp, see
 * docs/batch-engine.md) for tanh and for the step control's pow. The scalar engine stays
 * the reference; tests/test_patient_batch.c holds the two within 1e-6 mg/dL a minute.
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

#define G BATCH_GROUP
#define LANES (G * BATCH_W)
#define PASTE4(a, b, c, d) a##b##c##d
#define NAME4(a, b, c, d) PASTE4(a, b, c, d)
#define KERNEL_NAME NAME4(batch_kernel_, BATCH_ISA_NAME, _x, BATCH_GROUP)
#define MATH_NAME(fn) NAME4(batch_math_, BATCH_ISA_NAME, _, fn)

_Static_assert(LANES <= BATCH_MAX_LANES, "batch_lanes rows are too short");

/* ---------------------------------------------------------------------------------- */
/* A group of G vectors: LANES lanes                                                  */
/* ---------------------------------------------------------------------------------- */

typedef struct vd {
	nv v[G];
} vd;
typedef struct vm {
	nm m[G];
} vm;

#define VI static inline __attribute__((always_inline))
#define FOR_G for (int g = 0; g < G; g++)

VI vd vload(const double *row)
{
	vd r;
	FOR_G r.v[g] = n_load(row + g * BATCH_W);
	return r;
}
VI void vstore(double *row, vd a)
{
	FOR_G n_store(row + g * BATCH_W, a.v[g]);
}
VI vd vset(double a)
{
	vd r;
	FOR_G r.v[g] = n_set1(a);
	return r;
}
VI vd vbits(uint64_t u)
{
	vd r;
	FOR_G r.v[g] = n_bits(u);
	return r;
}

#define V_BINARY(name, op)                                                                         \
	VI vd name(vd a, vd b)                                                                     \
	{                                                                                          \
		vd r;                                                                              \
		FOR_G r.v[g] = op(a.v[g], b.v[g]);                                                 \
		return r;                                                                          \
	}
#define V_COMPARE(name, op)                                                                        \
	VI vm name(vd a, vd b)                                                                     \
	{                                                                                          \
		vm r;                                                                              \
		FOR_G r.m[g] = op(a.v[g], b.v[g]);                                                 \
		return r;                                                                          \
	}
#define M_BINARY(name, op)                                                                         \
	VI vm name(vm a, vm b)                                                                     \
	{                                                                                          \
		vm r;                                                                              \
		FOR_G r.m[g] = op(a.m[g], b.m[g]);                                                 \
		return r;                                                                          \
	}

V_BINARY(vadd, n_add)
V_BINARY(vsub, n_sub)
V_BINARY(vmul, n_mul)
V_BINARY(vdiv, n_div)
V_BINARY(vmin, n_min)
V_BINARY(vmax, n_max)
V_BINARY(vand, n_and)
V_BINARY(vor, n_or)
V_BINARY(vandnot, n_andnot)
V_COMPARE(vgt, n_gt)
V_COMPARE(vge, n_ge)
V_COMPARE(vlt, n_lt)
V_COMPARE(vle, n_le)
V_COMPARE(veq, n_eq)
M_BINARY(mand, m_and)
M_BINARY(mor, m_or)
M_BINARY(mandnot, m_andnot)

VI vd vfma(vd a, vd b, vd c) /* a*b + c, one rounding */
{
	vd r;
	FOR_G r.v[g] = n_fma(a.v[g], b.v[g], c.v[g]);
	return r;
}
VI vd vfnma(vd a, vd b, vd c) /* c - a*b, one rounding */
{
	vd r;
	FOR_G r.v[g] = n_fnma(a.v[g], b.v[g], c.v[g]);
	return r;
}
VI vd vsqrt(vd a)
{
	vd r;
	FOR_G r.v[g] = n_sqrt(a.v[g]);
	return r;
}
VI vd vshl(vd a, int n)
{
	vd r;
	FOR_G r.v[g] = n_shl(a.v[g], n);
	return r;
}
VI vd vshr(vd a, int n)
{
	vd r;
	FOR_G r.v[g] = n_shr(a.v[g], n);
	return r;
}
VI vd vsel(vm m, vd if_true, vd if_false)
{
	vd r;
	FOR_G r.v[g] = n_blend(m.m[g], if_true.v[g], if_false.v[g]);
	return r;
}
VI vm mask_of(uint32_t bits)
{
	vm r;
	FOR_G r.m[g] = m_of_bits((bits >> (g * BATCH_W)) & ((1u << BATCH_W) - 1u));
	return r;
}
VI uint32_t bits_of(vm m)
{
	uint32_t bits = 0;
	FOR_G bits |= (uint32_t)m_bits(m.m[g]) << (g * BATCH_W);
	return bits;
}
VI vd vabs(vd a)
{
	return vandnot(vbits(0x8000000000000000u), a);
}
/* magnitude of `mag` (>= 0) with the sign of `sign`: copysign for a non-negative mag */
VI vd vwith_sign_of(vd mag, vd sign)
{
	return vor(mag, vand(sign, vbits(0x8000000000000000u)));
}
/* set a row to `value` where m, keep it elsewhere */
VI void vstore_where(double *row, vm m, vd value)
{
	vstore(row, vsel(m, value, vload(row)));
}

/* ---------------------------------------------------------------------------------- */
/* exp, log, pow                                                                      */
/* ---------------------------------------------------------------------------------- */

/*
 * e^x for x in [-708, 708] (clamped there; NaN stays NaN): x = n ln2 + r, |r| <= ln2/2,
 * e^r by its Taylor series to r^13 (truncation < 5e-18), 2^n built in the exponent bits.
 * Within 1 ulp of libm (tests/test_patient_batch.c).
 */
VI vd vexp(vd x)
{
	const vd shifter = vset(0x1.8p52 + 1023.0); /* rounds to an integer, biased by 1023 */
	x = vmax(vset(-708.0), vmin(vset(708.0), x));
	const vd t = vfma(x, vset(0x1.71547652b82fep+0), shifter); /* x / ln 2 */
	const vd n = vsub(t, shifter);
	vd r = vfnma(n, vset(0x1.62e42fefa39efp-1), x); /* ln 2, high part */
	r = vfnma(n, vset(0x1.abc9e3b39803fp-56), r);   /* ln 2, low part */
	vd p = vset(1.6059043836821613e-10);            /* 1/13! */
	p = vfma(p, r, vset(2.08767569878681e-09));
	p = vfma(p, r, vset(2.505210838544172e-08));
	p = vfma(p, r, vset(2.755731922398589e-07));
	p = vfma(p, r, vset(2.7557319223985893e-06));
	p = vfma(p, r, vset(2.48015873015873e-05));
	p = vfma(p, r, vset(0.0001984126984126984));
	p = vfma(p, r, vset(0.001388888888888889));
	p = vfma(p, r, vset(0.008333333333333333));
	p = vfma(p, r, vset(0.041666666666666664));
	p = vfma(p, r, vset(0.16666666666666666));
	p = vfma(p, r, vset(0.5));
	const vd er = vadd(vset(1.0), vfma(vmul(r, r), p, r));
	return vmul(er, vshl(t, 52)); /* (n + 1023) << 52 = 2^n */
}

/*
 * ln x for positive finite x (normal or subnormal), as fdlibm's e_log.c computes it:
 * x = 2^k m, m in [sqrt(2)/2, sqrt(2)), ln m through s = f / (2 + f) and its polynomial
 * Lg1 … Lg7. Within 1 ulp of libm (tests/test_patient_batch.c).
 */
VI vd vlog(vd x)
{
	const vm tiny = vlt(x, vset(0x1p-1022));
	x = vsel(tiny, vmul(x, vset(0x1p54)), x);
	const vd bias = vsel(tiny, vset(1023.0 + 54.0), vset(1023.0));
	/* the biased exponent as a double: its bits under 2^52's */
	vd k = vsub(vor(vshr(x, 52), vbits(0x4330000000000000u)), vset(0x1p52));
	k = vsub(k, bias);
	vd m = vor(vand(x, vbits(0x000fffffffffffffu)), vbits(0x3ff0000000000000u));
	const vm big = vgt(m, vset(0x1.6a09e667f3bcdp+0)); /* sqrt(2) */
	m = vsel(big, vmul(m, vset(0.5)), m);
	k = vsel(big, vadd(k, vset(1.0)), k);

	const vd f = vsub(m, vset(1.0));
	const vd hfsq = vmul(vmul(vset(0.5), f), f);
	const vd s = vdiv(f, vadd(vset(2.0), f));
	const vd z = vmul(s, s);
	const vd w = vmul(z, z);
	const vd t1 =
	    vmul(w, vfma(w, vfma(w, vset(1.531383769920937332e-01), vset(2.222219843214978396e-01)),
	                 vset(3.999999999940941908e-01)));
	const vd t2 = vmul(
	    z, vfma(w,
	            vfma(w, vfma(w, vset(1.479819860511658591e-01), vset(1.818357216161805012e-01)),
	                 vset(2.857142874366239149e-01)),
	            vset(6.666666666666735130e-01)));
	const vd rr = vadd(t2, t1);
	const vd ln2_hi = vset(6.93147180369123816490e-01),
	         ln2_lo = vset(1.90821492927058770002e-10);
	/* k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo)) - f) */
	const vd inner = vfma(s, vadd(hfsq, rr), vmul(k, ln2_lo));
	return vsub(vmul(k, ln2_hi), vsub(vsub(hfsq, inner), f));
}

VI vd vpow(vd x, double y)
{
	const vd inf = vset((double)INFINITY);
	const vm ok = mand(vgt(x, vset(0.0)), vlt(x, inf));
	const vd r = vexp(vmul(vset(y), vlog(vsel(ok, x, vset(1.0)))));
	const vm passes = mor(veq(x, vset(0.0)), veq(x, inf));
	return vsel(ok, r, vsel(passes, x, vset((double)NAN)));
}

/* ---------------------------------------------------------------------------------- */
/* The right-hand side (patient-model spec §3, clamps §3.6), as patient.c's           */
/* ---------------------------------------------------------------------------------- */

/* What the right-hand side holds over a minute, loaded once an attempt. */
typedef struct held_inputs {
	vd meal_mg_per_min, insulin_pmol_per_kg_min;
	vd aa, cc, b_dbar, d_dbar;
	vm has_dbar;
} held_inputs;

VI held_inputs held_inputs_of(const batch_lanes *b)
{
	return (held_inputs){
	    .meal_mg_per_min = vload(b->meal_mg_per_min),
	    .insulin_pmol_per_kg_min = vload(b->insulin_pmol_per_kg_min),
	    .aa = vload(b->aa),
	    .cc = vload(b->cc),
	    .b_dbar = vload(b->b_dbar),
	    .d_dbar = vload(b->d_dbar),
	    .has_dbar = mask_of(b->has_dbar),
	};
}

#define C(name) vload(b->c[name])

/* Clamp of §3.6: the derivative is 0 while the state is not >= 0. */
VI vd clamp(vd dx, vd x)
{
	return vsel(vge(x, vset(0.0)), dx, vset(0.0));
}

static void rhs(const batch_lanes *b, const held_inputs *in, const vd *x, vd *dx)
{
	const vd zero = vset(0.0), one = vset(1.0);
	const vd qsto = vadd(x[0], x[1]);
	const vd kmax = C(BC_KMAX);

	dx[0] = vsub(in->meal_mg_per_min, vmul(kmax, x[0]));

	/* tanh(u) - tanh(v) with one exp each and one division (patient.c) */
	const vd u = vmul(in->aa, vsub(qsto, in->b_dbar));
	const vd v = vmul(in->cc, vsub(qsto, in->d_dbar));
	const vd eu = vexp(vmul(vset(-2.0), vabs(u)));
	const vd ev = vexp(vmul(vset(-2.0), vabs(v)));
	const vd nu = vwith_sign_of(vsub(one, eu), u), nvv = vwith_sign_of(vsub(one, ev), v);
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

	/* spec §4, patient_eat: announced grams become an eating rate */
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
	const vd aa = vsel(has_dbar, vdiv(C(BC_AA_TIMES_DBAR), dbar), zero);
	const vd cc = vsel(has_dbar, vdiv(C(BC_CC_TIMES_DBAR), dbar), zero);
	const vd bd = vsel(has_dbar, vmul(C(BC_B), dbar), zero);
	const vd dd = vsel(has_dbar, vmul(C(BC_D), dbar), zero);

	/* integrate_minute: the same inputs as the last minute's (field by field) */
	const vm equal = mand(mand(mand(veq(meal_mg, vload(b->meal_mg_per_min)),
	                                veq(iir, vload(b->insulin_pmol_per_kg_min))),
	                           mand(veq(aa, vload(b->aa)), veq(cc, vload(b->cc)))),
	                      mand(veq(bd, vload(b->b_dbar)), veq(dd, vload(b->d_dbar))));
	const uint32_t has_dbar_bits = bits_of(has_dbar);
	const uint32_t same =
	    setup_bits & b->has_last_inputs & bits_of(equal) & ~(has_dbar_bits ^ b->has_dbar);
	vstore_where(b->meal_mg_per_min, s, meal_mg);
	vstore_where(b->insulin_pmol_per_kg_min, s, iir);
	vstore_where(b->aa, s, aa);
	vstore_where(b->cc, s, cc);
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

/* h / fac, fac = fac11 / facold^beta / safe clamped to [1/fac2, 1/fac1] (ode_dopri5.h) */
VI vd step_factor(vd h, vd fac11, vd facold_beta)
{
	vd fac = vdiv(vdiv(fac11, facold_beta), vset(DP_SAFE));
	fac = vmin(fac, vset(1.0 / DP_FAC1));
	fac = vmax(fac, vset(1.0 / DP_FAC2));
	return vdiv(h, fac);
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
	const vm reset = mask_of(b->facold_reset);
	vd fac11 = vpow(err, DP_EXPO1);
	vd facold_beta = vset(b->pow_facold_initial);
	if (bits_of(mandnot(reset, accepted)))
		facold_beta = vsel(reset, facold_beta, vpow(vload(b->facold), DP_BETA));
	vd hnew = step_factor(h, fac11, facold_beta);
	/*
	 * Where the last bits of the powers reach the next step size, they are libm's, as
	 * the scalar engine's: the same step sequence. They do not where the factor is
	 * clamped, or where the step is cut to the minute or to hmax anyway (the margins
	 * cover the vector pow's few ulps).
	 */
	const vm unclamped = mand(vgt(hnew, vmul(h, vset(0.2 * (1.0 + 0x1p-40)))),
	                          vlt(hnew, vmul(h, vset(10.0 * (1.0 - 0x1p-40)))));
	const vm carried = mand(mask_of(ends), vlt(hnew, vset(0.991)));
	const vm within = mand(mask_of(acc_bits & ~ends),
	                       vlt(hnew, vmul(vload(b->hmax_min), vset(1.0 + 0x1p-30))));
	const uint32_t exact = bits_of(mor(mand(unclamped, mor(carried, within)), rejected));
	if (exact) {
		_Alignas(64) double err_row[LANES], fac11_row[LANES], beta_row[LANES];
		vstore(err_row, err);
		vstore(fac11_row, fac11);
		vstore(beta_row, facold_beta);
		for (uint32_t m = exact; m; m &= m - 1) {
			const int lane = __builtin_ctz(m);
			fac11_row[lane] = pow(err_row[lane], DP_EXPO1);
			if (!(b->facold_reset & (1u << lane)))
				beta_row[lane] = pow(b->facold[lane], DP_BETA);
		}
		fac11 = vload(fac11_row);
		facold_beta = vload(beta_row);
		hnew = step_factor(h, fac11, facold_beta);
	}

	/* accepted: advance; the end of the minute keeps hnew for the next one */
	vstore_where(b->facold, accepted, vmax(err, vset(DP_FACOLD_RESET)));
	for (int i = 0; i < N; i++) {
		vstore(b->y[i], vsel(accepted, ys[i], y[i]));
		vstore(b->k1[i], vsel(accepted, k7[i], k1[i]));
	}
	const vm ends_m = mask_of(ends);
	vstore(b->x_min, vsel(accepted, vsel(ends_m, xend, vadd(x, h)), x));
	vd h_acc = vsel(vgt(vabs(hnew), vload(b->hmax_min)), vload(b->hmax_min), hnew);
	h_acc = vsel(mask_of(b->reject), vmin(vabs(h_acc), vabs(h)), h_acc);
	h_acc = vsel(ends_m, hnew, h_acc);
	/* rejected: shrink */
	const vd h_rej = vdiv(h, vmin(vdiv(fac11, vset(DP_SAFE)), vset(1.0 / DP_FAC1)));
	vstore(b->h_min, vsel(accepted, h_acc, vsel(rejected, h_rej, vload(b->h_min))));

	b->facold_reset &= ~acc_bits;
	b->reject = (b->reject & ~acc_bits) | rej_bits;
	b->last = last_bits & ~rej_bits & ~ends;
	b->has_f_end |= ends;

	const uint32_t stopped = ends | bits_of(gives_up);
	if (stopped) {
		const vm sm = mask_of(stopped);
		const vd vg = C(BC_VG_DL_PER_KG);
		vstore_where(b->bg_mgdl, sm, vdiv(vload(b->y[PATIENT_GP_MG_PER_KG]), vg));
		vstore_where(b->gsub_mgdl, sm, vdiv(vload(b->y[PATIENT_GS_MG_PER_KG]), vg));
	}
	b->done |= ends;
	b->failed |= bits_of(gives_up);
	b->active &= ~stopped;
}

/* ---------------------------------------------------------------------------------- */
/* For tests: the polynomial exp and log over arrays                                  */
/* ---------------------------------------------------------------------------------- */

#if BATCH_GROUP == 1
void MATH_NAME(exp)(const double *in, double *out, unsigned n)
{
	for (unsigned i = 0; i + BATCH_W <= n; i += BATCH_W) {
		_Alignas(64) double buf[BATCH_W];
		for (int j = 0; j < BATCH_W; j++)
			buf[j] = in[i + (unsigned)j];
		vstore(buf, vexp(vload(buf)));
		for (int j = 0; j < BATCH_W; j++)
			out[i + (unsigned)j] = buf[j];
	}
}

void MATH_NAME(log)(const double *in, double *out, unsigned n)
{
	for (unsigned i = 0; i + BATCH_W <= n; i += BATCH_W) {
		_Alignas(64) double buf[BATCH_W];
		for (int j = 0; j < BATCH_W; j++)
			buf[j] = in[i + (unsigned)j];
		vstore(buf, vlog(vload(buf)));
		for (int j = 0; j < BATCH_W; j++)
			out[i + (unsigned)j] = buf[j];
	}
}
#endif
