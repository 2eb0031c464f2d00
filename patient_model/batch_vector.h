/*
 * batch_vector — the batch kernel's vectors: a group of G native vectors (G = 1 or 2,
 * interleaved so that two independent dependency chains fill the pipeline), their
 * arithmetic, masks as lane bits, and the polynomial exp.
 *
 * Private to batch_kernel.c, included once per instantiation after one of the
 * instruction-set layers (batch_isa_avx512.h, batch_isa_avx2.h) and with BATCH_GROUP
 * defined. Every operation is exactly rounded or exact, so a lane's bits do not depend on
 * the instruction set, the group width or the other lanes.
 */
#ifndef FAKEPUMP_BATCH_VECTOR_H
#define FAKEPUMP_BATCH_VECTOR_H

#include <stdint.h>

#define G BATCH_GROUP
#define LANES (G * BATCH_W)

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
 * e^x for x <= 0 (clamped at -708, where e^x is still normal; NaN stays NaN), as the
 * tanh of the gastric emptying needs it: x = n ln2 + r, |r| <= ln2/2, e^r by its Taylor
 * series to r^13 (truncation < 5e-18), then scaled by 2^n exactly. Within 1 ulp of libm
 * (tests/test_patient_batch.c).
 */
VI vd vexp_nonpositive(vd x)
{
	const vd shifter = vset(0x1.8p52 + 1023.0); /* rounds to an integer, biased by 1023 */
	x = vmax(vset(-708.0), x);
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
	vd out;
	FOR_G out.v[g] = n_scale_pow2(er.v[g], n.v[g], t.v[g]);
	return out;
}

#endif
