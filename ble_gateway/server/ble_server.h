/*
 * ble_gateway/ble_server.h — the GATT server of FakePump bound to the pump: the public API
 * of the protocol layer's server half (the codecs are in protocol.h, which this includes).
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
 * Spec: shared/spec/ble-protocol.md (§ numbers below) and security-cases.md (row IDs);
 * decisions in docs/ble.md and ble_gateway/README.md. Time is whole minutes since the start
 * of the run (`now_min`), as for the pump.
 */
#ifndef FAKEPUMP_BLE_SERVER_H
#define FAKEPUMP_BLE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "att.h"
#include "gatt_model.h"
#include "gatt_values.h"
#include "ids_codes.h"
#include "ids_values.h"
#include "pump_model.h"

/* ---------------------------------------------------------------------------------- */
/* Links                                                                               */
/* ---------------------------------------------------------------------------------- */

enum { BLE_LINK_IDENTITY_MAX = 64, BLE_SERVER_MAX_LINKS = 8 };

/*
 * A connection as the transport sees it. `security` uses the GATT model's levels:
 *   GATT_SEC_NONE           unencrypted link;
 *   GATT_SEC_ENCRYPTED      encrypted with an unauthenticated key (Just Works);
 *   GATT_SEC_AUTHENTICATED  encrypted, MITM-authenticated legacy pairing (passkey);
 *   GATT_SEC_SECURE         LE Secure Connections with MITM (what IDS/CGMS require).
 * The scenario's `link: authenticated | encrypted | unencrypted` maps to SECURE /
 * ENCRYPTED / NONE (ble_link_security_from_name).
 * The server keys its per-link state (E2E counters, CCCDs, procedure in progress, rate
 * limits) by `identity`; a request with a known identity but another security level is a
 * new connection (state reset, audited): a link is never trusted for what it "was".
 */
typedef struct ble_link {
	char identity[BLE_LINK_IDENTITY_MAX]; /* device path or identity address */
	gatt_security security;
	bool bonded;
} ble_link;

/* A link value; `identity` is copied (truncated to fit). */
ble_link ble_link_make(const char *identity, gatt_security security, bool bonded);
/* "unencrypted", "encrypted (Just Works)", "authenticated (legacy MITM)",
 * "authenticated (LE SC + MITM)". */
const char *ble_link_security_name(gatt_security s);
/* "authenticated" → SECURE, "encrypted"/"just_works" → ENCRYPTED, "unencrypted"/"none" →
 * NONE; false for anything else. */
bool ble_link_security_from_name(const char *name, gatt_security *out);

/* ---------------------------------------------------------------------------------- */
/* Configuration                                                                       */
/* ---------------------------------------------------------------------------------- */

/*
 * The security profile (docs/ble.md "Profiles"). HARDENED is the default.
 * LEGACY_VULNERABLE exists only for side-by-side demonstrations of what the same attacks do
 * to an unprotected pump. It changes exactly these four things, nothing else:
 *  1. no E2E check: with E2E on, the tail of a write is stripped by length only; counter and
 *     CRC are not verified (responses are still sealed);
 *  2. no duplicate check: a replayed Set Bolus is executed again;
 *  3. Just Works accepted: IDS, CGMS, Current Time and the DIS serial number need only an
 *     encrypted link (GATT_SEC_ENCRYPTED) instead of LE SC + MITM; an unencrypted link is
 *     still refused (0x05);
 *  4. no dose limits of the binding: the server adds no check of its own beyond strict
 *     decoding (today its only own dose check is the duplicate rule). The pump's hard limits
 *     (max bolus, basal, daily, IOB, state) are the pump's and stay: they live in pump_model,
 *     which the protocol layer can neither see past nor switch off; a demo loosens them in the
 *     scenario's pump configuration.
 * Rate limits are separate knobs; ble_server_config_defaults() sets them to 0 (unlimited)
 * for LEGACY_VULNERABLE so that floods and storms show their cost.
 */
