/*
 * ble_gateway/server/ble_server.h — the GATT server of FakePump bound to the pump: the
 * public API of the server library (links: ble_link.h, audit: ble_audit.h, configuration:
 * ble_server_config.h, which this includes; the codecs are the protocol layer's).
 *
 * A transport hands it ATT requests (read, write, CCCD write) on a link with a stated
 * security level and gets back an ATT error code or 0; control-point responses,
 * notifications and indications come out of a callback as bytes. The in-process virtual
 * phone (virtual_phone.h), the tests, the fuzzer and the BlueZ adapter all drive this one
 * code path.
 *
 * It must never: touch D-Bus, GLib or any I/O; allocate after ble_server_new; read a byte
 * past `len`; leave a write without an explicit answer (an ATT error, or a control-point
 * response through the notify callback); let a refused write change the pump or advance
 * an E2E counter; trust the link level a transport claims less than the level the
 * characteristic needs (it checks again, behind BlueZ).
 *
 * Follows IDS 1.0.1, CGMS 1.0.1 and Core 5.3 Vol 3 Parts F and G (ATT, GATT) for the
 * services and procedures; the refusals answer the hostile-phone catalogue
 * (docs/ble-threats.md, row IDs below); FakePump's decisions are in docs/ble.md and
 * ble_gateway/README.md. Time is whole minutes since the start of the run (`now_min`), as
 * for the pump.
 */
#ifndef FAKEPUMP_BLE_SERVER_H
#define FAKEPUMP_BLE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "att.h"
#include "ble_audit.h"
#include "ble_fault.h"
#include "ble_link.h"
#include "ble_server_config.h"
#include "gatt_model.h"
#include "gatt_values.h"
#include "ids_codes.h"
#include "ids_values.h"
#include "pump_model.h"

enum { BLE_SERVER_MAX_LINKS = 8 };

typedef struct ble_server ble_server;

/*
 * A server bound to `p` (borrowed: it must outlive the server). Commands reach the pump
 * with PUMP_SOURCE_PHONE. NULL when memory is short or cfg is inconsistent. The server
 * does not see pump events by itself: whoever owns the pump's on_event callback forwards
 * them (ble_server_pump_event) — that feeds IDS history and the status indications.
 */
ble_server *ble_server_new(pump *p, const ble_server_config *cfg);
void ble_server_free(ble_server *srv);

/* The profile the IDS codecs validate against (features follow cfg->e2e). */
const ids_server_profile *ble_server_ids_profile(const ble_server *srv);
bool ble_server_e2e(const ble_server *srv);
ble_profile ble_server_profile(const ble_server *srv);

/*
 * What the server asks of the transport for a link: DISCONNECT (over its budget, evicted for
 * a bonded phone) or REVOKE (its bond was replaced at the pump: remove the bond and
 * disconnect). Called synchronously from inside a request or a tick: the transport must not
 * block on its peer there (BlueZ: an asynchronous Disconnect / RemoveDevice). The server has
 * already forgotten the link when it calls.
 */
typedef enum ble_link_action {
	BLE_LINK_DISCONNECT = 0,
	BLE_LINK_REVOKE,
} ble_link_action;

typedef void (*ble_link_action_fn)(const char *identity, ble_link_action action, const char *why,
                                   void *user_data);
/* One handler (the transport's); NULL to remove it. */
void ble_server_on_link_action(ble_server *srv, ble_link_action_fn fn, void *user_data);

/* Extra notify listeners (the in-process virtual phones): up to 8. */
bool ble_server_add_listener(ble_server *srv, ble_notify_fn fn, void *user_data);
void ble_server_remove_listener(ble_server *srv, ble_notify_fn fn, void *user_data);

/* ---- links ---- */

/*
 * A connection comes up: per-link state starts fresh (E2E counters at 0, no CCCDs,
 * procedures none). Requests on an unknown identity connect implicitly. Returns false
 * (audited) when the connection budget of this minute is spent or every slot is taken
 * (the transport should disconnect). Costs the pump a radio event.
 */
bool ble_server_connect(ble_server *srv, const ble_link *link, int64_t now_min);
/* The connection is gone: its procedures are aborted, flood summaries flushed, state
 * dropped. The duplicate rule is server-wide and survives (docs/ble-threats.md R5). */
void ble_server_disconnect(ble_server *srv, const char *identity, int64_t now_min);
bool ble_server_link_connected(const ble_server *srv, const char *identity);

/* ---- one controller (IDS Multiple Bond = 0; docs/ble-threats.md A8, A9) ---- */

