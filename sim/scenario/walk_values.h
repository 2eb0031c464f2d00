/*
 * walk_values — typed accessors for the scalars of a scenario file: text, numbers (the YAML
 * 1.2 core schema's decimal grammar, plain scalars only), ranges, integers, booleans, one
 * word of a list, percentages. Each writes its message at the node and returns false when
 * the value is not what it expects (see walk.h).
 *
 * Must never: accept a number written as a string ("50" in quotes), NaN or infinity, or read
 * a number in the process's locale (a decimal comma).
 */
#ifndef FAKEPUMP_SCENARIO_WALK_VALUES_H
#define FAKEPUMP_SCENARIO_WALK_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "walk.h"

/*
 * A non-empty scalar without NUL or control characters (tab excepted); `what` describes
 * the expected value for the message. Sets *out to the node's text (owned by the document).
 */
bool walk_text(walker *w, const char *key, const yaml_node_t *n, const char *what,
               const char **out);

typedef enum number_syntax {
	NOT_A_NUMBER,
	NUMBER_FINITE,
	NUMBER_NOT_FINITE, /* .nan, .inf, nan, inf, infinity (any case, any sign) */
} number_syntax;

/* [-+]? ( \.[0-9]+ | [0-9]+ (\.[0-9]*)? ) ([eE][-+]?[0-9]+)?; hex, octal, "1_000" are not. */
number_syntax number_syntax_of_text(const char *text);
/* Numbers are plain scalars; "50" in quotes is a string. */
number_syntax number_syntax_of_node(const yaml_node_t *n);
/* A quoted scalar that would be a number without its quotes. */
bool node_is_quoted_number(const yaml_node_t *n);
/* strtod in the C locale, whatever the process's locale; only on validated text. */
double number_from_text(const char *text);
/* ASCII case-insensitive equality; `b` in lower case. */
bool text_equal_nocase(const char *a, const char *b);
/* "50%" (or "50.5%"): the number before the sign; false when the text is not a number and a
 * percent sign. */
bool percent_of_text(const char *text, double *out);

/* A finite decimal number written plain; `what` describes it in the message. */
bool walk_number(walker *w, const char *key, const yaml_node_t *n, const char *what, double *out);

/* An inclusive or left-open range of a quantity, for checks and for messages. */
typedef struct number_range {
	const char *what; /* "a rate in U/h" */
	double lo, hi;
	bool lo_open; /* lo itself is not allowed: lo < x <= hi */
} number_range;

/* A number in r; the message gives the range ("a rate in U/h, 0 to 35"). */
bool walk_number_in_range(walker *w, const char *key, const yaml_node_t *n, const number_range *r,
                          double *out);
/* The same with the range given inline. */
bool walk_number_between(walker *w, const char *key, yaml_node_t *v, double lo, double hi,
                         bool lo_open, const char *what, double *out);
/* A plain unsigned decimal integer lo … hi (no sign, fraction or exponent). */
bool walk_integer(walker *w, const char *key, const yaml_node_t *n, uint64_t lo, uint64_t hi,
                  uint64_t *out);
/* "on"/"off", "true"/"false", "yes"/"no" (YAML 1.1 booleans people write), any case. */
bool walk_bool(walker *w, const char *key, const yaml_node_t *n, bool *out);
/* true/yes/on (or no value): for keys that only make sense switched on. */
bool walk_true(walker *w, const char *key, const yaml_node_t *v);
/*
 * One of `words`, exactly; `what` names the value ("a link") and the message lists the
 * words and suggests the closest. *out is the index of the word.
 */
bool walk_word(walker *w, const char *key, const yaml_node_t *n, const char *what,
               const char *const *words, size_t count, size_t *out);

#endif
