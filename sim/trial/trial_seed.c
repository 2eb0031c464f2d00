/*
 * trial_seed — each patient's streams of a trial (see trial_seed.h).
 */
#include "trial_seed.h"

uint32_t trial_patient_seed(uint32_t trial_seed, const char *name, uint32_t stream)
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	/* SplitMix64's finaliser over (seed, name hash, stream): nearby seeds and names give
	 * unrelated streams. */
	uint64_t x = ((uint64_t)trial_seed << 32 | h) ^ ((uint64_t)stream * 0x9E3779B97F4A7C15ull);
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return (uint32_t)(x ^ (x >> 31));
}
