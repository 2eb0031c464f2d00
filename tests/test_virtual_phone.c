/*
 * test_virtual_phone.c — the in-process phone (ble_gateway/virtual_phone.h): its encodings
 * decode back in the server and command the real pump as intended; every attack kind it
 * offers is refused by the hardened profile with the expected answer and nothing delivered,
 * and shows its harm against the legacy-vulnerable profile (or, where the pump's own limits
 * or the codecs' strictness hold in both, says so).
 *
 * Rows of docs/ble-threats.md in the names (R1, R2, R5, I1, I9, A1, A3, V1, V2 …).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"
#include "virtual_phone.h"

#include "ble_support.h"

/* ---------------------------------------------------------------------------------- */
/* Harness                                                                             */
/* ---------------------------------------------------------------------------------- */

static struct {
	ble_test_rig rig; /* the pump, the server, the minute */
	virtual_phone *vp;
	size_t audits;
	size_t refusals;
	char last_reason[96];
} H;

static void on_audit(const ble_audit_event *ev, void *ud)
{
	(void)ud;
	H.audits++;
	if (ev->decision == BLE_DECISION_REFUSED)
		H.refusals++;
	snprintf(H.last_reason, sizeof H.last_reason, "%s", ev->reason);
}

static void setup(ble_profile profile)
{
	memset(&H, 0, sizeof H);
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, profile);
	cfg.on_audit = on_audit;
	ble_test_rig_open(&H.rig, NULL, &cfg);
	H.vp = virtual_phone_new(H.rig.srv,
	                         ble_link_make("/org/bluez/hci0/dev_PHONE", GATT_SEC_SECURE, true));
	cr_assert_not_null(H.vp);
}

static void hardened(void)
{
	setup(BLE_PROFILE_HARDENED);
}

static void teardown(void)
{
	virtual_phone_free(H.vp);
	ble_test_rig_close(&H.rig);
	memset(&H, 0, sizeof H);
}

/* Insulin delivered by boluses so far (basal is 1 U/h from t = 0). */
static double bolus_delivered(void)
{
	return ble_test_pump_status(&H.rig).delivered_total_u - (double)H.rig.now / 60.0;
}

static void assert_ok(vp_answer a, const char *what)
{
	char d[96];
	cr_assert(a.sent && a.att_error == 0 && a.ok, "%s: %s", what,
	          vp_answer_describe(&a, d, sizeof d));
	cr_assert(a.e2e_ok, "%s: response E2E", what);
}

static void assert_response(vp_answer a, uint8_t code, const char *what)
{
	char d[96];
	cr_assert(a.sent && a.att_error == 0 && a.indicated && a.code == code,
	          "%s: %s, want code 0x%02X", what, vp_answer_describe(&a, d, sizeof d), code);
	cr_assert_eq(a.cp_indications, 1, "%s: exactly one response", what);
}

static void assert_att(vp_answer a, uint8_t att, const char *what)
{
	char d[96];
	cr_assert(a.sent && a.att_error == att, "%s: %s, want ATT 0x%02X", what,
	          vp_answer_describe(&a, d, sizeof d), att);
	cr_assert_not(a.indicated, "%s: an ATT error, never a response code", what);
}

/* ---------------------------------------------------------------------------------- */
/* Encodings: what the phone writes decodes in the server and does what it says       */
/* ---------------------------------------------------------------------------------- */

TestSuite(phone, .init = hardened, .fini = teardown);

Test(phone, bolus_bytes_on_the_wire_carry_counter_1_and_the_crc)
{
	vp_answer a = vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0);
	assert_ok(a, "bolus");
	cr_assert_eq(a.response_opcode, IDS_CCP_SET_BOLUS_RESPONSE);
	cr_assert_eq(a.id, 1);
	cr_assert_eq(vp_capture_count(H.vp), 1);
	const vp_capture *c = vp_capture_get(H.vp, 0);
	uint8_t want[13] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
	uint16_t crc = crc16_mcrf4xx(want, 11);
	want[11] = (uint8_t)crc;
	want[12] = (uint8_t)(crc >> 8);
	ble_test_assert_bytes(c->bytes, c->len, want, sizeof want);
	cr_assert_eq(c->char_id, GATT_IDD_COMMAND_CP);
	ids_command cmd;
	cr_assert_eq(
	    ids_command_decode(ble_server_ids_profile(H.rig.srv), c->bytes, c->len - 3, &cmd),
	    IDS_RC_SUCCESS);
	cr_assert_float_eq(cmd.u.set_bolus.fast_u, 2.0, 1e-12);
}

