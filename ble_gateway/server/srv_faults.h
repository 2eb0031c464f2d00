/*
 * ble_gateway/server/srv_faults.h — the faults the server shows a phone on purpose
 * (ble_fault.h): which are on, their audit, and the decisions that read nothing but that
 * state — a connection about to open (srv_links.c), a write's length (ble_server.c), a CGM
 * reading's status (srv_cgms.c). What a fault does to a value that leaves is
 * srv_fault_effects.h; how one starts and ends, srv_fault_inject.h. This is the lowest of
 * the three: links and I/O consult it, so it calls neither.
 *
 * Must never: change the pump; act without an audit event (BLE_AUDIT_FAULT, with who
 * injected it). Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_FAULTS_H
#define FAKEPUMP_SRV_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

/* The longest value a 23-octet ATT_MTU carries (ATT_MTU - 3: opcode and handle). */
enum { BLE_ATT_MIN_MTU_VALUE = 20 };

typedef struct srv_faults {
	bool on[BLE_FAULT_COUNT];
	ble_fault f[BLE_FAULT_COUNT];
} srv_faults;

typedef struct srv_link srv_link;

/* One audit event about fault `k` (answer `what`: "started", "applied", "ended"), on `ls`'s
 * link, or the server's when NULL. */
void srv_fault_audit(ble_server *srv, const srv_link *ls, int64_t now, ble_fault_kind k,
                     gatt_char_id id, const char *what, const char *detail);
/* A value or request the fault changed: counted and audited ("applied"). */
void srv_fault_applied(ble_server *srv, const srv_link *ls, int64_t now, ble_fault_kind k,
                       gatt_char_id id, const char *detail);
/* A one-shot fault used once: it ends (audited), unless it lasts until a minute. */
void srv_fault_consume(ble_server *srv, ble_fault_kind k, int64_t now);
/* Whether a new connection is refused now (stop_advertising, refuse_connections); *why. */
bool srv_fault_refuses_connection(const ble_server *srv, int64_t now, const char **why);
/* Whether a write of `len` octets is longer than a 23-octet MTU allows while mtu_23 is on. */
bool srv_fault_write_too_long(const ble_server *srv, int64_t now, size_t len);
/* The sensor status bits the CGM faults add to a reading (CGMS_SSA_*). */
uint32_t srv_fault_cgm_ssa(const ble_server *srv, int64_t now);

#endif
