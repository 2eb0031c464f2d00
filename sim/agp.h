/*
 * agp — glucose by time of day and day by day, as the Ambulatory Glucose Profile shows it
 * (Bergenstal et al., "Recommendations for standardizing glucose reporting and analysis to
 * optimize clinical decision making in diabetes: the Ambulatory Glucose Profile", J Diabetes
 * Sci Technol 2013; Battelino et al., "Clinical targets for continuous glucose monitoring
 * data interpretation: recommendations from the international consensus on time in range",
 * Diabetes Care 2019): the 5th, 25th, 50th, 75th and 95th percentiles of glucose in each
 * slot of the day over every day of a run, and each day's own figures.
 *
 * Fed one sample a minute, in any length of run, in bounded memory: a histogram per time
 * slot (1 mg/dL steps, 0 … AGP_MAX_MGDL; higher values counted at the top) and one small
 * record per day. The percentiles are of TRUE (plasma) glucose, every minute; the day
 * records count CGM readings apart. Pure: no I/O, no clock; memory from agp_new only (and
 * a day record every simulated day).
 */
#ifndef FAKEPUMP_AGP_H
#define FAKEPUMP_AGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	AGP_MAX_MGDL = 600, /* histogram top: the model's glucose rarely goes higher */
	AGP_SLOT_MIN = 15,  /* a time-of-day slot: 96 a day */
	AGP_SLOTS = 1440 / AGP_SLOT_MIN,
	AGP_PERCENTILES = 5, /* 5, 25, 50, 75, 95 */
};

/* One calendar day of the run (day 1 is the day t = 0 falls in). */
typedef struct agp_day {
	int64_t day;      /* 1-based */
	uint32_t minutes; /* samples with a true glucose */
	double bg_sum_mgdl;
	float bg_min_mgdl, bg_max_mgdl;
	uint32_t in_range, below_70, below_54, above_180, above_250; /* minutes, true BG */
	uint32_t cgm_readings, cgm_below_70;
	double insulin_u, carbs_g;
	uint32_t alarms; /* annunciations raised that day (agp_add_alarm) */
} agp_day;

typedef struct agp agp;

/* An empty profile for a run whose t = 0 is at clock minute start_min_of_day (0 … 1439).
 * NULL when memory is short. */
agp *agp_new(int start_min_of_day);
void agp_free(agp *a);

/*
 * One minute of the run: true glucose (NAN: none), the CGM reading (NAN: none this
 * minute), insulin delivered and carbohydrate eaten over the minute. Minutes must not go
 * back in time. False when memory for a new day is short (the sample is dropped).
 */
bool agp_add(agp *a, int64_t t_min, double bg_mgdl, double cgm_mgdl, double insulin_u,
             double carbs_g);
/* An annunciation raised at run minute t_min (counted on its day). */
void agp_add_alarm(agp *a, int64_t t_min);

size_t agp_day_count(const agp *a);
const agp_day *agp_day_at(const agp *a, size_t i);

/*
 * The percentiles (5, 25, 50, 75, 95) of true glucose in time-of-day slot `slot`
 * (0 … AGP_SLOTS - 1; slot k covers clock minutes [k × 15, k × 15 + 15)) into out[5],
 * in mg/dL. False (out untouched) when the slot has no sample. Nearest-rank on the 1 mg/dL
 * histogram: within 1 mg/dL of the exact percentile.
 */
bool agp_slot_percentiles(const agp *a, int slot, double out[AGP_PERCENTILES]);

/* The percentiles of agp_slot_percentiles, in percent: 5, 25, 50, 75, 95. */
extern const double agp_percentile_pct[AGP_PERCENTILES];

/* ---- profiles of many runs (a trial's cohort: docs/trial-pictures.md) ------------------ */

/*
 * Adds every true-glucose sample of `from`'s profile to `into`'s (the time-of-day
 * histograms; the day records are not merged). Counts are summed, so the order in which
 * runs are merged does not change the result. False (into unchanged) when a count would
 * pass UINT32_MAX.
 */
bool agp_merge_profile(agp *into, const agp *from);
/* How many samples of slot `slot` were `mgdl` (0 … AGP_MAX_MGDL, the 1 mg/dL bucket). */
uint32_t agp_slot_count(const agp *a, int slot, int mgdl);
/* Adds `count` samples of `mgdl` to slot `slot` (a profile read back from a database).
 * False for a slot or value out of range or a count past UINT32_MAX. */
bool agp_add_count(agp *a, int slot, int mgdl, uint64_t count);
/*
 * The pct-th percentile (0 < pct < 100) of every true-glucose sample of the run, all slots
 * together, nearest rank on the 1 mg/dL histogram, into *out_mgdl. False when there is no
 * sample.
 */
bool agp_run_percentile(const agp *a, double pct, double *out_mgdl);

#endif
