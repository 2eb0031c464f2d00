/*
 * clock — simulated time as people read and write it: clock times ("d2 07:30", "07:30") and
 * durations ("90s", "2m", "1.5h", "2d").
 *
 * One formatter and one duration grammar for the whole program, so a time reads the same
 * wherever it shows: the trace CSV and the database export, the plot's time axis and the
 * viewer, summary lines, expectation and run-end messages, and the command line
 * (--pair-window); and one grammar for clock times and durations, so that a scenario file
 * (sim/scenario/) and the command line read them alike.
 *
 * A "clock minute" counts minutes from day 1, 00:00 (a run minute plus the scenario's
 * start_min_of_day). Days are numbered from 1.
 *
 * Pure: no I/O, no allocation, no global state, no wall clock, no floating point.
 */
#ifndef FAKEPUMP_CLOCK_H
#define FAKEPUMP_CLOCK_H

#include <stddef.h>
#include <stdint.h>

enum {
	CLOCK_MIN_PER_DAY = 24 * 60,
	/* Room for any clock text of an int64_t minute: "d6405119470038039 23:59" and a NUL. */
	CLOCK_TEXT_MAX = 32,
};

/*
 * Day (1-based) and minute of the day (0 … 1439) of a clock minute. Negative minutes count
 * back from day 1 (-1 is day 0, 23:59). Inline: the engine calls it every simulated minute.
 */
static inline void clock_split(int64_t clock_min, int64_t *day, int *min_of_day)
{
	int64_t d = clock_min / CLOCK_MIN_PER_DAY, m = clock_min % CLOCK_MIN_PER_DAY;
	if (m < 0) { /* C division truncates toward zero: step back a day */
		m += CLOCK_MIN_PER_DAY;
		d--;
	}
	*day = d + 1;
	*min_of_day = (int)m;
}

/* "d2 07:30": day and time of a clock minute. Returns buf (truncated to cap like snprintf). */
const char *clock_format(int64_t clock_min, char *buf, size_t cap);

/* "07:30" on day 1, "d2 07:30" after: how a scenario writes its event times. Returns buf. */
const char *clock_format_short(int64_t clock_min, char *buf, size_t cap);

/* "07:30": the time of day of a clock minute (any day). Returns buf. */
const char *clock_format_hhmm(int64_t clock_min, char *buf, size_t cap);

/* The clock minute of `day` (1-based) at `min_of_day` (0 … 1439): clock_split's inverse. */
int64_t clock_minute(int64_t day, int min_of_day);

/* Why a clock time was refused, in order of precedence (the syntax first). */
typedef enum clock_time_result {
	CLOCK_TIME_PARSED = 0,
	CLOCK_TIME_BAD_SYNTAX,   /* not "H:MM", "HH:MM" or "dN HH:MM" (one or more spaces) */
	CLOCK_TIME_BAD_HOUR,     /* an hour over 23 */
	CLOCK_TIME_BAD_MINUTE,   /* minutes over 59 */
	CLOCK_TIME_DAY_ZERO,     /* "d0 …": days count from 1 */
	CLOCK_TIME_DAY_OVER_MAX, /* a day after the last one asked for */
} clock_time_result;

/*
 * Parse a clock time as a scenario writes it: "H:MM" or "HH:MM" (day 1), or "dN HH:MM" with
 * one or more spaces (day N, at most 8 digits). No other spaces, signs or letters. On
 * CLOCK_TIME_PARSED *out_day (1-based, at most `max_day`) and *out_min_of_day (0 … 1439) are
 * set; otherwise they are untouched. 1 <= max_day <= 99999999 (else assert).
 */
clock_time_result clock_time_parse(const char *text, int max_day, int *out_day,
                                   int *out_min_of_day);

/*
 * Why a duration was refused. In order of precedence: a text that is not a duration at all
 * is DURATION_BAD_SYNTAX whatever its value.
 */
typedef enum duration_result {
	DURATION_PARSED = 0,
	DURATION_BAD_SYNTAX, /* not <digits>[.<digits>]<unit>, unit s, m, h or d; no sign, no spaces
	                        (also a number without a unit) */
	DURATION_NOT_WHOLE,  /* not a whole number of the step asked for ("0.5m" in minutes) */
	DURATION_ZERO,       /* "0m", "0.0h": durations are longer than zero */
	DURATION_OVER_MAX,   /* longer than the maximum asked for */
} duration_result;

/*
 * Parse a duration exactly (integer arithmetic: "1.5h" is 90 minutes, "0.1m" is not a whole
 * number of minutes) into whole steps of `step_s` seconds (1: seconds, 60: minutes), at most
 * `max_steps` of them. On DURATION_PARSED *out_steps is set; otherwise it is untouched.
 * The grammar: one or more digits, optionally a dot and one or more digits, then exactly
 * one unit letter: s (second), m (minute), h (hour), d (day of 24 h).
 * `step_s` > 0 and `max_steps` > 0 with step_s × max_steps at most 10^9 s (31 years): larger
 * values are the caller's mistake (assert).
 */
duration_result duration_parse(const char *text, int64_t step_s, int64_t max_steps,
                               int64_t *out_steps);

#endif
