/*
 * test_ble_server.c — the GATT server bound to a real pump (ble_gateway/ble_server.h),
 * driven with bytes and checked with bytes: every Command CP and Status Reader CP
 * procedure with good and bad operands and the pump state they leave, IDD/CGMS RACP, CGMS
 * SOCP, the value characteristics and indications, and the security rules (link level,
 * E2E, replay/duplicate, rate limits, subscription storms, the legacy-vulnerable profile).
 *
 * Names carry the hostile-phone catalogue row (docs/ble-threats.md: A1, R1, I5, T4 …) or
 * the ID of the Bluetooth SIG's test suite case (CGMS/SEN/…) where one covers it. No
 * clock, no transport: the harness below is the transport, with its own E2E counters like
 * a collector's.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ble_server.h"
#include "cgms.h"
#include "e2e.h"
#include "ids_racp.h"
#include "ids_srcp.h"
#include "pump_binding.h"

#include "ble_support.h"

/* ---------------------------------------------------------------------------------- */
/* Harness                                                                             */
/* ---------------------------------------------------------------------------------- */

enum { MAX_AUDIT = 4096, MAX_NOTES = 8192 };

typedef struct audit_rec {
	ble_audit_kind kind;
	ble_decision decision;
	uint8_t att;
	char identity[BLE_LINK_IDENTITY_MAX];
	gatt_security security;
	gatt_char_id id;
	char reason[96];
	char detail[200];
	char raw[160];
	bool has_response;
	uint16_t opcode;
	uint8_t rc;
	uint32_t count;
	bool pump_called;
	pump_result pr;
} audit_rec;

typedef struct note {
	char identity[BLE_LINK_IDENTITY_MAX];
	gatt_char_id id;
	bool indication;
	bool e2e_ok;
	size_t len; /* payload: E2E tail / SOCP CRC removed */
	uint8_t v[64];
} note;

static struct {
	ble_test_rig rig; /* the pump, the server, the minute */
	ble_link link;
	ids_e2e_link cli; /* tx: our writes; rx: the server's values to `link` */
	size_t mark;      /* notes before the last write */
	audit_rec audit[MAX_AUDIT];
	size_t n_audit;
	note notes[MAX_NOTES];
	size_t n_notes;
} H;

static void on_audit(const ble_audit_event *ev, void *ud)
{
	(void)ud;
	if (H.n_audit >= MAX_AUDIT)
		return;
	audit_rec *a = &H.audit[H.n_audit++];
	a->kind = ev->kind;
	a->decision = ev->decision;
	a->att = ev->att_error;
	snprintf(a->identity, sizeof a->identity, "%s", ev->link_identity);
	a->security = ev->link_security;
	a->id = ev->char_id;
	snprintf(a->reason, sizeof a->reason, "%s", ev->reason);
	snprintf(a->raw, sizeof a->raw, "%s", ev->raw_hex);
	snprintf(a->detail, sizeof a->detail, "%s", ev->detail);
	a->has_response = ev->has_response;
	a->opcode = ev->request_opcode;
	a->rc = ev->response_code;
	a->count = ev->count;
	a->pump_called = ev->pump_called;
	a->pr = ev->pump_result;
}

static void on_notify(const ble_link *link, gatt_char_id id, bool indication, const uint8_t *v,
                      size_t len, void *ud)
{
	(void)ud;
	if (H.n_notes >= MAX_NOTES)
		return;
	note *n = &H.notes[H.n_notes++];
	/* Every value of every test fits one notification at the default ATT_MTU (hole 9). */
	cr_assert_leq(len, BLE_VALUE_MAX_DEFAULT_MTU, "%s: %zu octets",
	              gatt_characteristic(id)->name, len);
	snprintf(n->identity, sizeof n->identity, "%s", link->identity);
	n->id = id;
	n->indication = indication;
	n->e2e_ok = true;
	size_t payload = len;
	ids_e2e_channel ch;
	bool mine = strcmp(link->identity, H.link.identity) == 0;
	if (mine && ble_server_e2e(H.rig.srv) && gatt_e2e_of(id, &ch) == GATT_E2E_IDS) {
		n->e2e_ok = ids_value_e2e_check(&H.cli, ch, v, len, 1, &payload) == E2E_OK;
		if (!n->e2e_ok)
			payload = len >= 3 ? len - 3 : 0;
	} else if (mine && ble_server_e2e(H.rig.srv) && id == GATT_CGM_SOCP) {
		n->e2e_ok = cgms_e2e_check(v, len, 1, &payload) == E2E_OK;
	}
	n->len = payload < sizeof n->v ? payload : sizeof n->v;
	memcpy(n->v, v, n->len);
}

static void subscribe_all(const ble_link *link)
{
	for (int id = 0; id < GATT_CHAR_COUNT; id++) {
		const gatt_characteristic_def *d = gatt_characteristic((gatt_char_id)id);
		if (d->descriptor_count)
			cr_assert_eq(ble_server_subscribe(H.rig.srv, link, H.rig.now,
			                                  (gatt_char_id)id, true),
			             0, "subscribe %s", d->name);
	}
}

static void (*setup_tweak)(ble_server_config *cfg); /* a test's own configuration */

static void setup(ble_profile profile, bool e2e)
{
	memset(&H, 0, sizeof H);
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, profile);
	cfg.e2e = e2e;
	cfg.on_audit = on_audit;
	cfg.on_notify = on_notify;
	if (setup_tweak)
		setup_tweak(&cfg);
	setup_tweak = NULL;
	ble_test_rig_open(&H.rig, NULL, &cfg);
	H.link = ble_link_make("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF", GATT_SEC_SECURE, true);
	ids_e2e_link_reset(&H.cli);
	subscribe_all(&H.link);
}

static void teardown(void)
{
	ble_test_rig_close(&H.rig);
}

/* Seal `payload` as a collector would for `id` (IDS counter + CRC, CGMS CRC). */
static size_t seal(gatt_char_id id, const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	memcpy(out, payload, len);
	size_t n = len;
	ids_e2e_channel ch = IDS_E2E_STATUS;
	const gatt_e2e_kind kind = ble_server_e2e(H.rig.srv) ? gatt_e2e_of(id, &ch) : GATT_E2E_NONE;
	if (kind == GATT_E2E_NONE)
		return len;
	if (kind == GATT_E2E_IDS)
		cr_assert_eq(ids_e2e_seal(&H.cli.tx[ch], out, len, cap, &n), BLE_OK);
	else
		cr_assert_eq(cgms_e2e_seal(out, len, cap, &n), BLE_OK);
	return n;
}

static uint8_t write_bytes(const ble_link *link, gatt_char_id id, const uint8_t *b, size_t n)
{
	H.mark = H.n_notes;
	return ble_server_write(H.rig.srv, link, H.rig.now, id, b, n, NULL);
}

/* Write a payload (hex) sealed with the next counter. */
static uint8_t wr(gatt_char_id id, const char *payload_hex)
{
	uint8_t p[600], b[600];
	size_t n = ble_test_hex(payload_hex, p, sizeof p);
	size_t m = seal(id, p, n, b, sizeof b);
	return write_bytes(&H.link, id, b, m);
}

/* Notes on `id` to our link since the last write. */
static size_t notes_since(gatt_char_id id)
{
	size_t c = 0;
	for (size_t i = H.mark; i < H.n_notes; i++)
		c += H.notes[i].id == id && strcmp(H.notes[i].identity, H.link.identity) == 0;
	return c;
}

static const note *last_note(gatt_char_id id)
{
	for (size_t i = H.n_notes; i-- > H.mark;)
		if (H.notes[i].id == id && strcmp(H.notes[i].identity, H.link.identity) == 0)
			return &H.notes[i];
	return NULL;
}

/* The control point answered with exactly one indication, E2E intact, of these bytes. */
static void expect_response(gatt_char_id cp, const char *want_hex)
{
	size_t count = 0;
	const note *last = NULL;
	for (size_t i = H.mark; i < H.n_notes; i++)
		if (H.notes[i].id == cp && H.notes[i].indication &&
		    strcmp(H.notes[i].identity, H.link.identity) == 0) {
			count++;
			last = &H.notes[i];
		}
	cr_assert_eq(count, 1, "%zu indications on the control point, want exactly 1", count);
	cr_assert(last->e2e_ok, "the response's E2E tail is wrong");
	ble_test_assert_hex(last->v, last->len, want_hex);
}

static void ccp(const char *payload, const char *want_response)
{
	cr_assert_eq(wr(GATT_IDD_COMMAND_CP, payload), 0, "ATT error writing %s", payload);
	expect_response(GATT_IDD_COMMAND_CP, want_response);
}

static void srcp(const char *payload, const char *want_response)
{
	cr_assert_eq(wr(GATT_IDD_STATUS_READER_CP, payload), 0, "ATT error writing %s", payload);
	expect_response(GATT_IDD_STATUS_READER_CP, want_response);
}

/* Read like a collector: the E2E tail of an IDS value read on our link is checked. */
static size_t rd(const ble_link *link, gatt_char_id id, uint8_t *out, uint8_t *att)
{
	size_t n = 0, payload = 0;
	ids_e2e_channel ch;
	*att = ble_server_read(H.rig.srv, link, H.rig.now, id, out, 64, &n);
	if (*att == 0 && link == &H.link && ble_server_e2e(H.rig.srv) &&
	    gatt_e2e_of(id, &ch) == GATT_E2E_IDS)
		cr_assert_eq(ids_e2e_check(&H.cli.rx[ch], out, n, 1, &payload), E2E_OK);
	return n;
}

static const audit_rec *last_audit(void)
{
	cr_assert(H.n_audit > 0, "no audit event");
	return &H.audit[H.n_audit - 1];
}

static void harden(void)
{
	setup(BLE_PROFILE_HARDENED, true);
}

#define SUITE(name) TestSuite(name, .init = harden, .fini = teardown)

/* Response Code helper text: "55 0F <opcode LE> <code>". */
#define RC(op_lo, op_hi, code) "55 0F " op_lo " " op_hi " " code

/* ---------------------------------------------------------------------------------- */
/* IDD Command Control Point: every opcode through the server to the pump             */
/* ---------------------------------------------------------------------------------- */

SUITE(ccp);

