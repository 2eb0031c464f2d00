/*
 * Tests of the engine's two points where the pump changes (sim/engine/engine.h): inside a
 * minute (the scenario's events) and between minutes (requests from outside: the person's
 * acknowledgement, the radio's bonds and pairing attempts), stamped with the minute
 * boundary the engine is at; a request from inside a minute is a programmer's mistake.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "engine.h"
#include "scenario.h"

/* An occlusion at 00:10 that a bolus at 00:20 runs into: annunciations at t = 21. */
static const char *const occlusion_day = "patient: adult#001\n"
                                         "duration: 1h\n"
                                         "events:\n"
                                         "  - {at: \"00:10\", fault: occlusion}\n"
                                         "  - {at: \"00:20\", bolus: 3}\n";

typedef struct seen {
	pump_event events[64];
	size_t count;
} seen;

static void keep_event(const pump_event *ev, void *user_data)
{
	seen *kept = user_data;
	if (kept->count < sizeof kept->events / sizeof kept->events[0])
		kept->events[kept->count++] = *ev;
}

/* Each test: the occlusion day's scenario and engine, its pump events kept in `s`. */
static scenario sc;
static engine *e;
static seen s;

static void start(void)
{
	scenario_error err;
	cr_assert(
	    scenario_load_string(occlusion_day, strlen(occlusion_day), "engine.yaml", &sc, &err),
	    "%s", err.message);
	e = engine_new(&sc);
	cr_assert_not_null(e);
	s.count = 0;
	engine_on_event(e, keep_event, &s);
}

static void stop(void)
{
	engine_free(e);
	scenario_free(&sc);
}

TestSuite(engine_between_minutes, .init = start, .fini = stop);

/* Rows up to and including t = last_min. */
static void run_to(int64_t last_min)
{
	engine_row row;
	do
		cr_assert_eq(engine_next(e, &row), ENGINE_ROW);
	while (row.t_min < last_min);
}

/* The first pump event of `kind` (and `command`, unless < 0) kept since `s` was emptied. */
static const pump_event *find_event(pump_event_kind kind, int command)
{
	for (size_t i = 0; i < s.count; i++)
		if (s.events[i].kind == kind &&
		    (command < 0 || (int)s.events[i].command == command))
			return &s.events[i];
	return NULL;
}

Test(engine_between_minutes, now_is_zero_before_the_first_minute_then_the_next_boundary)
{
	cr_assert_eq(engine_now_min(e), 0);
	run_to(0);
	cr_assert_eq(engine_now_min(e), 1, "after row 0 the engine is at t = 1");
	run_to(59);
	cr_assert_eq(engine_now_min(e), 60);
	engine_row row;
	cr_assert_eq(engine_next(e, &row), ENGINE_LAST_ROW);
	cr_assert_eq(row.t_min, 60);
	cr_assert_eq(engine_now_min(e), 61, "after the last row requests land after the end");
}

Test(engine_between_minutes, acknowledging_confirms_at_the_next_minute_as_the_person)
{
	run_to(30);
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(engine_pump(e), &a));
	cr_assert_eq(a.type, PUMP_ANN_OCCLUSION);
	s.count = 0;
	cr_assert_eq(engine_confirm_annunciation(e, a.id), PUMP_OK);
	const pump_event *ev = find_event(PUMP_EV_COMMAND, PUMP_CMD_CONFIRM_ANNUNCIATION);
	cr_assert_not_null(ev, "the confirmation is in the audit trail");
	cr_assert_eq(ev->t_min, 31, "stamped with the boundary after row 30 (got %lld)",
	             (long long)ev->t_min);
	cr_assert_eq(ev->source, PUMP_SOURCE_PUMP);
	cr_assert_eq(ev->result, PUMP_OK);
}

Test(engine_between_minutes, pairing_attempts_raise_their_annunciation_at_the_next_minute)
{
	run_to(4);
	engine_pairing_attempts(e, 3);
	const pump_event *ev = find_event(PUMP_EV_ANNUNCIATION, -1);
	cr_assert_not_null(ev);
	cr_assert_eq(ev->annunciation.type, PUMP_ANN_PAIRING_ATTEMPTS);
	cr_assert_eq(ev->t_min, 5);
}

Test(engine_between_minutes, without_a_server_a_bond_announces_nothing)
{
	cr_assert_null(engine_server(e));
	run_to(2);
	cr_assert_not(engine_bond_created(e, "phone-a"), "no server: nothing to announce");
	engine_bond_removed(e, "phone-a"); /* no server: nothing happens */
	cr_assert_null(find_event(PUMP_EV_ANNUNCIATION, -1));
}

Test(engine_between_minutes, with_a_server_a_bond_is_announced_at_the_next_minute)
{
	cr_assert_not_null(engine_enable_ble(e));
	run_to(2);
	cr_assert(engine_bond_created(e, "phone-a"));
	const pump_event *ev = find_event(PUMP_EV_ANNUNCIATION, -1);
	cr_assert_not_null(ev, "the new bond is on the pump's screen");
	cr_assert_eq(ev->annunciation.type, PUMP_ANN_NEW_BOND);
	cr_assert_eq(ev->t_min, 3);
}

/* A pump event callback runs inside the minute: asking for a change there is a mistake. */
static void confirm_from_inside(const pump_event *ev, void *user_data)
{
	if (ev->kind == PUMP_EV_ANNUNCIATION)
		engine_confirm_annunciation(user_data, ev->annunciation.id);
}

Test(engine_between_minutes, a_request_from_inside_a_minute_aborts, .signal = SIGABRT)
{
	engine_on_event(e, confirm_from_inside, e);
	run_to(30); /* the annunciations are raised inside minute 21 */
}
