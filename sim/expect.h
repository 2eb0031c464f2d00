/*
 * expect — checks a run against its scenario's expectations (`expect:`), as the run goes:
 * rows and pump events are fed in, nothing of the trace is stored. Each expectation ends
 * passed or failed with what was measured, in words a report can show.
 *
 * The kinds and their forms are in docs/scenarios.md ("Expectations").
 */
#ifndef FAKEPUMP_EXPECT_H
#define FAKEPUMP_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "scenario.h"

typedef struct expect_result {
	const scenario_expectation *expectation;
	bool passed;
	char measured[200]; /* "min 62.3 mg/dL at d1 13:40", "never raised", … */
} expect_result;

typedef struct expect_eval expect_eval;

/* NULL when out of memory. The scenario must outlive it. */
expect_eval *expect_eval_new(const scenario *sc);
void expect_eval_free(expect_eval *x);

/* Every row in order; `integrated` is false for the final row (its inputs never apply). */
void expect_eval_row(expect_eval *x, const engine_row *row, bool integrated);
void expect_eval_event(expect_eval *x, const pump_event *ev);
/* A refusal of the pump's Bluetooth server (an audit event): its reason, and how many
 * refusals it stands for (an aggregated flood counts them all). */
void expect_eval_refusal(expect_eval *x, int64_t t_min, const char *reason, unsigned count);
/* An attack the run played (engine_ble.c reports each one that sent something): its kind
 * ("replay") and the name of the answer to its last request ("e2e_invalid_counter"). */
void expect_eval_attack(expect_eval *x, int64_t t_min, const char *kind, const char *answer);
/* `count` IDS history records of `event_type` a phone received (read: history). */
void expect_eval_history(expect_eval *x, int64_t t_min, uint16_t event_type, unsigned count);
/* Decide every expectation; call once, after the last row. */
void expect_eval_finish(expect_eval *x);

size_t expect_eval_count(const expect_eval *x);
const expect_result *expect_eval_result(const expect_eval *x, size_t i);
size_t expect_eval_failed(const expect_eval *x);

#endif
