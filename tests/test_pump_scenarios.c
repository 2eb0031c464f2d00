/*
 * The pump inside whole runs (engine + patient + CGM), on the scenario library's files:
 * occlusion alarm within the documented missed insulin, an over-limit bolus refused with
 * nothing delivered, and low-glucose protection lowering time below 70 mg/dL on the same
 * overdose day.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "scenario.h"

#ifndef SCENARIO_LIBRARY_DIR
#error SCENARIO_LIBRARY_DIR must name scenarios/
#endif

enum { MAX_ROWS = 1441, MAX_EVENTS = 2048 };

typedef struct run {
	scenario sc;
	engine_row rows[MAX_ROWS];
	size_t row_count;
	pump_event events[MAX_EVENTS];
	size_t event_count;
} run;

static void keep_event(const pump_event *ev, void *user_data)
{
	run *r = user_data;
	if (r->event_count < MAX_EVENTS)
		r->events[r->event_count++] = *ev;
}

/* Load the library file, optionally patched by the caller, and run it to the end. */
static run *run_file(const char *name, void (*patch)(scenario *))
{
	run *r = calloc(1, sizeof *r);
	char path[512];
	snprintf(path, sizeof path, "%s/%s", SCENARIO_LIBRARY_DIR, name);
	scenario_error err;
	cr_assert(scenario_load_file(path, &r->sc, &err), "%s", err.message);
	if (patch)
		patch(&r->sc);
	engine *e = engine_new(&r->sc);
	cr_assert_not_null(e);
	engine_on_event(e, keep_event, r);
	engine_status st;
	while ((st = engine_next(e, &r->rows[r->row_count])) == ENGINE_ROW ||
	       st == ENGINE_LAST_ROW) {
		r->row_count++;
		if (st == ENGINE_LAST_ROW)
			break;
	}
	cr_assert_neq(st, ENGINE_FAILED, "%s", engine_error(e));
	engine_free(e);
	return r;
}

static void free_run(run *r)
{
	scenario_free(&r->sc);
	free(r);
}

static int64_t clock_min(const char *hhmm)
{
	return (int64_t)atoi(hhmm) * 60 + atoi(hhmm + 3);
}

static double minutes_below(const run *r, double mgdl)
{
	double n = 0;
	for (size_t i = 0; i < r->row_count; i++)
		n += r->rows[i].bg_mgdl < mgdl;
	return n;
}

Test(pump_scenarios, occlusion_alarms_within_the_documented_missed_insulin)
{
	run *r = run_file("occlusion.yaml", NULL);
	const double threshold = r->sc.pump.occlusion_threshold_u;
	const double basal_per_min = patient_basal_u_per_min(r->sc.patient);
	const int64_t fault_at = clock_min("10:00"), cleared_at = clock_min("14:00");

	const pump_event *alarm = NULL;
	for (size_t i = 0; i < r->event_count && !alarm; i++)
		if (r->events[i].kind == PUMP_EV_ANNUNCIATION &&
		    r->events[i].annunciation.type == PUMP_ANN_OCCLUSION)
			alarm = &r->events[i];
	cr_assert_not_null(alarm, "no occlusion alarm");
	/* Basal only is missed from 10:00: the alarm in the first minute reaching 2.0 U. */
	const int64_t expected = fault_at + (int64_t)ceil(threshold / basal_per_min - 1e-9) - 1;
	cr_log_info("occlusion at 10:00, alarm at minute %lld (%lld min later) after %.3f U "
	            "missed; threshold %.1f U",
	            (long long)alarm->t_min, (long long)(alarm->t_min - fault_at), alarm->value,
	            threshold);
	cr_assert_eq(alarm->t_min, expected, "alarm at %lld, expected %lld",
	             (long long)alarm->t_min, (long long)expected);
	cr_assert_geq(alarm->value, threshold - 1e-9);
	cr_assert_lt(alarm->value, threshold + basal_per_min + 1e-9);

	/* Nothing reached the patient from the fault to the resume, the lunch bolus included;
	 * afterwards basal runs again. */
	double during = 0, after = 0;
	for (size_t i = 0; i < r->row_count; i++) {
		const engine_row *row = &r->rows[i];
		if (row->t_min >= fault_at && row->t_min < cleared_at)
			during += row->insulin_u_per_min;
		if (row->t_min >= cleared_at && row->t_min < cleared_at + 60)
			after += row->insulin_u_per_min;
	}
	cr_assert_eq(during, 0.0, "%.4f U delivered while occluded", during);
	cr_assert_float_eq(after, 60 * basal_per_min, 1e-9);
	bool lunch_refused = false;
	for (size_t i = 0; i < r->event_count; i++)
		if (r->events[i].kind == PUMP_EV_COMMAND &&
		    r->events[i].command == PUMP_CMD_BOLUS &&
		    r->events[i].t_min == clock_min("12:00"))
			lunch_refused = r->events[i].result == PUMP_REFUSED_OCCLUSION;
	cr_assert(lunch_refused, "the 12:00 bolus must be refused while the alarm stands");
	free_run(r);
}

