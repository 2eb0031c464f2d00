/*
 * walk_values — see walk_values.h. Numbers follow the YAML 1.2 core schema's grammar for
 * decimal numbers (plain scalars only).
 */
#include "walk_values.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A non-empty scalar without NUL or control characters (tab excepted); `what` describes
 * the expected value for the message. Sets *out to the node's text (owned by the document).
 */
bool walk_text(walker *w, const char *key, const yaml_node_t *n, const char *what, const char **out)
{
	*out = ""; /* never read on failure; set so that no caller sees an indeterminate value */
	if (!node_is_scalar(n) || n->data.scalar.length == 0)
		return walk_fail_expected(w, key, n, what);
	const char *t = node_text(n);
	if (strlen(t) != n->data.scalar.length)
		return walk_fail(w, n->start_mark, key,
		                 "expected %s, got text with a NUL character", what);
	for (const char *p = t; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return walk_fail(
			    w, n->start_mark, key,
			    "expected %s, got text with a control character or line break", what);
	*out = t;
	return true;
}

bool text_equal_nocase(const char *a, const char *b)
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
number_syntax number_syntax_of_text(const char *p)
{
	if (*p == '-' || *p == '+')
		p++;
	const char *word = *p == '.' ? p + 1 : p;
	if (text_equal_nocase(word, "nan") || text_equal_nocase(word, "inf") ||
	    text_equal_nocase(word, "infinity"))
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
number_syntax number_syntax_of_node(const yaml_node_t *n)
{
	return node_is_plain(n) ? number_syntax_of_text(node_text(n)) : NOT_A_NUMBER;
}

/* A quoted scalar that would be a number without its quotes. */
bool node_is_quoted_number(const yaml_node_t *n)
{
	return node_is_scalar(n) && !node_is_plain(n) &&
	       number_syntax_of_text(node_text(n)) != NOT_A_NUMBER;
}

/*
 * strtod in the C locale whatever the process's locale is (a viewer may call setlocale,
 * and "0.8" must not read as 0 under a decimal comma). Only called on validated text.
 */
double number_from_text(const char *text)
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
bool walk_number(walker *w, const char *key, const yaml_node_t *n, const char *what, double *out)
{
	switch (number_syntax_of_node(n)) {
	case NUMBER_FINITE: {
		double v = number_from_text(node_text(n));
		if (!isfinite(v))
			return walk_fail(w, n->start_mark, key,
			                 "expected %s, got %s (too large to be a number)", what,
			                 walk_show(n).text);
		*out = v;
		return true;
	}
	case NUMBER_NOT_FINITE:
		return walk_fail(w, n->start_mark, key, "expected %s, got %s (not a finite number)",
		                 what, walk_show(n).text);
	case NOT_A_NUMBER:
		break;
	}
	if (node_is_quoted_number(n))
		return walk_fail(
		    w, n->start_mark, key,
		    "expected %s, got %s (a quoted string; write numbers without quotes)", what,
		    walk_show(n).text);
	return walk_fail_expected(w, key, n, what);
}

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

bool walk_number_in_range(walker *w, const char *key, const yaml_node_t *n, const number_range *r,
                          double *out)
{
	range_text expected = describe_range(r);
	double v = 0.0;
	if (!walk_number(w, key, n, expected.text, &v))
		return false;
	bool low_ok = r->lo_open ? v > r->lo : v >= r->lo;
	if (!low_ok || v > r->hi)
		return walk_fail_expected(w, key, n, expected.text);
	*out = v;
	return true;
}

/* A plain unsigned decimal integer lo … hi (no sign, fraction or exponent). */
bool walk_integer(walker *w, const char *key, const yaml_node_t *n, uint64_t lo, uint64_t hi,
                  uint64_t *out)
{
	char expected[96];
	snprintf(expected, sizeof expected, "an integer %llu to %llu", (unsigned long long)lo,
	         (unsigned long long)hi);
	double ignored;
	if (!walk_number(w, key, n, expected, &ignored))
		return false;
	const char *p = node_text(n);
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
		return walk_fail_expected(w, key, n, expected);
	*out = v;
	return true;
}

/* A positive amount of some unit (lo exclusive), with the range in the message. */
bool walk_number_between(walker *w, const char *key, yaml_node_t *v, double lo, double hi,
                         bool lo_open, const char *what, double *out)
{
	const number_range r = {.what = what, .lo = lo, .hi = hi, .lo_open = lo_open};
	return walk_number_in_range(w, key, v, &r, out);
}

/* "on"/"off", "true"/"false", "yes"/"no" (YAML 1.1 booleans people write). */
bool walk_bool(walker *w, const char *key, const yaml_node_t *n, bool *out)
{
	static const char *const yes[] = {"true", "on", "yes"}, *const no[] = {"false", "off",
	                                                                       "no"};
	if (node_is_scalar(n) && node_is_plain(n)) {
		for (size_t i = 0; i < 3; i++) {
			if (text_equal_nocase(node_text(n), yes[i])) {
				*out = true;
				return true;
			}
			if (text_equal_nocase(node_text(n), no[i])) {
				*out = false;
				return true;
			}
		}
	}
	return walk_fail_expected(w, key, n, "true or false");
}

/*
 * One of `words`, exactly; `what` names the value ("a link") and the message lists the
 * words and suggests the closest. *out is the index of the word.
 */
bool walk_word(walker *w, const char *key, const yaml_node_t *n, const char *what,
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
	if (!walk_text(w, key, n, expected, &t))
		return false;
	for (size_t i = 0; i < count; i++)
		if (strcmp(t, words[i]) == 0) {
			*out = i;
			return true;
		}
	suggestion sug = suggest_begin(t);
	for (size_t i = 0; i < count; i++)
		suggest_consider(&sug, words[i]);
	return walk_fail_choice(w, key, n, expected, &sug);
}

/* true/yes/on (or no value): for keys that only make sense switched on. */
bool walk_true(walker *w, const char *key, const yaml_node_t *v)
{
	bool on = true;
	if (node_is_scalar(v) && (text_is_null_word(node_text(v)) || v->data.scalar.length == 0))
		return true;
	if (!walk_bool(w, key, v, &on))
		return false;
	if (!on)
		return walk_fail(w, v->start_mark, key, "expected true (or no value), got %s",
		                 walk_show(v).text);
	return true;
}

bool percent_of_text(const char *t, double *out)
{
	size_t len = strlen(t);
	char number[32];
	if (len < 2 || t[len - 1] != '%' || len - 1 >= sizeof number)
		return false;
	memcpy(number, t, len - 1);
	number[len - 1] = '\0';
	if (number_syntax_of_text(number) != NUMBER_FINITE)
		return false;
	*out = number_from_text(number);
	return isfinite(*out);
}
