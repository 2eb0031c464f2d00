/*
 * agp — see agp.h. The histograms are one block of AGP_SLOTS × (AGP_MAX_MGDL + 1) counts
 * (230 KB), whatever the length of the run; days grow by doubling.
 */
#include "agp.h"
#include "glucose_metrics.h"

#include <math.h>
#include <stdlib.h>

const double agp_percentile_pct[AGP_PERCENTILES] = {5, 25, 50, 75, 95};

enum { BUCKETS = AGP_MAX_MGDL + 1 };

struct agp {
	int start_min_of_day;
	uint32_t *hist; /* AGP_SLOTS × BUCKETS */
	uint64_t slot_n[AGP_SLOTS];
	agp_day *days;
	size_t day_count, day_cap;
};

agp *agp_new(int start_min_of_day)
{
	agp *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->hist = calloc((size_t)AGP_SLOTS * BUCKETS, sizeof *a->hist);
	if (!a->hist) {
		free(a);
		return NULL;
	}
	a->start_min_of_day = start_min_of_day;
	return a;
}

void agp_free(agp *a)
{
	if (!a)
		return;
	free(a->hist);
	free(a->days);
	free(a);
}

/* The record of the day clock minute `clock` falls in, appended when new; NULL when memory
 * is short or the minute goes back before the last day. */
static agp_day *day_of(agp *a, int64_t clock)
{
	const int64_t day = clock / 1440 + 1;
	if (a->day_count > 0 && a->days[a->day_count - 1].day == day)
		return &a->days[a->day_count - 1];
	if (a->day_count > 0 && a->days[a->day_count - 1].day > day)
		return NULL;
	if (a->day_count == a->day_cap) {
		const size_t cap = a->day_cap ? 2 * a->day_cap : 16;
		agp_day *d = realloc(a->days, cap * sizeof *d);
		if (!d)
			return NULL;
		a->days = d;
		a->day_cap = cap;
	}
	agp_day *d = &a->days[a->day_count++];
	*d = (agp_day){.day = day, .bg_min_mgdl = INFINITY, .bg_max_mgdl = -INFINITY};
	return d;
}

bool agp_add(agp *a, int64_t t_min, double bg_mgdl, double cgm_mgdl, double insulin_u,
             double carbs_g)
{
	const int64_t clock = t_min + a->start_min_of_day;
	agp_day *d = day_of(a, clock);
	if (!d)
		return false;
	if (isfinite(insulin_u))
		d->insulin_u += insulin_u;
	if (isfinite(carbs_g))
		d->carbs_g += carbs_g;
	if (!isnan(cgm_mgdl)) {
		d->cgm_readings++;
		d->cgm_below_70 += cgm_mgdl < GLUCOSE_RANGE_LOW_MGDL;
	}
	if (isnan(bg_mgdl))
		return true;
	d->minutes++;
	d->bg_sum_mgdl += bg_mgdl;
	d->bg_min_mgdl = fminf(d->bg_min_mgdl, (float)bg_mgdl);
	d->bg_max_mgdl = fmaxf(d->bg_max_mgdl, (float)bg_mgdl);
	d->in_range += bg_mgdl >= GLUCOSE_RANGE_LOW_MGDL && bg_mgdl <= GLUCOSE_RANGE_HIGH_MGDL;
	d->below_70 += bg_mgdl < GLUCOSE_RANGE_LOW_MGDL;
	d->below_54 += bg_mgdl < GLUCOSE_BELOW_VERY_LOW_MGDL;
	d->above_180 += bg_mgdl > GLUCOSE_RANGE_HIGH_MGDL;
	d->above_250 += bg_mgdl > GLUCOSE_ABOVE_VERY_HIGH_MGDL;
	const int slot = (int)((clock % 1440) / AGP_SLOT_MIN);
	long bucket = lround(bg_mgdl);
	if (bucket < 0)
		bucket = 0;
	if (bucket > AGP_MAX_MGDL)
		bucket = AGP_MAX_MGDL;
	a->hist[(size_t)slot * BUCKETS + (size_t)bucket]++;
	a->slot_n[slot]++;
	return true;
}

void agp_add_alarm(agp *a, int64_t t_min)
{
	agp_day *d = day_of(a, t_min + a->start_min_of_day);
	if (d)
		d->alarms++;
}

size_t agp_day_count(const agp *a)
{
	return a->day_count;
}

const agp_day *agp_day_at(const agp *a, size_t i)
{
	return i < a->day_count ? &a->days[i] : NULL;
}

bool agp_slot_percentiles(const agp *a, int slot, double out[AGP_PERCENTILES])
{
	if (slot < 0 || slot >= AGP_SLOTS || a->slot_n[slot] == 0)
		return false;
	const uint32_t *h = &a->hist[(size_t)slot * BUCKETS];
	const uint64_t n = a->slot_n[slot];
	uint64_t seen = 0;
	int k = 0;
	for (int b = 0; b < BUCKETS && k < AGP_PERCENTILES; b++) {
		seen += h[b];
		/* nearest rank: the smallest value with at least p % of the samples at or below */
		while (k < AGP_PERCENTILES &&
		       (double)seen >= ceil(agp_percentile_pct[k] / 100.0 * (double)n))
			out[k++] = b;
	}
	while (k < AGP_PERCENTILES)
		out[k++] = AGP_MAX_MGDL;
	return true;
}

bool agp_merge_profile(agp *into, const agp *from)
{
	const size_t n = (size_t)AGP_SLOTS * BUCKETS;
	for (size_t i = 0; i < n; i++)
		if ((uint64_t)into->hist[i] + from->hist[i] > UINT32_MAX)
			return false;
	for (size_t i = 0; i < n; i++)
		into->hist[i] += from->hist[i];
	for (int s = 0; s < AGP_SLOTS; s++)
		into->slot_n[s] += from->slot_n[s];
	return true;
}

uint32_t agp_slot_count(const agp *a, int slot, int mgdl)
{
	if (slot < 0 || slot >= AGP_SLOTS || mgdl < 0 || mgdl > AGP_MAX_MGDL)
		return 0;
	return a->hist[(size_t)slot * BUCKETS + (size_t)mgdl];
}

bool agp_add_count(agp *a, int slot, int mgdl, uint64_t count)
{
	if (slot < 0 || slot >= AGP_SLOTS || mgdl < 0 || mgdl > AGP_MAX_MGDL)
		return false;
	uint32_t *h = &a->hist[(size_t)slot * BUCKETS + (size_t)mgdl];
	if ((uint64_t)*h + count > UINT32_MAX)
		return false;
	*h += (uint32_t)count;
	a->slot_n[slot] += count;
	return true;
}

bool agp_run_percentile(const agp *a, double pct, double *out_mgdl)
{
	uint64_t n = 0;
	for (int s = 0; s < AGP_SLOTS; s++)
		n += a->slot_n[s];
	if (n == 0)
		return false;
	const double rank = ceil(pct / 100.0 * (double)n);
	uint64_t seen = 0;
	for (int b = 0; b < BUCKETS; b++) {
		for (int s = 0; s < AGP_SLOTS; s++)
			seen += a->hist[(size_t)s * BUCKETS + (size_t)b];
		if ((double)seen >= rank) {
			*out_mgdl = b;
			return true;
		}
	}
	*out_mgdl = AGP_MAX_MGDL;
	return true;
}
