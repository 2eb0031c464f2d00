/*
 * trace — the run kept in memory for the viewer and the pictures: every engine row (one per
 * simulated minute) plus the markers the caller adds (meals, boluses, annunciations,
 * faults), with lookups by time window.
 *
 * Pure data: no SDL, no I/O, no clock. Rows are copied in, in increasing time; markers may
 * come in any order (they are kept sorted by time, stable). Appending is amortised O(1);
 * window lookups are binary searches, O(log n).
 *
 * Memory is bounded whatever the length of the run: the trace keeps the rows of the last
 * TRACE_KEEP_MIN minutes (16 days: what a window shows and what a picture of a shorter
 * run draws), and for the whole run the glucose profile by time of day and day by day
 * (agp.h, what a picture of a longer run draws) and every marker. A 10-year run holds
 * 16 days of rows, 3,650 day records and its markers, not 5 million rows.
 *
 * Pointers returned by the accessors stay valid until the next append to the same trace.
 */
#ifndef FAKEPUMP_TRACE_H
#define FAKEPUMP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agp.h"
#include "engine.h"
#include "pump_model.h"

/* Rows kept: the last 16 days (a picture of a run shorter than 14 days has every row). */
enum { TRACE_KEEP_MIN = 16 * 1440 };

typedef enum trace_result {
	TRACE_OK = 0,
	TRACE_OUT_OF_ORDER, /* a row not later than the last one: nothing stored */
	TRACE_INVALID,      /* NULL argument, non-finite or negative amount: nothing stored */
	TRACE_NO_MEMORY,    /* nothing stored, the trace is unchanged */
} trace_result;

typedef enum trace_marker_kind {
	TRACE_MARK_MEAL = 0,     /* amount: grams announced */
	TRACE_MARK_BOLUS,        /* amount: units programmed (immediate + extended) */
	TRACE_MARK_ANNUNCIATION, /* code: pump_annunciation_type; label: its name */
	TRACE_MARK_FAULT,        /* code: pump_fault; label: its name */
	TRACE_MARK_SENSOR,       /* a sensor fault of the scenario: amount = its minutes; label:
	                            sensor_dropout, sensor_drift, sensor_noise, sensor_compression */
	TRACE_MARK_CGM_GAP,      /* no CGM reading from t_min for `amount` minutes (seen in the
	                            rows: a gap of more than 3 sensor intervals and 15 min) */
} trace_marker_kind;

enum { TRACE_LABEL_MAX = 40 };

typedef struct trace_marker {
	int64_t t_min; /* run minute */
	trace_marker_kind kind;
	double amount;               /* g (meal) or U (bolus); 0 for the others */
	int code;                    /* see the kind; 0 for meals and boluses */
	char label[TRACE_LABEL_MAX]; /* NUL-terminated, truncated to fit; "" when none */
} trace_marker;

typedef struct trace trace;

/* An empty trace; NULL when memory is short. Free with trace_free. */
trace *trace_new(void);
/* Releases the trace and everything it holds. NULL is a no-op. */
void trace_free(trace *t);
/* Forget all rows and markers (keeps the memory). */
void trace_clear(trace *t);

/* Copy a row in; its t_min must be greater than the last row's. */
trace_result trace_append_row(trace *t, const engine_row *row);

/* Markers. Amounts must be finite and >= 0; `label` may be NULL (stored as ""). */
trace_result trace_add_marker(trace *t, const trace_marker *m);
trace_result trace_add_meal(trace *t, int64_t t_min, double grams);
trace_result trace_add_bolus(trace *t, int64_t t_min, double dose_u);
trace_result trace_add_annunciation(trace *t, int64_t t_min, int type, const char *name);
trace_result trace_add_fault(trace *t, int64_t t_min, int fault, const char *name);
/* A sensor fault of `duration_min` minutes from t_min; `kind` as the scenario names it. */
trace_result trace_add_sensor_fault(trace *t, int64_t t_min, int64_t duration_min,
                                    const char *kind);

/*
 * The markers a pump event stands for (give it every event of engine_on_event):
 * PUMP_EV_BOLUS_STARTED → a bolus of the programmed units (immediate + extended);
 * PUMP_EV_ANNUNCIATION raised → an annunciation with its pump_annunciation_name;
 * PUMP_EV_FAULT → a fault with its pump_fault_name. Other events add nothing (TRACE_OK).
 * Meals are not pump events: add them from the rows (row->meal_announced_g > 0).
 */
trace_result trace_add_pump_event(trace *t, const pump_event *ev);

size_t trace_row_count(const trace *t);
/* Row i (0 = oldest kept), or NULL when i is out of range. Rows are contiguous: row(i) + 1
 * is row(i + 1) while i + 1 < count; appending may drop the oldest and renumber them. */
const engine_row *trace_row(const trace *t, size_t i);
/* The newest row, or NULL when the trace is empty. */
const engine_row *trace_last_row(const trace *t);
/* First and last row minute of the whole run (rows before the kept ones included); false
 * (outputs untouched) when the trace is empty. */
bool trace_time_span(const trace *t, int64_t *first_min, int64_t *last_min);
/* Clock minute of day (0 … 1439) at t = 0, from the first row's clock; 0 when empty. */
int trace_start_min_of_day(const trace *t);

/*
 * Rows with from_min <= t_min < to_min: returns how many, and stores the index of the
 * first in *first (the insertion point when there are none). `first` may be NULL.
 */
size_t trace_rows_in(const trace *t, int64_t from_min, int64_t to_min, size_t *first);

/* Keep the rows of the last `keep_min` minutes (>= 1; TRACE_KEEP_MIN by default): for
 * tests, and a caller that wants less. */
void trace_set_keep_min(trace *t, int64_t keep_min);

/* The profile by time of day and day by day of every row appended (NULL when empty). */
const agp *trace_profile(const trace *t);

size_t trace_marker_count(const trace *t);
const trace_marker *trace_marker_at(const trace *t, size_t i);
/* Markers with from_min <= t_min < to_min, as trace_rows_in. */
size_t trace_markers_in(const trace *t, int64_t from_min, int64_t to_min, size_t *first);

#endif
