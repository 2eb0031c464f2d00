/*
 * expect_draft — one item of `expect:` while it is read, with the nodes the cross-checks
 * point at; shared by expect_keys.c (the expectation mapping: its table, the kinds that
 * name something, the modifiers, the list) and expect_measures.c (the kinds that bound a
 * measure: bg, time_in_range, insulin_delivered, carbs_eaten, and count).
 */
#ifndef FAKEPUMP_SCENARIO_EXPECT_DRAFT_H
#define FAKEPUMP_SCENARIO_EXPECT_DRAFT_H

#include <stdbool.h>

#include "scenario.h"
#include "walk.h"

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

/* The one-of group of the kind keys (exactly one kind per expectation). */
enum { EXPECT_KIND_GROUP = 1 };

/* The measures (expect_measures.c); ctx is the expect_draft. */
bool parse_expect_bg(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_expect_time_in_range(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_expect_insulin(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_expect_carbs(walker *w, const char *key, yaml_node_t *v, void *ctx);
/* count: N (exactly) or {at_least, at_most}: of commands, refusals, attacks, records. */
bool parse_expect_count(walker *w, const char *key, yaml_node_t *v, void *ctx);

#endif
