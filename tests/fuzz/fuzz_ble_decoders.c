/*
 * fuzz_ble_decoders.c — libFuzzer target over every decoder of the BLE protocol layer
 * (ble_gateway/protocol/). Built by Meson with -Dfuzzers=true (clang, libFuzzer, ASan and
 * UBSan; tests/fuzz/meson.build) and run by tests/fuzz/run.sh; the seed corpus is
 * tests/fuzz/corpus/.
 *
 * Every input goes through every decoder (they are cheap), under every server profile, so
 * a seed written for one control point also explores the others. Beyond "no crash, no
 * out-of-bounds read, no UB", the target checks properties and traps on a violation:
 *  - a control-point request that decodes re-encodes (collector side) to bytes that decode
 *    again and re-encode identically (idempotent after one trip);
 *  - a value or response that decodes and re-encodes decodes again;
 *  - E2E: a PDU the checker accepts has the counter it expected and the CRC it computed,
 *    and a refused PDU leaves the counter where it was.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "att.h"
#include "ble_result.h"
#include "cgms.h"
#include "e2e.h"
#include "gatt_model.h"
#include "gatt_values.h"
#include "ids_ccp.h"
#include "ids_codes.h"
#include "ids_racp.h"
#include "ids_srcp.h"
#include "ids_values.h"
#include "ieee11073.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

enum { OUT_CAP = 256 };

static void fuzz_ids_command(const ids_server_profile *p, const uint8_t *d, size_t n)
{
	ids_command c;
	ids_rc rc = ids_command_decode(p, d, n, &c);
	CHECK(ids_code_valid(&ids_rc_table, rc));
	if (rc != IDS_RC_SUCCESS)
		return;
	uint8_t once[OUT_CAP], twice[OUT_CAP];
	size_t l1 = 0, l2 = 0;
	ids_command again;
	CHECK(ids_command_encode(&c, once, sizeof once, &l1) == BLE_OK);
	CHECK(ids_command_decode(p, once, l1, &again) == IDS_RC_SUCCESS);
	CHECK(ids_command_encode(&again, twice, sizeof twice, &l2) == BLE_OK);
	CHECK(l1 == l2 && memcmp(once, twice, l1) == 0);
}

static void fuzz_ids_status_request(const ids_server_profile *p, const uint8_t *d, size_t n)
{
	ids_status_request q;
	ids_rc rc = ids_status_request_decode(p, d, n, &q);
	CHECK(ids_code_valid(&ids_srcp_rc_table, rc));
	if (rc != IDS_RC_SUCCESS)
		return;
	uint8_t out[OUT_CAP];
	size_t len = 0;
	CHECK(ids_status_request_encode(&q, out, sizeof out, &len) == BLE_OK);
	CHECK(len == n && memcmp(out, d, n) == 0);
}

static void fuzz_racp(const uint8_t *d, size_t n)
{
	ids_racp_request q;
	ids_racp_rc rc = ids_racp_request_decode(d, n, &q);
	CHECK(ids_code_valid(&ids_racp_rc_table, rc));
	uint8_t out[OUT_CAP];
	size_t len = 0;
	if (rc == IDS_RACP_RC_SUCCESS) {
		CHECK(ids_racp_request_encode(&q, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
	cgms_racp_request g;
	if (cgms_racp_request_decode(d, n, &g) == RACP_RC_SUCCESS) {
		CHECK(cgms_racp_request_encode(&g, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
	ids_racp_response r;
	if (ids_racp_response_decode(d, n, &r) == BLE_OK) {
		CHECK(ids_racp_response_encode(&r, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
	cgms_racp_response gr;
	if (cgms_racp_response_decode(d, n, &gr) == BLE_OK) {
		CHECK(cgms_racp_response_encode(&gr, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
}

static void fuzz_socp(const uint8_t *d, size_t n)
{
	cgms_socp_request q;
	cgms_socp_rc rc = cgms_socp_request_decode(d, n, &q);
	CHECK(rc >= CGMS_RC_SUCCESS && rc <= CGMS_RC_PARAMETER_OUT_OF_RANGE);
	uint8_t once[OUT_CAP], twice[OUT_CAP];
	size_t l1 = 0, l2 = 0;
	if (rc == CGMS_RC_SUCCESS) {
		cgms_socp_request again;
		/* Alert levels are re-sent exactly; a level finer than the encoder's resolution
		 * (0.01 mg/dL/min, 1 mg/dL) is refused by it rather than rounded. */
		ble_result r = cgms_socp_request_encode(&q, once, sizeof once, &l1);
		CHECK(r == BLE_OK || r == BLE_ERR_PRECISION);
		if (r == BLE_OK) {
			CHECK(cgms_socp_request_decode(once, l1, &again) == CGMS_RC_SUCCESS);
			CHECK(cgms_socp_request_encode(&again, twice, sizeof twice, &l2) == BLE_OK);
			CHECK(l1 == l2 && memcmp(once, twice, l1) == 0);
		}
	}
	for (int crc = 0; crc < 2; crc++) {
		cgms_socp_response s, s2;
		if (cgms_socp_response_decode(d, n, crc, &s) != BLE_OK)
			continue;
		if (cgms_socp_response_encode(&s, crc, once, sizeof once, &l1) == BLE_OK)
			CHECK(cgms_socp_response_decode(once, l1, crc, &s2) == BLE_OK);
	}
}

