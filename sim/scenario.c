/*
 * scenario — loads a YAML scenario file into a plain, validated `scenario` value.
 *
 * How: libyaml's document API (yaml_parser_load) builds the whole node tree first, so every
 * node keeps its start mark; a table-driven walker then checks it with small typed accessors
 * (walk_mapping, expect_number_in_range, expect_clock, ...). Each accessor that fails writes
 * one message `path:line:column: key: expected ..., got ...` pointing AT the offending node
 * (the value for a bad value, the key for an unknown or duplicate key) and returns false;
 * callers just return false in turn. Adding a key = one parse function + one table row.
 *
 * Must never: return a partial scenario, abort on bad input, leak on an error path, accept a
 * number written as a string, NaN or infinity, or guess at a value it cannot read.
 *
 * Follows: libyaml 0.2.5 document API; the YAML 1.2 core schema's grammar for decimal
 * numbers (plain scalars only). The format itself is documented in docs/scenarios.md.
 */
#include "scenario.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

enum {
	MIN_PER_DAY = 24 * 60,
	/* Sanity cap, not a model limit: ten years of minutes still fits every int used here. */
	MAX_DURATION_DAYS = 3650,
	/* With a start late in the day, events of the last day are written as day MAX + 1. */
	MAX_EVENT_DAY = MAX_DURATION_DAYS + 1,
	MAX_CGM_INTERVAL_MIN = 150,
	/* A file bigger than this is not a scenario someone wrote. */
	MAX_FILE_BYTES = 16 * 1024 * 1024,
	MAX_NAME_BYTES = 255,
	/* Most keys any one mapping of the format may have (walk_mapping's bookkeeping). */
	FIELDS_MAX = 32,
	KEY_PATH_MAX = 128,
	SHOWN_MAX = 48,
};

static const double MAX_BASAL_U_PER_H = 35.0;
/* Physical sanity only: whether the pump accepts a dose is its limits' business, at run time. */
static const double MAX_BOLUS_U = 100.0;
static const double MAX_MEAL_G = 1000.0;
static const double MAX_BOLUS_SPEED_U_PER_MIN = 100.0;
/* The pump's own speed when the file does not say (pump issue: 1.5 U/min). */
static const double DEFAULT_BOLUS_SPEED_U_PER_MIN = 1.5;

/* ------------------------------------------------------------------------------------ */
/* Text parsers (no YAML): durations and clock times                                     */
/* ------------------------------------------------------------------------------------ */

typedef enum duration_status {
	DURATION_OK,
	DURATION_SYNTAX,
	DURATION_NOT_WHOLE_MINUTES,
	DURATION_NOT_POSITIVE,
	DURATION_TOO_LONG,
} duration_status;

/*
 * "<digits>[.<digits>]<unit>", unit one of s, m, h, d, no sign and no spaces. Exact integer
 * arithmetic (no floating point), so "1.5h" is 90 and "0.1m" is not whole. Anything over
 * MAX_DURATION_DAYS is DURATION_TOO_LONG (also guards the arithmetic against overflow).
 */
static duration_status parse_duration(const char *text, int64_t *out_min)
{
	const int64_t max_s = (int64_t)MAX_DURATION_DAYS * MIN_PER_DAY * 60;
	const char *p = text;
	int64_t whole = 0, frac = 0, frac_scale = 1;
	bool too_big = false;

	if (*p < '0' || *p > '9')
		return DURATION_SYNTAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > max_s)
			too_big = true; /* keep scanning: the syntax may still be wrong */
		else
			whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return DURATION_SYNTAX;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac_scale >= 1000000000) {
				if (*p != '0')
					return DURATION_NOT_WHOLE_MINUTES; /* below a nanosecond */
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
		return DURATION_SYNTAX;
	}
	if (p[1] != '\0')
		return DURATION_SYNTAX;
	if (too_big || whole > max_s / unit_s)
		return DURATION_TOO_LONG;
	/* whole * unit_s <= max_s (3.2e8), so scaling by <= 1e9 stays far below 2^63. */
	int64_t scaled_s = whole * unit_s * frac_scale + frac * unit_s;
	if (scaled_s % (60 * frac_scale) != 0)
		return DURATION_NOT_WHOLE_MINUTES;
	int64_t minutes = scaled_s / (60 * frac_scale);
	if (minutes <= 0)
		return DURATION_NOT_POSITIVE;
	if (minutes > (int64_t)MAX_DURATION_DAYS * MIN_PER_DAY)
		return DURATION_TOO_LONG;
	*out_min = minutes;
	return DURATION_OK;
}

bool scenario_parse_duration_min(const char *text, int64_t *out_min)
{
	int64_t minutes;
	if (text == NULL || parse_duration(text, &minutes) != DURATION_OK)
		return false;
	*out_min = minutes;
	return true;
}

typedef enum clock_status {
	CLOCK_OK,
	CLOCK_SYNTAX,
	CLOCK_BAD_HOUR,
	CLOCK_BAD_MINUTE,
	CLOCK_DAY_ZERO,
	CLOCK_DAY_TOO_LATE,
} clock_status;

