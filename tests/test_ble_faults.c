/*
 * test_ble_faults.c — the faults the server shows a phone on purpose (ble_fault.h,
 * docs/qa-guide.md "Faults"), each seen by the in-process phone as a phone app would see
 * it: a dropped link, a refused connection, a value that never comes or comes late, a
 * response with a wrong op code or code, a bad E2E-CRC, a counter that jumps, history out
 * of order or twice, CGM records with a sensor status, a clock that jumps. Every fault is
 * audited with who injected it, and none changes the pump's limits or its authority rules.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cgms.h"
#include "gatt_values.h"
#include "virtual_phone.h"

#include "ble_support.h"

#define PHONE "/org/bluez/hci0/dev_PHONE"

static struct {
	ble_test_rig rig;
	virtual_phone *vp;
	size_t faults_started, faults_applied, faults_ended;
	char origin[16];
	uint32_t history_seq[64];
	size_t history_n;
	uint32_t last_ssa;
	size_t cgm_values;
} H;

static void on_audit(const ble_audit_event *ev, void *ud)
{
	(void)ud;
	if (ev->kind != BLE_AUDIT_FAULT)
		return;
	snprintf(H.origin, sizeof H.origin, "%s", ev->origin ? ev->origin : "");
	if (strcmp(ev->answer, "started") == 0)
		H.faults_started++;
	else if (strcmp(ev->answer, "applied") == 0)
		H.faults_applied++;
	else if (strcmp(ev->answer, "ended") == 0)
		H.faults_ended++;
}

/* What reaches the phone, as a second listener sees it: History Data sequence numbers
 * (IDS 1.0.1 §3.10: Event Type uint16, Sequence Number uint32 …) and CGM records. */
static void on_value(const ble_link *link, gatt_char_id id, bool indication, const uint8_t *v,
                     size_t len, void *ud)
{
	(void)link, (void)indication, (void)ud;
	if (id == GATT_IDD_HISTORY_DATA && len >= 6 && H.history_n < 64)
		H.history_seq[H.history_n++] = (uint32_t)v[2] | (uint32_t)v[3] << 8 |
		                               (uint32_t)v[4] << 16 | (uint32_t)v[5] << 24;
	if (id == GATT_CGM_MEASUREMENT) {
		cgms_measurement m;
		size_t used = 0;
		if (cgms_measurement_decode(v, len, true, &m, &used) == BLE_OK)
			H.last_ssa = m.ssa;
		H.cgm_values++;
	}
}

static void setup_e2e(bool e2e)
{
	memset(&H, 0, sizeof H);
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, BLE_PROFILE_HARDENED);
	cfg.e2e = e2e;
	cfg.on_audit = on_audit;
	ble_test_rig_open(&H.rig, NULL, &cfg);
	H.vp = virtual_phone_new(H.rig.srv, ble_link_make(PHONE, GATT_SEC_SECURE, true));
	cr_assert_not_null(H.vp);
	cr_assert(ble_server_add_listener(H.rig.srv, on_value, NULL));
}

static void setup(void)
{
	setup_e2e(true);
}

static void teardown(void)
{
	virtual_phone_free(H.vp);
	ble_test_rig_close(&H.rig);
	memset(&H, 0, sizeof H);
}

/* Fault `k` from ctl, at minute `now`, lasting `for_min` (0: until cleared / once). */
static bool inject(ble_fault_kind k, int64_t now, int64_t for_min, uint32_t nth, uint32_t ms,
                   int32_t by)
{
	ble_fault f = {.kind = k,
	               .until_min = for_min ? now + for_min : BLE_FAULT_UNTIL_CLEARED,
	               .nth = nth,
	               .delay_ms = ms,
	               .by = by,
	               .origin = "ctl"};
	const char *why = NULL;
	return ble_server_fault(H.rig.srv, &f, now, &why);
}

/* A Status Reader request whose answer is one indication ("delivered": Get Delivered
 * Insulin). */
static vp_answer ask(int64_t now)
{
	return vp_read_named(H.vp, now, "delivered");
}

/* The pump's limits and the phone's authority, which no fault may touch. */
static void expect_rules_unchanged(void)
{
	pump_status st = ble_test_pump_status(&H.rig);
	const pump_config *pc = pump_get_config(H.rig.p);
	cr_assert_eq(st.max_bolus_u, pc->limits.max_bolus_u);
	cr_assert_eq(st.max_bolus_person_u, pc->limits.max_bolus_u);
	ble_server_fault_clear(H.rig.srv, BLE_FAULT_COUNT, H.rig.now);
	vp_reconnect(H.vp, H.rig.now);
	vp_answer over =
	    vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_NORMAL, pc->limits.max_bolus_u + 1, 0, 0);
	cr_assert(over.indicated && !over.ok, "a bolus over the limit is still refused");
	cr_assert_eq(ble_test_pump_status(&H.rig).bolus_active, false);
}

