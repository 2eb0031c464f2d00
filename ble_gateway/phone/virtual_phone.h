/*
 * ble_gateway/virtual_phone.h — an in-process BLE collector (a phone app) and the hostile
 * phone: it turns a phone's intent into the bytes an IDS/CGMS client sends, writes them
 * through the very same server entry points a transport uses (ble_server_write/read/
 * subscribe), and reports what the server answered.
 *
 * It keeps a capture of every write it made (for replay attacks) and offers the attacks of
 * docs/ble-threats.md that can run in-process: replay (bit-exact or re-sealed), tamper, raw
 * bytes, wrong/stale E2E counter, writes on an unencrypted or Just-Works link (a link with
 * that level), out-of-range and special-value operands, write floods, subscription storms.
 *
 * Must never: reach the pump other than through the server; allocate after
 * virtual_phone_new; call into the server from its notification listener.
 *
 * Like a real app it enables the indications of a control point (and the notifications of
 * the data characteristic a procedure streams on) before it first writes there, unless
 * auto-subscribe is turned off (to provoke 0xFD). It learns whether E2E is on from the
 * server (an app reads IDD Features; an attacker knows the device model). Amounts are
 * rounded down to what the protocol carries (0.01 U, whole %) before encoding.
 */
#ifndef FAKEPUMP_VIRTUAL_PHONE_H
#define FAKEPUMP_VIRTUAL_PHONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "cgms.h"
#include "ids_ccp.h"
#include "ids_racp.h"
#include "ids_srcp.h"

/*
 * What the server answered. att_error != 0: the ATT request was refused (0x05, 0x80 …)
 * and no procedure ran. Otherwise, for a control point, the indication that closed the
 * procedure: `response_opcode` and `code` (IDS 0x0F/0x70–0x76, SOCP 1–5, IDD RACP 0xF0 …,
 * CGMS RACP 1–9; for a specific response such as Set Bolus Response the CP's success code),
 * `ok` when that code is success. For reads, subscriptions and value writes `ok` is
 * att_error == 0 (and the value decoded, for the typed reads).
 */
typedef struct vp_answer {
	bool sent; /* false: nothing was sent (bad capture index, encoding) */
	uint8_t att_error;
	bool indicated;         /* a CP response arrived during the write */
	uint8_t cp_indications; /* how many (exactly one for every accepted CP write) */
	bool ok;
	uint16_t response_opcode;
	uint8_t code;
	uint16_t id;       /* bolus ID (Set/Cancel Bolus Response), annunciation ID */
	uint32_t count;    /* RACP Number of Stored Records */
	size_t data_count; /* Command Data / History Data / CGM records received */
	bool e2e_ok;       /* the response's E2E tail checked out (true when E2E is off) */
} vp_answer;

/* "att 0x05 insufficient_authentication", "response 0x1177 ok id 3", "response 0x0F55
 * code 0x74 procedure_not_applicable" … into buf; returns buf. */
const char *vp_answer_describe(const vp_answer *a, char *buf, size_t cap);

typedef struct vp_capture {
	int64_t t_min;
	gatt_char_id char_id;
	size_t len;
	uint8_t bytes[BLE_ATT_MAX_VALUE]; /* as sent: E2E tail included */
	vp_answer answer;                 /* what the server answered then */
} vp_capture;

enum { VP_CAPTURE_MAX = 128 };

typedef struct virtual_phone virtual_phone;

/* A phone on `link` (copied). It registers itself as a listener of the server; the server
 * must outlive it. NULL when memory is short or the server has no listener slot left. */
virtual_phone *virtual_phone_new(ble_server *srv, ble_link link);
void virtual_phone_free(virtual_phone *vp);

const ble_link *vp_link(const virtual_phone *vp);
void vp_set_auto_subscribe(virtual_phone *vp, bool on);
/* The ATT_MTU the link negotiated (default 23, the minimum every central supports and what
 * iOS hides from the app). A notification or indication longer than ATT_MTU − 3 arrives
 * cut, as BlueZ sends it, and fails its E2E check (counted by vp_cut_values). */