/* Up to `max_digits` decimal digits at *p; advances *p. False if there are none. */
static bool read_digits(const char **p, int max_digits, int *out)
{
	int value = 0, n = 0;
	while (**p >= '0' && **p <= '9' && n < max_digits) {
		value = value * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = value;
	return n > 0;
}

/* "H:MM", "HH:MM" (day 1), or "dN HH:MM" with one or more spaces; day is 1-based. */
static clock_status parse_clock(const char *text, int *out_day, int *out_min_of_day)
{
	const char *p = text;
	int day = 1, hour, minute;

	if (*p == 'd') {
		p++;
		/* 8 digits: far past MAX_EVENT_DAY, far below INT_MAX. */
		if (!read_digits(&p, 8, &day) || *p != ' ')
			return CLOCK_SYNTAX;
		while (*p == ' ')
			p++;
	}
	if (!read_digits(&p, 2, &hour) || *p != ':')
		return CLOCK_SYNTAX;
	p++;
	const char *minute_start = p;
	if (!read_digits(&p, 2, &minute) || p - minute_start != 2 || *p != '\0')
		return CLOCK_SYNTAX;
	if (hour > 23)
		return CLOCK_BAD_HOUR;
	if (minute > 59)
		return CLOCK_BAD_MINUTE;
	if (day < 1)
		return CLOCK_DAY_ZERO;
	if (day > MAX_EVENT_DAY)
		return CLOCK_DAY_TOO_LATE;
	*out_day = day;
	*out_min_of_day = hour * 60 + minute;
	return CLOCK_OK;
}

bool scenario_parse_clock(const char *text, int *out_day, int *out_min_of_day)
{
	int day, min_of_day;
	if (text == NULL || parse_clock(text, &day, &min_of_day) != CLOCK_OK)
		return false;
	*out_day = day;
	*out_min_of_day = min_of_day;
	return true;
}

/* "HH:MM" for day 1, "dN HH:MM" after; `min` counts from day 1, 00:00. */
typedef struct clock_text {
	char text[32];
} clock_text;

static clock_text format_clock(int64_t min)
{
	clock_text c;
	int64_t day = min / MIN_PER_DAY + 1, m = min % MIN_PER_DAY;
	if (day == 1)
		snprintf(c.text, sizeof c.text, "%02d:%02d", (int)(m / 60), (int)(m % 60));
	else
		snprintf(c.text, sizeof c.text, "d%lld %02d:%02d", (long long)day, (int)(m / 60),
		         (int)(m % 60));
	return c;
}

/* ------------------------------------------------------------------------------------ */
/* "Did you mean" suggestions                                                            */
/* ------------------------------------------------------------------------------------ */

enum { SUGGEST_MAX_LEN = 40 };

/* Optimal string alignment distance (Levenshtein plus adjacent transposition). */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int rows[3][SUGGEST_MAX_LEN + 1];
	int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/* Feed candidates one by one; the suggestion is the single closest one, if close enough. */
typedef struct suggestion {
	const char *word;
	const char *best;
	int best_distance;
	bool tied;
} suggestion;

static suggestion suggest_begin(const char *word)
{
	suggestion s = {.word = word, .best = NULL, .best_distance = 1000, .tied = false};
	return s;
}

static void suggest_consider(suggestion *s, const char *candidate)
{
	int d = edit_distance(s->word, candidate);
	if (d < s->best_distance) {
		s->best = candidate;
		s->best_distance = d;
		s->tied = false;
	} else if (d == s->best_distance) {
		s->tied = true;
	}
}

/* The suggestion, or NULL: short words allow one edit, longer ones two; ties suggest none. */
static const char *suggest_result(const suggestion *s)
{
	int allowed = strlen(s->word) <= 4 ? 1 : 2;
	if (s->best == NULL || s->tied || s->best_distance > allowed)
		return NULL;
	return s->best;
}

/* ------------------------------------------------------------------------------------ */
/* The walker: error reporting and typed accessors                                       */
/* ------------------------------------------------------------------------------------ */

typedef struct walker {
	yaml_document_t *doc;
	const char *path; /* names the file in messages */
	scenario_error *err;
} walker;

/*
 * Writes `path:line:column: key: message` (no `key: ` when key is empty) and returns false,
 * so that every failing check is `return fail(...)`.
 */
PRINTF_LIKE(4, 5)
static bool fail(walker *w, yaml_mark_t mark, const char *key, const char *fmt, ...)
{
	char *msg = w->err->message;
	size_t size = sizeof w->err->message;
	int n = snprintf(msg, size, "%s:%zu:%zu: %s%s", w->path, (size_t)mark.line + 1,
	                 (size_t)mark.column + 1, key, *key ? ": " : "");
	if (n >= 0 && (size_t)n < size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static yaml_node_t *node_at(walker *w, int index)
{
	return yaml_document_get_node(w->doc, index);
}

static bool is_scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE;
}

static const char *scalar_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_plain(const yaml_node_t *n)
{
	return is_scalar(n) && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null_word(const char *t)
{
	return strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
	       strcmp(t, "NULL") == 0;
}

/* A node as the message shows it after "got": the value itself, or what kind of node. */
typedef struct shown {
	char text[SHOWN_MAX + 16];
} shown;

/* At most SHOWN_MAX bytes of `t`, cut at a UTF-8 boundary, control characters as '?'. */
static shown show_text(const char *t, size_t len, const char *quote)
{
	shown out;
	char body[SHOWN_MAX + 1];
	size_t cut = len <= SHOWN_MAX ? len : SHOWN_MAX;
	while (cut < len && cut > 0 && ((unsigned char)t[cut] & 0xC0) == 0x80)
		cut--;
	for (size_t i = 0; i < cut; i++)
		body[i] = (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? '?' : t[i];
	body[cut] = '\0';
	snprintf(out.text, sizeof out.text, "%s%s%s%s", quote, body, cut < len ? "..." : "", quote);
	return out;
}

/* A scalar's text as is, without quotes: for names inside '...' in a message. */
static shown show_bare(const yaml_node_t *n)
{
	return show_text(scalar_text(n), n->data.scalar.length, "");
}

/* Plain scalars as written, quoted ones in double quotes, other nodes by their kind. */
static shown show(const yaml_node_t *n)
{
	shown out;
	if (n == NULL || n->type == YAML_NO_NODE) {
		snprintf(out.text, sizeof out.text, "nothing");
		return out;
	}
	if (n->type == YAML_MAPPING_NODE) {
		snprintf(out.text, sizeof out.text, "a mapping");
		return out;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		snprintf(out.text, sizeof out.text, "a list");
		return out;
	}
	if (is_plain(n) && n->data.scalar.length == 0) {
		snprintf(out.text, sizeof out.text, "nothing");
		return out;
	}
	if (is_plain(n) && is_null_word(scalar_text(n))) {
		snprintf(out.text, sizeof out.text, "null");
		return out;
	}
	return show_text(scalar_text(n), n->data.scalar.length, is_plain(n) ? "" : "\"");
}

/* "key: expected <what>, got <node>" at the node. */
static bool fail_expected(walker *w, const char *key, const yaml_node_t *n, const char *what)
{
	return fail(w, n->start_mark, key, "expected %s, got %s", what, show(n).text);
}

/*
 * A non-empty scalar without NUL or control characters (tab excepted); `what` describes
 * the expected value for the message. Sets *out to the node's text (owned by the document).
 */
static bool expect_text(walker *w, const char *key, const yaml_node_t *n, const char *what,
                        const char **out)
{
	*out = ""; /* never read on failure; set so that no caller sees an indeterminate value */
	if (!is_scalar(n) || n->data.scalar.length == 0)
		return fail_expected(w, key, n, what);
	const char *t = scalar_text(n);
	if (strlen(t) != n->data.scalar.length)
		return fail(w, n->start_mark, key, "expected %s, got text with a NUL character",
		            what);
	for (const char *p = t; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return fail(w, n->start_mark, key,
			            "expected %s, got text with a control character or line break",
			            what);
	*out = t;
	return true;
}

typedef enum number_syntax {
	NOT_A_NUMBER,
	NUMBER_FINITE,
	NUMBER_NOT_FINITE, /* .nan, .inf, nan, inf, infinity (any case, any sign) */
} number_syntax;

static bool ascii_equal_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		if (ca != *b)
			return false;
	}
	return *a == *b;
}

/*
 * YAML 1.2 core schema decimal numbers, plain scalars only:
 * [-+]? ( \.[0-9]+ | [0-9]+ (\.[0-9]*)? ) ([eE][-+]?[0-9]+)?
 * Hex, octal, "1_000" and quoted text are not numbers here.
 */
static number_syntax classify_number_text(const char *p)
{
	if (*p == '-' || *p == '+')
		p++;
	const char *word = *p == '.' ? p + 1 : p;
	if (ascii_equal_nocase(word, "nan") || ascii_equal_nocase(word, "inf") ||
	    ascii_equal_nocase(word, "infinity"))
		return NUMBER_NOT_FINITE;
	int digits = 0;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits++;
		}
	}
	if (digits == 0)
		return NOT_A_NUMBER;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (*p < '0' || *p > '9')
			return NOT_A_NUMBER;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0' ? NUMBER_FINITE : NOT_A_NUMBER;
}

/* Numbers are plain scalars; "50" in quotes is a string. */
static number_syntax classify_number(const yaml_node_t *n)
{
	return is_plain(n) ? classify_number_text(scalar_text(n)) : NOT_A_NUMBER;
}

/* A quoted scalar that would be a number without its quotes. */
static bool is_quoted_number(const yaml_node_t *n)
{
	return is_scalar(n) && !is_plain(n) && classify_number_text(scalar_text(n)) != NOT_A_NUMBER;
}

/*
 * strtod in the C locale whatever the process's locale is (a viewer may call setlocale,
 * and "0.8" must not read as 0 under a decimal comma). Only called on validated text.
 */
static double strtod_c_locale(const char *text)
{
	locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	locale_t previous = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
	double value = strtod(text, NULL);
	if (c_locale != (locale_t)0) {
		uselocale(previous);
		freelocale(c_locale);
	}
	return value;
}

/* A finite decimal number written plain; `what` describes it in the message. */
static bool expect_number(walker *w, const char *key, const yaml_node_t *n, const char *what,
                          double *out)
{
	switch (classify_number(n)) {
	case NUMBER_FINITE: {
		double v = strtod_c_locale(scalar_text(n));
		if (!isfinite(v))
			return fail(w, n->start_mark, key,
			            "expected %s, got %s (too large to be a number)", what,
			            show(n).text);
		*out = v;
		return true;
	}
	case NUMBER_NOT_FINITE:
		return fail(w, n->start_mark, key, "expected %s, got %s (not a finite number)",
		            what, show(n).text);
	case NOT_A_NUMBER:
		break;
	}
	if (is_quoted_number(n))
		return fail(w, n->start_mark, key,
		            "expected %s, got %s (a quoted string; write numbers without quotes)",
		            what, show(n).text);
	return fail_expected(w, key, n, what);
}

/* An inclusive or left-open range of a quantity, for checks and for messages. */
typedef struct number_range {
	const char *what; /* "a rate in U/h" */
	double lo, hi;
	bool lo_open; /* lo itself is not allowed: lo < x <= hi */
} number_range;

typedef struct range_text {
	char text[128];
} range_text;

static range_text describe_range(const number_range *r)
{
	range_text t;
	if (r->lo_open)
		snprintf(t.text, sizeof t.text, "%s, more than %g and at most %g", r->what, r->lo,
		         r->hi);
	else
		snprintf(t.text, sizeof t.text, "%s, %g to %g", r->what, r->lo, r->hi);
	return t;
}

static bool expect_number_in_range(walker *w, const char *key, const yaml_node_t *n,
                                   const number_range *r, double *out)
{
	range_text expected = describe_range(r);
	double v = 0.0;
	if (!expect_number(w, key, n, expected.text, &v))
		return false;
	bool low_ok = r->lo_open ? v > r->lo : v >= r->lo;
	if (!low_ok || v > r->hi)
		return fail_expected(w, key, n, expected.text);
	*out = v;
	return true;
}

/* A plain unsigned decimal integer lo … hi (no sign, fraction or exponent). */
static bool expect_integer_in_range(walker *w, const char *key, const yaml_node_t *n, uint64_t lo,
                                    uint64_t hi, uint64_t *out)
{
	char expected[96];
	snprintf(expected, sizeof expected, "an integer %llu to %llu", (unsigned long long)lo,
	         (unsigned long long)hi);
	double ignored;
	if (!expect_number(w, key, n, expected, &ignored))
		return false;
	const char *p = scalar_text(n);
	uint64_t v = 0;
	bool digits_only = *p != '\0';
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			digits_only = false;
			break;
		}
		if (v > hi) /* keep v bounded; it is out of range already */
			continue;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!digits_only || v < lo || v > hi)
		return fail_expected(w, key, n, expected);
	*out = v;
	return true;
}

