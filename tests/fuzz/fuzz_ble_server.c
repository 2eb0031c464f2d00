/*
 * fuzz_ble_server.c — libFuzzer target over every write handler of the GATT server
 * (ble_gateway/ble_server.h) bound to a real pump, on links of every security level, in
 * both profiles, with E2E on and off. Built by Meson with -Dfuzzers=true (clang, libFuzzer,
 * ASan and UBSan; tests/fuzz/meson.build) and run by tests/fuzz/run.sh; seeds in
 * tests/fuzz/corpus_server/.
 *
 * Input: byte 0 configures (b0 legacy-vulnerable, b1 E2E off, b2 RACP bursts of 2, b3 a
 * 10-minute bolus interval, b4–b5 the pump's state: run, paused, stopped, stopped and
 * empty); then operations, each an opcode byte — kind in b0–b2, link in b3–b4 (0 plain,
 * 1 Just Works, 2 legacy MITM, 3 LE SC + MITM), flags in b5–b7 — and its operands:
 *   0–2 write: char byte, length byte (b7: a second length byte × 4), the bytes; flag b5
 *       seals them with a valid E2E tail for that link (so the decoders behind E2E are
 *       reached), b6 makes it a Write Command or an offset write;
 *   3 read: char byte;  4 CCCD write: char byte, b5 = on;  5 minutes pass (1 + flags);
 *   6 CGM reading: two bytes (0.1 mg/dL, 0xFFFF = none), an SSA byte;
 *   7 by flags: disconnect, connect, pump fault, pump UI command, flush audit.
 *
 * Beyond "no crash, no out-of-bounds, no UB", it traps on a broken promise of the server:
 *  - a write refused with an ATT error leaves the pump bit for bit as it was and sends no
 *    control-point response; a CP write accepted at ATT level gets exactly one response
 *    (RACP: at most one; a Report may finish at a later tick);
 *  - Status Reader, RACP, SOCP, Session Start Time and Current Time writes never change
 *    the pump; a Command CP write answered with a failure code never does either;
 *  - a link below the level a characteristic needs never gets a write or read through;
 *  - nothing is notified or indicated on a characteristic the link has not subscribed to,
 *    every value sent decodes with the codecs, and every IDS value's E2E tail is the next
 *    counter with a good CRC (the collector side is the harness's).
 * The radio's battery cost is set to 0 so that "the pump is unchanged" can be exact.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ble_server.h"
#include "cgms.h"
#include "e2e.h"
#include "ids_ccp.h"
#include "ids_racp.h"
#include "ids_srcp.h"
#include "pump_model.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

enum { LINKS = 4, MAX_WRITE = 600 };

static const gatt_security levels[LINKS] = {GATT_SEC_NONE, GATT_SEC_ENCRYPTED,
                                            GATT_SEC_AUTHENTICATED, GATT_SEC_SECURE};
static const char *const names[LINKS] = {"fz/plain", "fz/just_works", "fz/legacy_mitm",
                                         "fz/secure"};

static struct {
	pump *p;
	ble_server *srv;
	ble_link links[LINKS];
	ids_e2e_link cli[LINKS]; /* tx: our writes; rx: what the server sent each link */
	bool e2e, legacy;
	int64_t now;
	/* the write in progress */
	int cur_link;
	gatt_char_id cur_cp;
	size_t cp_responses;
	size_t resp_len;
	uint8_t resp[BLE_ATT_MAX_VALUE];
} F;

static int link_index(const char *identity)
{
	for (int i = 0; i < LINKS; i++)
		if (strcmp(identity, names[i]) == 0)
			return i;
	return -1;
}

/* The level a request on `id` needs in this profile (ble_server.h, profile item 3). */
static gatt_security needed(gatt_char_id id)
{
	const gatt_characteristic_def *d = gatt_characteristic(id);
	gatt_security s = d ? d->security : GATT_SEC_NONE;
	if (F.legacy && s > GATT_SEC_ENCRYPTED)
		s = GATT_SEC_ENCRYPTED;
	return s;
}