Test(ccp, set_bolus_fast_answers_the_bolus_id_and_the_pump_delivers)
{
	/* Set Bolus: flags 0, Fast, 2.00 U (SFLOAT 02 00), extended 0, duration 0. */
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	pump_status s = ble_test_pump_status(&H.rig);
	cr_assert(s.bolus_active);
	cr_assert_eq(s.bolus_id, 1);
	cr_assert_float_eq(s.bolus_programmed_u, 2.0, 1e-9);
	cr_assert_eq(s.bolus_type, PUMP_BOLUS_NORMAL);
	ble_test_run_minutes(&H.rig, 3);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u - 3 * 1.0 / 60.0, 2.0,
	                   1e-6);
}

Test(ccp, set_bolus_extended_and_multiwave_map_onto_the_pump_types)
{
	/* Extended: fast 0, extended 1.50 U (0F F0) over 60 min (3C 00). */
	ccp("4B 11 00 3C 00 00 0F F0 3C 00", "77 11 01 00");
	cr_assert_eq(ble_test_pump_status(&H.rig).bolus_type, PUMP_BOLUS_EXTENDED);
	ccp("78 11 01 00", "87 11 01 00");
	/* Multiwave: fast 1.00, extended 2.00 over 120 min. */
	ccp("4B 11 00 55 01 00 02 00 78 00", "77 11 02 00");
	pump_status s = ble_test_pump_status(&H.rig);
	cr_assert_eq(s.bolus_type, PUMP_BOLUS_MULTIWAVE);
	cr_assert_float_eq(s.bolus_programmed_u, 3.0, 1e-9);
}

Test(ccp, set_bolus_bad_operands_are_refused_with_their_code_and_deliver_nothing)
{
	static const struct {
		const char *pdu, *rc, *why;
	} cases[] = {
	    {"4B 11 00 0F 02 00 00 00 00 00", "71", "I7 Bolus Type Undetermined"},
	    {"4B 11 00 34 02 00 00 00 00 00", "71", "I7 Bolus Type not a code word"},
	    {"4B 11 00 33 FF 07 00 00 00 00", "71", "I9 NaN"},
	    {"4B 11 00 33 00 08 00 00 00 00", "71", "I9 NRes"},
	    {"4B 11 00 33 FE 07 00 00 00 00", "71", "I9 +INF"},
	    {"4B 11 00 33 02 08 00 00 00 00", "71", "I9 -INF"},
	    {"4B 11 00 33 01 08 00 00 00 00", "71", "I9 reserved"},
	    {"4B 11 00 33 00 00 00 00 00 00", "73", "I8 0 U"},
	    {"4B 11 00 33 FF 0F 00 00 00 00", "73", "I8 negative"},
	    {"4B 11 00 33 01 D0 00 00 00 00", "73", "I9 finer than 0.01 U"},
	    {"4B 11 00 33 01 70 00 00 00 00", "73", "I9 1 x 10^7 U: above max bolus"},
	    {"4B 11 00 33 E8 03 00 00 00 00", "73", "I8/T1 1000 U above max bolus"},
	    {"4B 11 00 33 1E 00 00 00 00 00", "73", "T1 30 U above the 25 U limit"},
	    {"4B 11 00 33 02 00 01 00 00 00", "71", "fast with an extended amount"},
	    {"4B 11 00 3C 00 00 02 00 00 00", "71", "extended without duration"},
	    {"4B 11 20 33 02 00 00 00 00 00", "71", "RFU flag bit"},
	    {"4B 11 01 33 02 00 00 00 00 00 05 00", "74", "delay time: not supported"},
	    {"4B 11 00 33 02 00 00 00 00", "71", "I3 truncated"},
	    {"4B 11 00 33 02 00 00 00 00 00 00", "71", "I4 trailing byte"},
	    {"4B 11", "71", "I3 opcode only"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char want[64];
		snprintf(want, sizeof want, RC("4B", "11", "%s"), cases[i].rc);
		cr_assert_eq(wr(GATT_IDD_COMMAND_CP, cases[i].pdu), 0, "%s", cases[i].why);
		expect_response(GATT_IDD_COMMAND_CP, want);
		cr_assert_eq(last_audit()->decision, BLE_DECISION_REFUSED, "%s", cases[i].why);
	}
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, 2.0 / 60.0, 1e-9,
	                   "basal only");
}

Test(ccp, T3_a_second_bolus_while_one_is_active_is_max_bolus_number_reached)
{
	ccp("4B 11 00 33 14 00 00 00 00 00", "77 11 01 00"); /* 20 U: takes minutes */
	ccp("4B 11 00 33 01 00 00 00 00 00", RC("4B", "11", "76"));
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_BOLUS_ACTIVE);
}

Test(ccp, T6_bolus_while_paused_is_procedure_not_applicable)
{
	ccp("5A 0F 3C", RC("5A", "0F", "0F"));
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_PAUSE);
	ccp("4B 11 00 33 02 00 00 00 00 00", RC("4B", "11", "74"));
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
}

Test(ccp, cancel_bolus_by_id_answers_the_id_and_ends_the_bolus)
{
	ccp("4B 11 00 33 14 00 00 00 00 00", "77 11 01 00");
	ble_test_run_minutes(&H.rig, 1);
	ccp("78 11 01 00", "87 11 01 00");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	cr_assert_lt(ble_test_pump_status(&H.rig).delivered_total_u, 20.0);
}

Test(ccp, R4_cancel_of_an_id_not_issued_or_id_0_is_procedure_not_applicable)
{
	ccp("78 11 07 00", RC("78", "11", "74"));
	ccp("4B 11 00 33 14 00 00 00 00 00", "77 11 01 00");
	ccp("78 11 00 00", RC("78", "11", "74")); /* 0 would mean "whichever" to the pump */
	cr_assert(ble_test_pump_status(&H.rig).bolus_active, "the active bolus is untouched");
	ccp("78 11 02 00", RC("78", "11", "74"));
	cr_assert(ble_test_pump_status(&H.rig).bolus_active);
}

Test(ccp, set_tbr_absolute_and_relative_and_change_rules)
{
	/* Absolute 0.80 U/h (08 F0) for 30 min. */
	ccp("FF 0F 00 33 08 F0 1E 00", RC("FF", "0F", "0F"));
	pump_status s = ble_test_pump_status(&H.rig);
	cr_assert(s.temp_basal_active);
	cr_assert_eq(s.temp_basal_type, PUMP_TBR_ABSOLUTE);
	cr_assert_float_eq(s.temp_basal_value, 0.8, 1e-9);
	/* A second one without Change TBR: never silently replaced. */
	ccp("FF 0F 00 3C 96 00 3C 00", RC("FF", "0F", "74"));
	/* With Change TBR (flags b2): relative 150 % for 60 min. */
	ccp("FF 0F 04 3C 96 00 3C 00", RC("FF", "0F", "0F"));
	cr_assert_eq(ble_test_pump_status(&H.rig).temp_basal_type, PUMP_TBR_RELATIVE);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).temp_basal_value, 150.0, 1e-9);
	ccp("11 11", RC("11", "11", "0F"));
	cr_assert_not(ble_test_pump_status(&H.rig).temp_basal_active);
	ccp("11 11", RC("11", "11", "74"));
	ccp("FF 0F 04 33 08 F0 1E 00", RC("FF", "0F", "74")); /* change, none active */
}

Test(ccp, T5_absurd_tbr_rates_are_out_of_range_and_the_basal_is_unchanged)
{
	ccp("FF 0F 00 33 64 00 1E 00", RC("FF", "0F", "73")); /* 100 U/h > 15 U/h */
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_MAX_BASAL);
	ccp("FF 0F 00 3C D0 07 1E 00", RC("FF", "0F", "73")); /* 2000 % */
	ccp("FF 0F 00 33 FF 0F 1E 00", RC("FF", "0F", "73")); /* negative */
	ccp("FF 0F 00 00 08 F0 1E 00", RC("FF", "0F", "71")); /* I7 TBR type 0x00 */
	ccp("FF 0F 00 33 08 F0 00 00", RC("FF", "0F", "73")); /* 0 min */
	cr_assert_not(ble_test_pump_status(&H.rig).temp_basal_active);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).basal_rate_u_per_h, 1.0, 1e-9);
}

Test(ccp, set_therapy_control_state_run_pause_stop)
{
	ccp("5A 0F 3C", RC("5A", "0F", "0F"));
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_PAUSE);
	ccp("5A 0F 55", RC("5A", "0F", "0F"));
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_RUN);
	ccp("5A 0F 55", RC("5A", "0F", "74")); /* already running */
	ccp("5A 0F 33", RC("5A", "0F", "0F"));
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_STOP);
	ccp("5A 0F 0F", RC("5A", "0F", "71")); /* Undetermined is no request */
	ccp("5A 0F 56", RC("5A", "0F", "71")); /* one bit off Run */
}

Test(ccp, T6_run_with_an_empty_reservoir_is_procedure_not_applicable)
{
	ccp("5A 0F 33", RC("5A", "0F", "0F"));
	pump_inject_fault(H.rig.p, H.rig.now, PUMP_FAULT_RESERVOIR_EMPTY, 0);
	ccp("5A 0F 55", RC("5A", "0F", "74"));
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_STOP);
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_RESERVOIR_EMPTY);
}

Test(ccp, T7_run_after_an_unconfirmed_occlusion_is_procedure_not_applicable)
{
	pump_inject_fault(H.rig.p, H.rig.now, PUMP_FAULT_OCCLUSION, 0);
	ble_test_run_minutes(&H.rig, 200); /* 1 U/h: 2 U missed raises the alarm */
	cr_assert_eq(ble_test_pump_status(&H.rig).therapy, PUMP_THERAPY_STOP);
	ccp("5A 0F 55", RC("5A", "0F", "74"));
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_OCCLUSION);
}

Test(ccp, T10_priming_from_a_phone_needs_the_person_at_the_pump_in_any_state)
{
	ccp("7B 12 0A 00", RC("7B", "12", "74")); /* 10 U while running */
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_NEEDS_PERSON);
	ccp("5A 0F 33", RC("5A", "0F", "0F"));
	double before = ble_test_pump_status(&H.rig).reservoir_u,
	       delivered = ble_test_pump_status(&H.rig).delivered_total_u;
	ccp("7B 12 0A 00", RC("7B", "12", "74")); /* stopped: still the person's */
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_NEEDS_PERSON);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).reservoir_u, before, 1e-9);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).primed_total_u, 0.0, 1e-9);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, delivered, 1e-12);
	ccp("7B 12 FF 07", RC("7B", "12", "71")); /* NaN: the decoder's */
	ccp("84 12", RC("84", "12", "74"));       /* stop priming: none in progress */
}

