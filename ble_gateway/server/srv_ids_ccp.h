/*
 * ble_gateway/server/srv_ids_ccp.h — the IDD Command Control Point procedures of the
 * server: a decoded command becomes a pump call with PUMP_SOURCE_PHONE (or is answered
 * without one), and exactly one response is indicated: the procedure's specific response,
 * or a Response Code. One function per op code (srv_ids_ccp.c); the rules the server adds
 * to the pump's own are there, next to the op code they govern.
 *
 * Must never: answer with silence; let a refused command reach the pump; execute a Set
 * Bolus byte-identical to one accepted within duplicate_window_min (or still running) —
 * the replay/duplicate rule, independent of E2E, which a retry on a new connection (new
 * counters) or a re-sealed replay (a CRC is no MAC) would pass (rows R1, R5 of
 * docs/ble-threats.md); hand the pump a Cancel Bolus for ID 0 ("whichever", row R4).
 * Private to ble_gateway/server/.
 *
 * Follows IDS 1.0.1, "IDD Command Control Point" and "IDD Command Data"; which pump refusal
 * becomes which Response Code: pump_binding.h; the server's own rules: docs/ble.md
 * "Command Control Point procedures → the pump".
 */
#ifndef FAKEPUMP_SRV_IDS_CCP_H
#define FAKEPUMP_SRV_IDS_CCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

enum { SRV_DUP_MAX = 8, SRV_DUP_BYTES_MAX = 32 };

/* A Set Bolus accepted (the replay/duplicate rule): its bytes (opcode + operand, no
 * E2E tail), when, and the bolus it started. */
typedef struct srv_dup_entry {
	bool used;
	int64_t t_min;
	uint16_t bolus_id;
	size_t len;
	uint8_t bytes[SRV_DUP_BYTES_MAX];
} srv_dup_entry;

typedef struct srv_duplicates {
	srv_dup_entry entries[SRV_DUP_MAX];
	size_t next;
} srv_duplicates;

typedef struct srv_link srv_link;

/* A write to the IDD Command Control Point that passed the ATT checks: the E2E stage, the
 * decoder, the procedure, one response, one audit event. 0, or the ATT error of the E2E
 * stage or of an empty write. */
uint8_t srv_ids_ccp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len);

#endif