static void fuzz_responses(const uint8_t *d, size_t n)
{
	uint8_t out[OUT_CAP];
	size_t len = 0;
	ids_ccp_response r, r2;
	if (ids_ccp_response_decode(d, n, &r) == BLE_OK &&
	    ids_ccp_response_encode(&r, out, sizeof out, &len) == BLE_OK)
		CHECK(ids_ccp_response_decode(out, len, &r2) == BLE_OK);
	ids_status_response s, s2;
	if (ids_status_response_decode(d, n, &s) == BLE_OK &&
	    ids_status_response_encode(&s, out, sizeof out, &len) == BLE_OK)
		CHECK(ids_status_response_decode(out, len, &s2) == BLE_OK);
}

static void fuzz_ids_values(const uint8_t *d, size_t n)
{
	uint8_t out[OUT_CAP];
	size_t len = 0;
	uint16_t flags = 0;
	if (ids_status_changed_decode(d, n, &flags) == BLE_OK)
		CHECK(ids_status_changed_encode(flags, out, sizeof out, &len) == BLE_OK);
	ids_status st, st2;
	if (ids_status_decode(d, n, &st) == BLE_OK &&
	    ids_status_encode(&st, out, sizeof out, &len) == BLE_OK)
		CHECK(ids_status_decode(out, len, &st2) == BLE_OK);
	ids_annunciation_status a, a2;
	if (ids_annunciation_status_decode(d, n, &a) == BLE_OK) {
		CHECK(ids_annunciation_status_encode(&a, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
		CHECK(ids_annunciation_status_decode(out, len, &a2) == BLE_OK);
	}
	ids_features f, f2;
	if (ids_features_decode(d, n, &f) == BLE_OK &&
	    ids_features_encode(&f, out, sizeof out, &len) == BLE_OK)
		CHECK(ids_features_decode(out, len, &f2) == BLE_OK);
	ids_history_event e;
	if (ids_history_decode(d, n, &e) == BLE_OK) {
		CHECK(ids_history_encode(&e, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
}

static void fuzz_cgms_values(const uint8_t *d, size_t n)
{
	uint8_t out[OUT_CAP];
	size_t len = 0;
	for (int crc = 0; crc < 2; crc++) {
		/* A notification may pack several records: walk them as a collector does. */
		size_t off = 0, used = 0;
		cgms_measurement m, m2;
		while (off < n &&
		       cgms_measurement_decode(d + off, n - off, crc, &m, &used) == BLE_OK) {
			CHECK(used >= 6 && used <= n - off);
			off += used;
			if (cgms_measurement_encode(&m, crc, out, sizeof out, &len) == BLE_OK)
				CHECK(cgms_measurement_decode(out, len, crc, &m2, &used) ==
				          BLE_OK &&
				      used == len);
		}
		cgms_status s;
		if (cgms_status_decode(d, n, crc, &s) == BLE_OK) {
			CHECK(cgms_status_encode(&s, crc, out, sizeof out, &len) == BLE_OK);
			CHECK(len == n && memcmp(out, d, n) == 0);
		}
		cgms_session_start_time t;
		if (cgms_session_start_time_decode(d, n, crc, &t) == BLE_OK) {
			CHECK(cgms_session_start_time_encode(&t, crc, out, sizeof out, &len) ==
			      BLE_OK);
			CHECK(len == n && memcmp(out, d, n) == 0);
		}
		uint16_t h = 0;
		if (cgms_session_run_time_decode(d, n, crc, &h) == BLE_OK)
			CHECK(n == (crc ? 4u : 2u));
	}
	cgms_feature f;
	if (cgms_feature_decode(d, n, &f) == BLE_OK) {
		CHECK(cgms_feature_encode(&f, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
}

static void fuzz_gatt_values(const uint8_t *d, size_t n)
{
	uint8_t out[OUT_CAP];
	size_t len = 0;
	cts_current_time t;
	if (cts_current_time_decode(d, n, &t) == BLE_OK) {
		CHECK(cts_current_time_encode(&t, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
	char s[32];
	if (dis_string_decode(d, n, s, sizeof s) == BLE_OK) {
		CHECK(dis_string_encode(s, out, sizeof out, &len) == BLE_OK);
		CHECK(len == n && memcmp(out, d, n) == 0);
	}
	dis_pnp_id p;
	if (dis_pnp_id_decode(d, n, &p) == BLE_OK)
		CHECK(dis_pnp_id_encode(&p, out, sizeof out, &len) == BLE_OK);
	uint64_t mid = 0;
	uint32_t oui = 0;
	if (dis_system_id_decode(d, n, &mid, &oui) == BLE_OK)
		CHECK(dis_system_id_encode(mid, oui, out, sizeof out, &len) == BLE_OK);
	uint8_t pct = 0;
	if (bas_level_decode(d, n, &pct) == BLE_OK)
		CHECK(pct <= 100);
}

static void fuzz_e2e(const ids_server_profile *p, const uint8_t *d, size_t n)
{
	/* The first byte primes the receiver's last counter, as after earlier PDUs. */
	if (n < 1)
		return;
	e2e_counter rx = {d[0]};
	d++;
	n--;
	size_t payload = 0;
	uint8_t before = rx.last;
	e2e_result r = ids_e2e_check(&rx, d, n, 2, &payload);
	if (r == E2E_OK) {
		CHECK(n >= 5 && payload == n - 3);
		CHECK(d[n - 3] == e2e_counter_next_value(before) && rx.last == d[n - 3]);
		CHECK(crc16_mcrf4xx(d, n - 2) == (uint16_t)(d[n - 2] | (d[n - 1] << 8)));
		fuzz_ids_command(p, d, payload);
		fuzz_ids_status_request(p, d, payload);
	} else {
		CHECK(rx.last == before);
		CHECK(e2e_result_att_error(r) >= 0x80 && e2e_result_att_error(r) <= 0x82);
	}
	if (cgms_e2e_check(d, n, 1, &payload) == E2E_OK)
		fuzz_socp(d, payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ids_server_profile profiles[3];
	static int ready;
	if (!ready) {
		ids_server_profile_defaults(&profiles[0]);
		ids_server_profile_defaults(&profiles[1]);
		profiles[1].features |= IDS_FEAT_TBR_TEMPLATE | IDS_FEAT_BOLUS_DELAY |
		                        IDS_FEAT_BOLUS_TEMPLATE | IDS_FEAT_BOLUS_ACTIVATION_TYPE |
		                        IDS_FEAT_ISF_TEMPLATE | IDS_FEAT_I2CHO_TEMPLATE |
		                        IDS_FEAT_TARGET_GLUCOSE_TEMPLATE;
		profiles[1].templates[IDS_TK_BASAL] = (ids_template_range){1, 3};
		profiles[1].templates[IDS_TK_TBR] = (ids_template_range){4, 2};
		profiles[1].templates[IDS_TK_BOLUS] = (ids_template_range){6, 2};
		profiles[1].templates[IDS_TK_ISF] = (ids_template_range){8, 1};
		profiles[1].templates[IDS_TK_I2CHO] = (ids_template_range){9, 1};
		profiles[1].templates[IDS_TK_TARGET_GLUCOSE] = (ids_template_range){10, 1};
		profiles[1].max_bolus_delay_min = 120;
		ids_server_profile_defaults(&profiles[2]);
		profiles[2].features = IDS_FEAT_FAST_BOLUS;
		profiles[2].templates[IDS_TK_BASAL] = (ids_template_range){0, 0};
		ready = 1;
	}
	for (int i = 0; i < 3; i++) {
		fuzz_ids_command(&profiles[i], data, size);
		fuzz_ids_status_request(&profiles[i], data, size);
	}
	fuzz_e2e(&profiles[1], data, size);
	fuzz_racp(data, size);
	fuzz_socp(data, size);
	fuzz_responses(data, size);
	fuzz_ids_values(data, size);
	fuzz_cgms_values(data, size);
	fuzz_gatt_values(data, size);
	return 0;
}