Test(phone, every_intent_it_writes_decodes_back_with_the_codecs)
{
	vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 1.25, 0, 0);
	vp_bolus(H.vp, 0, PUMP_BOLUS_EXTENDED, 0, 2.5, 45);
	vp_bolus(H.vp, 0, PUMP_BOLUS_MULTIWAVE, 0.5, 1.5, 30);
	vp_cancel_bolus(H.vp, 0, 0);
	vp_temp_basal(H.vp, 0, PUMP_TBR_ABSOLUTE, 0.35, 90, false);
	vp_temp_basal(H.vp, 0, PUMP_TBR_RELATIVE, 80, 60, true);
	vp_cancel_temp_basal(H.vp, 0);
	vp_therapy_state(H.vp, 0, PUMP_THERAPY_PAUSE);
	vp_therapy_state(H.vp, 0, PUMP_THERAPY_RUN);
	vp_set_max_bolus(H.vp, 0, 12.5);
	vp_get_max_bolus(H.vp, 0, NULL);
	vp_prime(H.vp, 0, 2.0);
	vp_fill_reservoir(H.vp, 0, 180.0);
	vp_snooze_annunciation(H.vp, 0, 7);
	vp_confirm_annunciation(H.vp, 0, 7);
	vp_read_history(H.vp, 0);
	vp_history_count(H.vp, 0);
	vp_read_cgm_history(H.vp, 0);
	vp_set_cgm_interval(H.vp, 0, 5);
	for (const char *const *t = (const char *const[]){"active_bolus", "basal", "total_daily",
	                                                  "iob", "delivered", NULL};
	     *t; t++)
		vp_read_named(H.vp, 1, *t);
	const ids_server_profile *prof = ble_server_ids_profile(H.rig.srv);
	size_t n = vp_capture_count(H.vp);
	cr_assert_geq(n, 24);
	for (size_t i = 0; i < n; i++) {
		const vp_capture *c = vp_capture_get(H.vp, i);
		cr_assert(c->answer.sent && c->answer.att_error == 0, "capture %zu refused at ATT",
		          i);
		cr_assert(c->answer.indicated, "capture %zu: every CP write was answered", i);
		size_t payload = c->len;
		switch (c->char_id) {
		case GATT_IDD_COMMAND_CP: {
			ids_command cmd;
			cr_assert_eq(ids_command_decode(prof, c->bytes, payload - 3, &cmd),
			             IDS_RC_SUCCESS, "capture %zu", i);
			break;
		}
		case GATT_IDD_STATUS_READER_CP: {
			ids_status_request q;
			cr_assert_eq(ids_status_request_decode(prof, c->bytes, payload - 3, &q),
			             IDS_RC_SUCCESS);
			break;
		}
		case GATT_IDD_RACP: {
			ids_racp_request q;
			cr_assert_eq(ids_racp_request_decode(c->bytes, payload - 3, &q),
			             IDS_RACP_RC_SUCCESS);
			break;
		}
		case GATT_CGM_RACP: {
			cgms_racp_request q;
			cr_assert_eq(cgms_racp_request_decode(c->bytes, payload, &q),
			             RACP_RC_SUCCESS);
			break;
		}
		case GATT_CGM_SOCP: {
			size_t m = 0;
			cr_assert_eq(cgms_e2e_check(c->bytes, payload, 1, &m), E2E_OK);
			cgms_socp_request q;
			cr_assert_eq(cgms_socp_request_decode(c->bytes, m, &q), CGMS_RC_SUCCESS);
			break;
		}
		default:
			cr_assert_fail("unexpected characteristic %d", c->char_id);
		}
	}
	cr_assert_eq(vp_e2e_errors(H.vp), 0);
}

Test(phone, bolus_types_reach_the_pump_as_intended)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_EXTENDED, 0, 3.0, 90), "extended");
	pump_status s = ble_test_pump_status(&H.rig);
	cr_assert_eq(s.bolus_type, PUMP_BOLUS_EXTENDED);
	cr_assert_float_eq(s.bolus_programmed_u, 3.0, 1e-9);
	assert_ok(vp_cancel_bolus(H.vp, 0, 0), "cancel the phone's own bolus");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_MULTIWAVE, 1.0, 2.0, 60), "multiwave");
	cr_assert_eq(ble_test_pump_status(&H.rig).bolus_type, PUMP_BOLUS_MULTIWAVE);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).bolus_programmed_u, 3.0, 1e-9);
	ble_test_run_minutes(&H.rig, 61);
	cr_assert_float_eq(bolus_delivered(), 3.0, 1e-6);
}

Test(phone, amounts_are_rounded_down_to_what_the_protocol_carries)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.339, 0, 0), "bolus");
	/* 2.33 U on the wire; the pump rounds down to its 0.05 U pulse. */
	cr_assert_float_eq(ble_test_pump_status(&H.rig).bolus_programmed_u, 2.30, 1e-9);
}

