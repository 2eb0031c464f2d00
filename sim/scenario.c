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
 * `include:` fragments are loaded the same way, each with a walker of its own that names
 * the fragment in its messages; their events and expectations are appended to the
 * scenario's. Repeating events (`every:`) are expanded here, into plain events, so that the
 * engine only ever sees a sorted list.
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
#include <sys/stat.h>

#include <yaml.h>

#include "ble_server.h" /* attack answers: ATT error names */
#include "clock.h"
#include "gatt_keys.h"  /* characteristic names of attacks */

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

enum {
	/* Sanity cap, not a model limit: ten years of minutes still fits every int used here. */
	MAX_DURATION_DAYS = 3650,
	MAX_DURATION_MIN = MAX_DURATION_DAYS * CLOCK_MIN_PER_DAY,
	/* With a start late in the day, events of the last day are written as day MAX + 1. */
	MAX_EVENT_DAY = MAX_DURATION_DAYS + 1,
	MAX_CGM_INTERVAL_MIN = 150,
	MAX_PAIRING_WINDOW_MIN = 60, /* a window left open longer is a door left open */
	/* A file bigger than this is not a scenario someone wrote. */
	MAX_FILE_BYTES = 16 * 1024 * 1024,
	MAX_NAME_BYTES = 255,
	/* Most keys any one mapping of the format may have (walk_mapping's bookkeeping). */
	FIELDS_MAX = 48,
	/* Events after repeats are expanded: a year of one event a minute is ~525,600. */
	MAX_EVENTS = 1000000,
	/* include: nesting (the scenario itself is level 0) and fragments read in all. */
	MAX_INCLUDE_DEPTH = 16,
	MAX_INCLUSIONS = 256,
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
/* A meal without `eat_rate` is eaten at 5 g/min (simglucose's rate, kept by the engine). */
static const double DEFAULT_EAT_RATE_G_PER_MIN = 5.0;
static const double MAX_EAT_RATE_G_PER_MIN = 100.0;

/* "HH:MM" for day 1, "dN HH:MM" after; `min` counts from day 1, 00:00. */
typedef struct clock_text {
	char text[32];
} clock_text;

static clock_text format_clock(int64_t min)
{
	clock_text c;
	clock_format_short(min, c.text, sizeof c.text);
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

struct load_state;

typedef struct walker {
	yaml_document_t *doc;
	const char *path; /* names the file in messages */
	scenario_error *err;
	struct load_state *ls; /* the whole load: the scenario, include stack, capacities */
	const char *file;      /* `path` as owned by the scenario (event.file, expectation.file) */
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
	switch (duration_parse(t, 60, MAX_DURATION_MIN, out_min)) {
	case DURATION_PARSED:
		return true;
	case DURATION_BAD_SYNTAX:
		if (classify_number(n) == NUMBER_FINITE)
			return fail(w, n->start_mark, key,
			            "expected %s, got %s (a number without a unit)", what,
			            show(n).text);
		return fail_expected(w, key, n, what);
	case DURATION_NOT_WHOLE:
		return fail_expected(w, key, n, "a whole number of minutes");
	case DURATION_ZERO:
		return fail_expected(w, key, n, "a duration longer than zero");
	case DURATION_OVER_MAX:
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
	switch (clock_time_parse(t, MAX_EVENT_DAY, out_day, out_min_of_day)) {
	case CLOCK_TIME_PARSED:
		if (!allow_day && *out_day != 1)
			return fail(w, n->start_mark, key, "expected %s without a day, got %s",
			            what, show(n).text);
		return true;
	case CLOCK_TIME_BAD_SYNTAX:
		return fail_expected(w, key, n, what);
	case CLOCK_TIME_BAD_HOUR:
		return fail_expected(w, key, n, "an hour 00 to 23");
	case CLOCK_TIME_BAD_MINUTE:
		return fail_expected(w, key, n, "minutes 00 to 59");
	case CLOCK_TIME_DAY_ZERO:
		return fail_expected(w, key, n, "a day d1 or later (days count from 1)");
	case CLOCK_TIME_DAY_OVER_MAX:
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
	char names[512];

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

/* --- shared helpers for events and expectations --------------------------------------- */

/* Which file a path names (device and inode), for finding include cycles. */
typedef struct file_identity {
	bool known; /* false: no such file (a scenario loaded from a string) */
	dev_t dev;
	ino_t ino;
} file_identity;

static file_identity identify_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return (file_identity){.known = false};
	return (file_identity){.known = true, .dev = st.st_dev, .ino = st.st_ino};
}

/*
 * The whole load: the scenario being filled, the capacities of its growing arrays, and the
 * stack of files being read (the scenario at the bottom, then nested include: fragments).
 */
typedef struct load_state {
	scenario *s;
	size_t events_cap, expectations_cap;
	size_t depth;                             /* files on the stack */
	file_identity id[MAX_INCLUDE_DEPTH + 1];  /* of each, for cycles */
	const char *shown[MAX_INCLUDE_DEPTH + 1]; /* as named in messages */
	size_t inclusions;                        /* fragments read so far */
} load_state;

/* Room for `need` elements of `elem` bytes; the new array, or NULL (old one untouched). */
static void *grow_array(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return NULL;
		c *= 2;
	}
	void *bigger = realloc(array, c * elem);
	if (bigger != NULL)
		*cap = c;
	return bigger;
}

/* Minutes from t = 0 of a clock time (day 1-based). */
static int64_t clock_to_run_min(const scenario *s, int day, int min_of_day)
{
	return clock_minute(day, min_of_day) - s->start_min_of_day;
}

/*
 * One of `words`, exactly; `what` names the value ("a link") and the message lists the
 * words and suggests the closest. *out is the index of the word.
 */
static bool expect_word(walker *w, const char *key, const yaml_node_t *n, const char *what,
                        const char *const *words, size_t count, size_t *out)
{
	char expected[320];
	size_t used = 0;
	int k = snprintf(expected, sizeof expected, "%s (one of: ", what);
	used = k > 0 && (size_t)k < sizeof expected ? (size_t)k : 0;
	for (size_t i = 0; i < count; i++) {
		k = snprintf(expected + used, sizeof expected - used, "%s%s", i ? ", " : "",
		             words[i]);
		if (k < 0 || (size_t)k >= sizeof expected - used)
			break;
		used += (size_t)k;
	}
	snprintf(expected + used, sizeof expected - used, ")");
	const char *t;
	if (!expect_text(w, key, n, expected, &t))
		return false;
	for (size_t i = 0; i < count; i++)
		if (strcmp(t, words[i]) == 0) {
			*out = i;
			return true;
		}
	suggestion sug = suggest_begin(t);
	for (size_t i = 0; i < count; i++)
		suggest_consider(&sug, words[i]);
	const char *maybe = suggest_result(&sug);
	return fail(w, n->start_mark, key, "expected %s, got %s%s%s%s", expected, show(n).text,
	            maybe ? "; did you mean '" : "", maybe ? maybe : "", maybe ? "'?" : "");
}

/* A clock time ("HH:MM" or "dN HH:MM") as minutes from t = 0 (not yet range-checked). */
static bool expect_clock_run_min(walker *w, const char *key, const yaml_node_t *n, int64_t *out)
{
	int day, min_of_day;
	if (!expect_clock(w, key, n, true, &day, &min_of_day))
		return false;
	*out = clock_to_run_min(w->ls->s, day, min_of_day);
	return true;
}

/* 0 <= t < duration, or t == duration too when `end_ok` (the end of a window). */
static bool check_within_run(walker *w, const char *key, const yaml_node_t *n, int64_t t,
                             bool end_ok)
{
	const scenario *s = w->ls->s;
	if (t >= 0 && (t < s->duration_min || (end_ok && t == s->duration_min)))
		return true;
	return fail(w, n->start_mark, key,
	            "expected a time within the run, %s to %s (%s), got %s (t = %lld min)",
	            format_clock(s->start_min_of_day).text,
	            format_clock(s->start_min_of_day + s->duration_min).text,
	            end_ok ? "inclusive" : "exclusive", show(n).text, (long long)t);
}

/* true/yes/on (or no value): for keys that only make sense switched on. */
static bool expect_true(walker *w, const char *key, const yaml_node_t *v)
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

/* --- events --------------------------------------------------------------------------- */

/* One event while it is read: the clock time is turned into minutes once all is known. */
typedef struct event_draft {
	scenario_event event;
	int day, min_of_day;
	bool relative_at;  /* at: "+90m" … */
	int64_t offset_min; /* … this many minutes after the previous event */
	int64_t every_min;
	int until_day, until_min_of_day;
	uint64_t repeat_count;
	const yaml_node_t *at_node;
	const yaml_node_t *item_node;
	const yaml_node_t *type_node, *extended_node, *duration_node, *drain_node;
	const yaml_node_t *eat_rate_node, *link_node;
	const yaml_node_t *every_node, *until_node, *count_node;
	/* a phone: event: its mapping and the command's own modifiers inside it */
	const yaml_node_t *phone_node, *phone_type_node, *phone_extended_node;
	const yaml_node_t *phone_duration_node;
	const yaml_node_t *context_node; /* inside phone: only */
} event_draft;

enum { EVENT_KIND_GROUP = 1 };

static bool is_sensor_fault(scenario_event_kind k)
{
	return k == SCENARIO_EVENT_SENSOR_DROPOUT || k == SCENARIO_EVENT_SENSOR_DRIFT ||
	       k == SCENARIO_EVENT_SENSOR_NOISE || k == SCENARIO_EVENT_SENSOR_COMPRESSION;
}

/* "+90m": a duration after a plus sign; "+0m" is the previous event's own time. */
static bool expect_relative_time(walker *w, const char *key, const yaml_node_t *n,
                                 int64_t *out_min)
{
	const char *what = "a relative time such as +90m (units s, m, h, d)";
	const char *t;
	if (!expect_text(w, key, n, what, &t))
		return false;
	int64_t minutes = 0;
	switch (duration_parse(t + 1, 60, MAX_DURATION_MIN, &minutes)) {
	case DURATION_PARSED:
		break;
	case DURATION_ZERO: /* no sign can follow the '+': this is zero */
		minutes = 0;
		break;
	case DURATION_NOT_WHOLE:
		return fail_expected(w, key, n, "a relative time of whole minutes");
	case DURATION_OVER_MAX:
		return fail(w, n->start_mark, key, "expected at most +%dd, got %s",
		            MAX_DURATION_DAYS, show(n).text);
	case DURATION_BAD_SYNTAX:
	default:
		return fail_expected(w, key, n, what);
	}
	*out_min = minutes;
	return true;
}

static bool parse_event_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->at_node = v;
	if (is_scalar(v) && scalar_text(v)[0] == '+') {
		d->relative_at = true;
		return expect_relative_time(w, key, v, &d->offset_min);
	}
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

/*
 * "50%" (or "50.5%"): the number before the sign, 0 … hi. False with *syntax_ok false when
 * the text is not a number and a percent sign at all.
 */
static bool read_percent_text(const char *t, double *out)
{
	size_t len = strlen(t);
	char number[32];
	if (len < 2 || t[len - 1] != '%' || len - 1 >= sizeof number)
		return false;
	memcpy(number, t, len - 1);
	number[len - 1] = '\0';
	if (classify_number_text(number) != NUMBER_FINITE)
		return false;
	*out = strtod_c_locale(number);
	return isfinite(*out);
}

/* "0.5" (U/h) or "50%" (of the programmed rate). */
static bool parse_event_temp_basal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_TEMP_BASAL;
	const char *what = "a rate in U/h (0 to 35) or a percentage such as 50%";
	/* A percentage is text: written plain (50%) or quoted ("50%"), both read the same. */
	if (is_scalar(v)) {
		const char *t = scalar_text(v);
		size_t len = strlen(t);
		if (len >= 2 && t[len - 1] == '%') {
			double pct;
			if (!read_percent_text(t, &pct))
				return fail_expected(w, key, v, what);
			if (pct >= 0.0 && pct <= 250.0) {
				d->event.relative = true;
				d->event.amount = pct;
				return true;
			}
			return fail_expected(w, key, v, "a percentage 0% to 250%");
		}
	}
	return parse_number_into(w, key, v, 0.0, MAX_BASAL_U_PER_H, false, what, &d->event.amount);
}

#define EVENT_FLAG_PARSER(fn, kind_value)                                                    \
	static bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                  \
	{                                                                                      \
		event_draft *d = ctx;                                                          \
		d->event.kind = kind_value;                                                    \
		return expect_true(w, key, v);                                                 \
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
EVENT_AMOUNT_PARSER(parse_event_set_max_bolus, SCENARIO_EVENT_SET_MAX_BOLUS, 0.0, MAX_BOLUS_U,
                    "a bolus limit in U")
EVENT_AMOUNT_PARSER(parse_event_sensor_noise, SCENARIO_EVENT_SENSOR_NOISE, 0.0, 200.0,
                    "an extra noise SD in mg/dL")
EVENT_AMOUNT_PARSER(parse_event_compression_low, SCENARIO_EVENT_SENSOR_COMPRESSION, 0.0, 400.0,
                    "a fall in mg/dL")

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

/* sensor_dropout: 45m — the value is the fault's duration. */
static bool parse_event_sensor_dropout(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	int64_t minutes;
	d->event.kind = SCENARIO_EVENT_SENSOR_DROPOUT;
	if (!expect_duration(w, key, v, &minutes))
		return false;
	d->event.duration_min = (int)minutes; /* <= 3650 days, fits */
	return true;
}

/* sensor_drift: mg/dL per hour, either sign, never 0 (a drift of nothing is a mistake). */
static bool parse_event_sensor_drift(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	const char *what = "a drift in mg/dL per hour, -500 to 500 and not 0";
	double rate;
	d->event.kind = SCENARIO_EVENT_SENSOR_DRIFT;
	if (!expect_number(w, key, v, what, &rate))
		return false;
	if (rate == 0.0 || rate < -500.0 || rate > 500.0)
		return fail_expected(w, key, v, what);
	d->event.amount = rate;
	return true;
}

static const char *const phone_read_targets[] = {
    "status", "annunciations", "history", "features", "cgm", "battery", "device_info", "serial",
};
static const char *const phone_subscribe_targets[] = {"cgm", "status", "annunciations",
                                                      "history"};

static bool parse_phone_read(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	size_t i = 0;
	d->event.kind = SCENARIO_EVENT_PHONE_READ;
	if (!expect_word(w, key, v, "what to read", phone_read_targets,
	                 sizeof phone_read_targets / sizeof phone_read_targets[0], &i))
		return false;
	snprintf(d->event.phone_target, sizeof d->event.phone_target, "%s", phone_read_targets[i]);
	return true;
}

static bool parse_phone_subscribe(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	size_t i = 0;
	d->event.kind = SCENARIO_EVENT_PHONE_SUBSCRIBE;
	if (!expect_word(w, key, v, "what to subscribe to", phone_subscribe_targets,
	                 sizeof phone_subscribe_targets / sizeof phone_subscribe_targets[0], &i))
		return false;
	snprintf(d->event.phone_target, sizeof d->event.phone_target, "%s",
	         phone_subscribe_targets[i]);
	return true;
}

static bool parse_phone_set_cgm_interval(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL;
	return parse_minutes_into(w, key, v, 1, MAX_CGM_INTERVAL_MIN, &d->event.duration_min);
}

static bool parse_event_pairing_window(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_PAIRING_WINDOW;
	return parse_minutes_into(w, key, v, 1, MAX_PAIRING_WINDOW_MIN, &d->event.duration_min);
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

/* Parsed after the kind (table order): sensor faults may last longer than a day. */
static bool parse_event_duration(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->duration_node = v;
	if (is_sensor_fault(d->event.kind)) {
		int64_t minutes;
		if (!expect_duration(w, key, v, &minutes))
			return false;
		d->event.duration_min = (int)minutes; /* <= 3650 days, fits */
		return true;
	}
	return parse_minutes_into(w, key, v, 1, 24 * 60, &d->event.duration_min);
}

static bool parse_event_drain(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->drain_node = v;
	return parse_number_into(w, key, v, 0.0, 1000.0, true, "a drain in %/h", &d->event.amount);
}

static bool parse_event_eat_rate(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->eat_rate_node = v;
	return parse_number_into(w, key, v, 0.0, MAX_EAT_RATE_G_PER_MIN, true,
	                         "an eating rate in g/min", &d->event.eat_rate_g_per_min);
}

static bool parse_event_link(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const char *const links[] = {
	    [SCENARIO_LINK_AUTHENTICATED] = "authenticated",
	    [SCENARIO_LINK_ENCRYPTED] = "encrypted",
	    [SCENARIO_LINK_UNENCRYPTED] = "unencrypted",
	};
	size_t i = 0;
	d->link_node = v;
	if (!expect_word(w, key, v, "a link security level", links, sizeof links / sizeof links[0],
	                 &i))
		return false;
	d->event.link = (scenario_link)i;
	return true;
}

static bool parse_event_every(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->every_node = v;
	return expect_duration(w, key, v, &d->every_min);
}

static bool parse_event_until(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->until_node = v;
	return expect_clock(w, key, v, true, &d->until_day, &d->until_min_of_day);
}

static bool parse_event_count(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->count_node = v;
	return expect_integer_in_range(w, key, v, 1, MAX_EVENTS, &d->repeat_count);
}

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
    [SCENARIO_EVENT_SENSOR_DROPOUT] = "sensor_dropout",
    [SCENARIO_EVENT_SENSOR_DRIFT] = "sensor_drift",
    [SCENARIO_EVENT_SENSOR_NOISE] = "sensor_noise",
    [SCENARIO_EVENT_SENSOR_COMPRESSION] = "compression_low",
    [SCENARIO_EVENT_PHONE_READ] = "read",
    [SCENARIO_EVENT_PHONE_SUBSCRIBE] = "subscribe",
    [SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL] = "set_cgm_interval",
    [SCENARIO_EVENT_SET_MAX_BOLUS] = "set_max_bolus",
    [SCENARIO_EVENT_ATTACK] = "attack",
    [SCENARIO_EVENT_PAIRING_WINDOW] = "pairing_window",
};

const char *scenario_event_kind_name(scenario_event_kind k)
{
	return (unsigned)k < SCENARIO_EVENT_KIND_COUNT && event_kind_names[k] ? event_kind_names[k]
	                                                                      : "event";
}

/*
 * Modifiers belong to some kinds only; a bolus type needs its parts; a timed fault needs
 * its duration; a repeat's end goes with its `every`. For a phone: event the command's own
 * modifiers belong inside phone: — refused outside it, then checked inside it (with the
 * phone mapping as the item).
 */
static bool check_event_modifiers(walker *w, const char *item_key, const event_draft *d)
{
	const scenario_event *e = &d->event;
	const char *kind = scenario_event_kind_name(e->kind);
	char key[KEY_PATH_MAX];
	const bool is_bolus = e->kind == SCENARIO_EVENT_BOLUS;
	if (e->from_phone) {
		const yaml_node_t *inside[] = {d->type_node, d->extended_node, d->duration_node};
		static const char *const names[] = {"type", "extended", "duration"};
		for (size_t i = 0; i < 3; i++) {
			if (inside[i] == NULL)
				continue;
			join_key_path(key, sizeof key, item_key, names[i]);
			return fail(w, inside[i]->start_mark, key,
			            "'%s' goes inside phone:, next to its command (e.g. phone: "
			            "{bolus: 4, type: extended, duration: 2h})",
			            names[i]);
		}
		event_draft command = {
		    .event = *e,
		    .item_node = d->phone_node,
		    .type_node = d->phone_type_node,
		    .extended_node = d->phone_extended_node,
		    .duration_node = d->phone_duration_node,
		};
		command.event.from_phone = false;
		join_key_path(key, sizeof key, item_key, "phone");
		if (!check_event_modifiers(w, key, &command))
			return false;
	} else {
		if (d->link_node && e->kind != SCENARIO_EVENT_ATTACK) {
			join_key_path(key, sizeof key, item_key, "link");
			return fail(w, d->link_node->start_mark, key,
			            "'link' goes with a phone: or attack: event (the security of "
			            "the phone's link), not a %s",
			            kind);
		}
		if (d->type_node && !is_bolus) {
			join_key_path(key, sizeof key, item_key, "type");
			return fail(w, d->type_node->start_mark, key,
			            "'type' goes with a bolus, not a %s", kind);
		}
		if (d->extended_node && !(is_bolus && e->bolus_type == PUMP_BOLUS_MULTIWAVE)) {
			join_key_path(key, sizeof key, item_key, "extended");
			return fail(w, d->extended_node->start_mark, key,
			            "'extended' goes with a bolus of type multiwave (the extended "
			            "part)");
		}
	}
	if (d->drain_node &&
	    !(e->kind == SCENARIO_EVENT_FAULT && e->fault == PUMP_FAULT_BATTERY_DRAIN)) {
		join_key_path(key, sizeof key, item_key, "drain");
		return fail(w, d->drain_node->start_mark, key,
		            "'drain' goes with fault: battery_drain");
	}
	if (!e->from_phone) {
		const bool timed_bolus = is_bolus && e->bolus_type != PUMP_BOLUS_NORMAL;
		const bool timed_fault =
		    is_sensor_fault(e->kind) && e->kind != SCENARIO_EVENT_SENSOR_DROPOUT;
		const bool needs_duration =
		    timed_bolus || timed_fault || e->kind == SCENARIO_EVENT_TEMP_BASAL;
		if (d->duration_node && !needs_duration) {
			join_key_path(key, sizeof key, item_key, "duration");
			if (e->kind == SCENARIO_EVENT_SENSOR_DROPOUT)
				return fail(
				    w, d->duration_node->start_mark, key,
				    "'duration' does not go with sensor_dropout: its value is "
				    "the duration (e.g. sensor_dropout: 45m)");
			if (e->kind == SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL)
				return fail(
				    w, d->duration_node->start_mark, key,
				    "'duration' does not go with set_cgm_interval: its value is "
				    "the interval (e.g. set_cgm_interval: 5m)");
			if (e->kind == SCENARIO_EVENT_PAIRING_WINDOW)
				return fail(
				    w, d->duration_node->start_mark, key,
				    "'duration' does not go with pairing_window: its value is "
				    "how long the window stays open (e.g. pairing_window: 2m)");
			return fail(w, d->duration_node->start_mark, key,
			            "'duration' goes with a temp_basal, an extended or multiwave "
			            "bolus, or a sensor_drift, sensor_noise or compression_low");
		}
		if (needs_duration && !d->duration_node)
			return fail(w, d->item_node->start_mark, item_key,
			            "a%s %s needs a duration (e.g. duration: 2h)",
			            timed_bolus && e->bolus_type == PUMP_BOLUS_EXTENDED ? "n" : "",
			            timed_bolus ? (e->bolus_type == PUMP_BOLUS_EXTENDED
			                               ? "extended bolus"
			                               : "multiwave bolus")
			                        : kind);
		if (is_bolus && e->bolus_type == PUMP_BOLUS_MULTIWAVE && !d->extended_node)
			return fail(w, d->item_node->start_mark, item_key,
			            "a multiwave bolus needs its extended part (e.g. extended: 3)");
	}
	if (d->eat_rate_node && e->kind != SCENARIO_EVENT_MEAL) {
		join_key_path(key, sizeof key, item_key, "eat_rate");
		return fail(w, d->eat_rate_node->start_mark, key,
		            "'eat_rate' goes with a meal, not a %s", kind);
	}
	if (!d->every_node) {
		if (d->until_node) {
			join_key_path(key, sizeof key, item_key, "until");
			return fail(
			    w, d->until_node->start_mark, key,
			    "'until' goes with 'every' (e.g. every: 1d, until: \"d7 00:00\")");
		}
		if (d->count_node) {
			join_key_path(key, sizeof key, item_key, "count");
			return fail(w, d->count_node->start_mark, key,
			            "'count' goes with 'every' (e.g. every: 8h, count: 3)");
		}
	} else if (d->until_node && d->count_node) {
		const bool count_later =
		    d->count_node->start_mark.index > d->until_node->start_mark.index;
		join_key_path(key, sizeof key, item_key, count_later ? "count" : "until");
		return fail(w, (count_later ? d->count_node : d->until_node)->start_mark, key,
		            "'%s' cannot be combined with '%s' (a repeat ends at a time or after a "
		            "number of times, not both)",
		            count_later ? "count" : "until", count_later ? "until" : "count");
	}
	return true;
}

/* context: the IDS Basal Delivery Context a phone's temp_basal declares (a closed loop's
 * is ap_controller: the pump checks its CGM is fresh, docs/ble.md). */
static bool parse_phone_context(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const char *const words[] = {"ap_controller", "remote_control", "device_based"};
	static const uint8_t codes[] = {0x55, 0x3C, 0x33}; /* IDS code words */
	size_t i = 0;
	d->context_node = v;
	if (!expect_word(w, key, v, "a delivery context", words, 3, &i))
		return false;
	d->event.tbr_context = codes[i];
	return true;
}

/* The commands a phone may send; the pump's own keys where they exist. */
static const field_spec phone_fields[] = {
    {.name = "bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_bolus},
    {.name = "temp_basal", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_temp_basal},
    {.name = "cancel_bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_cancel_bolus},
    {.name = "cancel_temp_basal", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_cancel_temp_basal},
    {.name = "suspend", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_suspend},
    {.name = "resume", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_resume},
    {.name = "stop", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_stop},
    {.name = "prime", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_prime},
    {.name = "fill", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_fill},
    {.name = "confirm", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_confirm},
    {.name = "set_max_bolus", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_set_max_bolus},
    {.name = "read", .one_of_group = EVENT_KIND_GROUP, .parse = parse_phone_read},
    {.name = "subscribe", .one_of_group = EVENT_KIND_GROUP, .parse = parse_phone_subscribe},
    {.name = "set_cgm_interval", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_phone_set_cgm_interval},
    /* modifiers of the command, checked against it */
    {.name = "type", .parse = parse_event_type},
    {.name = "extended", .parse = parse_event_extended},
    {.name = "duration", .parse = parse_event_duration},
    {.name = "context", .parse = parse_phone_context},
};

static const mapping_spec phone_spec = {
    .what = "a phone command such as {bolus: 3}",
    FIELDS(phone_fields),
};

/*
 * phone: {COMMAND: value, modifiers}: the same event kinds as the pump's, from_phone set.
 * The command's modifiers are checked with the event's (check_event_modifiers).
 */
static bool parse_event_phone(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	event_draft phone = {.item_node = v};
	if (!walk_mapping(w, key, v, &phone_spec, &phone))
		return false;
	if (phone.context_node && phone.event.kind != SCENARIO_EVENT_TEMP_BASAL) {
		char child[KEY_PATH_MAX];
		join_key_path(child, sizeof child, key, "context");
		return fail(w, phone.context_node->start_mark, child,
		            "'context' goes with a temp_basal (e.g. phone: {temp_basal: 150%%, "
		            "duration: 30m, context: ap_controller})");
	}
	d->event = phone.event;
	d->event.from_phone = true;
	d->phone_node = v;
	d->phone_type_node = phone.type_node;
	d->phone_extended_node = phone.extended_node;
	d->phone_duration_node = phone.duration_node;
	return true;
}


/* --- attacks: a hostile phone ------------------------------------------------------- */

static const char *const attack_names[SCENARIO_ATTACK_COUNT] = {
    [SCENARIO_ATTACK_REPLAY] = "replay",
    [SCENARIO_ATTACK_TAMPER] = "tamper",
    [SCENARIO_ATTACK_RAW] = "raw",
    [SCENARIO_ATTACK_STALE_COUNTER] = "stale_counter",
    [SCENARIO_ATTACK_WRONG_COUNTER] = "wrong_counter",
    [SCENARIO_ATTACK_OUT_OF_RANGE] = "out_of_range",
    [SCENARIO_ATTACK_SPECIAL_VALUE] = "special_value",
    [SCENARIO_ATTACK_FLOOD] = "flood",
    [SCENARIO_ATTACK_SUBSCRIPTION_STORM] = "subscription_storm",
};

const char *scenario_attack_name(scenario_attack a)
{
	return (unsigned)a < SCENARIO_ATTACK_COUNT ? attack_names[a] : "attack";
}

/* What an attack mapping may say, and whether it said it (for the per-kind checks). */
typedef struct attack_draft {
	scenario_event *e;
	const yaml_node_t *kind_node, *of_node, *byte_node, *characteristic_node, *bytes_node,
	    *dose_node, *value_node, *count_node, *read_node;
} attack_draft;

static bool parse_attack_kind(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	size_t i = 0;
	a->kind_node = v;
	if (!expect_word(w, key, v, "an attack", attack_names, SCENARIO_ATTACK_COUNT, &i))
		return false;
	a->e->attack = (scenario_attack)i;
	return true;
}

static bool parse_attack_of(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	int day, min_of_day;
	a->of_node = v;
	if (!expect_clock(w, key, v, true, &day, &min_of_day))
		return false;
	a->e->has_attack_of = true;
	a->e->attack_of_min = clock_to_run_min(w->ls->s, day, min_of_day);
	return true;
}

static bool parse_attack_byte(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	uint64_t byte = 0;
	a->byte_node = v;
	if (!expect_integer_in_range(w, key, v, 0, 511, &byte))
		return false;
	a->e->attack_byte = (int)byte;
	return true;
}

/* A characteristic's name (ble_gateway/gatt_keys.c): an unknown one is refused here, at
 * load, with the closest name — never an attack that silently sends nothing. */
static bool expect_characteristic(walker *w, const char *key, yaml_node_t *v, char *out,
                                  size_t cap)
{
	const char *what = "a characteristic such as idd_command_cp or battery_level (docs/ble.md "
	                   "lists them)";
	const char *t;
	gatt_char_id id;
	if (!expect_text(w, key, v, what, &t))
		return false;
	if (gatt_char_from_key(t, &id)) {
		snprintf(out, cap, "%s", gatt_char_key(id));
		return true;
	}
	suggestion sug = suggest_begin(t);
	for (int i = 0; i < GATT_CHAR_COUNT; i++)
		suggest_consider(&sug, gatt_char_key((gatt_char_id)i));
	const char *maybe = suggest_result(&sug);
	return fail(w, v->start_mark, key, "expected %s, got %s%s%s%s", what, show(v).text,
	            maybe ? "; did you mean '" : "", maybe ? maybe : "", maybe ? "'?" : "");
}

static bool parse_attack_characteristic(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	a->characteristic_node = v;
	return expect_characteristic(w, key, v, a->e->attack_characteristic,
	                             sizeof a->e->attack_characteristic);
}

/* flood: {read: battery_level}: reads of that characteristic instead of writes. */
static bool parse_attack_read(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	a->read_node = v;
	a->e->attack_read = true;
	return expect_characteristic(w, key, v, a->e->attack_characteristic,
	                             sizeof a->e->attack_characteristic);
}

/* "0f 55 …": pairs of hex digits, spaces allowed between bytes. */
static bool parse_attack_bytes(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	const char *what = "bytes in hex such as \"4B 11 00 33\" (at most 64)";
	const char *t;
	a->bytes_node = v;
	if (!expect_text(w, key, v, what, &t))
		return false;
	size_t digits = 0, out = 0;
	for (const char *p = t; *p; p++) {
		if (*p == ' ')
			continue;
		bool hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		           (*p >= 'A' && *p <= 'F');
		if (!hex || out + 2 >= sizeof a->e->attack_hex)
			return fail_expected(w, key, v, what);
		a->e->attack_hex[out++] = *p;
		digits++;
		if (digits % 2 == 0 && p[1] != '\0' && p[1] != ' ' && out + 1 < sizeof a->e->attack_hex)
			a->e->attack_hex[out++] = ' ';
	}
	a->e->attack_hex[out] = '\0';
	if (digits == 0 || digits % 2 != 0 || digits > 128)
		return fail_expected(w, key, v, what);
	return true;
}

static bool parse_attack_dose(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	a->dose_node = v;
	return parse_number_into(w, key, v, -1000.0, 100000.0, false, "units (any, to attack)",
	                         &a->e->attack_dose_u);
}

static bool parse_attack_value(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	static const char *const specials[] = {"nan", "nres", "+inf", "-inf", "reserved"};
	size_t i = 0;
	a->value_node = v;
	if (!expect_word(w, key, v, "an SFLOAT special", specials, 5, &i))
		return false;
	snprintf(a->e->attack_value, sizeof a->e->attack_value, "%s", specials[i]);
	return true;
}

static bool parse_attack_count(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	uint64_t n = 0;
	a->count_node = v;
	if (!expect_integer_in_range(w, key, v, 1, 100000, &n))
		return false;
	a->e->attack_count = (int)n;
	return true;
}

static const field_spec attack_fields[] = {
    {.name = "kind", .required = true, .parse = parse_attack_kind},
    {.name = "of", .parse = parse_attack_of},
    {.name = "byte", .parse = parse_attack_byte},
    {.name = "characteristic", .parse = parse_attack_characteristic},
    {.name = "bytes", .parse = parse_attack_bytes},
    {.name = "dose", .parse = parse_attack_dose},
    {.name = "value", .parse = parse_attack_value},
    {.name = "count", .parse = parse_attack_count},
    {.name = "read", .parse = parse_attack_read},
};

static const mapping_spec attack_spec = {
    .what = "an attack such as replay, or {kind: flood, count: 1000}",
    FIELDS(attack_fields),
};

/* Options that an attack kind takes, and the ones it needs. */
static bool check_attack(walker *w, const char *key, const attack_draft *a)
{
	const scenario_attack k = a->e->attack;
	const struct {
		const yaml_node_t *node;
		const char *name;
		bool allowed;
	} options[] = {
	    {a->of_node, "of", k == SCENARIO_ATTACK_REPLAY || k == SCENARIO_ATTACK_TAMPER},
	    {a->byte_node, "byte", k == SCENARIO_ATTACK_TAMPER},
	    {a->characteristic_node, "characteristic", k == SCENARIO_ATTACK_RAW},
	    {a->bytes_node, "bytes", k == SCENARIO_ATTACK_RAW},
	    {a->dose_node, "dose", k == SCENARIO_ATTACK_OUT_OF_RANGE},
	    {a->value_node, "value", k == SCENARIO_ATTACK_SPECIAL_VALUE},
	    {a->count_node, "count",
	     k == SCENARIO_ATTACK_FLOOD || k == SCENARIO_ATTACK_SUBSCRIPTION_STORM},
	    {a->read_node, "read", k == SCENARIO_ATTACK_FLOOD},
	};
	char child[KEY_PATH_MAX];
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		if (options[i].node && !options[i].allowed) {
			join_key_path(child, sizeof child, key, options[i].name);
			return fail(w, options[i].node->start_mark, child,
			            "'%s' does not go with attack %s", options[i].name,
			            attack_names[k]);
		}
	if (k == SCENARIO_ATTACK_RAW && (!a->characteristic_node || !a->bytes_node))
		return fail(w, a->kind_node->start_mark, key,
		            "attack raw needs characteristic and bytes (e.g. {kind: raw, "
		            "characteristic: idd_command_cp, bytes: \"4B 11\"})");
	return true;
}

/* attack: WORD, or attack: {kind: WORD, options}. */
static bool parse_event_attack(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	scenario_event *e = &d->event;
	e->kind = SCENARIO_EVENT_ATTACK;
	e->from_phone = true;
	e->attack_byte = -1;
	e->attack_count = 1000;
	e->attack_dose_u = 1000.0;
	snprintf(e->attack_value, sizeof e->attack_value, "nan");
	attack_draft a = {.e = e};
	if (v->type == YAML_MAPPING_NODE)
		return walk_mapping(w, key, v, &attack_spec, &a) && check_attack(w, key, &a);
	size_t i = 0;
	if (!expect_word(w, key, v, "an attack", attack_names, SCENARIO_ATTACK_COUNT, &i))
		return false;
	e->attack = (scenario_attack)i;
	if (e->attack == SCENARIO_ATTACK_RAW)
		return fail(w, v->start_mark, key,
		            "attack raw needs characteristic and bytes (e.g. {kind: raw, "
		            "characteristic: idd_command_cp, bytes: \"4B 11\"})");
	return true;
}

/* Table order is parse order: the kind comes before the modifiers that depend on it. */
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
    {.name = "set_max_bolus", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_set_max_bolus},
    {.name = "sensor_dropout", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_sensor_dropout},
    {.name = "sensor_drift", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_sensor_drift},
    {.name = "sensor_noise", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_sensor_noise},
    {.name = "compression_low", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_compression_low},
    {.name = "phone", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_phone},
    {.name = "attack", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_attack},
    {.name = "pairing_window", .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_pairing_window},
    /* modifiers, checked against the kind after parsing */
    {.name = "type", .parse = parse_event_type},
    {.name = "extended", .parse = parse_event_extended},
    {.name = "duration", .parse = parse_event_duration},
    {.name = "drain", .parse = parse_event_drain},
    {.name = "eat_rate", .parse = parse_event_eat_rate},
    {.name = "link", .parse = parse_event_link},
    {.name = "every", .parse = parse_event_every},
    {.name = "until", .parse = parse_event_until},
    {.name = "count", .parse = parse_event_count},
};

static const mapping_spec event_spec = {
    .what = "an event such as {at: \"07:00\", meal: 50}",
    FIELDS(event_fields),
};

/* "meal of 50 g" / "bolus of 5 U", for messages that must name the event. */
static void describe_event(const scenario_event *e, char *buf, size_t len)
{
	const char *phone = e->from_phone ? "phone " : "";
	switch (e->kind) {
	case SCENARIO_EVENT_MEAL:
		snprintf(buf, len, "meal of %g g", e->amount);
		return;
	case SCENARIO_EVENT_BOLUS:
		snprintf(buf, len, "%sbolus of %g U", phone, e->amount + e->extended_u);
		return;
	default:
		snprintf(buf, len, "%s%s", phone, scenario_event_kind_name(e->kind));
		return;
	}
}

/*
 * Appends the event, expanded when it repeats: at, at + every, … while before the end of
 * the run (or `until`), or `count` times. Every copy keeps the definition's file and place.
 */
static bool append_event(walker *w, const char *item_key, const event_draft *d)
{
	load_state *ls = w->ls;
	scenario *s = ls->s;
	const scenario_event *e = &d->event;
	char key[KEY_PATH_MAX];
	uint64_t n = 1;
	if (d->every_node) {
		int64_t end_min = s->duration_min;
		if (d->until_node) {
			int64_t until_min =
			    clock_to_run_min(s, d->until_day, d->until_min_of_day);
			if (until_min <= e->at_min) {
				join_key_path(key, sizeof key, item_key, "until");
				return fail(
				    w, d->until_node->start_mark, key,
				    "expected a time after the first occurrence at %s (until "
				    "is exclusive), got %s",
				    format_clock(s->start_min_of_day + e->at_min).text,
				    show(d->until_node).text);
			}
			if (until_min < end_min)
				end_min = until_min;
		}
		/* at_min < end_min here: occurrences at + k·every < end for k = 0 … fit - 1 */
		uint64_t fit = (uint64_t)((end_min - 1 - e->at_min) / d->every_min) + 1;
		if (d->count_node) {
			if (d->repeat_count > fit) {
				join_key_path(key, sizeof key, item_key, "count");
				return fail(
				    w, d->count_node->start_mark, key,
				    "expected at most %llu (occurrence %llu would be at %s, at or "
				    "after the end of the run at %s), got %s",
				    (unsigned long long)fit, (unsigned long long)fit + 1,
				    format_clock(s->start_min_of_day + e->at_min +
				                 (int64_t)fit * d->every_min)
				        .text,
				    format_clock(s->start_min_of_day + s->duration_min).text,
				    show(d->count_node).text);
			}
			n = d->repeat_count;
		} else {
			n = fit;
		}
	}
	if (n > (uint64_t)MAX_EVENTS - s->event_count) {
		const yaml_node_t *at = d->every_node ? d->every_node : d->item_node;
		join_key_path(key, sizeof key, item_key, d->every_node ? "every" : "");
		return fail(w, at->start_mark, d->every_node ? key : item_key,
		            "expected at most %d events in all (repeats expanded), got %llu "
		            "(this one adds %llu)",
		            MAX_EVENTS, (unsigned long long)(s->event_count + n),
		            (unsigned long long)n);
	}
	scenario_event *grown = grow_array(s->events, &ls->events_cap, s->event_count + (size_t)n,
	                                   sizeof *s->events);
	if (grown == NULL)
		return fail(w, d->item_node->start_mark, item_key, "out of memory for %llu events",
		            (unsigned long long)(s->event_count + n));
	s->events = grown;
	for (uint64_t k = 0; k < n; k++) {
		scenario_event copy = *e;
		copy.at_min = e->at_min + (int64_t)k * d->every_min;
		s->events[s->event_count++] = copy;
	}
	return true;
}

static bool parse_events(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	size_t count = 0;
	if (!expect_sequence(w, key, v, "a list of events", &count))
		return false;
	bool have_previous = false;
	int64_t previous_at_min = 0; /* the previous event's time (its first, if it repeats) */
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX], at_key[KEY_PATH_MAX], what[64], at_text[112];
		yaml_node_t *item = sequence_item(w, v, i);
		item_key_path(item_key, sizeof item_key, key, i);
		event_draft d = {.item_node = item};
		if (!walk_mapping(w, item_key, item, &event_spec, &d) ||
		    !check_event_modifiers(w, item_key, &d))
			return false;
		join_key_path(at_key, sizeof at_key, item_key, "at");
		describe_event(&d.event, what, sizeof what);
		int64_t at_min;
		if (d.relative_at) {
			if (!have_previous)
				return fail(
				    w, d.at_node->start_mark, at_key,
				    "expected a clock time \"HH:MM\" or \"dN HH:MM\" for the "
				    "first event (a relative time counts from the event before "
				    "it), got %s",
				    show(d.at_node).text);
			at_min = previous_at_min + d.offset_min;
			snprintf(at_text, sizeof at_text, "%s (%s)", show_bare(d.at_node).text,
			         format_clock(s->start_min_of_day + at_min).text);
		} else {
			at_min = clock_to_run_min(s, d.day, d.min_of_day);
			snprintf(at_text, sizeof at_text, "%s", show_bare(d.at_node).text);
		}
		if (at_min < 0)
			return fail(
			    w, d.at_node->start_mark, at_key,
			    "%s at %s is before the start %s (t = %lld min; event times are "
			    "clock times, use dN HH:MM for later days)",
			    what, at_text, format_clock(s->start_min_of_day).text,
			    (long long)at_min);
		if (at_min >= s->duration_min)
			return fail(
			    w, d.at_node->start_mark, at_key,
			    "%s at %s is at or after the end (t = %lld min, duration %lld min: "
			    "the scenario ends at %s)",
			    what, at_text, (long long)at_min, (long long)s->duration_min,
			    format_clock(s->start_min_of_day + s->duration_min).text);
		d.event.at_min = at_min;
		d.event.file = w->file;
		d.event.line = (int)item->start_mark.line + 1;
		d.event.column = (int)item->start_mark.column + 1;
		if (d.event.kind == SCENARIO_EVENT_MEAL && d.eat_rate_node == NULL)
			d.event.eat_rate_g_per_min = DEFAULT_EAT_RATE_G_PER_MIN;
		if (!append_event(w, item_key, &d))
			return false;
		have_previous = true;
		previous_at_min = at_min;
	}
	return true;
}

/* Sort key: time, then place in the list before sorting (file order, includes after). */
typedef struct event_order {
	int64_t at_min;
	size_t index;
} event_order;

static int compare_event_order(const void *pa, const void *pb)
{
	const event_order *a = pa, *b = pb;
	if (a->at_min != b->at_min)
		return a->at_min < b->at_min ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
}

/*
 * Stable sort by time, O(n log n) (a million repeated events must not take minutes):
 * sort (time, index) keys, then move the events along the permutation's cycles in place.
 * False when out of memory (the events are untouched then).
 */
static bool sort_events(scenario_event *events, size_t count)
{
	bool sorted = true;
	for (size_t i = 1; i < count && sorted; i++)
		sorted = events[i - 1].at_min <= events[i].at_min;
	if (sorted)
		return true;
	event_order *order = malloc(count * sizeof *order);
	if (order == NULL)
		return false;
	for (size_t i = 0; i < count; i++)
		order[i] = (event_order){.at_min = events[i].at_min, .index = i};
	qsort(order, count, sizeof *order, compare_event_order);
	/* Position j takes the event now at order[j].index; a done position points at itself. */
	for (size_t j = 0; j < count; j++) {
		if (order[j].index == j)
			continue;
		scenario_event held = events[j];
		size_t k = j;
		for (;;) {
			size_t from = order[k].index;
			order[k].index = k;
			if (from == j) {
				events[k] = held;
				break;
			}
			events[k] = events[from];
			k = from;
		}
	}
	free(order);
	return true;
}

/* --- expectations --------------------------------------------------------------------- */

/* One expectation while it is read, with the nodes the cross-checks point at. */
typedef struct expect_draft {
	scenario_expectation e;
	const yaml_node_t *item_node;
	const yaml_node_t *window_node, *within_node, *after_node, *never_node;
	const yaml_node_t *result_node, *code_node, *source_node, *count_node, *at_node;
	const yaml_node_t *answer_node;
	/* inside the kind's own mapping */
	const yaml_node_t *lo_node, *hi_node, *between_node, *mean_node;
	const yaml_node_t *low_node, *high_node;
} expect_draft;

enum { EXPECT_KIND_GROUP = 1, MAX_EXPECTATIONS = 100000 };

static const char *const expect_kind_names[SCENARIO_EXPECT_KIND_COUNT] = {
    [SCENARIO_EXPECT_BG] = "bg",
    [SCENARIO_EXPECT_TIME_IN_RANGE] = "time_in_range",
    [SCENARIO_EXPECT_ANNUNCIATION] = "annunciation",
    [SCENARIO_EXPECT_COMMAND] = "command",
    [SCENARIO_EXPECT_INSULIN_DELIVERED] = "insulin_delivered",
    [SCENARIO_EXPECT_CARBS] = "carbs_eaten",
    [SCENARIO_EXPECT_THERAPY_STATE] = "therapy_state",
    [SCENARIO_EXPECT_REFUSED] = "refused",
    [SCENARIO_EXPECT_ATTACK] = "attack",
    [SCENARIO_EXPECT_HISTORY] = "history",
};

static const number_range glucose_range = {
    .what = "a glucose in mg/dL", .lo = 0.0, .hi = 1000.0, .lo_open = false};
static const number_range insulin_total_range = {
    .what = "an amount of insulin in U", .lo = 0.0, .hi = 100000.0, .lo_open = false};
static const number_range carbs_total_range = {
    .what = "grams of carbohydrate", .lo = 0.0, .hi = 1000000.0, .lo_open = false};

/* [LOW, HIGH]: two numbers of `r`, LOW <= HIGH; fills both closed ends of `out`. */
static bool expect_number_pair(walker *w, const char *key, const yaml_node_t *n,
                               const number_range *r, scenario_bounds *out)
{
	size_t count = 0;
	char what[160], item_key[KEY_PATH_MAX];
	snprintf(what, sizeof what, "a list of two numbers [low, high] (%s)", r->what);
	if (!expect_sequence(w, key, n, what, &count))
		return false;
	if (count != 2)
		return fail(w, n->start_mark, key, "expected %s, got a list of %zu", what, count);
	double v[2];
	for (size_t i = 0; i < 2; i++) {
		item_key_path(item_key, sizeof item_key, key, i);
		if (!expect_number_in_range(w, item_key, sequence_item(w, n, i), r, &v[i]))
			return false;
	}
	if (v[1] < v[0]) {
		item_key_path(item_key, sizeof item_key, key, 1);
		return fail(w, sequence_item(w, n, 1)->start_mark, item_key,
		            "expected a high end at least the low end %g, got %s", v[0],
		            show(sequence_item(w, n, 1)).text);
	}
	*out = (scenario_bounds){.has_lo = true, .has_hi = true, .lo = v[0], .hi = v[1]};
	return true;
}

/*
 * Glucose in expectations is mg/dL. A value above 0 and under 20 mg/dL bounds nothing a
 * patient can live through; it is almost surely mmol/L (3.9 mmol/L is 70 mg/dL), so it is
 * refused rather than read as mg/dL without a word.
 */
static bool glucose_not_mmol(walker *w, const char *key, const yaml_node_t *n, double mgdl)
{
	if (mgdl <= 0.0 || mgdl >= 20.0)
		return true;
	return fail(w, n->start_mark, key,
	            "expected a glucose in mg/dL (0, or 20 to 1000), got %s: that looks like "
	            "mmol/L (%g mmol/L is %.0f mg/dL)",
	            show(n).text, mgdl, mgdl * 18.016);
}

static bool expect_glucose_mgdl(walker *w, const char *key, const yaml_node_t *n, double *out)
{
	return expect_number_in_range(w, key, n, &glucose_range, out) &&
	       glucose_not_mmol(w, key, n, *out);
}

/* "60%" (quoted or not) or a plain number, both meaning percent, 0 … 100. */
static bool expect_percent(walker *w, const char *key, const yaml_node_t *n, double *out)
{
	const char *what = "a percentage 0% to 100% (written 60% or 60)";
	if (is_scalar(n)) {
		const char *t = scalar_text(n);
		size_t len = strlen(t);
		if (len >= 1 && t[len - 1] == '%') {
			double pct;
			if (!read_percent_text(t, &pct) || pct < 0.0 || pct > 100.0)
				return fail_expected(w, key, n, what);
			*out = pct;
			return true;
		}
	}
	double pct;
	if (!expect_number(w, key, n, what, &pct))
		return false;
	if (pct < 0.0 || pct > 100.0)
		return fail_expected(w, key, n, what);
	/* A plain 0.6 is 0.6 %, but was most likely meant as a fraction (60 %): say which. */
	if (pct > 0.0 && pct < 1.0)
		return fail(w, n->start_mark, key,
		            "expected a percentage 0%% to 100%% (written 60%% or 60), got %s: a "
		            "plain number is percent, so this is %g%%; write %g%% for a fraction, "
		            "or %s%% if %g%% is meant",
		            show(n).text, pct, pct * 100.0, scalar_text(n), pct);
	*out = pct;
	return true;
}

/* "key: expected HIGH > LOW" for a pair of bounds given as two keys. */
static bool check_bounds_order(walker *w, const char *key, const char *lo_name,
                               const char *hi_name, const yaml_node_t *hi_node,
                               const scenario_bounds *b, bool strict)
{
	if (!b->has_lo || !b->has_hi || (strict ? b->hi > b->lo : b->hi >= b->lo))
		return true;
	char child[KEY_PATH_MAX];
	join_key_path(child, sizeof child, key, hi_name);
	return fail(w, hi_node->start_mark, child, "expected %s %s (%g), got %s",
	            strict ? "more than" : "at least", lo_name, b->lo, show(hi_node).text);
}

/* bg: {min_above, max_below, mean_between} */

static bool parse_bg_min_above(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->lo_node = v;
	d->e.bg.has_lo = true;
	d->e.bg.lo_open = true;
	return expect_glucose_mgdl(w, key, v, &d->e.bg.lo);
}

static bool parse_bg_max_below(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->hi_node = v;
	d->e.bg.has_hi = true;
	d->e.bg.hi_open = true;
	return expect_glucose_mgdl(w, key, v, &d->e.bg.hi);
}

static bool parse_bg_mean_between(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->mean_node = v;
	char item[KEY_PATH_MAX];
	if (!expect_number_pair(w, key, v, &glucose_range, &d->e.bg_mean))
		return false;
	item_key_path(item, sizeof item, key, 0);
	if (!glucose_not_mmol(w, item, sequence_item(w, v, 0), d->e.bg_mean.lo))
		return false;
	item_key_path(item, sizeof item, key, 1);
	return glucose_not_mmol(w, item, sequence_item(w, v, 1), d->e.bg_mean.hi);
}

static const field_spec bg_fields[] = {
    {.name = "min_above", .parse = parse_bg_min_above},
    {.name = "max_below", .parse = parse_bg_max_below},
    {.name = "mean_between", .parse = parse_bg_mean_between},
};

static const mapping_spec bg_spec = {
    .what = "a mapping such as {min_above: 54, max_below: 300}",
    FIELDS(bg_fields),
};

static bool parse_expect_bg(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_BG;
	if (!walk_mapping(w, key, v, &bg_spec, d))
		return false;
	if (!d->lo_node && !d->hi_node && !d->mean_node)
		return fail(w, v->start_mark, key,
		            "expected at least one of: min_above, max_below, mean_between, got an "
		            "empty mapping");
	return check_bounds_order(w, key, "min_above", "max_below", d->hi_node, &d->e.bg, true);
}

/* time_in_range: {low, high, at_least, at_most} */

static bool parse_tir_low(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->low_node = v;
	return expect_glucose_mgdl(w, key, v, &d->e.tir_low_mgdl);
}

static bool parse_tir_high(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->high_node = v;
	return expect_glucose_mgdl(w, key, v, &d->e.tir_high_mgdl);
}

static bool parse_tir_at_least(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->lo_node = v;
	d->e.tir_pct.has_lo = true;
	return expect_percent(w, key, v, &d->e.tir_pct.lo);
}

static bool parse_tir_at_most(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->hi_node = v;
	d->e.tir_pct.has_hi = true;
	return expect_percent(w, key, v, &d->e.tir_pct.hi);
}

static const field_spec tir_fields[] = {
    {.name = "low", .parse = parse_tir_low},
    {.name = "high", .parse = parse_tir_high},
    {.name = "at_least", .parse = parse_tir_at_least},
    {.name = "at_most", .parse = parse_tir_at_most},
};

static const mapping_spec tir_spec = {
    .what = "a mapping such as {low: 70, high: 180, at_least: 70%}",
    FIELDS(tir_fields),
};

static bool parse_expect_time_in_range(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_TIME_IN_RANGE;
	d->e.tir_low_mgdl = 70.0;
	d->e.tir_high_mgdl = 180.0;
	if (!walk_mapping(w, key, v, &tir_spec, d))
		return false;
	if (!d->lo_node && !d->hi_node)
		return fail(w, v->start_mark, key,
		            "expected at_least or at_most (a percentage of the time, e.g. "
		            "at_least: 70%%), got neither");
	if (!(d->e.tir_high_mgdl > d->e.tir_low_mgdl)) {
		const yaml_node_t *at = d->high_node ? d->high_node : d->low_node;
		char child[KEY_PATH_MAX];
		join_key_path(child, sizeof child, key, d->high_node ? "high" : "low");
		return fail(w, at->start_mark, child,
		            "expected a range with low < high (%g and %g mg/dL), got %s",
		            d->e.tir_low_mgdl, d->e.tir_high_mgdl, show(at).text);
	}
	return check_bounds_order(w, key, "at_least", "at_most", d->hi_node, &d->e.tir_pct,
	                          false);
}

/* annunciation: NAME (with within / after / never next to it) */


static bool parse_expect_annunciation(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const pump_annunciation_type *types;
	const size_t n = pump_annunciation_types(&types);
	const char *names[32];
	if (n > sizeof names / sizeof names[0])
		return false;
	for (size_t i = 0; i < n; i++)
		names[i] = pump_annunciation_name(types[i]);
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_ANNUNCIATION;
	if (!expect_word(w, key, v, "an annunciation", names, n, &i))
		return false;
	d->e.annunciation = types[i];
	return true;
}

static bool parse_expect_within(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	int64_t minutes;
	d->within_node = v;
	if (!expect_duration(w, key, v, &minutes))
		return false;
	d->e.within_min = (int)minutes; /* <= 3650 days, fits */
	return true;
}

static bool parse_expect_after(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->after_node = v;
	d->e.has_after = true;
	return expect_clock_run_min(w, key, v, &d->e.after_min) &&
	       check_within_run(w, key, v, d->e.after_min, false);
}

static bool parse_expect_never(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->never_node = v;
	d->e.never = true;
	return expect_true(w, key, v);
}

/* command: NAME | any (with result / code / source / count next to it) */

/* IDS Command Control Point response codes (IDS v1.0, §3.7.2.4 "Response Code" values). */
static const char *const ids_response_code_names[] = {
    "success",
    "op_code_not_supported",
    "invalid_operand",
    "procedure_not_completed",
    "parameter_out_of_range",
    "procedure_not_applicable",
    "plausibility_check_failed",
    "maximum_bolus_number_reached",
};
enum {
	IDS_RESPONSE_CODE_COUNT = sizeof ids_response_code_names / sizeof ids_response_code_names[0]
};

static bool parse_expect_command(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	/* the pump's audit names, the scenario's event words for two of them, and any */
	const char *names[PUMP_COMMAND_COUNT + 3];
	size_t n = 0;
	for (int c = 0; c < PUMP_COMMAND_COUNT; c++)
		names[n++] = pump_command_name((pump_command)c);
	names[n++] = "fill";
	names[n++] = "confirm";
	names[n++] = "any";
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_COMMAND;
	if (!expect_word(w, key, v, "a pump command", names, n, &i))
		return false;
	if (strcmp(names[i], "any") == 0)
		d->e.any_command = true;
	else if (strcmp(names[i], "fill") == 0)
		d->e.command = PUMP_CMD_FILL_RESERVOIR;
	else if (strcmp(names[i], "confirm") == 0)
		d->e.command = PUMP_CMD_CONFIRM_ANNUNCIATION;
	else
		d->e.command = (pump_command)i;
	return true;
}

static bool parse_expect_result(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	static const char *const words[] = {"accepted", "rejected", "any"};
	static const scenario_command_outcome outcomes[] = {
	    SCENARIO_OUTCOME_ACCEPTED, SCENARIO_OUTCOME_REJECTED, SCENARIO_OUTCOME_ANY};
	size_t i = 0;
	d->result_node = v;
	if (!expect_word(w, key, v, "a result", words, 3, &i))
		return false;
	d->e.outcome = outcomes[i];
	return true;
}

/* A pump result name ("max_bolus") or an IDS response code name ("parameter_out_of_range"). */
static bool parse_expect_code(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *what = "a result code: a pump result (ok, max_bolus, not_running, …) or an "
	                   "IDS response code (success, parameter_out_of_range, …)";
	const char *t;
	pump_result r;
	d->code_node = v;
	if (!expect_text(w, key, v, what, &t))
		return false;
	bool known = pump_result_from_name(t, &r);
	for (size_t i = 0; i < IDS_RESPONSE_CODE_COUNT && !known; i++)
		known = strcmp(t, ids_response_code_names[i]) == 0;
	if (known && strlen(t) < sizeof d->e.code) {
		snprintf(d->e.code, sizeof d->e.code, "%s", t);
		return true;
	}
	suggestion sug = suggest_begin(t);
	for (int c = 0; c < PUMP_RESULT_COUNT; c++)
		suggest_consider(&sug, pump_result_name((pump_result)c));
	for (size_t i = 0; i < IDS_RESPONSE_CODE_COUNT; i++)
		suggest_consider(&sug, ids_response_code_names[i]);
	const char *maybe = suggest_result(&sug);
	return fail(w, v->start_mark, key, "expected %s, got %s%s%s%s", what, show(v).text,
	            maybe ? "; did you mean '" : "", maybe ? maybe : "", maybe ? "'?" : "");
}

/* "ok" and "success" are acceptances; every other code is a refusal. */
static bool code_is_acceptance(const char *code)
{
	return strcmp(code, "ok") == 0 || strcmp(code, "success") == 0;
}

static bool parse_expect_source(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	static const char *const words[] = {"phone", "pump", "automation"};
	static const pump_source sources[] = {PUMP_SOURCE_PHONE, PUMP_SOURCE_PUMP,
	                                      PUMP_SOURCE_AUTOMATION};
	size_t i = 0;
	d->source_node = v;
	if (!expect_word(w, key, v, "a source", words, 3, &i))
		return false;
	d->e.source = (int)sources[i];
	return true;
}

static bool parse_count_at_least(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	uint64_t n;
	d->lo_node = v;
	if (!expect_integer_in_range(w, key, v, 0, MAX_EVENTS, &n))
		return false;
	d->e.count.has_lo = true;
	d->e.count.lo = (double)n;
	return true;
}

static bool parse_count_at_most(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	uint64_t n;
	d->hi_node = v;
	if (!expect_integer_in_range(w, key, v, 0, MAX_EVENTS, &n))
		return false;
	d->e.count.has_hi = true;
	d->e.count.hi = (double)n;
	return true;
}

static const field_spec count_fields[] = {
    {.name = "at_least", .parse = parse_count_at_least},
    {.name = "at_most", .parse = parse_count_at_most},
};

static const mapping_spec count_spec = {
    .what = "a number of commands N, or a mapping such as {at_least: 1, at_most: 5}",
    FIELDS(count_fields),
};

/* count: N (exactly) or {at_least, at_most}. */
static bool parse_expect_count(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->count_node = v;
	if (v->type != YAML_MAPPING_NODE) {
		uint64_t n;
		if (!expect_integer_in_range(w, key, v, 0, MAX_EVENTS, &n))
			return false;
		d->e.count = (scenario_bounds){
		    .has_lo = true, .has_hi = true, .lo = (double)n, .hi = (double)n};
		return true;
	}
	if (!walk_mapping(w, key, v, &count_spec, d))
		return false;
	if (!d->lo_node && !d->hi_node)
		return fail(w, v->start_mark, key,
		            "expected at least one of: at_least, at_most, got an empty mapping");
	return check_bounds_order(w, key, "at_least", "at_most", d->hi_node, &d->e.count, false);
}

/* insulin_delivered / carbs_eaten: {between: [LO, HI]} or at_least / at_most */

static const number_range *amount_range(const expect_draft *d)
{
	return d->e.kind == SCENARIO_EXPECT_CARBS ? &carbs_total_range : &insulin_total_range;
}

static bool parse_amount_between(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->between_node = v;
	return expect_number_pair(w, key, v, amount_range(d), &d->e.amount);
}

static bool parse_amount_at_least(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->lo_node = v;
	d->e.amount.has_lo = true;
	return expect_number_in_range(w, key, v, amount_range(d), &d->e.amount.lo);
}

static bool parse_amount_at_most(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->hi_node = v;
	d->e.amount.has_hi = true;
	return expect_number_in_range(w, key, v, amount_range(d), &d->e.amount.hi);
}

static const field_spec amount_fields[] = {
    {.name = "between", .parse = parse_amount_between},
    {.name = "at_least", .parse = parse_amount_at_least},
    {.name = "at_most", .parse = parse_amount_at_most},
};

static const mapping_spec amount_spec = {
    .what = "a mapping such as {between: [30, 45]} or {at_least: 30}",
    FIELDS(amount_fields),
};

static bool parse_amount_mapping(walker *w, const char *key, yaml_node_t *v, expect_draft *d)
{
	if (!walk_mapping(w, key, v, &amount_spec, d))
		return false;
	if (!d->between_node && !d->lo_node && !d->hi_node)
		return fail(w, v->start_mark, key,
		            "expected one of: between, at_least, at_most, got an empty mapping");
	if (d->between_node && (d->lo_node || d->hi_node)) {
		const yaml_node_t *other = d->lo_node ? d->lo_node : d->hi_node;
		char child[KEY_PATH_MAX];
		join_key_path(child, sizeof child, key, d->lo_node ? "at_least" : "at_most");
		return fail(w, other->start_mark, child,
		            "'%s' cannot be combined with 'between' (between gives both ends)",
		            d->lo_node ? "at_least" : "at_most");
	}
	return check_bounds_order(w, key, "at_least", "at_most", d->hi_node, &d->e.amount, false);
}

static bool parse_expect_insulin(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_INSULIN_DELIVERED;
	return parse_amount_mapping(w, key, v, d);
}

static bool parse_expect_carbs(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_CARBS;
	return parse_amount_mapping(w, key, v, d);
}

/* therapy_state: run | pause | stop, at: CLOCK */

static bool parse_expect_therapy_state(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	static const pump_therapy_state states[] = {PUMP_THERAPY_RUN, PUMP_THERAPY_PAUSE,
	                                            PUMP_THERAPY_STOP};
	const char *names[3];
	for (size_t i = 0; i < 3; i++)
		names[i] = pump_therapy_state_name(states[i]);
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_THERAPY_STATE;
	if (!expect_word(w, key, v, "a therapy state", names, 3, &i))
		return false;
	d->e.therapy = states[i];
	return true;
}

static bool parse_expect_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->at_node = v;
	return expect_clock_run_min(w, key, v, &d->e.at_min) &&
	       check_within_run(w, key, v, d->e.at_min, false);
}

/* window: [FROM, TO], clock times, TO exclusive (it may be the end of the run). */
static bool parse_expect_window(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *what = "a window [FROM, TO] of two clock times such as [\"d1 06:00\", \"d1 "
	                   "23:00\"]";
	char from_key[KEY_PATH_MAX], to_key[KEY_PATH_MAX];
	size_t count = 0;
	d->window_node = v;
	if (!expect_sequence(w, key, v, what, &count))
		return false;
	if (count != 2)
		return fail(w, v->start_mark, key, "expected %s, got a list of %zu", what, count);
	const yaml_node_t *from = sequence_item(w, v, 0), *to = sequence_item(w, v, 1);
	item_key_path(from_key, sizeof from_key, key, 0);
	item_key_path(to_key, sizeof to_key, key, 1);
	int64_t from_min, to_min;
	if (!expect_clock_run_min(w, from_key, from, &from_min) ||
	    !check_within_run(w, from_key, from, from_min, false) ||
	    !expect_clock_run_min(w, to_key, to, &to_min))
		return false;
	if (to_min <= from_min)
		return fail(w, to->start_mark, to_key,
		            "expected a time after the window's start %s (the end is exclusive), "
		            "got %s",
		            show_bare(from).text, show(to).text);
	if (!check_within_run(w, to_key, to, to_min, true))
		return false;
	d->e.has_window = true;
	d->e.window_from_min = from_min;
	d->e.window_to_min = to_min;
	return true;
}

/*
 * refused: any | REASON — refusals of the pump's Bluetooth server (audit events); REASON is
 * matched as part of the audit's reason ("replay", "e2e", "authentication", "rate limit",
 * "invalid operand", …; docs/ble.md lists them).
 */
static bool parse_expect_refused(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *t;
	d->e.kind = SCENARIO_EXPECT_REFUSED;
	if (!expect_text(w, key, v, "any, or a reason such as replay, e2e or authentication", &t))
		return false;
	if (strlen(t) >= sizeof d->e.code || !*t)
		return fail_expected(w, key, v, "a reason of at most 47 characters");
	snprintf(d->e.code, sizeof d->e.code, "%s", strcmp(t, "any") == 0 ? "" : t);
	return true;
}

/*
 * attack: KIND | any — attacks the run played (each reports what it sent, engine_ble.c);
 * with `answer:` only those whose last request got that answer.
 */
static bool parse_expect_attack(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *names[SCENARIO_ATTACK_COUNT + 1];
	for (int i = 0; i < SCENARIO_ATTACK_COUNT; i++)
		names[i] = scenario_attack_name((scenario_attack)i);
	names[SCENARIO_ATTACK_COUNT] = "any";
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_ATTACK;
	if (!expect_word(w, key, v, "an attack kind", names, SCENARIO_ATTACK_COUNT + 1, &i))
		return false;
	d->e.attack = i == SCENARIO_ATTACK_COUNT ? -1 : (int)i;
	return true;
}

/* answer: what the attack's last request got — an ATT error (e2e_invalid_counter,
 * insufficient_authentication, …), an IDS response code (procedure_not_applicable, …),
 * success, accepted (a read or plain write went through) or refused (another CP's code). */
static bool parse_expect_answer(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *names[300];
	size_t n = 0;
	names[n++] = "accepted";
	names[n++] = "refused";
	for (size_t i = 0; i < IDS_RESPONSE_CODE_COUNT; i++)
		names[n++] = ids_response_code_names[i];
	for (int c = 1; c < 256; c++)
		if (strcmp(att_error_name((uint8_t)c), "unknown") != 0)
			names[n++] = att_error_name((uint8_t)c);
	const char *what = "an answer such as e2e_invalid_counter, insufficient_authentication, "
	                   "procedure_not_applicable, success or accepted (docs/scenarios.md lists "
	                   "them)";
	const char *t;
	d->answer_node = v;
	if (!expect_text(w, key, v, what, &t))
		return false;
	suggestion sug = suggest_begin(t);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t, names[i]) == 0) {
			snprintf(d->e.code, sizeof d->e.code, "%s", names[i]);
			return true;
		}
		suggest_consider(&sug, names[i]);
	}
	const char *maybe = suggest_result(&sug);
	return fail(w, v->start_mark, key, "expected %s, got %s%s%s%s", what, show(v).text,
	            maybe ? "; did you mean '" : "", maybe ? maybe : "", maybe ? "'?" : "");
}