static void drop_lunch_bolus(scenario *sc)
{
	size_t w = 0;
	for (size_t i = 0; i < sc->event_count; i++)
		if (!(sc->events[i].kind == SCENARIO_EVENT_BOLUS && sc->events[i].amount == 12.0))
			sc->events[w++] = sc->events[i];
	sc->event_count = w;
}

Test(pump_scenarios, bolus_over_max_bolus_is_refused_and_delivered_insulin_is_unchanged)
{
	run *with = run_file("overbolus-refused.yaml", NULL);
	run *without = run_file("overbolus-refused.yaml", drop_lunch_bolus);
	cr_assert_eq(with->row_count, without->row_count);
	double total_with = 0, total_without = 0;
	for (size_t i = 0; i < with->row_count; i++) {
		cr_assert_eq(with->rows[i].insulin_u_per_min, without->rows[i].insulin_u_per_min,
		             "minute %zu", i);
		cr_assert_eq(with->rows[i].bg_mgdl, without->rows[i].bg_mgdl, "minute %zu", i);
		total_with += with->rows[i].insulin_u_per_min;
		total_without += without->rows[i].insulin_u_per_min;
	}
	const pump_event *refusal = NULL;
	for (size_t i = 0; i < with->event_count; i++)
		if (with->events[i].kind == PUMP_EV_COMMAND &&
		    with->events[i].result == PUMP_REFUSED_MAX_BOLUS)
			refusal = &with->events[i];
	cr_assert_not_null(refusal, "the refusal must be in the audit trail");
	cr_assert_eq(refusal->t_min, clock_min("12:00"));
	cr_assert_float_eq(refusal->value, 12.0, 1e-12);
	cr_log_info("12 U over a 10 U limit: refused at 12:00; delivered %.4f U with and %.4f U "
	            "without the attempt",
	            total_with, total_without);
	free_run(with);
	free_run(without);
}

Test(pump_scenarios, low_glucose_protection_reduces_time_below_70_on_the_same_overdose_day)
{
	run *off = run_file("overdose-unprotected.yaml", NULL);
	run *on = run_file("overdose-protected.yaml", NULL);
	const double below_off = minutes_below(off, 70), below_on = minutes_below(on, 70);
	size_t suspends = 0, resumes = 0;
	for (size_t i = 0; i < on->event_count; i++)
		if (on->events[i].kind == PUMP_EV_ANNUNCIATION &&
		    on->events[i].annunciation.status == PUMP_ANN_PENDING) {
			suspends += on->events[i].annunciation.type == PUMP_ANN_LOW_GLUCOSE_SUSPEND;
			resumes += on->events[i].annunciation.type == PUMP_ANN_LOW_GLUCOSE_RESUME;
		}
	cr_log_info("time below 70 mg/dL: %.0f min unprotected, %.0f min protected "
	            "(%zu suspends, %zu resumes)",
	            below_off, below_on, suspends, resumes);
	cr_assert_gt(below_off, 0, "the overdose must cause a low to protect against");
	cr_assert_lt(below_on, below_off);
	cr_assert_geq(suspends, 1);
	cr_assert_geq(resumes, 1);
	free_run(off);
	free_run(on);
}