Test(phone, cancel_without_a_known_id_asks_the_pump_first)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 10.0, 0, 0), "bolus");
	/* the same phone after its app was reinstalled: it knows no bolus ID */
	virtual_phone *other = virtual_phone_new(
	    H.rig.srv, ble_link_make("/org/bluez/hci0/dev_PHONE", GATT_SEC_SECURE, true));
	cr_assert(vp_reconnect(other, 0), "and connected again: counters from 1");
	assert_ok(vp_cancel_bolus(other, 0, 0), "cancel via Get Active Bolus IDs");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	virtual_phone_free(other);
}

Test(phone, temp_basal_therapy_state_and_limits)
{
	assert_ok(vp_temp_basal(H.vp, 0, PUMP_TBR_ABSOLUTE, 0.5, 60, true), "TBR, none running");
	cr_assert_float_eq(ble_test_pump_status(&H.rig).temp_basal_value, 0.5, 1e-9);
	assert_response(vp_temp_basal(H.vp, 0, PUMP_TBR_RELATIVE, 120, 30, false), 0x74,
	                "no silent replacement");
	assert_ok(vp_temp_basal(H.vp, 0, PUMP_TBR_RELATIVE, 120, 30, true), "change TBR");
	cr_assert_eq(ble_test_pump_status(&H.rig).temp_basal_type, PUMP_TBR_RELATIVE);
	assert_ok(vp_cancel_temp_basal(H.vp, 0), "cancel TBR");
	assert_ok(vp_therapy_state(H.vp, 0, PUMP_THERAPY_PAUSE), "pause");
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_PAUSE);
	assert_ok(vp_therapy_state(H.vp, 0, PUMP_THERAPY_RUN), "run");
	assert_ok(vp_set_max_bolus(H.vp, 0, 8.0), "max bolus 8");
	double max = 0;
	assert_ok(vp_get_max_bolus(H.vp, 0, &max), "get max bolus");
	cr_assert_float_eq(max, 8.0, 1e-9);
	assert_response(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 9.0, 0, 0), 0x73, "T1 over max");
}

Test(phone, stop_prime_fill_and_confirm)
{
	assert_ok(vp_therapy_state(H.vp, 0, PUMP_THERAPY_STOP), "stop");
	/* a cartridge and the line are the person's, at the pump */
	assert_response(vp_fill_reservoir(H.vp, 0, 250.0), 0x74, "fill");
	assert_response(vp_prime(H.vp, 0, 5.0), 0x74, "prime");
	cr_assert_float_eq(ble_test_pump_status(&H.rig).reservoir_u, 300.0, 1e-9);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, 0.0, 1e-12);
	assert_ok(vp_therapy_state(H.vp, 0, PUMP_THERAPY_RUN), "run: the phone's own stop");
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 5.0, 0, 0), "bolus");
	assert_ok(vp_cancel_bolus(H.vp, 0, 0), "cancel: raises an annunciation");
	cr_assert_eq(ble_test_pump_status(&H.rig).annunciation_count, 1);
	vp_answer a = vp_confirm_annunciation(H.vp, 0, 0);
	assert_ok(a, "confirm the newest");
	cr_assert_eq(a.response_opcode, IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE);
	cr_assert_eq(ble_test_pump_status(&H.rig).annunciation_count, 0);
}

Test(phone, reads_and_history)
{
	ids_status st;
	assert_ok(vp_read_status(H.vp, 0, &st), "status");
	cr_assert_eq(st.therapy_control_state, IDS_TCS_RUN);
	cr_assert_float_eq(st.reservoir_u, 300.0, 1e-9);
	ids_features f;
	assert_ok(vp_read_features(H.vp, 0, &f), "features");
	cr_assert(f.flags & IDS_FEAT_E2E);
	uint8_t pct = 0;
	assert_ok(vp_read_battery(H.vp, 0, &pct), "battery");
	cr_assert_eq(pct, 99);
	char name[64];
	assert_ok(vp_read_device_info(H.vp, 0, name, sizeof name), "device info");
	cr_assert_str_eq(name, "FakePump HIL");
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 1.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 2);
	vp_answer n = vp_history_count(H.vp, H.rig.now);
	assert_ok(n, "history count");
	vp_answer h = vp_read_history(H.vp, H.rig.now);
	assert_ok(h, "history");
	cr_assert_eq(h.data_count, n.count);
	cr_assert_geq(h.data_count, 5);
	cr_assert_eq(vp_e2e_errors(H.vp), 0);
}