/* history: EVENT — IDS history records (by event type name, e.g. bolus_delivered_1) that
 * phones received with read: history. */
static bool parse_expect_history(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *what = "an IDS history event such as bolus_delivered_1 or "
	                   "therapy_control_state_changed (docs/ble.md lists them)";
	const char *t;
	d->e.kind = SCENARIO_EXPECT_HISTORY;
	if (!expect_text(w, key, v, what, &t))
		return false;
	suggestion sug = suggest_begin(t);
	for (size_t i = 0; i < ids_history_event_table.count; i++) {
		if (strcmp(t, ids_history_event_table.codes[i].name) == 0) {
			d->e.history_event = ids_history_event_table.codes[i].value;
			return true;
		}
		suggest_consider(&sug, ids_history_event_table.codes[i].name);
	}
	const char *maybe = suggest_result(&sug);
	return fail(w, v->start_mark, key, "expected %s, got %s%s%s%s", what, show(v).text,
	            maybe ? "; did you mean '" : "", maybe ? maybe : "", maybe ? "'?" : "");
}

/* Table order is parse order: the kind first (modifiers may depend on it). */
static const field_spec expect_fields[] = {
    {.name = "bg", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_bg},
    {.name = "time_in_range", .one_of_group = EXPECT_KIND_GROUP,
     .parse = parse_expect_time_in_range},
    {.name = "annunciation", .one_of_group = EXPECT_KIND_GROUP,
     .parse = parse_expect_annunciation},
    {.name = "command", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_command},
    {.name = "insulin_delivered", .one_of_group = EXPECT_KIND_GROUP,
     .parse = parse_expect_insulin},
    {.name = "carbs_eaten", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_carbs},
    {.name = "therapy_state", .one_of_group = EXPECT_KIND_GROUP,
     .parse = parse_expect_therapy_state},
    {.name = "refused", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_refused},
    {.name = "attack", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_attack},
    {.name = "history", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_history},
    /* modifiers, checked against the kind after parsing */
    {.name = "window", .parse = parse_expect_window},
    {.name = "within", .parse = parse_expect_within},
    {.name = "after", .parse = parse_expect_after},
    {.name = "never", .parse = parse_expect_never},
    {.name = "result", .parse = parse_expect_result},
    {.name = "code", .parse = parse_expect_code},
    {.name = "source", .parse = parse_expect_source},
    {.name = "count", .parse = parse_expect_count},
    {.name = "at", .parse = parse_expect_at},
    {.name = "answer", .parse = parse_expect_answer},
};

