/*
 * batch_isa_avx2 — the batch kernel's operations on one AVX2 vector of 4 doubles, masks
 * as all-ones/all-zeros lanes. Included by batch_kernel.c when compiled with -mavx2. The same
 * operations as batch_isa_avx512.h (see there), so the same bits.
 */
#ifndef FAKEPUMP_BATCH_ISA_AVX2_H
#define FAKEPUMP_BATCH_ISA_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#define BATCH_W 4
#define BATCH_ISA_NAME avx2

typedef __m256d nv;
typedef __m256d nm;

#define NI static inline __attribute__((always_inline))

NI nv n_load(const double *p)
{
	return _mm256_load_pd(p);
}
NI void n_store(double *p, nv a)
{
	_mm256_store_pd(p, a);
}
NI void n_store_where(double *p, nm m, nv a)
{
	_mm256_maskstore_pd(p, _mm256_castpd_si256(m), a);
}
NI nv n_set1(double a)
{
	return _mm256_set1_pd(a);
}
NI nv n_add(nv a, nv b)
{
	return _mm256_add_pd(a, b);
}
NI nv n_sub(nv a, nv b)
{
	return _mm256_sub_pd(a, b);
}
NI nv n_mul(nv a, nv b)
{
	return _mm256_mul_pd(a, b);
}
NI nv n_div(nv a, nv b)
{
	return _mm256_div_pd(a, b);
}
NI nv n_sqrt(nv a)
{
	return _mm256_sqrt_pd(a);
}
NI nv n_min(nv a, nv b)
{
	return _mm256_min_pd(a, b);
}
NI nv n_max(nv a, nv b)
{
	return _mm256_max_pd(a, b);
}
NI nv n_and(nv a, nv b)
{
	return _mm256_and_pd(a, b);
}
NI nv n_or(nv a, nv b)
{
	return _mm256_or_pd(a, b);
}
NI nv n_andnot(nv a, nv b)
{
	return _mm256_andnot_pd(a, b);
}
NI nv n_bits(uint64_t u)
{
	return _mm256_castsi256_pd(_mm256_set1_epi64x((long long)u));
}
NI nv n_round(nv a)
{
	return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
NI nv n_add_i64(nv a, nv b)
{
	return _mm256_castsi256_pd(
	    _mm256_add_epi64(_mm256_castpd_si256(a), _mm256_castpd_si256(b)));
}
NI nv n_gather(const double *table, nv index)
{
	return _mm256_i64gather_pd(table, _mm256_castpd_si256(index), 8);
}
NI nv n_shl(nv a, int n)
{
	return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(a), n));
}

NI nm n_gt(nv a, nv b)
{
	return _mm256_cmp_pd(a, b, _CMP_GT_OQ);
}
NI nm n_ge(nv a, nv b)
{
	return _mm256_cmp_pd(a, b, _CMP_GE_OQ);
}
NI nm n_lt(nv a, nv b)
{
	return _mm256_cmp_pd(a, b, _CMP_LT_OQ);
}
NI nm n_le(nv a, nv b)
{
	return _mm256_cmp_pd(a, b, _CMP_LE_OQ);
}
/* !(a > b): true where a <= b or either is NaN */
NI nm n_not_gt(nv a, nv b)
{
	return _mm256_cmp_pd(a, b, _CMP_NGT_UQ);
}
NI nm n_eq(nv a, nv b)
{
	return _mm256_cmp_pd(a, b, _CMP_EQ_OQ);
}
NI nv n_blend(nm m, nv if_true, nv if_false)
{
	return _mm256_blendv_pd(if_false, if_true, m);
}
NI nm m_and(nm a, nm b)
{
	return _mm256_and_pd(a, b);
}
NI nm m_or(nm a, nm b)
{
	return _mm256_or_pd(a, b);
}
NI nm m_andnot(nm a, nm b)
{
	return _mm256_andnot_pd(a, b);
}
NI nm m_of_bits(unsigned bits)
{
	const __m256i lane_bit = _mm256_setr_epi64x(1, 2, 4, 8);
	const __m256i b = _mm256_and_si256(_mm256_set1_epi64x(bits), lane_bit);
	return _mm256_castsi256_pd(_mm256_cmpeq_epi64(b, lane_bit));
}
NI unsigned m_bits(nm m)
{
	return (unsigned)_mm256_movemask_pd(m);
}

#endif