TestSuite(ble_faults, .init = setup, .fini = teardown, .timeout = 60);

Test(ble_faults, disconnect_drops_every_link_now_and_is_audited_as_ctl)
{
	cr_assert(ask(0).ok);
	cr_assert(ble_server_link_connected(H.rig.srv, PHONE));
	cr_assert(inject(BLE_FAULT_DISCONNECT, 0, 0, 0, 0, 0));
	cr_assert_not(ble_server_link_connected(H.rig.srv, PHONE));
	cr_assert_eq(H.faults_started, 1);
	cr_assert_str_eq(H.origin, "ctl");
	cr_assert(vp_reconnect(H.vp, 1), "the phone may come back at once");
	cr_assert(ask(1).ok);
	expect_rules_unchanged();
}

Test(ble_faults, refuse_connections_refuses_new_links_until_its_time_is_over)
{
	cr_assert(inject(BLE_FAULT_REFUSE_CONNECTIONS, 0, 5, 0, 0, 0));
	const ble_link l = ble_link_make(PHONE, GATT_SEC_SECURE, true);
	cr_assert_not(ble_server_connect(H.rig.srv, &l, 0), "refused while the fault lasts");
	ble_server_stats st;
	ble_server_get_stats(H.rig.srv, &st);
	cr_assert_eq(st.faults_applied, 1);
	ble_test_run_minutes(&H.rig, 6); /* the tick of minute 5 ends it */
	cr_assert_eq(H.faults_ended, 1);
	cr_assert(ble_server_connect(H.rig.srv, &l, 6), "accepted once it is over");
}

Test(ble_faults, stop_advertising_means_no_new_connection)
{
	cr_assert(inject(BLE_FAULT_STOP_ADVERTISING, 0, 0, 0, 0, 0));
	cr_assert(ble_server_fault_active(H.rig.srv, BLE_FAULT_STOP_ADVERTISING, 100));
	const ble_link l = ble_link_make("/org/bluez/hci0/dev_OTHER", GATT_SEC_SECURE, true);
	cr_assert_not(ble_server_connect(H.rig.srv, &l, 0));
	ble_server_fault_clear(H.rig.srv, BLE_FAULT_STOP_ADVERTISING, 1);
	cr_assert(ble_server_connect(H.rig.srv, &l, 1));
}

Test(ble_faults, drop_notifications_loses_every_nth_value)
{
	cr_assert(ask(0).indicated); /* subscriptions in place before counting */
	cr_assert(inject(BLE_FAULT_DROP_NOTIFICATIONS, 0, 0, 3, 0, 0));
	size_t answered = 0;
	for (int i = 0; i < 9; i++)
		answered += ask(0).indicated;
	cr_assert_eq(answered, 6, "every third response lost: %zu of 9 came", answered);
	cr_assert_eq(H.faults_applied, 3);
}

Test(ble_faults, delay_holds_a_response_until_the_next_minute)
{
	cr_assert(ask(0).indicated);
	const size_t before = vp_notification_count(H.vp, GATT_IDD_STATUS_READER_CP);
	cr_assert(inject(BLE_FAULT_DELAY, 0, 0, 0, 800, 0));
	cr_assert_eq(ble_server_fault_delay_ms(H.rig.srv, 0), 800);
	cr_assert_not(ask(0).indicated, "the response does not come during the write");
	cr_assert_eq(ble_server_held_count(H.rig.srv), 1);
	ble_test_run_minutes(&H.rig, 1);
	cr_assert_eq(vp_notification_count(H.vp, GATT_IDD_STATUS_READER_CP), before + 1,
	             "late, never lost");
	cr_assert_eq(vp_e2e_errors(H.vp), 0);
}