/* Every value the server sends must decode (payload: E2E tail already removed). */
static void check_value(gatt_char_id id, const uint8_t *v, size_t n, size_t full_len,
                        const uint8_t *full)
{
	switch (id) {
	case GATT_IDD_STATUS_CHANGED: {
		uint16_t f;
		CHECK(ids_status_changed_decode(v, n, &f) == BLE_OK);
		break;
	}
	case GATT_IDD_STATUS: {
		ids_status s;
		CHECK(ids_status_decode(v, n, &s) == BLE_OK);
		break;
	}
	case GATT_IDD_ANNUNCIATION_STATUS: {
		ids_annunciation_status a;
		CHECK(ids_annunciation_status_decode(v, n, &a) == BLE_OK);
		break;
	}
	case GATT_IDD_COMMAND_CP:
	case GATT_IDD_COMMAND_DATA: {
		ids_ccp_response r;
		CHECK(ids_ccp_response_decode(v, n, &r) == BLE_OK);
		break;
	}
	case GATT_IDD_STATUS_READER_CP: {
		ids_status_response r;
		CHECK(ids_status_response_decode(v, n, &r) == BLE_OK);
		break;
	}
	case GATT_IDD_RACP: {
		ids_racp_response r;
		CHECK(ids_racp_response_decode(v, n, &r) == BLE_OK);
		break;
	}
	case GATT_IDD_HISTORY_DATA: {
		ids_history_event e;
		CHECK(ids_history_decode(v, n, &e) == BLE_OK);
		break;
	}
	case GATT_CGM_MEASUREMENT: {
		cgms_measurement m;
		size_t used = 0;
		CHECK(cgms_measurement_decode(full, full_len, F.e2e, &m, &used) == BLE_OK);
		CHECK(used == full_len);
		break;
	}
	case GATT_CGM_SOCP: {
		cgms_socp_response r;
		CHECK(cgms_socp_response_decode(full, full_len, F.e2e, &r) == BLE_OK);
		break;
	}
	case GATT_CGM_RACP: {
		cgms_racp_response r;
		CHECK(cgms_racp_response_decode(full, full_len, &r) == BLE_OK);
		break;
	}
	case GATT_BAS_BATTERY_LEVEL: {
		uint8_t pct;
		CHECK(bas_level_decode(full, full_len, &pct) == BLE_OK);
		break;
	}
	default:
		break;
	}
}

/* Check the E2E tail of an IDS value sent to link li; returns the payload length. */
static size_t check_tail(int li, gatt_char_id id, const uint8_t *v, size_t len)
{
	ids_e2e_channel ch;
	if (!F.e2e || gatt_e2e_of(id, &ch) != GATT_E2E_IDS)
		return len;
	size_t payload = 0;
	CHECK(ids_value_e2e_check(&F.cli[li], ch, v, len, 1, &payload) == E2E_OK);
	return payload;
}

static void on_notify(const ble_link *link, gatt_char_id id, bool indication, const uint8_t *v,
                      size_t len, void *ud)
{
	(void)ud;
	int li = link_index(link->identity);
	CHECK(li >= 0);
	CHECK((unsigned)id < GATT_CHAR_COUNT);
	CHECK(ble_server_subscribed(F.srv, link->identity, id));
	CHECK(gatt_security_met(needed(id), link->security));
	const gatt_characteristic_def *d = gatt_characteristic(id);
	CHECK(d->properties & (indication ? GATT_PROP_INDICATE : GATT_PROP_NOTIFY));
	size_t n = check_tail(li, id, v, len);
	check_value(id, v, n, len, v);
	if (li == F.cur_link && id == F.cur_cp && indication) {
		F.cp_responses++;
		F.resp_len = n < sizeof F.resp ? n : sizeof F.resp;
		memcpy(F.resp, v, F.resp_len);
	}
}

static void on_audit(const ble_audit_event *ev, void *ud)
{
	(void)ud;
	CHECK(ev->link_identity && ev->reason && ev->detail && ev->raw_hex && ev->char_name);
	CHECK(ev->count >= 1 && ev->first_min <= ev->last_min);
	CHECK(strlen(ev->raw_hex) <= 3 * BLE_ATT_MAX_VALUE);
}

static void on_pump_event(const pump_event *ev, void *ud)
{
	(void)ud;
	if (F.srv)
		ble_server_pump_event(F.srv, ev);
}

/* The harness's counters follow the server's per-link state: a link that was not
 * connected before a request starts fresh on both sides. */
static void before_request(int li)
{
	if (!ble_server_link_connected(F.srv, names[li]))
		ids_e2e_link_reset(&F.cli[li]);
}

static size_t seal(int li, gatt_char_id id, const uint8_t *p, size_t n, uint8_t *out, size_t cap,
                   bool *sealed_ids)
{
	memcpy(out, p, n);
	*sealed_ids = false;
	ids_e2e_channel ch = IDS_E2E_STATUS;
	const gatt_e2e_kind kind = F.e2e ? gatt_e2e_of(id, &ch) : GATT_E2E_NONE;
	size_t m = n;
	if (kind == GATT_E2E_NONE)
		return n;
	if (kind == GATT_E2E_IDS) {
		e2e_counter c = F.cli[li].tx[ch]; /* advanced only if the server took it */
		if (ids_e2e_seal(&c, out, n, cap, &m) != BLE_OK)
			return n;
		*sealed_ids = true;
		return m;
	}
	if (cgms_e2e_seal(out, n, cap, &m) != BLE_OK)
		return n;
	return m;
}

