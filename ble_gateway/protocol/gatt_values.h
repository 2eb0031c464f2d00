/*
 * ble_gateway/protocol/gatt_values.h — the values of the standard services beside IDS and
 * CGMS: Date Time and Current Time (CTS), the Device Information strings, PnP ID and
 * System ID (DIS), the Battery Level (BAS).
 *
 * Must never: read past `len`, write past `cap`, accept a date field out of its range or a
 * string that is not valid UTF-8.
 *
 * Follows the Bluetooth SIG GATT Specification Supplement (Date Time, Current Time, the
 * DIS characteristics, Battery Level).
 */
#ifndef FAKEPUMP_BLE_GATT_VALUES_H
#define FAKEPUMP_BLE_GATT_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"

/* ---------------------------------------------------------------------------------- */
/* Date Time and Current Time (CTS 0x2A2B)                                             */
/* ---------------------------------------------------------------------------------- */

/* year 1582 … 9999 (0 = unknown), month 1 … 12 (0 = unknown), day 1 … 31 (0 = unknown),
 * hours 0 … 23, minutes 0 … 59, seconds 0 … 59. */
typedef struct ble_date_time {
	uint16_t year;
	uint8_t month, day, hours, minutes, seconds;
} ble_date_time;

enum {
	CTS_ADJUST_MANUAL = 1u << 0,
	CTS_ADJUST_EXTERNAL_REFERENCE = 1u << 1,
	CTS_ADJUST_TIME_ZONE = 1u << 2,
	CTS_ADJUST_DST = 1u << 3,
	CTS_ADJUST_DEFINED = 0x0Fu,
};

typedef struct cts_current_time {
	ble_date_time date_time;
	uint8_t day_of_week; /* 0 unknown, 1 Monday … 7 Sunday */
	uint8_t fractions256;
	uint8_t adjust_reason; /* CTS_ADJUST_* */
} cts_current_time;

ble_result ble_date_time_check(const ble_date_time *dt);
ble_result cts_current_time_encode(const cts_current_time *t, uint8_t *buf, size_t cap,
                                   size_t *len);
ble_result cts_current_time_decode(const uint8_t *buf, size_t len, cts_current_time *out);

/* ---------------------------------------------------------------------------------- */
/* Device Information and Battery                                                      */
/* ---------------------------------------------------------------------------------- */

/* DIS UTF-8 strings: copied without a terminator; refuses an embedded NUL or invalid
 * UTF-8. The decoder writes a NUL-terminated copy into out[cap] (BLE_ERR_NO_SPACE when
 * it does not fit). */
ble_result dis_string_encode(const char *s, uint8_t *buf, size_t cap, size_t *len);
ble_result dis_string_decode(const uint8_t *buf, size_t len, char *out, size_t cap);

typedef struct dis_pnp_id {
	uint8_t vendor_id_source; /* 1 = Bluetooth SIG, 2 = USB-IF */
	uint16_t vendor_id;
	uint16_t product_id;
	uint16_t product_version;
} dis_pnp_id;

ble_result dis_pnp_id_encode(const dis_pnp_id *p, uint8_t *buf, size_t cap, size_t *len);
ble_result dis_pnp_id_decode(const uint8_t *buf, size_t len, dis_pnp_id *out);
/* System ID: 40-bit manufacturer identifier + 24-bit OUI, 8 octets. */
ble_result dis_system_id_encode(uint64_t manufacturer_id, uint32_t oui, uint8_t *buf, size_t cap,
                                size_t *len);
ble_result dis_system_id_decode(const uint8_t *buf, size_t len, uint64_t *manufacturer_id,
                                uint32_t *oui);

/* Battery Level: uint8 percent 0 … 100 (the encoder rounds down a fraction). */
ble_result bas_level_encode(double pct, uint8_t *buf, size_t cap, size_t *len);
ble_result bas_level_decode(const uint8_t *buf, size_t len, uint8_t *pct);

#endif
