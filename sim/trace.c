/*
 * trace — see trace.h. Two growable arrays (rows, markers), doubled when full so that an
 * append is amortised O(1); a failed growth leaves the trace as it was.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "trace.h"

struct trace {
	engine_row *rows;
	size_t row_count, row_cap;
	size_t keep_rows;       /* rows kept once the array holds twice as many */
	bool any;               /* a row was ever appended */
	int64_t first_ever_min; /* the first row's minute, kept or not */
	agp *profile;
	int64_t last_cgm_min; /* the newest CGM reading (-1: none yet) */
	int64_t cgm_step_min; /* the shortest time between two readings seen (0: not yet) */
	trace_marker *markers;
	size_t marker_count, marker_cap;
};

trace *trace_new(void)
{
	trace *t = calloc(1, sizeof(trace));
	if (t) {
		t->keep_rows = TRACE_KEEP_MIN;
		t->last_cgm_min = -1;
	}
	return t;
}

void trace_set_keep_min(trace *t, int64_t keep_min)
{
	if (t && keep_min >= 1)
		t->keep_rows = (size_t)keep_min;
}

const agp *trace_profile(const trace *t)
{
	return t ? t->profile : NULL;
}

void trace_free(trace *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t->markers);
	agp_free(t->profile);
	free(t);
}

void trace_clear(trace *t)
{
	if (!t)
		return;
	t->row_count = 0;
	t->marker_count = 0;
	t->any = false;
	agp_free(t->profile);
	t->profile = NULL;
	t->last_cgm_min = -1;
	t->cgm_step_min = 0;
}

/* Make room for one more element of `size` bytes; false (nothing changed) on overflow or
 * when memory is short. */
static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
	if (count < *cap)
		return true;
	size_t new_cap = *cap ? *cap * 2 : 1024;
	if (new_cap < *cap || new_cap > SIZE_MAX / size)
		return false;
	void *p = realloc(*items, new_cap * size);
	if (!p)
		return false;
	*items = p;
	*cap = new_cap;
	return true;
}

/* The CGM gaps the rows show: a reading after more than 3 sensor intervals (and 15 min)
 * without one marks the hole. */
static void note_cgm(trace *t, const engine_row *row)
{
	if (!row->has_cgm)
		return;
	if (t->last_cgm_min >= 0) {
		const int64_t gap = row->t_min - t->last_cgm_min;
		if (t->cgm_step_min == 0 || gap < t->cgm_step_min)
			t->cgm_step_min = gap;
		const int64_t limit = 3 * t->cgm_step_min > 15 ? 3 * t->cgm_step_min : 15;
		if (gap > limit) {
			trace_marker m = {.t_min = t->last_cgm_min + 1,
			                  .kind = TRACE_MARK_CGM_GAP,
			                  .amount = (double)(gap - 1)};
			trace_add_marker(t, &m);
		}
	}
	t->last_cgm_min = row->t_min;
}

trace_result trace_append_row(trace *t, const engine_row *row)
{
	if (!t || !row)
		return TRACE_INVALID;
	if (t->any && row->t_min <= (t->row_count ? t->rows[t->row_count - 1].t_min : INT64_MIN))
		return TRACE_OUT_OF_ORDER;
	if (!t->profile) {
		int64_t m = ((int64_t)row->min_of_day - row->t_min) % 1440;
		t->profile = agp_new((int)(m < 0 ? m + 1440 : m));
		if (!t->profile)
			return TRACE_NO_MEMORY;
	}
	/* Twice the rows kept: drop the oldest half at once (amortised O(1) a row). */
	if (t->row_count >= 2 * t->keep_rows) {
		const size_t drop = t->row_count - t->keep_rows;
		memmove(t->rows, t->rows + drop, t->keep_rows * sizeof *t->rows);
		t->row_count = t->keep_rows;
	}
	if (!grow((void **)&t->rows, &t->row_cap, t->row_count, sizeof *t->rows))
		return TRACE_NO_MEMORY;
	if (!agp_add(t->profile, row->t_min, row->bg_mgdl, row->has_cgm ? row->cgm_mgdl : NAN,
	             row->insulin_u_per_min, row->cho_g_per_min))
		return TRACE_NO_MEMORY;
	t->rows[t->row_count++] = *row;
	if (!t->any)
		t->first_ever_min = row->t_min;
	t->any = true;
	note_cgm(t, row);
	return TRACE_OK;
}

/* First marker index with t_min > when (upper bound): keeps equal times in arrival order. */
static size_t marker_upper_bound(const trace *t, int64_t when)
{
	size_t lo = 0, hi = t->marker_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->markers[mid].t_min <= when)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

trace_result trace_add_marker(trace *t, const trace_marker *m)
{
	if (!t || !m || !isfinite(m->amount) || m->amount < 0.0)
		return TRACE_INVALID;
	if (!grow((void **)&t->markers, &t->marker_cap, t->marker_count, sizeof *t->markers))
		return TRACE_NO_MEMORY;
	/* In-order arrival is the common case: the insertion point is then the end. */
	size_t at = t->marker_count;
	if (at > 0 && t->markers[at - 1].t_min > m->t_min) {
		at = marker_upper_bound(t, m->t_min);
		memmove(&t->markers[at + 1], &t->markers[at],
		        (t->marker_count - at) * sizeof *t->markers);
	}
	t->markers[at] = *m;
	t->markers[at].label[TRACE_LABEL_MAX - 1] = '\0';
	t->marker_count++;
	if (m->kind == TRACE_MARK_ANNUNCIATION && t->profile)
		agp_add_alarm(t->profile, m->t_min);
	return TRACE_OK;
}