/*
 * The pump serves one phone (its "controller") at the level IDS needs; any other link at
 * that level gets ATT 0x08 Insufficient Authorization on every IDS, CGMS, Current Time and
 * serial-number access (two controllers must never command side by side, and CP responses
 * reach every subscribed phone with BlueZ 5.66). The first link at the level is the
 * controller when no bond was announced this run (a bond from before the run).
 *
 * A new bond (the transport's news, after a pairing in the window the person opened at the
 * pump): the pump announces it (annunciation new_bond, which only the person may confirm)
 * and this returns its id. With no controller the new phone is the controller at once;
 * otherwise it waits, refused 0x08, until the person confirms the announcement at the pump:
 * then it is the controller, and the old controller's bond is revoked (dropped, and
 * ble_server_on_link_action REVOKE asks the transport to remove the bond).
 */
uint16_t ble_server_bond_created(ble_server *srv, const char *identity, int64_t now_min);
/* The bond of `identity` is gone (removed at the pump, or revoked): from now on the server
 * refuses that identity 0x05 at the IDS level even if a transport claims it is bonded (A8:
 * a phone reconnecting with a key the pump no longer has), until it bonds again. */
void ble_server_bond_removed(ble_server *srv, const char *identity, int64_t now_min);
/* The controller's identity ("" when none yet) and the one waiting for the person. */
const char *ble_server_controller(const ble_server *srv);
const char *ble_server_pending_controller(const ble_server *srv);

/* ---- ATT requests ---- */

/*
 * Read a characteristic value into out[cap]. Returns 0 with *len set, or an ATT error:
 * 0x11 no connection or an untrusted link dropped over its budget, 0x01 unknown id, 0x02
 * not readable, 0x05 link below the characteristic's level (or a revoked bond), 0x08 a
 * phone other than the pump's controller, 0xFE read budget spent, 0x0E value could not be
 * encoded or cap too small. IDS values carry
 * the E2E tail sealed with this link's counter for that characteristic (advanced by the
 * read); CGMS values their CRC. Refusals are audited.
 */
uint8_t ble_server_read(ble_server *srv, const ble_link *link, int64_t now_min, gatt_char_id id,
                        uint8_t *out, size_t cap, size_t *len);

typedef struct ble_write_options {
	uint16_t offset; /* BlueZ WriteValue "offset": non-zero → 0x07 */
	bool command;    /* Write Without Response ("type": "command") → 0x06 on every CP */
} ble_write_options;

/*
 * Write a characteristic value (opts NULL: a Write Request at offset 0). Returns 0 or an
 * ATT error, checked in this order (each refusal audited with link identity and level, raw
 * bytes and reason):
 *   0x11 no connection (refused: slots, budgets) or an untrusted link over its request
 *        budget (dropped) ·
 *   0x01 unknown id · 0xFE write budget of this link-minute spent (aggregated audit) ·
 *   0x03 not writable · 0x06 write command / 0x07 offset · 0x05 link below the level (or
 *        a revoked bond) · 0x08 a phone other than the pump's one controller ·
 *   0x0D longer than 512 octets, or an empty write where E2E cannot apply ·
 *   0xFD the control point's own indication not enabled on this link ·
 *   0x80 E2E tail missing, 0x82 counter not the next one, 0x81 CRC wrong (E2E on; the
 *        counter is advanced only when all pass) ·
 *   0xFE a RACP procedure already running on this link (anything but Abort) ·
 *   0xFF / 0x0D a malformed Session Start Time or Current Time value.
 * When 0 is returned for a control point, its response — the procedure's specific
 * response or a Response Code (IDS 0x0F/0x70–0x76, SOCP 1–5, RACP codes) — has already been
 * indicated through the notify callback, after any Command Data / History Data / CGM
 * Measurement notifications of the procedure. A refused write never changes the pump.
 */
uint8_t ble_server_write(ble_server *srv, const ble_link *link, int64_t now_min, gatt_char_id id,
                         const uint8_t *bytes, size_t len, const ble_write_options *opts);

/*
 * A CCCD write: enable (`on`) or disable notifications/indications of `id` on this link.
 * 0x11 as for reads, 0x01 when the characteristic has no CCCD, 0xFE over the CCCD budget
 * of this link-minute (a subscription storm: aggregated audit), 0x05 below the CCCD's
 * level, 0x08 a phone other than the pump's controller. Every accepted
 * change is audited; per-link subscriptions are one bit per characteristic (bounded).
 */
uint8_t ble_server_subscribe(ble_server *srv, const ble_link *link, int64_t now_min,
                             gatt_char_id id, bool on);
bool ble_server_subscribed(const ble_server *srv, const char *identity, gatt_char_id id);

/* ---- the pump side ---- */

/*
 * Forward every pump event here (from the pump's on_event callback). It records IDS
 * history (Reference Time, Bolus Programmed/Delivered, TBR Started/Ended, Therapy Control
 * State Changed, Annunciation Status Changed, Priming Done, Reservoir Remaining Amount
 * Changed, Delivered Basal Rate Changed, Max Bolus Amount Changed) in a bounded ring and
 * never sends anything itself: safe to call while the server is inside a pump call.
 */
void ble_server_pump_event(ble_server *srv, const pump_event *ev);

