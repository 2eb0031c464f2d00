/*
 * ble_gateway/server/ble_audit.h — the audit events of the server (and of the in-process
 * phone's steps): who asked what on which link at which level, and what was decided.
 *
 * Must never: point at memory that outlives the callback (strings are valid during it only).
 */
#ifndef FAKEPUMP_BLE_AUDIT_H
#define FAKEPUMP_BLE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_link.h"
#include "gatt_model.h"
#include "pump_model.h"

typedef enum ble_audit_kind {
	BLE_AUDIT_READ = 0,
	BLE_AUDIT_WRITE,
	BLE_AUDIT_SUBSCRIBE,  /* a CCCD write (on or off) */
	BLE_AUDIT_CONNECTION, /* connect, new security level, disconnect */
	BLE_AUDIT_FLOOD,      /* aggregate: writes refused by the rate limit */
	BLE_AUDIT_STORM,      /* aggregate: CCCD writes refused by the rate limit */
	/* Not the server's: what a scenario's in-process phone did (sim/engine/engine_ble.c), in
	 * the same audit so that a run's record holds it and expectations can check it. */
	BLE_AUDIT_ATTACK, /* an attack step: reason = its kind, count = requests sent, answer */
	BLE_AUDIT_PHONE,  /* a phone step: one it could not do (refused), or what a read got */
	/* A fault injected on purpose (ble_fault.h): when it starts and ends, and every value
	 * or request it changed. `origin` says who injected it. */
	BLE_AUDIT_FAULT,
	BLE_AUDIT_KIND_COUNT,
} ble_audit_kind;

const char *ble_audit_kind_name(ble_audit_kind k);

typedef enum ble_decision {
	BLE_DECISION_ACCEPTED = 0,
	BLE_DECISION_REFUSED,
} ble_decision;

const char *ble_decision_name(ble_decision d);

/*
 * One audit event. Every refusal (reads, writes, CCCD writes, connections) and every
 * accepted command or subscription produces exactly one, except requests over a rate limit:
 * the first refused one is audited, the rest are counted and summarised by one
 * BLE_AUDIT_FLOOD/STORM event (count, first/last minute) when the flood ends (next tick
 * after a quiet minute, disconnect, or ble_server_flush_audit), so a flood cannot flood
 * the log. Pointers are valid during the callback only.
 */
typedef struct ble_audit_event {
	int64_t t_min;
	ble_audit_kind kind;
	const char *link_identity;
	gatt_security link_security;
	bool link_bonded;
	gatt_char_id char_id;  /* GATT_CHAR_COUNT when none */
	const char *char_name; /* "IDD Command Control Point", or "" */
	ble_decision decision;
	uint8_t att_error;       /* 0 when the ATT request itself succeeded */
	bool has_response;       /* a control-point response was sent */
	uint16_t request_opcode; /* the procedure's opcode when one was readable */
	uint8_t response_code;   /* its response code (IDS rc, SOCP rc, RACP rc) */
	const char *reason;  /* static: "accepted", "replay/duplicate", "e2e: invalid crc" … */
	const char *detail;  /* free text for people, e.g. "bolus 2.00 U, id 3" */
	const char *raw_hex; /* the bytes written, "4B 11 00 …" ("" for reads) */
	size_t raw_len;
	bool pump_called;        /* the pump was commanded … */
	pump_result pump_result; /* … and answered this */
	uint32_t count;          /* refusals this event stands for (1 unless aggregated) */
	const char *answer;      /* BLE_AUDIT_ATTACK: what its last request got, a name
	                            ("e2e_invalid_counter", "procedure_not_applicable",
	                            "success", "accepted"); NULL otherwise */
	int64_t first_min, last_min;
	const char *origin; /* BLE_AUDIT_FAULT: who injected the fault ("scenario", "ctl");
	                       NULL otherwise (the link's phone) */
} ble_audit_event;

/* An event of `kind` for `link` at `now` on `id` (GATT_CHAR_COUNT or an unknown id: no
 * characteristic): accepted, reason "accepted", count 1, no bytes — the caller fills the
 * rest. Pointers into `link` stay valid as long as it does. */
ble_audit_event ble_audit_make(const ble_link *link, int64_t now, ble_audit_kind kind,
                               gatt_char_id id);

typedef void (*ble_audit_fn)(const ble_audit_event *ev, void *user_data);

#endif
