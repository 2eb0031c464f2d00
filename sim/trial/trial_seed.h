/*
 * trial_seed — the seed of one of a patient's random streams in a trial: FNV-1a of its name
 * mixed with the trial seed and the stream number through SplitMix64's finaliser, so that a
 * patient's streams depend on nothing but the trial seed and its name (not on the other
 * patients, their order, the threads or the engine). Streams: 1 the scenario's (the sensor's
 * noise, the sensor faults'), 2 the meal plan's. Used by fakepump trial and
 * bench/closed_loop.c.
 */
#ifndef FAKEPUMP_TRIAL_SEED_H
#define FAKEPUMP_TRIAL_SEED_H

#include <stdint.h>

uint32_t trial_patient_seed(uint32_t trial_seed, const char *name, uint32_t stream);

#endif
