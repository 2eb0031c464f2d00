/*
 * rng — numpy's legacy RandomState, bit for bit: the MT19937 generator of Matsumoto and
 * Nishimura (1998) seeded with init_genrand, numpy's 53-bit random_sample and its legacy
 * polar-method Gaussian (which caches the second deviate of each pair).
 *
 * simglucose draws its CGM noise (noise_gen.py) and random scenarios from RandomState(seed);
 * matching it bit for bit lets our traces be checked against the reference (patient-model
 * docs/patient-model.md "The CGM sensor"). The state is a plain value: no globals, no allocation,
 * no I/O.
 *
 * Sources: Matsumoto & Nishimura, ACM TOMACS 8(1) 1998 (mt19937ar.c, init_genrand and
 * genrand_int32); numpy/random/src/legacy/legacy-distributions.c (legacy_gauss) and
 * numpy/random/src/distributions (random_standard_uniform's 53-bit double).
 */
#include "patient_model.h"

#include <assert.h>
#include <math.h>

enum {
	MT_N = 624,
	MT_M = 397,
};

#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER_MASK 0x80000000u
#define MT_LOWER_MASK 0x7fffffffu

void rng_seed(rng *r, uint32_t seed)
{
	assert(r != NULL);
	/* init_genrand: Knuth's multiplier, as numpy's mt19937_seed for an integer seed. */
	r->mt[0] = seed;
	for (uint32_t i = 1; i < MT_N; i++) {
		uint32_t prev = r->mt[i - 1];
		r->mt[i] = 1812433253u * (prev ^ (prev >> 30)) + i;
	}
	r->index = MT_N; /* the first draw regenerates the whole state */
	r->has_cached_gauss = false;
	r->cached_gauss = 0.0;
}

/* Regenerate all 624 words (genrand_int32's refill). */
static void mt_refill(rng *r)
{
	uint32_t *mt = r->mt;
	int k;
	for (k = 0; k < MT_N - MT_M; k++) {
		uint32_t y = (mt[k] & MT_UPPER_MASK) | (mt[k + 1] & MT_LOWER_MASK);
		mt[k] = mt[k + MT_M] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
	}
	for (; k < MT_N - 1; k++) {
		uint32_t y = (mt[k] & MT_UPPER_MASK) | (mt[k + 1] & MT_LOWER_MASK);
		mt[k] = mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
	}
	uint32_t y = (mt[MT_N - 1] & MT_UPPER_MASK) | (mt[0] & MT_LOWER_MASK);
	mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
	r->index = 0;
}

uint32_t rng_next_u32(rng *r)
{
	assert(r != NULL);
	assert(r->index >= 0 && r->index <= MT_N);
	if (r->index >= MT_N)
		mt_refill(r);
	uint32_t y = r->mt[r->index++];
	/* Tempering. */
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

double rng_uniform(rng *r)
{
	/* 27 + 26 bits: (a * 2^26 + b) / 2^53, the two draws in this order. */
	uint32_t a = rng_next_u32(r) >> 5;
	uint32_t b = rng_next_u32(r) >> 6;
	return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double rng_gauss(rng *r)
{
	assert(r != NULL);
	if (r->has_cached_gauss) {
		r->has_cached_gauss = false;
		return r->cached_gauss;
	}
	double x1, x2, r2;
	do {
		x1 = 2.0 * rng_uniform(r) - 1.0;
		x2 = 2.0 * rng_uniform(r) - 1.0;
		r2 = x1 * x1 + x2 * x2;
	} while (r2 >= 1.0 || r2 == 0.0);
	/* Box-Muller polar form; numpy returns f*x2 and keeps f*x1 for the next call. */
	double f = sqrt(-2.0 * log(r2) / r2);
	r->cached_gauss = f * x1;
	r->has_cached_gauss = true;
	return f * x2;
}