/* A duration with a unit ("90m", "1.5h"); the messages say which rule it broke. */
static bool expect_duration(walker *w, const char *key, const yaml_node_t *n, int64_t *out_min)
{
	const char *what = "a duration such as 90m, 1.5h or 2d (units s, m, h, d)";
	const char *t;
	if (!expect_text(w, key, n, what, &t))
		return false;
	switch (parse_duration(t, out_min)) {
	case DURATION_OK:
		return true;
	case DURATION_SYNTAX:
		if (classify_number(n) == NUMBER_FINITE)
			return fail(w, n->start_mark, key,
			            "expected %s, got %s (a number without a unit)", what,
			            show(n).text);
		return fail_expected(w, key, n, what);
	case DURATION_NOT_WHOLE_MINUTES:
		return fail_expected(w, key, n, "a whole number of minutes");
	case DURATION_NOT_POSITIVE:
		return fail_expected(w, key, n, "a duration longer than zero");
	case DURATION_TOO_LONG:
		return fail(w, n->start_mark, key, "expected at most %dd, got %s",
		            MAX_DURATION_DAYS, show(n).text);
	}
	return fail_expected(w, key, n, what);
}

/*
 * A clock time. With `allow_day`, "HH:MM" (day 1) or "dN HH:MM"; without, "HH:MM" only.
 * Day is 1-based.
 */
static bool expect_clock(walker *w, const char *key, const yaml_node_t *n, bool allow_day,
                         int *out_day, int *out_min_of_day)
{
	const char *what =
	    allow_day ? "a clock time \"HH:MM\" or \"dN HH:MM\"" : "a clock time \"HH:MM\"";
	const char *t;
	if (!expect_text(w, key, n, what, &t))
		return false;
	switch (parse_clock(t, out_day, out_min_of_day)) {
	case CLOCK_OK:
		if (!allow_day && *out_day != 1)
			return fail(w, n->start_mark, key, "expected %s without a day, got %s",
			            what, show(n).text);
		return true;
	case CLOCK_SYNTAX:
		return fail_expected(w, key, n, what);
	case CLOCK_BAD_HOUR:
		return fail_expected(w, key, n, "an hour 00 to 23");
	case CLOCK_BAD_MINUTE:
		return fail_expected(w, key, n, "minutes 00 to 59");
	case CLOCK_DAY_ZERO:
		return fail_expected(w, key, n, "a day d1 or later (days count from 1)");
	case CLOCK_DAY_TOO_LATE:
		return fail(w, n->start_mark, key, "expected a day d1 to d%d, got %s",
		            MAX_EVENT_DAY, show(n).text);
	}
	return fail_expected(w, key, n, what);
}

/* ------------------------------------------------------------------------------------ */
/* Table-driven mappings                                                                 */
/* ------------------------------------------------------------------------------------ */

/*
 * Parses one key's value into `ctx` (the struct the mapping fills). `key` is the dotted path
 * for messages ("events[2].meal"). Returns false after writing the error.
 */
typedef bool (*field_parser)(walker *w, const char *key, yaml_node_t *value, void *ctx);

typedef struct field_spec {
	const char *name;
	bool required;
	/* Keys sharing a nonzero group: exactly one of them must be given. */
	int one_of_group;
	field_parser parse;
} field_spec;

typedef struct mapping_spec {
	const char *what; /* "expected <what>" when the node is not a mapping */
	const field_spec *fields;
	size_t field_count;
} mapping_spec;

#define FIELDS(table) (table), (sizeof(table) / sizeof((table)[0]))

/* Key paths are for messages only: one too long for the buffer ends in "...". */
static void mark_if_truncated(char *buf, size_t len, int written)
{
	if ((written < 0 || (size_t)written >= len) && len >= 4)
		memcpy(buf + len - 4, "...", 4);
}

static void join_key_path(char *buf, size_t len, const char *parent, const char *name)
{
	mark_if_truncated(buf, len, snprintf(buf, len, "%s%s%s", parent, *parent ? "." : "", name));
}

/* "a, b, c": the names of the fields, or of those in one group (group 0 = all). */
static void list_fields(const mapping_spec *spec, int group, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < spec->field_count; i++) {
		if (group != 0 && spec->fields[i].one_of_group != group)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
		                 spec->fields[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/*
 * Checks a mapping against its spec, then parses its values. Order of checks: each key in
 * file order (scalar, known, not a duplicate); required keys; one-of groups; then values in
 * TABLE order, so a parser may rely on fields listed before it (events on start, duration).
 */
static bool walk_mapping(walker *w, const char *key, yaml_node_t *node, const mapping_spec *spec,
                         void *ctx)
{
	yaml_node_t *key_of[FIELDS_MAX] = {0}, *value_of[FIELDS_MAX] = {0};
	char names[256];

	assert(spec->field_count <= FIELDS_MAX);
	if (node->type != YAML_MAPPING_NODE)
		return fail_expected(w, key, node, spec->what);

	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);
		if (!is_scalar(k))
			return fail_expected(w, key, k, "a key name");
		const char *name = scalar_text(k);
		size_t i = 0;
		while (i < spec->field_count && (strcmp(spec->fields[i].name, name) != 0 ||
		                                 strlen(name) != k->data.scalar.length))
			i++; /* the length check: "patient\0x" is not 'patient' */
		if (i == spec->field_count) {
			suggestion sug = suggest_begin(name);
			for (size_t j = 0; j < spec->field_count; j++)
				suggest_consider(&sug, spec->fields[j].name);
			const char *maybe = suggest_result(&sug);
			list_fields(spec, 0, names, sizeof names);
			return fail(w, k->start_mark, key,
			            "unknown key '%s' (expected one of: %s)%s%s%s",
			            show_bare(k).text, names, maybe ? "; did you mean '" : "",
			            maybe ? maybe : "", maybe ? "'?" : "");
		}
		if (key_of[i] != NULL)
			return fail(w, k->start_mark, key,
			            "duplicate key '%s' (first given at line %zu, column %zu)",
			            show_bare(k).text, (size_t)key_of[i]->start_mark.line + 1,
			            (size_t)key_of[i]->start_mark.column + 1);
		key_of[i] = k;
		value_of[i] = v;
	}

	for (size_t i = 0; i < spec->field_count; i++)
		if (spec->fields[i].required && key_of[i] == NULL)
			return fail(w, node->start_mark, key, "missing required key '%s'",
			            spec->fields[i].name);

	for (size_t i = 0; i < spec->field_count; i++) {
		int group = spec->fields[i].one_of_group;
		if (group == 0)
			continue;
		const yaml_node_t *first = NULL;
		size_t first_index = 0;
		for (size_t j = 0; j < spec->field_count; j++) {
			if (spec->fields[j].one_of_group != group || key_of[j] == NULL)
				continue;
			/* The later-written key of a pair is the one to point at. */
			if (first == NULL) {
				first = key_of[j];
				first_index = j;
				continue;
			}
			const yaml_node_t *a = first, *b = key_of[j];
			const char *a_name = spec->fields[first_index].name;
			const char *b_name = spec->fields[j].name;
			if (b->start_mark.index < a->start_mark.index) {
				const yaml_node_t *t = a;
				a = b;
				b = t;
				const char *tn = a_name;
				a_name = b_name;
				b_name = tn;
			}
			list_fields(spec, group, names, sizeof names);
			return fail(w, b->start_mark, key,
			            "'%s' cannot be combined with '%s' (give exactly one of: %s)",
			            b_name, a_name, names);
		}
		if (first == NULL) {
			list_fields(spec, group, names, sizeof names);
			return fail(w, node->start_mark, key, "missing one of: %s", names);
		}
	}

	for (size_t i = 0; i < spec->field_count; i++) {
		if (key_of[i] == NULL)
			continue;
		char child[KEY_PATH_MAX];
		join_key_path(child, sizeof child, key, spec->fields[i].name);
		if (!spec->fields[i].parse(w, child, value_of[i], ctx))
			return false;
	}
	return true;
}