Test(phone, every_named_read_and_subscription_works_on_an_authenticated_link)
{
	static const char *const reads[] = {"status",    "annunciations", "history", "features",
	                                    "cgm",       "cgm_status",    "battery", "device_info",
	                                    "max_bolus", "active_bolus",  "basal",   "total_daily",
	                                    "iob",       "delivered"};
	ble_server_cgm_sample(H.rig.srv, 0, 110, 0);
	ble_test_run_minutes(&H.rig, 1); /* something in the history */
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		cr_assert(vp_read_target_known(reads[i]));
		assert_ok(vp_read_named(H.vp, 0, reads[i]), reads[i]);
	}
	static const char *const subs[] = {"cgm", "status", "annunciations", "history", "battery"};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		assert_ok(vp_subscribe_named(H.vp, 1, subs[i], true), subs[i]);
	cr_assert_not(vp_read_named(H.vp, 1, "glucose_of_the_neighbour").sent);
	cr_assert_eq(vp_e2e_errors(H.vp), 0);
}

Test(phone, cgm_notifications_follow_the_communication_interval)
{
	assert_ok(vp_subscribe_named(H.vp, 0, "cgm", true), "subscribe");
	assert_ok(vp_set_cgm_interval(H.vp, 0, 5), "interval 5 min");
	for (int t = 0; t < 30; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100 + t, 0);
	cr_assert_eq(vp_notification_count(H.vp, GATT_CGM_MEASUREMENT), 6);
	vp_answer r = vp_read_cgm_history(H.vp, 30);
	assert_ok(r, "CGM records");
	cr_assert_eq(r.data_count, 30);
	assert_ok(vp_set_cgm_interval(H.vp, 31, 255), "fastest");
	cr_assert_eq(ble_server_cgm_interval(H.rig.srv), 1);
}

Test(phone, status_changes_reach_a_subscribed_phone)
{
	assert_ok(vp_subscribe_named(H.vp, 0, "status", true), "subscribe");
	assert_ok(vp_therapy_state(H.vp, 0, PUMP_THERAPY_PAUSE), "pause");
	cr_assert_geq(vp_notification_count(H.vp, GATT_IDD_STATUS), 1);
	size_t len = 0;
	const uint8_t *v = vp_last_value(H.vp, GATT_IDD_STATUS, &len);
	cr_assert_not_null(v);
	cr_assert_eq(v[0], IDS_TCS_PAUSE);
	cr_assert_eq(vp_e2e_errors(H.vp), 0);
}

Test(phone, capture_finds_the_last_write_before_a_time)
{
	assert_ok(vp_get_max_bolus(H.vp, 1, NULL), "t=1");
	assert_ok(vp_bolus(H.vp, 5, PUMP_BOLUS_NORMAL, 1.0, 0, 0), "t=5");
	assert_ok(vp_get_max_bolus(H.vp, 9, NULL), "t=9");
	size_t i = 99;
	cr_assert(vp_capture_find(H.vp, 7, GATT_CHAR_COUNT, &i));
	cr_assert_eq(vp_capture_get(H.vp, i)->t_min, 5);
	cr_assert(vp_capture_find(H.vp, 100, GATT_IDD_COMMAND_CP, &i));
	cr_assert_eq(vp_capture_get(H.vp, i)->t_min, 9);
	cr_assert_not(vp_capture_find(H.vp, 0, GATT_CHAR_COUNT, &i));
}

/* ---------------------------------------------------------------------------------- */
/* Attacks against the hardened profile: refused, audited, nothing delivered           */
/* ---------------------------------------------------------------------------------- */

TestSuite(hardened, .init = hardened, .fini = teardown);

Test(hardened, R1_bit_exact_replay_is_0x82)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 5);
	size_t refusals = H.refusals;
	assert_att(vp_attack_replay(H.vp, H.rig.now, 0), 0x82, "replay");
	cr_assert_eq(H.refusals, refusals + 1, "audited");
	cr_assert_str_eq(H.last_reason, "e2e: invalid counter");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 2.0, 1e-6);
}

Test(hardened, R1_resealed_replay_is_a_duplicate_0x74)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 5);
	assert_response(vp_attack_replay_resealed(H.vp, H.rig.now, 0), 0x74, "resealed replay");
	cr_assert_str_eq(H.last_reason, "replay/duplicate");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 2.0, 1e-6);
}

Test(hardened, R5_replay_on_a_new_connection_passes_e2e_and_is_caught_as_a_duplicate)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 3);
	cr_assert(vp_reconnect(H.vp, H.rig.now));
	/* The captured write carried counter 1: exactly what a new connection expects. */
	assert_response(vp_attack_replay_at(H.vp, H.rig.now, 0, GATT_IDD_COMMAND_CP), 0x74, "R5");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 2.0, 1e-6);
}