Test(ccp, T10_reservoir_fill_and_reset_operation_time_are_the_persons)
{
	ccp("8B 12 2C 01", RC("8B", "12", "74")); /* 300 U while running */
	ccp("B7 12", RC("B7", "12", "74"));
	ccp("5A 0F 33", RC("5A", "0F", "0F"));
	ccp("8B 12 C8 00",
	    RC("8B", "12", "74")); /* 200 U, stopped: a cartridge is changed by hand */
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_NEEDS_PERSON);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).reservoir_u, 300.0, 1e-9);
	ccp("B7 12", RC("B7", "12", "74")); /* the counter restarts with a fill at the pump */
}

Test(ccp, get_and_set_max_bolus)
{
	ccp("7D 14", "82 14 19 00");              /* 25 U */
	ccp("8D 14 0A 00", RC("8D", "14", "0F")); /* 10 U */
	cr_assert_float_eq(ble_test_pump_status(&H.rig).max_bolus_u, 10.0, 1e-9);
	ccp("7D 14", "82 14 0A 00");
	ccp("4B 11 00 33 0C 00 00 00 00 00", RC("4B", "11", "73")); /* 12 U > 10 U */
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_MAX_BOLUS);
	ccp("8D 14 19 00", RC("8D", "14", "0F")); /* back up to the pump's own 25 U */
}

Test(ccp, T4_max_bolus_above_the_pumps_limit_is_0x73_and_the_limit_is_unchanged)
{
	ccp("8D 14 1E 00", RC("8D", "14", "73")); /* 30 U > 25 U */
	cr_assert_eq(last_audit()->pr, PUMP_REFUSED_LIMIT_ABOVE_PUMP);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).max_bolus_u, 25.0, 1e-9);
	ccp("8D 14 00 00", RC("8D", "14", "73")); /* 0 U */
	ccp("8D 14 FE 07", RC("8D", "14", "71")); /* +INF */
	cr_assert_float_eq(ble_test_pump_status(&H.rig).max_bolus_u, 25.0, 1e-9);
}

Test(ccp, snooze_and_confirm_annunciation)
{
	ccp("4B 11 00 33 14 00 00 00 00 00", "77 11 01 00");
	ccp("78 11 01 00", "87 11 01 00"); /* raises Bolus Canceled, id 1 */
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(H.rig.p, &a));
	cr_assert_eq(a.type, PUMP_ANN_BOLUS_CANCELED);
	ccp("69 0F 01 00", "96 0F 01 00");
	pump_newest_annunciation(H.rig.p, &a);
	cr_assert_eq(a.status, PUMP_ANN_SNOOZED);
	ccp("99 0F 01 00", "A5 0F 01 00");
	cr_assert_not(pump_newest_annunciation(H.rig.p, &a));
	ccp("99 0F 01 00", RC("99", "0F", "74")); /* already confirmed */
	ccp("69 0F 09 00", RC("69", "0F", "74")); /* no such id */
}

Test(ccp, get_available_boluses_follows_the_pump_state)
{
	ccp("88 11", "B4 11 07");
	ccp("4B 11 00 33 14 00 00 00 00 00", "77 11 01 00");
	ccp("88 11", "B4 11 00");
}

Test(ccp, read_basal_template_streams_command_data_then_success)
{
	ccp("AA 0F 01", RC("AA", "0F", "0F"));
	cr_assert_eq(notes_since(GATT_IDD_COMMAND_DATA), 1);
	/* Response C3 0F, flags 0 (one block), template 1, first block 1, 1440 min at 1.00. */
	const note *d = last_note(GATT_IDD_COMMAND_DATA);
	cr_assert(d->e2e_ok);
	ble_test_assert_hex(d->v, d->len, "C3 0F 00 01 01 A0 05 01 00");
	ccp("AA 0F 02", RC("AA", "0F", "73")); /* template 2 does not exist */
}

Test(ccp, template_procedures)
{
	ccp("EE 11", RC("EE", "11", "0F"));
	/* Basal type 0x33, first 1, count 1, 24 blocks, configured not configurable. */
	const note *d = last_note(GATT_IDD_COMMAND_DATA);
	ble_test_assert_hex(d->v, d->len, "12 12 33 01 01 18 02");
	ccp("48 12", "74 12 01 01");
	ccp("2E 12 01 01", "47 12 01 01");
	ccp("2E 12 01 05", RC("2E", "12", "73"));
	ccp("1D 12 01 01", RC("1D", "12", "74"));
	ccp("CC 0F 01 01 01 A0 05 02 00", RC("CC", "0F", "74")); /* basal set on the pump */
	ccp("1E 11 04", RC("1E", "11", "74"));                   /* TBR templates: none */
	ccp("BB 11 05", RC("BB", "11", "74"));                   /* bolus templates: none */
}

Test(ccp, template_kinds_not_offered_are_not_applicable_and_bad_operands_invalid)
{
	static const struct {
		const char *pdu, *want;
	} cases[] = {
	    {"2D 11 04 33 08 F0 1E 00", RC("2D", "11", "74")}, /* Set TBR Template */
	    {"2D 11 04 33", RC("2D", "11", "71")},
	    {"DD 11 06 00 33 02 00 00 00 00 00", RC("DD", "11", "74")}, /* Set Bolus Template */
	    {"DD 11 06 00 34 02 00 00 00 00 00", RC("DD", "11", "71")},
	    {"B8 12 08", RC("B8", "12", "74")}, /* Read ISF */
	    {"B8 12", RC("B8", "12", "71")},
	    {"DE 12 01 08 01 3C 00 32 00", RC("DE", "12", "74")}, /* Write ISF */
	    {"DE 12 05 08 01 3C 00 32 00", RC("DE", "12", "71")}, /* 3rd block without 2nd */
	    {"ED 12 09", RC("ED", "12", "74")},                   /* Read I2CHO */
	    {"1B 14 01 09 01 3C 00 0A 00", RC("1B", "14", "74")}, /* Write I2CHO */
	    {"28 14 0A", RC("28", "14", "74")},                   /* Read Target Glucose */
	    {"4E 14 01 0A 01 3C 00 50 00 B4 00", RC("4E", "14", "74")},
	    {"4E 14 01 0A 01 3C 00 50 00", RC("4E", "14", "71")},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ccp(cases[i].pdu, cases[i].want);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).basal_rate_u_per_h, 1.0, 1e-9);
}

Test(ccp, I5_unknown_opcodes_and_single_bit_flips_are_opcode_not_supported)
{
	ccp("4A 11 00 33 02 00 00 00 00 00", RC("4A", "11", "70"));
	ccp("4B 10 00 33 02 00 00 00 00 00", RC("4B", "10", "70"));
	ccp("77 11 01 00", RC("77", "11", "70")); /* a response written as a request */
	ccp("66 0F", RC("66", "0F", "70"));       /* flight mode: not supported */
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
}

Test(ccp, every_control_point_write_gets_exactly_one_indication)
{
	/* BLEIDSSim (ble_gateway/README.md "Sources") builds some responses and never sends
	 * them. */
	static const char *const pdus[] = {
	    "4B 11 00 0F 02 00 00 00 00 00",
	    "4B 11 07 33 02 00 00 00 00 00",
	    "78 11",
	    "FF 0F",
	    "5A 0F",
	    "7B 12",
	    "99 0F",
	    "00 00",
	    "FF FF FF FF",
	    "8D 14 00 08",
	};
	for (size_t i = 0; i < sizeof pdus / sizeof pdus[0]; i++) {
		cr_assert_eq(wr(GATT_IDD_COMMAND_CP, pdus[i]), 0);
		cr_assert_eq(notes_since(GATT_IDD_COMMAND_CP), 1, "%s", pdus[i]);
	}
}

Test(ccp, I4_a_write_longer_than_an_attribute_is_0x0D)
{
	uint8_t big[600] = {0x4B, 0x11};
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, big, sizeof big), 0x0D);
	cr_assert_eq(notes_since(GATT_IDD_COMMAND_CP), 0);
	cr_assert_eq(last_audit()->att, 0x0D);
}

Test(ccp, accepted_commands_are_audited_with_link_level_bytes_and_pump_result)
{
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	const audit_rec *a = last_audit();
	cr_assert_eq(a->kind, BLE_AUDIT_WRITE);
	cr_assert_eq(a->decision, BLE_DECISION_ACCEPTED);
	cr_assert_str_eq(a->identity, H.link.identity);
	cr_assert_eq(a->security, GATT_SEC_SECURE);
	cr_assert(a->pump_called);
	cr_assert_eq(a->pr, PUMP_OK);
	cr_assert_eq(a->opcode, 0x114B);
	cr_assert(strncmp(a->raw, "4B 11 00 33 02 00 00 00 00 00 01", 32) == 0, "%s", a->raw);
}

/* ---------------------------------------------------------------------------------- */
/* IDD Status Reader Control Point                                                     */
/* ---------------------------------------------------------------------------------- */

SUITE(srcp);

Test(srcp, active_bolus_ids_and_delivery)
{
	srcp("30 03", "3F 03 00");
	ccp("4B 11 00 55 01 00 02 00 78 00", "77 11 01 00"); /* multiwave 1 + 2 U / 120 min */
	srcp("30 03", "3F 03 01 01 00");
	/* Programmed: flags 0, id 1, type 55, fast 1.00, ext 2.00, 120 min. */
	srcp("56 03 01 00 0F", "59 03 00 01 00 55 01 00 02 00 78 00");
	ble_test_run_minutes(&H.rig,
	                     1); /* the immediate 1 U; the extended part has not reached a pulse */
	srcp("56 03 01 00 3C", "59 03 00 01 00 55 01 00 00 00 78 00");
	srcp("56 03 01 00 33", "59 03 00 01 00 55 00 00 02 00 78 00");
	srcp("56 03 02 00 0F", "03 03 56 03 74"); /* no such active bolus */
	srcp("56 03 01 00 34", "03 03 56 03 71"); /* value selection not a code */
}