/* Whether the server's E2E stage accepted the write (its receive counter moved). */
static bool counter_taken(gatt_char_id id, uint8_t att)
{
	if (att == 0)
		return true;
	/* refused after the E2E stage */
	return (id == GATT_IDD_RACP && att == ATT_ERR_PROCEDURE_IN_PROGRESS);
}

static void do_write(int li, gatt_char_id id, const uint8_t *p, size_t n, bool seal_it,
                     int opts_kind)
{
	uint8_t buf[MAX_WRITE + 8];
	bool sealed_ids = false;
	size_t len = seal_it ? seal(li, id, p, n, buf, sizeof buf, &sealed_ids) : n;
	if (!seal_it)
		memcpy(buf, p, n);
	ble_write_options opts = {0};
	if (opts_kind == 1)
		opts.command = true;
	else if (opts_kind == 2)
		opts.offset = (uint16_t)(1 + (n & 7));

	before_request(li);
	pump *before = pump_clone(F.p);
	CHECK(before);
	F.cur_link = li;
	F.cur_cp = id;
	F.cp_responses = 0;
	F.resp_len = 0;
	uint8_t att =
	    ble_server_write(F.srv, &F.links[li], F.now, id, buf, len, opts_kind ? &opts : NULL);
	F.cur_link = -1;
	bool unchanged = pump_state_equal(before, F.p);
	pump_free(before);

	const gatt_characteristic_def *d =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	if (d && (d->properties & GATT_PROP_WRITE) && !gatt_security_met(needed(id), levels[li]))
		CHECK(att != 0);
	if (att != 0) {
		CHECK(unchanged);
		CHECK(F.cp_responses == 0);
	}
	bool ids_cp = id == GATT_IDD_COMMAND_CP || id == GATT_IDD_STATUS_READER_CP;
	if (att == 0 && (ids_cp || id == GATT_CGM_SOCP))
		CHECK(F.cp_responses == 1);
	if (att == 0 && (id == GATT_IDD_RACP || id == GATT_CGM_RACP))
		CHECK(F.cp_responses <= 1);
	if (id != GATT_IDD_COMMAND_CP)
		CHECK(unchanged); /* only the Command CP commands the pump */
	if (att == 0 && id == GATT_IDD_COMMAND_CP) {
		ids_ccp_response r;
		CHECK(ids_ccp_response_decode(F.resp, F.resp_len, &r) == BLE_OK);
		if (r.opcode == IDS_CCP_RESPONSE_CODE && r.u.response_code.code != IDS_RC_SUCCESS)
			CHECK(unchanged);
	}
	ids_e2e_channel ch;
	if (sealed_ids && gatt_e2e_of(id, &ch) == GATT_E2E_IDS && counter_taken(id, att))
		F.cli[li].tx[ch].last = e2e_counter_next_value(F.cli[li].tx[ch].last);
}

