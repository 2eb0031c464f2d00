/*
 * The expectation engine on both outcomes of every kind: one known run (adult#001, three
 * meals, a refused 12 U bolus at 08:00, an occlusion from 10:00 to 14:00), and for each kind an
 * expectation that holds and one that does not.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "expect.h"
#include "scenario.h"

static const char base[] = "name: expect-fixture\n"
                           "patient: adult#001\n"
                           "duration: 24h\n"
                           "seed: 5\n"
                           "cgm: {model: dexcom}\n"
                           "pump: {limits: {max_bolus: 10}}\n"
                           "events:\n"
                           "  - {at: \"07:00\", meal: 50}\n"
                           "  - {at: \"07:00\", bolus: 5}\n"
                           "  - {at: \"10:00\", fault: occlusion}\n"
                           "  - {at: \"12:00\", meal: 70}\n"
                           "  - {at: \"08:00\", bolus: 12}\n"
                           "  - {at: \"14:00\", fault: occlusion_cleared}\n"
                           "  - {at: \"14:00\", confirm: occlusion}\n"
                           "  - {at: \"14:00\", resume}\n"
                           "  - {at: \"14:05\", phone: {bolus: 2}}\n"
                           "expect:\n"
                           "  - %s\n";

/* Text in the struct itself: Criterion copies parameters into the test's process. */
typedef struct expect_case {
	char expectation[120];
	bool passes;
} expect_case;

static void feed_event(const pump_event *ev, void *user_data)
{
	expect_eval_event(user_data, ev);
}

static void check(const expect_case *c)
{
	char yaml[4096];
	snprintf(yaml, sizeof yaml, base, c->expectation);
	scenario sc;
	scenario_error err;
	cr_assert(scenario_load_string(yaml, strlen(yaml), "fixture.yaml", &sc, &err), "%s",
	          err.message);
	cr_assert_eq(sc.expectation_count, 1);
	engine *e = engine_new(&sc);
	expect_eval *x = expect_eval_new(&sc);
	engine_on_event(e, feed_event, x);
	engine_row row;
	engine_status st;
	while ((st = engine_next(e, &row)) == ENGINE_ROW || st == ENGINE_LAST_ROW) {
		expect_eval_row(x, &row, st == ENGINE_ROW);
		if (st == ENGINE_LAST_ROW)
			break;
	}
	expect_eval_finish(x);
	const expect_result *r = expect_eval_result(x, 0);
	cr_assert_eq(r->passed, c->passes, "%s: %s (measured %s)", c->expectation,
	             c->passes ? "should hold" : "should fail", r->measured);
	expect_eval_free(x);
	engine_free(e);
	scenario_free(&sc);
}

#define CASES(name, ...)                                                                           \
	static expect_case name##_cases[] = {__VA_ARGS__};                                         \
	ParameterizedTestParameters(expect, name)                                                  \
	{                                                                                          \
		return cr_make_param_array(expect_case, name##_cases,                              \
		                           sizeof name##_cases / sizeof name##_cases[0]);          \
	}                                                                                          \
	ParameterizedTest(expect_case *c, expect, name)                                            \
	{                                                                                          \
		check(c);                                                                          \
	}

/* The fixture's BG stays between about 138 and 300 mg/dL. */
CASES(bg, {"{bg: {min_above: 100}}", true}, {"{bg: {min_above: 150}}", false},
      {"{bg: {max_below: 400}}", true}, {"{bg: {max_below: 150}}", false},
      {"{bg: {mean_between: [100, 300]}}", true}, {"{bg: {mean_between: [60, 100]}}", false},
      {"{bg: {max_below: 145}, window: [\"00:00\", \"06:00\"]}", true})

CASES(time_in_range, {"{time_in_range: {low: 70, high: 400, at_least: 99%}}", true},
      {"{time_in_range: {low: 70, high: 180, at_least: 95%}}", false},
      {"{time_in_range: {high: 180, at_most: 99%}}", true},
      {"{time_in_range: {high: 180, at_most: 10%}}", false})

/* 1.27 U/h basal: 2.0 U missed 94 min after 10:00. */
CASES(annunciation, {"{annunciation: occlusion, after: \"10:00\", within: 100m}", true},
      {"{annunciation: occlusion, after: \"10:00\", within: 60m}", false},
      {"{annunciation: battery_empty, never: true}", true},
      {"{annunciation: occlusion, never: true}", false}, {"{annunciation: reservoir_low}", false})

CASES(command, {"{command: bolus, result: rejected, code: parameter_out_of_range}", true},
      {"{command: bolus, result: rejected, code: max_bolus, count: 1}", true},
      {"{command: bolus, result: rejected, code: occlusion}", false},
      {"{command: bolus, source: phone, result: accepted, count: 1}", true},
      {"{command: bolus, source: phone, result: rejected}", false},
      {"{command: any, result: accepted, count: {at_least: 4}}", true},
      {"{command: resume, result: accepted, count: 2}", false})

/* 5 + 2 U of bolus (the 12 U refused) and about 25 U of basal (4 h occluded). */
CASES(insulin, {"{insulin_delivered: {between: [30, 35]}}", true},
      {"{insulin_delivered: {at_least: 40}}", false},
      {"{insulin_delivered: {at_most: 0.001}, window: [\"10:00\", \"14:00\"]}", true},
      {"{carbs_eaten: {between: [119, 121]}}", true}, {"{carbs_eaten: {at_most: 100}}", false})

CASES(therapy_state, {"{therapy_state: stop, at: \"13:00\"}", true},
      {"{therapy_state: run, at: \"13:00\"}", false}, {"{therapy_state: run, at: \"15:00\"}", true})