static const mapping_spec expect_spec = {
    .what = "an expectation such as {bg: {min_above: 54}}",
    FIELDS(expect_fields),
};

/* Modifiers belong to one kind; never excludes within/after; a code agrees with result. */
static bool check_expect_modifiers(walker *w, const char *item_key, expect_draft *d)
{
	const scenario_expect_kind kind = d->e.kind;
	char key[KEY_PATH_MAX];
	const struct {
		const yaml_node_t *node;
		const char *name;
		scenario_expect_kind kind;
	} modifiers[] = {
	    {d->within_node, "within", SCENARIO_EXPECT_ANNUNCIATION},
	    {d->after_node, "after", SCENARIO_EXPECT_ANNUNCIATION},
	    {d->never_node, "never", SCENARIO_EXPECT_ANNUNCIATION},
	    {d->result_node, "result", SCENARIO_EXPECT_COMMAND},
	    {d->code_node, "code", SCENARIO_EXPECT_COMMAND},
	    {d->source_node, "source", SCENARIO_EXPECT_COMMAND},
	    {d->count_node, "count", SCENARIO_EXPECT_COMMAND},
	    {d->at_node, "at", SCENARIO_EXPECT_THERAPY_STATE},
	    {d->answer_node, "answer", SCENARIO_EXPECT_ATTACK},
	};
	for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++) {
		if (modifiers[i].node == NULL || modifiers[i].kind == kind)
			continue;
		if ((kind == SCENARIO_EXPECT_REFUSED || kind == SCENARIO_EXPECT_ATTACK ||
		     kind == SCENARIO_EXPECT_HISTORY) &&
		    modifiers[i].node == d->count_node)
			continue; /* a count of refusals, attacks, records */
		join_key_path(key, sizeof key, item_key, modifiers[i].name);
		return fail(w, modifiers[i].node->start_mark, key, "'%s' goes with %s, not %s",
		            modifiers[i].name, expect_kind_names[modifiers[i].kind],
		            expect_kind_names[kind]);
	}
	if (kind == SCENARIO_EXPECT_THERAPY_STATE) {
		if (d->window_node) {
			join_key_path(key, sizeof key, item_key, "window");
			return fail(w, d->window_node->start_mark, key,
			            "'window' does not go with therapy_state (it is checked at one "
			            "moment, at)");
		}
		if (!d->at_node)
			return fail(w, d->item_node->start_mark, item_key,
			            "a therapy_state expectation needs at (e.g. at: \"14:30\")");
	}
	if (d->never_node && (d->within_node || d->after_node)) {
		const yaml_node_t *other = d->within_node ? d->within_node : d->after_node;
		join_key_path(key, sizeof key, item_key, d->within_node ? "within" : "after");
		return fail(w, other->start_mark, key,
		            "'%s' cannot be combined with 'never' (never: the annunciation is not "
		            "raised at all, in the window if one is given)",
		            d->within_node ? "within" : "after");
	}
	if (d->code_node && d->result_node && d->e.outcome != SCENARIO_OUTCOME_ANY) {
		bool accepted = code_is_acceptance(d->e.code);
		if (accepted != (d->e.outcome == SCENARIO_OUTCOME_ACCEPTED)) {
			join_key_path(key, sizeof key, item_key, "code");
			return fail(w, d->code_node->start_mark, key,
			            "expected a code of %s command, got %s (a code of %s command)",
			            accepted ? "a rejected" : "an accepted",
			            show(d->code_node).text,
			            accepted ? "an accepted" : "a rejected");
		}
	}
	return true;
}

