/*
 * vp_attacks.c — what the hostile phone sends (virtual_phone.h "attacks"; the rows of
 * docs/ble-threats.md): replays (bit-exact, at a time, re-sealed), tampering, raw bytes,
 * wrong counters, special and out-of-range operands, floods and subscription storms at
 * the fastest rate a BlueZ central has.
 *
 * Must never: reach the pump except through the server, as any write of the phone.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "phone_internal.h"

vp_answer vp_attack_replay(virtual_phone *vp, int64_t now_min, size_t index)
{
	const vp_capture *c = vp_capture_get(vp, index);
	if (!c)
		return phone_not_sent();
	vp_capture copy = *c; /* the ring may overwrite it while we send */
	return phone_send_bytes(vp, now_min, copy.char_id, copy.bytes, copy.len, true);
}

vp_answer vp_attack_replay_at(virtual_phone *vp, int64_t now_min, int64_t at_min, gatt_char_id id)
{
	size_t i = 0;
	if (!vp_capture_find(vp, at_min, id, &i))
		return phone_not_sent();
	return vp_attack_replay(vp, now_min, i);
}

/* The payload of a captured write (its tail removed when it carries one). */
static size_t captured_payload(const virtual_phone *vp, const vp_capture *c)
{
	const gatt_e2e_kind kind = vp->e2e ? gatt_e2e_of(c->char_id, NULL) : GATT_E2E_NONE;
	const size_t tail = kind == GATT_E2E_IDS ? 3 : kind == GATT_E2E_CGMS ? 2 : 0;
	return c->len >= tail ? c->len - tail : 0;
}

vp_answer vp_attack_replay_resealed(virtual_phone *vp, int64_t now_min, size_t index)
{
	const vp_capture *c = vp_capture_get(vp, index);
	if (!c)
		return phone_not_sent();
	vp_capture copy = *c;
	return phone_send_payload(vp, now_min, copy.char_id, copy.bytes,
	                          captured_payload(vp, &copy));
}

vp_answer vp_attack_tamper(virtual_phone *vp, int64_t now_min, size_t index, size_t offset,
                           uint8_t xor_mask, bool reseal)
{
	const vp_capture *c = vp_capture_get(vp, index);
	if (!c)
		return phone_not_sent();
	vp_capture copy = *c;
	size_t n = reseal ? captured_payload(vp, &copy) : copy.len;
	if (offset >= n)
		return phone_not_sent();
	copy.bytes[offset] ^= xor_mask;
	if (reseal)
		return phone_send_payload(vp, now_min, copy.char_id, copy.bytes, n);
	return phone_send_bytes(vp, now_min, copy.char_id, copy.bytes, copy.len, true);
}

vp_answer vp_attack_raw(virtual_phone *vp, int64_t now_min, gatt_char_id id, const uint8_t *bytes,
                        size_t len)
{
	return phone_send_bytes(vp, now_min, id, bytes, len, true);
}

vp_answer vp_attack_counter(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                            const uint8_t *payload, size_t len, int delta)
{
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t n = phone_seal_with(vp, id, payload, len, buf, sizeof buf, delta, delta == 0);
	if (n == 0)
		return phone_not_sent();
	return phone_send_bytes(vp, now_min, id, buf, n, true);
}

vp_answer vp_attack_bolus_raw(virtual_phone *vp, int64_t now_min, uint8_t flags, uint8_t type,
                              uint16_t fast_raw, uint16_t extended_raw, uint16_t duration_min)
{
	const uint8_t p[] = {
	    (uint8_t)(IDS_CCP_SET_BOLUS & 0xFF),
	    (uint8_t)(IDS_CCP_SET_BOLUS >> 8),
	    flags,
	    type,
	    (uint8_t)(fast_raw & 0xFF),
	    (uint8_t)(fast_raw >> 8),
	    (uint8_t)(extended_raw & 0xFF),
	    (uint8_t)(extended_raw >> 8),
	    (uint8_t)(duration_min & 0xFF),
	    (uint8_t)(duration_min >> 8),
	};
	return phone_send_payload(vp, now_min, GATT_IDD_COMMAND_CP, p, sizeof p);
}

