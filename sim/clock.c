/*
 * clock — see clock.h.
 *
 * Durations are read with integer arithmetic only: the digits after the dot are kept as a
 * fraction frac / frac_scale (frac_scale a power of ten up to 10^9, a nanosecond of a second),
 * so "1.5h" is exactly 90 minutes and "0.1m" exactly 6 seconds, never 5.999… minutes.
 */
#include "clock.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

/* The longest duration anyone may ask for: keeps whole × unit × 10^9 below 2^63. */
static const int64_t MAX_DURATION_S = 1000000000;

const char *clock_format(int64_t clock_min, char *buf, size_t cap)
{
	int64_t day;
	int m;
	clock_split(clock_min, &day, &m);
	snprintf(buf, cap, "d%" PRId64 " %02d:%02d", day, m / 60, m % 60);
	return buf;
}

const char *clock_format_short(int64_t clock_min, char *buf, size_t cap)
{
	if (clock_min >= 0 && clock_min < CLOCK_MIN_PER_DAY) /* day 1 */
		return clock_format_hhmm(clock_min, buf, cap);
	return clock_format(clock_min, buf, cap);
}

const char *clock_format_hhmm(int64_t clock_min, char *buf, size_t cap)
{
	int64_t day;
	int m;
	clock_split(clock_min, &day, &m);
	snprintf(buf, cap, "%02d:%02d", m / 60, m % 60);
	return buf;
}

int64_t clock_minute(int64_t day, int min_of_day)
{
	return (day - 1) * CLOCK_MIN_PER_DAY + min_of_day;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Up to `max_digits` decimal digits at *p; advances *p. False if there are none. */
static bool read_digits(const char **p, int max_digits, int *out)
{
	int value = 0, n = 0;
	while (is_digit(**p) && n < max_digits) {
		value = value * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = value;
	return n > 0;
}

clock_time_result clock_time_parse(const char *text, int max_day, int *out_day, int *out_min_of_day)
{
	assert(max_day >= 1 && max_day <= 99999999);
	const char *p = text;
	int day = 1, hour, minute;

	if (!p)
		return CLOCK_TIME_BAD_SYNTAX;
	if (*p == 'd') {
		p++;
		/* 8 digits: room for any max_day, far below INT_MAX. */
		if (!read_digits(&p, 8, &day) || *p != ' ')
			return CLOCK_TIME_BAD_SYNTAX;
		while (*p == ' ')
			p++;
	}
	if (!read_digits(&p, 2, &hour) || *p != ':')
		return CLOCK_TIME_BAD_SYNTAX;
	p++;
	const char *minute_start = p;
	if (!read_digits(&p, 2, &minute) || p - minute_start != 2 || *p != '\0')
		return CLOCK_TIME_BAD_SYNTAX;
	if (hour > 23)
		return CLOCK_TIME_BAD_HOUR;
	if (minute > 59)
		return CLOCK_TIME_BAD_MINUTE;
	if (day < 1)
		return CLOCK_TIME_DAY_ZERO;
	if (day > max_day)
		return CLOCK_TIME_DAY_OVER_MAX;
	*out_day = day;
	*out_min_of_day = hour * 60 + minute;
	return CLOCK_TIME_PARSED;
}

duration_result duration_parse(const char *text, int64_t step_s, int64_t max_steps,
                               int64_t *out_steps)
{
	assert(step_s > 0 && max_steps > 0 && max_steps <= MAX_DURATION_S / step_s);
	const int64_t max_s = max_steps * step_s;
	const char *p = text;
	int64_t whole = 0, frac = 0, frac_scale = 1;
	bool too_big = false, below_ns = false;

	if (!p || !is_digit(*p))
		return DURATION_BAD_SYNTAX;
	for (; is_digit(*p); p++) {
		if (whole > max_s)
			too_big = true; /* keep reading: the syntax may still be wrong */
		else
			whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return DURATION_BAD_SYNTAX;
		for (; is_digit(*p); p++) {
			if (frac_scale >= 1000000000) {
				below_ns |= *p != '0'; /* a part of a nanosecond: never whole */
				continue;
			}
			frac = frac * 10 + (*p - '0');
			frac_scale *= 10;
		}
	}
	int64_t unit_s;
	switch (*p) {
	case 's':
		unit_s = 1;
		break;
	case 'm':
		unit_s = 60;
		break;
	case 'h':
		unit_s = 3600;
		break;
	case 'd':
		unit_s = 86400;
		break;
	default:
		return DURATION_BAD_SYNTAX;
	}
	if (p[1] != '\0')
		return DURATION_BAD_SYNTAX;
	if (below_ns)
		return DURATION_NOT_WHOLE;
	if (too_big || whole > max_s / unit_s)
		return DURATION_OVER_MAX;
	/* In units of 1/frac_scale s: whole × unit_s <= max_s <= 10^9, so at most 10^18. */
	const int64_t scaled = whole * unit_s * frac_scale + frac * unit_s;
	const int64_t per_step = step_s * frac_scale;
	if (scaled % per_step != 0)
		return DURATION_NOT_WHOLE;
	const int64_t steps = scaled / per_step;
	if (steps == 0)
		return DURATION_ZERO;
	if (steps > max_steps)
		return DURATION_OVER_MAX;
	*out_steps = steps;
	return DURATION_PARSED;
}
