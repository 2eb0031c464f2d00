/*
 * sensor_faults — what a scenario's sensor faults do to CGM readings: dropouts, drift,
 * noise bursts and compression lows (the `sensor_dropout`, `sensor_drift`, `sensor_noise`
 * and `compression_low` events of docs/scenarios.md).
 *
 * Pure and deterministic: no I/O, no clock, no allocation after sensor_faults_new. The
 * noise bursts draw from a stream of their own (the project's MT19937, patient_model.h),
 * seeded once, so the same seed and the same calls give the same readings, bit for bit.
 *
 * The engine starts each fault when its event comes due and applies the active ones to
 * every reading the sensor makes; the sensor's own noise model is not touched.
 */
#ifndef FAKEPUMP_SENSOR_FAULTS_H
#define FAKEPUMP_SENSOR_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

/* At most this many faults may be active (started and not yet over) at once. */
enum { SENSOR_FAULTS_MAX_ACTIVE = 64 };

/* Compression low: the fall ramps in over this many minutes, and out over the last ones. */
enum { SENSOR_COMPRESSION_RAMP_IN_MIN = 5, SENSOR_COMPRESSION_RAMP_OUT_MIN = 10 };

typedef struct sensor_faults sensor_faults;

/*
 * A fault set with no fault active. `seed` seeds the noise bursts' stream; it is mixed
 * first, so passing the scenario's own seed does not replay the CGM's noise. NULL when out
 * of memory. Free with sensor_faults_free.
 */
sensor_faults *sensor_faults_new(uint32_t seed);
/* Safe on NULL. */
void sensor_faults_free(sensor_faults *f);

/*
 * Starts the fault of `ev` (SCENARIO_EVENT_SENSOR_DROPOUT, _DRIFT, _NOISE or _COMPRESSION)
 * at ev->at_min, for ev->duration_min minutes: it acts on t in [at_min, at_min + duration).
 * Faults may overlap; each acts on its own. False (and nothing changes) when `ev` is not a
 * sensor fault, its duration is not positive, its amount is not finite (or not positive for
 * noise and compression), or SENSOR_FAULTS_MAX_ACTIVE faults are still active — a fault
 * counts as over once sensor_faults_apply has been called at or after its end.
 */
bool sensor_faults_start(sensor_faults *f, const scenario_event *ev);

/*
 * The faults active at minute `t_min` applied to a reading the sensor made at that minute.
 * Call once for each minute a reading exists, with t_min never decreasing.
 * Returns false when a dropout is active: the reading is lost (*reading_mgdl untouched).
 * Otherwise adds, for every active fault in the order they were started:
 *   drift        rate_mgdl_per_h · (t − start) / 60         (0 at the fault's first minute)
 *   noise burst  SD · N(0, 1), one draw per burst per call
 *   compression  −depth · min(1, (t − start) / 5, (end − t) / 10)
 * and clips the result to [min_mgdl, max_mgdl]. Noise is drawn for active bursts even when
 * a dropout loses the reading, so a dropout never shifts the noise of later minutes.
 */
bool sensor_faults_apply(sensor_faults *f, int64_t t_min, double *reading_mgdl, double min_mgdl,
                         double max_mgdl);

#endif
