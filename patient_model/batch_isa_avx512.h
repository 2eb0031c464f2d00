/*
 * batch_isa_avx512 — the batch kernel's operations on one AVX-512 vector of 8 doubles,
 * masks in k registers. Included by batch_kernel.c when compiled with -mavx512f.
 *
 * Only exactly rounded or exact operations (add, mul, div, sqrt, round, min/max, blends,
 * gathers, bit and integer operations; no fused multiply-add): the AVX2 layer
 * (batch_isa_avx2.h) performs the same operations, so the two kernels give the same bits. min/max
 * have the x86 meaning: n_min(a, b) is a < b ? a : b (b when either is NaN), n_max(a, b) is a > b ?
 * a : b.
 */
#ifndef FAKEPUMP_BATCH_ISA_AVX512_H
#define FAKEPUMP_BATCH_ISA_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#define BATCH_W 8
#define BATCH_ISA_NAME avx512

typedef __m512d nv;
typedef __mmask8 nm;

#define NI static inline __attribute__((always_inline))

NI nv n_load(const double *p)
{
	return _mm512_load_pd(p);
}
NI void n_store(double *p, nv a)
{
	_mm512_store_pd(p, a);
}
/* store the lanes of m only */
NI void n_store_where(double *p, nm m, nv a)
{
	_mm512_mask_store_pd(p, m, a);
}
NI nv n_set1(double a)
{
	return _mm512_set1_pd(a);
}
NI nv n_add(nv a, nv b)
{
	return _mm512_add_pd(a, b);
}
NI nv n_sub(nv a, nv b)
{
	return _mm512_sub_pd(a, b);
}
NI nv n_mul(nv a, nv b)
{
	return _mm512_mul_pd(a, b);
}
NI nv n_div(nv a, nv b)
{
	return _mm512_div_pd(a, b);
}
NI nv n_sqrt(nv a)
{
	return _mm512_sqrt_pd(a);
}
NI nv n_min(nv a, nv b)
{
	return _mm512_min_pd(a, b);
}
NI nv n_max(nv a, nv b)
{
	return _mm512_max_pd(a, b);
}
NI nv n_and(nv a, nv b)
{
	return _mm512_castsi512_pd(
	    _mm512_and_si512(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
}
NI nv n_or(nv a, nv b)
{
	return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
}
NI nv n_andnot(nv a, nv b) /* ~a & b */
{
	return _mm512_castsi512_pd(
	    _mm512_andnot_si512(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
}
NI nv n_bits(uint64_t u)
{
	return _mm512_castsi512_pd(_mm512_set1_epi64((long long)u));
}
/* round to the nearest integer, ties to even (SSE4's roundpd with mode 0) */
NI nv n_round(nv a)
{
	return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* 64-bit integer add of the bits */
NI nv n_add_i64(nv a, nv b)
{
	return _mm512_castsi512_pd(
	    _mm512_add_epi64(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
}
/* table[index] for the 64-bit integers in index's bits */
NI nv n_gather(const double *table, nv index)
{
	return _mm512_i64gather_pd(_mm512_castpd_si512(index), table, 8);
}
NI nv n_shl(nv a, int n) /* 64-bit lanes shifted left */
{
	return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(a), (unsigned)n));
}

/* ordered, quiet comparisons: false when either is NaN */
NI nm n_gt(nv a, nv b)
{
	return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ);
}
NI nm n_ge(nv a, nv b)
{
	return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ);
}
NI nm n_lt(nv a, nv b)
{
	return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ);
}
NI nm n_le(nv a, nv b)
{
	return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ);
}
/* !(a > b): true where a <= b or either is NaN */
NI nm n_not_gt(nv a, nv b)
{
	return _mm512_cmp_pd_mask(a, b, _CMP_NGT_UQ);
}
NI nm n_eq(nv a, nv b)
{
	return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ);
}
NI nv n_blend(nm m, nv if_true, nv if_false)
{
	return _mm512_mask_blend_pd(m, if_false, if_true);
}
NI nm m_and(nm a, nm b)
{
	return (nm)(a & b);
}
NI nm m_or(nm a, nm b)
{
	return (nm)(a | b);
}
NI nm m_andnot(nm a, nm b)
{
	return (nm)(~a & b);
} /* ~a & b */
NI nm m_of_bits(unsigned bits)
{
	return (nm)bits;
} /* bit i = lane i */
NI unsigned m_bits(nm m)
{
	return m;
}

#endif
