/*
 * batch_vector — the batch kernel's vectors: a group of G native vectors (G = 1 or 2,
 * interleaved so that two independent dependency chains fill the pipeline), their
 * arithmetic, masks as lane bits, and the exp of libmvec (the scalar engine's).
 *
 * Private to batch_kernel.c, included once per instantiation after one of the
 * instruction-set layers (batch_isa_avx512.h, batch_isa_avx2.h) and with BATCH_GROUP
 * defined. Every operation is exactly rounded or exact, so a lane's bits do not depend on
 * the instruction set, the group width or the other lanes.
 */
#ifndef FAKEPUMP_BATCH_VECTOR_H
#define FAKEPUMP_BATCH_VECTOR_H

#include <math.h>
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
V_COMPARE(vnot_gt, n_not_gt)
M_BINARY(mand, m_and)
M_BINARY(mor, m_or)
M_BINARY(mandnot, m_andnot)

VI vd vsqrt(vd a)
{
	vd r;
	FOR_G r.v[g] = n_sqrt(a.v[g]);
	return r;
}
VI vd vround(vd a) /* to the nearest integer, ties to even */
{
	vd r;
	FOR_G r.v[g] = n_round(a.v[g]);
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
	FOR_G n_store_where(row + g * BATCH_W, m.m[g], value.v[g]);
}

/* ---------------------------------------------------------------------------------- */
/* exp, log, pow                                                                      */
/* ---------------------------------------------------------------------------------- */

/* 2^(j/1024), j = 0 ... 1023 (tools/gen_batch_exp_table.py) */
static const double batch_exp_table[1024] = {
#include "batch_exp_table.inc"
};

/* Out of the hot path (a call there would make the compiler spill every vector around
 * it): libm's exp for the lanes of `special`, as libmvec's fallback does. */
__attribute__((noinline, cold)) static void exp_special_lanes(const double *in, double *out,
                                                              uint32_t special)
{
	for (int lane = 0; lane < LANES; lane++)
		if (special & (1u << lane))
			out[lane] = exp(in[lane]);
}

/*
 * e^x for x <= 0 (or NaN), operation for operation as glibc 2.36's libmvec computes it in
 * _ZGVbN2v_exp (SSE4), which the scalar engine's tanh uses: the same bits.
 * x 1024/ln2 rounds to m = 1024 n + j; r = x - m (ln2/1024, in two parts);
 * e^x = 2^n 2^(j/1024) (1 + r (1 + r (c2 + r c3))), 2^n added into the exponent bits.
 * Where libmvec calls libm (|x| >= 708.39..., NaN), so does this, lane by lane.
 * patient_batch.c checks the bits against the scalar engine's exp before it runs a kernel.
 */
VI vd vexp_nonpositive(vd x)
{
	const vd shifter = vset(0x1.8p52);
	const vd t = vmul(x, vset(0x1.71547652b82fep+10)); /* 1024 / ln 2 */
	const vd m = vround(t);
	const vd r = vsub(vsub(x, vmul(m, vset(0x1.62e42fec00000p-11))), /* ln2/1024, high */
	                  vmul(m, vset(0x1.d1cf79abc9e3bp-42)));         /* ln2/1024, low */
	const vd bits = vadd(t, shifter);                                /* m in the low bits */
	vd p = vadd(vmul(vset(0x1.5555555555556p-3), r), vset(0x1.0000001ebfbe0p-1));
	p = vmul(vadd(vmul(p, r), vset(1.0)), r);
	const vd q = vadd(vset(1.0), p);
	const vd index = vand(bits, vbits(0x3ff));
	const vd exponent = vshl(vandnot(vbits(0x3ff), bits), 42);
	vd out;
	FOR_G out.v[g] =
	    n_add_i64(n_mul(n_gather(batch_exp_table, index.v[g]), q.v[g]), exponent.v[g]);
	/* libmvec's own special cases: |x| from 0x4086232b00000000 up, and NaN */
	const uint32_t special = bits_of(vnot_gt(x, vset(-0x1.6232bp+9)));
	if (__builtin_expect(special != 0, 0)) {
		_Alignas(64) double in_row[LANES], out_row[LANES];
		vstore(in_row, x);
		vstore(out_row, out);
		exp_special_lanes(in_row, out_row, special);
		out = vload(out_row);
	}
	return out;
}

#endif
