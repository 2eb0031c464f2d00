/*
 * ble_gateway/server/srv_audit.h — the server's audit: one event per refusal and per
 * accepted command or subscription, with the link's identity and level, the raw bytes and
 * the reason (ble_server.h "audit"); refusals over a rate budget aggregated so that a flood
 * cannot flood the log.
 *
 * Must never: emit more than one event for a request, or any for a request over a budget
 * after the first (they are counted and summarised once a minute while the flood lasts).
 * Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_AUDIT_H
#define FAKEPUMP_SRV_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

/* Requests refused over a budget: the first is audited on its own, the rest are counted
 * and reported in aggregate once a minute while the flood lasts and once when it is over. */
typedef struct srv_flood {
	bool active;
	uint32_t refused;  /* all of this flood, the first included */
	uint32_t reported; /* of which audited so far */
	int64_t first_min, last_min;
	gatt_char_id char_id;
} srv_flood;

/* Counts and hands the event to the audit callback; `raw` (may be NULL) shown as hex. */
void srv_audit_emit(ble_server *srv, ble_audit_event *ev, const uint8_t *raw, size_t len);
/* A refusal in the statistics (0x05 and the E2E codes have counters of their own). */
void srv_count_refusal(ble_server *srv, uint8_t att);
/* An ATT-level refusal: audited, counted; returns `att`. */
uint8_t srv_refuse(ble_server *srv, const ble_link *link, int64_t now, ble_audit_kind kind,
                   gatt_char_id id, uint8_t att, const char *reason, const char *detail,
                   const uint8_t *raw, size_t len);
/* A request over its per-minute budget (0xFE): the first of a flood audited, the rest
 * counted in `f`. */
uint8_t srv_over_budget(ble_server *srv, const ble_link *link, int64_t now, srv_flood *f,
                        ble_audit_kind kind, gatt_char_id id, const uint8_t *raw, size_t len);
/* The summary of what `f` refused since its last one (every tick while it lasts; once
 * more when it is over: a quiet minute, or `force`). */
void srv_flood_flush(ble_server *srv, const ble_link *link, srv_flood *f, ble_audit_kind agg_kind,
                     int64_t now, bool force);
/* A connection accepted or refused (refusals counted). */
void srv_audit_connection(ble_server *srv, const ble_link *link, int64_t now, ble_decision d,
                          const char *reason);

/* What a control-point procedure answered: one response, one audit event. */
typedef struct srv_cp_outcome {
	uint16_t request_opcode;
	uint8_t code; /* the response code (the CP's success code for specific responses) */
	bool success;
	const char *reason;
	bool pump_called;
	pump_result pump_result;
	const char *detail;
} srv_cp_outcome;

typedef struct srv_link srv_link;

/* The audit event of a control-point procedure that ran (its response was sent). */
void srv_audit_cp(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                  const srv_cp_outcome *o, const uint8_t *raw, size_t len);
/* An accepted write of a plain value (Session Start Time, Current Time). */
void srv_audit_value_write(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                           const char *detail, const uint8_t *b, size_t len);

#endif