static bool expect_sequence(walker *w, const char *key, const yaml_node_t *n, const char *what,
                            size_t *out_count)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_expected(w, key, n, what);
	*out_count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return true;
}

static yaml_node_t *sequence_item(walker *w, const yaml_node_t *n, size_t i)
{
	return node_at(w, n->data.sequence.items.start[i]);
}

static void item_key_path(char *buf, size_t len, const char *parent, size_t index)
{
	mark_if_truncated(buf, len, snprintf(buf, len, "%s[%zu]", parent, index));
}

/* ------------------------------------------------------------------------------------ */
/* The format: one parser per key, one table per mapping                                 */
/* ------------------------------------------------------------------------------------ */

static bool parse_name(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	const char *what = "a one-line name";
	const char *t;
	if (!expect_text(w, key, v, what, &t))
		return false;
	if (*t == '\0' || strlen(t) > MAX_NAME_BYTES)
		return fail(w, v->start_mark, key,
		            "expected a one-line name of 1 to %d bytes, got %s", MAX_NAME_BYTES,
		            show(v).text);
	char *copy = strdup(t);
	if (copy == NULL)
		return fail(w, v->start_mark, key, "out of memory");
	free(s->name);
	s->name = copy;
	return true;
}

/*
 * The usual slips with patient names, "Adult#1" or "adult#01" for "adult#001": lower case,
 * number padded to three digits. NULL when that is no patient either.
 */
static const char *patient_by_loose_name(const char *t)
{
	char buf[32];
	size_t n = 0;
	for (; *t && *t != '#' && n < sizeof buf - 8; t++)
		buf[n++] = *t >= 'A' && *t <= 'Z' ? (char)(*t - 'A' + 'a') : *t;
	if (*t != '#')
		return NULL;
	t++;
	size_t digits = strspn(t, "0123456789");
	if (digits == 0 || t[digits] != '\0')
		return NULL;
	while (digits > 3 && *t == '0') {
		t++;
		digits--;
	}
	if (digits > 3)
		return NULL;
	buf[n++] = '#';
	for (size_t pad = digits; pad < 3; pad++)
		buf[n++] = '0';
	memcpy(buf + n, t, digits);
	buf[n + digits] = '\0';
	const patient_params *p = patient_params_find(buf);
	return p ? p->name : NULL;
}

static bool parse_patient(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	const char *t;
	if (!expect_text(w, key, v, "a patient name such as adult#001", &t))
		return false;
	s->patient = patient_params_find(t);
	if (s->patient != NULL)
		return true;
	const char *maybe = patient_by_loose_name(t);
	if (maybe == NULL) {
		suggestion sug = suggest_begin(t);
		for (size_t i = 0; i < patient_params_count(); i++)
			suggest_consider(&sug, patient_params_at(i)->name);
		maybe = suggest_result(&sug);
	}
	return fail(w, v->start_mark, key,
	            "unknown patient '%s'%s%s%s (run 'fakepump patients' to list the valid names)",
	            show_bare(v).text, maybe ? "; did you mean '" : "", maybe ? maybe : "",
	            maybe ? "'?" : "");
}

static bool parse_duration_key(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return expect_duration(w, key, v, &s->duration_min);
}

static bool parse_start(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	int day;
	return expect_clock(w, key, v, false, &day, &s->start_min_of_day);
}

static bool parse_seed(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	uint64_t seed = 0;
	if (!expect_integer_in_range(w, key, v, 0, UINT32_MAX, &seed))
		return false;
	s->seed = (uint32_t)seed;
	return true;
}

/* --- cgm ------------------------------------------------------------------------------ */

static bool parse_cgm_model(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	char names[128];
	size_t used = 0;
	names[0] = '\0';
	for (int m = 0; m < CGM_MODEL_COUNT; m++) {
		const cgm_params *p = cgm_params_for((cgm_model)m);
		if (p == NULL || p->name == NULL)
			continue;
		int n =
		    snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", p->name);
		if (n < 0 || (size_t)n >= sizeof names - used)
			break;
		used += (size_t)n;
	}
	char what[160];
	snprintf(what, sizeof what, "a CGM model (one of: %s)", names);
	const char *t;
	if (!expect_text(w, key, v, what, &t))
		return false;
	if (cgm_model_from_name(t, &s->cgm))
		return true;
	suggestion sug = suggest_begin(t);
	for (int m = 0; m < CGM_MODEL_COUNT; m++) {
		const cgm_params *p = cgm_params_for((cgm_model)m);
		if (p != NULL && p->name != NULL)
			suggest_consider(&sug, p->name);
	}
	const char *maybe = suggest_result(&sug);
	return fail(w, v->start_mark, key, "expected %s, got %s%s%s%s", what, show(v).text,
	            maybe ? "; did you mean '" : "", maybe ? maybe : "", maybe ? "'?" : "");
}

static bool parse_cgm_interval(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	int64_t minutes;
	if (!expect_duration(w, key, v, &minutes))
		return false;
	if (minutes > MAX_CGM_INTERVAL_MIN)
		return fail(w, v->start_mark, key, "expected 1m to %dm, got %s",
		            MAX_CGM_INTERVAL_MIN, show(v).text);
	s->cgm_interval_min = (int)minutes;
	return true;
}

static const field_spec cgm_fields[] = {
    {.name = "model", .parse = parse_cgm_model},
    {.name = "interval", .parse = parse_cgm_interval},
};

static const mapping_spec cgm_spec = {
    .what = "a mapping such as {model: dexcom, interval: 5m}",
    FIELDS(cgm_fields),
};

static bool parse_cgm(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &cgm_spec, ctx);
}

/* --- pump ----------------------------------------------------------------------------- */

static const number_range basal_rate_range = {
    .what = "a rate in U/h", .lo = 0.0, .hi = MAX_BASAL_U_PER_H, .lo_open = false};

/* One item of a basal program while it is read. */
typedef struct basal_draft {
	scenario_basal_segment segment;
	const yaml_node_t *at_node;
} basal_draft;

static bool parse_segment_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	basal_draft *d = ctx;
	int day;
	d->at_node = v;
	return expect_clock(w, key, v, false, &day, &d->segment.start_min_of_day);
}

static bool parse_segment_rate(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	basal_draft *d = ctx;
	return expect_number_in_range(w, key, v, &basal_rate_range, &d->segment.rate_u_per_h);
}

static const field_spec basal_segment_fields[] = {
    {.name = "at", .required = true, .parse = parse_segment_at},
    {.name = "rate", .required = true, .parse = parse_segment_rate},
};

static const mapping_spec basal_segment_spec = {
    .what = "a segment such as {at: \"06:00\", rate: 0.8}",
    FIELDS(basal_segment_fields),
};

static bool parse_basal_program(walker *w, const char *key, yaml_node_t *v, scenario *s)
{
	size_t count = 0;
	if (!expect_sequence(w, key, v, "a list of segments", &count))
		return false;
	if (count == 0)
		return fail(w, v->start_mark, key,
		            "expected 1 to %d segments, got an empty list (for no basal at all "
		            "write basal: 0)",
		            SCENARIO_MAX_BASAL_SEGMENTS);
	if (count > SCENARIO_MAX_BASAL_SEGMENTS)
		return fail(w, sequence_item(w, v, SCENARIO_MAX_BASAL_SEGMENTS)->start_mark, key,
		            "expected at most %d segments, got %zu", SCENARIO_MAX_BASAL_SEGMENTS,
		            count);
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX], at_key[KEY_PATH_MAX];
		item_key_path(item_key, sizeof item_key, key, i);
		basal_draft d = {.at_node = NULL};
		if (!walk_mapping(w, item_key, sequence_item(w, v, i), &basal_segment_spec, &d))
			return false;
		join_key_path(at_key, sizeof at_key, item_key, "at");
		int start = d.segment.start_min_of_day;
		if (i == 0 && start != 0)
			return fail(
			    w, d.at_node->start_mark, at_key,
			    "expected 00:00 for the first segment (a basal program covers the "
			    "whole day), got %s",
			    show(d.at_node).text);
		if (i > 0 && start <= s->basal_segments[i - 1].start_min_of_day)
			return fail(
			    w, d.at_node->start_mark, at_key,
			    "expected a time after %s (segments in increasing order), got %s",
			    format_clock(s->basal_segments[i - 1].start_min_of_day).text,
			    show(d.at_node).text);
		s->basal_segments[i] = d.segment;
	}
	s->basal_kind = SCENARIO_BASAL_PROGRAM;
	s->basal_segment_count = count;
	return true;
}