typedef enum ble_profile {
	BLE_PROFILE_HARDENED = 0,
	BLE_PROFILE_LEGACY_VULNERABLE,
} ble_profile;

const char *ble_profile_name(ble_profile p);
/* "hardened", "legacy-vulnerable" (also "legacy_vulnerable"). */
bool ble_profile_from_name(const char *name, ble_profile *out);

/* ---- audit ---- */

typedef enum ble_audit_kind {
	BLE_AUDIT_READ = 0,
	BLE_AUDIT_WRITE,
	BLE_AUDIT_SUBSCRIBE,  /* a CCCD write (on or off) */
	BLE_AUDIT_CONNECTION, /* connect, new security level, disconnect */
	BLE_AUDIT_FLOOD,      /* aggregate: writes refused by the rate limit */
	BLE_AUDIT_STORM,      /* aggregate: CCCD writes refused by the rate limit */
	/* Not the server's: what a scenario's in-process phone did (sim/engine_ble.c), in the
	 * same audit so that a run's record holds it and expectations can check it. */
	BLE_AUDIT_ATTACK, /* an attack step: reason = its kind, count = requests sent, answer */
	BLE_AUDIT_PHONE,  /* a phone step: one it could not do (refused), or what a read got */
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
} ble_audit_event;

typedef void (*ble_audit_fn)(const ble_audit_event *ev, void *user_data);

/*
 * A notification or indication for the transport (and any listener): the characteristic,
 * the link it goes to, and the value bytes (E2E tail included when on). Control-point
 * responses are indications and are delivered before ble_server_write returns.
 */
typedef void (*ble_notify_fn)(const ble_link *link, gatt_char_id id, bool indication,
                              const uint8_t *value, size_t len, void *user_data);

enum { BLE_DIS_STRING_MAX = 48 };

typedef struct ble_server_config {
	ble_profile profile;
	/* E2E-Protection: IDS Features b0 (counter + CRC on every IDS value and CP) and CGMS
	 * Feature b12 (CRC). */
	bool e2e;
	/* Device Information (copied). */
	const char *manufacturer_name;
	const char *model_number;
	const char *serial_number;
	const char *hardware_revision;
	const char *firmware_revision;
	const char *software_revision;
	uint64_t system_id_manufacturer; /* 40 bit */
	uint32_t system_id_oui;          /* 24 bit */
	dis_pnp_id pnp_id;
	/* Wall clock of t = 0 (Current Time, Session Start Time, history Reference Time); a
	 * year of 0 means 2024-01-01 at the pump's start_min_of_day. */
	ble_date_time start_date_time;
	/* Replay/duplicate rule (docs/ble.md): an identical Set Bolus is refused (0x74) while
	 * the bolus it repeats is active or within this many minutes of it. 0 = off. */
	int duplicate_window_min;
	/* Per-link, per-minute budgets of a trusted link (bonded, at the level IDS needs);
	 * 0 = unlimited. Over budget → ATT 0xFE (throttled), aggregated. */
	int max_writes_per_min;
	int max_reads_per_min;
	int max_cccd_writes_per_min;
	/* Connections of known phones (bonded links) per minute; over it ble_server_connect
	 * refuses. Strangers have their own budget below and never spend this one. */
	int max_connects_per_min;
	/*
	 * Untrusted links (docs/ble.md "Availability"): a stranger (not bonded) or a bonded
	 * identity that has not yet proven the level. They are cheap to serve and can never
	 * lock a bonded phone out:
	 *  - strangers hold at most max_stranger_links of the BLE_SERVER_MAX_LINKS slots, and a
	 *    bonded link that finds no free slot takes the oldest stranger's (dropped);
	 *  - at most max_stranger_connects_per_min stranger connections a minute;
	 *  - an untrusted link is dropped at its max_untrusted_requests_per_link-th request
	 *    beyond the first … (reads, writes, CCCD writes: enough to read Device Information
	 *    and start pairing), and strangers together at max_stranger_requests_per_min.
	 * A drop is audited and asked of the transport (ble_server_on_link_action). 0 = no limit.
	 */
	int max_stranger_links;
	int max_stranger_connects_per_min;
	int max_untrusted_requests_per_link;
	int max_stranger_requests_per_min;
	/* CGMS: communication interval at start (min; 0 = periodic notifications off), the
	 * fastest the server supports (SOCP 0xFF and anything faster clamp to it), the session
	 * run time it reports (h), and whether a session runs from t = 0. */
	int cgm_interval_min;
	int cgm_min_interval_min;
	uint16_t cgm_session_run_time_h;
	bool cgm_session_running;
	/* RACP: records sent per request or tick before the rest waits for the next tick. */
	int racp_records_per_burst;
	/* Closed loop (security-cases T8, docs/ble.md): a Set TBR whose Delivery Context is AP
	 * controller is refused (0x75) when the pump's newest CGM reading is older than
	 * ap_cgm_max_age_min (or there is none), and (0x73) when it runs longer than
	 * ap_tbr_max_min — so a controller that loses the CGM falls back to the programmed
	 * basal by itself. 0 = no check (legacy-vulnerable skips both: profile item 4). */
	int ap_cgm_max_age_min;
	int ap_tbr_max_min;
	/* IDS history: records a collector's writes can cause without changing therapy (a
	 * clock set, a max bolus change, an annunciation snoozed or confirmed from a phone)
	 * are kept at most this many per hour; the rest are counted, not recorded, so that
	 * harmless writes cannot push doses out of the history (docs/ble.md "IDS history").
	 * Writes that change nothing record nothing. 0 = every write recorded, as it comes
	 * (legacy-vulnerable's default). */
	int history_housekeeping_per_hour;
	ble_audit_fn on_audit; /* may be NULL */
	void *audit_user_data;
	ble_notify_fn on_notify; /* the transport; may be NULL */
	void *notify_user_data;
} ble_server_config;