Test(hardened, I1_tampered_byte_is_refused_by_the_counter_or_the_crc)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 3);
	/* On the same connection its counter is stale first (checked before the CRC). */
	assert_att(vp_attack_tamper(H.vp, H.rig.now, 0, 4, 0x01, false), 0x82,
	           "2 U → 3 U, old tail");
	/* On a new connection the counter fits and the CRC gives it away. */
	cr_assert(vp_reconnect(H.vp, H.rig.now));
	assert_att(vp_attack_tamper(H.vp, H.rig.now, 0, 4, 0x01, false), 0x81,
	           "2 U → 3 U, old CRC");
	cr_assert_str_eq(H.last_reason, "e2e: invalid crc");
	ble_test_run_minutes(&H.rig, 3);
	cr_assert_float_eq(bolus_delivered(), 2.0, 1e-6);
}

Test(hardened, I5_a_single_bit_flip_of_the_opcode_is_0x70_even_resealed)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 3);
	assert_response(vp_attack_tamper(H.vp, H.rig.now, 0, 0, 0x01, true), 0x70, "0x114A");
	ble_test_run_minutes(&H.rig, 3);
	cr_assert_float_eq(bolus_delivered(), 2.0, 1e-6);
}

Test(hardened, I2_I3_raw_bytes_without_a_tail_and_to_read_only_attributes)
{
	const uint8_t bolus[] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
	assert_att(vp_attack_raw(H.vp, 0, GATT_IDD_COMMAND_CP, bolus, sizeof bolus), 0x82,
	           "a valid operand read as a tail: counter 0x00 is never valid");
	assert_att(vp_attack_raw(H.vp, 0, GATT_IDD_COMMAND_CP, bolus, 4), 0x80, "too short");
	const uint8_t junk[] = {0xFF, 0xFF, 0xFF};
	assert_att(vp_attack_raw(H.vp, 0, GATT_IDD_STATUS, junk, 3), 0x03, "not writable");
	assert_att(vp_attack_raw(H.vp, 0, GATT_IDD_FEATURES, junk, 3), 0x03, "not writable");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
}

Test(hardened, R2_stale_and_skipped_counters_are_0x82)
{
	assert_ok(vp_get_max_bolus(H.vp, 0, NULL), "counter 1");
	const uint8_t bolus[] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
	assert_att(vp_attack_counter(H.vp, 0, GATT_IDD_COMMAND_CP, bolus, sizeof bolus, -1), 0x82,
	           "stale");
	assert_att(vp_attack_counter(H.vp, 0, GATT_IDD_COMMAND_CP, bolus, sizeof bolus, +3), 0x82,
	           "skipped");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	/* Nothing advanced: the phone's next legitimate write goes through. */
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "next");
}

Test(hardened, A1_unencrypted_link_is_0x05_everywhere_that_matters)
{
	virtual_phone *plain =
	    virtual_phone_new(H.rig.srv, ble_link_make("dev_attacker", GATT_SEC_NONE, false));
	assert_att(vp_bolus(plain, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "bolus");
	assert_att(vp_read_named(plain, 0, "status"), 0x05, "read status");
	assert_att(vp_read_named(plain, 0, "cgm"), 0x05, "read cgm");
	assert_att(vp_subscribe_named(plain, 0, "cgm", true), 0x05, "subscribe cgm");
	assert_ok(vp_read_named(plain, 0, "battery"), "battery is public");
	assert_ok(vp_read_named(plain, 0, "device_info"), "DIS is public");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	virtual_phone_free(plain);
}

Test(hardened, A3_just_works_link_is_0x05)
{
	virtual_phone *jw =
	    virtual_phone_new(H.rig.srv, ble_link_make("dev_just_works", GATT_SEC_ENCRYPTED, true));
	assert_att(vp_bolus(jw, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "bolus");
	assert_att(vp_therapy_state(jw, 0, PUMP_THERAPY_STOP), 0x05, "stop");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_RUN);
	virtual_phone_free(jw);
}

Test(hardened, A10_dropping_to_an_unencrypted_link_loses_the_trust)
{
	assert_ok(vp_get_max_bolus(H.vp, 0, NULL), "authenticated");
	cr_assert(vp_set_security(H.vp, 0, GATT_SEC_NONE));
	assert_att(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "before encryption");
	cr_assert(vp_set_security(H.vp, 0, GATT_SEC_SECURE));
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "after");
}