static bool parse_basal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (v->type == YAML_SEQUENCE_NODE)
		return parse_basal_program(w, key, v, s);
	if (is_scalar(v) && strcmp(scalar_text(v), "steady-state") == 0) {
		s->basal_kind = SCENARIO_BASAL_STEADY_STATE;
		s->basal_segment_count = 0;
		return true;
	}
	if (classify_number(v) != NOT_A_NUMBER) {
		double rate;
		if (!expect_number_in_range(w, key, v, &basal_rate_range, &rate))
			return false;
		s->basal_kind = SCENARIO_BASAL_PROGRAM;
		s->basal_segment_count = 1;
		s->basal_segments[0] =
		    (scenario_basal_segment){.start_min_of_day = 0, .rate_u_per_h = rate};
		return true;
	}
	const char *what = "steady-state, a rate in U/h (0 to 35) or a list of {at, rate}";
	if (is_quoted_number(v))
		return fail(w, v->start_mark, key,
		            "expected %s, got %s (a quoted string; write numbers without quotes)",
		            what, show(v).text);
	if (is_scalar(v)) {
		suggestion sug = suggest_begin(scalar_text(v));
		suggest_consider(&sug, "steady-state");
		const char *maybe = suggest_result(&sug);
		if (maybe != NULL)
			return fail(w, v->start_mark, key,
			            "expected %s, got %s; did you mean '%s'?", what, show(v).text,
			            maybe);
	}
	return fail_expected(w, key, v, what);
}

static bool parse_bolus_speed(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	static const number_range speed = {.what = "instant or a speed in U/min",
	                                   .lo = 0.0,
	                                   .hi = MAX_BOLUS_SPEED_U_PER_MIN,
	                                   .lo_open = true};
	if (is_scalar(v) && strcmp(scalar_text(v), "instant") == 0) {
		s->bolus_speed_u_per_min = 0.0;
		return true;
	}
	return expect_number_in_range(w, key, v, &speed, &s->bolus_speed_u_per_min);
}

/* A positive amount of some unit (lo exclusive), with the range in the message. */
static bool parse_number_into(walker *w, const char *key, yaml_node_t *v, double lo, double hi,
                              bool lo_open, const char *what, double *out)
{
	const number_range r = {.what = what, .lo = lo, .hi = hi, .lo_open = lo_open};
	return expect_number_in_range(w, key, v, &r, out);
}

/* A duration in whole minutes between lo and hi. */
static bool parse_minutes_into(walker *w, const char *key, yaml_node_t *v, int64_t lo, int64_t hi,
                               int *out)
{
	int64_t minutes;
	if (!expect_duration(w, key, v, &minutes))
		return false;
	if (minutes < lo || minutes > hi)
		return fail(w, v->start_mark, key, "expected %lldm to %lldm, got %s", (long long)lo,
		            (long long)hi, show(v).text);
	*out = (int)minutes;
	return true;
}

/* "on"/"off", "true"/"false", "yes"/"no" (YAML 1.1 booleans people write). */
static bool expect_bool(walker *w, const char *key, const yaml_node_t *n, bool *out)
{
	static const char *const yes[] = {"true", "on", "yes"}, *const no[] = {"false", "off", "no"};
	if (is_scalar(n) && is_plain(n)) {
		for (size_t i = 0; i < 3; i++) {
			if (ascii_equal_nocase(scalar_text(n), yes[i])) {
				*out = true;
				return true;
			}
			if (ascii_equal_nocase(scalar_text(n), no[i])) {
				*out = false;
				return true;
			}
		}
	}
	return fail_expected(w, key, n, "true or false");
}

#define PUMP_NUMBER_PARSER(fn, field, lo, hi, lo_open, what)                                  \
	static bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                  \
	{                                                                                      \
		scenario *s = ctx;                                                             \
		return parse_number_into(w, key, v, lo, hi, lo_open, what, &s->pump.field);    \
	}

PUMP_NUMBER_PARSER(parse_pulse, pulse_u, 0.0, 1.0, true, "a pulse in U")
PUMP_NUMBER_PARSER(parse_reservoir, reservoir_u, 0.0, 1000.0, false, "a fill in U")
PUMP_NUMBER_PARSER(parse_reservoir_low, reservoir_low_u, 0.0, 1000.0, false, "an amount in U")
PUMP_NUMBER_PARSER(parse_battery, battery_pct, 0.0, 100.0, false, "a charge in %")
PUMP_NUMBER_PARSER(parse_battery_low, battery.low_pct, 0.0, 100.0, false, "a charge in %")
PUMP_NUMBER_PARSER(parse_battery_drain, battery.drain_pct_per_h, 0.0, 100.0, false,
                   "a drain in %/h")
PUMP_NUMBER_PARSER(parse_occlusion_threshold, occlusion_threshold_u, 0.0, 50.0, true,
                   "missed insulin in U")
PUMP_NUMBER_PARSER(parse_carb_ratio, carb_ratio_g_per_u, 0.0, 500.0, true, "a ratio in g/U")
PUMP_NUMBER_PARSER(parse_correction_factor, correction_factor_mgdl_per_u, 0.0, 1000.0, true,
                   "a factor in mg/dL per U")
PUMP_NUMBER_PARSER(parse_target, target_mgdl, 40.0, 400.0, false, "a glucose in mg/dL")
PUMP_NUMBER_PARSER(parse_max_bolus, limits.max_bolus_u, 0.0, 100.0, true, "a dose in U")
PUMP_NUMBER_PARSER(parse_max_basal, limits.max_basal_u_per_h, 0.0, MAX_BASAL_U_PER_H, false,
                   "a rate in U/h")
PUMP_NUMBER_PARSER(parse_max_daily, limits.max_daily_u, 0.0, 500.0, true, "a total in U")
PUMP_NUMBER_PARSER(parse_max_iob, limits.max_iob_u, 0.0, 200.0, true, "an amount in U")
PUMP_NUMBER_PARSER(parse_lgs_suspend_below, lgs.suspend_below_mgdl, 0.0, 200.0, false,
                   "a glucose in mg/dL (0 = off)")
PUMP_NUMBER_PARSER(parse_lgs_predict_below, lgs.predict_below_mgdl, 0.0, 200.0, false,
                   "a glucose in mg/dL")
PUMP_NUMBER_PARSER(parse_lgs_resume_above, lgs.resume_above_mgdl, 0.0, 300.0, false,
                   "a glucose in mg/dL")

static bool parse_insulin_duration(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return parse_minutes_into(w, key, v, 60, 24 * 60, &s->pump.insulin_action_min);
}

static bool parse_insulin_peak(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return parse_minutes_into(w, key, v, 1, 12 * 60, &s->pump.insulin_peak_min);
}

static const field_spec insulin_action_fields[] = {
    {.name = "duration", .parse = parse_insulin_duration},
    {.name = "peak", .parse = parse_insulin_peak},
};

static const mapping_spec insulin_action_spec = {
    .what = "a mapping such as {duration: 5h, peak: 75m}",
    FIELDS(insulin_action_fields),
};

static bool parse_insulin_action(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &insulin_action_spec, ctx);
}

static const field_spec calculator_fields[] = {
    {.name = "carb_ratio", .parse = parse_carb_ratio},
    {.name = "correction_factor", .parse = parse_correction_factor},
    {.name = "target", .parse = parse_target},
};

static const mapping_spec calculator_spec = {
    .what = "a mapping such as {carb_ratio: 10, correction_factor: 50, target: 110}",
    FIELDS(calculator_fields),
};

static bool parse_bolus_calculator(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &calculator_spec, ctx);
}

static bool parse_min_bolus_interval(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (classify_number(v) == NUMBER_FINITE && strtod_c_locale(scalar_text(v)) == 0.0) {
		s->pump.limits.min_bolus_interval_min = 0;
		return true;
	}
	return parse_minutes_into(w, key, v, 1, 24 * 60, &s->pump.limits.min_bolus_interval_min);
}

static const field_spec limits_fields[] = {
    {.name = "max_bolus", .parse = parse_max_bolus},
    {.name = "max_basal", .parse = parse_max_basal},
    {.name = "max_daily", .parse = parse_max_daily},
    {.name = "max_iob", .parse = parse_max_iob},
    {.name = "min_bolus_interval", .parse = parse_min_bolus_interval},
};