/*
 * Defaults for a profile: E2E on; FakePump DIS strings; duplicate window 15 min; budgets
 * 30 writes, 120 reads, 20 CCCD writes per link-minute and 6 connections a minute
 * (hardened) or unlimited (legacy-vulnerable, see above); CGM interval 1 min (fastest 1),
 * session of 240 h running; RACP bursts of 128 records.
 */
void ble_server_config_defaults(ble_server_config *cfg, ble_profile profile);

/* ---------------------------------------------------------------------------------- */
/* The server                                                                          */
/* ---------------------------------------------------------------------------------- */

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
 * dropped. The duplicate rule is server-wide and survives (security-cases R5). */
void ble_server_disconnect(ble_server *srv, const char *identity, int64_t now_min);
bool ble_server_link_connected(const ble_server *srv, const char *identity);

/* ---- one controller (IDS Multiple Bond = 0; security-cases A8, A9) ---- */

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
 * checked against (ap_cgm_max_age_min), session or not. Stored with its session time offset for CGMS
 * RACP (bounded history) when a session runs; notified as CGM Measurement to subscribed
 * links whose communication interval has elapsed. Readings outside 40 … 400 mg/dL are
 * reported at the bound with the below/above device range bit.
 */
void ble_server_cgm_sample(ble_server *srv, int64_t now_min, double mgdl, uint32_t ssa);

/* Emit the summaries of floods/storms still open (end of run). */
void ble_server_flush_audit(ble_server *srv, int64_t now_min);

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
	uint64_t history_events; /* IDS history records made (all time) */
	uint64_t history_skipped; /* housekeeping records over their hourly budget */
	uint64_t cgm_records;    /* CGM records stored (all time) */
	uint64_t pump_commands;  /* pump calls made by the server */
} ble_server_stats;

void ble_server_get_stats(const ble_server *srv, ble_server_stats *out);
/* Records held now. */
size_t ble_server_history_count(const ble_server *srv);
size_t ble_server_cgm_count(const ble_server *srv);
/* The CGM communication interval in force (min). */
int ble_server_cgm_interval(const ble_server *srv);

#endif