Test(ble_faults, mtu_23_refuses_a_write_longer_than_20_octets)
{
	cr_assert(inject(BLE_FAULT_MTU_23, 0, 0, 0, 0, 0));
	uint8_t longer[24] = {0};
	vp_answer a = vp_attack_raw(H.vp, 0, GATT_IDD_COMMAND_CP, longer, sizeof longer);
	cr_assert_eq(a.att_error, 0x0D);
	ble_server_fault_clear(H.rig.srv, BLE_FAULT_MTU_23, 0);
	a = vp_attack_raw(H.vp, 0, GATT_IDD_COMMAND_CP, longer, sizeof longer);
	cr_assert_neq(a.att_error, 0x0D, "the length is not the refusal any more");
}

Test(ble_faults, no_response_loses_the_next_control_point_response_only)
{
	cr_assert(ask(0).indicated);
	cr_assert(inject(BLE_FAULT_NO_RESPONSE, 0, 0, 0, 0, 0));
	cr_assert_not(ask(0).indicated, "a procedure timeout for the app");
	cr_assert(ask(0).indicated, "one-shot: the next one is answered");
	cr_assert_eq(H.faults_applied, 1);
	cr_assert_eq(H.faults_ended, 1);
}

Test(ble_faults, wrong_opcode_sends_a_response_op_code_one_bit_off)
{
	vp_answer good = ask(0);
	cr_assert(good.indicated && good.ok);
	cr_assert(inject(BLE_FAULT_WRONG_OPCODE, 0, 0, 0, 0, 0));
	vp_answer bad = ask(0);
	cr_assert(bad.indicated);
	cr_assert_not(bad.ok, "an app must not take it for the answer it asked for");
	cr_assert_eq(H.faults_applied, 1);
}

Test(ble_faults, wrong_code_sends_a_response_code_outside_the_table)
{
	cr_assert(vp_therapy_state(H.vp, 0, PUMP_THERAPY_PAUSE).ok);
	cr_assert(inject(BLE_FAULT_WRONG_CODE, 0, 0, 0, 0, 0));
	vp_answer a = vp_therapy_state(H.vp, 0, PUMP_THERAPY_RUN);
	cr_assert(a.indicated);
	cr_assert_not(a.ok, "the phone's decoder refuses a code outside the table");
	size_t n = 0;
	const uint8_t *v = vp_last_value(H.vp, GATT_IDD_COMMAND_CP, &n);
	cr_assert(v && n >= 5);
	cr_assert_eq(v[4], 0x42);
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_RUN,
	             "the pump did what was asked: only the answer is wrong");
}

Test(ble_faults, bad_crc_fails_the_phones_e2e_check)
{
	cr_assert(ask(0).e2e_ok);
	cr_assert(inject(BLE_FAULT_BAD_CRC, 0, 0, 0, 0, 0));
	vp_answer a = ask(0);
	cr_assert(a.indicated);
	cr_assert_not(a.e2e_ok);
	cr_assert_eq(vp_e2e_errors(H.vp), 1);
	cr_assert_eq(H.faults_ended, 1, "one-shot: used once");
	cr_assert(vp_reconnect(H.vp, 1));
	cr_assert(ask(1).e2e_ok, "the next link's values are whole");
}

Test(ble_faults, counter_jump_fails_the_phones_counter_check)
{
	cr_assert(ask(0).e2e_ok);
	cr_assert(inject(BLE_FAULT_COUNTER_JUMP, 0, 0, 0, 0, 7));
	cr_assert_not(ask(0).e2e_ok, "the counter skipped 7 values");
	cr_assert_geq(vp_e2e_errors(H.vp), 1);
}

Test(ble_faults, bad_crc_and_counter_jump_need_e2e, .init = NULL)
{
	setup_e2e(false);
	const char *why = NULL;
	ble_fault f = {.kind = BLE_FAULT_BAD_CRC, .until_min = BLE_FAULT_UNTIL_CLEARED};
	cr_assert_not(ble_server_fault(H.rig.srv, &f, 0, &why));
	cr_assert(why && strstr(why, "E2E"));
	f.kind = BLE_FAULT_COUNTER_JUMP;
	f.by = 3;
	cr_assert_not(ble_server_fault(H.rig.srv, &f, 0, &why));
	cr_assert_eq(H.faults_started, 0, "nothing started, nothing audited");
}

/* A few history records to report. */
static void make_history(void)
{
	for (int i = 0; i < 3; i++) {
		cr_assert(vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_NORMAL, 0.5, 0, 0).ok);
		ble_test_run_minutes(&H.rig, 20);
	}
}

static void read_history(void)
{
	H.history_n = 0;
	vp_answer a = vp_read_history(H.vp, H.rig.now);
	cr_assert(a.ok || a.indicated || a.data_count > 0);
	for (int i = 0; i < 20; i++)
		ble_server_continue_reports(H.rig.srv, H.rig.now);
	cr_assert_geq(H.history_n, 3);
}

