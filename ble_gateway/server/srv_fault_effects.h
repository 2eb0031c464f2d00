/*
 * ble_gateway/server/srv_fault_effects.h — what an active fault (srv_faults.h) does to what
 * the server sends, at the hooks of the modules that send it: a value about to leave
 * (srv_io.c), an IDS value before its seal (srv_io.c), a history report's next record
 * (srv_racp.c); and the values a delay holds back until they are released
 * (ble_server_release_held). Above the links (a held value goes to its link only if it is
 * the same connection still), below I/O, which calls it.
 *
 * Must never: change the pump; change, lose or hold a value without an audit event; hold
 * more values than its ring (a value that does not fit pushes the oldest out, sent early:
 * late, never lost). Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_FAULT_EFFECTS_H
#define FAKEPUMP_SRV_FAULT_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

enum { SRV_HELD_MAX = 32, SRV_HELD_VALUE_MAX = 64 };

/* A value a delay holds back. */
typedef struct srv_held {
	char identity[BLE_LINK_IDENTITY_MAX];
	uint64_t opened; /* the connection it was for: a link opened since gets nothing */
	gatt_char_id id;
	bool indication;
	uint8_t len;
	uint8_t v[SRV_HELD_VALUE_MAX];
} srv_held;

typedef struct srv_fault_effects {
	uint64_t values_sent; /* every value that reached a subscribed link: the nth's count */
	srv_held held[SRV_HELD_MAX];
	size_t held_first, held_count; /* a ring */
	bool transport_releases;       /* the BlueZ gateway sends held values after the delay */
} srv_fault_effects;

typedef struct srv_link srv_link;

/* What srv_fault_value decided for a value about to leave. */
typedef enum srv_fault_outcome {
	SRV_FAULT_SEND = 0, /* send it (maybe changed) */
	SRV_FAULT_DROP,     /* lost on purpose: send nothing */
	SRV_FAULT_HOLD,     /* held by a delay: sent later */
} srv_fault_outcome;

/*
 * A value about to leave for a subscribed link (srv_send_value): drop it (the nth, or a
 * control point's response under no_response), hold it (a delay), or let it go — with a
 * bad E2E-CRC, or cut at a 23-octet MTU. `v` may be changed in place (cap octets).
 */
srv_fault_outcome srv_fault_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                                  bool indication, uint8_t *v, size_t *len);
/* An IDS value before its tail is sealed (srv_send_ids): a response's opcode or code made
 * wrong, the link's counter moved on. */
void srv_fault_ids_payload(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                           uint8_t *buf, size_t len);
/* A history report's next record: send it twice (duplicate) or swap it with the next one
 * (out of order)? Consumes a one-shot fault. */
bool srv_fault_history_duplicate(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq);
bool srv_fault_history_swap(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq);

#endif