/* A compact one-line rendering of a node as written, into a bounded buffer. */
typedef struct text_out {
	char buf[512];
	size_t used;
	bool cut;
} text_out;

static void put_text(text_out *o, const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (o->used + 1 >= sizeof o->buf) {
			o->cut = true;
			return;
		}
		unsigned char c = (unsigned char)t[i];
		o->buf[o->used++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	o->buf[o->used] = '\0';
}

static void put_str(text_out *o, const char *t)
{
	put_text(o, t, strlen(t));
}

static void render_node(walker *w, const yaml_node_t *n, text_out *o, int depth)
{
	if (n == NULL || o->cut || depth > 8) {
		put_str(o, "...");
		return;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (is_plain(n)) {
			put_text(o, scalar_text(n), n->data.scalar.length);
		} else {
			put_str(o, "\"");
			put_text(o, scalar_text(n), n->data.scalar.length);
			put_str(o, "\"");
		}
		return;
	case YAML_SEQUENCE_NODE:
		put_str(o, "[");
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && !o->cut; it++) {
			if (it != n->data.sequence.items.start)
				put_str(o, ", ");
			render_node(w, node_at(w, *it), o, depth + 1);
		}
		put_str(o, "]");
		return;
	case YAML_MAPPING_NODE:
		put_str(o, "{");
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top && !o->cut; p++) {
			if (p != n->data.mapping.pairs.start)
				put_str(o, ", ");
			render_node(w, node_at(w, p->key), o, depth + 1);
			const yaml_node_t *value = node_at(w, p->value);
			if (is_plain(value) && value->data.scalar.length == 0)
				continue; /* {at: "09:00", suspend} */
			put_str(o, ": ");
			render_node(w, value, o, depth + 1);
		}
		put_str(o, "}");
		return;
	case YAML_NO_NODE:
	default:
		return;
	}
}