Test(srcp, active_basal_delivery_reports_the_tbr)
{
	srcp("65 03", "6A 03 00 01 01 00");
	ccp("FF 0F 00 33 08 F0 1E 00", RC("FF", "0F", "0F"));
	ble_test_run_minutes(&H.rig, 10);
	srcp("65 03", "6A 03 01 01 01 00 33 08 F0 1E 00 14 00");
}

Test(srcp, totals_counters_and_iob)
{
	ccp("4B 11 00 33 03 00 00 00 00 00", "77 11 01 00");
	ble_test_run_minutes(&H.rig, 60);
	/* TDD: bolus 3.00, basal 1.00, total 4.00 U (hundredths rounded down). */
	srcp("95 03", "9A 03 03 00 01 00 04 00");
	srcp("C0 03", "CF 03 03 00 00 00 01 00 00 00");
	srcp("A6 03 0F 33", "A9 03 0F 33 3C 00 00 00"); /* lifetime elapsed: 60 min */
	srcp("A6 03 0F 0F", "03 03 A6 03 74");          /* remaining: not kept */
	cr_assert_eq(wr(GATT_IDD_STATUS_READER_CP, "F3 03"), 0);
	const note *n = last_note(GATT_IDD_STATUS_READER_CP);
	cr_assert_eq(n->v[0], 0xFC);
	cr_assert_eq(n->v[2], 0x00, "no remaining duration");
}

Test(srcp, reset_status_clears_flags_and_refuses_rfu_bits)
{
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	uint8_t v[64], att;
	rd(&H.link, GATT_IDD_STATUS_CHANGED, v, &att);
	cr_assert_eq(att, 0);
	cr_assert(v[0] & IDS_SC_ACTIVE_BOLUS);
	srcp("0C 03 FF 00", "03 03 0C 03 0F");
	srcp("0C 03 00 01", "03 03 0C 03 71"); /* b8: RFU */
	rd(&H.link, GATT_IDD_STATUS_CHANGED, v, &att);
	cr_assert_eq(v[0], 0);
	cr_assert_eq(v[1], 0);
	srcp("31 03", "03 03 31 03 70");
}

/* ---------------------------------------------------------------------------------- */
/* Values and indications                                                              */
/* ---------------------------------------------------------------------------------- */

SUITE(values);

Test(values, idd_status_annunciation_and_features)
{
	uint8_t v[64], att;
	size_t n = rd(&H.link, GATT_IDD_STATUS, v, &att);
	cr_assert_eq(att, 0);
	/* Run, Ready, 300 U (SFLOAT 2C 01), reservoir attached; + counter 1 + CRC. */
	cr_assert_eq(n, 5 + 3);
	ble_test_assert_hex(v, 5, "55 96 2C 01 01");
	cr_assert_eq(v[5], 1, "first IDS value carries counter 1");
	n = rd(&H.link, GATT_IDD_ANNUNCIATION_STATUS, v, &att);
	ble_test_assert_hex(v, n - 3, "00");
	n = rd(&H.link, GATT_IDD_FEATURES, v, &att);
	ids_features f;
	cr_assert_eq(ids_features_decode(v, n, &f), BLE_OK);
	cr_assert(f.flags & IDS_FEAT_E2E);
	cr_assert_float_eq(f.insulin_concentration_iu_per_ml, 100.0, 1e-9);
}

Test(values, state_changes_are_indicated)
{
	ccp("5A 0F 3C", RC("5A", "0F", "0F"));
	cr_assert_eq(notes_since(GATT_IDD_STATUS_CHANGED), 1);
	const note *sc = last_note(GATT_IDD_STATUS_CHANGED);
	cr_assert(sc->e2e_ok);
	cr_assert(sc->v[0] & IDS_SC_THERAPY_CONTROL_STATE);
	const note *st = last_note(GATT_IDD_STATUS);
	cr_assert_not_null(st);
	cr_assert_eq(st->v[0], IDS_TCS_PAUSE);
	/* The pause canceled nothing: no annunciation; a canceled bolus raises one. */
	ccp("5A 0F 55", RC("5A", "0F", "0F"));
	ccp("4B 11 00 33 14 00 00 00 00 00", "77 11 01 00");
	ccp("78 11 01 00", "87 11 01 00");
	const note *an = last_note(GATT_IDD_ANNUNCIATION_STATUS);
	cr_assert_not_null(an);
	/* present + aux1, id 1, type Bolus Canceled 0x030C, pending. */
	cr_assert_eq(an->v[0], 0x03);
	cr_assert_eq(an->v[3] | (an->v[4] << 8), 0x030C);
	cr_assert_eq(an->v[5], IDS_ANN_STATUS_PENDING);
}

Test(values, status_changed_is_indicated_when_a_flag_newly_rises_and_only_to_subscribers)
{
	/* A second link subscribed to Battery Level only (it may: no PHI). */
	ble_link quiet = ble_link_make("dev_quiet", GATT_SEC_NONE, false);
	cr_assert_eq(ble_server_subscribe(H.rig.srv, &quiet, 0, GATT_BAS_BATTERY_LEVEL, true), 0);
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	cr_assert_eq(notes_since(GATT_IDD_STATUS_CHANGED), 1);
	/* Nothing reached the other link but what it enabled. */
	for (size_t i = 0; i < H.n_notes; i++)
		if (strcmp(H.notes[i].identity, quiet.identity) == 0)
			cr_assert_eq(H.notes[i].id, GATT_BAS_BATTERY_LEVEL);
	/* While the flags stay up, minutes of delivery do not indicate again. */
	size_t before = 0;
	for (size_t i = 0; i < H.n_notes; i++)
		before += H.notes[i].id == GATT_IDD_STATUS_CHANGED;
	H.mark = H.n_notes;
	ble_test_run_minutes(&H.rig, 30);
	size_t after = 0;
	for (size_t i = 0; i < H.n_notes; i++)
		after += H.notes[i].id == GATT_IDD_STATUS_CHANGED;
	cr_assert_leq(after - before, 2, "only flags that newly rose (total daily, reservoir …)");
	/* Reset Status, and the next change is indicated again. */
	srcp("0C 03 FF 00", "03 03 0C 03 0F");
	ccp("5A 0F 3C", RC("5A", "0F", "0F"));
	cr_assert_eq(notes_since(GATT_IDD_STATUS_CHANGED), 1);
}

Test(values, pump_ui_events_feed_history_and_indications_too)
{
	size_t before = ble_server_history_count(H.rig.srv);
	cr_assert_eq(pump_suspend(H.rig.p, 0, PUMP_SOURCE_PUMP), PUMP_OK);
	H.mark = H.n_notes;
	ble_server_tick(H.rig.srv, 0, NULL);
	cr_assert_gt(ble_server_history_count(H.rig.srv), before);
	const note *st = last_note(GATT_IDD_STATUS);
	cr_assert_not_null(st);
	cr_assert_eq(st->v[0], IDS_TCS_PAUSE);
}

Test(values, battery_level_is_notified_when_its_percent_changes)
{
	pump_inject_fault(H.rig.p, 0, PUMP_FAULT_BATTERY_DRAIN, 120.0); /* 2 %/min */
	H.mark = H.n_notes;
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_geq(notes_since(GATT_BAS_BATTERY_LEVEL), 1);
	const note *b = last_note(GATT_BAS_BATTERY_LEVEL);
	cr_assert_lt(b->v[0], 99);
}

Test(values, device_information_battery_and_time)
{
	uint8_t v[64], att;
	size_t n = rd(&H.link, GATT_DIS_MANUFACTURER_NAME, v, &att);
	ble_test_assert_hex(v, n, "46 61 6B 65 50 75 6D 70 20 48 49 4C"); /* "FakePump HIL" */
	n = rd(&H.link, GATT_BAS_BATTERY_LEVEL, v, &att);
	ble_test_assert_hex(v, n, "63"); /* 99 %: the radio already cost a little */
	n = rd(&H.link, GATT_CTS_CURRENT_TIME, v, &att);
	/* 2024-01-01 00:00:00, Monday, fractions 0, no adjustment. */
	ble_test_assert_hex(v, n, "E8 07 01 01 00 00 00 01 00 00");
	/* A collector sets the clock: 2024-03-05 10:30:00. */
	cr_assert_eq(wr(GATT_CTS_CURRENT_TIME, "E8 07 03 05 0A 1E 00 02 00 01"), 0);
	n = rd(&H.link, GATT_CTS_CURRENT_TIME, v, &att);
	ble_test_assert_hex(v, n, "E8 07 03 05 0A 1E 00 02 00 01");
	cr_assert_eq(wr(GATT_CTS_CURRENT_TIME, "E8 07 0D 05 0A 1E 00 02 00 01"),
	             0xFF); /* month 13 */
	cr_assert_eq(wr(GATT_CTS_CURRENT_TIME, "E8 07 03"), 0x0D);
}

Test(values, cgm_measurement_is_notified_with_the_session_time_offset)
{
	ble_server_cgm_sample(H.rig.srv, 7, 123.0, 0);
	const note *m = last_note(GATT_CGM_MEASUREMENT);
	cr_assert_not_null(m);
	cgms_measurement meas;
	size_t used = 0;
	cr_assert_eq(cgms_measurement_decode(m->v, m->len, true, &meas, &used), BLE_OK);
	cr_assert_float_eq(meas.glucose_mgdl, 123.0, 1e-9);
	cr_assert_eq(meas.time_offset_min, 7);
	ble_server_cgm_sample(H.rig.srv, 8, 20.0, 0); /* below the device range */
	m = last_note(GATT_CGM_MEASUREMENT);
	cr_assert_eq(cgms_measurement_decode(m->v, m->len, true, &meas, &used), BLE_OK);
	cr_assert_float_eq(meas.glucose_mgdl, 40.0, 1e-9);
	cr_assert(meas.ssa & CGMS_SSA_BELOW_DEVICE_RANGE);
	cr_assert(meas.has_trend);
	cr_assert_eq(ble_server_cgm_count(H.rig.srv), 2);
}