void vp_set_mtu(virtual_phone *vp, uint16_t mtu);
/* Disconnect and connect again (E2E counters restart on both sides; captures are kept). */
bool vp_reconnect(virtual_phone *vp, int64_t now_min);
/* Reconnect at another security level (e.g. before encryption is up: BLESA A10). */
bool vp_set_security(virtual_phone *vp, int64_t now_min, gatt_security level);

/* ---- a phone's intent ---- */

/*
 * Set Bolus. NORMAL: `immediate_u` now (IDS Fast); EXTENDED: `extended_u` over
 * `duration_min` (immediate_u must be 0); MULTIWAVE: both. Amounts rounded down to 0.01 U.
 * On success answer.id is the bolus ID (remembered for vp_cancel_bolus(…, 0)).
 */
vp_answer vp_bolus(virtual_phone *vp, int64_t now_min, pump_bolus_type type, double immediate_u,
                   double extended_u, int duration_min);
/* Cancel Bolus; bolus_id 0 = the last bolus this phone set, else the first active one
 * (asked with Get Active Bolus IDs). */
vp_answer vp_cancel_bolus(virtual_phone *vp, int64_t now_min, uint16_t bolus_id);
/* Set TBR Adjustment: absolute U/h (0.01) or relative % (whole). `change` = replace a running
 * TBR if there is one: the phone asks first (Get Active Basal Rate Delivery) and sets the
 * Change TBR bit only when a TBR runs (the server refuses Change with none running, and
 * refuses to replace a running one without it). `change` false sends the bit clear as is. */
vp_answer vp_temp_basal(virtual_phone *vp, int64_t now_min, pump_temp_basal_type type, double value,
                        int duration_min, bool change);
/* The same with a Basal Delivery Context (IDS_CONTEXT_AP_CONTROLLER: a closed loop's; 0: the
 * field is left out, as vp_temp_basal does). */
vp_answer vp_temp_basal_context(virtual_phone *vp, int64_t now_min, pump_temp_basal_type type,
                                double value, int duration_min, bool change, uint8_t context);
vp_answer vp_cancel_temp_basal(virtual_phone *vp, int64_t now_min);
/* Set Therapy Control State: RUN (resume), PAUSE (suspend), STOP. */
vp_answer vp_therapy_state(virtual_phone *vp, int64_t now_min, pump_therapy_state state);
vp_answer vp_set_max_bolus(virtual_phone *vp, int64_t now_min, double max_bolus_u);
/* answer.ok and *max_bolus_u (may be NULL). */
vp_answer vp_get_max_bolus(virtual_phone *vp, int64_t now_min, double *max_bolus_u);
vp_answer vp_prime(virtual_phone *vp, int64_t now_min, double amount_u);
vp_answer vp_fill_reservoir(virtual_phone *vp, int64_t now_min, double amount_u);
/* id 0 = the newest active annunciation (read from IDD Annunciation Status first). */
vp_answer vp_confirm_annunciation(virtual_phone *vp, int64_t now_min, uint16_t id);
vp_answer vp_snooze_annunciation(virtual_phone *vp, int64_t now_min, uint16_t id);
/* Any Command CP / Status Reader CP procedure (encoded with the codecs, sealed). */
vp_answer vp_command(virtual_phone *vp, int64_t now_min, const ids_command *cmd);
vp_answer vp_status_request(virtual_phone *vp, int64_t now_min, const ids_status_request *q);
/* The last decoded responses (valid after an answer with indicated = true). */
const ids_ccp_response *vp_last_command_response(const virtual_phone *vp);
const ids_status_response *vp_last_status_response(const virtual_phone *vp);

/* IDD RACP Report Stored Records (all): answer.data_count = History Data records (those of
 * the first burst; the rest stream at later ticks). The records are tallied by event type
 * until the procedure's response arrives (vp_history_read). */