/* The node as written, one line, at most len - 1 bytes (cut at a character, "..." added). */
static void render_one_line(walker *w, const yaml_node_t *n, char *out, size_t len)
{
	text_out o = {.used = 0, .cut = false};
	o.buf[0] = '\0';
	render_node(w, n, &o, 0);
	if (!o.cut && o.used < len) {
		memcpy(out, o.buf, o.used + 1);
		return;
	}
	size_t keep = len - 4;
	while (keep > 0 && ((unsigned char)o.buf[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(out, o.buf, keep);
	memcpy(out + keep, "...", 4);
}

static bool parse_expect(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	load_state *ls = w->ls;
	size_t count = 0;
	if (!expect_sequence(w, key, v, "a list of expectations", &count))
		return false;
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX];
		yaml_node_t *item = sequence_item(w, v, i);
		item_key_path(item_key, sizeof item_key, key, i);
		expect_draft d = {.item_node = item};
		d.e.source = -1;
		if (!walk_mapping(w, item_key, item, &expect_spec, &d) ||
		    !check_expect_modifiers(w, item_key, &d))
			return false;
		if (d.e.kind == SCENARIO_EXPECT_COMMAND && d.count_node == NULL)
			d.e.count = (scenario_bounds){.has_lo = true, .lo = 1.0};
		d.e.file = w->file;
		d.e.line = (int)item->start_mark.line + 1;
		d.e.column = (int)item->start_mark.column + 1;
		render_one_line(w, item, d.e.text, sizeof d.e.text);
		if (s->expectation_count >= MAX_EXPECTATIONS)
			return fail(w, item->start_mark, item_key,
			            "expected at most %d expectations in all, got more",
			            MAX_EXPECTATIONS);
		scenario_expectation *grown =
		    grow_array(s->expectations, &ls->expectations_cap, s->expectation_count + 1,
		               sizeof *s->expectations);
		if (grown == NULL)
			return fail(w, item->start_mark, item_key, "out of memory");
		s->expectations = grown;
		s->expectations[s->expectation_count++] = d.e;
	}
	return true;
}

/* --- expect_failure ------------------------------------------------------------------- */

/* Words a YAML reader would take for something other than text. */
static bool is_non_text_word(const yaml_node_t *n)
{
	static const char *const words[] = {"true", "false", "yes", "no", "on", "off"};
	if (!is_plain(n))
		return false;
	const char *t = scalar_text(n);
	if (is_null_word(t) || classify_number_text(t) != NOT_A_NUMBER)
		return true;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (ascii_equal_nocase(t, words[i]))
			return true;
	return false;
}

static bool parse_expect_failure(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	const char *what = "the reason as one line of text (e.g. expect_failure: \"the late bolus "
	                   "is not caught\")";
	const char *t;
	if (is_non_text_word(v))
		return fail_expected(w, key, v, what);
	if (!expect_text(w, key, v, what, &t))
		return false;
	char *copy = strdup(t);
	if (copy == NULL)
		return fail(w, v->start_mark, key, "out of memory");
	free(s->expect_failure);
	s->expect_failure = copy;
	return true;
}

/* ------------------------------------------------------------------------------------ */
/* Reading files and documents                                                           */
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
	/* libyaml says "found character that cannot start any token" for an indenting tab. */
	if (p->problem_mark.index < len && text[p->problem_mark.index] == '\t')
		return fail_plain(err,
		                  "%s:%zu:%zu: YAML syntax error: a tab character; YAML indents with "
		                  "spaces only (libyaml: %s)",
		                  path, line, column, problem);
	if (p->context != NULL)
		return fail_plain(err,
		                  "%s:%zu:%zu: YAML syntax error: %s (%s started at line %zu, "
		                  "column %zu)",
		                  path, line, column, problem, p->context,
		                  (size_t)p->context_mark.line + 1,
		                  (size_t)p->context_mark.column + 1);
	return fail_plain(err, "%s:%zu:%zu: YAML syntax error: %s", path, line, column, problem);
}