/* The pump's pair key pressed by the scenario reaches whoever holds the radio, at its
 * minute, with its window; and changes nothing of the therapy. */
typedef struct pairing_calls {
	int n;
	int64_t t_min[4];
	int64_t window_min[4];
} pairing_calls;

static void keep_pairing(int64_t t_min, int64_t window_min, void *user_data)
{
	pairing_calls *c = user_data;
	if (c->n < 4) {
		c->t_min[c->n] = t_min;
		c->window_min[c->n] = window_min;
	}
	c->n++;
}

static double delivered_with_pairing_events(bool with_events, pairing_calls *calls)
{
	const char *text = with_events
	                       ? "patient: adult#001\nduration: 3h\nseed: 3\n"
	                         "events: [{at: \"00:20\", pairing_window: 2m}, "
	                         "{at: \"00:30\", meal: 40}, {at: \"00:30\", bolus: 4}, "
	                         "{at: \"02:00\", pairing_window: 15m}]\n"
	                       : "patient: adult#001\nduration: 3h\nseed: 3\n"
	                         "events: [{at: \"00:30\", meal: 40}, {at: \"00:30\", bolus: 4}]\n";
	scenario sc;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "pair.yaml", &sc, &err), "%s",
	          err.message);
	engine *e = engine_new(&sc);
	cr_assert_not_null(e);
	if (calls)
		engine_on_pairing_window(e, keep_pairing, calls);
	engine_row row;
	double total = 0.0;
	engine_status st;
	while ((st = engine_next(e, &row)) == ENGINE_ROW)
		total += row.insulin_u_per_min;
	cr_assert_eq(st, ENGINE_LAST_ROW);
	engine_free(e);
	scenario_free(&sc);
	return total;
}

Test(pump_scenarios, pairing_window_event_calls_the_radio_at_its_minute_and_changes_no_therapy)
{
	pairing_calls calls = {0};
	const double with = delivered_with_pairing_events(true, &calls);
	cr_assert_eq(calls.n, 2);
	cr_assert_eq(calls.t_min[0], 20);
	cr_assert_eq(calls.window_min[0], 2);
	cr_assert_eq(calls.t_min[1], 120);
	cr_assert_eq(calls.window_min[1], 15);
	const double without = delivered_with_pairing_events(false, NULL);
	cr_assert_float_eq(with, without, 0.0, "insulin %.6f vs %.6f", with, without);
	/* Nobody holding the radio: the event is harmless. */
	cr_assert_float_eq(delivered_with_pairing_events(true, NULL), without, 0.0);
}

/* ---- the attack language cannot lie (issue 12, hole 11) ---------------------------- */

typedef struct audit_log {
	size_t attacks, refusals, history_records;
	char last_answer[48], last_reason[160], last_detail[300];
} audit_log;

static void keep_audit(const ble_audit_event *ev, void *user_data)
{
	audit_log *a = user_data;
	if (ev->kind == BLE_AUDIT_ATTACK) {
		a->attacks++;
		snprintf(a->last_answer, sizeof a->last_answer, "%s", ev->answer ? ev->answer : "");
		snprintf(a->last_detail, sizeof a->last_detail, "%s", ev->detail);
	}
	if (ev->decision == BLE_DECISION_REFUSED) {
		a->refusals++;
		snprintf(a->last_reason, sizeof a->last_reason, "%s", ev->reason);
	}
	if (ev->kind == BLE_AUDIT_PHONE && ev->char_id == GATT_IDD_HISTORY_DATA)
		a->history_records += ev->count;
}

/* Run a scenario given as text; the engine's status at its end and its error. */
static engine_status run_text(const char *text, audit_log *log, char *error, size_t cap)
{
	scenario sc;
	scenario_error err;
	cr_assert(scenario_load_string(text, strlen(text), "mem.yaml", &sc, &err), "%s",
	          err.message);
	engine *e = engine_new(&sc);
	cr_assert_not_null(e);
	engine_on_ble_audit(e, keep_audit, log);
	engine_row row;
	engine_status st;
	while ((st = engine_next(e, &row)) == ENGINE_ROW)
		;
	snprintf(error, cap, "%s", st == ENGINE_FAILED ? engine_error(e) : "");
	engine_free(e);
	scenario_free(&sc);
	return st;
}