Test(values, cgm_feature_status_and_session_times)
{
	uint8_t v[64], att;
	size_t n = rd(&H.link, GATT_CGM_FEATURE, v, &att);
	cgms_feature f;
	cr_assert_eq(cgms_feature_decode(v, n, &f), BLE_OK);
	cr_assert(f.features & CGMS_FEAT_E2E_CRC);
	cr_assert_eq(v[3], 0x59, "ISF, subcutaneous");
	H.rig.now = 90;
	n = rd(&H.link, GATT_CGM_STATUS, v, &att);
	cgms_status s;
	cr_assert_eq(cgms_status_decode(v, n, true, &s), BLE_OK);
	cr_assert_eq(s.time_offset_min, 90);
	n = rd(&H.link, GATT_CGM_SESSION_RUN_TIME, v, &att);
	uint16_t h = 0;
	cr_assert_eq(cgms_session_run_time_decode(v, n, true, &h), BLE_OK);
	cr_assert_eq(h, 240);
	/* Session Start Time written by the collector (with its CRC), read back. */
	cr_assert_eq(wr(GATT_CGM_SESSION_START_TIME, "E8 07 01 01 00 00 00 04 00"), 0);
	n = rd(&H.link, GATT_CGM_SESSION_START_TIME, v, &att);
	cgms_session_start_time t;
	cr_assert_eq(cgms_session_start_time_decode(v, n, true, &t), BLE_OK);
	cr_assert_eq(t.time_zone, 4);
	cr_assert_eq(wr(GATT_CGM_SESSION_START_TIME, "E8 07 01 01 00 00 00 7F 00"), 0xFF);
}

/* ---------------------------------------------------------------------------------- */
/* Record Access Control Points                                                        */
/* ---------------------------------------------------------------------------------- */

SUITE(racp);

Test(racp, idd_history_report_all_and_number)
{
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	ble_test_run_minutes(&H.rig, 3);
	size_t stored = ble_server_history_count(H.rig.srv);
	cr_assert_geq(stored, 4, "reference time, bolus programmed 1/2 + 2/2, delivered …");
	cr_assert_eq(wr(GATT_IDD_RACP, "5A 33"), 0); /* Report Number, All */
	const note *r = last_note(GATT_IDD_RACP);
	cr_assert_eq(r->v[0], 0x66);
	cr_assert_eq(r->v[2] | (r->v[3] << 8), (int)stored);
	cr_assert_eq(wr(GATT_IDD_RACP, "33 33"), 0); /* Report Stored Records, All */
	cr_assert_eq(notes_since(GATT_IDD_HISTORY_DATA), stored);
	expect_response(GATT_IDD_RACP, "0F 0F 33 F0");
	ids_history_event e;
	const note *first = NULL;
	for (size_t i = H.mark; i < H.n_notes; i++)
		if (H.notes[i].id == GATT_IDD_HISTORY_DATA) {
			first = &H.notes[i];
			break;
		}
	cr_assert(first->e2e_ok);
	cr_assert_eq(ids_history_decode(first->v, first->len, &e), BLE_OK);
	cr_assert_eq(e.event_type, IDS_EV_REFERENCE_TIME);
}

Test(racp, idd_history_filters_first_last_and_refusals)
{
	ble_test_run_minutes(&H.rig, 1);
	cr_assert_eq(wr(GATT_IDD_RACP, "33 69"), 0); /* Last */
	cr_assert_eq(notes_since(GATT_IDD_HISTORY_DATA), 1);
	cr_assert_eq(wr(GATT_IDD_RACP, "33 55 0F 00 01 00 00"), 0); /* seq >= 256: none */
	expect_response(GATT_IDD_RACP, "0F 0F 33 06");
	cr_assert_eq(wr(GATT_IDD_RACP, "33 55 33 00 00 00 00"), 0); /* by reference time */
	expect_response(GATT_IDD_RACP, "0F 0F 33 09");
	cr_assert_eq(wr(GATT_IDD_RACP, "3C 33"), 0); /* delete: history is evidence */
	expect_response(GATT_IDD_RACP, "0F 0F 3C 02");
	cr_assert_eq(wr(GATT_IDD_RACP, "33 34"), 0);
	expect_response(GATT_IDD_RACP, "0F 0F 33 03");
	cr_assert_eq(wr(GATT_IDD_RACP, "55 0F"), 0); /* abort with nothing running */
	expect_response(GATT_IDD_RACP, "0F 0F 55 F0");
}

/* A server sending RACP records 2 at a time, so that a report spans ticks. */
static void rebuild_with_small_bursts(void)
{
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, BLE_PROFILE_HARDENED);
	cfg.on_audit = on_audit;
	cfg.on_notify = on_notify;
	cfg.racp_records_per_burst = 2;
	ble_test_rig_new_server(&H.rig, &cfg);
	ids_e2e_link_reset(&H.cli);
	subscribe_all(&H.link);
}

Test(racp, R7_CGMS_SEN_RAE_BI_02_C_a_request_during_a_running_report_is_0xFE)
{
	rebuild_with_small_bursts();
	for (int t = 0; t < 10; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100.0 + t, 0);
	cr_assert_eq(wr(GATT_CGM_RACP, "01 01"), 0);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 2);
	cr_assert_eq(notes_since(GATT_CGM_RACP), 0, "still streaming");
	cr_assert_eq(wr(GATT_CGM_RACP, "04 01"), 0xFE);
	cr_assert_str_eq(last_audit()->reason, "procedure already in progress");
	H.mark = H.n_notes;
	ble_server_tick(H.rig.srv, 10, NULL);
	ble_server_tick(H.rig.srv, 11, NULL);
	ble_server_tick(H.rig.srv, 12, NULL);
	ble_server_tick(H.rig.srv, 13, NULL);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 8, "the first procedure is unaffected");
	expect_response(GATT_CGM_RACP, "06 00 01 01");
}

Test(racp, CGMS_SEN_RAA_BV_01_C_abort_stops_a_running_report)
{
	rebuild_with_small_bursts();
	for (int t = 0; t < 10; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100.0, 0);
	cr_assert_eq(wr(GATT_CGM_RACP, "01 01"), 0);
	cr_assert_eq(wr(GATT_CGM_RACP, "03 00"), 0);
	expect_response(GATT_CGM_RACP, "06 00 03 01");
	H.mark = H.n_notes;
	ble_server_tick(H.rig.srv, 10, NULL);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 0);
}

Test(racp, turning_the_data_off_mid_stream_ends_the_report_unfinished)
{
	rebuild_with_small_bursts();
	for (int t = 0; t < 10; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100.0, 0);
	cr_assert_eq(wr(GATT_CGM_RACP, "01 01"), 0);
	cr_assert_eq(ble_server_subscribe(H.rig.srv, &H.link, 0, GATT_CGM_MEASUREMENT, false), 0);
	H.mark = H.n_notes;
	ble_server_tick(H.rig.srv, 10, NULL);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 0, "never to a link that turned it off");
	expect_response(GATT_CGM_RACP, "06 00 01 08"); /* procedure not completed */
}

Test(racp, a_wall_clock_transport_streams_the_next_bursts_between_ticks)
{
	rebuild_with_small_bursts(); /* 2 records a burst */
	for (int t = 0; t < 7; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100.0 + t, 0);
	H.mark = H.n_notes;
	cr_assert_eq(wr(GATT_CGM_RACP, "01 01"), 0);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 2, "the first burst with the request");
	ble_server_continue_reports(H.rig.srv, 7);
	ble_server_continue_reports(H.rig.srv, 7);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 6, "two more bursts, same minute");
	cr_assert_eq(notes_since(GATT_CGM_RACP), 0, "no response before the last record");
	ble_server_continue_reports(H.rig.srv, 7);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 7);
	expect_response(GATT_CGM_RACP, "06 00 01 01");
	ble_server_continue_reports(H.rig.srv, 7);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 7, "nothing once the report is done");
}

Test(racp, V6_a_disconnect_mid_stream_aborts_the_report)
{
	rebuild_with_small_bursts();
	for (int t = 0; t < 10; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100.0, 0);
	cr_assert_eq(wr(GATT_CGM_RACP, "01 01"), 0);
	ble_server_disconnect(H.rig.srv, H.link.identity, 10);
	H.mark = H.n_notes;
	ble_server_tick(H.rig.srv, 10, NULL);
	ble_server_tick(H.rig.srv, 11, NULL);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 0);
	cr_assert_eq(notes_since(GATT_CGM_RACP), 0);
	cr_assert_str_eq(H.audit[H.n_audit - 1].reason, "disconnected (RACP procedure aborted)");
}

Test(racp, CGMS_SEN_RAN_BV_02_C_report_number_greater_or_equal_time_offset)
{
	for (int t = 0; t < 10; t++)
		ble_server_cgm_sample(H.rig.srv, t, 100.0, 0);
	cr_assert_eq(wr(GATT_CGM_RACP, "04 03 01 05 00"), 0);
	expect_response(GATT_CGM_RACP, "05 00 05 00");
	cr_assert_eq(wr(GATT_CGM_RACP, "01 04 01 02 00 03 00"), 0); /* range 2 … 3 */
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 2);
	cr_assert_eq(wr(GATT_CGM_RACP, "02 01"), 0);
	expect_response(GATT_CGM_RACP, "06 00 02 02"); /* delete: not supported */
	cr_assert_eq(wr(GATT_CGM_RACP, "01 03 02 00 00"), 0);
	expect_response(GATT_CGM_RACP, "06 00 01 09"); /* user facing time */
}

/* ---------------------------------------------------------------------------------- */
/* CGM Specific Ops Control Point                                                      */
/* ---------------------------------------------------------------------------------- */

SUITE(socp);

static void socp(const char *payload, const char *want)
{
	cr_assert_eq(wr(GATT_CGM_SOCP, payload), 0);
	expect_response(GATT_CGM_SOCP, want);
}

Test(socp, CGMS_SEN_CGMCP_BV_02_C_get_and_set_communication_interval)
{
	socp("02", "03 01");
	socp("01 05", "1C 01 01");
	socp("02", "03 05");
	socp("01 FF", "1C 01 01"); /* fastest: clamped to the supported minimum (V2) */
	cr_assert_eq(ble_server_cgm_interval(H.rig.srv), 1);
	socp("01 00", "1C 01 01");
	ble_server_cgm_sample(H.rig.srv, 3, 100.0, 0);
	cr_assert_eq(notes_since(GATT_CGM_MEASUREMENT), 0, "periodic notifications off");
}