Test(ble_faults, history_duplicate_sends_one_record_twice)
{
	make_history();
	read_history();
	const size_t normal = H.history_n;
	cr_assert(inject(BLE_FAULT_HISTORY_DUPLICATE, H.rig.now, 0, 0, 0, 0));
	read_history();
	cr_assert_eq(H.history_n, normal + 1);
	cr_assert_eq(H.history_seq[0], H.history_seq[1], "the first record, twice");
}

Test(ble_faults, history_out_of_order_swaps_two_records)
{
	make_history();
	read_history();
	const size_t normal = H.history_n;
	cr_assert(inject(BLE_FAULT_HISTORY_OUT_OF_ORDER, H.rig.now, 0, 0, 0, 0));
	read_history();
	cr_assert_eq(H.history_n, normal, "nothing lost");
	cr_assert_gt(H.history_seq[0], H.history_seq[1], "the second record came first");
}

Test(ble_faults, cgm_records_carry_sensor_malfunction_and_calibration_required)
{
	cr_assert(vp_subscribe_named(H.vp, 0, "cgm", true).ok);
	cr_assert(vp_set_cgm_interval(H.vp, 0, 255).ok);
	ble_server_cgm_sample(H.rig.srv, 1, 120, 0);
	cr_assert_eq(H.last_ssa, 0);
	cr_assert(inject(BLE_FAULT_CGM_SENSOR_MALFUNCTION, 2, 10, 0, 0, 0));
	cr_assert(inject(BLE_FAULT_CGM_CALIBRATION_REQUIRED, 2, 0, 0, 0, 0));
	ble_server_cgm_sample(H.rig.srv, 2, 121, 0);
	cr_assert(H.last_ssa & CGMS_SSA_SENSOR_MALFUNCTION);
	cr_assert(H.last_ssa & CGMS_SSA_CALIBRATION_REQUIRED);
	ble_server_fault_clear(H.rig.srv, BLE_FAULT_COUNT, 3);
	ble_server_cgm_sample(H.rig.srv, 3, 122, 0);
	cr_assert_eq(H.last_ssa, 0);
}

Test(ble_faults, time_jump_moves_current_time_and_notifies_it)
{
	cr_assert(vp_subscribe(H.vp, 0, GATT_CTS_CURRENT_TIME, true).ok);
	uint8_t v[16];
	size_t n = 0;
	cr_assert(vp_read(H.vp, 0, GATT_CTS_CURRENT_TIME, v, sizeof v, &n).ok);
	cts_current_time before, after;
	cr_assert_eq(cts_current_time_decode(v, n, &before), BLE_OK);
	cr_assert(inject(BLE_FAULT_TIME_JUMP, 0, 0, 0, 0, -90));
	cr_assert_eq(vp_notification_count(H.vp, GATT_CTS_CURRENT_TIME), 1);
	cr_assert(vp_read(H.vp, 0, GATT_CTS_CURRENT_TIME, v, sizeof v, &n).ok);
	cr_assert_eq(cts_current_time_decode(v, n, &after), BLE_OK);
	const int b = before.date_time.hours * 60 + before.date_time.minutes;
	const int a = after.date_time.hours * 60 + after.date_time.minutes;
	cr_assert_eq((b - a + 1440) % 1440, 90);
	expect_rules_unchanged();
}

Test(ble_faults, out_of_range_arguments_are_refused_with_a_reason)
{
	const char *why = NULL;
	ble_fault f = {.kind = BLE_FAULT_DROP_NOTIFICATIONS, .nth = 1};
	cr_assert_not(ble_server_fault(H.rig.srv, &f, 0, &why));
	cr_assert(why && strstr(why, "nth"));
	f = (ble_fault){.kind = BLE_FAULT_DELAY, .delay_ms = 60000};
	cr_assert_not(ble_server_fault(H.rig.srv, &f, 0, &why));
	f = (ble_fault){.kind = BLE_FAULT_TIME_JUMP, .by = 0};
	cr_assert_not(ble_server_fault(H.rig.srv, &f, 0, &why));
	cr_assert_eq(H.faults_started, 0);
}

Test(ble_faults, every_kind_has_a_name_that_reads_back)
{
	for (int k = 0; k < BLE_FAULT_COUNT; k++) {
		ble_fault_kind back;
		cr_assert(ble_fault_from_name(ble_fault_name((ble_fault_kind)k), &back));
		cr_assert_eq((int)back, k);
	}
	ble_fault_kind none;
	cr_assert_not(ble_fault_from_name("unplug", &none));
}