Test(hardened, I9_special_and_out_of_range_operands_are_refused)
{
	static const struct {
		uint16_t fast;
		uint8_t code;
		const char *what;
	} cases[] = {
	    {0x07FF, 0x71, "NaN"},    {0x0800, 0x71, "NRes"},     {0x07FE, 0x71, "+INF"},
	    {0x0802, 0x71, "-INF"},   {0x0801, 0x71, "reserved"}, {0x7001, 0x73, "1e7 U"},
	    {0x8001, 0x73, "1e-8 U"}, {0x7FFF, 0x73, "-1e7 U"},   {0x001E, 0x73, "30 U"},
	    {0x0000, 0x73, "0 U"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_response(
		    vp_attack_bolus_raw(H.vp, 0, 0, IDS_BOLUS_FAST, cases[i].fast, 0, 0),
		    cases[i].code, cases[i].what);
	assert_response(vp_attack_bolus_raw(H.vp, 0, 0, 0x34, 0x0002, 0, 0), 0x71, "type 0x34");
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_float_eq(bolus_delivered(), 0.0, 1e-9);
}

Test(hardened, R4_cancel_before_set_is_0x74_and_set_stands_on_its_own)
{
	assert_response(vp_cancel_bolus(H.vp, 0, 1), 0x74, "cancel id 1 not yet issued");
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "set");
	cr_assert(ble_test_pump_status(&H.rig).bolus_active);
}

Test(hardened, V1_write_flood_is_rate_limited_with_a_bounded_audit)
{
	const uint8_t get_max[] = {0x7D, 0x14};
	assert_ok(vp_subscribe(H.vp, 0, GATT_IDD_COMMAND_CP, true), "connected and subscribed");
	assert_ok(vp_subscribe(H.vp, 0, GATT_IDD_COMMAND_DATA, true), "and its data");
	size_t audits = H.audits;
	vp_flood_stats s;
	vp_attack_flood(H.vp, 0, GATT_IDD_COMMAND_CP, get_max, sizeof get_max, 1000, &s);
	cr_assert_eq(s.att_ok, 30);
	cr_assert_eq(s.rate_limited, 970);
	cr_assert_eq(H.audits - audits, 31, "bounded: the accepted ones + the first refusal");
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_str_eq(H.last_reason, "write flood");
}

Test(hardened, V2_subscription_storm_is_bounded)
{
	assert_ok(vp_read_named(H.vp, 0, "battery"), "connected");
	size_t audits = H.audits;
	vp_flood_stats s;
	vp_attack_subscription_storm(H.vp, 0, GATT_CGM_MEASUREMENT, 2000, &s);
	cr_assert_eq(s.att_ok, 20);
	cr_assert_eq(s.rate_limited, 1980);
	cr_assert_eq(H.audits - audits, 21);
}

/* ---------------------------------------------------------------------------------- */
/* The same attacks against legacy-vulnerable: the harm                                */
/* ---------------------------------------------------------------------------------- */

static void legacy(void)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE);
}

TestSuite(legacy, .init = legacy, .fini = teardown);

Test(legacy, R1_bit_exact_replay_delivers_a_second_bolus)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 5);
	assert_ok(vp_attack_replay(H.vp, H.rig.now, 0), "replay accepted");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 4.0, 1e-6, "harm: the bolus twice");
}

Test(legacy, R1_resealed_replay_delivers_a_second_bolus)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 5);
	assert_ok(vp_attack_replay_resealed(H.vp, H.rig.now, 0), "no duplicate check");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 4.0, 1e-6);
}

Test(legacy, R5_retry_on_a_new_connection_delivers_twice)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 3);
	cr_assert(vp_reconnect(H.vp, H.rig.now));
	assert_ok(vp_attack_replay(H.vp, H.rig.now, 0), "retry");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 4.0, 1e-6);
}

Test(legacy, I1_tampered_amount_is_delivered)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bolus");
	ble_test_run_minutes(&H.rig, 3);
	assert_ok(vp_attack_tamper(H.vp, H.rig.now, 0, 4, 0x01, false), "2 U → 3 U");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(bolus_delivered(), 5.0, 1e-6, "harm: 3 U nobody asked for");
}

Test(legacy, R2_a_wrong_counter_is_not_noticed)
{
	assert_ok(vp_get_max_bolus(H.vp, 0, NULL), "counter 1");
	const uint8_t bolus[] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
	assert_ok(vp_attack_counter(H.vp, 0, GATT_IDD_COMMAND_CP, bolus, sizeof bolus, -1),
	          "stale");
	cr_assert(ble_test_pump_status(&H.rig).bolus_active);
}

Test(legacy, I2_raw_bytes_with_a_junk_tail_are_executed)
{
	const uint8_t bolus[] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00,
	                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	assert_ok(vp_attack_raw(H.vp, 0, GATT_IDD_COMMAND_CP, bolus, sizeof bolus), "junk tail");
	cr_assert(ble_test_pump_status(&H.rig).bolus_active);
}

