/*
 * test_engine_live.c — the engine's entry for live control (engine_apply_now, engine.h):
 * `fakepump ctl`'s commands act between minutes, stamped with the minute boundary, through
 * the pump's own rules; a meal is eaten from the next minute; a fault is recorded with who
 * injected it; a phone fault needs the Bluetooth server and says why when there is none.
 * And a live run's server changes nothing in the rows (a run is the same, bit for bit,
 * with or without a control).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine.h"
#include "scenario.h"

static const char *const quiet_day = "patient: adult#001\n"
                                     "duration: 3h\n"
                                     "seed: 4\n"
                                     "events:\n"
                                     "  - {at: \"00:30\", meal: 30}\n"
                                     "  - {at: \"00:30\", bolus: 3}\n";

static scenario sc;
static engine *e;
static struct {
	pump_event ev[64];
	size_t n;
	ble_audit_event audit[16];
	char origin[16][16];
	size_t audits;
} seen;

static void keep_event(const pump_event *ev, void *user_data)
{
	(void)user_data;
	if (seen.n < 64)
		seen.ev[seen.n++] = *ev;
}

static void keep_audit(const ble_audit_event *ev, void *user_data)
{
	(void)user_data;
	if (ev->kind == BLE_AUDIT_FAULT && seen.audits < 16) {
		seen.audit[seen.audits] = *ev;
		strncpy(seen.origin[seen.audits], ev->origin ? ev->origin : "", 15);
		seen.audits++;
	}
}

static void start(void)
{
	scenario_error err;
	cr_assert(scenario_load_string(quiet_day, strlen(quiet_day), "live.yaml", &sc, &err), "%s",
	          err.message);
	e = engine_new(&sc);
	cr_assert_not_null(e);
	memset(&seen, 0, sizeof seen);
	engine_on_event(e, keep_event, NULL);
	engine_on_ble_audit(e, keep_audit, NULL);
}

static void stop(void)
{
	engine_free(e);
	scenario_free(&sc);
}

TestSuite(engine_live, .init = start, .fini = stop, .timeout = 60);

static engine_row row_at(int64_t t)
{
	engine_row r = {0};
	while (engine_next(e, &r) == ENGINE_ROW && r.t_min < t)
		;
	return r;
}

Test(engine_live, a_bolus_between_minutes_is_the_persons_and_stamped_with_the_boundary)
{
	row_at(60);
	cr_assert_eq(engine_now_min(e), 61);
	const size_t before = seen.n;
	scenario_event ev = {
	    .kind = SCENARIO_EVENT_BOLUS, .bolus_type = PUMP_BOLUS_NORMAL, .amount = 1.0};
	cr_assert(engine_apply_now(e, &ev, "ctl", NULL));
	cr_assert_gt(seen.n, before);
	const pump_event *cmd = &seen.ev[before];
	cr_assert_eq(cmd->kind, PUMP_EV_COMMAND);
	cr_assert_eq(cmd->t_min, 61);
	cr_assert_eq(cmd->source, PUMP_SOURCE_PUMP);
	cr_assert_eq(cmd->result, PUMP_OK);
	ev.amount = 1000.0;
	cr_assert(engine_apply_now(e, &ev, "ctl", NULL), "applied: the pump refuses it");
	cr_assert_neq(seen.ev[seen.n - 1].result, PUMP_OK, "over the limits: refused");
}

Test(engine_live, a_meal_between_minutes_is_eaten_from_the_next_minute)
{
	row_at(120);
	scenario_event ev = {.kind = SCENARIO_EVENT_MEAL, .amount = 40.0};
	cr_assert(engine_apply_now(e, &ev, "ctl", NULL));
	engine_row r = {0};
	cr_assert_eq(engine_next(e, &r), ENGINE_ROW);
	cr_assert_eq(r.t_min, 121);
	cr_assert_float_eq(r.meal_announced_g, 40.0, 1e-12);
	cr_assert_gt(r.cho_g_per_min, 0.0);
}

Test(engine_live, a_pump_fault_is_recorded_with_who_injected_it)
{
	row_at(10);
	scenario_event ev = {.kind = SCENARIO_EVENT_FAULT};
	cr_assert(fault_spec_parse_text("occlusion missed=2", &ev.fault_spec, (char[80]){0}, 80));
	ev.fault = ev.fault_spec.pump;
	ev.amount = ev.fault_spec.value;
	cr_assert(engine_apply_now(e, &ev, "ctl", NULL));
	const pump_event *f = NULL;
	for (size_t i = 0; i < seen.n; i++)
		if (seen.ev[i].kind == PUMP_EV_FAULT)
			f = &seen.ev[i];
	cr_assert_not_null(f);
	cr_assert_str_eq(f->detail, "ctl");
	pump_status st;
	pump_get_status(engine_pump(e), &st);
	cr_assert_eq(st.therapy, PUMP_THERAPY_STOP, "2 U missed: the alarm at once");
}

Test(engine_live, a_phone_fault_needs_the_bluetooth_server)
{
	row_at(5);
	scenario_event ev = {.kind = SCENARIO_EVENT_FAULT};
	cr_assert(fault_spec_parse_text("drop_notifications nth=3 for=10m", &ev.fault_spec,
	                                (char[80]){0}, 80));
	const char *why = NULL;
	cr_assert_not(engine_apply_now(e, &ev, "ctl", &why));
	cr_assert(why && strstr(why, "Bluetooth server"), "%s", why ? why : "(none)");
}

Test(engine_live, a_phone_fault_starts_and_ends_in_the_audit_with_origin_ctl)
{
	cr_assert_not_null(engine_enable_ble(e));
	row_at(5);
	scenario_event ev = {.kind = SCENARIO_EVENT_FAULT};
	cr_assert(fault_spec_parse_text("drop_notifications nth=3 for=10m", &ev.fault_spec,
	                                (char[80]){0}, 80));
	cr_assert(engine_apply_now(e, &ev, "ctl", NULL));
	cr_assert(ble_server_fault_active(engine_server(e), BLE_FAULT_DROP_NOTIFICATIONS, 6));
	row_at(20);
	cr_assert_not(ble_server_fault_active(engine_server(e), BLE_FAULT_DROP_NOTIFICATIONS, 21));
	cr_assert_eq(seen.audits, 2, "started and ended");
	cr_assert_str_eq(seen.origin[0], "ctl");
	cr_assert_str_eq(seen.audit[1].answer, "ended");
}

Test(engine_live, a_live_runs_server_changes_nothing_in_the_rows, .init = NULL, .fini = NULL)
{
	scenario s2;
	scenario_error err;
	cr_assert(scenario_load_string(quiet_day, strlen(quiet_day), "live.yaml", &s2, &err));
	engine *plain = engine_new(&s2), *live = engine_new(&s2);
	cr_assert(plain && live);
	cr_assert_not_null(engine_enable_ble(live));
	engine_row a = {0}, b = {0};
	engine_status sa, sb;
	do {
		sa = engine_next(plain, &a);
		sb = engine_next(live, &b);
		cr_assert_eq(sa, sb);
		/* Bit for bit, field by field (a struct's padding is nobody's). */
		const double fa[] = {a.bg_mgdl,           a.gsub_mgdl,     a.cgm_mgdl,
		                     a.insulin_u_per_min, a.basal_u_per_h, a.iob_u,
		                     a.reservoir_u,       a.battery_pct,   a.cho_g_per_min},
		             fb[] = {b.bg_mgdl,           b.gsub_mgdl,     b.cgm_mgdl,
		                     b.insulin_u_per_min, b.basal_u_per_h, b.iob_u,
		                     b.reservoir_u,       b.battery_pct,   b.cho_g_per_min};
		cr_assert(memcmp(fa, fb, sizeof fa) == 0 && a.has_cgm == b.has_cgm &&
		              a.therapy_state == b.therapy_state &&
		              a.annunciation == b.annunciation,
		          "row %lld differs", (long long)a.t_min);
	} while (sa == ENGINE_ROW);
	engine_free(plain);
	engine_free(live);
	scenario_free(&s2);
}