Test(socp, CGMS_SEN_CGMCP_BV_22_C_start_and_stop_session)
{
	socp("1A", "1C 1A 04"); /* already running */
	socp("1B", "1C 1B 01");
	ble_server_cgm_sample(H.rig.srv, 1, 100.0, 0);
	cr_assert_eq(ble_server_cgm_count(H.rig.srv), 0, "no records while stopped");
	H.rig.now = 5;
	socp("1A", "1C 1A 01");
	ble_server_cgm_sample(H.rig.srv, 6, 100.0, 0);
	const note *m = last_note(GATT_CGM_MEASUREMENT);
	cr_assert_not_null(m);
	cr_assert_eq(m->v[4] | (m->v[5] << 8), 1, "time offset from the new session start");
}

Test(socp, CGMS_SEN_CBE_BI_01_C_op_code_not_supported_and_bad_operands)
{
	socp("55", "1C 55 02");
	socp("1C 01 01", "1C 1C 02"); /* a response written as a request */
	socp("01", "1C 01 03");       /* interval missing */
	socp("07 FF 07", "1C 07 03"); /* NaN alert level */
	socp("07 E8 03", "1C 07 05"); /* 1000 mg/dL */
	socp("07 FA 00", "1C 07 01"); /* 250 */
	socp("08", "09 FA 00");
}

Test(socp, CGMS_SEN_CGMCP_BV_06_C_calibration_set_and_get)
{
	socp("05 FF FF", "1C 05 05"); /* none yet */
	socp("04 64 00 0A 00 59 00 00 01 00 00", "1C 04 01");
	socp("05 FF FF", "06 64 00 0A 00 59 00 00 01 00 00");
}

/* ---------------------------------------------------------------------------------- */
/* Security: link level (A1–A3, P1, P5)                                                */
/* ---------------------------------------------------------------------------------- */

SUITE(security);

/* Every characteristic, read, written and subscribed by one unpaired link: more requests
 * than its budget allows (docs/ble.md "Availability", tested on its own below). */
static void no_untrusted_budget(ble_server_config *cfg)
{
	cfg->max_untrusted_requests_per_link = 0;
	cfg->max_stranger_requests_per_min = 0;
}

static void harden_without_untrusted_budget(void)
{
	setup_tweak = no_untrusted_budget;
	harden();
}

Test(security, A1_A2_P1_unauthenticated_link_gets_0x05_on_ids_and_cgms_and_reads_dis_and_battery,
     .init = harden_without_untrusted_budget)
{
	ble_link plain =
	    ble_link_make("/org/bluez/hci0/dev_11_22_33_44_55_66", GATT_SEC_NONE, false);
	uint8_t v[64], att;
	for (int id = 0; id < GATT_CHAR_COUNT; id++) {
		const gatt_characteristic_def *d = gatt_characteristic((gatt_char_id)id);
		const gatt_service_def *s = gatt_service_of((gatt_char_id)id);
		bool phi = s->uuid16 == GATT_UUID_IDS || s->uuid16 == GATT_UUID_CGMS;
		if (d->properties & GATT_PROP_READ) {
			rd(&plain, (gatt_char_id)id, v, &att);
			if (phi)
				cr_assert_eq(att, 0x05, "read %s", d->name);
			else if (id != GATT_DIS_SERIAL_NUMBER && id != GATT_CTS_CURRENT_TIME)
				cr_assert_eq(att, 0, "read %s", d->name);
		}
		if (d->properties & GATT_PROP_WRITE && phi)
			cr_assert_eq(
			    write_bytes(&plain, (gatt_char_id)id, (const uint8_t *)"\x4B\x11", 2),
			    0x05, "write %s", d->name);
		if (d->descriptor_count && phi)
			cr_assert_eq(ble_server_subscribe(H.rig.srv, &plain, H.rig.now,
			                                  (gatt_char_id)id, true),
			             0x05, "subscribe %s", d->name);
	}
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	/* Every refusal audited with the link's identity and level. */
	size_t refused = 0;
	for (size_t i = 0; i < H.n_audit; i++)
		if (H.audit[i].att == 0x05) {
			refused++;
			cr_assert_str_eq(H.audit[i].identity, plain.identity);
			cr_assert_eq(H.audit[i].security, GATT_SEC_NONE);
			cr_assert_str_eq(H.audit[i].reason, "insufficient authentication");
		}
	cr_assert_geq(refused, 20);
}

Test(security, P5_serial_number_waits_for_the_bond)
{
	ble_link plain = ble_link_make("dev_plain", GATT_SEC_NONE, false);
	uint8_t v[64], att;
	rd(&plain, GATT_DIS_SERIAL_NUMBER, v, &att);
	cr_assert_eq(att, 0x05);
	rd(&H.link, GATT_DIS_SERIAL_NUMBER, v, &att);
	cr_assert_eq(att, 0);
}

Test(security, A3_just_works_link_gets_0x05_on_the_command_cp)
{
	ble_link jw = ble_link_make("dev_just_works", GATT_SEC_ENCRYPTED, true);
	cr_assert_eq(ble_server_subscribe(H.rig.srv, &jw, H.rig.now, GATT_IDD_COMMAND_CP, true),
	             0x05);
	const uint8_t pdu[] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
	cr_assert_eq(write_bytes(&jw, GATT_IDD_COMMAND_CP, pdu, sizeof pdu), 0x05);
	cr_assert_eq(last_audit()->security, GATT_SEC_ENCRYPTED);
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	ble_link legacy_mitm = ble_link_make("dev_legacy", GATT_SEC_AUTHENTICATED, true);
	cr_assert_eq(write_bytes(&legacy_mitm, GATT_IDD_COMMAND_CP, pdu, sizeof pdu), 0x05,
	             "A4: legacy pairing is not LE Secure Connections");
}

Test(security, A10_a_level_change_is_a_new_connection_with_fresh_counters)
{
	ccp("7D 14", "82 14 19 00");
	ble_link down = H.link;
	down.security = GATT_SEC_NONE;
	cr_assert_eq(write_bytes(&down, GATT_IDD_COMMAND_CP, (const uint8_t *)"\x7D\x14", 2), 0x05);
	cr_assert_not(ble_server_subscribed(H.rig.srv, H.link.identity, GATT_IDD_COMMAND_CP));
	/* Back up: a new connection, counters restart at 1 on both sides. */
	ids_e2e_link_reset(&H.cli);
	subscribe_all(&H.link);
	ccp("7D 14", "82 14 19 00");
}

Test(security, I11_I12_not_writable_write_command_offset_and_not_readable)
{
	const uint8_t b[] = {0x7D, 0x14, 1, 0, 0};
	ble_write_options cmd = {0, true}, off = {4, false};
	cr_assert_eq(ble_server_write(H.rig.srv, &H.link, 0, GATT_IDD_STATUS, b, 2, NULL), 0x03);
	cr_assert_eq(ble_server_write(H.rig.srv, &H.link, 0, GATT_IDD_COMMAND_CP, b, 5, &cmd),
	             0x06);
	cr_assert_eq(ble_server_write(H.rig.srv, &H.link, 0, GATT_IDD_COMMAND_CP, b, 5, &off),
	             0x07);
	cr_assert_eq(ble_server_write(H.rig.srv, &H.link, 0, (gatt_char_id)99, b, 2, NULL), 0x01);
	uint8_t v[64], att;
	rd(&H.link, GATT_IDD_COMMAND_CP, v, &att);
	cr_assert_eq(att, 0x02);
	cr_assert_eq(ble_server_subscribe(H.rig.srv, &H.link, 0, GATT_IDD_FEATURES, true), 0x01);
}

Test(security, a_control_point_without_its_indications_enabled_is_0xFD)
{
	cr_assert_eq(
	    ble_server_subscribe(H.rig.srv, &H.link, H.rig.now, GATT_IDD_COMMAND_CP, false), 0);
	const uint8_t b[] = {0x7D, 0x14, 1, 0, 0};
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, sizeof b), 0xFD);
	cr_assert_str_eq(last_audit()->reason, "control point indications not enabled");
}

/* ---------------------------------------------------------------------------------- */
/* Security: E2E (I1, I2, R2)                                                          */
/* ---------------------------------------------------------------------------------- */

static const uint8_t set_bolus_2u[] = {0x4B, 0x11, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};

static size_t sealed_bolus(uint8_t *out, uint8_t counter)
{
	memcpy(out, set_bolus_2u, sizeof set_bolus_2u);
	out[10] = counter;
	uint16_t crc = crc16_mcrf4xx(out, 11);
	out[11] = (uint8_t)(crc & 0xFF);
	out[12] = (uint8_t)(crc >> 8);
	return 13;
}

static void expect_e2e_refusal(uint8_t att, const char *reason)
{
	const audit_rec *a = last_audit();
	cr_assert_eq(a->att, att);
	cr_assert_str_eq(a->reason, reason);
	cr_assert_str_eq(a->identity, H.link.identity);
	cr_assert_eq(a->security, GATT_SEC_SECURE);
	cr_assert_eq(notes_since(GATT_IDD_COMMAND_CP), 0, "an ATT error, no response code");
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active, "nothing delivered");
}

Test(security, I1_bad_crc_is_0x81_audited_and_the_counter_is_not_advanced)
{
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	b[12] ^= 0x01;
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0x81);
	expect_e2e_refusal(0x81, "e2e: invalid crc");
	/* The next good PDU still carries counter 1. */
	n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	cr_assert(ble_test_pump_status(&H.rig).bolus_active);
}

Test(security, I2_missing_tail_is_0x80)
{
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, set_bolus_2u, 4), 0x80);
	expect_e2e_refusal(0x80, "e2e: missing crc");
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, set_bolus_2u, 0), 0x80);
}

Test(security, R2_stale_or_skipped_counter_is_0x82_and_never_resynchronises)
{
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0); /* counter 1 accepted */
	H.cli.tx[IDS_E2E_COMMAND_CP].last = 1;
	ccp("78 11 01 00", "87 11 01 00"); /* counter 2 */
	/* 2 again (stale) and 9 (skipped): both 0x82; 3 is still the one expected. */
	n = sealed_bolus(b, 2);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0x82);
	expect_e2e_refusal(0x82, "e2e: invalid counter");
	n = sealed_bolus(b, 9);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0x82);
	n = sealed_bolus(b, 3);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
}