typedef enum read_status {
	READ_OK,
	READ_CANNOT_OPEN,
	READ_CANNOT_READ,
	READ_TOO_LARGE,
	READ_NO_MEMORY,
} read_status;

/*
 * The whole file into *out (owned by the caller, NUL-terminated, *out_len bytes before the
 * NUL). On failure nothing is allocated and *out_errno says why (for OPEN and READ).
 */
static read_status read_whole_file(const char *path, char **out, size_t *out_len, int *out_errno)
{
	*out = NULL;
	*out_len = 0;
	*out_errno = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*out_errno = errno;
		return READ_CANNOT_OPEN;
	}
	read_status st = READ_OK;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	if (buf == NULL) {
		st = READ_NO_MEMORY;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE_BYTES) {
				st = READ_TOO_LARGE;
				goto out;
			}
			char *bigger = realloc(buf, cap * 2 + 1);
			if (bigger == NULL) {
				st = READ_NO_MEMORY;
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
		*out_errno = errno;
		st = READ_CANNOT_READ;
	}
out:
	fclose(f);
	if (st != READ_OK) {
		free(buf);
		return st;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return READ_OK;
}

/* "cannot open: No such file or directory", … : why a file could not be read. */
static const char *describe_read_failure(read_status st, int error, char *buf, size_t len)
{
	switch (st) {
	case READ_CANNOT_OPEN:
		snprintf(buf, len, "cannot open: %s", strerror(error));
		break;
	case READ_CANNOT_READ:
		snprintf(buf, len, "cannot read: %s", strerror(error));
		break;
	case READ_TOO_LARGE:
		snprintf(buf, len, "too large for a scenario (%d MiB or more)",
		         MAX_FILE_BYTES / (1024 * 1024));
		break;
	case READ_NO_MEMORY:
		snprintf(buf, len, "out of memory");
		break;
	case READ_OK:
	default:
		snprintf(buf, len, "read");
		break;
	}
	return buf;
}