static void do_read(int li, gatt_char_id id)
{
	uint8_t out[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	before_request(li);
	uint8_t att = ble_server_read(F.srv, &F.links[li], F.now, id, out, sizeof out, &n);
	if (att != 0) {
		CHECK(n == 0);
		return;
	}
	CHECK(n <= sizeof out);
	CHECK(gatt_security_met(needed(id), levels[li]));
	size_t payload = check_tail(li, id, out, n);
	check_value(id, out, payload, n, out);
}

static void pass_minutes(int m)
{
	for (int i = 0; i < m; i++) {
		pump_delivery d = pump_tick(F.p, F.now, NAN);
		ble_server_tick(F.srv, F.now, &d);
		F.now++;
	}
}

static void pump_ui(uint8_t what)
{
	pump_bolus_request b = {PUMP_BOLUS_NORMAL, 1.0, 0, 0};
	switch (what % 7) {
	case 0:
		pump_bolus(F.p, F.now, PUMP_SOURCE_PUMP, &b, NULL);
		break;
	case 1:
		pump_cancel_bolus(F.p, F.now, PUMP_SOURCE_PUMP, 0);
		break;
	case 2:
		pump_suspend(F.p, F.now, PUMP_SOURCE_PUMP);
		break;
	case 3:
		pump_resume(F.p, F.now, PUMP_SOURCE_PUMP);
		break;
	case 4:
		pump_stop(F.p, F.now, PUMP_SOURCE_PUMP);
		break;
	case 5:
		pump_fill_reservoir(F.p, F.now, PUMP_SOURCE_PUMP, 200.0);
		break;
	default:
		pump_temp_basal(F.p, F.now, PUMP_SOURCE_PUMP, PUMP_TBR_RELATIVE, 150, 30);
		break;
	}
}

static void setup(uint8_t cfg)
{
	memset(&F, 0, sizeof F);
	F.cur_link = -1;
	F.legacy = (cfg & 0x01) != 0;
	F.e2e = (cfg & 0x02) == 0;
	pump_config pc;
	pump_config_defaults(&pc);
	pc.on_event = on_pump_event;
	pc.battery.drain_pct_per_radio_event = 0.0;
	pc.battery.drain_pct_per_link_min = 0.0;
	if (cfg & 0x08)
		pc.limits.min_bolus_interval_min = 10;
	F.p = pump_new(&pc);
	CHECK(F.p);
	ble_server_config sc;
	ble_server_config_defaults(&sc,
	                           F.legacy ? BLE_PROFILE_LEGACY_VULNERABLE : BLE_PROFILE_HARDENED);
	sc.e2e = F.e2e;
	sc.racp_records_per_burst = (cfg & 0x04) ? 2 : 128;
	sc.on_notify = on_notify;
	sc.on_audit = on_audit;
	F.srv = ble_server_new(F.p, &sc);
	CHECK(F.srv);
	for (int i = 0; i < LINKS; i++) {
		F.links[i] = ble_link_make(names[i], levels[i], i >= 2);
		ids_e2e_link_reset(&F.cli[i]);
	}
	switch ((cfg >> 4) & 3) {
	case 1:
		pump_suspend(F.p, 0, PUMP_SOURCE_PUMP);
		break;
	case 2:
		pump_stop(F.p, 0, PUMP_SOURCE_PUMP);
		break;
	case 3:
		pump_stop(F.p, 0, PUMP_SOURCE_PUMP);
		pump_inject_fault(F.p, 0, PUMP_FAULT_RESERVOIR_EMPTY, 0);
		break;
	default:
		break;
	}
	/* The secure phone has every CCCD on, as an app would. */
	for (int id = 0; id < GATT_CHAR_COUNT; id++)
		if (gatt_characteristic((gatt_char_id)id)->descriptor_count)
			ble_server_subscribe(F.srv, &F.links[3], 0, (gatt_char_id)id, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	setup(data[0]);
	size_t pos = 1;
#define NEXT() (pos < size ? data[pos++] : 0)
	while (pos < size) {
		uint8_t op = data[pos++];
		int kind = op & 7, li = (op >> 3) & 3, flags = op >> 5;
		switch (kind) {
		case 0:
		case 1:
		case 2: {
			gatt_char_id id = (gatt_char_id)(NEXT() % (GATT_CHAR_COUNT + 2));
			size_t len = NEXT();
			if (flags & 4)
				len += (size_t)NEXT() * 4;
			if (len > MAX_WRITE)
				len = MAX_WRITE;
			if (len > size - pos)
				len = size - pos;
			do_write(li, id, data + pos, len, (flags & 1) != 0,
			         (flags & 2) ? 1 + (len & 1) : 0);
			pos += len;
			break;
		}
		case 3:
			do_read(li, (gatt_char_id)(NEXT() % (GATT_CHAR_COUNT + 2)));
			break;
		case 4: {
			gatt_char_id id = (gatt_char_id)(NEXT() % (GATT_CHAR_COUNT + 2));
			before_request(li);
			uint8_t att =
			    ble_server_subscribe(F.srv, &F.links[li], F.now, id, flags & 1);
			if (att == 0)
				CHECK(gatt_security_met(needed(id), levels[li]));
			break;
		}
		case 5:
			pass_minutes(1 + flags);
			break;
		case 6: {
			unsigned raw = NEXT();
			raw |= (unsigned)NEXT() << 8;
			uint32_t ssa = (uint32_t)NEXT() << (8 * (flags % 3));
			ble_server_cgm_sample(F.srv, F.now, raw == 0xFFFF ? NAN : raw / 10.0, ssa);
			break;
		}
		default:
			switch (flags) {
			case 0:
				ble_server_disconnect(F.srv, names[li], F.now);
				break;
			case 1:
				before_request(li);
				ble_server_disconnect(F.srv, names[li], F.now);
				ids_e2e_link_reset(&F.cli[li]);
				ble_server_connect(F.srv, &F.links[li], F.now);
				break;
			case 2:
				pump_inject_fault(F.p, F.now,
				                  (pump_fault)(NEXT() % PUMP_FAULT_COUNT), 5.0);
				break;
			case 3:
				pump_ui(NEXT());
				break;
			default:
				ble_server_flush_audit(F.srv, F.now);
				break;
			}
			break;
		}
	}
#undef NEXT
	ble_server_flush_audit(F.srv, F.now);
	ble_server_free(F.srv);
	pump_free(F.p);
	F.srv = NULL;
	F.p = NULL;
	return 0;
}