Test(security, cgms_socp_bad_crc_is_0x81_and_missing_crc_0x80)
{
	const uint8_t b[] = {0x02, 0x00, 0x00};
	cr_assert_eq(write_bytes(&H.link, GATT_CGM_SOCP, b, 3), 0x81);
	cr_assert_eq(write_bytes(&H.link, GATT_CGM_SOCP, b, 2), 0x80);
	cr_assert_eq(notes_since(GATT_CGM_SOCP), 0);
}

/* ---------------------------------------------------------------------------------- */
/* Security: replay / duplicate (R1, R5)                                               */
/* ---------------------------------------------------------------------------------- */

Test(security, R1_bit_exact_replay_is_0x82_with_e2e)
{
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	ble_test_run_minutes(&H.rig, 3); /* the bolus is over */
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0x82);
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, 2.0 + 5.0 / 60.0, 1e-6,
	                   "one bolus only");
}

Test(security, R1_duplicate_set_bolus_is_refused_0x74_with_nothing_delivered)
{
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	ble_test_run_minutes(&H.rig, 3);
	cr_assert_not(ble_test_pump_status(&H.rig).bolus_active);
	/* Same operand, fresh valid counter (the counter "happens to fit"). */
	ccp("4B 11 00 33 02 00 00 00 00 00", RC("4B", "11", "74"));
	const audit_rec *a = last_audit();
	cr_assert_str_eq(a->reason, "replay/duplicate");
	cr_assert_eq(a->decision, BLE_DECISION_REFUSED);
	cr_assert_not(a->pump_called, "the pump never saw it");
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, 2.0 + 5.0 / 60.0, 1e-6);
	ble_server_stats st;
	ble_server_get_stats(H.rig.srv, &st);
	cr_assert_eq(st.duplicates_refused, 1);
	/* A different amount is a different command. */
	ccp("4B 11 00 33 03 00 00 00 00 00", "77 11 02 00");
}

Test(security, R5_retry_after_reconnect_is_refused_by_the_duplicate_rule)
{
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	/* Indication lost, the phone reconnects: counters restart, the retry carries 1. */
	ble_server_disconnect(H.rig.srv, H.link.identity, H.rig.now);
	ids_e2e_link_reset(&H.cli);
	cr_assert(ble_server_connect(H.rig.srv, &H.link, H.rig.now));
	subscribe_all(&H.link);
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	expect_response(GATT_IDD_COMMAND_CP, RC("4B", "11", "74"));
	cr_assert_str_eq(last_audit()->reason, "replay/duplicate");
	cr_assert_eq(ble_test_pump_status(&H.rig).bolus_id, 1);
}

Test(security, the_same_bolus_is_allowed_again_after_the_window)
{
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	ble_test_run_minutes(&H.rig, 15);
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 02 00");
}

Test(security, duplicate_rule_holds_while_an_extended_bolus_is_active)
{
	ccp("4B 11 00 3C 00 00 0A 00 F0 00", "77 11 01 00"); /* 10 U over 240 min */
	ble_test_run_minutes(&H.rig, 60);
	ccp("4B 11 00 3C 00 00 0A 00 F0 00", RC("4B", "11", "74"));
	cr_assert_str_eq(last_audit()->reason, "replay/duplicate");
}

/* ---------------------------------------------------------------------------------- */
/* Availability: floods, storms, connection loops (V1–V3)                              */
/* ---------------------------------------------------------------------------------- */

Test(security, V1_write_flood_is_rate_limited_and_audited_in_aggregate)
{
	size_t audits_before = H.n_audit;
	int ok = 0, limited = 0;
	for (int i = 0; i < 1000; i++) {
		uint8_t att = wr(GATT_IDD_COMMAND_CP, "7D 14");
		if (att == 0)
			ok++;
		else if (att == 0xFE)
			limited++;
		if (att == 0xFE) /* refused before the E2E check: the counter was not used */
			H.cli.tx[IDS_E2E_COMMAND_CP].last--;
	}
	cr_assert_eq(ok, 30);
	cr_assert_eq(limited, 970);
	/* 30 accepted procedures + the first refusal; the rest only counted. */
	cr_assert_eq(H.n_audit - audits_before, 31);
	ble_test_run_minutes(&H.rig, 2); /* the flood is over: one summary */
	const audit_rec *sum = NULL;
	for (size_t i = audits_before; i < H.n_audit; i++)
		if (H.audit[i].kind == BLE_AUDIT_FLOOD)
			sum = &H.audit[i];
	cr_assert_not_null(sum);
	cr_assert_eq(sum->count, 969, "the first refusal is audited on its own");
	cr_assert_str_eq(sum->reason, "write flood");
	/* The next minute the link works again; basal kept going. */
	ccp("7D 14", "82 14 19 00");
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, 2.0 / 60.0, 1e-9);
}

Test(security, V2_subscription_storm_is_bounded_and_aggregated)
{
	H.rig.now = 1;
	size_t audits_before = H.n_audit;
	int ok = 0, limited = 0;
	for (int i = 0; i < 5000; i++) {
		uint8_t att = ble_server_subscribe(H.rig.srv, &H.link, H.rig.now,
		                                   GATT_CGM_MEASUREMENT, i % 2 == 1);
		ok += att == 0;
		limited += att == 0xFE;
	}
	cr_assert_eq(ok, 20);
	cr_assert_eq(limited, 4980);
	cr_assert_eq(H.n_audit - audits_before, 21);
	ble_server_flush_audit(H.rig.srv, 2);
	const audit_rec *a = last_audit();
	cr_assert_eq(a->kind, BLE_AUDIT_STORM);
	cr_assert_eq(a->count, 4979);
}

Test(security, V3_connection_loop_is_refused_after_the_budget)
{
	int ok = 0;
	for (int i = 0; i < 100; i++) {
		ble_server_disconnect(H.rig.srv, H.link.identity, H.rig.now);
		ok += ble_server_connect(H.rig.srv, &H.link, H.rig.now);
	}
	cr_assert_eq(ok, 6 - 1, "one connection was used by the setup");
	ble_server_stats st;
	ble_server_get_stats(H.rig.srv, &st);
	cr_assert_eq(st.connections_refused, 95);
}

Test(security, radio_traffic_costs_battery)
{
	double before = ble_test_pump_status(&H.rig).battery_pct;
	for (int i = 0; i < 20; i++) {
		uint8_t v[64], att;
		rd(&H.link, GATT_BAS_BATTERY_LEVEL, v, &att);
	}
	pump_config defaults;
	pump_config_defaults(&defaults);
	cr_assert_float_eq(before - ble_test_pump_status(&H.rig).battery_pct,
	                   20 * defaults.battery.drain_pct_per_radio_event, 1e-12);
}

/* ---------------------------------------------------------------------------------- */
/* The legacy-vulnerable profile: the harm, shown                                      */
/* ---------------------------------------------------------------------------------- */

TestSuite(legacy, .fini = teardown);

Test(legacy, R1_bit_exact_replay_is_executed_again)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE, true);
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	ble_test_run_minutes(&H.rig, 3);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	expect_response(GATT_IDD_COMMAND_CP, "77 11 02 00");
	ble_test_run_minutes(&H.rig, 3);
	cr_assert_float_eq(ble_test_pump_status(&H.rig).delivered_total_u, 4.0 + 6.0 / 60.0, 1e-6,
	                   "the replay delivered a second bolus");
}

Test(legacy, I1_a_bad_crc_is_not_noticed)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE, true);
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	b[4] = 0x05; /* 2 U → 5 U, CRC left as it was */
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	expect_response(GATT_IDD_COMMAND_CP, "77 11 01 00");
	cr_assert_float_eq(ble_test_pump_status(&H.rig).bolus_programmed_u, 5.0, 1e-9,
	                   "the tampered amount");
}

Test(legacy, A3_just_works_is_accepted_but_an_unencrypted_link_is_not)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE, true);
	ble_link jw = ble_link_make("dev_jw", GATT_SEC_ENCRYPTED, false);
	cr_assert_eq(ble_server_subscribe(H.rig.srv, &jw, 0, GATT_IDD_COMMAND_CP, true), 0);
	uint8_t b[16];
	size_t n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&jw, GATT_IDD_COMMAND_CP, b, n), 0);
	cr_assert(ble_test_pump_status(&H.rig).bolus_active,
	          "a Just Works phone commanded a bolus");
	ble_link plain = ble_link_make("dev_plain", GATT_SEC_NONE, false);
	cr_assert_eq(write_bytes(&plain, GATT_IDD_COMMAND_CP, b, n), 0x05);
}

Test(legacy, pump_hard_limits_still_hold)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE, true);
	ccp("4B 11 00 33 1E 00 00 00 00 00", RC("4B", "11", "73")); /* 30 U > 25 U */
	ccp("8D 14 1E 00", RC("8D", "14", "73"));
	cr_assert_float_eq(ble_test_pump_status(&H.rig).max_bolus_u, 25.0, 1e-9);
}

Test(legacy, floods_are_not_limited_and_every_write_is_audited)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE, true);
	size_t before = H.n_audit;
	for (int i = 0; i < 500; i++)
		cr_assert_eq(wr(GATT_IDD_COMMAND_CP, "7D 14"), 0);
	cr_assert_eq(H.n_audit - before, 500, "the log grows with the flood");
}

/* ---------------------------------------------------------------------------------- */
/* E2E off                                                                             */
/* ---------------------------------------------------------------------------------- */

TestSuite(no_e2e, .fini = teardown);

Test(no_e2e, plain_pdus_work_and_features_say_so)
{
	setup(BLE_PROFILE_HARDENED, false);
	ccp("4B 11 00 33 02 00 00 00 00 00", "77 11 01 00");
	uint8_t v[64], att;
	size_t n = rd(&H.link, GATT_IDD_STATUS, v, &att);
	cr_assert_eq(n, 5, "no tail");
	n = rd(&H.link, GATT_IDD_FEATURES, v, &att);
	ble_test_assert_hex(v, 3, "FF FF 00");
	/* A PDU with a tail is an operand with trailing bytes. */
	uint8_t b[16];
	n = sealed_bolus(b, 1);
	cr_assert_eq(write_bytes(&H.link, GATT_IDD_COMMAND_CP, b, n), 0);
	expect_response(GATT_IDD_COMMAND_CP, RC("4B", "11", "71"));
	/* The duplicate rule does not need E2E. */
	ble_test_run_minutes(&H.rig, 3);
	ccp("4B 11 00 33 02 00 00 00 00 00", RC("4B", "11", "74"));
	cr_assert_eq(wr(GATT_IDD_COMMAND_CP, ""), 0x0D);
}