/*
 * The parser's one document into *doc, with a root node. False with `err` filled (and no
 * document left to delete) when it is not YAML, empty (`empty_message` at 1:1), or followed
 * by a second document (`what` names the file then: "scenario file", "fragment").
 */
static bool load_one_document(yaml_parser_t *parser, const char *text, size_t len,
                              const char *path, const char *what, const char *empty_message,
                              scenario_error *err, yaml_document_t *doc)
{
	yaml_document_t extra;
	if (!yaml_parser_load(parser, doc))
		return fail_yaml(parser, path, text, len, err);
	if (yaml_document_get_root_node(doc) == NULL) {
		yaml_document_delete(doc);
		return fail_plain(err, "%s:1:1: %s", path, empty_message);
	}
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(parser, &extra)) {
		yaml_document_delete(doc);
		return fail_yaml(parser, path, text, len, err);
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	yaml_mark_t extra_mark = extra.start_mark;
	yaml_document_delete(&extra);
	if (extra_root != NULL) {
		walker w = {.doc = NULL, .path = path, .err = err};
		yaml_document_delete(doc);
		return fail(&w, extra_mark, "", "a %s holds one YAML document; found a second",
		            what);
	}
	return true;
}

/* ------------------------------------------------------------------------------------ */
/* include:                                                                              */
/* ------------------------------------------------------------------------------------ */