Test(legacy, A3_just_works_phone_commands_the_pump)
{
	virtual_phone *jw = virtual_phone_new(
	    H.rig.srv, ble_link_make("dev_just_works", GATT_SEC_ENCRYPTED, false));
	assert_ok(vp_bolus(jw, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "harm: an unauthenticated bolus");
	cr_assert(ble_test_pump_status(&H.rig).bolus_active);
	virtual_phone_free(jw);
}

Test(legacy, A1_an_unencrypted_link_is_still_refused)
{
	/* legacy-vulnerable accepts Just Works, not plaintext (ble_server.h, profile item 3). */
	virtual_phone *plain =
	    virtual_phone_new(H.rig.srv, ble_link_make("dev_attacker", GATT_SEC_NONE, false));
	assert_att(vp_bolus(plain, 0, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "plaintext");
	virtual_phone_free(plain);
}

Test(legacy, I9_special_values_and_pump_limits_hold_in_both_profiles)
{
	/* The profile removes policy checks, not parser strictness or the pump's limits. */
	assert_response(vp_attack_bolus_raw(H.vp, 0, 0, IDS_BOLUS_FAST, 0x07FF, 0, 0), 0x71, "NaN");
	assert_response(vp_attack_bolus_raw(H.vp, 0, 0, IDS_BOLUS_FAST, 0x001E, 0, 0), 0x73,
	                "30 U");
	assert_response(vp_set_max_bolus(H.vp, 0, 40.0), 0x73, "T4");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
}

Test(legacy, V1_flood_is_processed_in_full_and_floods_the_audit)
{
	const uint8_t get_max[] = {0x7D, 0x14};
	assert_ok(vp_get_max_bolus(H.vp, 0, NULL), "connected and subscribed");
	size_t audits = H.audits;
	double battery = ble_test_pump_status(&H.rig).battery_pct;
	vp_flood_stats s;
	vp_attack_flood(H.vp, 0, GATT_IDD_COMMAND_CP, get_max, sizeof get_max, 1000, &s);
	cr_assert_eq(s.att_ok, 1000);
	cr_assert_eq(s.responses_ok, 1000);
	cr_assert_geq(H.audits - audits, 1000, "harm: the log grows with the flood");
	cr_assert_float_eq(battery - ble_test_pump_status(&H.rig).battery_pct,
	                   2000 * pump_get_config(H.rig.p)->battery.drain_pct_per_radio_event, 1e-9,
	                   "one radio event per write and per response");
}

Test(legacy, V2_storm_is_unbounded)
{
	vp_flood_stats s;
	vp_attack_subscription_storm(H.vp, 0, GATT_CGM_MEASUREMENT, 2000, &s);
	cr_assert_eq(s.att_ok, 2000);
}

/* ---------------------------------------------------------------------------------- */
/* The default ATT_MTU (hole 9)                                                        */
/* ---------------------------------------------------------------------------------- */

Test(phone, a_busy_day_arrives_whole_at_a_23_octet_mtu, .init = hardened, .fini = teardown)
{
	vp_set_mtu(H.vp, 23);
	const char *subs[] = {"status", "annunciations", "history", "battery", "cgm"};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		assert_ok(vp_subscribe_named(H.vp, H.rig.now, subs[i], true), subs[i]);
	/* the clock set: the IDS history's longest record (Reference Time) */
	const uint8_t clock[] = {0xE8, 0x07, 0x03, 0x05, 0x0A, 0x1E, 0x00, 0x02, 0x00, 0x01};
	assert_ok(vp_attack_raw(H.vp, H.rig.now, GATT_CTS_CURRENT_TIME, clock, sizeof clock),
	          "clock");
	assert_ok(vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_MULTIWAVE, 1.0, 2.0, 30), "multiwave");
	assert_ok(vp_temp_basal(H.vp, H.rig.now, PUMP_TBR_RELATIVE, 80, 60, true), "TBR");
	assert_ok(vp_set_max_bolus(H.vp, H.rig.now, 12.5), "max bolus");
	for (int i = 0; i < 40; i++) {
		ble_server_cgm_sample(H.rig.srv, H.rig.now, 110.0 + i, 0);
		ble_test_run_minutes(&H.rig, 1);
	}
	assert_ok(vp_therapy_state(H.vp, H.rig.now, PUMP_THERAPY_PAUSE), "pause");
	assert_ok(vp_therapy_state(H.vp, H.rig.now, PUMP_THERAPY_RUN), "run");
	assert_ok(vp_read_named(H.vp, H.rig.now, "basal"), "basal delivery");
	vp_answer h = vp_read_history(H.vp, H.rig.now);
	assert_ok(h, "history");
	cr_assert_geq(h.data_count, 10, "%zu records of %zu", h.data_count,
	              ble_server_history_count(H.rig.srv));
	cr_assert_eq(vp_cut_values(H.vp), 0, "a value longer than ATT_MTU - 3");
	cr_assert_eq(vp_e2e_errors(H.vp), 0);
}

/* ---------------------------------------------------------------------------------- */
/* One controller: a second phone (A9), a removed bond (A8)                            */
/* ---------------------------------------------------------------------------------- */

static char revoked_identity[BLE_LINK_IDENTITY_MAX];
static ble_link_action revoked_action;

static void on_link_action(const char *identity, ble_link_action action, const char *why, void *ud)
{
	(void)why;
	(void)ud;
	snprintf(revoked_identity, sizeof revoked_identity, "%s", identity);
	revoked_action = action;
}

static uint16_t newest_annunciation(pump_annunciation_type *type)
{
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(H.rig.p, &a));
	*type = a.type;
	return a.id;
}

