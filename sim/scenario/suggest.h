/*
 * suggest — "did you mean": the closest of a list of words to one that was mistyped, for
 * every message that refuses a name (a key, a patient, a CGM model, a fault, a code, …).
 *
 * Distance: the "optimal string alignment" variant of the Damerau–Levenshtein distance
 * (insertions, deletions, substitutions, and transpositions of two adjacent characters;
 * F. J. Damerau, CACM 7(3), 1964). Words up to SUGGEST_MAX_LEN characters; longer ones are
 * never suggested. Pure: no allocation, no I/O.
 */
#ifndef FAKEPUMP_SUGGEST_H
#define FAKEPUMP_SUGGEST_H

#include <stdbool.h>

enum { SUGGEST_MAX_LEN = 40 };

/* Feed candidates one by one; the suggestion is the single closest one, if close enough. */
typedef struct suggestion {
	const char *word;
	const char *best;
	int best_distance;
	bool tied;
} suggestion;

/* Start looking for the closest word to `word` (kept by pointer: it must outlive s). */
suggestion suggest_begin(const char *word);
/* One candidate (kept by pointer when it is the best so far). */
void suggest_consider(suggestion *s, const char *candidate);
/* The suggestion, or NULL: short words (<= 4) allow one edit, longer ones two; ties suggest
 * none (two equally close words are a guess, not a suggestion). */
const char *suggest_result(const suggestion *s);

/* How every message says it: "; did you mean 'WORD'?", or "" when maybe is NULL. */
typedef struct suggest_hint {
	char text[SUGGEST_MAX_LEN + 24];
} suggest_hint;
suggest_hint suggest_hint_of(const char *maybe);
/* The hint for the suggestion's result. */
suggest_hint suggest_hint_for(const suggestion *s);

#endif
