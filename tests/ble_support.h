/*
 * tests/ble_support.h — what the BLE tests share (test_ble_codecs, test_ble_server,
 * test_virtual_phone, test_ble_availability): hex literals as bytes, byte assertions, and a
 * "rig" — a real pump and the GATT server bound to it, the pump's events forwarded to the
 * server, minutes that pass as the engine passes them.
 *
 * Criterion helpers: a failed check fails the calling test. No clock, no transport.
 */
#ifndef FAKEPUMP_TESTS_BLE_SUPPORT_H
#define FAKEPUMP_TESTS_BLE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "pump_model.h"

/* "4B 11 00" → bytes into out[cap] (anything but hex digits separates); returns the count.
 * Fails the test on an odd number of digits or more than cap bytes. */
size_t ble_test_hex(const char *s, uint8_t *out, size_t cap);
/* got[len] is exactly the bytes of `want_hex`; the message shows both in hex. */
void ble_test_assert_hex(const uint8_t *got, size_t len, const char *want_hex);
/* got[len] is exactly want[n]. */
void ble_test_assert_bytes(const uint8_t *got, size_t len, const uint8_t *want, size_t n);

/* A pump and the server bound to it; `now` is the next minute to run. */
typedef struct ble_test_rig {
	pump *p;
	ble_server *srv;
	int64_t now;
} ble_test_rig;

/* A pump from `pc` (NULL: pump_config_defaults) whose events reach the server, and a server
 * from `cfg` on it; both must be created, or the test fails. The rig must stay where it is
 * while it is open (the pump's callback points at it). */
void ble_test_rig_open(ble_test_rig *r, const pump_config *pc, const ble_server_config *cfg);
/* Both freed; the rig zeroed. */
void ble_test_rig_close(ble_test_rig *r);
/* A server made anew on the same pump (the old one freed). */
void ble_test_rig_new_server(ble_test_rig *r, const ble_server_config *cfg);
/* n minutes: pump_tick (no CGM reading), then ble_server_tick with what it delivered. */
void ble_test_run_minutes(ble_test_rig *r, int n);
pump_status ble_test_pump_status(const ble_test_rig *r);

#endif