static const mapping_spec limits_spec = {
    .what = "a mapping such as {max_bolus: 10, max_basal: 3, max_daily: 80}",
    FIELDS(limits_fields),
};

static bool parse_limits(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &limits_spec, ctx);
}

static bool parse_lgs_predictive(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return expect_bool(w, key, v, &s->pump.lgs.predictive);
}

static bool parse_lgs_horizon(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return parse_minutes_into(w, key, v, 5, 120, &s->pump.lgs.horizon_min);
}

static bool parse_lgs_max_suspend(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return parse_minutes_into(w, key, v, 15, 24 * 60, &s->pump.lgs.max_suspend_min);
}

static const field_spec lgs_fields[] = {
    {.name = "suspend_below", .parse = parse_lgs_suspend_below},
    {.name = "predictive", .parse = parse_lgs_predictive},
    {.name = "predict_below", .parse = parse_lgs_predict_below},
    {.name = "horizon", .parse = parse_lgs_horizon},
    {.name = "resume_above", .parse = parse_lgs_resume_above},
    {.name = "max_suspend", .parse = parse_lgs_max_suspend},
};

static const mapping_spec lgs_spec = {
    .what = "on, off, or a mapping such as {suspend_below: 70, predictive: true}",
    FIELDS(lgs_fields),
};

static bool parse_low_glucose_protection(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (v->type == YAML_MAPPING_NODE) {
		s->pump.lgs.enabled = true;
		return walk_mapping(w, key, v, &lgs_spec, ctx);
	}
	if (is_scalar(v)) {
		bool on;
		if (!expect_bool(w, key, v, &on))
			return false;
		s->pump.lgs.enabled = on;
		return true;
	}
	return fail_expected(w, key, v, lgs_spec.what);
}

static const field_spec pump_fields[] = {
    {.name = "basal", .parse = parse_basal},
    {.name = "bolus_speed", .parse = parse_bolus_speed},
    {.name = "pulse", .parse = parse_pulse},
    {.name = "reservoir", .parse = parse_reservoir},
    {.name = "reservoir_low", .parse = parse_reservoir_low},
    {.name = "battery", .parse = parse_battery},
    {.name = "battery_low", .parse = parse_battery_low},
    {.name = "battery_drain", .parse = parse_battery_drain},
    {.name = "occlusion_threshold", .parse = parse_occlusion_threshold},
    {.name = "insulin_action", .parse = parse_insulin_action},
    {.name = "bolus_calculator", .parse = parse_bolus_calculator},
    {.name = "limits", .parse = parse_limits},
    {.name = "low_glucose_protection", .parse = parse_low_glucose_protection},
};

static const mapping_spec pump_spec = {
    .what = "a mapping such as {basal: steady-state, bolus_speed: instant}",
    FIELDS(pump_fields),
};

/*
 * The pump as it will run: the written basal and speed, the patient's own carb ratio and
 * correction factor unless given; then the pump's own consistency check.
 */
static const char *resolve_pump(scenario *s)
{
	pump_config *c = &s->pump;
	c->start_min_of_day = s->start_min_of_day;
	c->bolus_speed_u_per_min = s->bolus_speed_u_per_min;
	if (s->basal_kind == SCENARIO_BASAL_STEADY_STATE) {
		c->steady_basal_u_per_min = patient_basal_u_per_min(s->patient);
		c->basal_segment_count = 0;
	} else {
		c->steady_basal_u_per_min = 0.0;
		c->basal_segment_count = s->basal_segment_count;
		for (size_t i = 0; i < s->basal_segment_count; i++) {
			c->basal_segments[i].start_min_of_day = s->basal_segments[i].start_min_of_day;
			c->basal_segments[i].rate_u_per_h = s->basal_segments[i].rate_u_per_h;
		}
	}
	if (isnan(c->carb_ratio_g_per_u))
		c->carb_ratio_g_per_u = s->patient->carb_ratio_g_per_u;
	if (isnan(c->correction_factor_mgdl_per_u))
		c->correction_factor_mgdl_per_u = s->patient->correction_factor_mgdl_per_u;
	s->pump_resolved = true;
	return pump_config_check(c);
}

static bool parse_pump(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (!walk_mapping(w, key, v, &pump_spec, ctx))
		return false;
	const char *problem = resolve_pump(s);
	if (problem)
		return fail(w, v->start_mark, key, "inconsistent pump settings: %s", problem);
	return true;
}

/* --- events --------------------------------------------------------------------------- */

/* One event while it is read: the clock time is turned into minutes once all is known. */
typedef struct event_draft {
	scenario_event event;
	int day, min_of_day;
	const yaml_node_t *at_node;
	const yaml_node_t *item_node;
	const yaml_node_t *type_node, *extended_node, *duration_node, *drain_node;
} event_draft;

enum { EVENT_KIND_GROUP = 1 };

static bool parse_event_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->at_node = v;
	return expect_clock(w, key, v, true, &d->day, &d->min_of_day);
}

static bool parse_event_meal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const number_range meal = {
	    .what = "grams of carbohydrate", .lo = 0.0, .hi = MAX_MEAL_G, .lo_open = true};
	d->event.kind = SCENARIO_EVENT_MEAL;
	return expect_number_in_range(w, key, v, &meal, &d->event.amount);
}

static bool parse_event_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const number_range bolus = {
	    .what = "units of insulin", .lo = 0.0, .hi = MAX_BOLUS_U, .lo_open = true};
	d->event.kind = SCENARIO_EVENT_BOLUS;
	return expect_number_in_range(w, key, v, &bolus, &d->event.amount);
}

static bool parse_event_calculated_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_CALCULATED_BOLUS;
	return parse_number_into(w, key, v, 0.0, MAX_MEAL_G, false, "grams of carbohydrate",
	                         &d->event.amount);
}

/* "0.5" (U/h) or "50%" (of the programmed rate). */
static bool parse_event_temp_basal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_TEMP_BASAL;
	const char *what = "a rate in U/h (0 to 35) or a percentage such as 50%";
	if (is_scalar(v) && is_plain(v)) {
		const char *t = scalar_text(v);
		size_t len = strlen(t);
		if (len >= 2 && t[len - 1] == '%') {
			char number[32];
			if (len - 1 < sizeof number) {
				memcpy(number, t, len - 1);
				number[len - 1] = '\0';
				if (classify_number_text(number) == NUMBER_FINITE) {
					double pct = strtod_c_locale(number);
					if (pct >= 0.0 && pct <= 250.0) {
						d->event.relative = true;
						d->event.amount = pct;
						return true;
					}
					return fail_expected(w, key, v, "a percentage 0% to 250%");
				}
			}
			return fail_expected(w, key, v, what);
		}
	}
	return parse_number_into(w, key, v, 0.0, MAX_BASAL_U_PER_H, false, what, &d->event.amount);
}

/* Keys that take no value: `{at: "08:00", suspend}` or `suspend: true`. */
static bool expect_flag(walker *w, const char *key, const yaml_node_t *v)
{
	bool on = true;
	if (is_scalar(v) && (is_null_word(scalar_text(v)) || v->data.scalar.length == 0))
		return true;
	if (!expect_bool(w, key, v, &on))
		return false;
	if (!on)
		return fail(w, v->start_mark, key, "expected true (or no value), got %s",
		            show(v).text);
	return true;
}

#define EVENT_FLAG_PARSER(fn, kind_value)                                                    \
	static bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                  \
	{                                                                                      \
		event_draft *d = ctx;                                                          \
		d->event.kind = kind_value;                                                    \
		return expect_flag(w, key, v);                                                 \
	}

EVENT_FLAG_PARSER(parse_event_cancel_bolus, SCENARIO_EVENT_CANCEL_BOLUS)
EVENT_FLAG_PARSER(parse_event_cancel_temp_basal, SCENARIO_EVENT_CANCEL_TEMP_BASAL)
EVENT_FLAG_PARSER(parse_event_suspend, SCENARIO_EVENT_SUSPEND)
EVENT_FLAG_PARSER(parse_event_resume, SCENARIO_EVENT_RESUME)
EVENT_FLAG_PARSER(parse_event_stop, SCENARIO_EVENT_STOP)
EVENT_FLAG_PARSER(parse_event_change_battery, SCENARIO_EVENT_CHANGE_BATTERY)

#define EVENT_AMOUNT_PARSER(fn, kind_value, lo, hi, what)                                     \
	static bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                  \
	{                                                                                      \
		event_draft *d = ctx;                                                          \
		d->event.kind = kind_value;                                                    \
		return parse_number_into(w, key, v, lo, hi, true, what, &d->event.amount);     \
	}