/*
 * Once per minute, after pump_tick (`delivered` = what it returned, may be NULL): totals
 * for the Status Reader, Status Changed / Status / Annunciation Status indications and
 * Battery Level notifications for whatever changed, the next burst of running RACP
 * procedures, flood/storm summaries of floods that ended.
 */
void ble_server_tick(ble_server *srv, int64_t now_min, const pump_delivery *delivered);

/*
 * The next burst of every running RACP report, now, without the rest of a tick. For a
 * transport paced by the wall clock: the BlueZ gateway calls it between minutes so that a
 * phone's history sync does not wait a simulated minute per burst (at --speed 1, 128
 * records a minute). Deterministic runs leave reports to ble_server_tick.
 */
void ble_server_continue_reports(ble_server *srv, int64_t now_min);

/*
 * A CGM reading of this minute (mg/dL; NaN = none, ignored) with its sensor status
 * annunciation bits (CGMS_SSA_*, 0 normally). Its time is what a closed loop's TBR is
 * checked against (ap_cgm_max_age_min), session or not. Stored with its session time offset for
 * CGMS RACP (bounded history) when a session runs; notified as CGM Measurement to subscribed links
 * whose communication interval has elapsed. Readings outside 40 … 400 mg/dL are reported at the
 * bound with the below/above device range bit.
 */
void ble_server_cgm_sample(ble_server *srv, int64_t now_min, double mgdl, uint32_t ssa);

/* Emit the summaries of floods/storms still open (end of run). */
void ble_server_flush_audit(ble_server *srv, int64_t now_min);

/*
 * The pump changed outside a request and a tick (the person at the pump between minutes,
 * `fakepump ctl`): indicate what changed to the links that enabled it, now.
 */
void ble_server_publish(ble_server *srv, int64_t now_min);
/* The DIS Serial Number this pump reports (several pumps on one machine: one each). */
void ble_server_set_serial_number(ble_server *srv, const char *serial);

/* ---- faults shown to the phone on purpose (ble_fault.h) ---- */

/*
 * Start fault `f` at now_min (audited, with f->origin). Instant faults act now; a lasting
 * fault replaces one of its kind; a one-shot fault arms. False, with nothing changed and
 * *why set, when it cannot apply here (a bad_crc or counter_jump with E2E off, an argument
 * out of range).
 */
bool ble_server_fault(ble_server *srv, const ble_fault *f, int64_t now_min, const char **why);
/* End the faults of `kind` (BLE_FAULT_COUNT: every one); audited when one was on. Values a
 * delay held are sent now. */
void ble_server_fault_clear(ble_server *srv, ble_fault_kind kind, int64_t now_min);
/* Whether a fault of `kind` is on (armed, or lasting and not over) at now_min. */
bool ble_server_fault_active(const ble_server *srv, ble_fault_kind kind, int64_t now_min);
/* The delay in force at now_min, in ms (0: none). */
uint32_t ble_server_fault_delay_ms(const ble_server *srv, int64_t now_min);
/* Values held by a delay: how many, and send them now (in order; those of a link that has
 * gone since are dropped). The tick sends them unless the transport said it will. */
size_t ble_server_held_count(const ble_server *srv);
void ble_server_release_held(ble_server *srv, int64_t now_min);
void ble_server_release_held_by_transport(ble_server *srv, bool transport_releases);

/* ---- numbers for tests, reports and expectations ---- */

typedef struct ble_server_stats {
	uint64_t reads, writes, subscriptions; /* requests received (any outcome) */
	uint64_t refused;                      /* requests answered with an ATT error */
	uint64_t responses;                    /* control-point responses indicated */
	uint64_t commands_accepted;            /* CP procedures answered with success */
	uint64_t commands_refused;             /* CP procedures answered with a failure code */
	uint64_t e2e_refused;                  /* 0x80/0x81/0x82 */
	uint64_t auth_refused;                 /* 0x05 */
	uint64_t duplicates_refused;           /* replay/duplicate 0x74 */
	uint64_t rate_limited;                 /* writes and reads over budget */
	uint64_t storm_refused;                /* CCCD writes over budget */
	uint64_t connections, connections_refused;
	uint64_t links_dropped; /* disconnected by the server (budgets, eviction, revocation) */
	uint64_t notifications; /* notifications + indications sent */
	uint64_t audit_events;
	uint64_t history_events;  /* IDS history records made (all time) */
	uint64_t history_skipped; /* housekeeping records over their hourly budget */
	uint64_t cgm_records;     /* CGM records stored (all time) */
	uint64_t pump_commands;   /* pump calls made by the server */
	uint64_t faults_applied;  /* values or requests a fault changed (ble_fault.h) */
} ble_server_stats;

void ble_server_get_stats(const ble_server *srv, ble_server_stats *out);
/* Records held now. */
size_t ble_server_history_count(const ble_server *srv);
size_t ble_server_cgm_count(const ble_server *srv);
/* The CGM communication interval in force (min). */
int ble_server_cgm_interval(const ble_server *srv);

#endif
