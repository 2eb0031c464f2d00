/*
 * walk_time — times and durations in a scenario file, read with the one grammar of
 * sim/clock.h: durations ("90m", "1.5h", "2d": whole minutes, at most MAX_DURATION_DAYS),
 * clock times ("07:30" on day 1, "d2 07:30"), relative times ("+90m"), and the run minute a
 * clock time stands for. Messages say which rule a value broke (see walk.h).
 */
#ifndef FAKEPUMP_SCENARIO_WALK_TIME_H
#define FAKEPUMP_SCENARIO_WALK_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "walk.h"

/* A duration with a unit ("90m", "1.5h"); whole minutes, 1 … MAX_DURATION_MIN. */
bool walk_duration(walker *w, const char *key, const yaml_node_t *n, int64_t *out_min);
/* A duration in whole minutes between lo and hi (the message gives both). */
bool walk_minutes(walker *w, const char *key, yaml_node_t *v, int64_t lo, int64_t hi, int *out);
/*
 * A clock time. With `allow_day`, "HH:MM" (day 1) or "dN HH:MM" (day up to MAX_EVENT_DAY);
 * without, "HH:MM" only. Day is 1-based.
 */
bool walk_clock(walker *w, const char *key, const yaml_node_t *n, bool allow_day, int *out_day,
                int *out_min_of_day);
/* "+90m": a duration after a plus sign; "+0m" is zero (the previous event's own time). */
bool walk_relative_time(walker *w, const char *key, const yaml_node_t *n, int64_t *out_min);

/* Minutes from t = 0 of a clock time (day 1-based) in scenario s. */
int64_t run_min_of_clock(const scenario *s, int day, int min_of_day);
/* A clock time ("HH:MM" or "dN HH:MM") as minutes from t = 0 (not yet range-checked). */
bool walk_run_time(walker *w, const char *key, const yaml_node_t *n, int64_t *out);
/* 0 <= t < duration, or t == duration too when `end_ok` (the end of a window); the message
 * shows the run's first and last clock times. */
bool walk_within_run(walker *w, const char *key, const yaml_node_t *n, int64_t t, bool end_ok);

/* "HH:MM" for day 1, "dN HH:MM" after (clock_format_short); `min` counts from day 1, 00:00. */
typedef struct clock_text {
	char text[CLOCK_TEXT_MAX];
} clock_text;
clock_text clock_text_of(int64_t clock_min);

#endif