vp_answer vp_read_history(virtual_phone *vp, int64_t now_min);
/* After vp_read_history: true once the whole report is in (its RACP response arrived),
 * with the records received by event type: types[i] (IDS code word) × counts[i], up to cap
 * pairs in *n. Reports each finished read once. */
bool vp_history_read(virtual_phone *vp, uint16_t *types, unsigned *counts, size_t cap, size_t *n);
/* IDD RACP Report Number of Stored Records (all): answer.count. */
vp_answer vp_history_count(virtual_phone *vp, int64_t now_min);
/* Any IDD RACP request. */
vp_answer vp_ids_racp(virtual_phone *vp, int64_t now_min, const ids_racp_request *q);
/* CGMS RACP Report Stored Records (all): answer.data_count = CGM records. */
vp_answer vp_read_cgm_history(virtual_phone *vp, int64_t now_min);
vp_answer vp_cgm_racp(virtual_phone *vp, int64_t now_min, const cgms_racp_request *q);
/* CGMS SOCP Set Communication Interval (0 off, 255 fastest). */
vp_answer vp_set_cgm_interval(virtual_phone *vp, int64_t now_min, uint8_t interval_min);
vp_answer vp_socp(virtual_phone *vp, int64_t now_min, const cgms_socp_request *q);
/* The last decoded SOCP response. */
const cgms_socp_response *vp_last_socp_response(const virtual_phone *vp);

/* Read a characteristic: the value as received (E2E tail included; checked). */
vp_answer vp_read(virtual_phone *vp, int64_t now_min, gatt_char_id id, uint8_t *out, size_t cap,
                  size_t *len);
vp_answer vp_read_status(virtual_phone *vp, int64_t now_min, ids_status *out);
vp_answer vp_read_annunciation(virtual_phone *vp, int64_t now_min, ids_annunciation_status *out);
vp_answer vp_read_features(virtual_phone *vp, int64_t now_min, ids_features *out);
vp_answer vp_read_battery(virtual_phone *vp, int64_t now_min, uint8_t *pct);
/* Device Information: manufacturer name (readable unpaired). */
vp_answer vp_read_device_info(virtual_phone *vp, int64_t now_min, char *out, size_t cap);

vp_answer vp_subscribe(virtual_phone *vp, int64_t now_min, gatt_char_id id, bool on);

/*
 * The scenario's `phone:` names. Reads: "status", "annunciations", "history", "features",
 * "cgm" (CGM records via RACP), "cgm_status", "battery", "device_info", "max_bolus",
 * "active_bolus", "basal", "total_daily", "iob", "delivered", "serial" (DIS, after
 * pairing only). Subscriptions: "cgm",
 * "status" (Status + Status Changed), "annunciations", "history", "battery". An unknown
 * name answers sent = false.
 */
vp_answer vp_read_named(virtual_phone *vp, int64_t now_min, const char *target);
vp_answer vp_subscribe_named(virtual_phone *vp, int64_t now_min, const char *target, bool on);
bool vp_read_target_known(const char *target);
bool vp_subscribe_target_known(const char *target);

/* ---- what it saw ---- */

size_t vp_notification_count(const virtual_phone *vp, gatt_char_id id);
/* The last value received on id (as received), NULL if none. */
const uint8_t *vp_last_value(const virtual_phone *vp, gatt_char_id id, size_t *len);
/* Server values whose E2E tail did not check out (0 unless something is broken). */
size_t vp_e2e_errors(const virtual_phone *vp);
/* Values that arrived cut at the MTU (0 unless the server sends something too long). */
size_t vp_cut_values(const virtual_phone *vp);

/* ---- the capture ---- */

size_t vp_capture_count(const virtual_phone *vp);
/* Index 0 is the oldest kept (the ring holds the last VP_CAPTURE_MAX writes). */
const vp_capture *vp_capture_get(const virtual_phone *vp, size_t index);
/* The last write at or before at_min (to `id`, or to any characteristic with
 * GATT_CHAR_COUNT); false when there is none. */
bool vp_capture_find(const virtual_phone *vp, int64_t at_min, gatt_char_id id, size_t *index);

/* ---- attacks ---- */

