/*
 * test_ble_codecs.c — byte-level tests of the BLE protocol layer (ble_gateway/protocol/):
 * SFLOAT/FLOAT, CRC-16/MCRF4XX and the E2E counter, the Hamming tables, every IDS value and
 * control-point procedure (both directions), CGMS values, SOCP and RACP, DIS/BAS/CTS and
 * the GATT service model.
 *
 * Protocol tests feed and expect bytes; names carry the IDs of the Bluetooth SIG's test
 * suites (CGMS/SEN/…) where one covers the case. Request tables run as parameterized tests, one
 * Criterion test per PDU. The property tests use a fixed seed and print it on failure.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
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

#include "ble_support.h"

/* ---------------------------------------------------------------------------------- */
/* SFLOAT / FLOAT                                                                      */
/* ---------------------------------------------------------------------------------- */

Test(sfloat, decodes_the_spec_examples)
{
	double v = 0;
	cr_assert_eq(sfloat_to_double(0x0064, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, 100.0, "64 00 is 100.0 IU/mL");
	cr_assert_eq(sfloat_to_double(0x0118, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, 280.0, "18 01 is 280 mg/dL");
	cr_assert_eq(sfloat_to_double(0xE0FA, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, 2.5);
	cr_assert_eq(sfloat_to_double(0x0FFF, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, -1.0, "mantissa is two's complement");
	cr_assert_eq(sfloat_to_double(0x8001, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, 1e-8, "exponent is two's complement");
}

Test(sfloat, specials_are_reported_as_specials_never_numbers)
{
	static const struct {
		uint16_t raw;
		ieee11073_kind kind;
	} cases[] = {
	    {SFLOAT_NAN, IEEE11073_NAN},           {SFLOAT_NRES, IEEE11073_NRES},
	    {SFLOAT_POS_INF, IEEE11073_POS_INF},   {SFLOAT_NEG_INF, IEEE11073_NEG_INF},
	    {SFLOAT_RESERVED, IEEE11073_RESERVED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int32_t m = 0;
		int e = 0;
		double v = 0;
		int64_t scaled = 0;
		bool exact = false;
		cr_assert_eq(sfloat_unpack(cases[i].raw, &m, &e), cases[i].kind, "0x%04X",
		             cases[i].raw);
		cr_assert_eq(sfloat_to_double(cases[i].raw, &v), cases[i].kind);
		cr_assert(!isfinite(v), "0x%04X must not become a finite number", cases[i].raw);
		cr_assert_eq(sfloat_to_scaled(cases[i].raw, -2, &scaled, &exact), cases[i].kind);
	}
	double v = 0;
	sfloat_to_double(SFLOAT_POS_INF, &v);
	cr_assert(isinf(v) && v > 0);
	sfloat_to_double(SFLOAT_NEG_INF, &v);
	cr_assert(isinf(v) && v < 0);
}

Test(sfloat, special_mantissa_bits_with_another_exponent_are_numbers)
{
	double v = 0;
	cr_assert_eq(sfloat_to_double(0x17FF, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, 20470.0);
	cr_assert_eq(sfloat_to_double(0xF800, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, -204.8);
}

Test(sfloat, encode_picks_the_exact_encoding_with_fewest_decimal_places)
{
	static const struct {
		double v;
		uint16_t raw;
	} cases[] = {
	    {100.0, 0x0064}, {280.0, 0x0118}, {1.5, 0xF00F},     {0.05, 0xE005},
	    {2.5, 0xF019},   {0.0, 0x0000},   {12000.0, 0x14B0}, {-1.0, 0x0FFF},
	    {1.15, 0xE073},  {20.45, 0xE7FD}, {20.47, 0xE7FF},   {-20.48, 0xE800},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint16_t raw = 0;
		bool rounded = true;
		cr_assert_eq(sfloat_encode(cases[i].v, -2, SFLOAT_EXACT_ONLY, &raw, &rounded),
		             BLE_OK, "%g", cases[i].v);
		cr_assert_eq(raw, cases[i].raw, "%g → 0x%04X, want 0x%04X", cases[i].v, raw,
		             cases[i].raw);
		cr_assert(!rounded);
	}
}

Test(sfloat, insulin_amounts_are_never_rounded_up)
{
	uint16_t raw = 0;
	bool rounded = false;
	cr_assert_eq(sfloat_encode(1.239, -2, SFLOAT_EXACT_ONLY, &raw, NULL), BLE_ERR_PRECISION);
	cr_assert_eq(sfloat_encode(1.239, -2, SFLOAT_ROUND_DOWN, &raw, &rounded), BLE_OK);
	cr_assert_eq(raw, 0xE07B, "1.23, got 0x%04X", raw);
	cr_assert(rounded);
	/* 123.45 U does not fit 12 bits at 0.01: the finest that fits is 0.1 → 123.4 */
	cr_assert_eq(sfloat_encode(123.45, -2, SFLOAT_ROUND_DOWN, &raw, &rounded), BLE_OK);
	cr_assert_eq(raw, 0xF4D2, "got 0x%04X", raw);
	cr_assert(rounded);
	cr_assert_eq(sfloat_encode(1.239, -2, SFLOAT_ROUND_NEAREST, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, 0xE07C, "nearest is for measurements: 1.24");
	/* 1.15 / 0.01 is 114.999… in binary: still exactly 1.15, not 1.14 */
	cr_assert_eq(sfloat_encode(1.15, -2, SFLOAT_ROUND_DOWN, &raw, &rounded), BLE_OK);
	cr_assert_eq(raw, 0xE073);
	cr_assert(!rounded);
}

Test(sfloat, unrepresentable_values_are_errors_not_infinities)
{
	uint16_t raw = 0;
	cr_assert_eq(sfloat_encode(3e10, -2, SFLOAT_ROUND_DOWN, &raw, NULL), BLE_ERR_RANGE);
	cr_assert_eq(sfloat_encode(-3e10, -2, SFLOAT_ROUND_NEAREST, &raw, NULL), BLE_ERR_RANGE);
	cr_assert_eq(sfloat_encode(NAN, -2, SFLOAT_EXACT_ONLY, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, SFLOAT_NAN);
	cr_assert_eq(sfloat_encode(INFINITY, 0, SFLOAT_EXACT_ONLY, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, SFLOAT_POS_INF);
	cr_assert_eq(sfloat_encode(-INFINITY, 0, SFLOAT_EXACT_ONLY, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, SFLOAT_NEG_INF);
	/* A number is never encoded onto a special's bits. */
	cr_assert_eq(sfloat_encode(2047, 0, SFLOAT_EXACT_ONLY, &raw, NULL), BLE_ERR_PRECISION);
	cr_assert_eq(sfloat_encode(2047, 0, SFLOAT_ROUND_DOWN, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, 0x10CC, "204·10^1, got 0x%04X", raw);
}

Test(sfloat, scaled_values_truncate_toward_zero_and_say_so)
{
	int64_t v = 0;
	bool exact = true;
	cr_assert_eq(sfloat_to_scaled(0xD07D, -2, &v, &exact), IEEE11073_NUMBER);
	cr_assert_eq(v, 12);
	cr_assert(!exact);
	cr_assert_eq(sfloat_to_scaled(0x0FFF, -2, &v, &exact), IEEE11073_NUMBER);
	cr_assert_eq(v, -100);
	cr_assert(exact);
	cr_assert_eq(sfloat_to_scaled(0x77FD, -2, &v, &exact), IEEE11073_NUMBER);
	cr_assert_eq(v, 2045000000000LL);
}

/* Every raw number decodes, re-encodes exactly and decodes to the same value. */
Test(sfloat, every_number_round_trips)
{
	for (uint32_t raw = 0; raw <= 0xFFFF; raw++) {
		double v = 0;
		if (sfloat_to_double((uint16_t)raw, &v) != IEEE11073_NUMBER)
			continue;
		uint16_t again = 0;
		cr_assert_eq(sfloat_encode(v, -8, SFLOAT_EXACT_ONLY, &again, NULL), BLE_OK,
		             "0x%04X = %.17g", raw, v);
		double w = 0;
		sfloat_to_double(again, &w);
		cr_assert_eq(v, w, "0x%04X → %.17g → 0x%04X → %.17g", raw, v, again, w);
	}
}

Test(float11073, specials_round_trip_and_numbers)
{
	double v = 0;
	cr_assert_eq(float11073_to_double(FLOAT11073_NAN, &v), IEEE11073_NAN);
	cr_assert_eq(float11073_to_double(FLOAT11073_NRES, &v), IEEE11073_NRES);
	cr_assert_eq(float11073_to_double(FLOAT11073_POS_INF, &v), IEEE11073_POS_INF);
	cr_assert_eq(float11073_to_double(FLOAT11073_NEG_INF, &v), IEEE11073_NEG_INF);
	cr_assert_eq(float11073_to_double(FLOAT11073_RESERVED, &v), IEEE11073_RESERVED);
	uint32_t raw = 0;
	cr_assert_eq(float11073_encode(12345.67, -2, SFLOAT_EXACT_ONLY, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, 0xFE12D687u, "1234567·10^-2, got 0x%08X", raw);
	cr_assert_eq(float11073_to_double(raw, &v), IEEE11073_NUMBER);
	cr_assert_eq(v, 12345.67);
	cr_assert_eq(float11073_encode(0.019, -2, SFLOAT_ROUND_DOWN, &raw, NULL), BLE_OK);
	cr_assert_eq(raw, 0xFE000001u);
}

/* ---------------------------------------------------------------------------------- */
/* CRC and E2E                                                                         */
/* ---------------------------------------------------------------------------------- */

Test(crc, mcrf4xx_check_value)
{
	cr_assert_eq(crc16_mcrf4xx((const uint8_t *)"123456789", 9), 0x6F91);
	cr_assert_eq(crc16_mcrf4xx(NULL, 0), 0xFFFF, "init 0xFFFF, no final XOR");
	uint16_t part = crc16_mcrf4xx((const uint8_t *)"1234", 4);
	cr_assert_eq(crc16_mcrf4xx_update(part, (const uint8_t *)"56789", 5), 0x6F91);
}

Test(e2e, seal_appends_counter_then_crc_over_everything_before_it)
{
	ids_e2e_link link;
	ids_e2e_link_reset(&link);
	uint8_t buf[16];
	size_t len = ble_test_hex("5A 0F 55", buf, sizeof buf);
	cr_assert_eq(ids_e2e_seal(&link.tx[IDS_E2E_COMMAND_CP], buf, len, sizeof buf, &len),
	             BLE_OK);
	ble_test_assert_hex(buf, len, "5A 0F 55 01 98 FC");
	cr_assert_eq(ids_e2e_seal(&link.tx[IDS_E2E_COMMAND_CP], buf, 3, 5, &len), BLE_ERR_NO_SPACE);
	cr_assert_eq(link.tx[IDS_E2E_COMMAND_CP].last, 1, "a refused seal leaves the counter");
}

Test(e2e, counter_machine_accepts_only_the_next_value)
{
	e2e_counter tx = {0}, rx = {0};
	uint8_t pdu[3][8];
	size_t len[3];
	for (int i = 0; i < 3; i++) {
		size_t n = ble_test_hex("30 03", pdu[i], sizeof pdu[i]);
		cr_assert_eq(ids_e2e_seal(&tx, pdu[i], n, sizeof pdu[i], &len[i]), BLE_OK);
		cr_assert_eq(pdu[i][2], i + 1, "the first PDU carries 1");
	}
	size_t payload = 0;
	cr_assert_eq(ids_e2e_check(&rx, pdu[0], len[0], 2, &payload), E2E_OK);
	cr_assert_eq(payload, 2);
	/* skipping PDU 2 */
	cr_assert_eq(ids_e2e_check(&rx, pdu[2], len[2], 2, &payload), E2E_INVALID_COUNTER);
	cr_assert_eq(rx.last, 1, "a refused PDU does not move the counter");
	cr_assert_eq(ids_e2e_check(&rx, pdu[1], len[1], 2, &payload), E2E_OK);
	/* replay of PDU 2 (stale counter, valid CRC): docs/ble-threats.md R1/R2 */
	cr_assert_eq(ids_e2e_check(&rx, pdu[1], len[1], 2, &payload), E2E_INVALID_COUNTER);
	cr_assert_eq(ids_e2e_check(&rx, pdu[2], len[2], 2, &payload), E2E_OK);
	cr_assert_eq(rx.last, 3);
}

Test(e2e, counter_wraps_from_255_to_1_and_never_uses_0)
{
	cr_assert_eq(e2e_counter_next_value(0), 1);
	cr_assert_eq(e2e_counter_next_value(254), 255);
	cr_assert_eq(e2e_counter_next_value(255), 1);
	e2e_counter tx = {254}, rx = {254};
	uint8_t b[8];
	size_t len = 0, payload = 0;
	for (int i = 0; i < 3; i++) {
		size_t n = ble_test_hex("C0 03", b, sizeof b);
		ids_e2e_seal(&tx, b, n, sizeof b, &len);
		cr_assert_neq(b[2], 0);
		cr_assert_eq(ids_e2e_check(&rx, b, len, 2, &payload), E2E_OK, "step %d", i);
	}
	cr_assert_eq(rx.last, 2);
	/* counter 0 is never accepted, even after a reset */
	e2e_counter_reset(&rx);
	size_t n = ble_test_hex("C0 03 00", b, sizeof b);
	uint16_t crc = crc16_mcrf4xx(b, n);
	b[n] = (uint8_t)(crc & 0xFF);
	b[n + 1] = (uint8_t)(crc >> 8);
	cr_assert_eq(ids_e2e_check(&rx, b, n + 2, 2, &payload), E2E_INVALID_COUNTER);
}

Test(e2e, failures_are_distinct_att_errors_0x80_0x81_0x82)
{
	e2e_counter rx = {0};
	uint8_t b[16];
	size_t payload = 0;
	/* I2: E2E on but the tail missing: 3 bytes short → 0x80 */
	size_t n = ble_test_hex("4B 11 00 33 19 F0 00 00 00 00", b, sizeof b);
	cr_assert_eq(ids_e2e_check(&rx, b, 4, 2, &payload), E2E_MISSING_CRC);
	cr_assert_eq(ids_e2e_check(&rx, b, 0, 2, &payload), E2E_MISSING_CRC);
	cr_assert_eq(e2e_result_att_error(E2E_MISSING_CRC), 0x80);
	/* I1: valid Set Bolus with a bad CRC → 0x81 */
	n = ble_test_hex("4B 11 00 33 19 F0 00 00 00 00 01 C0 C4", b, sizeof b);
	cr_assert_eq(ids_e2e_check(&rx, b, n, 2, &payload), E2E_INVALID_CRC);
	cr_assert_eq(e2e_result_att_error(E2E_INVALID_CRC), 0x81);
	/* wrong counter → 0x82 */
	n = ble_test_hex("4B 11 00 33 19 F0 00 00 00 00 02 C0 C3", b, sizeof b);
	cr_assert_eq(ids_e2e_check(&rx, b, n, 2, &payload), E2E_INVALID_COUNTER);
	cr_assert_eq(e2e_result_att_error(E2E_INVALID_COUNTER), 0x82);
	cr_assert_eq(rx.last, 0);
	/* the same PDU, right: accepted */
	n = ble_test_hex("4B 11 00 33 19 F0 00 00 00 00 01 C0 C3", b, sizeof b);
	cr_assert_eq(ids_e2e_check(&rx, b, n, 2, &payload), E2E_OK);
	cr_assert_eq(payload, 10);
	cr_assert_eq(e2e_result_att_error(E2E_OK), 0);
}

Test(e2e, tampered_byte_is_an_invalid_crc)
{
	e2e_counter tx = {0}, rx = {0};
	uint8_t b[16];
	size_t n = ble_test_hex("4B 11 00 33 19 F0 00 00 00 00", b, sizeof b), len = 0, payload = 0;
	ids_e2e_seal(&tx, b, n, sizeof b, &len);
	b[4] ^= 0x10; /* 2.5 U → more */
	cr_assert_eq(ids_e2e_check(&rx, b, len, 2, &payload), E2E_INVALID_CRC);
}

Test(e2e, cgms_crc_has_no_counter)
{
	uint8_t b[8];
	size_t n = ble_test_hex("1C 1A 01", b, sizeof b), len = 0, payload = 0;
	cr_assert_eq(cgms_e2e_seal(b, n, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "1C 1A 01 6D 60");
	cr_assert_eq(cgms_e2e_check(b, len, 1, &payload), E2E_OK);
	cr_assert_eq(payload, 3);
	cr_assert_eq(cgms_e2e_check(b, 2, 1, &payload), E2E_MISSING_CRC);
	b[1] = 0x1B;
	cr_assert_eq(cgms_e2e_check(b, len, 1, &payload), E2E_INVALID_CRC);
}

Test(e2e, link_reset_restarts_every_counter)
{
	ids_e2e_link l;
	ids_e2e_link_reset(&l);
	l.rx[IDS_E2E_COMMAND_CP].last = 7;
	l.tx[IDS_E2E_HISTORY].last = 9;
	ids_e2e_link_reset(&l);
	for (int i = 0; i < IDS_E2E_CHANNEL_COUNT; i++)
		cr_assert(l.rx[i].last == 0 && l.tx[i].last == 0);
}

/* ---------------------------------------------------------------------------------- */
/* Hamming tables                                                                      */
/* ---------------------------------------------------------------------------------- */

static int popcount16(unsigned v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

Test(hamming, code_word_tables_keep_distance_4_and_a_bit_flip_is_never_valid)
{
	const ids_code_table *tables[] = {
	    &ids_tcs_table,
	    &ids_opstate_table,
	    &ids_bolus_type_table,
	    &ids_bolus_value_selection_table,
	    &ids_activation_type_table,
	    &ids_tbr_type_table,
	    &ids_delivery_context_table,
	    &ids_template_type_table,
	    &ids_annunciation_type_table,
	    &ids_annunciation_status_table,
	    &ids_counter_type_table,
	    &ids_counter_selection_table,
	    &ids_history_event_table,
	    &ids_ccp_opcode_table,
	    &ids_srcp_opcode_table,
	    &ids_racp_opcode_table,
	    &ids_racp_operator_table,
	    &ids_racp_filter_table,
	};
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		const ids_code_table *tab = tables[t];
		for (size_t i = 0; i < tab->count; i++) {
			for (size_t j = i + 1; j < tab->count; j++)
				cr_assert_geq(popcount16(tab->codes[i].value ^ tab->codes[j].value),
				              4, "%s: %s 0x%04X vs %s 0x%04X", tab->name,
				              tab->codes[i].name, tab->codes[i].value,
				              tab->codes[j].name, tab->codes[j].value);
			for (int bit = 0; bit < 16; bit++) {
				uint16_t flipped = (uint16_t)(tab->codes[i].value ^ (1u << bit));
				cr_assert_null(ids_code_name(tab, flipped), "%s: 0x%04X", tab->name,
				               flipped);
			}
		}
	}
}

Test(hamming, lookup_says_not_a_valid_code)
{
	cr_assert_str_eq(ids_code_name(&ids_bolus_type_table, 0x33), "fast");
	cr_assert_null(ids_code_name(&ids_bolus_type_table, 0x34));
	cr_assert_null(ids_code_name(&ids_tbr_type_table, 0x00));
	cr_assert(ids_code_valid(&ids_rc_table, 0x76));
	cr_assert(!ids_code_valid(&ids_srcp_rc_table, 0x75), "0x75 is Command CP only");
	cr_assert(!ids_code_valid(&ids_ccp_opcode_table, 0x148E), "vendor opcode");
}

/* ---------------------------------------------------------------------------------- */
/* IDS values                                                                          */
/* ---------------------------------------------------------------------------------- */

Test(ids_features, decodes_the_780G_vector)
{
	uint8_t b[16];
	size_t n = ble_test_hex("ff ff 00 64 00 fe de 80 1f", b, sizeof b);
	ids_features f;
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_OK);
	cr_assert_eq(f.e2e_crc, 0xFFFF, "E2E-CRC unused");
	cr_assert_eq(f.e2e_counter, 0);
	cr_assert_eq(f.insulin_concentration_iu_per_ml, 100.0);
	cr_assert_eq(f.flags, 0x80DEFE);
	cr_assert(!(f.flags & IDS_FEAT_E2E));
	cr_assert(f.flags & IDS_FEAT_EXTENSION);
	cr_assert_eq(f.ext_len, 1);
	cr_assert_eq(f.ext[0], 0x1F);
	uint8_t out[16];
	size_t len = 0;
	cr_assert_eq(ids_features_encode(&f, out, sizeof out, &len), BLE_OK);
	ble_test_assert_hex(out, len, "ff ff 00 64 00 fe de 80 1f");
}

Test(ids_features, e2e_crc_covers_the_bytes_after_it)
{
	ids_server_profile p;
	ids_server_profile_defaults(&p);
	ids_features f;
	ids_features_from_profile(&p, &f);
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(ids_features_encode(&f, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "52 4F 01 64 00 EF 80 00");
	ids_features d;
	cr_assert_eq(ids_features_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.flags, p.features);
	b[6] ^= 0x01; /* b8 Bolus Delay: the CRC no longer matches */
	cr_assert_eq(ids_features_decode(b, len, &d), BLE_ERR_CRC);
}

Test(ids_features, malformed_values_are_refused)
{
	uint8_t b[16];
	ids_features f;
	size_t n = ble_test_hex("ff ff 01 64 00 fe de 00", b, sizeof b);
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_ERR_RESERVED, "counter with E2E off");
	n = ble_test_hex("ff ff 00 64 00 fe de 80", b, sizeof b);
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_ERR_LENGTH, "extension octet missing");
	n = ble_test_hex("ff ff 00 64 00 fe de 80 9f", b, sizeof b);
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_ERR_LENGTH, "announced 2nd extension");
	n = ble_test_hex("ff ff 00 64 00 fe de 00 1f", b, sizeof b);
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_ERR_LENGTH, "trailing byte");
	n = ble_test_hex("ff ff 00 64 00 fe de 01", b, sizeof b);
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_ERR_RESERVED, "RFU flag b16");
	n = ble_test_hex("ff ff 00 01 08 fe de 00", b, sizeof b);
	cr_assert_eq(ids_features_decode(b, n, &f), BLE_ERR_RESERVED, "reserved SFLOAT");
}

Test(ids_status, encodes_reservoir_rounded_down_and_decodes_strictly)
{
	ids_status s = {IDS_TCS_RUN, IDS_OPSTATE_READY, 123.45, true};
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(ids_status_encode(&s, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "55 96 D2 F4 01");
	ids_status d;
	cr_assert_eq(ids_status_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.reservoir_u, 123.4);
	cr_assert(d.reservoir_attached);
	size_t n = ble_test_hex("55 97 D2 F4 01", b, sizeof b);
	cr_assert_eq(ids_status_decode(b, n, &d), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("55 96 D2 F4 03", b, sizeof b);
	cr_assert_eq(ids_status_decode(b, n, &d), BLE_ERR_RESERVED);
	n = ble_test_hex("55 96 D2 F4", b, sizeof b);
	cr_assert_eq(ids_status_decode(b, n, &d), BLE_ERR_LENGTH);
	s.therapy_control_state = 0x34;
	cr_assert_eq(ids_status_encode(&s, b, sizeof b, &len), BLE_ERR_INVALID_CODE);
	s.therapy_control_state = IDS_TCS_RUN;
	cr_assert_eq(ids_status_encode(&s, b, 4, &len), BLE_ERR_NO_SPACE);
}

Test(ids_status_changed, server_sets_no_rfu_bit_client_ignores_them)
{
	uint8_t b[4];
	size_t len = 0;
	cr_assert_eq(ids_status_changed_encode(
	                 IDS_SC_THERAPY_CONTROL_STATE | IDS_SC_RESERVOIR_STATUS, b, sizeof b, &len),
	             BLE_OK);
	ble_test_assert_hex(b, len, "05 00");
	cr_assert_eq(ids_status_changed_encode(0x0100, b, sizeof b, &len), BLE_ERR_ARGUMENT);
	uint16_t flags = 0;
	size_t n = ble_test_hex("81 80", b, sizeof b);
	cr_assert_eq(ids_status_changed_decode(b, n, &flags), BLE_OK);
	cr_assert_eq(flags, 0x0081);
	cr_assert_eq(ids_status_changed_decode(b, 1, &flags), BLE_ERR_LENGTH);
}

Test(ids_annunciation, status_is_uint8_and_aux_fields_follow_their_flags)
{
	ids_annunciation_status a = {0};
	a.present = true;
	a.instance_id = 1;
	a.type = IDS_ANN_OCCLUSION_DETECTED;
	a.status = IDS_ANN_STATUS_PENDING;
	a.aux_present = 0x02; /* AuxInfo2 only */
	a.aux[1] = 0x0005;
	uint8_t b[32];
	size_t len = 0;
	cr_assert_eq(ids_annunciation_status_encode(&a, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "05 01 00 3C 00 33 05 00");
	ids_annunciation_status d;
	cr_assert_eq(ids_annunciation_status_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.aux_present, 0x02);
	cr_assert_eq(d.aux[1], 5);
	size_t n = ble_test_hex("00", b, sizeof b);
	cr_assert_eq(ids_annunciation_status_decode(b, n, &d), BLE_OK);
	cr_assert(!d.present);
	n = ble_test_hex("02 05 00", b, sizeof b);
	cr_assert_eq(ids_annunciation_status_decode(b, n, &d), BLE_ERR_RESERVED,
	             "aux without annunciation");
	n = ble_test_hex("01 01 00 3D 00 33", b, sizeof b);
	cr_assert_eq(ids_annunciation_status_decode(b, n, &d), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("01 01 00 0F F0 33", b, sizeof b);
	cr_assert_eq(ids_annunciation_status_decode(b, n, &d), BLE_OK, "vendor type 0xF00F");
	n = ble_test_hex("41 01 00 3C 00 33", b, sizeof b);
	cr_assert_eq(ids_annunciation_status_decode(b, n, &d), BLE_ERR_RESERVED);
	n = ble_test_hex("01 01 00 3C 00 33 00", b, sizeof b);
	cr_assert_eq(ids_annunciation_status_decode(b, n, &d), BLE_ERR_LENGTH);
}

Test(ids_history, record_round_trips_and_checks_the_event_type)
{
	ids_history_event e = {0};
	e.event_type = IDS_EV_REFERENCE_TIME;
	e.sequence_number = 0x01020304;
	e.relative_offset_s = 0;
	e.data_len = ble_test_hex("33 E8 07 03 0A 08 1E 00 04 00", e.data, sizeof e.data);
	uint8_t b[32];
	size_t len = 0;
	cr_assert_eq(ids_history_encode(&e, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "0F 00 04 03 02 01 00 00 33 E8 07 03 0A 08 1E 00 04 00");
	ids_history_event d;
	cr_assert_eq(ids_history_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.sequence_number, 0x01020304);
	cr_assert_eq(d.data_len, 10);
	b[0] = 0x0E;
	cr_assert_eq(ids_history_decode(b, len, &d), BLE_ERR_INVALID_CODE);
	cr_assert_eq(ids_history_decode(b, 7, &d), BLE_ERR_LENGTH);
}

/* ---------------------------------------------------------------------------------- */
/* IDD Command Control Point requests                                                  */
/* ---------------------------------------------------------------------------------- */

typedef enum profile_kind { P_DEFAULT, P_FULL, P_MINIMAL } profile_kind;

static void profile(profile_kind k, ids_server_profile *p)
{
	ids_server_profile_defaults(p);
	if (k == P_FULL) {
		p->features |= IDS_FEAT_TBR_TEMPLATE | IDS_FEAT_BOLUS_DELAY |
		               IDS_FEAT_BOLUS_TEMPLATE | IDS_FEAT_BOLUS_ACTIVATION_TYPE |
		               IDS_FEAT_ISF_TEMPLATE | IDS_FEAT_I2CHO_TEMPLATE |
		               IDS_FEAT_TARGET_GLUCOSE_TEMPLATE;
		p->templates[IDS_TK_BASAL] = (ids_template_range){1, 3};
		p->templates[IDS_TK_TBR] = (ids_template_range){4, 2};
		p->templates[IDS_TK_BOLUS] = (ids_template_range){6, 2};
		p->templates[IDS_TK_ISF] = (ids_template_range){8, 1};
		p->templates[IDS_TK_I2CHO] = (ids_template_range){9, 1};
		p->templates[IDS_TK_TARGET_GLUCOSE] = (ids_template_range){10, 1};
		p->max_bolus_delay_min = 120;
	} else if (k == P_MINIMAL) {
		p->features = IDS_FEAT_FAST_BOLUS;
		p->templates[IDS_TK_BASAL] = (ids_template_range){0, 0};
	}
}

/* The collector's encoder writes a command the decoder reads back to the same bytes (the
 * phone may choose another SFLOAT encoding of the same value: compare after one trip). */
static void assert_command_idempotent(const ids_server_profile *p, const ids_command *cmd,
                                      const char *what)
{
	uint8_t once[64], twice[64];
	size_t len1 = 0, len2 = 0;
	ids_command again;
	cr_assert_eq(ids_command_encode(cmd, once, sizeof once, &len1), BLE_OK, "%s", what);
	cr_assert_eq(ids_command_decode(p, once, len1, &again), IDS_RC_SUCCESS, "%s", what);
	cr_assert_eq(ids_command_encode(&again, twice, sizeof twice, &len2), BLE_OK, "%s", what);
	cr_assert(len1 == len2 && memcmp(once, twice, len1) == 0, "%s: not idempotent", what);
}

/* Parameters are copied into each test's process (Criterion may exec a fresh, relocated
 * image): strings live inside the struct, never behind a pointer. */
struct cp_case {
	char name[64];
	profile_kind profile;
	char pdu[96];
	int rc;
};

static void run_ccp_case(const struct cp_case *c)
{
	ids_server_profile p;
	profile(c->profile, &p);
	uint8_t b[64];
	size_t n = ble_test_hex(c->pdu, b, sizeof b);
	ids_command cmd;
	ids_rc rc = ids_command_decode(&p, b, n, &cmd);
	cr_assert_eq(rc, c->rc, "%s: [%s] → 0x%02X, want 0x%02X", c->name, c->pdu, rc, c->rc);
	if (n >= 2)
		cr_assert_eq(cmd.opcode, b[0] | (b[1] << 8), "%s: the response names the request",
		             c->name);
	else
		cr_assert_eq(cmd.opcode, 0);
	if (rc == IDS_RC_SUCCESS)
		assert_command_idempotent(&p, &cmd, c->name);
}

#define OK IDS_RC_SUCCESS
#define NOT_SUPPORTED IDS_RC_OPCODE_NOT_SUPPORTED
#define INVALID IDS_RC_INVALID_OPERAND
#define RANGE IDS_RC_PARAMETER_OUT_OF_RANGE
#define NOT_APPLICABLE IDS_RC_PROCEDURE_NOT_APPLICABLE
#define PLAUSIBILITY IDS_RC_PLAUSIBILITY_CHECK_FAILED

ParameterizedTestParameters(IDS_CCP, request)
{
	static struct cp_case cases[] = {
	    /* Set Therapy Control State 0x0F5A */
	    {"set_tcs_run", P_DEFAULT, "5A 0F 55", OK},
	    {"set_tcs_pause", P_DEFAULT, "5A 0F 3C", OK},
	    {"set_tcs_stop", P_DEFAULT, "5A 0F 33", OK},
	    {"set_tcs_undetermined", P_DEFAULT, "5A 0F 0F", INVALID},
	    {"set_tcs_bit_flip", P_DEFAULT, "5A 0F 54", INVALID},
	    {"set_tcs_truncated", P_DEFAULT, "5A 0F", INVALID},
	    {"set_tcs_trailing", P_DEFAULT, "5A 0F 55 00", INVALID},
	    /* Set Flight Mode 0x0F66 */
	    {"set_flight_mode", P_DEFAULT, "66 0F", OK},
	    {"set_flight_mode_operand", P_DEFAULT, "66 0F 01", INVALID},
	    /* Snooze / Confirm Annunciation */
	    {"snooze", P_DEFAULT, "69 0F 01 00", OK},
	    {"snooze_truncated", P_DEFAULT, "69 0F 01", INVALID},
	    {"confirm", P_DEFAULT, "99 0F 02 00", OK},
	    {"confirm_truncated", P_DEFAULT, "99 0F", INVALID},
	    {"confirm_trailing", P_DEFAULT, "99 0F 02 00 00", INVALID},
	    /* Read / Write Basal Rate Profile Template */
	    {"read_basal", P_DEFAULT, "AA 0F 01", OK},
	    {"read_basal_unknown_template", P_DEFAULT, "AA 0F 02", RANGE},
	    {"read_basal_truncated", P_DEFAULT, "AA 0F", INVALID},
	    {"write_basal_1_block", P_DEFAULT, "CC 0F 01 01 01 3C 00 14 F0", OK},
	    {"write_basal_3_blocks", P_DEFAULT,
	     "CC 0F 07 01 01 3C 00 14 F0 78 00 0A F0 B4 00 00 00", OK},
	    {"write_basal_third_without_second", P_DEFAULT,
	     "CC 0F 05 01 01 3C 00 14 F0 3C 00 0A F0", INVALID},
	    {"write_basal_rfu_flag", P_DEFAULT, "CC 0F 09 01 01 3C 00 14 F0", INVALID},
	    {"write_basal_length_mismatch", P_DEFAULT, "CC 0F 03 01 01 3C 00 14 F0", INVALID},
	    {"write_basal_index_0", P_DEFAULT, "CC 0F 01 01 00 3C 00 14 F0", RANGE},
	    {"write_basal_past_last_block", P_DEFAULT, "CC 0F 03 01 18 3C 00 14 F0 3C 00 14 F0",
	     RANGE},
	    {"write_basal_duration_0", P_DEFAULT, "CC 0F 01 01 01 00 00 14 F0", RANGE},
	    {"write_basal_rate_nan", P_DEFAULT, "CC 0F 01 01 01 3C 00 FF 07", INVALID},
	    {"write_basal_rate_negative", P_DEFAULT, "CC 0F 01 01 01 3C 00 FF 0F", RANGE},
	    {"write_basal_rate_too_fine", P_DEFAULT, "CC 0F 01 01 01 3C 00 01 D0", RANGE},
	    {"write_basal_template_2", P_FULL, "CC 0F 01 02 01 3C 00 14 F0", OK},
	    {"write_basal_not_supported", P_MINIMAL, "CC 0F 01 01 01 3C 00 14 F0", NOT_APPLICABLE},
	    /* Set TBR Adjustment 0x0FFF */
	    {"set_tbr_absolute", P_DEFAULT, "FF 0F 00 33 14 F0 3C 00", OK},
	    {"set_tbr_absolute_zero", P_DEFAULT, "FF 0F 00 33 00 00 3C 00", OK},
	    {"set_tbr_relative", P_DEFAULT, "FF 0F 00 3C 96 00 3C 00", OK},
	    {"set_tbr_relative_over_max", P_DEFAULT, "FF 0F 00 3C FB 00 3C 00", RANGE},
	    {"set_tbr_relative_2000pct", P_DEFAULT, "FF 0F 00 3C D0 07 3C 00", RANGE},
	    {"set_tbr_relative_fraction", P_DEFAULT, "FF 0F 00 3C E1 F5 3C 00", RANGE},
	    {"set_tbr_absolute_negative", P_DEFAULT, "FF 0F 00 33 FF 0F 3C 00", RANGE},
	    {"set_tbr_duration_0", P_DEFAULT, "FF 0F 00 33 14 F0 00 00", RANGE},
	    {"set_tbr_duration_overflow", P_DEFAULT, "FF 0F 00 33 14 F0 A1 05", RANGE},
	    {"set_tbr_type_undetermined", P_DEFAULT, "FF 0F 00 0F 14 F0 3C 00", INVALID},
	    {"set_tbr_type_0x00", P_DEFAULT, "FF 0F 00 00 14 F0 3C 00", INVALID},
	    {"set_tbr_value_nan", P_DEFAULT, "FF 0F 00 33 FF 07 3C 00", INVALID},
	    {"set_tbr_value_nres", P_DEFAULT, "FF 0F 00 33 00 08 3C 00", INVALID},
	    {"set_tbr_value_pos_inf", P_DEFAULT, "FF 0F 00 33 FE 07 3C 00", INVALID},
	    {"set_tbr_value_neg_inf", P_DEFAULT, "FF 0F 00 33 02 08 3C 00", INVALID},
	    {"set_tbr_value_reserved", P_DEFAULT, "FF 0F 00 33 01 08 3C 00", INVALID},
	    {"set_tbr_rfu_flag", P_DEFAULT, "FF 0F 08 33 14 F0 3C 00", INVALID},
	    {"set_tbr_context", P_DEFAULT, "FF 0F 02 33 14 F0 3C 00 3C", OK},
	    {"set_tbr_context_undetermined", P_DEFAULT, "FF 0F 02 33 14 F0 3C 00 0F", INVALID},
	    {"set_tbr_context_missing", P_DEFAULT, "FF 0F 02 33 14 F0 3C 00", INVALID},
	    {"set_tbr_change", P_DEFAULT, "FF 0F 04 33 14 F0 3C 00", OK},
	    {"set_tbr_template_unsupported", P_DEFAULT, "FF 0F 01 33 14 F0 3C 00 04",
	     NOT_APPLICABLE},
	    {"set_tbr_template", P_FULL, "FF 0F 01 33 14 F0 3C 00 04", OK},
	    {"set_tbr_template_and_context_in_order", P_FULL, "FF 0F 03 33 14 F0 3C 00 04 55", OK},
	    {"set_tbr_template_other_kind", P_FULL, "FF 0F 01 33 14 F0 3C 00 06", RANGE},
	    {"set_tbr_relative_unsupported", P_MINIMAL, "FF 0F 00 3C 96 00 3C 00", NOT_APPLICABLE},
	    /* Cancel TBR 0x1111 */
	    {"cancel_tbr", P_DEFAULT, "11 11", OK},
	    {"cancel_tbr_operand", P_DEFAULT, "11 11 00", INVALID},
	    {"cancel_tbr_unsupported", P_MINIMAL, "11 11", NOT_APPLICABLE},
	    /* TBR templates */
	    {"get_tbr_template", P_FULL, "1E 11 04", OK},
	    {"get_tbr_template_unsupported", P_DEFAULT, "1E 11 04", NOT_APPLICABLE},
	    {"get_tbr_template_out_of_range", P_FULL, "1E 11 06", RANGE},
	    {"set_tbr_template", P_FULL, "2D 11 04 33 14 F0 3C 00", OK},
	    {"set_tbr_template_unsupported", P_DEFAULT, "2D 11 04 33 14 F0 3C 00", NOT_APPLICABLE},
	    {"set_tbr_template_wrong_number", P_FULL, "2D 11 01 33 14 F0 3C 00", RANGE},
	    {"set_tbr_template_type_flip", P_FULL, "2D 11 04 32 14 F0 3C 00", INVALID},
	    {"set_tbr_template_truncated", P_FULL, "2D 11 04 33 14 F0 3C", INVALID},
	    /* Set Bolus 0x114B */
	    {"set_bolus_fast", P_DEFAULT, "4B 11 00 33 19 F0 00 00 00 00", OK},
	    {"set_bolus_extended", P_DEFAULT, "4B 11 00 3C 00 00 19 F0 3C 00", OK},
	    {"set_bolus_multiwave", P_DEFAULT, "4B 11 00 55 0A 00 14 00 1E 00", OK},
	    {"set_bolus_meal_and_correction", P_DEFAULT, "4B 11 18 33 19 F0 00 00 00 00", OK},
	    {"set_bolus_delay", P_FULL, "4B 11 01 33 19 F0 00 00 00 00 0F 00", OK},
	    {"set_bolus_template_and_activation", P_FULL, "4B 11 06 33 19 F0 00 00 00 00 06 33",
	     OK},
	    {"set_bolus_delay_then_activation", P_FULL, "4B 11 05 33 19 F0 00 00 00 00 0F 00 3C",
	     OK},
	    {"set_bolus_opcode_only", P_DEFAULT, "4B 11", INVALID},
	    {"set_bolus_cut_inside_sfloat", P_DEFAULT, "4B 11 00 33 19", INVALID},
	    {"set_bolus_trailing_garbage", P_DEFAULT, "4B 11 00 33 19 F0 00 00 00 00 AA", INVALID},
	    {"set_bolus_rfu_flag", P_DEFAULT, "4B 11 20 33 19 F0 00 00 00 00", INVALID},
	    {"set_bolus_type_0x34", P_DEFAULT, "4B 11 00 34 19 F0 00 00 00 00", INVALID},
	    {"set_bolus_type_undetermined", P_DEFAULT, "4B 11 00 0F 19 F0 00 00 00 00", INVALID},
	    {"set_bolus_fast_nan", P_DEFAULT, "4B 11 00 33 FF 07 00 00 00 00", INVALID},
	    {"set_bolus_fast_nres", P_DEFAULT, "4B 11 00 33 00 08 00 00 00 00", INVALID},
	    {"set_bolus_fast_pos_inf", P_DEFAULT, "4B 11 00 33 FE 07 00 00 00 00", INVALID},
	    {"set_bolus_fast_neg_inf", P_DEFAULT, "4B 11 00 33 02 08 00 00 00 00", INVALID},
	    {"set_bolus_fast_reserved", P_DEFAULT, "4B 11 00 33 01 08 00 00 00 00", INVALID},
	    {"set_bolus_extended_nan", P_DEFAULT, "4B 11 00 3C 00 00 FF 07 3C 00", INVALID},
	    {"set_bolus_fast_with_extended_amount", P_DEFAULT, "4B 11 00 33 19 F0 01 00 00 00",
	     INVALID},
	    {"set_bolus_fast_with_duration", P_DEFAULT, "4B 11 00 33 19 F0 00 00 3C 00", INVALID},
	    {"set_bolus_extended_with_fast_amount", P_DEFAULT, "4B 11 00 3C 01 00 19 F0 3C 00",
	     INVALID},
	    {"set_bolus_extended_without_duration", P_DEFAULT, "4B 11 00 3C 00 00 19 F0 00 00",
	     INVALID},
	    {"set_bolus_multiwave_without_duration", P_DEFAULT, "4B 11 00 55 0A 00 14 00 00 00",
	     INVALID},
	    {"set_bolus_zero", P_DEFAULT, "4B 11 00 33 00 00 00 00 00 00", RANGE},
	    {"set_bolus_zero_other_exponent", P_DEFAULT, "4B 11 00 33 00 E0 00 00 00 00", RANGE},
	    {"set_bolus_negative", P_DEFAULT, "4B 11 00 33 FF 0F 00 00 00 00", RANGE},
	    {"set_bolus_finer_than_0_01", P_DEFAULT, "4B 11 00 33 01 D0 00 00 00 00", RANGE},
	    {"set_bolus_1e7_units", P_DEFAULT, "4B 11 00 33 01 70 00 00 00 00", OK},
	    {"set_bolus_1e-8_units", P_DEFAULT, "4B 11 00 33 01 80 00 00 00 00", RANGE},
	    {"set_bolus_multiwave_zero_part", P_DEFAULT, "4B 11 00 55 0A 00 00 00 1E 00", RANGE},
	    {"set_bolus_duration_too_long", P_DEFAULT, "4B 11 00 3C 00 00 19 F0 E1 01", RANGE},
	    {"set_bolus_delay_unsupported", P_DEFAULT, "4B 11 01 33 19 F0 00 00 00 00 0F 00",
	     NOT_APPLICABLE},
	    {"set_bolus_template_unsupported", P_DEFAULT, "4B 11 02 33 19 F0 00 00 00 00 06",
	     NOT_APPLICABLE},
	    {"set_bolus_activation_unsupported", P_DEFAULT, "4B 11 04 33 19 F0 00 00 00 00 33",
	     NOT_APPLICABLE},
	    {"set_bolus_extended_unsupported", P_MINIMAL, "4B 11 00 3C 00 00 19 F0 3C 00",
	     NOT_APPLICABLE},
	    {"set_bolus_delay_too_long", P_FULL, "4B 11 01 33 19 F0 00 00 00 00 79 00", RANGE},
	    {"set_bolus_template_out_of_range", P_FULL, "4B 11 02 33 19 F0 00 00 00 00 09", RANGE},
	    {"set_bolus_activation_flip", P_FULL, "4B 11 04 33 19 F0 00 00 00 00 34", INVALID},
	    {"set_bolus_activation_undetermined", P_FULL, "4B 11 04 33 19 F0 00 00 00 00 0F",
	     INVALID},
	    /* Cancel Bolus 0x1178 */
	    {"cancel_bolus", P_DEFAULT, "78 11 01 00", OK},
	    {"cancel_bolus_truncated", P_DEFAULT, "78 11 01", INVALID},
	    {"cancel_bolus_trailing", P_DEFAULT, "78 11 01 00 00", INVALID},
	    /* Get Available Boluses 0x1188 */
	    {"get_available_boluses", P_DEFAULT, "88 11", OK},
	    {"get_available_boluses_operand", P_DEFAULT, "88 11 00", INVALID},
	    /* Bolus templates */
	    {"get_bolus_template", P_FULL, "BB 11 06", OK},
	    {"get_bolus_template_unsupported", P_DEFAULT, "BB 11 06", NOT_APPLICABLE},
	    {"set_bolus_template", P_FULL, "DD 11 06 00 33 19 F0 00 00 00 00", OK},
	    {"set_bolus_template_delay", P_FULL, "DD 11 06 01 33 19 F0 00 00 00 00 0F 00", OK},
	    {"set_bolus_template_rfu_flag", P_FULL, "DD 11 06 08 33 19 F0 00 00 00 00", INVALID},
	    {"set_bolus_template_nan", P_FULL, "DD 11 06 00 33 FF 07 00 00 00 00", INVALID},
	    {"set_bolus_template_wrong_number", P_FULL, "DD 11 04 00 33 19 F0 00 00 00 00", RANGE},
	    {"set_bolus_template_unsupported", P_DEFAULT, "DD 11 06 00 33 19 F0 00 00 00 00",
	     NOT_APPLICABLE},
	    /* Template status, reset, activate */
	    {"get_template_status", P_DEFAULT, "EE 11", OK},
	    {"reset_template_status", P_FULL, "1D 12 02 01 06", OK},
	    {"reset_template_status_count_0", P_FULL, "1D 12 00", INVALID},
	    {"reset_template_status_count_mismatch", P_FULL, "1D 12 02 01", INVALID},
	    {"reset_template_status_unknown", P_FULL, "1D 12 01 63", RANGE},
	    {"reset_template_status_no_templates", P_MINIMAL, "1D 12 01 01", NOT_APPLICABLE},
	    {"activate_templates", P_DEFAULT, "2E 12 01 01", OK},
	    {"activate_templates_unknown", P_DEFAULT, "2E 12 01 02", RANGE},
	    {"get_activated_templates", P_DEFAULT, "48 12", OK},
	    /* Priming, reservoir */
	    {"start_priming", P_DEFAULT, "7B 12 32 E0", OK},
	    {"start_priming_nan", P_DEFAULT, "7B 12 FF 07", INVALID},
	    {"start_priming_zero", P_DEFAULT, "7B 12 00 00", RANGE},
	    {"start_priming_truncated", P_DEFAULT, "7B 12 32", INVALID},
	    {"stop_priming", P_DEFAULT, "84 12", OK},
	    {"set_reservoir_fill_level", P_DEFAULT, "8B 12 2C 01", OK},
	    {"set_reservoir_fill_level_neg_inf", P_DEFAULT, "8B 12 02 08", INVALID},
	    {"set_reservoir_fill_level_negative", P_DEFAULT, "8B 12 D4 0E", RANGE},
	    {"reset_reservoir_operation_time", P_DEFAULT, "B7 12", OK},
	    /* ISF, I2CHO, target glucose range templates */
	    {"read_isf", P_FULL, "B8 12 08", OK},
	    {"read_isf_unsupported", P_DEFAULT, "B8 12 08", NOT_APPLICABLE},
	    {"write_isf", P_FULL, "DE 12 01 08 01 3C 00 32 00", OK},
	    {"write_isf_zero", P_FULL, "DE 12 01 08 01 3C 00 00 00", RANGE},
	    {"write_isf_unsupported", P_DEFAULT, "DE 12 01 08 01 3C 00 32 00", NOT_APPLICABLE},
	    {"read_i2cho", P_FULL, "ED 12 09", OK},
	    {"write_i2cho", P_FULL, "1B 14 01 09 01 3C 00 0A 00", OK},
	    {"read_target_glucose", P_FULL, "28 14 0A", OK},
	    {"write_target_glucose", P_FULL, "4E 14 01 0A 01 3C 00 50 00 8C 00", OK},
	    {"write_target_glucose_2_blocks", P_FULL,
	     "4E 14 03 0A 01 3C 00 50 00 8C 00 78 00 5A 00 A0 00", OK},
	    {"write_target_glucose_lower_above_upper", P_FULL, "4E 14 01 0A 01 3C 00 8C 00 50 00",
	     PLAUSIBILITY},
	    {"write_target_glucose_third_block_flag", P_FULL, "4E 14 05 0A 01 3C 00 50 00 8C 00",
	     INVALID},
	    {"write_target_glucose_upper_inf", P_FULL, "4E 14 01 0A 01 3C 00 50 00 FE 07", INVALID},
	    /* Max bolus */
	    {"get_max_bolus", P_DEFAULT, "7D 14", OK},
	    {"set_max_bolus", P_DEFAULT, "8D 14 0A 00", OK},
	    {"set_max_bolus_zero", P_DEFAULT, "8D 14 00 00", RANGE},
	    {"set_max_bolus_pos_inf", P_DEFAULT, "8D 14 FE 07", INVALID},
	    {"set_max_bolus_trailing", P_DEFAULT, "8D 14 0A 00 00", INVALID},
	    /* Op codes that are not requests (I5) */
	    {"response_code_written", P_DEFAULT, "55 0F 4B 11 0F", NOT_SUPPORTED},
	    {"set_bolus_response_written", P_DEFAULT, "77 11 01 00", NOT_SUPPORTED},
	    {"set_bolus_bit_flip", P_DEFAULT, "4A 11 00 33 19 F0 00 00 00 00", NOT_SUPPORTED},
	    {"vendor_opcode_0x148E", P_DEFAULT, "8E 14", NOT_SUPPORTED},
	    {"zero_opcode", P_DEFAULT, "00 00", NOT_SUPPORTED},
	    {"single_byte", P_DEFAULT, "4B", NOT_SUPPORTED},
	    {"empty", P_DEFAULT, "", NOT_SUPPORTED},
	};
	return cr_make_param_array(struct cp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct cp_case *c, IDS_CCP, request)
{
	run_ccp_case(c);
}

Test(IDS_CCP, set_bolus_maps_onto_the_pump_request)
{
	ids_server_profile p;
	profile(P_FULL, &p);
	uint8_t b[32];
	size_t n = ble_test_hex("4B 11 05 55 19 F0 14 00 1E 00 0F 00 3C", b, sizeof b);
	ids_command c;
	cr_assert_eq(ids_command_decode(&p, b, n, &c), IDS_RC_SUCCESS);
	const ids_set_bolus *s = &c.u.set_bolus;
	cr_assert_eq(s->type, IDS_BOLUS_MULTIWAVE);
	cr_assert_eq(s->fast_u, 2.5);
	cr_assert_eq(s->extended_u, 20.0);
	cr_assert_eq(s->duration_min, 30);
	cr_assert_eq(s->delay_min, 15);
	cr_assert_eq(s->activation_type, IDS_ACTIVATION_RECOMMENDED,
	             "read after delay, not at a "
	             "fixed offset");
}

Test(IDS_CCP, set_tbr_and_amounts_decode_to_units)
{
	ids_server_profile p;
	profile(P_DEFAULT, &p);
	uint8_t b[32];
	ids_command c;
	size_t n = ble_test_hex("FF 0F 00 3C 96 00 3C 00", b, sizeof b);
	cr_assert_eq(ids_command_decode(&p, b, n, &c), IDS_RC_SUCCESS);
	cr_assert_eq(c.u.set_tbr.type, IDS_TBR_RELATIVE);
	cr_assert_eq(c.u.set_tbr.value, 150.0);
	cr_assert_eq(c.u.set_tbr.duration_min, 60);
	n = ble_test_hex("FF 0F 00 33 7B E0 1E 00", b, sizeof b);
	cr_assert_eq(ids_command_decode(&p, b, n, &c), IDS_RC_SUCCESS);
	cr_assert_eq(c.u.set_tbr.value, 1.23);
	n = ble_test_hex("7B 12 32 E0", b, sizeof b);
	cr_assert_eq(ids_command_decode(&p, b, n, &c), IDS_RC_SUCCESS);
	cr_assert_eq(c.u.amount_u, 0.5);
	n = ble_test_hex("5A 0F 3C", b, sizeof b);
	cr_assert_eq(ids_command_decode(&p, b, n, &c), IDS_RC_SUCCESS);
	cr_assert_eq(c.u.therapy_control_state, IDS_TCS_PAUSE);
}

Test(IDS_CCP, phone_encoder_refuses_amounts_it_cannot_send_exactly)
{
	ids_command c = {0};
	c.opcode = IDS_CCP_SET_BOLUS;
	c.u.set_bolus.type = IDS_BOLUS_FAST;
	c.u.set_bolus.fast_u = 1.005;
	uint8_t b[32];
	size_t len = 0;
	cr_assert_eq(ids_command_encode(&c, b, sizeof b, &len), BLE_ERR_PRECISION);
	c.u.set_bolus.fast_u = 2.5;
	cr_assert_eq(ids_command_encode(&c, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "4B 11 00 33 19 F0 00 00 00 00");
	cr_assert_eq(ids_command_encode(&c, b, 9, &len), BLE_ERR_NO_SPACE);
	c.opcode = IDS_CCP_SET_BOLUS_RESPONSE;
	cr_assert_eq(ids_command_encode(&c, b, sizeof b, &len), BLE_ERR_INVALID_CODE);
}

/* ---------------------------------------------------------------------------------- */
/* IDD Command Control Point responses and Command Data                                */
/* ---------------------------------------------------------------------------------- */

Test(IDS_CCP, captured_780G_response_decodes)
{
	uint8_t b[8];
	size_t n = ble_test_hex("55 0F 8E 14 0F", b, sizeof b);
	ids_ccp_response r;
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_OK);
	cr_assert_eq(r.opcode, IDS_CCP_RESPONSE_CODE);
	cr_assert_eq(r.u.response_code.request_opcode, 0x148E);
	cr_assert(!ids_code_valid(&ids_ccp_opcode_table, 0x148E),
	          "0x148E is a vendor (Medtronic) request opcode, not Set Max Bolus 0x148D");
	cr_assert_eq(r.u.response_code.code, IDS_RC_SUCCESS);
	uint8_t out[8];
	size_t len = 0;
	cr_assert_eq(ids_ccp_response_encode(&r, out, sizeof out, &len), BLE_OK);
	ble_test_assert_hex(out, len, "55 0F 8E 14 0F");
}

Test(IDS_CCP, response_code_values_are_table_checked)
{
	uint8_t b[8];
	ids_ccp_response r;
	size_t n = ble_test_hex("55 0F 4B 11 77", b, sizeof b);
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("55 0F 4B 11", b, sizeof b);
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_ERR_LENGTH);
	ids_ccp_response_code(IDS_CCP_SET_BOLUS, IDS_RC_MAX_BOLUS_NUMBER_REACHED, &r);
	size_t len = 0;
	cr_assert_eq(ids_ccp_response_encode(&r, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "55 0F 4B 11 76");
	r.u.response_code.code = 0x77;
	cr_assert_eq(ids_ccp_response_encode(&r, b, sizeof b, &len), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("4B 11 00", b, sizeof b);
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_ERR_INVALID_CODE, "a request");
}

struct resp_case {
	char name[64];
	char pdu[96];
};

ParameterizedTestParameters(IDS_CCP, response_round_trip)
{
	static struct resp_case cases[] = {
	    {"set_bolus_response", "77 11 01 00"},
	    {"cancel_bolus_response", "87 11 01 00"},
	    {"snooze_response", "96 0F 05 00"},
	    {"confirm_response", "A5 0F 05 00"},
	    {"write_basal_response", "F0 0F 01 01 01"},
	    {"write_isf_response", "E2 12 00 08 01"},
	    {"write_i2cho_response", "27 14 01 09 01"},
	    {"write_target_glucose_response", "72 14 01 0A 01"},
	    {"get_tbr_template_response", "22 11 04 33 02 00 3C 00"},
	    {"set_tbr_template_response", "44 11 04"},
	    {"get_available_boluses_response", "B4 11 07"},
	    {"get_bolus_template_response", "D2 11 06 01 33 19 F0 00 00 00 00 0F 00"},
	    {"set_bolus_template_response", "E1 11 06"},
	    {"reset_template_status_response", "21 12 02 01 06"},
	    {"activate_templates_response", "47 12 01 01"},
	    {"get_activated_templates_response_none", "74 12 00"},
	    {"get_max_bolus_response", "82 14 19 00"},
	    {"read_basal_template_data", "C3 0F 01 01 01 3C 00 02 00 78 00 01 00"},
	    {"read_isf_template_data", "D1 12 00 08 01 3C 00 32 00"},
	    {"read_i2cho_template_data", "14 14 00 09 01 3C 00 0A 00"},
	    {"read_target_glucose_template_data",
	     "41 14 01 0A 01 3C 00 50 00 8C 00 3C 00 5A 00 A0 00"},
	    {"template_status_data", "12 12 33 01 05 18 57 02"},
	    {"response_code", "55 0F 4B 11 73"},
	};
	return cr_make_param_array(struct resp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct resp_case *c, IDS_CCP, response_round_trip)
{
	uint8_t b[64], out[64];
	size_t n = ble_test_hex(c->pdu, b, sizeof b), len = 0;
	ids_ccp_response r;
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_OK, "%s", c->name);
	cr_assert_eq(ids_ccp_response_encode(&r, out, sizeof out, &len), BLE_OK, "%s", c->name);
	cr_assert(len == n && memcmp(out, b, n) == 0, "%s: re-encoded differently", c->name);
	for (size_t cut = 0; cut < n; cut++)
		cr_assert_neq(ids_ccp_response_decode(b, cut, &r), BLE_OK, "%s cut at %zu", c->name,
		              cut);
}

Test(IDS_CCP, template_status_unpacks_bit_pairs)
{
	uint8_t b[16];
	size_t n = ble_test_hex("12 12 33 01 05 18 57 02", b, sizeof b);
	ids_ccp_response r;
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_OK);
	cr_assert(ids_ccp_opcode_is_command_data(r.opcode));
	/* 0x57 = pairs 11 01 01 01 (LSB first): T1 configurable + configured, T2–T4
	 * configurable; 0x02: T5 configured only */
	cr_assert_eq(r.u.template_status.configurable, 0x0F);
	cr_assert_eq(r.u.template_status.configured, 0x11);
	n = ble_test_hex("12 12 33 01 05 18 57 06", b, sizeof b);
	cr_assert_eq(ids_ccp_response_decode(b, n, &r), BLE_ERR_RESERVED, "padding bits set");
}

/* ---------------------------------------------------------------------------------- */
/* IDD Status Reader Control Point                                                     */
/* ---------------------------------------------------------------------------------- */

static void run_srcp_case(const struct cp_case *c)
{
	ids_server_profile p;
	profile(c->profile, &p);
	uint8_t b[64];
	size_t n = ble_test_hex(c->pdu, b, sizeof b);
	ids_status_request q;
	ids_rc rc = ids_status_request_decode(&p, b, n, &q);
	cr_assert_eq(rc, c->rc, "%s: [%s] → 0x%02X, want 0x%02X", c->name, c->pdu, rc, c->rc);
	cr_assert(ids_code_valid(&ids_srcp_rc_table, rc), "never 0x75/0x76 here");
	if (rc == IDS_RC_SUCCESS) {
		uint8_t again[64];
		size_t len = 0;
		cr_assert_eq(ids_status_request_encode(&q, again, sizeof again, &len), BLE_OK);
		cr_assert(len == n && memcmp(again, b, n) == 0, "%s: re-encoded differently",
		          c->name);
	}
}

ParameterizedTestParameters(IDS_SRCP, request)
{
	static struct cp_case cases[] = {
	    {"reset_status", P_DEFAULT, "0C 03 FF 00", OK},
	    {"reset_status_rfu_bit", P_DEFAULT, "0C 03 00 01", INVALID},
	    {"reset_status_truncated", P_DEFAULT, "0C 03 FF", INVALID},
	    {"get_active_bolus_ids", P_DEFAULT, "30 03", OK},
	    {"get_active_bolus_ids_operand", P_DEFAULT, "30 03 00", INVALID},
	    {"get_active_bolus_delivery", P_DEFAULT, "56 03 01 00 0F", OK},
	    {"get_active_bolus_delivery_delivered", P_DEFAULT, "56 03 01 00 3C", OK},
	    {"get_active_bolus_delivery_bad_selection", P_DEFAULT, "56 03 01 00 10", INVALID},
	    {"get_active_bolus_delivery_truncated", P_DEFAULT, "56 03 01 00", INVALID},
	    {"get_active_basal_delivery", P_DEFAULT, "65 03", OK},
	    {"get_total_daily_insulin", P_DEFAULT, "95 03", OK},
	    {"get_total_daily_insulin_operand", P_DEFAULT, "95 03 01", INVALID},
	    {"get_counter", P_DEFAULT, "A6 03 0F 33", OK},
	    {"get_counter_bad_selection", P_DEFAULT, "A6 03 0F 34", INVALID},
	    {"get_counter_bad_type", P_DEFAULT, "A6 03 00 33", INVALID},
	    {"get_counter_truncated", P_DEFAULT, "A6 03 55", INVALID},
	    {"get_delivered_insulin", P_DEFAULT, "C0 03", OK},
	    {"get_insulin_on_board", P_DEFAULT, "F3 03", OK},
	    {"get_insulin_on_board_unsupported", P_MINIMAL, "F3 03", NOT_APPLICABLE},
	    {"response_code_written", P_DEFAULT, "03 03 30 03 0F", NOT_SUPPORTED},
	    {"response_opcode_written", P_DEFAULT, "3F 03", NOT_SUPPORTED},
	    {"bit_flip_opcode", P_DEFAULT, "31 03", NOT_SUPPORTED},
	    {"command_cp_opcode", P_DEFAULT, "4B 11", NOT_SUPPORTED},
	    {"empty", P_DEFAULT, "", NOT_SUPPORTED},
	};
	return cr_make_param_array(struct cp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct cp_case *c, IDS_SRCP, request)
{
	run_srcp_case(c);
}

ParameterizedTestParameters(IDS_SRCP, response_round_trip)
{
	static struct resp_case cases[] = {
	    {"response_code", "03 03 0C 03 0F"},
	    {"active_bolus_ids", "3F 03 02 01 00 02 00"},
	    {"active_bolus_ids_none", "3F 03 00"},
	    {"active_bolus_delivery", "59 03 00 01 00 33 19 F0 00 00 00 00"},
	    {"active_bolus_delivery_all_fields", "59 03 07 01 00 55 19 F0 14 00 1E 00 0F 00 06 3C"},
	    {"active_basal_delivery", "6A 03 00 01 02 00"},
	    {"active_basal_delivery_tbr", "6A 03 05 01 02 00 3C 96 00 3C 00 1E 00 3C"},
	    {"total_daily_insulin", "9A 03 19 F0 14 00 D7 F0"},
	    {"counter", "A9 03 0F 33 A0 05 00 00"},
	    {"delivered_insulin", "CF 03 87 D6 12 FE 01 00 00 00"},
	    {"insulin_on_board", "FC 03 00 19 F0"},
	    {"insulin_on_board_remaining", "FC 03 01 19 F0 78 00"},
	};
	return cr_make_param_array(struct resp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct resp_case *c, IDS_SRCP, response_round_trip)
{
	uint8_t b[64], out[64];
	size_t n = ble_test_hex(c->pdu, b, sizeof b), len = 0;
	ids_status_response r;
	cr_assert_eq(ids_status_response_decode(b, n, &r), BLE_OK, "%s", c->name);
	cr_assert_eq(ids_status_response_encode(&r, out, sizeof out, &len), BLE_OK, "%s", c->name);
	cr_assert(len == n && memcmp(out, b, n) == 0, "%s: re-encoded differently", c->name);
	for (size_t cut = 0; cut < n; cut++)
		cr_assert_neq(ids_status_response_decode(b, cut, &r), BLE_OK, "%s cut at %zu",
		              c->name, cut);
}

Test(IDS_SRCP, response_codes_exclude_command_cp_codes)
{
	ids_status_response r;
	ids_status_response_code(IDS_SRCP_GET_COUNTER, IDS_RC_PLAUSIBILITY_CHECK_FAILED, &r);
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(ids_status_response_encode(&r, b, sizeof b, &len), BLE_ERR_INVALID_CODE);
	size_t n = ble_test_hex("03 03 A6 03 75", b, sizeof b);
	cr_assert_eq(ids_status_response_decode(b, n, &r), BLE_ERR_INVALID_CODE);
}

Test(IDS_SRCP, delivered_insulin_is_32_bit_float_rounded_down)
{
	ids_status_response r = {0};
	r.opcode = IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE;
	r.u.delivered.bolus_u = 12345.678;
	r.u.delivered.basal_u = 0.019;
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(ids_status_response_encode(&r, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "CF 03 87 D6 12 FE 01 00 00 FE");
}

/* ---------------------------------------------------------------------------------- */
/* IDD Record Access Control Point                                                     */
/* ---------------------------------------------------------------------------------- */

struct racp_case {
	char name[64];
	char pdu[96];
	int rc;
};

ParameterizedTestParameters(IDS_RACP, request)
{
	static struct racp_case cases[] = {
	    {"report_all", "33 33", IDS_RACP_RC_SUCCESS},
	    {"report_first", "33 66", IDS_RACP_RC_SUCCESS},
	    {"report_last", "33 69", IDS_RACP_RC_SUCCESS},
	    {"report_greater_or_equal", "33 55 0F 05 00 00 00", IDS_RACP_RC_SUCCESS},
	    {"report_less_or_equal", "33 3C 33 05 00 00 00", IDS_RACP_RC_SUCCESS},
	    {"report_range", "33 5A 0F 01 00 00 00 0A 00 00 00", IDS_RACP_RC_SUCCESS},
	    {"report_range_reversed", "33 5A 0F 0A 00 00 00 01 00 00 00",
	     IDS_RACP_RC_INVALID_OPERAND},
	    {"report_range_truncated", "33 5A 0F 01 00 00 00 0A 00", IDS_RACP_RC_INVALID_OPERAND},
	    {"report_filter_unknown", "33 55 10 05 00 00 00", IDS_RACP_RC_OPERAND_NOT_SUPPORTED},
	    {"report_filter_missing", "33 55", IDS_RACP_RC_INVALID_OPERAND},
	    {"report_null_operator", "33 0F", IDS_RACP_RC_INVALID_OPERATOR},
	    {"report_operator_flip", "33 34", IDS_RACP_RC_INVALID_OPERATOR},
	    {"report_all_trailing", "33 33 00", IDS_RACP_RC_INVALID_OPERAND},
	    {"report_no_operator", "33", IDS_RACP_RC_INVALID_OPERATOR},
	    {"delete_all", "3C 33", IDS_RACP_RC_SUCCESS},
	    {"abort", "55 0F", IDS_RACP_RC_SUCCESS},
	    {"abort_with_operator", "55 33", IDS_RACP_RC_INVALID_OPERATOR},
	    {"abort_trailing", "55 0F 00", IDS_RACP_RC_INVALID_OPERAND},
	    {"report_number_all", "5A 33", IDS_RACP_RC_SUCCESS},
	    {"report_number_greater_or_equal", "5A 55 0F 05 00 00 00", IDS_RACP_RC_SUCCESS},
	    {"response_code_written", "0F 0F 33 F0", IDS_RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"number_response_written", "66 0F 01 00 00 00", IDS_RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"generic_racp_opcode", "01 01", IDS_RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"empty", "", IDS_RACP_RC_OPCODE_NOT_SUPPORTED},
	};
	return cr_make_param_array(struct racp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct racp_case *c, IDS_RACP, request)
{
	uint8_t b[32];
	size_t n = ble_test_hex(c->pdu, b, sizeof b);
	ids_racp_request q;
	ids_racp_rc rc = ids_racp_request_decode(b, n, &q);
	cr_assert_eq(rc, c->rc, "%s: → 0x%02X, want 0x%02X", c->name, rc, c->rc);
	if (rc == IDS_RACP_RC_SUCCESS) {
		uint8_t again[32];
		size_t len = 0;
		cr_assert_eq(ids_racp_request_encode(&q, again, sizeof again, &len), BLE_OK);
		cr_assert(len == n && memcmp(again, b, n) == 0, "%s", c->name);
	}
}

Test(IDS_RACP, responses_encode_and_decode)
{
	ids_racp_response r = {IDS_RACP_NUMBER_RESPONSE, 0, 0, 5};
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(ids_racp_response_encode(&r, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "66 0F 05 00 00 00");
	r = (ids_racp_response){IDS_RACP_RESPONSE_CODE, IDS_RACP_REPORT_STORED_RECORDS,
	                        IDS_RACP_RC_SUCCESS, 0};
	cr_assert_eq(ids_racp_response_encode(&r, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "0F 0F 33 F0");
	ids_racp_response d;
	cr_assert_eq(ids_racp_response_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.code, IDS_RACP_RC_SUCCESS);
	size_t n = ble_test_hex("0F 0F 33 EF", b, sizeof b);
	cr_assert_eq(ids_racp_response_decode(b, n, &d), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("0F 33 33 F0", b, sizeof b);
	cr_assert_eq(ids_racp_response_decode(b, n, &d), BLE_ERR_INVALID_CODE, "operator not Null");
	r.code = IDS_RACP_RC_NO_RECORDS_FOUND;
	cr_assert_eq(ids_racp_response_encode(&r, b, sizeof b, &len), BLE_OK);
}

/* ---------------------------------------------------------------------------------- */
/* CGMS                                                                                */
/* ---------------------------------------------------------------------------------- */

Test(CGMS_MEAS, record_with_status_and_warning_octets_in_reading_A_order)
{
	cgms_measurement m = {0};
	m.glucose_mgdl = 120.4;
	m.time_offset_min = 5;
	m.ssa = CGMS_SSA_SESSION_STOPPED | CGMS_SSA_BELOW_HYPO;
	m.has_trend = true;
	m.trend_mgdl_per_min = -1.5;
	uint8_t b[32];
	size_t len = 0;
	cr_assert_eq(cgms_measurement_encode(&m, true, b, sizeof b, &len), BLE_OK);
	/* Size 12, flags trend|warning|status, 120, offset 5, Status 0x01, Warning 0x04,
	 * trend -1.5, E2E-CRC */
	ble_test_assert_hex(b, len, "0C A1 78 00 05 00 01 04 F1 FF 11 9F");
	cgms_measurement d;
	size_t used = 0;
	cr_assert_eq(cgms_measurement_decode(b, len, true, &d, &used), BLE_OK);
	cr_assert_eq(used, 12);
	cr_assert_eq(d.glucose_mgdl, 120.0);
	cr_assert_eq(d.ssa, CGMS_SSA_SESSION_STOPPED | CGMS_SSA_BELOW_HYPO);
	cr_assert_eq(d.trend_mgdl_per_min, -1.5);
	cr_assert(!d.has_quality);
}

Test(CGMS_MEAS, minimal_record_and_packed_records)
{
	cgms_measurement m = {0};
	m.glucose_mgdl = 120;
	m.time_offset_min = 5;
	uint8_t b[32];
	size_t len = 0, len2 = 0;
	cr_assert_eq(cgms_measurement_encode(&m, false, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "06 00 78 00 05 00");
	m.time_offset_min = 10;
	m.has_quality = true;
	m.quality_pct = 90;
	cr_assert_eq(cgms_measurement_encode(&m, false, b + len, sizeof b - len, &len2), BLE_OK);
	cgms_measurement d;
	size_t used = 0, off = 0;
	int records = 0;
	while (off < len + len2) {
		cr_assert_eq(cgms_measurement_decode(b + off, len + len2 - off, false, &d, &used),
		             BLE_OK);
		off += used;
		records++;
	}
	cr_assert_eq(records, 2);
	cr_assert_eq(d.time_offset_min, 10);
	cr_assert_eq(d.quality_pct, 90);
}

Test(CGMS_MEAS, size_flags_and_crc_must_agree)
{
	uint8_t b[32];
	cgms_measurement d;
	size_t used = 0;
	size_t n = ble_test_hex("07 00 78 00 05 00 00", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_LENGTH);
	n = ble_test_hex("06 04 78 00 05 00", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_RESERVED);
	n = ble_test_hex("06 00 78 00 05", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_LENGTH);
	n = ble_test_hex("05 00 78 00 05", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_LENGTH);
	n = ble_test_hex("0C A1 78 00 05 00 01 04 F1 FF 11 9E", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, true, &d, &used), BLE_ERR_CRC);
	n = ble_test_hex("0C A1 78 00 05 00 01 04 F1 FF 11 9F", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_LENGTH,
	             "a CRC where none is expected");
	n = ble_test_hex("07 80 78 00 05 00 40", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_RESERVED,
	             "status octet RFU bit");
	n = ble_test_hex("06 00 01 08 05 00", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_ERR_RESERVED);
	n = ble_test_hex("06 00 FF 07 05 00", b, sizeof b);
	cr_assert_eq(cgms_measurement_decode(b, n, false, &d, &used), BLE_OK);
	cr_assert(isnan(d.glucose_mgdl), "NaN glucose stays NaN");
}

Test(CGMS_FEATURE, octet_3_is_0x59_and_crc_is_mandatory)
{
	cgms_feature f = {CGMS_FEAT_E2E_CRC | CGMS_FEAT_TREND, CGMS_TYPE_INTERSTITIAL_FLUID,
	                  CGMS_LOCATION_SUBCUTANEOUS};
	uint8_t b[8];
	size_t len = 0;
	cr_assert_eq(cgms_feature_encode(&f, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "00 90 00 59 1C 45");
	cgms_feature d;
	cr_assert_eq(cgms_feature_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.type, 9);
	cr_assert_eq(d.sample_location, 5);
	f.features = CGMS_FEAT_TREND;
	cr_assert_eq(cgms_feature_encode(&f, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "00 80 00 59 FF FF");
	size_t n = ble_test_hex("00 80 00 59 00 00", b, sizeof b);
	cr_assert_eq(cgms_feature_decode(b, n, &d), BLE_ERR_RESERVED);
	n = ble_test_hex("00 90 00 59 1C 44", b, sizeof b);
	cr_assert_eq(cgms_feature_decode(b, n, &d), BLE_ERR_CRC);
	n = ble_test_hex("00 80 00 5B FF FF", b, sizeof b);
	cr_assert_eq(cgms_feature_decode(b, n, &d), BLE_ERR_INVALID_CODE, "type 11");
	n = ble_test_hex("00 80 02 59 FF FF", b, sizeof b);
	cr_assert_eq(cgms_feature_decode(b, n, &d), BLE_ERR_RESERVED, "RFU b17");
	n = ble_test_hex("00 80 00 59 FF", b, sizeof b);
	cr_assert_eq(cgms_feature_decode(b, n, &d), BLE_ERR_LENGTH);
}

Test(CGMS_STATUS, status_octets_lso_first_with_crc)
{
	cgms_status s = {5, CGMS_SSA_SESSION_STOPPED | CGMS_SSA_BELOW_HYPO};
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(cgms_status_encode(&s, true, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "05 00 01 00 04 24 0A");
	cgms_status d;
	cr_assert_eq(cgms_status_decode(b, len, true, &d), BLE_OK);
	cr_assert_eq(d.ssa, s.ssa);
	b[2] = 0x03;
	cr_assert_eq(cgms_status_decode(b, len, true, &d), BLE_ERR_CRC);
	cr_assert_eq(cgms_status_decode(b, 5, false, &d), BLE_OK);
	cr_assert_eq(cgms_status_decode(b, 4, false, &d), BLE_ERR_LENGTH);
}

Test(CGMS_SST, session_start_time_ranges)
{
	cgms_session_start_time t = {{2024, 3, 10, 8, 30, 0}, 4, 0};
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(cgms_session_start_time_encode(&t, true, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "E8 07 03 0A 08 1E 00 04 00 92 A9");
	cgms_session_start_time d;
	cr_assert_eq(cgms_session_start_time_decode(b, len, true, &d), BLE_OK);
	cr_assert_eq(d.date_time.year, 2024);
	cr_assert_eq(d.time_zone, 4);
	size_t n = ble_test_hex("E8 07 03 0A 08 1E 00 39 00", b, sizeof b);
	cr_assert_eq(cgms_session_start_time_decode(b, n, false, &d), BLE_ERR_RANGE, "TZ 57");
	n = ble_test_hex("E8 07 03 0A 08 1E 00 80 FF", b, sizeof b);
	cr_assert_eq(cgms_session_start_time_decode(b, n, false, &d), BLE_OK, "TZ/DST unknown");
	n = ble_test_hex("E8 07 03 0A 08 1E 00 04 01", b, sizeof b);
	cr_assert_eq(cgms_session_start_time_decode(b, n, false, &d), BLE_ERR_RANGE, "DST 1");
	n = ble_test_hex("E8 07 0D 0A 08 1E 00 04 00", b, sizeof b);
	cr_assert_eq(cgms_session_start_time_decode(b, n, false, &d), BLE_ERR_RANGE, "month 13");
	n = ble_test_hex("E8 07 03 0A 18 1E 00 04 00", b, sizeof b);
	cr_assert_eq(cgms_session_start_time_decode(b, n, false, &d), BLE_ERR_RANGE, "hour 24");
	n = ble_test_hex("E8 07 03 0A 08 1E 00 04", b, sizeof b);
	cr_assert_eq(cgms_session_start_time_decode(b, n, false, &d), BLE_ERR_LENGTH);
}

Test(CGMS_SRT, session_run_time)
{
	uint8_t b[8];
	size_t len = 0;
	uint16_t h = 0;
	cr_assert_eq(cgms_session_run_time_encode(336, false, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "50 01");
	cr_assert_eq(cgms_session_run_time_decode(b, len, false, &h), BLE_OK);
	cr_assert_eq(h, 336);
	cr_assert_eq(cgms_session_run_time_encode(336, true, b, sizeof b, &len), BLE_OK);
	cr_assert_eq(len, 4);
	cr_assert_eq(cgms_session_run_time_decode(b, len, true, &h), BLE_OK);
	cr_assert_eq(cgms_session_run_time_decode(b, 3, true, &h), BLE_ERR_LENGTH);
}

struct socp_case {
	char name[64];
	char pdu[96];
	int rc;
};

ParameterizedTestParameters(CGMS_SOCP, request)
{
	static struct socp_case cases[] = {
	    {"set_comm_interval", "01 05", CGMS_RC_SUCCESS},
	    {"set_comm_interval_fastest", "01 FF", CGMS_RC_SUCCESS},
	    {"set_comm_interval_truncated", "01", CGMS_RC_INVALID_OPERAND},
	    {"CGMS/SEN/CGMCP/BV-02-C_get_comm_interval", "02", CGMS_RC_SUCCESS},
	    {"get_comm_interval_operand", "02 00", CGMS_RC_INVALID_OPERAND},
	    {"set_calibration", "04 78 00 05 00 11 0A 00 01 00 00", CGMS_RC_SUCCESS},
	    {"set_calibration_type_0", "04 78 00 05 00 10 0A 00 01 00 00", CGMS_RC_INVALID_OPERAND},
	    {"set_calibration_location_6", "04 78 00 05 00 61 0A 00 01 00 00",
	     CGMS_RC_INVALID_OPERAND},
	    {"set_calibration_status_rfu", "04 78 00 05 00 11 0A 00 01 00 08",
	     CGMS_RC_INVALID_OPERAND},
	    {"set_calibration_nan", "04 FF 07 05 00 11 0A 00 01 00 00", CGMS_RC_INVALID_OPERAND},
	    {"set_calibration_too_low", "04 0A 00 05 00 11 0A 00 01 00 00",
	     CGMS_RC_PARAMETER_OUT_OF_RANGE},
	    {"set_calibration_truncated", "04 78 00 05 00 11 0A 00 01 00", CGMS_RC_INVALID_OPERAND},
	    {"CGMS/SEN/CGMCP/BV-06-C_get_calibration", "05 FF FF", CGMS_RC_SUCCESS},
	    {"get_calibration_truncated", "05 FF", CGMS_RC_INVALID_OPERAND},
	    {"set_patient_high", "07 B4 00", CGMS_RC_SUCCESS},
	    {"set_patient_low", "0A 50 00", CGMS_RC_SUCCESS},
	    {"set_hypo", "0D 46 00", CGMS_RC_SUCCESS},
	    {"set_hyper", "10 FA 00", CGMS_RC_SUCCESS},
	    {"set_rate_decrease", "13 02 00", CGMS_RC_SUCCESS},
	    {"set_rate_increase", "16 05 F0", CGMS_RC_SUCCESS},
	    {"set_hypo_nan", "0D FF 07", CGMS_RC_INVALID_OPERAND},
	    {"set_hypo_pos_inf", "0D FE 07", CGMS_RC_INVALID_OPERAND},
	    {"set_hypo_700", "0D BC 02", CGMS_RC_PARAMETER_OUT_OF_RANGE},
	    {"set_hypo_negative", "0D FB 0F", CGMS_RC_PARAMETER_OUT_OF_RANGE},
	    {"set_rate_25", "13 19 00", CGMS_RC_PARAMETER_OUT_OF_RANGE},
	    {"set_hyper_truncated", "10 FA", CGMS_RC_INVALID_OPERAND},
	    {"get_patient_high", "08", CGMS_RC_SUCCESS},
	    {"get_patient_low", "0B", CGMS_RC_SUCCESS},
	    {"get_hypo", "0E", CGMS_RC_SUCCESS},
	    {"get_hyper", "11", CGMS_RC_SUCCESS},
	    {"get_rate_decrease", "14", CGMS_RC_SUCCESS},
	    {"get_rate_increase", "17", CGMS_RC_SUCCESS},
	    {"reset_device_specific_alert", "19", CGMS_RC_SUCCESS},
	    {"CGMS/SEN/CGMCP/BV-22-C_start_session", "1A", CGMS_RC_SUCCESS},
	    {"stop_session", "1B", CGMS_RC_SUCCESS},
	    {"start_session_operand", "1A 00", CGMS_RC_INVALID_OPERAND},
	    {"response_code_written", "1C 1A 01", CGMS_RC_OPCODE_NOT_SUPPORTED},
	    {"interval_response_written", "03 05", CGMS_RC_OPCODE_NOT_SUPPORTED},
	    {"unknown_0x1D", "1D", CGMS_RC_OPCODE_NOT_SUPPORTED},
	    {"unknown_0x00", "00", CGMS_RC_OPCODE_NOT_SUPPORTED},
	    {"empty", "", CGMS_RC_OPCODE_NOT_SUPPORTED},
	};
	return cr_make_param_array(struct socp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct socp_case *c, CGMS_SOCP, request)
{
	uint8_t b[32];
	size_t n = ble_test_hex(c->pdu, b, sizeof b);
	cgms_socp_request q;
	cgms_socp_rc rc = cgms_socp_request_decode(b, n, &q);
	cr_assert_eq(rc, c->rc, "%s: → %d, want %d", c->name, rc, c->rc);
	if (rc == CGMS_RC_SUCCESS) {
		uint8_t again[32];
		size_t len = 0;
		cr_assert_eq(cgms_socp_request_encode(&q, again, sizeof again, &len), BLE_OK, "%s",
		             c->name);
		cr_assert(len == n && memcmp(again, b, n) == 0, "%s", c->name);
	}
}

Test(CGMS_SOCP, responses_with_crc)
{
	cgms_socp_response r = {0};
	r.opcode = CGMS_SOCP_RESPONSE_CODE;
	r.u.response_code.request_opcode = CGMS_SOCP_START_SESSION;
	r.u.response_code.code = CGMS_RC_SUCCESS;
	uint8_t b[32];
	size_t len = 0;
	cr_assert_eq(cgms_socp_response_encode(&r, true, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "1C 1A 01 6D 60");
	cgms_socp_response d;
	cr_assert_eq(cgms_socp_response_decode(b, len, true, &d), BLE_OK);
	cr_assert_eq(d.u.response_code.request_opcode, 0x1A);
	/* the interval response is one octet (NCS sends two — a bug) */
	r = (cgms_socp_response){0};
	r.opcode = CGMS_SOCP_COMM_INTERVAL_RESPONSE;
	r.u.interval_min = 5;
	cr_assert_eq(cgms_socp_response_encode(&r, false, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "03 05");
	size_t n = ble_test_hex("03 05 00", b, sizeof b);
	cr_assert_eq(cgms_socp_response_decode(b, n, false, &d), BLE_ERR_LENGTH);
	r.opcode = CGMS_SOCP_HYPO_RESPONSE;
	r.u.level = 70;
	cr_assert_eq(cgms_socp_response_encode(&r, false, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "0F 46 00");
	r.opcode = CGMS_SOCP_CALIBRATION_RESPONSE;
	r.u.calibration = (cgms_calibration){120, 5, 1, 1, 10, 1, 0};
	cr_assert_eq(cgms_socp_response_encode(&r, false, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "06 78 00 05 00 11 0A 00 01 00 00");
	cr_assert_eq(cgms_socp_response_decode(b, len, false, &d), BLE_OK);
	n = ble_test_hex("1C 1A 06", b, sizeof b);
	cr_assert_eq(cgms_socp_response_decode(b, n, false, &d), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("1C 1A 01 6D 61", b, sizeof b);
	cr_assert_eq(cgms_socp_response_decode(b, n, true, &d), BLE_ERR_CRC);
}

ParameterizedTestParameters(CGMS_RACP, request)
{
	static struct racp_case cases[] = {
	    {"report_all", "01 01", RACP_RC_SUCCESS},
	    {"report_first", "01 05", RACP_RC_SUCCESS},
	    {"report_last", "01 06", RACP_RC_SUCCESS},
	    {"report_greater_or_equal", "01 03 01 0A 00", RACP_RC_SUCCESS},
	    {"report_less_or_equal", "01 02 01 0A 00", RACP_RC_SUCCESS},
	    {"report_range", "01 04 01 0A 00 14 00", RACP_RC_SUCCESS},
	    {"report_range_reversed", "01 04 01 14 00 0A 00", RACP_RC_INVALID_OPERAND},
	    {"report_user_facing_time", "01 03 02 0A 00 00 00 00 00 00",
	     RACP_RC_OPERAND_NOT_SUPPORTED},
	    {"report_filter_3", "01 03 03 0A 00", RACP_RC_INVALID_OPERAND},
	    {"report_truncated_operand", "01 03 01 0A", RACP_RC_INVALID_OPERAND},
	    {"report_null_operator", "01 00", RACP_RC_INVALID_OPERATOR},
	    {"report_operator_7", "01 07", RACP_RC_INVALID_OPERATOR},
	    {"report_all_trailing", "01 01 00", RACP_RC_INVALID_OPERAND},
	    {"report_no_operator", "01", RACP_RC_INVALID_OPERATOR},
	    {"delete_all", "02 01", RACP_RC_SUCCESS},
	    {"CGMS/SEN/RAA/BV-01-C_abort", "03 00", RACP_RC_SUCCESS},
	    {"abort_with_operator", "03 01", RACP_RC_INVALID_OPERATOR},
	    {"report_number_all", "04 01", RACP_RC_SUCCESS},
	    {"CGMS/SEN/RAN/BV-02-C_report_number_time_offset", "04 03 01 0A 00", RACP_RC_SUCCESS},
	    {"CGMS/SEN/CBE/BI-01-C_number_response_written", "05 00 01 00",
	     RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"response_code_written", "06 00 01 01", RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"unknown_opcode", "07 01", RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"ids_racp_opcode", "33 33", RACP_RC_OPCODE_NOT_SUPPORTED},
	    {"empty", "", RACP_RC_OPCODE_NOT_SUPPORTED},
	};
	return cr_make_param_array(struct racp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct racp_case *c, CGMS_RACP, request)
{
	uint8_t b[32];
	size_t n = ble_test_hex(c->pdu, b, sizeof b);
	cgms_racp_request q;
	racp_rc rc = cgms_racp_request_decode(b, n, &q);
	cr_assert_eq(rc, c->rc, "%s: → %d, want %d", c->name, rc, c->rc);
	if (rc == RACP_RC_SUCCESS) {
		uint8_t again[32];
		size_t len = 0;
		cr_assert_eq(cgms_racp_request_encode(&q, again, sizeof again, &len), BLE_OK);
		cr_assert(len == n && memcmp(again, b, n) == 0, "%s", c->name);
	}
}

Test(CGMS_RACP, responses)
{
	cgms_racp_response r = {RACP_NUMBER_RESPONSE, 0, 0, 3};
	uint8_t b[8];
	size_t len = 0;
	cr_assert_eq(cgms_racp_response_encode(&r, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "05 00 03 00");
	r = (cgms_racp_response){RACP_RESPONSE_CODE, RACP_REPORT_STORED_RECORDS,
	                         RACP_RC_NO_RECORDS_FOUND, 0};
	cr_assert_eq(cgms_racp_response_encode(&r, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "06 00 01 06");
	cgms_racp_response d;
	cr_assert_eq(cgms_racp_response_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.code, RACP_RC_NO_RECORDS_FOUND);
	size_t n = ble_test_hex("06 00 01 0A", b, sizeof b);
	cr_assert_eq(cgms_racp_response_decode(b, n, &d), BLE_ERR_INVALID_CODE);
	n = ble_test_hex("05 00 03", b, sizeof b);
	cr_assert_eq(cgms_racp_response_decode(b, n, &d), BLE_ERR_LENGTH);
}

/* ---------------------------------------------------------------------------------- */
/* DIS, Battery, Current Time                                                          */
/* ---------------------------------------------------------------------------------- */

Test(dis, strings_pnp_and_system_id)
{
	uint8_t b[32];
	size_t len = 0;
	cr_assert_eq(dis_string_encode("FakePump", b, sizeof b, &len), BLE_OK);
	cr_assert_eq(len, 8, "no terminator on the wire");
	char s[16];
	cr_assert_eq(dis_string_decode(b, len, s, sizeof s), BLE_OK);
	cr_assert_str_eq(s, "FakePump");
	cr_assert_eq(dis_string_decode(b, len, s, 8), BLE_ERR_NO_SPACE);
	size_t n = ble_test_hex("46 00 50", b, sizeof b);
	cr_assert_eq(dis_string_decode(b, n, s, sizeof s), BLE_ERR_INVALID_CODE, "embedded NUL");
	n = ble_test_hex("C0 AF", b, sizeof b);
	cr_assert_eq(dis_string_decode(b, n, s, sizeof s), BLE_ERR_INVALID_CODE, "overlong");
	n = ble_test_hex("C3 A9", b, sizeof b);
	cr_assert_eq(dis_string_decode(b, n, s, sizeof s), BLE_OK, "é");

	dis_pnp_id p = {1, 0x0059, 0x0001, 0x0100};
	cr_assert_eq(dis_pnp_id_encode(&p, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "01 59 00 01 00 00 01");
	dis_pnp_id d;
	cr_assert_eq(dis_pnp_id_decode(b, len, &d), BLE_OK);
	b[0] = 3;
	cr_assert_eq(dis_pnp_id_decode(b, len, &d), BLE_ERR_INVALID_CODE);

	cr_assert_eq(dis_system_id_encode(0x0102030405ULL, 0xABCDEF, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "05 04 03 02 01 EF CD AB");
	uint64_t m = 0;
	uint32_t oui = 0;
	cr_assert_eq(dis_system_id_decode(b, len, &m, &oui), BLE_OK);
	cr_assert(m == 0x0102030405ULL && oui == 0xABCDEF);
}

Test(bas, battery_level_0_to_100)
{
	uint8_t b[4];
	size_t len = 0;
	uint8_t v = 0;
	cr_assert_eq(bas_level_encode(87.9, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "57");
	cr_assert_eq(bas_level_encode(100.5, b, sizeof b, &len), BLE_ERR_RANGE);
	cr_assert_eq(bas_level_encode(NAN, b, sizeof b, &len), BLE_ERR_RANGE);
	size_t n = ble_test_hex("65", b, sizeof b);
	cr_assert_eq(bas_level_decode(b, n, &v), BLE_ERR_RANGE);
	n = ble_test_hex("64", b, sizeof b);
	cr_assert_eq(bas_level_decode(b, n, &v), BLE_OK);
	cr_assert_eq(v, 100);
	cr_assert_eq(bas_level_decode(b, 0, &v), BLE_ERR_LENGTH);
}

Test(cts, current_time_round_trip_and_ranges)
{
	cts_current_time t = {{2024, 3, 10, 8, 30, 0}, 7, 128, CTS_ADJUST_MANUAL};
	uint8_t b[16];
	size_t len = 0;
	cr_assert_eq(cts_current_time_encode(&t, b, sizeof b, &len), BLE_OK);
	ble_test_assert_hex(b, len, "E8 07 03 0A 08 1E 00 07 80 01");
	cts_current_time d;
	cr_assert_eq(cts_current_time_decode(b, len, &d), BLE_OK);
	cr_assert_eq(d.day_of_week, 7);
	size_t n = ble_test_hex("E8 07 03 0A 08 1E 00 08 80 01", b, sizeof b);
	cr_assert_eq(cts_current_time_decode(b, n, &d), BLE_ERR_RANGE);
	n = ble_test_hex("E8 07 03 0A 08 1E 00 07 80 10", b, sizeof b);
	cr_assert_eq(cts_current_time_decode(b, n, &d), BLE_ERR_RESERVED);
	n = ble_test_hex("2D 06 03 0A 08 1E 00 07 80 01", b, sizeof b);
	cr_assert_eq(cts_current_time_decode(b, n, &d), BLE_ERR_RANGE, "year 1581");
	n = ble_test_hex("00 00 00 00 00 00 00 00 00 00", b, sizeof b);
	cr_assert_eq(cts_current_time_decode(b, n, &d), BLE_OK, "all unknown");
}

/* ---------------------------------------------------------------------------------- */
/* GATT service model                                                                  */
/* ---------------------------------------------------------------------------------- */

Test(gatt, ids_and_cgms_need_secure_connections_dis_and_battery_are_open)
{
	size_t ns = 0;
	const gatt_service_def *s = gatt_services(&ns);
	cr_assert_eq(ns, 5);
	cr_assert_eq(s[0].uuid16, GATT_UUID_IDS, "registration order is fixed");
	cr_assert_eq(s[1].uuid16, GATT_UUID_CGMS);
	size_t seen = 0;
	for (size_t i = 0; i < ns; i++) {
		for (size_t c = 0; c < s[i].characteristic_count; c++) {
			const gatt_characteristic_def *ch = &s[i].characteristics[c];
			seen++;
			cr_assert_eq(gatt_characteristic(ch->id), ch);
			cr_assert_eq(gatt_service_of(ch->id), &s[i]);
			if (s[i].uuid16 == GATT_UUID_IDS || s[i].uuid16 == GATT_UUID_CGMS)
				cr_assert_eq(ch->security, GATT_SEC_SECURE, "%s", ch->name);
			if (s[i].uuid16 == GATT_UUID_BAS ||
			    (s[i].uuid16 == GATT_UUID_DIS && ch->uuid16 != 0x2A25))
				cr_assert_eq(ch->security, GATT_SEC_NONE, "%s", ch->name);
			bool subscribable =
			    ch->properties & (GATT_PROP_NOTIFY | GATT_PROP_INDICATE);
			bool has_cccd = ch->descriptor_count == 1 &&
			                ch->descriptors[0].uuid16 == GATT_UUID_CCCD &&
			                ch->descriptors[0].created_by_stack &&
			                ch->descriptors[0].write_security == ch->security;
			cr_assert_eq(subscribable, has_cccd, "%s", ch->name);
		}
	}
	cr_assert_eq(seen, GATT_CHAR_COUNT);
}

Test(gatt, uuids_and_lookup)
{
	const gatt_characteristic_def *c = gatt_find_characteristic(0x183A, 0x2B25);
	cr_assert_not_null(c);
	cr_assert_eq(c->id, GATT_IDD_COMMAND_CP);
	cr_assert_eq(c->properties, GATT_PROP_WRITE | GATT_PROP_INDICATE);
	cr_assert(c->e2e);
	cr_assert_null(gatt_find_characteristic(0x181F, 0x2B25));
	cr_assert_eq(gatt_find_characteristic(0x181F, 0x2A52)->id, GATT_CGM_RACP);
	cr_assert_eq(gatt_characteristic(GATT_IDD_FEATURES)->properties, GATT_PROP_READ);
	char u[37];
	gatt_uuid16_to_string(0x183A, u);
	cr_assert_str_eq(u, "0000183a-0000-1000-8000-00805f9b34fb");
}

Test(gatt, bluez_flags_use_secure_variants)
{
	const char *f[12];
	size_t n = gatt_bluez_flags(gatt_characteristic(GATT_IDD_COMMAND_CP), f, 12);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(f[0], "write");
	cr_assert_str_eq(f[1], "secure-write");
	cr_assert_str_eq(f[2], "indicate");
	cr_assert_str_eq(f[3], "secure-indicate");
	n = gatt_bluez_flags(gatt_characteristic(GATT_BAS_BATTERY_LEVEL), f, 12);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(f[0], "read");
	cr_assert_str_eq(f[1], "notify");
	n = gatt_bluez_flags(gatt_characteristic(GATT_CGM_MEASUREMENT), f, 1);
	cr_assert_eq(n, 1, "never more than cap");
}

Test(gatt, every_ids_value_has_its_own_e2e_channel_and_cgms_values_a_crc)
{
	/* The IDS characteristics with E2E: one channel each (counters must never be shared),
	 * History Data the only one without a counter. */
	bool used[IDS_E2E_CHANNEL_COUNT] = {false};
	size_t ids = 0;
	for (int id = 0; id < GATT_CHAR_COUNT; id++) {
		const gatt_characteristic_def *d = gatt_characteristic((gatt_char_id)id);
		ids_e2e_channel ch = IDS_E2E_CHANNEL_COUNT;
		const gatt_e2e_kind kind = gatt_e2e_of((gatt_char_id)id, &ch);
		cr_assert_eq(kind != GATT_E2E_NONE, d->e2e, "%s", d->name);
		if (kind == GATT_E2E_IDS) {
			cr_assert_eq(gatt_service_of((gatt_char_id)id)->uuid16, GATT_UUID_IDS);
			cr_assert_lt(ch, IDS_E2E_CHANNEL_COUNT, "%s", d->name);
			cr_assert_not(used[ch], "%s shares a channel", d->name);
			used[ch] = true;
			cr_assert_eq(ids_e2e_channel_counted(ch), id != GATT_IDD_HISTORY_DATA, "%s",
			             d->name);
			ids++;
		} else if (kind == GATT_E2E_CGMS) {
			cr_assert_eq(gatt_service_of((gatt_char_id)id)->uuid16, GATT_UUID_CGMS);
		}
	}
	cr_assert_eq(ids, IDS_E2E_CHANNEL_COUNT);
	ids_e2e_channel ch = IDS_E2E_CHANNEL_COUNT;
	cr_assert_eq(gatt_e2e_of(GATT_IDD_COMMAND_CP, &ch), GATT_E2E_IDS);
	cr_assert_eq(ch, IDS_E2E_COMMAND_CP);
	cr_assert_eq(gatt_e2e_of(GATT_IDD_FEATURES, NULL), GATT_E2E_NONE, "its CRC is inside");
	cr_assert_eq(gatt_e2e_of(GATT_CGM_SOCP, NULL), GATT_E2E_CGMS);
	cr_assert_eq(gatt_e2e_of(GATT_CGM_RACP, NULL), GATT_E2E_NONE, "the generic RACP");
	cr_assert_eq(gatt_e2e_of(GATT_CHAR_COUNT, NULL), GATT_E2E_NONE, "no such characteristic");
}

Test(gatt, a_just_works_link_does_not_meet_secure)
{
	cr_assert(!gatt_security_met(GATT_SEC_SECURE, GATT_SEC_ENCRYPTED));
	cr_assert(!gatt_security_met(GATT_SEC_SECURE, GATT_SEC_AUTHENTICATED));
	cr_assert(gatt_security_met(GATT_SEC_SECURE, GATT_SEC_SECURE));
	cr_assert(gatt_security_met(GATT_SEC_NONE, GATT_SEC_NONE));
	cr_assert_str_eq(gatt_security_name(GATT_SEC_SECURE), "secure");
}

/* ---------------------------------------------------------------------------------- */
/* Robustness: random bytes into every decoder (fixed seed, printed on failure)        */
/* ---------------------------------------------------------------------------------- */

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* How many of the robustness test's random PDUs must decode, at least, for it to prove
 * anything: a decoder that refused everything would pass the re-encoding checks. With the
 * fixed seed 939 commands and 574 responses decode; the floors (about half) leave room for
 * a decoder that becomes stricter, not for one that stops decoding. */
enum { ROBUST_MIN_COMMANDS = 500, ROBUST_MIN_RESPONSES = 300 };

Test(robustness, random_pdus_never_crash_and_successes_re_encode)
{
	const uint32_t seed = 0x5EED1234u;
	uint32_t s = seed;
	ids_server_profile p;
	profile(P_FULL, &p);
	int commands = 0, responses = 0;
	for (int iter = 0; iter < 200000; iter++) {
		uint8_t b[24];
		size_t n = xorshift32(&s) % sizeof b;
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)xorshift32(&s);
		/* bias toward valid opcodes so the deep paths are reached */
		if (n >= 2 && (iter & 1)) {
			uint16_t op =
			    ids_ccp_opcode_table.codes[xorshift32(&s) % ids_ccp_opcode_table.count]
			        .value;
			b[0] = (uint8_t)(op & 0xFF);
			b[1] = (uint8_t)(op >> 8);
		}
		ids_command c;
		char what[64];
		snprintf(what, sizeof what, "seed 0x%08X iter %d", seed, iter);
		if (ids_command_decode(&p, b, n, &c) == IDS_RC_SUCCESS) {
			commands++;
			assert_command_idempotent(&p, &c, what);
		}
		ids_ccp_response r, r2;
		if (ids_ccp_response_decode(b, n, &r) == BLE_OK) {
			responses++;
			uint8_t again[64];
			size_t len = 0;
			cr_assert_eq(ids_ccp_response_encode(&r, again, sizeof again, &len), BLE_OK,
			             "seed 0x%08X iter %d", seed, iter);
			cr_assert_eq(ids_ccp_response_decode(again, len, &r2), BLE_OK,
			             "seed 0x%08X iter %d: the re-encoded response decodes", seed,
			             iter);
			cr_assert_eq(r2.opcode, r.opcode, "seed 0x%08X iter %d", seed, iter);
		}
	}
	cr_log_info("robustness: %d commands and %d responses of 200000 random PDUs decoded",
	            commands, responses);
	cr_assert_geq(commands, ROBUST_MIN_COMMANDS,
	              "seed 0x%08X: only %d random commands decoded: the test proves nothing", seed,
	              commands);
	cr_assert_geq(responses, ROBUST_MIN_RESPONSES,
	              "seed 0x%08X: only %d random responses decoded: the test proves nothing",
	              seed, responses);
}
