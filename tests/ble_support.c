/*
 * tests/ble_support.c — the BLE tests' shared helpers (ble_support.h).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ble_support.h"

size_t ble_test_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v = 0;
	int digits = 0;
	for (const char *c = s; *c; c++) {
		int d = (*c >= '0' && *c <= '9')   ? *c - '0'
		        : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10
		        : (*c >= 'A' && *c <= 'F') ? *c - 'A' + 10
		                                   : -1;
		if (d < 0)
			continue;
		v = v * 16 + (unsigned)d;
		if (++digits == 2) {
			cr_assert(n < cap, "hex literal too long: %s", s);
			out[n++] = (uint8_t)v;
			v = 0;
			digits = 0;
		}
	}
	cr_assert(digits == 0, "odd number of hex digits in %s", s);
	return n;
}

/* "4B 11 00 …" of the first bytes of b[n] into out[cap]. */
static const char *hex_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < n && 3 * i + 4 <= cap; i++)
		snprintf(out + 3 * i, 4, "%02X ", b[i]);
	return out;
}

void ble_test_assert_hex(const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[256];
	size_t n = ble_test_hex(want_hex, want, sizeof want);
	char g[800];
	cr_assert(len == n && memcmp(got, want, n) == 0, "got %s, want %s",
	          hex_text(got, len, g, sizeof g), want_hex);
}

void ble_test_assert_bytes(const uint8_t *got, size_t len, const uint8_t *want, size_t n)
{
	char g[800], w[800];
	cr_assert(len == n && memcmp(got, want, n) == 0, "got %s, want %s",
	          hex_text(got, len, g, sizeof g), hex_text(want, n, w, sizeof w));
}

static void forward_pump_event(const pump_event *ev, void *user_data)
{
	ble_test_rig *r = user_data;
	if (r->srv)
		ble_server_pump_event(r->srv, ev);
}

void ble_test_rig_open(ble_test_rig *r, const pump_config *pc, const ble_server_config *cfg)
{
	pump_config c;
	if (pc)
		c = *pc;
	else
		pump_config_defaults(&c);
	c.on_event = forward_pump_event;
	c.user_data = r;
	*r = (ble_test_rig){0};
	r->p = pump_new(&c);
	cr_assert_not_null(r->p, "pump_new");
	r->srv = ble_server_new(r->p, cfg);
	cr_assert_not_null(r->srv, "ble_server_new");
}

void ble_test_rig_close(ble_test_rig *r)
{
	ble_server_free(r->srv);
	r->srv = NULL;
	pump_free(r->p);
	*r = (ble_test_rig){0};
}

void ble_test_rig_new_server(ble_test_rig *r, const ble_server_config *cfg)
{
	ble_server_free(r->srv);
	r->srv = NULL;
	r->srv = ble_server_new(r->p, cfg);
	cr_assert_not_null(r->srv, "ble_server_new");
}

void ble_test_run_minutes(ble_test_rig *r, int n)
{
	for (int i = 0; i < n; i++) {
		pump_delivery d = pump_tick(r->p, r->now, NAN);
		ble_server_tick(r->srv, r->now, &d);
		r->now++;
	}
}

pump_status ble_test_pump_status(const ble_test_rig *r)
{
	pump_status s;
	pump_get_status(r->p, &s);
	return s;
}
