/*
 * walk_time — see walk_time.h.
 */
#include "walk_time.h"

#include "loader.h"
#include "scenario_limits.h"
#include "walk_values.h"

clock_text clock_text_of(int64_t min)
{
	clock_text c;
	clock_format_short(min, c.text, sizeof c.text);
	return c;
}

/* A duration with a unit ("90m", "1.5h"); the messages say which rule it broke. */
bool walk_duration(walker *w, const char *key, const yaml_node_t *n, int64_t *out_min)
{
	const char *what = "a duration such as 90m, 1.5h or 2d (units s, m, h, d)";
	const char *t;
	if (!walk_text(w, key, n, what, &t))
		return false;
	switch (duration_parse(t, 60, MAX_DURATION_MIN, out_min)) {
	case DURATION_PARSED:
		return true;
	case DURATION_BAD_SYNTAX:
		if (number_syntax_of_node(n) == NUMBER_FINITE)
			return walk_fail(w, n->start_mark, key,
			                 "expected %s, got %s (a number without a unit)", what,
			                 walk_show(n).text);
		return walk_fail_expected(w, key, n, what);
	case DURATION_NOT_WHOLE:
		return walk_fail_expected(w, key, n, "a whole number of minutes");
	case DURATION_ZERO:
		return walk_fail_expected(w, key, n, "a duration longer than zero");
	case DURATION_OVER_MAX:
		return walk_fail(w, n->start_mark, key, "expected at most %dd, got %s",
		                 MAX_DURATION_DAYS, walk_show(n).text);
	}
	return walk_fail_expected(w, key, n, what);
}

/*
 * A clock time. With `allow_day`, "HH:MM" (day 1) or "dN HH:MM"; without, "HH:MM" only.
 * Day is 1-based.
 */
bool walk_clock(walker *w, const char *key, const yaml_node_t *n, bool allow_day, int *out_day,
                int *out_min_of_day)
{
	const char *what =
	    allow_day ? "a clock time \"HH:MM\" or \"dN HH:MM\"" : "a clock time \"HH:MM\"";
	const char *t;
	if (!walk_text(w, key, n, what, &t))
		return false;
	switch (clock_time_parse(t, MAX_EVENT_DAY, out_day, out_min_of_day)) {
	case CLOCK_TIME_PARSED:
		if (!allow_day && *out_day != 1)
			return walk_fail(w, n->start_mark, key, "expected %s without a day, got %s",
			                 what, walk_show(n).text);
		return true;
	case CLOCK_TIME_BAD_SYNTAX:
		return walk_fail_expected(w, key, n, what);
	case CLOCK_TIME_BAD_HOUR:
		return walk_fail_expected(w, key, n, "an hour 00 to 23");
	case CLOCK_TIME_BAD_MINUTE:
		return walk_fail_expected(w, key, n, "minutes 00 to 59");
	case CLOCK_TIME_DAY_ZERO:
		return walk_fail_expected(w, key, n, "a day d1 or later (days count from 1)");
	case CLOCK_TIME_DAY_OVER_MAX:
		return walk_fail(w, n->start_mark, key, "expected a day d1 to d%d, got %s",
		                 MAX_EVENT_DAY, walk_show(n).text);
	}
	return walk_fail_expected(w, key, n, what);
}

/* A duration in whole minutes between lo and hi. */
bool walk_minutes(walker *w, const char *key, yaml_node_t *v, int64_t lo, int64_t hi, int *out)
{
	int64_t minutes;
	if (!walk_duration(w, key, v, &minutes))
		return false;
	if (minutes < lo || minutes > hi)
		return walk_fail(w, v->start_mark, key, "expected %lldm to %lldm, got %s",
		                 (long long)lo, (long long)hi, walk_show(v).text);
	*out = (int)minutes;
	return true;
}

/* Minutes from t = 0 of a clock time (day 1-based). */
int64_t run_min_of_clock(const scenario *s, int day, int min_of_day)
{
	return clock_minute(day, min_of_day) - s->start_min_of_day;
}

/* A clock time ("HH:MM" or "dN HH:MM") as minutes from t = 0 (not yet range-checked). */
bool walk_run_time(walker *w, const char *key, const yaml_node_t *n, int64_t *out)
{
	int day, min_of_day;
	if (!walk_clock(w, key, n, true, &day, &min_of_day))
		return false;
	*out = run_min_of_clock(w->ls->s, day, min_of_day);
	return true;
}

/* 0 <= t < duration, or t == duration too when `end_ok` (the end of a window). */
bool walk_within_run(walker *w, const char *key, const yaml_node_t *n, int64_t t, bool end_ok)
{
	const scenario *s = w->ls->s;
	if (t >= 0 && (t < s->duration_min || (end_ok && t == s->duration_min)))
		return true;
	return walk_fail(w, n->start_mark, key,
	                 "expected a time within the run, %s to %s (%s), got %s (t = %lld min)",
	                 clock_text_of(s->start_min_of_day).text,
	                 clock_text_of(s->start_min_of_day + s->duration_min).text,
	                 end_ok ? "inclusive" : "exclusive", walk_show(n).text, (long long)t);
}

/* "+90m": a duration after a plus sign; "+0m" is the previous event's own time. */
bool walk_relative_time(walker *w, const char *key, const yaml_node_t *n, int64_t *out_min)
{
	const char *what = "a relative time such as +90m (units s, m, h, d)";
	const char *t;
	if (!walk_text(w, key, n, what, &t))
		return false;
	int64_t minutes = 0;
	switch (duration_parse(t + 1, 60, MAX_DURATION_MIN, &minutes)) {
	case DURATION_PARSED:
		break;
	case DURATION_ZERO: /* no sign can follow the '+': this is zero */
		minutes = 0;
		break;
	case DURATION_NOT_WHOLE:
		return walk_fail_expected(w, key, n, "a relative time of whole minutes");
	case DURATION_OVER_MAX:
		return walk_fail(w, n->start_mark, key, "expected at most +%dd, got %s",
		                 MAX_DURATION_DAYS, walk_show(n).text);
	case DURATION_BAD_SYNTAX:
	default:
		return walk_fail_expected(w, key, n, what);
	}
	*out_min = minutes;
	return true;
}