EVENT_AMOUNT_PARSER(parse_event_prime, SCENARIO_EVENT_PRIME, 0.0, 30.0, "units to prime")
EVENT_AMOUNT_PARSER(parse_event_fill, SCENARIO_EVENT_FILL, 0.0, 1000.0, "units in the reservoir")
EVENT_AMOUNT_PARSER(parse_event_refill, SCENARIO_EVENT_REFILL, 0.0, 1000.0,
                    "units in the new reservoir")

static bool parse_event_fault(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_FAULT;
	const char *t;
	if (!expect_text(w, key, v, "a fault: occlusion, occlusion_cleared, battery_drain or "
	                             "reservoir_empty",
	                 &t))
		return false;
	if (pump_fault_from_name(t, &d->event.fault))
		return true;
	suggestion sug = suggest_begin(t);
	for (int f = 0; f < PUMP_FAULT_COUNT; f++)
		suggest_consider(&sug, pump_fault_name((pump_fault)f));
	const char *maybe = suggest_result(&sug);
	return fail(w, v->start_mark, key,
	            "expected a fault: occlusion, occlusion_cleared, battery_drain or "
	            "reservoir_empty, got %s%s%s%s",
	            show(v).text, maybe ? "; did you mean '" : "", maybe ? maybe : "",
	            maybe ? "'?" : "");
}

static bool parse_event_confirm(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_CONFIRM;
	const char *what = "an annunciation (occlusion, reservoir_low, battery_low, …) or all";
	const char *t;
	if (!expect_text(w, key, v, what, &t))
		return false;
	if (strcmp(t, "all") == 0) {
		d->event.confirm_all = true;
		return true;
	}
	if (pump_annunciation_from_name(t, &d->event.annunciation))
		return true;
	return fail_expected(w, key, v, what);
}

static bool parse_event_type(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	const char *t;
	const char *what = "a bolus type: normal, extended or multiwave";
	if (!expect_text(w, key, v, what, &t))
		return false;
	if (strcmp(t, "normal") == 0)
		d->event.bolus_type = PUMP_BOLUS_NORMAL;
	else if (strcmp(t, "extended") == 0)
		d->event.bolus_type = PUMP_BOLUS_EXTENDED;
	else if (strcmp(t, "multiwave") == 0 || strcmp(t, "dual") == 0)
		d->event.bolus_type = PUMP_BOLUS_MULTIWAVE;
	else
		return fail_expected(w, key, v, what);
	d->type_node = v;
	return true;
}

static bool parse_event_extended(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->extended_node = v;
	return parse_number_into(w, key, v, 0.0, MAX_BOLUS_U, true, "units of insulin",
	                         &d->event.extended_u);
}

static bool parse_event_duration(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->duration_node = v;
	return parse_minutes_into(w, key, v, 1, 24 * 60, &d->event.duration_min);
}

static bool parse_event_drain(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->drain_node = v;
	return parse_number_into(w, key, v, 0.0, 1000.0, true, "a drain in %/h", &d->event.amount);
}

static const field_spec event_fields[] = {
    {.name = "at", .required = true, .parse = parse_event_at},
    {.name = "meal", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_meal},
    {.name = "bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_bolus},
    {.name = "calculated_bolus", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_calculated_bolus},
    {.name = "temp_basal", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_temp_basal},
    {.name = "cancel_bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_cancel_bolus},
    {.name = "cancel_temp_basal", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_cancel_temp_basal},
    {.name = "suspend", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_suspend},
    {.name = "resume", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_resume},
    {.name = "stop", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_stop},
    {.name = "prime", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_prime},
    {.name = "fill", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_fill},
    {.name = "refill", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_refill},
    {.name = "change_battery", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_change_battery},
    {.name = "fault", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_fault},
    {.name = "confirm", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_confirm},
    /* modifiers, checked against the kind after parsing */
    {.name = "type", .parse = parse_event_type},
    {.name = "extended", .parse = parse_event_extended},
    {.name = "duration", .parse = parse_event_duration},
    {.name = "drain", .parse = parse_event_drain},
};

static const mapping_spec event_spec = {
    .what = "an event such as {at: \"07:00\", meal: 50}",
    FIELDS(event_fields),
};

static const char *const event_kind_names[SCENARIO_EVENT_KIND_COUNT] = {
    [SCENARIO_EVENT_MEAL] = "meal",
    [SCENARIO_EVENT_BOLUS] = "bolus",
    [SCENARIO_EVENT_CALCULATED_BOLUS] = "calculated_bolus",
    [SCENARIO_EVENT_TEMP_BASAL] = "temp_basal",
    [SCENARIO_EVENT_CANCEL_BOLUS] = "cancel_bolus",
    [SCENARIO_EVENT_CANCEL_TEMP_BASAL] = "cancel_temp_basal",
    [SCENARIO_EVENT_SUSPEND] = "suspend",
    [SCENARIO_EVENT_RESUME] = "resume",
    [SCENARIO_EVENT_STOP] = "stop",
    [SCENARIO_EVENT_PRIME] = "prime",
    [SCENARIO_EVENT_FILL] = "fill",
    [SCENARIO_EVENT_REFILL] = "refill",
    [SCENARIO_EVENT_CHANGE_BATTERY] = "change_battery",
    [SCENARIO_EVENT_FAULT] = "fault",
    [SCENARIO_EVENT_CONFIRM] = "confirm",
};

const char *scenario_event_kind_name(scenario_event_kind k)
{
	return (unsigned)k < SCENARIO_EVENT_KIND_COUNT ? event_kind_names[k] : "event";
}

/* Modifiers belong to some kinds only; a bolus type needs its parts. */
static bool check_event_modifiers(walker *w, const char *item_key, event_draft *d)
{
	scenario_event *e = &d->event;
	const char *kind = scenario_event_kind_name(e->kind);
	char key[KEY_PATH_MAX];
	const bool is_bolus = e->kind == SCENARIO_EVENT_BOLUS;
	if (d->type_node && !is_bolus) {
		join_key_path(key, sizeof key, item_key, "type");
		return fail(w, d->type_node->start_mark, key, "'type' goes with a bolus, not a %s",
		            kind);
	}
	if (d->extended_node && !(is_bolus && e->bolus_type == PUMP_BOLUS_MULTIWAVE)) {
		join_key_path(key, sizeof key, item_key, "extended");
		return fail(w, d->extended_node->start_mark, key,
		            "'extended' goes with a bolus of type multiwave (the extended part)");
	}
	if (d->drain_node &&
	    !(e->kind == SCENARIO_EVENT_FAULT && e->fault == PUMP_FAULT_BATTERY_DRAIN)) {
		join_key_path(key, sizeof key, item_key, "drain");
		return fail(w, d->drain_node->start_mark, key,
		            "'drain' goes with fault: battery_drain");
	}
	const bool timed_bolus = is_bolus && e->bolus_type != PUMP_BOLUS_NORMAL;
	if (d->duration_node && !timed_bolus && e->kind != SCENARIO_EVENT_TEMP_BASAL) {
		join_key_path(key, sizeof key, item_key, "duration");
		return fail(w, d->duration_node->start_mark, key,
		            "'duration' goes with a temp_basal or an extended or multiwave bolus");
	}
	if ((timed_bolus || e->kind == SCENARIO_EVENT_TEMP_BASAL) && !d->duration_node)
		return fail(w, d->item_node->start_mark, item_key,
		            "a %s%s needs a duration (e.g. duration: 2h)",
		            timed_bolus ? (e->bolus_type == PUMP_BOLUS_EXTENDED ? "extended " : "multiwave ")
		                        : "",
		            kind);
	if (is_bolus && e->bolus_type == PUMP_BOLUS_MULTIWAVE && !d->extended_node)
		return fail(w, d->item_node->start_mark, item_key,
		            "a multiwave bolus needs its extended part (e.g. extended: 3)");
	return true;
}

/* "meal of 50 g" / "bolus of 5 U", for messages that must name the event. */
static void describe_event(const scenario_event *e, char *buf, size_t len)
{
	switch (e->kind) {
	case SCENARIO_EVENT_MEAL:
		snprintf(buf, len, "meal of %g g", e->amount);
		return;
	case SCENARIO_EVENT_BOLUS:
		snprintf(buf, len, "bolus of %g U", e->amount + e->extended_u);
		return;
	default:
		snprintf(buf, len, "%s", scenario_event_kind_name(e->kind));
		return;
	}
}

/* Stable: insertion sort keeps file order for equal times and is linear on sorted input. */
static void sort_events(scenario_event *events, size_t count)
{
	for (size_t i = 1; i < count; i++) {
		scenario_event e = events[i];
		size_t j = i;
		while (j > 0 && events[j - 1].at_min > e.at_min) {
			events[j] = events[j - 1];
			j--;
		}
		events[j] = e;
	}
}

static bool parse_events(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	size_t count = 0;
	if (!expect_sequence(w, key, v, "a list of events", &count))
		return false;
	if (count == 0)
		return true;
	s->events = calloc(count, sizeof *s->events);
	if (s->events == NULL)
		return fail(w, v->start_mark, key, "out of memory for %zu events", count);
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX], at_key[KEY_PATH_MAX], what[64];
		yaml_node_t *item = sequence_item(w, v, i);
		item_key_path(item_key, sizeof item_key, key, i);
		event_draft d = {.item_node = item};
		if (!walk_mapping(w, item_key, item, &event_spec, &d) ||
		    !check_event_modifiers(w, item_key, &d))
			return false;
		join_key_path(at_key, sizeof at_key, item_key, "at");
		describe_event(&d.event, what, sizeof what);
		int64_t clock_min = (int64_t)(d.day - 1) * MIN_PER_DAY + d.min_of_day;
		int64_t at_min = clock_min - s->start_min_of_day;
		if (at_min < 0)
			return fail(
			    w, d.at_node->start_mark, at_key,
			    "%s at %s is before the start %s (t = %lld min; event times are "
			    "clock times, use dN HH:MM for later days)",
			    what, show_bare(d.at_node).text, format_clock(s->start_min_of_day).text,
			    (long long)at_min);
		if (at_min >= s->duration_min)
			return fail(
			    w, d.at_node->start_mark, at_key,
			    "%s at %s is at or after the end (t = %lld min, duration %lld min: "
			    "the scenario ends at %s)",
			    what, show_bare(d.at_node).text, (long long)at_min,
			    (long long)s->duration_min,
			    format_clock(s->start_min_of_day + s->duration_min).text);
		d.event.at_min = at_min;
		d.event.line = (int)item->start_mark.line + 1;
		d.event.column = (int)item->start_mark.column + 1;
		s->events[i] = d.event;
		s->event_count = i + 1;
	}
	sort_events(s->events, s->event_count);
	return true;
}

