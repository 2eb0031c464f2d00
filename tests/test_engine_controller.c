/*
 * Tests of the pump's controller inside a run (sim/engine/engine.c, pump: {controller: …}):
 * its commands reach the pump as source controller and within its hard limits, a stale CGM
 * falls back to the programmed basal with the controller_fallback annunciation, it asks
 * nothing while the person paused the pump, switching it off ends its temp basal, an
 * announced meal gets its bolus and an unannounced one none, and the external engine (the
 * batch engine's lanes) gives the rows of engine_next bit for bit.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "patient_model.h"
#include "scenario.h"

typedef struct seen {
	size_t commands, accepted, refused, boluses, temps;
	size_t while_paused; /* controller commands sent while therapy was not running */
	size_t fallbacks;    /* controller_fallback raised */
	double max_rate_u_per_h, max_bolus_u;
	size_t steps, stale_steps, stale_with_temp;
	int therapy; /* the pump's state as events say */
	engine *e;
} seen;

static void on_event(const pump_event *ev, void *user_data)
{
	seen *s = user_data;
	if (ev->kind == PUMP_EV_THERAPY_STATE)
		s->therapy = (int)ev->state;
	if (ev->kind == PUMP_EV_ANNUNCIATION &&
	    ev->annunciation.type == PUMP_ANN_CONTROLLER_FALLBACK &&
	    ev->annunciation.status == PUMP_ANN_PENDING)
		s->fallbacks++;
	if (ev->kind != PUMP_EV_COMMAND || ev->source != PUMP_SOURCE_CONTROLLER)
		return;
	s->commands++;
	if (s->therapy != PUMP_THERAPY_RUN)
		s->while_paused++;
	if (ev->result != PUMP_OK) {
		s->refused++;
		return;
	}
	s->accepted++;
	if (ev->command == PUMP_CMD_BOLUS) {
		s->boluses++;
		if (ev->value > s->max_bolus_u)
			s->max_bolus_u = ev->value;
	}
	if (ev->command == PUMP_CMD_TEMP_BASAL) {
		s->temps++;
		if (ev->value > s->max_rate_u_per_h)
			s->max_rate_u_per_h = ev->value;
	}
}

static void on_step(const controller_report *rep, void *user_data)
{
	seen *s = user_data;
	s->steps++;
	if (rep->decision.status == CONTROLLER_CGM_STALE ||
	    rep->decision.status == CONTROLLER_CGM_MISSING) {
		s->stale_steps++;
		if (rep->decision.action == CONTROLLER_SET_TEMP || rep->decision.bolus_u > 0.0)
			s->stale_with_temp++;
	}
}

/* Runs `text` to its end; the controller's commands and steps counted in *s. */
static void run_text(const char *text, seen *s)
{
	scenario sc;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "ctl.yaml", &sc, &err), "%s",
	          err.message);
	*s = (seen){.therapy = PUMP_THERAPY_RUN};
	engine *e = engine_new(&sc);
	cr_assert_not_null(e);
	engine_on_event(e, on_event, s);
	engine_on_controller(e, on_step, s);
	engine_row row;
	engine_status st;
	while ((st = engine_next(e, &row)) == ENGINE_ROW)
		;
	cr_assert_eq(st, ENGINE_LAST_ROW, "%s", engine_error(e) ? engine_error(e) : "");
	engine_free(e);
	scenario_free(&sc);
}

Test(engine_controller, commands_come_from_the_controller_within_the_pumps_max_basal)
{
	seen s;
	run_text("patient: adolescent#002\nduration: 12h\nseed: 2\ncgm: {model: dexcom}\n"
	         "pump:\n  limits: {max_basal: 1.2}\n"
	         "  controller: {algorithm: oref0, max_basal: 5, oref0: {smb: false}}\n"
	         "events:\n  - {at: \"01:00\", meal: 90, announce: true}\n",
	         &s);
	cr_assert_gt(s.steps, 100);
	cr_assert_gt(s.accepted, 10);
	cr_assert_gt(s.refused, 0, "a 5 U/h wish must meet the pump's 1.2 U/h");
	cr_assert_leq(s.max_rate_u_per_h, 1.2 + 1e-9, "accepted %g U/h", s.max_rate_u_per_h);
}