static trace_result add(trace *t, int64_t t_min, trace_marker_kind kind, double amount, int code,
                        const char *label)
{
	trace_marker m = {.t_min = t_min, .kind = kind, .amount = amount, .code = code};
	if (label) {
		size_t n = strlen(label);
		if (n >= sizeof m.label)
			n = sizeof m.label - 1;
		memcpy(m.label, label, n);
		m.label[n] = '\0';
	}
	return trace_add_marker(t, &m);
}

trace_result trace_add_meal(trace *t, int64_t t_min, double grams)
{
	return add(t, t_min, TRACE_MARK_MEAL, grams, 0, NULL);
}

trace_result trace_add_bolus(trace *t, int64_t t_min, double dose_u)
{
	return add(t, t_min, TRACE_MARK_BOLUS, dose_u, 0, NULL);
}

trace_result trace_add_annunciation(trace *t, int64_t t_min, int type, const char *name)
{
	return add(t, t_min, TRACE_MARK_ANNUNCIATION, 0.0, type, name);
}

trace_result trace_add_fault(trace *t, int64_t t_min, int fault, const char *name)
{
	return add(t, t_min, TRACE_MARK_FAULT, 0.0, fault, name);
}

trace_result trace_add_sensor_fault(trace *t, int64_t t_min, int64_t duration_min, const char *kind)
{
	if (duration_min < 0)
		return TRACE_INVALID;
	return add(t, t_min, TRACE_MARK_SENSOR, (double)duration_min, 0, kind);
}

trace_result trace_add_pump_event(trace *t, const pump_event *ev)
{
	if (!t || !ev)
		return TRACE_INVALID;
	switch (ev->kind) {
	case PUMP_EV_BOLUS_STARTED:
		return trace_add_bolus(t, ev->t_min, ev->value);
	case PUMP_EV_ANNUNCIATION:
		if (!ev->detail || strcmp(ev->detail, "raised") != 0)
			return TRACE_OK; /* snoozed, confirmed: the flag marks the raising only */
		return trace_add_annunciation(t, ev->t_min, (int)ev->annunciation.type,
		                              pump_annunciation_name(ev->annunciation.type));
	case PUMP_EV_FAULT:
		return trace_add_fault(t, ev->t_min, (int)ev->fault, pump_fault_name(ev->fault));
	default:
		return TRACE_OK;
	}
}

size_t trace_row_count(const trace *t)
{
	return t ? t->row_count : 0;
}

const engine_row *trace_row(const trace *t, size_t i)
{
	return t && i < t->row_count ? &t->rows[i] : NULL;
}

const engine_row *trace_last_row(const trace *t)
{
	return t && t->row_count ? &t->rows[t->row_count - 1] : NULL;
}

bool trace_time_span(const trace *t, int64_t *first_min, int64_t *last_min)
{
	if (!t || t->row_count == 0)
		return false;
	if (first_min)
		*first_min = t->first_ever_min;
	if (last_min)
		*last_min = t->rows[t->row_count - 1].t_min;
	return true;
}

int trace_start_min_of_day(const trace *t)
{
	if (!t || t->row_count == 0)
		return 0;
	const engine_row *r = &t->rows[0];
	int64_t day;
	int start_min_of_day;
	clock_split((int64_t)r->min_of_day - r->t_min, &day, &start_min_of_day);
	return start_min_of_day;
}

/* First row index with t_min >= when. */
static size_t row_lower_bound(const trace *t, int64_t when)
{
	size_t lo = 0, hi = t->row_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->rows[mid].t_min < when)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t trace_rows_in(const trace *t, int64_t from_min, int64_t to_min, size_t *first)
{
	if (!t) {
		if (first)
			*first = 0;
		return 0;
	}
	size_t a = row_lower_bound(t, from_min);
	size_t b = to_min > from_min ? row_lower_bound(t, to_min) : a;
	if (first)
		*first = a;
	return b - a;
}

size_t trace_marker_count(const trace *t)
{
	return t ? t->marker_count : 0;
}

const trace_marker *trace_marker_at(const trace *t, size_t i)
{
	return t && i < t->marker_count ? &t->markers[i] : NULL;
}

/* First marker index with t_min >= when. */
static size_t marker_lower_bound(const trace *t, int64_t when)
{
	size_t lo = 0, hi = t->marker_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->markers[mid].t_min < when)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t trace_markers_in(const trace *t, int64_t from_min, int64_t to_min, size_t *first)
{
	if (!t) {
		if (first)
			*first = 0;
		return 0;
	}
	size_t a = marker_lower_bound(t, from_min);
	size_t b = to_min > from_min ? marker_lower_bound(t, to_min) : a;
	if (first)
		*first = a;
	return b - a;
}