/* ---------------------------------------------------------------------------------- */
/* Names                                                                               */
/* ---------------------------------------------------------------------------------- */

Test(names, link_levels_profiles_and_att_errors)
{
	gatt_security g;
	cr_assert(ble_link_security_from_name("authenticated", &g));
	cr_assert_eq(g, GATT_SEC_SECURE);
	cr_assert(ble_link_security_from_name("encrypted", &g));
	cr_assert_eq(g, GATT_SEC_ENCRYPTED);
	cr_assert(ble_link_security_from_name("unencrypted", &g));
	cr_assert_eq(g, GATT_SEC_NONE);
	cr_assert_not(ble_link_security_from_name("trusted", &g));
	ble_profile p;
	cr_assert(ble_profile_from_name("legacy-vulnerable", &p));
	cr_assert_eq(p, BLE_PROFILE_LEGACY_VULNERABLE);
	cr_assert(ble_profile_from_name("hardened", &p));
	cr_assert_eq(p, BLE_PROFILE_HARDENED);
	cr_assert_not(ble_profile_from_name("open", &p));
	cr_assert_str_eq(att_error_name(0x05), "insufficient_authentication");
	cr_assert_str_eq(att_error_name(0x82), "e2e_invalid_counter");
	cr_assert_str_eq(att_error_name(0x42), "unknown");
	ble_link l = ble_link_make(
	    "a-very-long-identity-that-does-not-fit-in-sixty-four-bytes-at-all-really",
	    GATT_SEC_SECURE, true);
	cr_assert_eq(strlen(l.identity), BLE_LINK_IDENTITY_MAX - 1);
}

/* ---------------------------------------------------------------------------------- */
/* Closed loop on stale glucose (T8); the IDS history cannot be flushed (hole 10)      */
/* ---------------------------------------------------------------------------------- */

/* Set TBR: flags Delivery Context present, relative, 150 %, 30 min, context AP controller. */
#define AP_TBR_150_30 "FF 0F 02 3C 96 00 1E 00 55"

Test(ccp, T8_an_ap_controller_tbr_needs_a_fresh_cgm_reading_and_a_short_duration)
{
	ccp(AP_TBR_150_30, RC("FF", "0F", "75")); /* no reading at all yet */
	cr_assert_str_eq(last_audit()->reason, "AP controller TBR: the pump has no CGM reading");
	cr_assert_not(last_audit()->pump_called);
	ble_server_cgm_sample(H.rig.srv, H.rig.now, 120.0, 0);
	ccp(AP_TBR_150_30, RC("FF", "0F", "0F"));
	cr_assert(ble_test_pump_status(&H.rig).temp_basal_active);
	ccp("11 11", RC("11", "11", "0F")); /* cancel it */
	/* 90 minutes without a reading (the sensor fell off): the loop is blind */
	ble_test_run_minutes(&H.rig, 90);
	ccp(AP_TBR_150_30, RC("FF", "0F", "75"));
	cr_assert_str_eq(last_audit()->reason, "AP controller TBR: the pump's CGM is stale");
	cr_assert_not(ble_test_pump_status(&H.rig).temp_basal_active);
	/* the same rate from a remote control (not a loop): the person's app, its own limits */
	ccp("FF 0F 02 3C 96 00 1E 00 3C", RC("FF", "0F", "0F"));
	ccp("11 11", RC("11", "11", "0F"));
	/* fresh again, but a loop may not run longer than 30 min unseen */
	ble_server_cgm_sample(H.rig.srv, H.rig.now, 110.0, 0);
	ccp("FF 0F 02 3C 96 00 78 00 55", RC("FF", "0F", "73")); /* 120 min */
	ccp(AP_TBR_150_30, RC("FF", "0F", "0F"));
}

Test(ccp, T8_legacy_vulnerable_doses_on_stale_glucose, .init = NULL)
{
	setup(BLE_PROFILE_LEGACY_VULNERABLE, true);
	ble_test_run_minutes(&H.rig, 90);
	ccp(AP_TBR_150_30, RC("FF", "0F", "0F"));
	cr_assert(ble_test_pump_status(&H.rig).temp_basal_active);
}

/* Report every stored record and count those of one event type. */
static size_t history_records_of(uint16_t type, size_t *all)
{
	cr_assert_eq(wr(GATT_IDD_RACP, "33 33"), 0);
	for (int i = 0; i < 20 && !last_note(GATT_IDD_RACP); i++)
		ble_test_run_minutes(&H.rig, 1); /* 128 records a burst, one burst a tick */
	expect_response(GATT_IDD_RACP, "0F 0F 33 F0");
	size_t n = 0;
	*all = 0;
	for (size_t i = H.mark; i < H.n_notes; i++) {
		if (H.notes[i].id != GATT_IDD_HISTORY_DATA)
			continue;
		ids_history_event e;
		cr_assert(H.notes[i].e2e_ok);
		cr_assert_eq(ids_history_decode(H.notes[i].v, H.notes[i].len, &e), BLE_OK);
		(*all)++;
		n += e.event_type == type;
	}
	return n;
}

Test(racp, the_history_cannot_be_flushed_by_harmless_writes)
{
	ccp("4B 11 00 33 0A 00 00 00 00 00", "77 11 01 00"); /* 10 U */
	ble_test_run_minutes(&H.rig, 10);
	pump_annunciation a;
	/* 1,200 writes that change no therapy, within the write budget: clock sets back and
	 * forth, the max bolus down and up, the same max bolus again (recorded one by one,
	 * they would push the bolus out of the 512 records twice over) */
	const char *clock[2] = {"E8 07 03 05 0A 1E 00 02 00 01", "E8 07 03 05 0B 1E 00 02 00 01"};
	int writes = 0;
	while (writes < 1200) {
		for (int i = 0; i < 10; i++, writes += 3) {
			cr_assert_eq(wr(GATT_CTS_CURRENT_TIME, clock[i % 2]), 0);
			ccp(i % 2 ? "8D 14 0A 00" : "8D 14 09 00", RC("8D", "14", "0F"));
			ccp("8D 14 09 00", RC("8D", "14", "0F"));
		}
		ble_test_run_minutes(&H.rig, 1);
	}
	cr_assert_not(pump_newest_annunciation(H.rig.p, &a));
	size_t all = 0;
	cr_assert_eq(history_records_of(IDS_EV_BOLUS_DELIVERED_1, &all), 1,
	             "the 10 U bolus is still in the history");
	cr_assert_lt(all, 80, "%zu records: the harmless writes were not all recorded", all);
	ble_server_stats st;
	ble_server_get_stats(H.rig.srv, &st);
	cr_assert_gt(st.history_skipped, 100);
	cr_assert_leq(ble_server_history_count(H.rig.srv), 80);
}

Test(racp, a_write_that_changes_nothing_records_nothing)
{
	ble_test_run_minutes(&H.rig, 1);
	const size_t before = ble_server_history_count(H.rig.srv);
	ccp("8D 14 19 00", RC("8D", "14", "0F")); /* 25 U: what it already is */
	cr_assert_eq(ble_server_history_count(H.rig.srv), before);
	cr_assert_eq(wr(GATT_CTS_CURRENT_TIME, "E8 07 03 05 0A 1E 00 02 00 01"), 0);
	const size_t after_set = ble_server_history_count(H.rig.srv);
	cr_assert_eq(after_set, before + 1, "a real clock change is recorded");
	/* the same wall time a minute later is a clock that keeps time: nothing changed */
	ble_test_run_minutes(&H.rig, 1);
	const size_t ticked = ble_server_history_count(H.rig.srv);
	cr_assert_eq(wr(GATT_CTS_CURRENT_TIME, "E8 07 03 05 0A 1F 00 02 00 01"), 0);
	cr_assert_eq(ble_server_history_count(H.rig.srv), ticked);
	cr_assert(strstr(last_audit()->detail, "(unchanged: not recorded)"), "%s",
	          last_audit()->detail);
}

/* The closed loop's basal changes are in the history with the Basal Delivery Context "AP
 * controller" (flags b0, context 0x55 after the two rates); the person's have none. */
Test(racp, a_basal_change_of_the_closed_loop_carries_the_ap_controller_context)
{
	ble_test_run_minutes(&H.rig, 1);
	cr_assert_eq(
	    pump_temp_basal(H.rig.p, H.rig.now, PUMP_SOURCE_CONTROLLER, PUMP_TBR_ABSOLUTE, 1.5, 30),
	    PUMP_OK);
	ble_test_run_minutes(&H.rig, 2);
	cr_assert_eq(
	    pump_temp_basal(H.rig.p, H.rig.now, PUMP_SOURCE_PUMP, PUMP_TBR_ABSOLUTE, 0.5, 30),
	    PUMP_OK);
	ble_test_run_minutes(&H.rig, 2);
	H.mark = H.n_notes;
	cr_assert_eq(wr(GATT_IDD_RACP, "33 33"), 0); /* Report Stored Records, All */
	size_t loop = 0, other = 0;
	bool last_is_loop = true;
	for (size_t i = H.mark; i < H.n_notes; i++) {
		ids_history_event e;
		if (H.notes[i].id != GATT_IDD_HISTORY_DATA ||
		    ids_history_decode(H.notes[i].v, H.notes[i].len, &e) != BLE_OK ||
		    e.event_type != IDS_EV_DELIVERED_BASAL_RATE_CHANGED)
			continue;
		last_is_loop = e.data[0] & 0x01;
		if (last_is_loop) {
			cr_assert_eq(e.data[e.data_len - 1], IDS_CONTEXT_AP_CONTROLLER);
			loop++;
		} else {
			other++;
		}
	}
	cr_assert_eq(loop, 1, "the controller's 1.5 U/h (%zu, %zu)", loop, other);
	cr_assert_geq(other, 1, "the programme's and the person's");
	cr_assert_not(last_is_loop, "the person's 0.5 U/h replaced it: no context");
}
