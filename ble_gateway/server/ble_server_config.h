/*
 * ble_gateway/server/ble_server_config.h — how a server is configured: its security
 * profile, E2E, Device Information, the wall clock of t = 0, the replay/duplicate window,
 * the budgets of trusted and untrusted links, CGMS, the closed-loop checks, the history's
 * housekeeping budget, and its callbacks.
 *
 * Must never: be read after ble_server_new returns (the server keeps its own copy, and
 * copies the strings).
 */
#ifndef FAKEPUMP_BLE_SERVER_CONFIG_H
#define FAKEPUMP_BLE_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_audit.h"
#include "ble_link.h"
#include "gatt_model.h"
#include "gatt_values.h"

/*
 * The security profile (docs/ble.md "Profiles"). HARDENED is the default.
 * LEGACY_VULNERABLE exists only for side-by-side demonstrations of what the same attacks do
 * to an unprotected pump. It changes exactly these five things, nothing else:
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
 *     scenario's pump configuration;
 *  5. no one-controller rule: any phone at the (lowered) level may command.
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
	/* Closed loop (docs/ble-threats.md T8, docs/ble.md): a Set TBR whose Delivery Context is AP
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

#endif
