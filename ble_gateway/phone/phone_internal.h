/*
 * ble_gateway/phone/phone_internal.h — the virtual phone's state and the helpers its three
 * files share (virtual_phone.c: lifetime, receiving, writing, capture; vp_intents.c: what
 * an app asks; vp_attacks.c: what an attacker sends). Private to ble_gateway/phone/.
 */
#ifndef FAKEPUMP_PHONE_INTERNAL_H
#define FAKEPUMP_PHONE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2e.h"
#include "virtual_phone.h"

enum { PHONE_VALUE_KEEP = 64, PHONE_RESP_MAX = 64, PHONE_HIST_TYPES = 40 };

struct virtual_phone {
	ble_server *srv;
	ble_link link;
	bool e2e;
	bool auto_subscribe;
	uint16_t mtu;
	size_t cut;
	ids_e2e_link counters; /* tx: our writes; rx: the server's values */
	uint16_t last_bolus_id;

	/* the procedure in flight */
	struct {
		bool active;
		gatt_char_id cp;
		gatt_char_id data;
		uint8_t indications;
		bool e2e_ok;
		size_t data_count;
		size_t len;
		uint8_t resp[PHONE_RESP_MAX];
	} pending;

	ids_ccp_response last_ccp;
	ids_status_response last_srcp;
	cgms_socp_response last_socp;

	size_t notifications[GATT_CHAR_COUNT];
	size_t last_len[GATT_CHAR_COUNT];
	uint8_t last[GATT_CHAR_COUNT][PHONE_VALUE_KEEP];
	size_t e2e_errors;

	/* a history read: records by event type until the RACP response */
	struct {
		bool reading, done;
		size_t n;
		uint16_t type[PHONE_HIST_TYPES];
		unsigned count[PHONE_HIST_TYPES];
	} hist;

	vp_capture capture[VP_CAPTURE_MAX];
	size_t capture_total; /* written so far; the ring keeps the last VP_CAPTURE_MAX */
};

/* The IDS channel of `id` when its values carry the IDS tail on this link (E2E on). */
bool phone_ids_tail(const virtual_phone *vp, gatt_char_id id, ids_e2e_channel *ch);
/* v rounded down to a multiple of step (what the protocol carries: 0.01 U, whole %). */
double phone_floor_to(double v, double step);
/* The answer of a request that could not be sent (encoding, no such capture). */
vp_answer phone_not_sent(void);
/* Write `len` bytes as they are to `id` and collect the answer (captured when `keep`). */
vp_answer phone_send_bytes(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *b,
                           size_t len, bool keep);
/* Seal `payload` for `id` into out (IDS: the expected counter + delta, a valid CRC; CGMS:
 * its CRC; nothing when the value carries no E2E); the length, 0 when it does not fit.
 * `advance`: our counter moves to the one used. */
size_t phone_seal_with(virtual_phone *vp, gatt_char_id id, const uint8_t *payload, size_t len,
                       uint8_t *out, size_t cap, int delta, bool advance);
/* A normal write: payload sealed with the next counter, captured. */
vp_answer phone_send_payload(virtual_phone *vp, int64_t now, gatt_char_id id,
                             const uint8_t *payload, size_t len);

#endif