/* Replay capture `index` bit-exact (same E2E counter and CRC): R1/R2. */
vp_answer vp_attack_replay(virtual_phone *vp, int64_t now_min, size_t index);
/* Replay the last write at or before at_min (GATT_CHAR_COUNT: to any characteristic). */
vp_answer vp_attack_replay_at(virtual_phone *vp, int64_t now_min, int64_t at_min, gatt_char_id id);
/* Replay capture `index` with a fresh, valid E2E tail: the counter "happens to fit" (a new
 * connection, or an attacker who recomputes the CRC — a CRC is no MAC): R1 second half, R5. */
vp_answer vp_attack_replay_resealed(virtual_phone *vp, int64_t now_min, size_t index);
/* Flip bits (`xor_mask`) of byte `offset` of capture `index` and send it; `reseal` recomputes
 * a valid tail over the tampered payload. I1 (and what E2E alone cannot catch). */
vp_answer vp_attack_tamper(virtual_phone *vp, int64_t now_min, size_t index, size_t offset,
                           uint8_t xor_mask, bool reseal);
/* Raw bytes to a characteristic, as given (no tail added): I2–I5, I11. */
vp_answer vp_attack_raw(virtual_phone *vp, int64_t now_min, gatt_char_id id, const uint8_t *bytes,
                        size_t len);
/* `payload` with a tail whose counter is the expected one + delta (-1: the last accepted,
 * i.e. stale; +1: one skipped) and a valid CRC: R2. The phone's counter is not advanced. */
vp_answer vp_attack_counter(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                            const uint8_t *payload, size_t len, int delta);
/* A Set Bolus built from raw fields (any SFLOAT bit pattern: NaN 0x07FF, NRes 0x0800,
 * +INF 0x07FE, −INF 0x0802, reserved 0x0801, huge exponents), sealed validly: I7–I9, T1. */
vp_answer vp_attack_bolus_raw(virtual_phone *vp, int64_t now_min, uint8_t flags, uint8_t type,
                              uint16_t fast_raw, uint16_t extended_raw, uint16_t duration_min);

/*
 * How fast a central can go with BlueZ (docs/ble.md "Availability"): one ATT request per
 * connection event at the shortest connection interval a BlueZ central accepts (7.5 ms) on
 * one ATT bearer — 8,000 a minute; a central the pump disconnected gets back in at the
 * pump's next advertising event (BlueZ 5.66 advertises every 1.28 s).
 */
enum {
	VP_REQUEST_US = 7500,
	VP_RECONNECT_US = 1280000,
	VP_MINUTE_US = 60000000,
	VP_MAX_REQUESTS_PER_MIN = VP_MINUTE_US / VP_REQUEST_US,
};

typedef struct vp_flood_stats {
	size_t sent;
	size_t att_ok;       /* ATT accepted */
	size_t att_refused;  /* any ATT error */
	size_t rate_limited; /* 0xFE */
	size_t responses_ok; /* procedures answered with success */
	size_t dropped;      /* times the pump disconnected the phone */
	size_t reconnects, reconnects_refused;
	size_t not_sent; /* the minute was over (time spent waiting to reconnect) */
	vp_answer first, last;
} vp_flood_stats;

/* `n` writes of `payload` to `id` within one minute, each sealed afresh (valid E2E), at
 * the rate above: V1. Dropped by the pump, the phone reconnects as fast as it can and goes
 * on; what the minute has no time left for is not sent (not_sent). Not captured. */
vp_answer vp_attack_flood(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                          const uint8_t *payload, size_t len, size_t n, vp_flood_stats *out);
/* The same with `n` reads of `id` (an unpaired central reading Battery Level, V1/V3). */
vp_answer vp_attack_read_flood(virtual_phone *vp, int64_t now_min, gatt_char_id id, size_t n,
                               vp_flood_stats *out);
/* `n` CCCD toggles of `id` within one minute (on, off, on …): V2. */
vp_answer vp_attack_subscription_storm(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                                       size_t n, vp_flood_stats *out);

#endif