static bool parse_include(walker *w, const char *key, yaml_node_t *v, void *ctx);

/* Table order is parse order: a fragment's own events come before those it includes. */
static const field_spec fragment_fields[] = {
    {.name = "events", .parse = parse_events},
    {.name = "expect", .parse = parse_expect},
    {.name = "include", .parse = parse_include},
};

static const mapping_spec fragment_spec = {
    .what = "a fragment: a mapping with events, expect or include",
    FIELDS(fragment_fields),
};

/* `rel` next to the file `including` (as named in messages); absolute paths stay. Owned. */
static char *resolve_include_path(const char *including, const char *rel)
{
	size_t dir_len = 0;
	if (rel[0] != '/') {
		const char *slash = strrchr(including, '/');
		dir_len = slash ? (size_t)(slash - including) + 1 : 0;
	}
	size_t rel_len = strlen(rel);
	char *out = malloc(dir_len + rel_len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, including, dir_len);
	memcpy(out + dir_len, rel, rel_len + 1);
	return out;
}

/* The scenario's own copy of an included file's name (one per name); NULL if out of memory. */
static const char *register_included(scenario *s, const char *name)
{
	for (size_t i = 0; i < s->included_count; i++)
		if (strcmp(s->included_files[i], name) == 0)
			return s->included_files[i];
	char *copy = strdup(name);
	char **grown = realloc(s->included_files, (s->included_count + 1) * sizeof *grown);
	if (copy == NULL || grown == NULL) {
		free(copy);
		if (grown != NULL)
			s->included_files = grown;
		return NULL;
	}
	s->included_files = grown;
	s->included_files[s->included_count++] = copy;
	return copy;
}

/* "a.yaml -> b.yaml -> a.yaml": the include stack from `from` on, then `again`. */
static void describe_cycle(const load_state *ls, size_t from, const char *again, char *buf,
                           size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = from; i <= ls->depth; i++) {
		const char *name = i < ls->depth ? ls->shown[i] : again;
		int n = snprintf(buf + used, len - used, "%s%s", used ? " -> " : "", name);
		if (n < 0 || (size_t)n >= len - used) {
			mark_if_truncated(buf, len, n);
			return;
		}
		used += (size_t)n;
	}
}

/* Reads one fragment, named by node `n` in the including file, into the scenario. */
static bool include_one(walker *w, const char *key, const yaml_node_t *n)
{
	load_state *ls = w->ls;
	const char *rel;
	if (!expect_text(w, key, n, "a fragment file such as fragments/meals.yaml", &rel))
		return false;
	if (ls->depth > MAX_INCLUDE_DEPTH)
		return fail(w, n->start_mark, key,
		            "expected includes nested at most %d deep, got %s one level deeper",
		            MAX_INCLUDE_DEPTH, show(n).text);
	if (ls->inclusions >= MAX_INCLUSIONS)
		return fail(w, n->start_mark, key, "expected at most %d fragments in all, got more",
		            MAX_INCLUSIONS);

	bool ok = false, parser_ready = false;
	char *path = resolve_include_path(w->path, rel);
	char *text = NULL;
	size_t len = 0;
	yaml_parser_t parser;
	if (path == NULL) {
		fail(w, n->start_mark, key, "out of memory");
		goto out;
	}
	int error = 0;
	read_status st = read_whole_file(path, &text, &len, &error);
	if (st != READ_OK) {
		char why[160];
		fail(w, n->start_mark, key, "expected a readable fragment file, got %s (%s: %s)",
		     show(n).text, path, describe_read_failure(st, error, why, sizeof why));
		goto out;
	}
	/* The same file, whatever the path that names it (../x.yaml, a link); by name when a
	 * file on the stack is not on disk. */
	file_identity id = identify_file(path);
	for (size_t i = 0; i < ls->depth; i++) {
		const file_identity *o = &ls->id[i];
		bool same = id.known && o->known ? id.dev == o->dev && id.ino == o->ino
		                                 : strcmp(ls->shown[i], path) == 0;
		if (!same)
			continue;
		char chain[320];
		describe_cycle(ls, i, path, chain, sizeof chain);
		fail(w, n->start_mark, key,
		     "expected a file that is not already being included, got %s (include cycle: "
		     "%s)",
		     show(n).text, chain);
		goto out;
	}
	const char *file = register_included(ls->s, path);
	if (file == NULL || !yaml_parser_initialize(&parser)) {
		fail(w, n->start_mark, key, "out of memory");
		goto out;
	}
	parser_ready = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yaml_document_t doc;
	if (!load_one_document(&parser, text, len, file, "fragment",
	                       "empty fragment (expected a mapping with events, expect or include)",
	                       w->err, &doc))
		goto out;
	walker fw = {.doc = &doc, .path = file, .err = w->err, .ls = ls, .file = file};
	ls->id[ls->depth] = id;
	ls->shown[ls->depth] = file;
	ls->depth++;
	ls->inclusions++;
	ok = walk_mapping(&fw, "", yaml_document_get_root_node(&doc), &fragment_spec, ls->s);
	ls->depth--;
	yaml_document_delete(&doc);
out:
	if (parser_ready)
		yaml_parser_delete(&parser);
	free(text);
	free(path);
	return ok;
}

/* include: PATH or [PATH, …], each relative to the file that names it. */
static bool parse_include(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	(void)ctx;
	if (v->type != YAML_SEQUENCE_NODE)
		return include_one(w, key, v);
	size_t count = 0;
	if (!expect_sequence(w, key, v, "a list of fragment files", &count))
		return false;
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX];
		item_key_path(item_key, sizeof item_key, key, i);
		if (!include_one(w, item_key, sequence_item(w, v, i)))
			return false;
	}
	return true;
}

/* --- the document --------------------------------------------------------------------- */

/*
 * Table order is parse order: events come after start and duration, which they use;
 * include comes after the file's own events and expectations (merge order, see docs).
 */
static bool parse_security(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	static const char *const profiles[] = {"hardened", "legacy-vulnerable"};
	size_t i = 0;
	if (!expect_word(w, key, v, "a security profile", profiles, 2, &i))
		return false;
	s->security = i == 0 ? SCENARIO_SECURITY_HARDENED : SCENARIO_SECURITY_LEGACY_VULNERABLE;
	return true;
}

static bool parse_e2e(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return expect_bool(w, key, v, &s->e2e);
}

static const field_spec scenario_fields[] = {
    {.name = "name", .parse = parse_name},
    {.name = "patient", .required = true, .parse = parse_patient},
    {.name = "duration", .required = true, .parse = parse_duration_key},
    {.name = "start", .parse = parse_start},
    {.name = "seed", .parse = parse_seed},
    {.name = "cgm", .parse = parse_cgm},
    {.name = "pump", .parse = parse_pump},
    {.name = "security", .parse = parse_security},
    {.name = "e2e", .parse = parse_e2e},
    {.name = "events", .parse = parse_events},
    {.name = "expect", .parse = parse_expect},
    {.name = "include", .parse = parse_include},
    {.name = "expect_failure", .parse = parse_expect_failure},
};

static const mapping_spec scenario_spec = {
    .what = "a mapping of scenario keys (patient, duration, ...)",
    FIELDS(scenario_fields),
};

/* ------------------------------------------------------------------------------------ */
/* Loading                                                                               */
/* ------------------------------------------------------------------------------------ */

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
	yaml_document_t doc;
	if (!load_one_document(parser, text, len, path, "scenario file",
	                       "empty scenario (expected a mapping with at least the keys "
	                       "patient and duration)",
	                       err, &doc))
		return false;

	load_state ls = {.s = s, .depth = 1};
	ls.id[0] = identify_file(path);
	ls.shown[0] = s->path;
	walker w = {.doc = &doc, .path = path, .err = err, .ls = &ls, .file = s->path};
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	bool ok = walk_mapping(&w, "", root, &scenario_spec, s);
	if (ok && !s->pump_resolved) {
		const char *problem = resolve_pump(s);
		if (problem)
			ok = fail(&w, root->start_mark, "pump", "inconsistent pump settings: %s",
			          problem);
	}
	if (ok && !sort_events(s->events, s->event_count))
		ok = fail_plain(err, "%s: out of memory sorting %zu events", path, s->event_count);
	if (ok && s->event_count > 0 && s->event_count < ls.events_cap) {
		scenario_event *fit = realloc(s->events, s->event_count * sizeof *fit);
		if (fit != NULL)
			s->events = fit;
	}
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
	    .e2e = true,
	    .bolus_speed_u_per_min = DEFAULT_BOLUS_SPEED_U_PER_MIN,
	};
	pump_config_defaults(&s.pump);
	/* Unless the file says otherwise, the bolus calculator uses the patient's own. */
	s.pump.carb_ratio_g_per_u = NAN;
	s.pump.correction_factor_mgdl_per_u = NAN;
	/* The path first: events and expectations point at it. */
	s.path = strdup(path);
	s.text = malloc(len + 1);
	if (s.path == NULL || s.text == NULL) {
		scenario_free(&s);
		return fail_plain(err, "%s: out of memory", path);
	}
	memcpy(s.text, text, len);
	s.text[len] = '\0';
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		scenario_free(&s);
		return fail_plain(err, "%s: out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	bool ok = load_document(&parser, text, len, path, &s, err);
	yaml_parser_delete(&parser);

	if (ok && s.name == NULL) {
		s.name = default_name(path);
		if (s.name == NULL)
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

	char *text = NULL;
	size_t len = 0;
	int error = 0;
	read_status st = read_whole_file(path, &text, &len, &error);
	if (st != READ_OK) {
		char why[160];
		return fail_plain(err, "%s: %s", path,
		                  describe_read_failure(st, error, why, sizeof why));
	}
	bool ok = scenario_load_string(text, len, path, out, err);
	free(text);
	return ok;
}

void scenario_free(scenario *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->path);
	free(s->events);
	free(s->expectations);
	free(s->expect_failure);
	free(s->text);
	for (size_t i = 0; i < s->included_count; i++)
		free(s->included_files[i]);
	free(s->included_files);
	memset(s, 0, sizeof *s);
}
