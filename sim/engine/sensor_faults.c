/*
 * sensor_faults — CGM reading faults of a scenario: dropout, drift, noise burst,
 * compression low. See sensor_faults.h for the contract and docs/scenarios.md for the
 * scenario keys.
 *
 * Must never: do I/O, allocate after sensor_faults_new, read a clock, or draw from any
 * stream but its own (the CGM's noise stays exactly what it is without faults).
 *
 * Shapes (the scenario format's definitions, not a published sensor model):
 *   drift: a calibration error that grows linearly from 0 at the fault's start at the
 *          given mg/dL per hour, and is gone when the fault ends (recalibration).
 *   noise burst: extra white Gaussian noise of the given SD on each reading.
 *   compression low: the reading falls by `depth` mg/dL, ramping in over 5 min, holding,
 *          and recovering over the fault's last 10 min: a stylised pressure-induced sensor
 *          attenuation (a sensor lain on), fast to fall, slower to come back.
 */
#include "sensor_faults.h"

#include <math.h>
#include <stdlib.h>

#include "patient_model.h"

typedef struct active_fault {
	scenario_event_kind kind;
	int64_t start_min, end_min; /* acts on [start, end) */
	double amount;
} active_fault;

struct sensor_faults {
	active_fault active[SENSOR_FAULTS_MAX_ACTIVE];
	size_t count;
	bool applied;         /* apply was called at least once … */
	int64_t latest_t_min; /* … and this is the latest minute it was called for */
	rng noise;
};

/* Splitmix32-style mixing so that seed s and the CGM's seed s give unrelated streams. */
static uint32_t mix_seed(uint32_t x)
{
	x ^= 0x5EF0A17Bu;
	x = (x ^ (x >> 16)) * 0x7FEB352Du;
	x = (x ^ (x >> 15)) * 0x846CA68Bu;
	return x ^ (x >> 16);
}

sensor_faults *sensor_faults_new(uint32_t seed)
{
	sensor_faults *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	rng_seed(&f->noise, mix_seed(seed));
	return f;
}

void sensor_faults_free(sensor_faults *f)
{
	free(f);
}

static bool is_sensor_fault(scenario_event_kind k)
{
	return k == SCENARIO_EVENT_SENSOR_DROPOUT || k == SCENARIO_EVENT_SENSOR_DRIFT ||
	       k == SCENARIO_EVENT_SENSOR_NOISE || k == SCENARIO_EVENT_SENSOR_COMPRESSION;
}

/* Forget the faults that ended at or before the latest minute applied (order kept). */
static void drop_finished(sensor_faults *f)
{
	if (!f->applied)
		return;
	size_t kept = 0;
	for (size_t i = 0; i < f->count; i++)
		if (f->active[i].end_min > f->latest_t_min)
			f->active[kept++] = f->active[i];
	f->count = kept;
}

bool sensor_faults_start(sensor_faults *f, const scenario_event *ev)
{
	if (f == NULL || ev == NULL || !is_sensor_fault(ev->kind) || ev->duration_min <= 0)
		return false;
	double amount = ev->kind == SCENARIO_EVENT_SENSOR_DROPOUT ? 0.0 : ev->amount;
	if (!isfinite(amount))
		return false;
	if ((ev->kind == SCENARIO_EVENT_SENSOR_NOISE ||
	     ev->kind == SCENARIO_EVENT_SENSOR_COMPRESSION) &&
	    !(amount > 0.0))
		return false;
	drop_finished(f);
	if (f->count == SENSOR_FAULTS_MAX_ACTIVE)
		return false;
	f->active[f->count++] = (active_fault){
	    .kind = ev->kind,
	    .start_min = ev->at_min,
	    .end_min = ev->at_min + ev->duration_min,
	    .amount = amount,
	};
	return true;
}

/* The compression's share of its depth at minute t: ramps in, holds, ramps out. */
static double compression_factor(const active_fault *a, int64_t t_min)
{
	double in = (double)(t_min - a->start_min) / SENSOR_COMPRESSION_RAMP_IN_MIN;
	double out = (double)(a->end_min - t_min) / SENSOR_COMPRESSION_RAMP_OUT_MIN;
	double factor = in < out ? in : out;
	return factor < 1.0 ? factor : 1.0;
}

bool sensor_faults_apply(sensor_faults *f, int64_t t_min, double *reading_mgdl, double min_mgdl,
                         double max_mgdl)
{
	if (!f->applied || t_min > f->latest_t_min) {
		f->latest_t_min = t_min;
		f->applied = true;
	}
	bool dropped = false;
	double offset_mgdl = 0.0;
	for (size_t i = 0; i < f->count; i++) {
		const active_fault *a = &f->active[i];
		if (t_min < a->start_min || t_min >= a->end_min)
			continue;
		switch (a->kind) {
		case SCENARIO_EVENT_SENSOR_DROPOUT:
			dropped = true;
			break;
		case SCENARIO_EVENT_SENSOR_DRIFT:
			offset_mgdl += a->amount * (double)(t_min - a->start_min) / 60.0;
			break;
		case SCENARIO_EVENT_SENSOR_NOISE:
			offset_mgdl += a->amount * rng_gauss(&f->noise);
			break;
		case SCENARIO_EVENT_SENSOR_COMPRESSION:
			offset_mgdl -= a->amount * compression_factor(a, t_min);
			break;
		default:
			break;
		}
	}
	if (dropped)
		return false;
	double v = *reading_mgdl + offset_mgdl;
	if (v < min_mgdl)
		v = min_mgdl;
	if (v > max_mgdl)
		v = max_mgdl;
	*reading_mgdl = v;
	return true;
}