/* ---- the pump's faults (pump_inject_fault_by), as the phone sees them ---- */

/* The newest active annunciation the phone reads after fault `f` (with `value`). */
static ids_annunciation_status after_fault(pump_fault f, double value)
{
	pump_inject_fault_by(H.rig.p, H.rig.now, f, value, "ctl");
	ble_server_publish(H.rig.srv, H.rig.now);
	ids_annunciation_status a = {0};
	cr_assert(vp_read_annunciation(H.vp, H.rig.now, &a).ok);
	return a;
}

Test(ble_faults, occlusion_mid_bolus_the_phone_sees_the_alarm_and_an_uncertain_bolus)
{
	cr_assert(vp_subscribe_named(H.vp, 0, "annunciations", true).ok);
	cr_assert(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 6.0, 0, 0).ok);
	ble_test_run_minutes(&H.rig, 2);
	const size_t before = vp_notification_count(H.vp, GATT_IDD_ANNUNCIATION_STATUS);
	ids_annunciation_status a = after_fault(PUMP_FAULT_OCCLUSION, 2.0);
	cr_assert(a.present);
	cr_assert_eq(a.type, IDS_ANN_OCCLUSION_DETECTED);
	cr_assert_gt(vp_notification_count(H.vp, GATT_IDD_ANNUNCIATION_STATUS), before,
	             "indicated now, not at the next minute");
	ids_status st;
	cr_assert(vp_read_status(H.vp, H.rig.now, &st).ok);
	cr_assert_eq(st.therapy_control_state, IDS_TCS_STOP);
	expect_rules_unchanged();
}

Test(ble_faults, reservoir_and_battery_faults_reach_the_phone_as_annunciations)
{
	cr_assert_eq(after_fault(PUMP_FAULT_RESERVOIR_LOW, NAN).type, IDS_ANN_RESERVOIR_LOW);
	/* Found empty: the pump notices at its next delivery (the minute's tick). */
	pump_inject_fault_by(H.rig.p, H.rig.now, PUMP_FAULT_RESERVOIR_EMPTY, NAN, "ctl");
	ble_test_run_minutes(&H.rig, 1);
	ids_annunciation_status a = {0};
	cr_assert(vp_read_annunciation(H.vp, H.rig.now, &a).ok);
	cr_assert_eq(a.type, IDS_ANN_RESERVOIR_EMPTY);
	cr_assert_eq(after_fault(PUMP_FAULT_BATTERY_LOW, NAN).type, IDS_ANN_BATTERY_LOW);
	uint8_t pct = 100;
	cr_assert(vp_read_battery(H.vp, H.rig.now, &pct).ok);
	cr_assert_leq(pct, 20);
	cr_assert_eq(after_fault(PUMP_FAULT_BATTERY_DEAD, NAN).type, IDS_ANN_BATTERY_EMPTY);
	expect_rules_unchanged();
}

Test(ble_faults, an_interrupted_bolus_is_not_reported_delivered)
{
	cr_assert(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 4.0, 0, 0).ok);
	ble_test_run_minutes(&H.rig, 1); /* 1.5 U of 4 */
	cr_assert_eq(after_fault(PUMP_FAULT_BOLUS_INTERRUPTED, NAN).type, IDS_ANN_BOLUS_CANCELED);
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	vp_answer d = vp_read_named(H.vp, H.rig.now, "delivered");
	cr_assert(d.ok);
	const ids_status_response *r = vp_last_status_response(H.vp);
	cr_assert_not_null(r);
	cr_assert_lt(ble_test_pump_status(&H.rig).delivered_total_u, 4.0,
	             "the pump delivered part of it; an app must not show 4 U");
}

Test(ble_faults, an_annunciation_burst_is_indicated_one_by_one)
{
	cr_assert(vp_subscribe_named(H.vp, 0, "annunciations", true).ok);
	const size_t before = vp_notification_count(H.vp, GATT_IDD_ANNUNCIATION_STATUS);
	after_fault(PUMP_FAULT_ANNUNCIATION_BURST, 5);
	cr_assert_eq(ble_test_pump_status(&H.rig).annunciation_count, 5);
	cr_assert_geq(vp_notification_count(H.vp, GATT_IDD_ANNUNCIATION_STATUS), before + 1);
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_RUN);
}