static void tally(vp_flood_stats *s, const vp_answer *a)
{
	if (s->sent == 0)
		s->first = *a;
	s->last = *a;
	s->sent++;
	if (a->att_error == 0)
		s->att_ok++;
	else
		s->att_refused++;
	if (a->att_error == ATT_ERR_PROCEDURE_IN_PROGRESS)
		s->rate_limited++;
	if (a->att_error == 0 && a->ok)
		s->responses_ok++;
}

/* One request of a flood. */
typedef vp_answer (*flood_send_fn)(virtual_phone *vp, int64_t now, gatt_char_id id,
                                   const uint8_t *payload, size_t len);

static vp_answer flood_write(virtual_phone *vp, int64_t now, gatt_char_id id,
                             const uint8_t *payload, size_t len)
{
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t m = phone_seal_with(vp, id, payload, len, buf, sizeof buf, 0, true);
	return m ? phone_send_bytes(vp, now, id, buf, m, false) : phone_not_sent();
}

static vp_answer flood_read(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *payload,
                            size_t len)
{
	(void)payload;
	(void)len;
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	return vp_read(vp, now, id, buf, sizeof buf, &n);
}

/*
 * `n` requests within one minute at the fastest rate a BlueZ central has (VP_REQUEST_US
 * each); when the pump has dropped the link, the phone waits for the next advertising event
 * (VP_RECONNECT_US) and connects again, refused or not, until the minute is over.
 */
static vp_answer flood(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *payload,
                       size_t len, size_t n, flood_send_fn send, vp_flood_stats *out)
{
	vp_flood_stats s = {0};
	bool was_connected = ble_server_link_connected(vp->srv, vp->link.identity);
	long long t_us = 0;
	while (s.sent < n && t_us < VP_MINUTE_US) {
		const bool connected = ble_server_link_connected(vp->srv, vp->link.identity);
		if (was_connected && !connected) /* dropped between two requests (a tick) */
			was_connected = false;
		if (!connected && s.sent > 0) {
			/* Back at the next advertising event, counters fresh. */
			t_us += VP_RECONNECT_US;
			if (t_us >= VP_MINUTE_US)
				break;
			ids_e2e_link_reset(&vp->counters);
			if (ble_server_connect(vp->srv, &vp->link, now)) {
				s.reconnects++;
				was_connected = true;
			} else {
				s.reconnects_refused++;
			}
			continue;
		}
		vp_answer a = send(vp, now, id, payload, len);
		tally(&s, &a);
		t_us += VP_REQUEST_US;
		const bool still = ble_server_link_connected(vp->srv, vp->link.identity);
		if (connected && !still)
			s.dropped++; /* this request was one too many */
		was_connected = still;
	}
	s.not_sent = n - s.sent;
	if (out)
		*out = s;
	return s.last;
}

vp_answer vp_attack_flood(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                          const uint8_t *payload, size_t len, size_t n, vp_flood_stats *out)
{
	return flood(vp, now_min, id, payload, len, n, flood_write, out);
}

vp_answer vp_attack_read_flood(virtual_phone *vp, int64_t now_min, gatt_char_id id, size_t n,
                               vp_flood_stats *out)
{
	return flood(vp, now_min, id, NULL, 0, n, flood_read, out);
}

vp_answer vp_attack_subscription_storm(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                                       size_t n, vp_flood_stats *out)
{
	vp_flood_stats s = {0};
	for (size_t i = 0; i < n; i++) {
		vp_answer a = vp_subscribe(vp, now_min, id, i % 2 == 0);
		tally(&s, &a);
	}
	if (out)
		*out = s;
	return s.last;
}