/* --- the document --------------------------------------------------------------------- */

/* Table order is parse order: events come after start and duration, which they use. */
static const field_spec scenario_fields[] = {
    {.name = "name", .parse = parse_name},
    {.name = "patient", .required = true, .parse = parse_patient},
    {.name = "duration", .required = true, .parse = parse_duration_key},
    {.name = "start", .parse = parse_start},
    {.name = "seed", .parse = parse_seed},
    {.name = "cgm", .parse = parse_cgm},
    {.name = "pump", .parse = parse_pump},
    {.name = "events", .parse = parse_events},
};

static const mapping_spec scenario_spec = {
    .what = "a mapping of scenario keys (patient, duration, ...)",
    FIELDS(scenario_fields),
};

/* ------------------------------------------------------------------------------------ */
/* Loading                                                                               */
/* ------------------------------------------------------------------------------------ */

PRINTF_LIKE(2, 3)
static bool fail_plain(scenario_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}

/* 1-based line and column of a byte offset (columns count characters, as libyaml does). */
static void offset_to_line_column(const char *text, size_t len, size_t offset, size_t *line,
                                  size_t *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*column)++;
		}
	}
}

/* libyaml's own problem, at its mark: the file is not YAML at all. */
static bool fail_yaml(const yaml_parser_t *p, const char *path, const char *text, size_t len,
                      scenario_error *err)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_plain(err, "%s: out of memory while reading YAML", path);
	case YAML_READER_ERROR: {
		size_t line, column;
		offset_to_line_column(text, len, p->problem_offset, &line, &column);
		if (p->problem_value != -1)
			return fail_plain(err,
			                  "%s:%zu:%zu: not readable as YAML text: %s (byte 0x%02X)",
			                  path, line, column, problem, (unsigned)p->problem_value);
		return fail_plain(err, "%s:%zu:%zu: not readable as YAML text: %s", path, line,
		                  column, problem);
	}
	default:
		break;
	}
	size_t line = (size_t)p->problem_mark.line + 1, column = (size_t)p->problem_mark.column + 1;
	if (p->context != NULL)
		return fail_plain(err,
		                  "%s:%zu:%zu: YAML syntax error: %s (%s started at line %zu, "
		                  "column %zu)",
		                  path, line, column, problem, p->context,
		                  (size_t)p->context_mark.line + 1,
		                  (size_t)p->context_mark.column + 1);
	return fail_plain(err, "%s:%zu:%zu: YAML syntax error: %s", path, line, column, problem);
}

/* Base name without directories and without its last extension: "a/meal-day.yaml" -> "meal-day". */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (len == 0)
		return strdup("scenario");
	char *name = malloc(len + 1);
	if (name != NULL) {
		memcpy(name, base, len);
		name[len] = '\0';
	}
	return name;
}

/* Fills `s` from the parser's first document; false with `err` filled otherwise. */
static bool load_document(yaml_parser_t *parser, const char *text, size_t len, const char *path,
                          scenario *s, scenario_error *err)
{
	yaml_document_t doc, extra;
	if (!yaml_parser_load(parser, &doc))
		return fail_yaml(parser, path, text, len, err);

	bool ok = false;
	walker w = {.doc = &doc, .path = path, .err = err};
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		fail_plain(err,
		           "%s:1:1: empty scenario (expected a mapping with at least the keys "
		           "patient and duration)",
		           path);
		goto out;
	}
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(parser, &extra)) {
		fail_yaml(parser, path, text, len, err);
		goto out;
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	yaml_mark_t extra_mark = extra.start_mark;
	yaml_document_delete(&extra);
	if (extra_root != NULL) {
		fail(&w, extra_mark, "", "a scenario file holds one YAML document; found a second");
		goto out;
	}
	ok = walk_mapping(&w, "", root, &scenario_spec, s);
	if (ok && !s->pump_resolved) {
		const char *problem = resolve_pump(s);
		if (problem)
			ok = fail(&w, root->start_mark, "pump", "inconsistent pump settings: %s",
			          problem);
	}
out:
	yaml_document_delete(&doc);
	return ok;
}

bool scenario_load_string(const char *text, size_t len, const char *path, scenario *out,
                          scenario_error *err)
{
	assert(out != NULL && err != NULL);
	if (path == NULL)
		path = "<string>";
	if (text == NULL) {
		assert(len == 0);
		text = "";
	}
	err->message[0] = '\0';
	memset(out, 0, sizeof *out);

	scenario s = {
	    .start_min_of_day = 0,
	    .seed = 0,
	    .cgm = CGM_IDEAL,
	    .cgm_interval_min = 0,
	    .basal_kind = SCENARIO_BASAL_STEADY_STATE,
	    .bolus_speed_u_per_min = DEFAULT_BOLUS_SPEED_U_PER_MIN,
	};
	pump_config_defaults(&s.pump);
	/* Unless the file says otherwise, the bolus calculator uses the patient's own. */
	s.pump.carb_ratio_g_per_u = NAN;
	s.pump.correction_factor_mgdl_per_u = NAN;
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return fail_plain(err, "%s: out of memory", path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	bool ok = load_document(&parser, text, len, path, &s, err);
	yaml_parser_delete(&parser);

	if (ok) {
		s.path = strdup(path);
		if (s.name == NULL)
			s.name = default_name(path);
		if (s.path == NULL || s.name == NULL)
			ok = fail_plain(err, "%s: out of memory", path);
	}
	if (!ok) {
		scenario_free(&s);
		return false;
	}
	*out = s;
	return true;
}

bool scenario_load_file(const char *path, scenario *out, scenario_error *err)
{
	assert(path != NULL && out != NULL && err != NULL);
	memset(out, 0, sizeof *out);
	err->message[0] = '\0';

	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return fail_plain(err, "%s: cannot open: %s", path, strerror(errno));

	bool ok = false;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL) {
		fail_plain(err, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE_BYTES) {
				fail_plain(err, "%s: too large for a scenario (%d MiB or more)",
				           path, MAX_FILE_BYTES / (1024 * 1024));
				goto out;
			}
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				fail_plain(err, "%s: out of memory", path);
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fail_plain(err, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	ok = scenario_load_string(buf, len, path, out, err);
out:
	free(buf);
	fclose(f);
	return ok;
}

void scenario_free(scenario *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->path);
	free(s->events);
	memset(s, 0, sizeof *s);
}