Test(engine_controller, a_stale_cgm_falls_back_to_the_programme_and_is_annunciated)
{
	seen s;
	run_text("patient: adult#004\nduration: 6h\nseed: 4\ncgm: {model: dexcom}\n"
	         "pump: {controller: {algorithm: pid-ifb}}\n"
	         "events:\n  - {at: \"02:00\", sensor_dropout: 90m}\n",
	         &s);
	cr_assert_eq(s.fallbacks, 1);
	cr_assert_gt(s.stale_steps, 10);
	cr_assert_eq(s.stale_with_temp, 0, "the fallback set a temp or gave a bolus");
}

Test(engine_controller, nothing_is_asked_while_the_person_paused_the_pump)
{
	seen s;
	run_text("patient: adult#001\nduration: 8h\nseed: 1\ncgm: {model: dexcom}\n"
	         "pump: {controller: {algorithm: oref0}}\n"
	         "events:\n  - {at: \"01:00\", meal: 80}\n  - {at: \"01:30\", suspend}\n"
	         "  - {at: \"04:00\", resume}\n",
	         &s);
	cr_assert_gt(s.accepted, 0);
	cr_assert_eq(s.while_paused, 0, "%zu controller commands while paused", s.while_paused);
}

Test(engine_controller, an_announced_meal_gets_a_bolus_and_an_unannounced_one_none)
{
	seen a, u;
	const char *head = "patient: adult#002\nduration: 3h\nseed: 5\ncgm: {model: dexcom}\n"
	                   "pump: {controller: {algorithm: basal-bolus}}\nevents:\n";
	char text[512];
	snprintf(text, sizeof text, "%s  - {at: \"01:00\", meal: 60, announce: true}\n", head);
	run_text(text, &a);
	snprintf(text, sizeof text, "%s  - {at: \"01:00\", meal: 60}\n", head);
	run_text(text, &u);
	cr_assert_eq(a.boluses, 1);
	cr_assert_gt(a.max_bolus_u, 3.0);
	cr_assert_eq(u.boluses, 0);
}

Test(engine_controller, switched_off_it_commands_nothing_until_switched_on)
{
	seen on, off;
	const char *head = "patient: child#003\nduration: 10h\nseed: 6\ncgm: {model: dexcom}\n"
	                   "pump: {controller: {algorithm: oref0}}\nevents:\n"
	                   "  - {at: \"02:00\", meal: 40, announce: true}\n";
	char text[512];
	run_text(head, &on);
	snprintf(text, sizeof text, "%s  - {at: \"00:00\", controller: off}\n", head);
	run_text(text, &off);
	cr_assert_gt(on.accepted, 5);
	cr_assert_leq(off.accepted, 1,
	              "off from the first minute: at most its first-minute temp "
	              "ended, got %zu",
	              off.accepted);
	cr_assert_eq(off.boluses, 0);
}

/* The external engine (a batch lane) is engine_next with the patient outside. */
Test(engine_controller, the_external_engine_gives_engine_nexts_rows_bit_for_bit)
{
	static const char text[] =
	    "patient: adolescent#005\nduration: 1d\nseed: 9\ncgm: {model: dexcom}\n"
	    "pump: {controller: {algorithm: oref0}}\n"
	    "events:\n  - {at: \"07:00\", meal: 50, announce: true}\n"
	    "  - {at: \"12:00\", meal: 70}\n  - {at: \"15:00\", sensor_dropout: 40m}\n";
	scenario sc;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "ext.yaml", &sc, &err), "%s",
	          err.message);
	engine *a = engine_new(&sc), *b = engine_new_external(&sc);
	patient *pt = patient_new(sc.patient);
	cr_assert(a && b && pt);
	engine_row ra, rb;
	for (;;) {
		const engine_status sa = engine_next(a, &ra);
		patient_batch_inputs in;
		const engine_status sb =
		    engine_next_external(b, patient_bg_mgdl(pt), patient_gsub_mgdl(pt), &rb, &in);
		cr_assert_eq(sa, sb);
		if (sa != ENGINE_ROW)
			break;
		patient_step_info info;
		cr_assert_eq(patient_step_eating(pt, in.meal_announced_g, in.eat_rate_g_per_min,
		                                 in.insulin_u_per_min, &info),
		             PATIENT_STEP_OK);
		rb.cho_g_per_min = info.eaten_g;
		cr_assert(memcmp(&ra.bg_mgdl, &rb.bg_mgdl, sizeof ra.bg_mgdl) == 0 &&
		              ra.insulin_u_per_min == rb.insulin_u_per_min &&
		              ra.cho_g_per_min == rb.cho_g_per_min && ra.has_cgm == rb.has_cgm,
		          "minute %lld differs", (long long)ra.t_min);
	}
	patient_free(pt);
	engine_free(a);
	engine_free(b);
	scenario_free(&sc);
}