Test(phone, A9_a_second_phone_waits_for_the_person_who_revokes_the_first, .init = hardened,
     .fini = teardown)
{
	revoked_identity[0] = '\0';
	ble_server_on_link_action(H.rig.srv, on_link_action, NULL);
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 1.0, 0, 0), "the pump's phone");
	cr_assert_str_eq(ble_server_controller(H.rig.srv), vp_link(H.vp)->identity);
	ble_test_run_minutes(&H.rig, 5);
	/* A second phone bonds in a window the person opened: announced, not yet trusted. */
	virtual_phone *second = virtual_phone_new(
	    H.rig.srv, ble_link_make("/org/bluez/hci0/dev_SECOND", GATT_SEC_SECURE, true));
	const uint16_t ann =
	    ble_server_bond_created(H.rig.srv, vp_link(second)->identity, H.rig.now);
	pump_annunciation_type type;
	cr_assert_eq(newest_annunciation(&type), ann);
	cr_assert_eq(type, PUMP_ANN_NEW_BOND);
	const double before = ble_test_pump_status(&H.rig).delivered_total_u;
	assert_att(vp_bolus(second, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x08, "its bolus");
	ids_status st;
	assert_att(vp_read_status(second, H.rig.now, &st), 0x08, "its read of IDD Status");
	assert_att(vp_subscribe_named(second, H.rig.now, "cgm", true), 0x08,
	           "its CGM subscription");
	/* Neither phone may make it the controller: only the person, at the pump. */
	assert_att(vp_confirm_annunciation(second, H.rig.now, ann), 0x08,
	           "confirm from the new phone");
	assert_response(vp_confirm_annunciation(H.vp, H.rig.now, ann), 0x74,
	                "confirm from the old one");
	cr_assert_str_eq(ble_server_pending_controller(H.rig.srv), vp_link(second)->identity);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, before, 1e-12);
	/* The person confirms: the new phone is the controller, the old bond is revoked. */
	cr_assert_eq(pump_confirm_annunciation(H.rig.p, H.rig.now, PUMP_SOURCE_PUMP, ann), PUMP_OK);
	cr_assert_str_eq(ble_server_controller(H.rig.srv), vp_link(second)->identity);
	cr_assert_str_eq(revoked_identity, vp_link(H.vp)->identity);
	cr_assert_eq(revoked_action, BLE_LINK_REVOKE);
	cr_assert_not(ble_server_link_connected(H.rig.srv, vp_link(H.vp)->identity));
	assert_ok(vp_bolus(second, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "the new phone doses");
	assert_att(vp_bolus(H.vp, H.rig.now + 1, PUMP_BOLUS_NORMAL, 3.0, 0, 0), 0x05,
	           "the revoked phone, even claiming its bond");
	virtual_phone_free(second);
}

Test(phone, A8_a_phone_reconnecting_with_a_key_the_pump_no_longer_has_gets_nothing,
     .init = hardened, .fini = teardown)
{
	assert_ok(vp_bolus(H.vp, 0, PUMP_BOLUS_NORMAL, 1.0, 0, 0), "bonded");
	ble_test_run_minutes(&H.rig, 5);
	/* The bond is removed at the pump (fakepump bonds --remove): the phone keeps its key. */
	ble_server_bond_removed(H.rig.srv, vp_link(H.vp)->identity, H.rig.now);
	const double before = ble_test_pump_status(&H.rig).delivered_total_u;
	/* What BlueZ does: re-encryption fails (no key on the pump), the link stays plain. */
	cr_assert(vp_set_security(H.vp, H.rig.now, GATT_SEC_NONE));
	assert_att(vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "plain link");
	/* A silent Just Works re-pair (JustWorksRepairing = never refuses it on the air). */
	cr_assert(vp_set_security(H.vp, H.rig.now, GATT_SEC_ENCRYPTED));
	assert_att(vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "Just Works");
	/* Even a transport that still calls it bonded and authenticated: the pump knows. */
	cr_assert(vp_set_security(H.vp, H.rig.now, GATT_SEC_SECURE));
	assert_att(vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0), 0x05, "claimed bond");
	ble_test_run_minutes(&H.rig, 5);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u - before, 5.0 / 60.0,
	                   1e-9, "basal only");
	/* Paired again from the pump's window: it is the pump's phone again. */
	ble_server_bond_created(H.rig.srv, vp_link(H.vp)->identity, H.rig.now);
	assert_ok(vp_bolus(H.vp, H.rig.now, PUMP_BOLUS_NORMAL, 2.0, 0, 0), "bonded again");
}