Test(pump_scenarios, a_replay_whose_capture_is_gone_fails_the_run_with_its_place)
{
	/* 07:00 a bolus; then 140 reads of the history (each a Record Access CP write):
	 * the phone keeps its last 128 writes, so the 07:00 one is gone by 09:30 */
	const char *text = "patient: adult#001\nduration: 12h\nevents:\n"
	                   "  - {at: \"07:00\", phone: {bolus: 2}}\n"
	                   "  - {at: \"07:01\", phone: {read: history}, every: 1m, count: 140}\n"
	                   "  - {at: \"09:30\", attack: {kind: replay, of: \"07:00\"}}\n";
	audit_log log = {0};
	char error[400];
	cr_assert_eq(run_text(text, &log, error, sizeof error), ENGINE_FAILED);
	cr_assert(strstr(error, "mem.yaml:6:5: attack replay at t = 570 min sent nothing: no "
	                        "capture at or before t = 420 min"),
	          "%s", error);
	cr_assert_eq(log.attacks, 0, "nothing was sent, nothing is reported as sent");
}

Test(pump_scenarios, an_attack_with_nothing_to_replay_fails_and_one_that_plays_reports_it)
{
	audit_log log = {0};
	char error[400];
	cr_assert_eq(run_text("patient: adult#001\nduration: 2h\nevents:\n"
	                      "  - {at: \"00:30\", attack: tamper}\n",
	                      &log, error, sizeof error),
	             ENGINE_FAILED);
	cr_assert(strstr(error, "attack tamper at t = 30 min sent nothing: this phone has made "
	                        "no write to tamper with"),
	          "%s", error);
	memset(&log, 0, sizeof log);
	cr_assert_eq(run_text("patient: adult#001\nduration: 2h\nevents:\n"
	                      "  - {at: \"00:10\", phone: {bolus: 2}}\n"
	                      "  - {at: \"00:30\", attack: {kind: replay, of: \"00:10\"}}\n",
	                      &log, error, sizeof error),
	             ENGINE_LAST_ROW, "%s", error);
	cr_assert_eq(log.attacks, 1);
	cr_assert_str_eq(log.last_answer, "e2e_invalid_counter");
	cr_assert(strstr(log.last_detail, "sent 1 write of 13 octets to IDD Command Control Point"),
	          "%s", log.last_detail);
}

Test(pump_scenarios, a_phone_confirms_the_named_annunciation_or_is_refused_when_none_is_active)
{
	audit_log log = {0};
	char error[400];
	/* nothing active: a refusal in the audit, nothing sent */
	cr_assert_eq(run_text("patient: adult#001\nduration: 2h\nevents:\n"
	                      "  - {at: \"00:30\", phone: {confirm: occlusion}}\n",
	                      &log, error, sizeof error),
	             ENGINE_LAST_ROW, "%s", error);
	cr_assert_eq(log.refusals, 1);
	cr_assert_str_eq(log.last_reason, "no active annunciation occlusion to confirm");
	/* a canceled bolus (informational) and an occlusion alarm (the person's): the phone's
	 * confirm of the occlusion goes to the occlusion, not to the newest */
	memset(&log, 0, sizeof log);
	cr_assert_eq(run_text("patient: adult#001\nduration: 6h\nevents:\n"
	                      "  - {at: \"00:05\", fault: occlusion}\n"
	                      "  - {at: \"03:00\", phone: {bolus: 2}}\n"
	                      "  - {at: \"03:01\", phone: {cancel_bolus}}\n"
	                      "  - {at: \"03:05\", phone: {confirm: occlusion}}\n"
	                      "expect:\n"
	                      "  - {command: confirm_annunciation, source: phone, code: "
	                      "needs_person, count: 1}\n",
	                      &log, error, sizeof error),
	             ENGINE_LAST_ROW, "%s", error);
}
