/*
 * ble_gateway/server/ble_fault.h — faults the GATT server shows a phone app on purpose, so
 * that QA can see how the app copes with a pump and a radio that misbehave: links dropped,
 * no new connections, notifications lost or late, a control point that never answers or
 * answers wrongly, values with a bad E2E-CRC or a counter that jumps, history out of order
 * or twice, CGM records with a sensor status, the pump's clock jumping
 * (docs/qa-guide.md "Faults").
 *
 * The faults live here, in the transport-free server, so that every transport shows them
 * alike: the in-process virtual phone, the fuzzers and BlueZ. Only what needs the radio
 * itself is the adapter's (advertising, a delay in wall-clock time: bluez_gateway.h).
 *
 * Must never: change the pump (its state, its hard limits, its authority rules) — a fault
 * changes what the phone is sent or how it is served, nothing the pump does; tamper with a
 * value without an audit event (BLE_AUDIT_FAULT, with who injected it); allocate.
 */
#ifndef FAKEPUMP_BLE_FAULT_H
#define FAKEPUMP_BLE_FAULT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ble_fault_kind {
	/* radio */
	BLE_FAULT_DISCONNECT = 0,     /* now: every link is dropped (the transport disconnects) */
	BLE_FAULT_STOP_ADVERTISING,   /* lasting: not advertised, so no new connection */
	BLE_FAULT_REFUSE_CONNECTIONS, /* lasting: every new connection refused and dropped */
	BLE_FAULT_DROP_NOTIFICATIONS, /* lasting: every nth notification or indication is lost */
	BLE_FAULT_DELAY,              /* lasting: responses and values arrive late (delay_ms on
	                                 the air; in-process: at the next minute's tick) */
	BLE_FAULT_MTU_23,             /* lasting: the link behaves as at ATT_MTU 23 (a write
	                                 longer than 20 octets is refused, a longer value cut) */
	/* protocol: the next one (or every one while `until_min` lasts) */
	BLE_FAULT_NO_RESPONSE,            /* a control point's response is never sent */
	BLE_FAULT_WRONG_OPCODE,           /* a control point's response opcode is one bit off */
	BLE_FAULT_WRONG_CODE,             /* a Response Code's code is none of the table's (0x42) */
	BLE_FAULT_BAD_CRC,                /* a value with an E2E-CRC is sent with a wrong one */
	BLE_FAULT_COUNTER_JUMP,           /* an IDS value's E2E-Counter skips `by` values */
	BLE_FAULT_HISTORY_OUT_OF_ORDER,   /* a history report sends two records swapped */
	BLE_FAULT_HISTORY_DUPLICATE,      /* a history report sends a record twice */
	BLE_FAULT_CGM_SENSOR_MALFUNCTION, /* lasting: CGM records say Sensor Malfunction */
	BLE_FAULT_CGM_CALIBRATION_REQUIRED, /* lasting: CGM records say Calibration Required */
	BLE_FAULT_TIME_JUMP,                /* now: Current Time moves `by` minutes (notified) */
	BLE_FAULT_COUNT,
} ble_fault_kind;

/* "disconnect", "drop_notifications", … (the names of docs/qa-guide.md). */
const char *ble_fault_name(ble_fault_kind k);
bool ble_fault_from_name(const char *name, ble_fault_kind *out);
/* Faults that last (until_min, or until cleared) rather than act once. */
bool ble_fault_is_lasting(ble_fault_kind k);
/* Faults that act at once when injected (disconnect, time_jump). */
bool ble_fault_is_instant(ble_fault_kind k);

/* until_min of a fault that lasts until it is cleared. */
#define BLE_FAULT_UNTIL_CLEARED INT64_MAX

typedef struct ble_fault {
	ble_fault_kind kind;
	/* Lasting faults: active while now < until_min (BLE_FAULT_UNTIL_CLEARED: until
	 * cleared). One-shot protocol faults: 0 = the next occasion only, else every occasion
	 * while now < until_min. Instant faults: ignored. */
	int64_t until_min;
	uint32_t nth;      /* DROP_NOTIFICATIONS: every nth value sent (2 … 1000) */
	uint32_t delay_ms; /* DELAY: 1 … BLE_FAULT_DELAY_MAX_MS */
	int32_t by;        /* COUNTER_JUMP: values skipped (1 … 254); TIME_JUMP: minutes, not 0 */
	const char *origin; /* who injected it: "scenario", "ctl" (static text; the audit's) */
} ble_fault;

/* A delay longer than an ATT transaction's 30 s is no delay: it is a lost response (the
 * phone's stack gives up first); no_response says that. */
enum { BLE_FAULT_DELAY_MAX_MS = 20000, BLE_FAULT_NTH_MAX = 1000 };

#endif
