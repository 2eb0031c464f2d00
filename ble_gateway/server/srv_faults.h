/*
 * ble_gateway/server/srv_faults.h — the faults the server shows a phone on purpose
 * (ble_fault.h): their state, and the hooks the server's other modules call where a fault
 * acts — a value about to leave (srv_io.c), a connection about to open (srv_links.c), a
 * write's length (ble_server.c), a history report (srv_racp.c), a CGM reading (srv_cgms.c).
 *
 * Must never: change the pump; act without an audit event (BLE_AUDIT_FAULT, with who
 * injected it); hold more values than its ring (a value that does not fit pushes the
 * oldest out, sent early: late, never lost). Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_FAULTS_H
#define FAKEPUMP_SRV_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

enum { SRV_HELD_MAX = 32, SRV_HELD_VALUE_MAX = 64 };

/* The longest value a 23-octet ATT_MTU carries (ATT_MTU - 3: opcode and handle). */
enum { BLE_ATT_MIN_MTU_VALUE = 20 };

/* A value a delay holds back. */
typedef struct srv_held {
	char identity[BLE_LINK_IDENTITY_MAX];
	uint64_t opened; /* the connection it was for: a link opened since gets nothing */
	gatt_char_id id;
	bool indication;
	uint8_t len;
	uint8_t v[SRV_HELD_VALUE_MAX];
} srv_held;

typedef struct srv_faults {
	bool on[BLE_FAULT_COUNT];
	ble_fault f[BLE_FAULT_COUNT];
	uint64_t values_sent; /* every value that reached a subscribed link: the nth's count */
	srv_held held[SRV_HELD_MAX];
	size_t held_first, held_count; /* a ring */
	bool transport_releases;       /* the BlueZ gateway sends held values after the delay */
} srv_faults;

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
/* Whether a new connection is refused now (stop_advertising, refuse_connections); *why. */
bool srv_fault_refuses_connection(const ble_server *srv, int64_t now, const char **why);
/* Whether a write of `len` octets is longer than a 23-octet MTU allows while mtu_23 is on. */
bool srv_fault_write_too_long(const ble_server *srv, int64_t now, size_t len);
/* A history report's next record: send it twice (duplicate) or swap it with the next one
 * (out of order)? Consumes a one-shot fault. */
bool srv_fault_history_duplicate(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq);
bool srv_fault_history_swap(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq);
/* The sensor status bits the CGM faults add to a reading (CGMS_SSA_*). */
uint32_t srv_fault_cgm_ssa(const ble_server *srv, int64_t now);
/* The minute's tick: faults whose time is over end (audited); held values go unless the
 * transport sends them. */
void srv_faults_tick(ble_server *srv, int64_t now);

#endif
