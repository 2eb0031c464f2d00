/*
 * pump_model — the insulin pump: what it delivers, minute by minute.
 *
 * Pure and deterministic: no I/O, no globals, no allocation after pump_new; time is passed
 * in as minutes since the start of the run. This first version holds the basal program and
 * boluses (instant or at a set speed); the delivery state machine, consumables, faults and
 * hard safety limits grow here (see the pump issue).
 */
#ifndef FAKEPUMP_PUMP_MODEL_H
#define FAKEPUMP_PUMP_MODEL_H

#include <stddef.h>
#include <stdint.h>

enum { PUMP_MAX_BASAL_SEGMENTS = 24 };

typedef struct pump_basal_segment {
	int start_min_of_day; /* 0 … 1439, first segment at 0 */
	double rate_u_per_h;
} pump_basal_segment;

typedef struct pump_config {
	int start_min_of_day;        /* clock time of t = 0 */
	size_t basal_segment_count;  /* 1 … 24, sorted, first at 0 */
	pump_basal_segment basal_segments[PUMP_MAX_BASAL_SEGMENTS];
	/*
	 * When > 0, overrides the program with this exact rate in U/min (the patient's own
	 * steady-state basal, kept in U/min so that no unit conversion rounds it).
	 */
	double steady_basal_u_per_min;
	double bolus_speed_u_per_min; /* 0 = instant: the whole bolus within one minute */
} pump_config;

typedef enum pump_result {
	PUMP_OK = 0,
	PUMP_REFUSED_BAD_VALUE, /* not finite, or <= 0 */
} pump_result;

/* What the pump delivered over one minute [t, t+1). */
typedef struct pump_delivery {
	double basal_u;
	double bolus_u;
} pump_delivery;

typedef struct pump pump;

/* NULL when the config is invalid or memory is short. */
pump *pump_new(const pump_config *cfg);
void pump_free(pump *p);

/* Queue a normal bolus of `dose_u` units at minute `now_min`. */
pump_result pump_bolus(pump *p, int64_t now_min, double dose_u);

/* Deliver minute [now_min, now_min + 1); call once per minute, in order. */
pump_delivery pump_deliver_minute(pump *p, int64_t now_min);

/* Basal rate programmed at that minute, U/h. */
double pump_basal_rate_u_per_h(const pump *p, int64_t now_min);

#endif
