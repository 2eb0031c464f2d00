/*
 * suggest — see suggest.h.
 */
#include "suggest.h"

#include <stdio.h>
#include <string.h>

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

suggestion suggest_begin(const char *word)
{
	suggestion s = {.word = word, .best = NULL, .best_distance = 1000, .tied = false};
	return s;
}

void suggest_consider(suggestion *s, const char *candidate)
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

const char *suggest_result(const suggestion *s)
{
	int allowed = strlen(s->word) <= 4 ? 1 : 2;
	if (s->best == NULL || s->tied || s->best_distance > allowed)
		return NULL;
	return s->best;
}

suggest_hint suggest_hint_of(const char *maybe)
{
	suggest_hint h;
	if (maybe == NULL)
		h.text[0] = '\0';
	else
		snprintf(h.text, sizeof h.text, "; did you mean '%s'?", maybe);
	return h;
}

suggest_hint suggest_hint_for(const suggestion *s)
{
	return suggest_hint_of(suggest_result(s));
}
