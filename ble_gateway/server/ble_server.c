/*
 * ble_server.c — the GATT server bound to the pump (see ble_server.h for the contract).
 *
 * Must never: allocate after ble_server_new; read past a length; answer a control-point
 * write with silence; advance an E2E counter on a refused PDU (security-cases R2); let a
 * refused write reach the pump; send a notification from inside ble_server_pump_event
 * (it may run inside a pump call the server itself made).
 *
 * What it follows: ble-protocol.md §1.2–1.7 for the services, procedures and codes;
 * security-cases.md for the refusals (A1–A3, R1–R7, I1–I12, V1–V2, T1–T10); BlueZ
 * src/shared/gatt-server.c for the shape (checks in the server, not only in bluetoothd).
 * The decisions this file makes (docs/ble.md):
 *  - write checks, in order: handle, rate budget, writable, write type/offset, link level,
 *    length, CP indication enabled (0xFD), E2E tail/counter/CRC (§1.6), then the procedure;
 *  - replay/duplicate rule: a Set Bolus whose payload (opcode + operand, E2E tail excluded)
 *    equals one accepted before, from any link or connection, is refused with 0x74 while that
 *    bolus is active or within duplicate_window_min of it — E2E cannot catch a retry on a new
 *    connection (counters restart) nor a re-sealed replay (a CRC is not a MAC);
 *  - a procedure that needs a data characteristic (Read Basal Template, Get Template
 *    Status, RACP Report) whose notifications are off answers "procedure not applicable"
 *    (IDS CCP 0x74, IDD RACP 0x0A) or "procedure not completed" (CGMS RACP 8);
 *  - Cancel Bolus with ID 0 is "no such bolus" (IDs start at 1): the pump reads 0 as
 *    "whichever", which a remote must never get (R4);
 *  - Set TBR never silently replaces a running TBR: Change TBR set with none active, or
 *    clear with one active → 0x74;
 *  - RACP Delete is refused (op code not supported) on both services: history is evidence;
 *  - radio cost: one pump_radio_event per request received, per notification/indication
 *    sent and per connection, and the connection events of every link each minute;
 *  - availability: strangers (not bonded) have a pool of slots and budgets of their own and
 *    are dropped beyond them, a bonded phone takes the oldest stranger's slot; floods are
 *    audited once a minute while they last;
 *  - one controller (IDS Multiple Bond = 0): another phone at the level gets 0x08 until the
 *    person confirms its bond at the pump, which revokes the first;
 *  - a closed loop's TBR needs a CGM reading at most 15 min old (T8);
 *  - IDS history: no record for a write that changes nothing, housekeeping records a
 *    collector can cause kept at most 12 an hour, History Data sealed with a CRC only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble_server.h"
#include "cgms.h"
#include "codec.h"
#include "e2e.h"
#include "ids_ccp.h"
#include "ids_racp.h"
#include "ids_srcp.h"
#include "pump_binding.h"

#ifndef FAKEPUMP_VERSION
#define FAKEPUMP_VERSION "unknown" /* set by meson.build */
#endif

enum {
	HISTORY_MAX = 512,
	CGM_MAX = 2880, /* two days of one-minute readings */
	DUP_MAX = 8,
	REVOKED_MAX = 4,       /* bonds revoked or removed this run, refused at the IDS level */
	HOUSEKEEPING_MAX = 64, /* the most history_housekeeping_per_hour can be */
	DUP_BYTES_MAX = 32,
	LISTENERS_MAX = 8,
	HEX_MAX = BLE_ATT_MAX_VALUE * 3 + 1,
	OUT_MAX = 64,
	/* A Reference Time event is recorded again before the uint16 relative offset (s)
	 * would overflow. */
	REFERENCE_REBASE_S = 60000,
	CGM_LOW_MGDL = 40,
	CGM_HIGH_MGDL = 400,
	CGM_TREND_WINDOW_MIN = 15,
	DAY_MIN = 1440,
};

_Static_assert(GATT_CHAR_COUNT <= 32, "one subscription bit per characteristic");

/* Reference Time recording reasons, Bolus/TBR end reasons, Priming Done termination
 * reasons (ABP idd/historydata/ parsers). */
enum {
	REF_REASON_UNDETERMINED = 0x0F,
	REF_REASON_SET_DATE_TIME = 0x33,
	REF_REASON_PERIODIC = 0x3C,
	END_REASON_DURATION_OVER = 0x33,
	END_REASON_CANCELED = 0x3C,
	END_REASON_ERROR_ABORT = 0x55,
	PRIMING_AMOUNT_REACHED = 0x3C,
};

/* ---------------------------------------------------------------------------------- */
/* State                                                                               */
/* ---------------------------------------------------------------------------------- */

typedef struct rate_window {
	int64_t window_min;
	uint32_t count;
} rate_window;

/* Requests refused over a budget: the first is audited on its own, the rest are counted
 * and reported in aggregate once a minute while the flood lasts and once when it is over. */
typedef struct flood_agg {
	bool active;
	uint32_t refused;  /* all of this flood, the first included */
	uint32_t reported; /* of which audited so far */
	int64_t first_min, last_min;
	gatt_char_id char_id;
} flood_agg;

typedef struct racp_proc {
	bool active;
	bool cgms;         /* CGM RACP, else IDD RACP */
	uint64_t cursor;   /* next absolute record index (IDS: = sequence number) */
	uint64_t end;      /* last absolute index included */
	uint32_t min, max; /* filter on sequence number / time offset */
	uint32_t sent;
} racp_proc;

/* How far a link is trusted (docs/ble.md "Availability"). */
typedef enum link_class {
	LINK_STRANGER = 0, /* not bonded */
	LINK_UNPROVEN,     /* bonded, but not (yet) at the level IDS needs on this connection */
	LINK_TRUSTED,      /* bonded, at the level */
} link_class;

typedef struct link_state {
	bool used;
	ble_link link;
	uint64_t opened;             /* connection sequence number: the oldest is the smallest */
	uint32_t untrusted_requests; /* requests while not trusted, this connection */
	ids_e2e_link ids;
	uint32_t subscribed; /* bit per gatt_char_id */
	uint16_t sc_flags;   /* IDD Status Changed flags not yet reset by this collector */
	rate_window writes, reads, cccd;
	flood_agg write_flood, read_flood, storm;
	racp_proc racp;
	bool cgm_notified;
	int64_t last_cgm_notify_min;
} link_state;

typedef struct cgm_rec {
	uint16_t offset_min;
	bool has_trend;
	float mgdl;
	float trend_mgdl_per_min;
	uint32_t ssa;
} cgm_rec;

typedef struct dup_entry {
	bool used;
	int64_t t_min;
	uint16_t bolus_id;
	size_t len;
	uint8_t bytes[DUP_BYTES_MAX];
} dup_entry;

/* What the status indications compare against. */
typedef struct snapshot {
	uint8_t tcs, opstate;
	long reservoir_whole_u;
	bool ann_present;
	uint16_t ann_id;
	uint8_t ann_status;
	bool bolus_active;
	uint16_t bolus_id;
	double basal_u_per_h;
	int battery_whole_pct;
	uint64_t history_total;
	double day_total_u;
} snapshot;

struct ble_server {
	pump *p;
	ble_server_config cfg;
	char dis[6][BLE_DIS_STRING_MAX + 1];
	ids_server_profile profile;
	int64_t base_epoch_min; /* wall clock of t = 0, minutes since 1970 */
	int64_t cts_adjust_min; /* a collector's Current Time write */

	link_state links[BLE_SERVER_MAX_LINKS];
	struct {
		ble_notify_fn fn;
		void *user_data;
	} listeners[LISTENERS_MAX];

	/* IDS history */
	ids_history_event hist[HISTORY_MAX];
	bool phone_command; /* the pump events now come from a collector's command */
	int64_t housekeeping[HOUSEKEEPING_MAX]; /* when recent housekeeping records were made */
	size_t housekeeping_next;
	uint64_t hist_total; /* = next sequence number */
	size_t hist_count;
	bool has_ref;
	int64_t ref_min;
	uint8_t last_tcs;
	double last_basal_u_per_h;
	double last_max_bolus_u;
	bool tbr_active;
	int64_t tbr_start_min;
	int tbr_duration_min;
	uint8_t tbr_type;

	/* the active bolus as programmed (fast/extended split for the Status Reader) */
	struct {
		bool valid;
		uint16_t id;
		uint8_t type;
		double fast_u, extended_u;
		uint16_t duration_min;
	} bolus;

	dup_entry dup[DUP_MAX];
	size_t dup_next;

	/* CGMS */
	cgm_rec cgm[CGM_MAX];
	uint64_t cgm_total;
	size_t cgm_count;
	bool session_running;
	int64_t session_start_min;
	bool has_session_start_time;
	cgms_session_start_time session_start_time;
	int cgm_interval_min;
	bool has_last_cgm;
	int64_t last_cgm_min;
	bool has_reading; /* any CGM reading at all, session or not (T8) */
	int64_t last_reading_min;
	double last_cgm_mgdl;
	uint16_t last_offset_min;
	bool has_calibration;
	cgms_calibration calibration;
	double alert_level[6]; /* patient high, low, hypo, hyper, decrease, increase */

	/* Status Reader totals */
	int64_t day_index;
	double day_bolus_u, day_basal_u;
	double life_bolus_u, life_basal_u;
	int64_t reservoir_since_min;

	snapshot snap;
	rate_window connects;
	rate_window stranger_connects, stranger_requests;
	flood_agg connect_flood;
	uint64_t opened_total;
	/* one controller (ble_server_bond_created) */
	char controller[BLE_LINK_IDENTITY_MAX];
	char pending[BLE_LINK_IDENTITY_MAX];
	uint16_t pending_announcement;
	char revoked[REVOKED_MAX][BLE_LINK_IDENTITY_MAX];
	size_t revoked_next;
	unsigned bonds_created; /* this run: the new_bond announcement's AuxInfo */
	ble_link_action_fn link_fn;
	void *link_user_data;
	ble_server_stats stats;
	char hex[HEX_MAX];
	char detail[200];
};

/* ---------------------------------------------------------------------------------- */
/* Names                                                                               */
/* ---------------------------------------------------------------------------------- */

ble_link ble_link_make(const char *identity, gatt_security security, bool bonded)
{
	ble_link l = {{0}, security, bonded};
	if (identity)
		snprintf(l.identity, sizeof l.identity, "%s", identity);
	return l;
}

const char *ble_link_security_name(gatt_security s)
{
	switch (s) {
	case GATT_SEC_NONE:
		return "unencrypted";
	case GATT_SEC_ENCRYPTED:
		return "encrypted (Just Works)";
	case GATT_SEC_AUTHENTICATED:
		return "authenticated (legacy MITM)";
	case GATT_SEC_SECURE:
		return "authenticated (LE SC + MITM)";
	}
	return "unknown";
}

bool ble_link_security_from_name(const char *name, gatt_security *out)
{
	if (!name)
		return false;
	if (strcmp(name, "authenticated") == 0 || strcmp(name, "secure") == 0)
		*out = GATT_SEC_SECURE;
	else if (strcmp(name, "encrypted") == 0 || strcmp(name, "just_works") == 0 ||
	         strcmp(name, "just-works") == 0)
		*out = GATT_SEC_ENCRYPTED;
	else if (strcmp(name, "legacy_authenticated") == 0)
		*out = GATT_SEC_AUTHENTICATED;
	else if (strcmp(name, "unencrypted") == 0 || strcmp(name, "none") == 0)
		*out = GATT_SEC_NONE;
	else
		return false;
	return true;
}

const char *ble_profile_name(ble_profile p)
{
	return p == BLE_PROFILE_LEGACY_VULNERABLE ? "legacy-vulnerable" : "hardened";
}

bool ble_profile_from_name(const char *name, ble_profile *out)
{
	if (!name)
		return false;
	if (strcmp(name, "hardened") == 0)
		*out = BLE_PROFILE_HARDENED;
	else if (strcmp(name, "legacy-vulnerable") == 0 || strcmp(name, "legacy_vulnerable") == 0)
		*out = BLE_PROFILE_LEGACY_VULNERABLE;
	else
		return false;
	return true;
}

const char *ble_audit_kind_name(ble_audit_kind k)
{
	static const char *const names[BLE_AUDIT_KIND_COUNT] = {
	    "read", "write", "subscribe", "connection", "flood", "storm", "attack", "phone"};
	return (unsigned)k < BLE_AUDIT_KIND_COUNT ? names[k] : "unknown";
}

const char *ble_decision_name(ble_decision d)
{
	return d == BLE_DECISION_ACCEPTED ? "accepted" : "refused";
}

/* ---------------------------------------------------------------------------------- */
/* Configuration                                                                       */
/* ---------------------------------------------------------------------------------- */

void ble_server_config_defaults(ble_server_config *cfg, ble_profile profile)
{
	bool hardened = profile == BLE_PROFILE_HARDENED;
	*cfg = (ble_server_config){
	    .profile = profile,
	    .e2e = true,
	    .manufacturer_name = "FakePump HIL",
	    .model_number = "FP-1",
	    .serial_number = "FP1-000001",
	    .hardware_revision = "sim",
	    .firmware_revision = FAKEPUMP_VERSION,
	    .software_revision = FAKEPUMP_VERSION,
	    .system_id_manufacturer = 0x0000000001u,
	    .system_id_oui = 0x000000u,
	    .pnp_id = {.vendor_id_source = 2,
	               .vendor_id = 0xFFFF,
	               .product_id = 0x0001,
	               .product_version = 0x0001},
	    .duplicate_window_min = 15,
	    .max_writes_per_min = hardened ? 30 : 0,
	    .max_reads_per_min = hardened ? 120 : 0,
	    .max_cccd_writes_per_min = hardened ? 20 : 0,
	    .max_connects_per_min = hardened ? 6 : 0,
	    .max_stranger_links = hardened ? 2 : 0,
	    .max_stranger_connects_per_min = hardened ? 2 : 0,
	    .max_untrusted_requests_per_link = hardened ? 30 : 0,
	    .max_stranger_requests_per_min = hardened ? 60 : 0,
	    .cgm_interval_min = 1,
	    .cgm_min_interval_min = 1,
	    .cgm_session_run_time_h = 240,
	    .cgm_session_running = true,
	    .racp_records_per_burst = 128,
	    .ap_cgm_max_age_min = hardened ? 15 : 0,
	    .ap_tbr_max_min = hardened ? 30 : 0,
	    .history_housekeeping_per_hour = hardened ? 12 : 0,
	};
}

/* ---------------------------------------------------------------------------------- */
/* Civil time (Howard Hinnant's days-from-civil algorithms)                            */
/* ---------------------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t epoch_min_of(const ble_date_time *dt)
{
	return days_from_civil(dt->year, dt->month, dt->day) * DAY_MIN + dt->hours * 60 +
	       dt->minutes;
}

/* The wall clock at run minute t (seconds 0), clamped to the Date Time range. */
static ble_date_time date_at(const ble_server *srv, int64_t t_min, uint8_t *day_of_week)
{
	int64_t e = srv->base_epoch_min + t_min + srv->cts_adjust_min;
	int64_t days = e >= 0 ? e / DAY_MIN : -((-e + DAY_MIN - 1) / DAY_MIN);
	int64_t mod = e - days * DAY_MIN;
	int64_t y = 0;
	unsigned m = 0, d = 0;
	civil_from_days(days, &y, &m, &d);
	ble_date_time dt = {(uint16_t)(y < 1582   ? 1582
	                               : y > 9999 ? 9999
	                                          : y),
	                    (uint8_t)m,
	                    (uint8_t)d,
	                    (uint8_t)(mod / 60),
	                    (uint8_t)(mod % 60),
	                    0};
	if (day_of_week) {
		int64_t w = (days % 7 + 7 + 4) % 7; /* 0 = Sunday (1970-01-01 was a Thursday) */
		*day_of_week = (uint8_t)(w == 0 ? 7 : w);
	}
	return dt;
}

/* ---------------------------------------------------------------------------------- */
/* Small helpers                                                                       */
/* ---------------------------------------------------------------------------------- */

static bool is_ids(gatt_char_id id)
{
	return id <= GATT_IDD_HISTORY_DATA;
}

static bool is_cgms(gatt_char_id id)
{
	return id >= GATT_CGM_MEASUREMENT && id <= GATT_CGM_SOCP;
}

static bool legacy(const ble_server *srv)
{
	return srv->cfg.profile == BLE_PROFILE_LEGACY_VULNERABLE;
}

/* The level a request needs here: legacy-vulnerable accepts any encryption (Just Works). */
static gatt_security required_level(const ble_server *srv, gatt_security s)
{
	if (legacy(srv) && s > GATT_SEC_ENCRYPTED)
		return GATT_SEC_ENCRYPTED;
	return s;
}

static uint32_t bit(gatt_char_id id)
{
	return 1u << (unsigned)id;
}

static void hex_of(char *out, size_t cap, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 4 <= cap; i++) {
		if (i)
			out[o++] = ' ';
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 0x0F];
		out[o] = '\0';
	}
}

static bool budget_take(rate_window *w, int limit, int64_t now)
{
	if (limit <= 0)
		return true;
	if (w->window_min != now) {
		w->window_min = now;
		w->count = 0;
	}
	if (w->count >= (uint32_t)limit)
		return false;
	w->count++;
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* Audit                                                                               */
/* ---------------------------------------------------------------------------------- */

static ble_audit_event audit_start(const ble_link *link, int64_t now, ble_audit_kind kind,
                                   gatt_char_id id)
{
	const gatt_characteristic_def *d =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	ble_audit_event ev = {
	    .t_min = now,
	    .kind = kind,
	    .link_identity = link->identity,
	    .link_security = link->security,
	    .link_bonded = link->bonded,
	    .char_id = d ? id : GATT_CHAR_COUNT,
	    .char_name = d ? d->name : "",
	    .decision = BLE_DECISION_ACCEPTED,
	    .reason = "accepted",
	    .detail = "",
	    .raw_hex = "",
	    .count = 1,
	    .first_min = now,
	    .last_min = now,
	};
	return ev;
}

static void audit_emit(ble_server *srv, ble_audit_event *ev, const uint8_t *raw, size_t len)
{
	if (raw && len) {
		hex_of(srv->hex, sizeof srv->hex, raw, len);
		ev->raw_hex = srv->hex;
	}
	ev->raw_len = raw ? len : 0;
	srv->stats.audit_events++;
	if (srv->cfg.on_audit)
		srv->cfg.on_audit(ev, srv->cfg.audit_user_data);
}

static void count_refusal(ble_server *srv, uint8_t att)
{
	srv->stats.refused++;
	if (att == ATT_ERR_INSUFFICIENT_AUTHENTICATION)
		srv->stats.auth_refused++;
	if (att >= ATT_ERR_E2E_MISSING_CRC && att <= ATT_ERR_E2E_INVALID_COUNTER)
		srv->stats.e2e_refused++;
}

/* An ATT-level refusal: audited, counted, returned. */
static uint8_t refuse(ble_server *srv, const ble_link *link, int64_t now, ble_audit_kind kind,
                      gatt_char_id id, uint8_t att, const char *reason, const char *detail,
                      const uint8_t *raw, size_t len)
{
	ble_audit_event ev = audit_start(link, now, kind, id);
	ev.decision = BLE_DECISION_REFUSED;
	ev.att_error = att;
	ev.reason = reason;
	ev.detail = detail ? detail : "";
	if (is_ids(id) && raw && len >= 2 && id != GATT_IDD_RACP)
		ev.request_opcode = (uint16_t)(raw[0] | (raw[1] << 8));
	else if (raw && len >= 1 && (id == GATT_IDD_RACP || is_cgms(id)))
		ev.request_opcode = raw[0];
	count_refusal(srv, att);
	audit_emit(srv, &ev, raw, len);
	return att;
}

/* A request over its per-minute budget: the first is audited, the rest counted; one
 * summary event when the flood is over. */
static uint8_t over_budget(ble_server *srv, const ble_link *link, int64_t now, flood_agg *f,
                           ble_audit_kind kind, gatt_char_id id, const uint8_t *raw, size_t len)
{
	if (kind == BLE_AUDIT_SUBSCRIBE)
		srv->stats.storm_refused++;
	else
		srv->stats.rate_limited++;
	f->char_id = id;
	if (f->active) {
		f->refused++;
		f->last_min = now;
		count_refusal(srv, ATT_ERR_PROCEDURE_IN_PROGRESS);
		return ATT_ERR_PROCEDURE_IN_PROGRESS;
	}
	*f = (flood_agg){true, 1, 1, now, now, id};
	const char *reason = kind == BLE_AUDIT_SUBSCRIBE ? "subscription storm: CCCD budget spent"
	                     : kind == BLE_AUDIT_READ    ? "rate limit: read budget spent"
	                                                 : "rate limit: write budget spent";
	return refuse(srv, link, now, kind, id, ATT_ERR_PROCEDURE_IN_PROGRESS, reason,
	              "further requests this minute are counted, not logged", raw, len);
}

/*
 * Report what a flood refused since its last report: at every tick while it lasts (so a
 * flood is in the audit while it happens, at most one event a minute), and a last time when
 * it is over (a quiet minute, a disconnect, the end of the run: `force`).
 */
static void flood_flush(ble_server *srv, const ble_link *link, flood_agg *f,
                        ble_audit_kind agg_kind, int64_t now, bool force)
{
	if (!f->active)
		return;
	const bool over = force || now > f->last_min;
	const uint32_t unreported = f->refused - f->reported;
	if (unreported > 0) {
		ble_audit_event ev = audit_start(link, now, agg_kind, f->char_id);
		ev.decision = BLE_DECISION_REFUSED;
		ev.att_error = ATT_ERR_PROCEDURE_IN_PROGRESS;
		ev.reason = agg_kind == BLE_AUDIT_STORM ? "subscription storm"
		            : f == &srv->connect_flood  ? "connection flood"
		                                        : "write flood";
		ev.count = unreported;
		ev.first_min = f->first_min;
		ev.last_min = f->last_min;
		snprintf(srv->detail, sizeof srv->detail,
		         "%u more requests refused over budget (%u since t=%lld min), %s",
		         (unsigned)unreported, (unsigned)f->refused, (long long)f->first_min,
		         over ? "over" : "still going");
		ev.detail = srv->detail;
		audit_emit(srv, &ev, NULL, 0);
		f->reported = f->refused;
	}
	if (over)
		f->active = false;
}

static void link_flush(ble_server *srv, link_state *ls, int64_t now, bool force)
{
	flood_flush(srv, &ls->link, &ls->write_flood, BLE_AUDIT_FLOOD, now, force);
	flood_flush(srv, &ls->link, &ls->read_flood, BLE_AUDIT_FLOOD, now, force);
	flood_flush(srv, &ls->link, &ls->storm, BLE_AUDIT_STORM, now, force);
}

/* ---------------------------------------------------------------------------------- */
/* Sending                                                                             */
/* ---------------------------------------------------------------------------------- */

static void send_value(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                       bool indication, const uint8_t *v, size_t len)
{
	/* Never to a link that has not enabled it (its CCCD is the collector's consent). */
	if (!(ls->subscribed & bit(id)))
		return;
	srv->stats.notifications++;
	pump_radio_event(srv->p, now);
	if (srv->cfg.on_notify)
		srv->cfg.on_notify(&ls->link, id, indication, v, len, srv->cfg.notify_user_data);
	for (size_t i = 0; i < LISTENERS_MAX; i++)
		if (srv->listeners[i].fn)
			srv->listeners[i].fn(&ls->link, id, indication, v, len,
			                     srv->listeners[i].user_data);
}

/* Seal an IDS value in buf (len bytes of payload, cap room) with this link's counter. */
static ble_result seal_ids(const ble_server *srv, link_state *ls, gatt_char_id id, uint8_t *buf,
                           size_t len, size_t cap, size_t *out_len)
{
	ids_e2e_channel ch;
	if (!srv->cfg.e2e || gatt_e2e_of(id, &ch) != GATT_E2E_IDS) {
		*out_len = len;
		return BLE_OK;
	}
	return ids_value_e2e_seal(&ls->ids, ch, buf, len, cap, out_len);
}

static void send_ids(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id, bool indication,
                     uint8_t *buf, size_t len, size_t cap)
{
	size_t n = 0;
	if (seal_ids(srv, ls, id, buf, len, cap, &n) == BLE_OK)
		send_value(srv, ls, now, id, indication, buf, n);
}

/* ---------------------------------------------------------------------------------- */
/* Links                                                                               */
/* ---------------------------------------------------------------------------------- */

/* The caller's link, its identity terminated (it comes from a transport). */
static ble_link safe_link(const ble_link *link)
{
	ble_link l = *link;
	l.identity[BLE_LINK_IDENTITY_MAX - 1] = '\0';
	return l;
}

static link_state *link_find(ble_server *srv, const char *identity)
{
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		if (srv->links[i].used &&
		    strncmp(srv->links[i].link.identity, identity, BLE_LINK_IDENTITY_MAX) == 0)
			return &srv->links[i];
	return NULL;
}

static const link_state *link_find_const(const ble_server *srv, const char *identity)
{
	return link_find((ble_server *)srv, identity);
}

static void link_reset(link_state *ls, const ble_link *link)
{
	*ls = (link_state){0};
	ls->used = true;
	ls->link = *link;
	ls->link.identity[BLE_LINK_IDENTITY_MAX - 1] = '\0';
	ids_e2e_link_reset(&ls->ids);
	ls->writes.window_min = ls->reads.window_min = ls->cccd.window_min = INT64_MIN;
}

static void audit_connection(ble_server *srv, const ble_link *link, int64_t now, ble_decision d,
                             const char *reason)
{
	ble_audit_event ev = audit_start(link, now, BLE_AUDIT_CONNECTION, GATT_CHAR_COUNT);
	ev.decision = d;
	ev.reason = reason;
	if (d == BLE_DECISION_REFUSED) {
		srv->stats.connections_refused++;
		srv->stats.refused++;
	}
	audit_emit(srv, &ev, NULL, 0);
}

static link_class class_of(const ble_server *srv, const ble_link *l)
{
	if (!l->bonded)
		return LINK_STRANGER;
	return gatt_security_met(required_level(srv, GATT_SEC_SECURE), l->security) ? LINK_TRUSTED
	                                                                            : LINK_UNPROVEN;
}

/* A refused connection: the first of a minute's run audited, the rest aggregated. */
static link_state *connection_refused(ble_server *srv, const ble_link *link, int64_t now,
                                      const char *why)
{
	flood_agg *f = &srv->connect_flood;
	if (f->active) {
		f->refused++;
		f->last_min = now;
		srv->stats.connections_refused++;
		srv->stats.refused++;
	} else {
		*f = (flood_agg){true, 1, 1, now, now, GATT_CHAR_COUNT};
		audit_connection(srv, link, now, BLE_DECISION_REFUSED, why);
	}
	return NULL;
}

/* The server forgets a link and asks the transport to act on it (audited). */
static void link_drop(ble_server *srv, link_state *ls, int64_t now, ble_link_action action,
                      const char *why)
{
	link_flush(srv, ls, now, true);
	const ble_link l = ls->link;
	ls->used = false;
	srv->stats.links_dropped++;
	ble_audit_event ev = audit_start(&l, now, BLE_AUDIT_CONNECTION, GATT_CHAR_COUNT);
	ev.decision = BLE_DECISION_REFUSED;
	ev.reason = action == BLE_LINK_REVOKE ? "bond revoked" : "dropped";
	ev.detail = why;
	audit_emit(srv, &ev, NULL, 0);
	if (srv->link_fn)
		srv->link_fn(l.identity, action, why, srv->link_user_data);
}

static size_t strangers(const ble_server *srv)
{
	size_t n = 0;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		n += srv->links[i].used && class_of(srv, &srv->links[i].link) == LINK_STRANGER;
	return n;
}

/*
 * A connection comes up (docs/ble.md "Availability"): strangers have a budget and a pool of
 * their own; a bonded phone spends neither, and takes the oldest stranger's slot when none
 * is free. NULL when refused (audited, aggregated).
 */
static link_state *link_open(ble_server *srv, const ble_link *link, int64_t now)
{
	srv->stats.connections++;
	pump_radio_event(srv->p, now); /* the connection set-up, refused or not */
	const bool stranger = class_of(srv, link) == LINK_STRANGER;
	if (stranger) {
		if (!budget_take(&srv->stranger_connects, srv->cfg.max_stranger_connects_per_min,
		                 now))
			return connection_refused(srv, link, now,
			                          "connection budget of unpaired centrals spent");
		if (srv->cfg.max_stranger_links > 0 &&
		    strangers(srv) >= (size_t)srv->cfg.max_stranger_links)
			return connection_refused(srv, link, now,
			                          "the link slots for unpaired centrals are taken");
	} else if (!budget_take(&srv->connects, srv->cfg.max_connects_per_min, now)) {
		return connection_refused(srv, link, now,
		                          "connection budget spent (connect/disconnect loop?)");
	}
	link_state *slot = NULL;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS && !slot; i++)
		if (!srv->links[i].used)
			slot = &srv->links[i];
	if (!slot && !stranger) {
		/* Strangers never lock a bonded phone out: the oldest one makes room. */
		for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
			link_state *ls = &srv->links[i];
			if (ls->used && class_of(srv, &ls->link) == LINK_STRANGER &&
			    (!slot || ls->opened < slot->opened))
				slot = ls;
		}
		if (slot)
			link_drop(srv, slot, now, BLE_LINK_DISCONNECT,
			          "an unpaired central's slot, for a bonded phone");
	}
	if (!slot)
		return connection_refused(srv, link, now, "no free link slot");
	link_reset(slot, link);
	slot->opened = ++srv->opened_total;
	audit_connection(srv, link, now, BLE_DECISION_ACCEPTED, "connected");
	return slot;
}

/*
 * Every request of an untrusted link counts against its budgets (docs/ble.md
 * "Availability"); false when this one is over them: the link is dropped and the request
 * refused (ATT 0x11), so an unpaired central costs the pump a bounded handful of exchanges
 * a minute, whatever its rate.
 */
static bool untrusted_charge(ble_server *srv, link_state *ls, int64_t now, const char **why)
{
	const link_class c = class_of(srv, &ls->link);
	if (c == LINK_TRUSTED)
		return true;
	*why = NULL;
	if (srv->cfg.max_untrusted_requests_per_link > 0 &&
	    ++ls->untrusted_requests > (uint32_t)srv->cfg.max_untrusted_requests_per_link)
		*why = c == LINK_STRANGER ? "request budget of an unpaired central spent"
		                          : "request budget of a bonded link that never proved its "
		                            "level spent";
	else if (c == LINK_STRANGER &&
	         !budget_take(&srv->stranger_requests, srv->cfg.max_stranger_requests_per_min, now))
		*why = "request budget of all unpaired centrals this minute spent";
	if (!*why)
		return true;
	link_drop(srv, ls, now, BLE_LINK_DISCONNECT, *why);
	return false;
}

void ble_server_on_link_action(ble_server *srv, ble_link_action_fn fn, void *user_data)
{
	srv->link_fn = fn;
	srv->link_user_data = user_data;
}

/* The link's state for a request: connects implicitly; a different security level or bond
 * state under the same identity is a new connection. NULL when refused (audited). */
static link_state *link_get(ble_server *srv, const ble_link *link, int64_t now)
{
	link_state *ls = link_find(srv, link->identity);
	if (ls && (ls->link.security != link->security || ls->link.bonded != link->bonded)) {
		link_flush(srv, ls, now, true);
		link_reset(ls, link);
		ls->opened = ++srv->opened_total;
		audit_connection(srv, link, now, BLE_DECISION_ACCEPTED,
		                 "security level changed: treated as a new connection");
		return ls;
	}
	return ls ? ls : link_open(srv, link, now);
}

/* A request from a central whose (implicit) connection was refused: the refusal is in the
 * audit already (aggregated), the request itself only counted. */
static uint8_t not_connected(ble_server *srv)
{
	srv->stats.refused++;
	return ATT_ERR_INSUFFICIENT_RESOURCES;
}

bool ble_server_connect(ble_server *srv, const ble_link *link_in, int64_t now_min)
{
	const ble_link l = safe_link(link_in), *link = &l;
	link_state *ls = link_find(srv, link->identity);
	if (ls) {
		link_flush(srv, ls, now_min, true);
		ls->used = false;
	}
	return link_open(srv, link, now_min) != NULL;
}

void ble_server_disconnect(ble_server *srv, const char *identity, int64_t now_min)
{
	link_state *ls = identity ? link_find(srv, identity) : NULL;
	if (!ls)
		return;
	link_flush(srv, ls, now_min, true);
	audit_connection(srv, &ls->link, now_min, BLE_DECISION_ACCEPTED,
	                 ls->racp.active ? "disconnected (RACP procedure aborted)"
	                                 : "disconnected");
	ls->used = false;
}

bool ble_server_link_connected(const ble_server *srv, const char *identity)
{
	return identity && link_find_const(srv, identity) != NULL;
}

bool ble_server_subscribed(const ble_server *srv, const char *identity, gatt_char_id id)
{
	const link_state *ls = identity ? link_find_const(srv, identity) : NULL;
	return ls && (unsigned)id < GATT_CHAR_COUNT && (ls->subscribed & bit(id));
}

/* ---------------------------------------------------------------------------------- */
/* IDS history (from pump events)                                                      */
/* ---------------------------------------------------------------------------------- */

static void hist_put(ble_server *srv, int64_t t_min, uint16_t type, const uint8_t *data,
                     size_t len);

/*
 * A record a collector's write causes without changing therapy (a clock set, a max bolus
 * change, an annunciation acknowledged from a phone): true when the hourly budget has room
 * (and it is taken), false when the record is to be skipped (counted). What the pump or the
 * person does is always recorded.
 */
static bool housekeeping_take(ble_server *srv, int64_t now)
{
	const int budget = srv->cfg.history_housekeeping_per_hour;
	if (budget <= 0)
		return true;
	/* The ring holds the last `budget` records' times: room when the oldest is an hour old. */
	int64_t *oldest = &srv->housekeeping[srv->housekeeping_next % (size_t)budget];
	if (*oldest != INT64_MIN && now - *oldest < 60) {
		srv->stats.history_skipped++;
		return false;
	}
	*oldest = now;
	srv->housekeeping_next++;
	return true;
}

static void hist_reference_time(ble_server *srv, int64_t t_min, uint8_t reason)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	ble_date_time dt = date_at(srv, t_min, NULL);
	wire_put_u8(&w, reason);
	codec_put_date_time(&w, &dt);
	wire_put_u8(&w, 0); /* time zone: UTC (15 min units) */
	wire_put_u8(&w, 0); /* DST offset: standard time */
	srv->has_ref = true;
	srv->ref_min = t_min;
	hist_put(srv, t_min, IDS_EV_REFERENCE_TIME, d, w.len);
}

static void hist_put(ble_server *srv, int64_t t_min, uint16_t type, const uint8_t *data, size_t len)
{
	if (type != IDS_EV_REFERENCE_TIME && (!srv->has_ref || t_min < srv->ref_min ||
	                                      (t_min - srv->ref_min) * 60 > REFERENCE_REBASE_S))
		hist_reference_time(srv, t_min,
		                    srv->has_ref ? REF_REASON_PERIODIC : REF_REASON_UNDETERMINED);
	ids_history_event *e = &srv->hist[srv->hist_total % HISTORY_MAX];
	*e = (ids_history_event){0};
	e->event_type = type;
	e->sequence_number = (uint32_t)srv->hist_total;
	e->relative_offset_s = (uint16_t)((t_min - srv->ref_min) * 60);
	e->data_len = len < IDS_HISTORY_DATA_MAX ? len : IDS_HISTORY_DATA_MAX;
	memcpy(e->data, data, e->data_len);
	srv->hist_total++;
	if (srv->hist_count < HISTORY_MAX)
		srv->hist_count++;
	srv->stats.history_events++;
}

static void put_amount(wire_writer *w, double u)
{
	if (!(u >= 0.0) || codec_put_sfloat(w, u, -2, SFLOAT_ROUND_DOWN) != BLE_OK)
		wire_put_u16(w, SFLOAT_NRES);
}

/* Bolus part 1 of 2 (Programmed or Delivered): ID, type, fast, extended, duration. */
static void hist_bolus_part1(ble_server *srv, int64_t t, uint16_t type, uint16_t id,
                             uint8_t bolus_type, double fast_u, double ext_u, uint16_t dur)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	wire_put_u16(&w, id);
	wire_put_u8(&w, bolus_type);
	put_amount(&w, fast_u);
	put_amount(&w, ext_u);
	wire_put_u16(&w, dur);
	hist_put(srv, t, type, d, w.len);
}

static void hist_tbr_ended(ble_server *srv, int64_t t, uint8_t reason)
{
	if (!srv->tbr_active)
		return;
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	int64_t eff = t - srv->tbr_start_min;
	wire_put_u8(&w, 0);
	wire_put_u8(&w, srv->tbr_type);
	wire_put_u16(&w, (uint16_t)(eff < 0 ? 0 : eff > 65535 ? 65535 : eff));
	wire_put_u8(&w, reason);
	hist_put(srv, t, IDS_EV_TBR_ADJUSTMENT_ENDED, d, w.len);
	srv->tbr_active = false;
}

static void hist_command(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	if (ev->result != PUMP_OK)
		return;
	switch (ev->command) {
	case PUMP_CMD_TEMP_BASAL: {
		if (srv->tbr_active)
			hist_tbr_ended(srv, ev->t_min, END_REASON_CANCELED);
		pump_temp_basal_type type =
		    ev->value2 > 0.5 ? PUMP_TBR_RELATIVE : PUMP_TBR_ABSOLUTE;
		srv->tbr_active = true;
		srv->tbr_start_min = ev->t_min;
		srv->tbr_duration_min = (int)ev->value3;
		srv->tbr_type = ids_tbr_type_for_pump(type);
		wire_put_u8(&w, 0);
		wire_put_u8(&w, srv->tbr_type);
		if (type == PUMP_TBR_RELATIVE)
			codec_put_sfloat(&w, ev->value, 0, SFLOAT_ROUND_DOWN);
		else
			put_amount(&w, ev->value);
		wire_put_u16(&w, (uint16_t)srv->tbr_duration_min);
		hist_put(srv, ev->t_min, IDS_EV_TBR_ADJUSTMENT_STARTED, d, w.len);
		break;
	}
	case PUMP_CMD_CANCEL_TEMP_BASAL:
		hist_tbr_ended(srv, ev->t_min, END_REASON_CANCELED);
		break;
	case PUMP_CMD_SET_MAX_BOLUS:
		if (ev->value == srv->last_max_bolus_u &&
		    srv->cfg.history_housekeeping_per_hour > 0)
			break; /* nothing changed: nothing to record */
		if (ev->source != PUMP_SOURCE_PUMP && !housekeeping_take(srv, ev->t_min))
			break;
		put_amount(&w, srv->last_max_bolus_u);
		put_amount(&w, ev->value);
		srv->last_max_bolus_u = ev->value;
		hist_put(srv, ev->t_min, IDS_EV_MAX_BOLUS_AMOUNT_CHANGED, d, w.len);
		break;
	default:
		break;
	}
}

static void controller_confirmed(ble_server *srv, int64_t now);

void ble_server_pump_event(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	const int64_t t = ev->t_min;
	switch (ev->kind) {
	case PUMP_EV_COMMAND:
		hist_command(srv, ev);
		if (ev->command == PUMP_CMD_CONFIRM_ANNUNCIATION && ev->result == PUMP_OK &&
		    srv->pending[0] && (uint16_t)ev->value == srv->pending_announcement)
			controller_confirmed(srv, ev->t_min);
		break;
	case PUMP_EV_BOLUS_STARTED: {
		double ext = ev->value2, fast = ev->value - ev->value2;
		uint8_t type = ext <= 0.0     ? IDS_BOLUS_FAST
		               : fast <= 1e-9 ? IDS_BOLUS_EXTENDED
		                              : IDS_BOLUS_MULTIWAVE;
		srv->bolus.valid = true;
		srv->bolus.id = ev->bolus_id;
		srv->bolus.type = type;
		srv->bolus.fast_u = fast > 0.0 ? fast : 0.0;
		srv->bolus.extended_u = ext > 0.0 ? ext : 0.0;
		srv->bolus.duration_min = (uint16_t)ev->value3;
		hist_bolus_part1(srv, t, IDS_EV_BOLUS_PROGRAMMED_1, ev->bolus_id, type,
		                 srv->bolus.fast_u, srv->bolus.extended_u, srv->bolus.duration_min);
		wire_put_u8(&w, 0); /* no delay, template or activation type; reason unknown */
		hist_put(srv, t, IDS_EV_BOLUS_PROGRAMMED_2, d, w.len);
		break;
	}
	case PUMP_EV_BOLUS_ENDED: {
		uint8_t type = IDS_BOLUS_FAST;
		double fast = ev->value, ext = 0.0;
		uint16_t dur = 0;
		if (srv->bolus.valid && srv->bolus.id == ev->bolus_id) {
			type = srv->bolus.type;
			fast = ev->value < srv->bolus.fast_u ? ev->value : srv->bolus.fast_u;
			ext = ev->value - fast;
			dur = srv->bolus.duration_min;
		}
		hist_bolus_part1(srv, t, IDS_EV_BOLUS_DELIVERED_1, ev->bolus_id, type, fast, ext,
		                 dur);
		uint8_t reason = END_REASON_DURATION_OVER;
		if (ev->detail && strcmp(ev->detail, "canceled") == 0)
			reason = END_REASON_CANCELED;
		else if (ev->detail && strcmp(ev->detail, "uncertain") == 0)
			reason = END_REASON_ERROR_ABORT;
		wire_put_u8(&w, 0x02); /* end reason present */
		wire_put_u32(&w, 0);   /* start time offset (s): no delay */
		wire_put_u8(&w, reason);
		hist_put(srv, t, IDS_EV_BOLUS_DELIVERED_2, d, w.len);
		break;
	}
	case PUMP_EV_BASAL_CHANGED:
		wire_put_u8(&w, 0);
		put_amount(&w, srv->last_basal_u_per_h);
		put_amount(&w, ev->value);
		srv->last_basal_u_per_h = ev->value;
		hist_put(srv, t, IDS_EV_DELIVERED_BASAL_RATE_CHANGED, d, w.len);
		break;
	case PUMP_EV_THERAPY_STATE: {
		uint8_t now_tcs = ids_tcs_for_pump(ev->state);
		wire_put_u8(&w, srv->last_tcs);
		wire_put_u8(&w, now_tcs);
		srv->last_tcs = now_tcs;
		hist_put(srv, t, IDS_EV_THERAPY_CONTROL_STATE_CHANGED, d, w.len);
		break;
	}
	case PUMP_EV_ANNUNCIATION: {
		const pump_annunciation *a = &ev->annunciation;
		const bool raised = ev->detail && strcmp(ev->detail, "raised") == 0;
		if (!raised && srv->phone_command && !housekeeping_take(srv, t))
			break; /* a phone's acknowledgement over its budget (the pump's audit has
			          it) */
		wire_put_u8(&w, 0);
		wire_put_u16(&w, a->id);
		wire_put_u16(&w, (uint16_t)a->type);
		wire_put_u8(&w, ids_annunciation_status_for_pump(a->status));
		hist_put(srv, t, IDS_EV_ANNUNCIATION_STATUS_CHANGED_1, d, w.len);
		if (a->status == PUMP_ANN_PENDING && raised) {
			if (a->type == PUMP_ANN_TBR_OVER)
				hist_tbr_ended(srv, t, END_REASON_DURATION_OVER);
			else if (a->type == PUMP_ANN_TBR_CANCELED)
				hist_tbr_ended(srv, t, END_REASON_CANCELED);
		}
		break;
	}
	case PUMP_EV_PRIMED:
		put_amount(&w, ev->value);
		hist_put(srv, t, IDS_EV_PRIMING_STARTED, d, w.len);
		w = wire_writer_init(d, sizeof d);
		wire_put_u8(&w, 0);
		put_amount(&w, ev->value);
		wire_put_u8(&w, PRIMING_AMOUNT_REACHED);
		hist_put(srv, t, IDS_EV_PRIMING_DONE, d, w.len);
		break;
	case PUMP_EV_RESERVOIR_FILLED:
		srv->reservoir_since_min = t;
		put_amount(&w, ev->value);
		hist_put(srv, t, IDS_EV_RESERVOIR_REMAINING_AMOUNT_CHANGED, d, w.len);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------------------------- */
/* Change detection: Status Changed / Status / Annunciation / Battery                  */
/* ---------------------------------------------------------------------------------- */

static snapshot take_snapshot(const ble_server *srv)
{
	pump_status st;
	pump_get_status(srv->p, &st);
	pump_annunciation a;
	bool ann = pump_newest_annunciation(srv->p, &a);
	snapshot s = {
	    .tcs = ids_tcs_for_pump(st.therapy),
	    .opstate = ids_opstate_for_pump(&st),
	    .reservoir_whole_u = (long)floor(st.reservoir_u),
	    .ann_present = ann,
	    .ann_id = ann ? a.id : 0,
	    .ann_status = ann ? ids_annunciation_status_for_pump(a.status) : 0,
	    .bolus_active = st.bolus_active,
	    .bolus_id = st.bolus_active ? st.bolus_id : 0,
	    .basal_u_per_h = st.basal_rate_u_per_h,
	    .battery_whole_pct = (int)floor(st.battery_pct),
	    .history_total = srv->hist_total,
	    .day_total_u = srv->day_bolus_u + srv->day_basal_u,
	};
	return s;
}

static void send_read_value(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                            bool indication);

static void publish_changes(ble_server *srv, int64_t now)
{
	snapshot s = take_snapshot(srv);
	const snapshot *o = &srv->snap;
	uint16_t flags = 0;
	bool status = false, ann = false;
	if (s.tcs != o->tcs) {
		flags |= IDS_SC_THERAPY_CONTROL_STATE;
		status = true;
	}
	if (s.opstate != o->opstate) {
		flags |= IDS_SC_OPERATIONAL_STATE;
		status = true;
	}
	if (s.reservoir_whole_u != o->reservoir_whole_u) {
		flags |= IDS_SC_RESERVOIR_STATUS;
		status = true;
	}
	if (s.ann_present != o->ann_present || s.ann_id != o->ann_id ||
	    s.ann_status != o->ann_status) {
		flags |= IDS_SC_ANNUNCIATION_STATUS;
		ann = true;
	}
	if (s.bolus_active != o->bolus_active || s.bolus_id != o->bolus_id)
		flags |= IDS_SC_ACTIVE_BOLUS;
	if (s.basal_u_per_h != o->basal_u_per_h)
		flags |= IDS_SC_ACTIVE_BASAL_RATE;
	if (s.history_total != o->history_total)
		flags |= IDS_SC_HISTORY_EVENT;
	if (s.day_total_u != o->day_total_u)
		flags |= IDS_SC_TOTAL_DAILY_INSULIN;
	bool battery = s.battery_whole_pct != o->battery_whole_pct;
	srv->snap = s;

	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		link_state *ls = &srv->links[i];
		if (!ls->used)
			continue;
		uint16_t before = ls->sc_flags;
		ls->sc_flags |= flags;
		/* Indicated when a flag newly rises: a set flag stays until Reset Status, which
		 * also bounds the indication rate of fast-changing totals. */
		if (ls->sc_flags != before && (ls->subscribed & bit(GATT_IDD_STATUS_CHANGED)))
			send_read_value(srv, ls, now, GATT_IDD_STATUS_CHANGED, true);
		if (status && (ls->subscribed & bit(GATT_IDD_STATUS)))
			send_read_value(srv, ls, now, GATT_IDD_STATUS, true);
		if (ann && (ls->subscribed & bit(GATT_IDD_ANNUNCIATION_STATUS)))
			send_read_value(srv, ls, now, GATT_IDD_ANNUNCIATION_STATUS, true);
		if (battery && (ls->subscribed & bit(GATT_BAS_BATTERY_LEVEL)))
			send_read_value(srv, ls, now, GATT_BAS_BATTERY_LEVEL, false);
	}
}

/* ---------------------------------------------------------------------------------- */
/* Values (reads and value notifications)                                              */
/* ---------------------------------------------------------------------------------- */

static bool cgm_crc(const ble_server *srv)
{
	return srv->cfg.e2e;
}

static uint16_t session_offset(const ble_server *srv, int64_t now)
{
	int64_t o = now - srv->session_start_min;
	return (uint16_t)(o < 0 ? 0 : o > 65535 ? 65535 : o);
}

static cgms_session_start_time session_start_time(const ble_server *srv)
{
	if (srv->has_session_start_time)
		return srv->session_start_time;
	cgms_session_start_time t = {date_at(srv, srv->session_start_min, NULL), 0, 0};
	return t;
}

static ble_result encode_value(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                               uint8_t *buf, size_t cap, size_t *len)
{
	pump_status st;
	pump_get_status(srv->p, &st);
	ble_result r = BLE_ERR_ARGUMENT;
	size_t n = 0;
	switch (id) {
	case GATT_IDD_STATUS_CHANGED:
		r = ids_status_changed_encode(ls->sc_flags, buf, cap, &n);
		break;
	case GATT_IDD_STATUS: {
		ids_status s;
		ids_status_from_pump(&st, &s);
		r = ids_status_encode(&s, buf, cap, &n);
		break;
	}
	case GATT_IDD_ANNUNCIATION_STATUS: {
		pump_annunciation a;
		ids_annunciation_status s;
		ids_annunciation_from_pump(pump_newest_annunciation(srv->p, &a) ? &a : NULL, &s);
		r = ids_annunciation_status_encode(&s, buf, cap, &n);
		break;
	}
	case GATT_IDD_FEATURES: {
		ids_features f;
		ids_features_from_profile(&srv->profile, &f);
		r = ids_features_encode(&f, buf, cap, &n);
		*len = n;
		return r; /* carries its own leading CRC, no tail */
	}
	case GATT_CGM_FEATURE: {
		cgms_feature f = {CGMS_FEAT_TREND | CGMS_FEAT_RESULT_HIGH_LOW |
		                      (cgm_crc(srv) ? CGMS_FEAT_E2E_CRC : 0),
		                  CGMS_TYPE_INTERSTITIAL_FLUID, CGMS_LOCATION_SUBCUTANEOUS};
		r = cgms_feature_encode(&f, buf, cap, &n);
		break;
	}
	case GATT_CGM_STATUS: {
		cgms_status s = {srv->session_running ? session_offset(srv, now)
		                                      : srv->last_offset_min,
		                 srv->session_running ? 0u : (uint32_t)CGMS_SSA_SESSION_STOPPED};
		r = cgms_status_encode(&s, cgm_crc(srv), buf, cap, &n);
		break;
	}
	case GATT_CGM_SESSION_START_TIME: {
		cgms_session_start_time t = session_start_time(srv);
		r = cgms_session_start_time_encode(&t, cgm_crc(srv), buf, cap, &n);
		break;
	}
	case GATT_CGM_SESSION_RUN_TIME:
		r = cgms_session_run_time_encode(srv->cfg.cgm_session_run_time_h, cgm_crc(srv), buf,
		                                 cap, &n);
		break;
	case GATT_DIS_MANUFACTURER_NAME:
	case GATT_DIS_MODEL_NUMBER:
	case GATT_DIS_SERIAL_NUMBER:
	case GATT_DIS_HARDWARE_REVISION:
	case GATT_DIS_FIRMWARE_REVISION:
	case GATT_DIS_SOFTWARE_REVISION:
		r = dis_string_encode(srv->dis[id - GATT_DIS_MANUFACTURER_NAME], buf, cap, &n);
		break;
	case GATT_DIS_SYSTEM_ID:
		r = dis_system_id_encode(srv->cfg.system_id_manufacturer, srv->cfg.system_id_oui,
		                         buf, cap, &n);
		break;
	case GATT_DIS_PNP_ID:
		r = dis_pnp_id_encode(&srv->cfg.pnp_id, buf, cap, &n);
		break;
	case GATT_BAS_BATTERY_LEVEL:
		r = bas_level_encode(st.battery_pct, buf, cap, &n);
		break;
	case GATT_CTS_CURRENT_TIME: {
		cts_current_time t = {0};
		t.date_time = date_at(srv, now, &t.day_of_week);
		t.adjust_reason = srv->cts_adjust_min ? CTS_ADJUST_MANUAL : 0;
		r = cts_current_time_encode(&t, buf, cap, &n);
		break;
	}
	default:
		return BLE_ERR_ARGUMENT;
	}
	if (r != BLE_OK)
		return r;
	return seal_ids(srv, ls, id, buf, n, cap, len);
}

static void send_read_value(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                            bool indication)
{
	uint8_t buf[OUT_MAX];
	size_t n = 0;
	if (encode_value(srv, ls, now, id, buf, sizeof buf, &n) == BLE_OK)
		send_value(srv, ls, now, id, indication, buf, n);
}

/* ---------------------------------------------------------------------------------- */
/* Server lifetime                                                                     */
/* ---------------------------------------------------------------------------------- */

static void copy_dis(char *dst, const char *src)
{
	snprintf(dst, BLE_DIS_STRING_MAX + 1, "%s", src ? src : "");
}

ble_server *ble_server_new(pump *p, const ble_server_config *cfg)
{
	if (!p || !cfg || cfg->cgm_min_interval_min < 1 || cfg->cgm_interval_min < 0 ||
	    cfg->cgm_interval_min > 255 || cfg->cgm_min_interval_min > 255 ||
	    cfg->racp_records_per_burst < 1 || cfg->duplicate_window_min < 0 ||
	    cfg->ap_cgm_max_age_min < 0 || cfg->ap_tbr_max_min < 0 ||
	    cfg->history_housekeeping_per_hour < 0 ||
	    cfg->history_housekeeping_per_hour > HOUSEKEEPING_MAX)
		return NULL;
	ble_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return NULL;
	srv->p = p;
	srv->cfg = *cfg;
	copy_dis(srv->dis[0], cfg->manufacturer_name);
	copy_dis(srv->dis[1], cfg->model_number);
	copy_dis(srv->dis[2], cfg->serial_number);
	copy_dis(srv->dis[3], cfg->hardware_revision);
	copy_dis(srv->dis[4], cfg->firmware_revision);
	copy_dis(srv->dis[5], cfg->software_revision);
	/* The caller's strings are not kept. */
	srv->cfg.manufacturer_name = srv->cfg.model_number = srv->cfg.serial_number = NULL;
	srv->cfg.hardware_revision = srv->cfg.firmware_revision = srv->cfg.software_revision = NULL;

	ids_server_profile_defaults(&srv->profile);
	if (!cfg->e2e)
		srv->profile.features &= ~(uint32_t)IDS_FEAT_E2E;

	const pump_config *pc = pump_get_config(p);
	if (cfg->start_date_time.year == 0 || ble_date_time_check(&cfg->start_date_time) != BLE_OK)
		srv->base_epoch_min = days_from_civil(2024, 1, 1) * DAY_MIN + pc->start_min_of_day;
	else
		srv->base_epoch_min = epoch_min_of(&cfg->start_date_time);

	pump_status st;
	pump_get_status(p, &st);
	srv->last_tcs = ids_tcs_for_pump(st.therapy);
	srv->last_basal_u_per_h = st.basal_rate_u_per_h;
	srv->last_max_bolus_u = st.max_bolus_u;
	srv->session_running = cfg->cgm_session_running;
	srv->cgm_interval_min =
	    cfg->cgm_interval_min > 0 && cfg->cgm_interval_min < cfg->cgm_min_interval_min
	        ? cfg->cgm_min_interval_min
	        : cfg->cgm_interval_min;
	const double levels[6] = {250, 70, 55, 300, 2, 2};
	memcpy(srv->alert_level, levels, sizeof levels);
	srv->day_index = INT64_MIN;
	for (size_t i = 0; i < HOUSEKEEPING_MAX; i++)
		srv->housekeeping[i] = INT64_MIN;
	srv->connects.window_min = INT64_MIN;
	srv->stranger_connects.window_min = srv->stranger_requests.window_min = INT64_MIN;
	srv->snap = take_snapshot(srv);
	return srv;
}

void ble_server_free(ble_server *srv)
{
	free(srv);
}

const ids_server_profile *ble_server_ids_profile(const ble_server *srv)
{
	return &srv->profile;
}

bool ble_server_e2e(const ble_server *srv)
{
	return srv->cfg.e2e;
}

ble_profile ble_server_profile(const ble_server *srv)
{
	return srv->cfg.profile;
}

bool ble_server_add_listener(ble_server *srv, ble_notify_fn fn, void *user_data)
{
	for (size_t i = 0; i < LISTENERS_MAX; i++)
		if (!srv->listeners[i].fn) {
			srv->listeners[i].fn = fn;
			srv->listeners[i].user_data = user_data;
			return true;
		}
	return false;
}

void ble_server_remove_listener(ble_server *srv, ble_notify_fn fn, void *user_data)
{
	for (size_t i = 0; i < LISTENERS_MAX; i++)
		if (srv->listeners[i].fn == fn && srv->listeners[i].user_data == user_data)
			srv->listeners[i].fn = NULL;
}

void ble_server_get_stats(const ble_server *srv, ble_server_stats *out)
{
	*out = srv->stats;
}

size_t ble_server_history_count(const ble_server *srv)
{
	return srv->hist_count;
}

size_t ble_server_cgm_count(const ble_server *srv)
{
	return srv->cgm_count;
}

int ble_server_cgm_interval(const ble_server *srv)
{
	return srv->cgm_interval_min;
}

/* ---------------------------------------------------------------------------------- */
/* One controller (A8, A9)                                                             */
/* ---------------------------------------------------------------------------------- */

static bool is_revoked(const ble_server *srv, const char *identity)
{
	for (size_t i = 0; i < REVOKED_MAX; i++)
		if (srv->revoked[i][0] && strcmp(srv->revoked[i], identity) == 0)
			return true;
	return false;
}

static void set_revoked(ble_server *srv, const char *identity, bool on)
{
	for (size_t i = 0; i < REVOKED_MAX; i++)
		if (srv->revoked[i][0] && strcmp(srv->revoked[i], identity) == 0)
			srv->revoked[i][0] = '\0';
	if (on)
		snprintf(srv->revoked[srv->revoked_next++ % REVOKED_MAX], BLE_LINK_IDENTITY_MAX,
		         "%s", identity);
}

/*
 * A request that passed the level check on a characteristic above GATT_SEC_NONE: 0, or the
 * ATT error of the one-controller rule (the reason in *why). Legacy-vulnerable has no such
 * rule (profile item 5).
 */
static uint8_t controller_check(ble_server *srv, const ble_link *link,
                                const gatt_characteristic_def *def, const char **why)
{
	if (legacy(srv) || def->security == GATT_SEC_NONE)
		return ATT_OK;
	if (is_revoked(srv, link->identity)) {
		*why = "bond revoked or removed at the pump: pair again from its window";
		return ATT_ERR_INSUFFICIENT_AUTHENTICATION;
	}
	if (!srv->controller[0] && !srv->pending[0])
		snprintf(srv->controller, sizeof srv->controller, "%s", link->identity);
	if (strcmp(srv->controller, link->identity) == 0)
		return ATT_OK;
	*why = strcmp(srv->pending, link->identity) == 0
	           ? "a new phone: waiting for the person to confirm it at the pump"
	           : "not the pump's phone (one controller): pair it from the pump's window";
	return ATT_ERR_INSUFFICIENT_AUTHORIZATION;
}

uint16_t ble_server_bond_created(ble_server *srv, const char *identity, int64_t now_min)
{
	if (!identity || !identity[0])
		return 0;
	set_revoked(srv, identity, false);
	const uint16_t id = pump_announce_new_bond(srv->p, now_min, ++srv->bonds_created);
	if (!srv->controller[0] || strcmp(srv->controller, identity) == 0) {
		snprintf(srv->controller, sizeof srv->controller, "%s", identity);
		srv->pending[0] = '\0';
	} else {
		snprintf(srv->pending, sizeof srv->pending, "%s", identity);
		srv->pending_announcement = id;
	}
	return id;
}

void ble_server_bond_removed(ble_server *srv, const char *identity, int64_t now_min)
{
	(void)now_min;
	if (!identity || !identity[0])
		return;
	set_revoked(srv, identity, true);
	if (strcmp(srv->controller, identity) == 0)
		srv->controller[0] = '\0';
	if (strcmp(srv->pending, identity) == 0)
		srv->pending[0] = '\0';
}

const char *ble_server_controller(const ble_server *srv)
{
	return srv->controller;
}

const char *ble_server_pending_controller(const ble_server *srv)
{
	return srv->pending;
}

/* The person confirmed the pending phone's announcement at the pump: it is the controller
 * now, and the old one's bond is revoked. */
static void controller_confirmed(ble_server *srv, int64_t now)
{
	char old[BLE_LINK_IDENTITY_MAX];
	snprintf(old, sizeof old, "%s", srv->controller);
	snprintf(srv->controller, sizeof srv->controller, "%s", srv->pending);
	srv->pending[0] = '\0';
	if (!old[0])
		return;
	set_revoked(srv, old, true);
	const char *why = "a new phone was confirmed at the pump (one controller)";
	link_state *ls = link_find(srv, old);
	if (ls)
		link_drop(srv, ls, now, BLE_LINK_REVOKE, why);
	else if (srv->link_fn)
		srv->link_fn(old, BLE_LINK_REVOKE, why, srv->link_user_data);
}

/* ---------------------------------------------------------------------------------- */
/* Reads                                                                               */
/* ---------------------------------------------------------------------------------- */

uint8_t ble_server_read(ble_server *srv, const ble_link *link_in, int64_t now_min, gatt_char_id id,
                        uint8_t *out, size_t cap, size_t *len)
{
	const ble_link l = safe_link(link_in), *link = &l;
	srv->stats.reads++;
	*len = 0;
	link_state *ls = link_get(srv, link, now_min);
	const gatt_characteristic_def *def =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	const char *why = NULL;
	if (!ls)
		return not_connected(srv); /* the refused connection is audited (aggregated) */
	pump_radio_event(srv->p, now_min);
	if (!untrusted_charge(srv, ls, now_min, &why))
		return refuse(srv, link, now_min, BLE_AUDIT_READ, id,
		              ATT_ERR_INSUFFICIENT_RESOURCES, why, "link dropped", NULL, 0);
	if (!def)
		return refuse(srv, link, now_min, BLE_AUDIT_READ, id, ATT_ERR_INVALID_HANDLE,
		              "no such characteristic", NULL, NULL, 0);
	if (!budget_take(&ls->reads, srv->cfg.max_reads_per_min, now_min))
		return over_budget(srv, link, now_min, &ls->read_flood, BLE_AUDIT_READ, id, NULL,
		                   0);
	if (!(def->properties & GATT_PROP_READ))
		return refuse(srv, link, now_min, BLE_AUDIT_READ, id, ATT_ERR_READ_NOT_PERMITTED,
		              "not readable", NULL, NULL, 0);
	if (!gatt_security_met(required_level(srv, def->security), link->security))
		return refuse(srv, link, now_min, BLE_AUDIT_READ, id,
		              ATT_ERR_INSUFFICIENT_AUTHENTICATION, "insufficient authentication",
		              ble_link_security_name(link->security), NULL, 0);
	uint8_t denied = controller_check(srv, link, def, &why);
	if (denied)
		return refuse(srv, link, now_min, BLE_AUDIT_READ, id, denied, why, NULL, NULL, 0);
	uint8_t buf[OUT_MAX];
	size_t n = 0;
	if (encode_value(srv, ls, now_min, id, buf, sizeof buf, &n) != BLE_OK || n > cap)
		return refuse(srv, link, now_min, BLE_AUDIT_READ, id, ATT_ERR_UNLIKELY,
		              "value could not be encoded", NULL, NULL, 0);
	memcpy(out, buf, n);
	*len = n;
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Control-point outcome: one response, one audit event                                */
/* ---------------------------------------------------------------------------------- */

typedef struct cp_outcome {
	uint16_t request_opcode;
	uint8_t code; /* the response code (the CP's success code for specific responses) */
	bool success;
	const char *reason;
	bool pump_called;
	pump_result pump_result;
	const char *detail;
} cp_outcome;

static void cp_audit(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                     const cp_outcome *o, const uint8_t *raw, size_t len)
{
	ble_audit_event ev = audit_start(&ls->link, now, BLE_AUDIT_WRITE, id);
	ev.decision = o->success ? BLE_DECISION_ACCEPTED : BLE_DECISION_REFUSED;
	ev.has_response = true;
	ev.request_opcode = o->request_opcode;
	ev.response_code = o->code;
	ev.reason = o->reason ? o->reason : (o->success ? "accepted" : "refused");
	ev.detail = o->detail ? o->detail : "";
	ev.pump_called = o->pump_called;
	ev.pump_result = o->pump_result;
	srv->stats.responses++;
	if (o->success)
		srv->stats.commands_accepted++;
	else
		srv->stats.commands_refused++;
	audit_emit(srv, &ev, raw, len);
}

/* The E2E stage of a write (spec §1.6): 0 and the payload length, or an ATT error
 * (audited). Legacy-vulnerable strips the tail by length and checks nothing. */
static uint8_t e2e_in(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                      const uint8_t *b, size_t len, size_t min_payload, size_t *payload)
{
	ids_e2e_channel ch = IDS_E2E_COMMAND_CP;
	const gatt_e2e_kind kind = srv->cfg.e2e ? gatt_e2e_of(id, &ch) : GATT_E2E_NONE;
	*payload = len;
	if (kind == GATT_E2E_NONE)
		return ATT_OK;
	const bool ids = kind == GATT_E2E_IDS;
	const size_t tail = ids ? 3 : 2; /* control points: IDS counter + CRC, CGMS CRC */
	if (legacy(srv)) {
		*payload = len >= tail ? len - tail : 0;
		return ATT_OK;
	}
	e2e_result r = ids ? ids_e2e_check(&ls->ids.rx[ch], b, len, min_payload, payload)
	                   : cgms_e2e_check(b, len, min_payload, payload);
	if (r == E2E_OK)
		return ATT_OK;
	const char *reason = r == E2E_MISSING_CRC       ? "e2e: missing crc"
	                     : r == E2E_INVALID_COUNTER ? "e2e: invalid counter"
	                                                : "e2e: invalid crc";
	if (r == E2E_INVALID_COUNTER && len >= 3)
		snprintf(srv->detail, sizeof srv->detail, "counter %u, expected %u", b[len - 3],
		         e2e_counter_next_value(ls->ids.rx[ch].last));
	else
		srv->detail[0] = '\0';
	return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, id, e2e_result_att_error(r), reason,
	              srv->detail, b, len);
}

/* ---------------------------------------------------------------------------------- */
/* IDD Command Control Point                                                           */
/* ---------------------------------------------------------------------------------- */

static void ccp_indicate(ble_server *srv, link_state *ls, int64_t now, ids_ccp_response *r,
                         uint16_t request_opcode)
{
	uint8_t buf[OUT_MAX];
	size_t n = 0;
	if (ids_ccp_response_encode(r, buf, sizeof buf - 3, &n) != BLE_OK) {
		ids_ccp_response_code(request_opcode, IDS_RC_PROCEDURE_NOT_COMPLETED, r);
		if (ids_ccp_response_encode(r, buf, sizeof buf - 3, &n) != BLE_OK)
			return;
	}
	send_ids(srv, ls, now, GATT_IDD_COMMAND_CP, true, buf, n, sizeof buf);
}

static void command_data(ble_server *srv, link_state *ls, int64_t now, const ids_ccp_response *r)
{
	uint8_t buf[OUT_MAX];
	size_t n = 0;
	if (ids_ccp_response_encode(r, buf, sizeof buf - 3, &n) == BLE_OK)
		send_ids(srv, ls, now, GATT_IDD_COMMAND_DATA, false, buf, n, sizeof buf);
}

static bool duplicate_of(const ble_server *srv, const uint8_t *b, size_t n, int64_t now,
                         const dup_entry **found)
{
	pump_status st;
	pump_get_status(srv->p, &st);
	for (size_t i = 0; i < DUP_MAX; i++) {
		const dup_entry *e = &srv->dup[i];
		if (!e->used || e->len != n || memcmp(e->bytes, b, n) != 0)
			continue;
		bool active = st.bolus_active && st.bolus_id == e->bolus_id;
		if (active || now - e->t_min < srv->cfg.duplicate_window_min) {
			*found = e;
			return true;
		}
	}
	return false;
}

static void remember_bolus(ble_server *srv, const uint8_t *b, size_t n, int64_t now, uint16_t id)
{
	if (n > DUP_BYTES_MAX)
		return;
	dup_entry *e = &srv->dup[srv->dup_next];
	srv->dup_next = (srv->dup_next + 1) % DUP_MAX;
	*e = (dup_entry){true, now, id, n, {0}};
	memcpy(e->bytes, b, n);
}

/* Read Basal Rate Profile Template: the pump's program as time blocks, 3 per Command Data
 * notification. */
static void send_basal_template(ble_server *srv, link_state *ls, int64_t now, uint8_t number)
{
	const pump_config *pc = pump_get_config(srv->p);
	ids_time_block blocks[PUMP_MAX_BASAL_SEGMENTS];
	size_t count = 0;
	if (pc->steady_basal_u_per_min > 0.0) {
		blocks[count++] = (ids_time_block){DAY_MIN, pc->steady_basal_u_per_min * 60.0, 0};
	} else {
		for (size_t i = 0; i < pc->basal_segment_count; i++) {
			int end = i + 1 < pc->basal_segment_count
			              ? pc->basal_segments[i + 1].start_min_of_day
			              : DAY_MIN;
			blocks[count++] = (ids_time_block){
			    (uint16_t)(end - pc->basal_segments[i].start_min_of_day),
			    pc->basal_segments[i].rate_u_per_h, 0};
		}
	}
	for (size_t first = 0; first < count; first += IDS_TIME_BLOCKS_PER_PDU) {
		ids_ccp_response r = {0};
		r.opcode = IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE;
		r.u.read_template.template_number = number;
		r.u.read_template.first_block_index = (uint8_t)(first + 1);
		size_t k = count - first < IDS_TIME_BLOCKS_PER_PDU ? count - first
		                                                   : IDS_TIME_BLOCKS_PER_PDU;
		r.u.read_template.block_count = (uint8_t)k;
		for (size_t j = 0; j < k; j++)
			r.u.read_template.blocks[j] = blocks[first + j];
		command_data(srv, ls, now, &r);
	}
}

static bool data_subscribed(const link_state *ls, gatt_char_id id)
{
	return (ls->subscribed & bit(id)) != 0;
}

/* Execute a decoded Command CP procedure; fills the response and the outcome. */
static void ccp_execute(ble_server *srv, link_state *ls, int64_t now, const ids_command *cmd,
                        const uint8_t *payload, size_t n, ids_ccp_response *resp, cp_outcome *o)
{
	pump *p = srv->p;
	pump_status st;
	pump_get_status(p, &st);
	pump_result pr = PUMP_OK;
	ids_rc rc = IDS_RC_SUCCESS;
	bool called = true;
	srv->detail[0] = '\0';
	ids_ccp_response_code(cmd->opcode, IDS_RC_SUCCESS, resp);

	switch (cmd->opcode) {
	case IDS_CCP_SET_THERAPY_CONTROL_STATE:
		switch (cmd->u.therapy_control_state) {
		case IDS_TCS_RUN:
			pr = pump_resume(p, now, PUMP_SOURCE_PHONE);
			break;
		case IDS_TCS_PAUSE:
			pr = pump_suspend(p, now, PUMP_SOURCE_PHONE);
			break;
		default:
			pr = pump_stop(p, now, PUMP_SOURCE_PHONE);
			break;
		}
		snprintf(srv->detail, sizeof srv->detail, "therapy control state %s",
		         ids_code_name(&ids_tcs_table, cmd->u.therapy_control_state));
		break;
	case IDS_CCP_SNOOZE_ANNUNCIATION:
	case IDS_CCP_CONFIRM_ANNUNCIATION: {
		bool snooze = cmd->opcode == IDS_CCP_SNOOZE_ANNUNCIATION;
		uint16_t id = cmd->u.annunciation_id;
		pr = snooze ? pump_snooze_annunciation(p, now, PUMP_SOURCE_PHONE, id)
		            : pump_confirm_annunciation(p, now, PUMP_SOURCE_PHONE, id);
		if (pr == PUMP_OK) {
			*resp = (ids_ccp_response){0};
			resp->opcode = snooze ? IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE
			                      : IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE;
			resp->u.annunciation_id = id;
		}
		snprintf(srv->detail, sizeof srv->detail, "annunciation %u", id);
		break;
	}
	case IDS_CCP_READ_BASAL_TEMPLATE:
		called = false;
		if (!data_subscribed(ls, GATT_IDD_COMMAND_DATA)) {
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
			o->reason = "IDD Command Data notifications are off";
			break;
		}
		send_basal_template(srv, ls, now, cmd->u.template_number);
		break;
	case IDS_CCP_GET_TEMPLATE_STATUS:
		called = false;
		if (!data_subscribed(ls, GATT_IDD_COMMAND_DATA)) {
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
			o->reason = "IDD Command Data notifications are off";
			break;
		} else {
			ids_ccp_response d = {0};
			const ids_template_range *b = &srv->profile.templates[IDS_TK_BASAL];
			d.opcode = IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE;
			d.u.template_status =
			    (ids_template_status){IDS_TEMPLATE_BASAL_RATE,
			                          b->first,
			                          b->count,
			                          srv->profile.max_time_blocks,
			                          0,
			                          (uint16_t)((1u << b->count) - 1)};
			command_data(srv, ls, now, &d);
		}
		break;
	case IDS_CCP_ACTIVATE_TEMPLATES:
	case IDS_CCP_GET_ACTIVATED_TEMPLATES:
		/* The one basal template is always the active one. */
		called = false;
		*resp = (ids_ccp_response){0};
		resp->opcode = cmd->opcode == IDS_CCP_ACTIVATE_TEMPLATES
		                   ? IDS_CCP_ACTIVATE_TEMPLATES_RESPONSE
		                   : IDS_CCP_GET_ACTIVATED_TEMPLATES_RESPONSE;
		if (cmd->opcode == IDS_CCP_ACTIVATE_TEMPLATES) {
			resp->u.templates = cmd->u.templates;
		} else {
			resp->u.templates.count = 1;
			resp->u.templates.numbers[0] = srv->profile.templates[IDS_TK_BASAL].first;
		}
		break;
	case IDS_CCP_WRITE_BASAL_TEMPLATE:
	case IDS_CCP_RESET_TEMPLATE_STATUS:
		called = false;
		rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		o->reason = "the basal program is set on the pump only";
		break;
	case IDS_CCP_SET_TBR: {
		const ids_set_tbr *t = &cmd->u.set_tbr;
		bool change = (t->flags & IDS_TBR_FLAG_CHANGE) != 0;
		pump_temp_basal_type type = PUMP_TBR_ABSOLUTE;
		ids_tbr_type_to_pump(t->type, &type);
		const bool ap = (t->flags & IDS_TBR_FLAG_CONTEXT) &&
		                t->delivery_context == IDS_CONTEXT_AP_CONTROLLER;
		const int64_t age = srv->has_reading ? now - srv->last_reading_min : -1;
		if (ap && srv->cfg.ap_cgm_max_age_min > 0 &&
		    (age < 0 || age > srv->cfg.ap_cgm_max_age_min)) {
			/* T8: a closed loop doses on glucose it no longer sees. */
			called = false;
			rc = IDS_RC_PLAUSIBILITY_CHECK_FAILED;
			o->reason = age < 0 ? "AP controller TBR: the pump has no CGM reading"
			                    : "AP controller TBR: the pump's CGM is stale";
		} else if (ap && srv->cfg.ap_tbr_max_min > 0 &&
		           t->duration_min > srv->cfg.ap_tbr_max_min) {
			called = false;
			rc = IDS_RC_PARAMETER_OUT_OF_RANGE;
			o->reason = "AP controller TBR longer than the pump lets a loop run unseen";
		} else if (change && !st.temp_basal_active) {
			called = false;
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
			o->reason = "Change TBR with no TBR active";
		} else if (!change && st.temp_basal_active) {
			called = false;
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
			o->reason = "a TBR is active and Change TBR is not set";
		} else {
			pr = pump_temp_basal(p, now, PUMP_SOURCE_PHONE, type, t->value,
			                     t->duration_min);
		}
		snprintf(srv->detail, sizeof srv->detail, "TBR %s %.2f %s for %u min%s",
		         type == PUMP_TBR_RELATIVE ? "relative" : "absolute", t->value,
		         type == PUMP_TBR_RELATIVE ? "%" : "U/h", t->duration_min,
		         ap ? ", AP controller" : "");
		if (ap && age != 0) {
			const size_t n = strlen(srv->detail);
			if (age < 0)
				snprintf(srv->detail + n, sizeof srv->detail - n,
				         ", no CGM reading yet");
			else
				snprintf(srv->detail + n, sizeof srv->detail - n,
				         ", last CGM reading %lld min ago", (long long)age);
		}
		break;
	}
	case IDS_CCP_CANCEL_TBR:
		pr = pump_cancel_temp_basal(p, now, PUMP_SOURCE_PHONE);
		break;
	case IDS_CCP_SET_BOLUS: {
		const ids_set_bolus *b = &cmd->u.set_bolus;
		const dup_entry *dup = NULL;
		snprintf(srv->detail, sizeof srv->detail,
		         "bolus %s fast %.2f U extended %.2f U over %u min",
		         ids_code_name(&ids_bolus_type_table, b->type), b->fast_u, b->extended_u,
		         b->duration_min);
		if (!legacy(srv) && srv->cfg.duplicate_window_min > 0 &&
		    duplicate_of(srv, payload, n, now, &dup)) {
			called = false;
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
			o->reason = "replay/duplicate";
			srv->stats.duplicates_refused++;
			snprintf(srv->detail, sizeof srv->detail,
			         "identical Set Bolus accepted at t=%lld min (bolus id %u)",
			         (long long)dup->t_min, dup->bolus_id);
			break;
		}
		pump_bolus_request req;
		uint16_t id = 0;
		ids_bolus_to_pump(b, &req);
		pr = pump_bolus(p, now, PUMP_SOURCE_PHONE, &req, &id);
		if (pr == PUMP_OK) {
			remember_bolus(srv, payload, n, now, id);
			srv->bolus.valid = true;
			srv->bolus.id = id;
			srv->bolus.type = b->type;
			srv->bolus.fast_u = b->type == IDS_BOLUS_EXTENDED ? 0.0 : b->fast_u;
			srv->bolus.extended_u = b->type == IDS_BOLUS_FAST ? 0.0 : b->extended_u;
			srv->bolus.duration_min = b->duration_min;
			*resp = (ids_ccp_response){0};
			resp->opcode = IDS_CCP_SET_BOLUS_RESPONSE;
			resp->u.bolus_id = id;
		}
		break;
	}
	case IDS_CCP_CANCEL_BOLUS:
		snprintf(srv->detail, sizeof srv->detail, "cancel bolus id %u", cmd->u.bolus_id);
		if (cmd->u.bolus_id == 0) {
			/* The pump reads 0 as "whichever is active"; a remote never gets that. */
			called = false;
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
			o->reason = "no such bolus (id 0 is never issued)";
			break;
		}
		pr = pump_cancel_bolus(p, now, PUMP_SOURCE_PHONE, cmd->u.bolus_id);
		if (pr == PUMP_OK) {
			*resp = (ids_ccp_response){0};
			resp->opcode = IDS_CCP_CANCEL_BOLUS_RESPONSE;
			resp->u.bolus_id = cmd->u.bolus_id;
		}
		break;
	case IDS_CCP_GET_AVAILABLE_BOLUSES:
		called = false;
		*resp = (ids_ccp_response){0};
		resp->opcode = IDS_CCP_GET_AVAILABLE_BOLUSES_RESPONSE;
		resp->u.available_boluses = 0;
		if (st.therapy == PUMP_THERAPY_RUN && !st.bolus_active) {
			if (srv->profile.features & IDS_FEAT_FAST_BOLUS)
				resp->u.available_boluses |= IDS_AVAILABLE_FAST;
			if (srv->profile.features & IDS_FEAT_EXTENDED_BOLUS)
				resp->u.available_boluses |= IDS_AVAILABLE_EXTENDED;
			if (srv->profile.features & IDS_FEAT_MULTIWAVE_BOLUS)
				resp->u.available_boluses |= IDS_AVAILABLE_MULTIWAVE;
		}
		break;
	case IDS_CCP_START_PRIMING:
		pr = pump_prime(p, now, PUMP_SOURCE_PHONE, cmd->u.amount_u);
		snprintf(srv->detail, sizeof srv->detail, "prime %.2f U", cmd->u.amount_u);
		break;
	case IDS_CCP_STOP_PRIMING:
		called = false;
		rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		o->reason = "no priming in progress (priming completes at once)";
		break;
	case IDS_CCP_SET_RESERVOIR_FILL_LEVEL:
		pr = pump_fill_reservoir(p, now, PUMP_SOURCE_PHONE, cmd->u.amount_u);
		snprintf(srv->detail, sizeof srv->detail, "reservoir fill %.2f U", cmd->u.amount_u);
		break;
	case IDS_CCP_RESET_RESERVOIR_OPERATION_TIME:
		/* The counter restarts when a reservoir is filled at the pump: a cartridge is
		 * changed by hand (docs/pump.md "Authority"), never from a phone. */
		called = false;
		rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		o->reason = st.therapy != PUMP_THERAPY_STOP
		                ? "only when therapy is stopped"
		                : "needs the person at the pump (the counter restarts with a fill)";
		break;
	case IDS_CCP_GET_MAX_BOLUS:
		called = false;
		*resp = (ids_ccp_response){0};
		resp->opcode = IDS_CCP_GET_MAX_BOLUS_RESPONSE;
		resp->u.max_bolus_u = st.max_bolus_u;
		break;
	case IDS_CCP_SET_MAX_BOLUS:
		pr = pump_set_max_bolus(p, now, PUMP_SOURCE_PHONE, cmd->u.amount_u);
		snprintf(srv->detail, sizeof srv->detail, "max bolus %.2f U (pump limit %.2f U)",
		         cmd->u.amount_u, pump_get_config(p)->limits.max_bolus_u);
		break;
	case IDS_CCP_SET_FLIGHT_MODE:
		called = false;
		rc = IDS_RC_OPCODE_NOT_SUPPORTED;
		o->reason = "flight mode is not supported";
		break;
	default:
		/* Template procedures of kinds the profile supports none of (the decoder
		 * refused them already with the default profile). */
		called = false;
		rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		o->reason = "template kind not supported";
		break;
	}
	if (called) {
		srv->stats.pump_commands++;
		o->pump_called = true;
		o->pump_result = pr;
		if (pr != PUMP_OK) {
			rc = ids_rc_for_pump_result(pr);
			if (!o->reason)
				o->reason = "refused by the pump";
		}
	}
	if (rc != IDS_RC_SUCCESS)
		ids_ccp_response_code(cmd->opcode, rc, resp);
	o->success = rc == IDS_RC_SUCCESS;
	o->code = (uint8_t)rc;
	o->detail = srv->detail;
}

static uint8_t write_ccp(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b, size_t len)
{
	size_t n = 0;
	uint8_t e = e2e_in(srv, ls, now, GATT_IDD_COMMAND_CP, b, len, 2, &n);
	if (e)
		return e;
	if (n == 0)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_IDD_COMMAND_CP,
		              ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	ids_command cmd;
	ids_ccp_response resp;
	cp_outcome o = {0};
	ids_rc rc = ids_command_decode(&srv->profile, b, n, &cmd);
	o.request_opcode = cmd.opcode;
	if (rc != IDS_RC_SUCCESS) {
		ids_ccp_response_code(cmd.opcode, rc, &resp);
		o.code = (uint8_t)rc;
		o.reason = "decode refused the operand";
		o.detail = ids_rc_name(rc);
	} else {
		srv->phone_command = true; /* the pump events of this call are the collector's */
		ccp_execute(srv, ls, now, &cmd, b, n, &resp, &o);
		srv->phone_command = false;
	}
	ccp_indicate(srv, ls, now, &resp, cmd.opcode);
	cp_audit(srv, ls, now, GATT_IDD_COMMAND_CP, &o, b, len);
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* IDD Status Reader Control Point                                                     */
/* ---------------------------------------------------------------------------------- */

static double clamp_nonneg(double v)
{
	return v > 0.0 ? v : 0.0;
}

/* A total summed minute by minute (60 × 1/60 U may come out a hair under 1 U): rounded
 * down to 0.01 U after a nudge far below that resolution, so that it encodes exactly. */
static double total_u(double v)
{
	return v > 0.0 ? floor(v * 100.0 + 1e-6) / 100.0 : 0.0;
}

static uint8_t write_srcp(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b,
                          size_t len)
{
	size_t n = 0;
	uint8_t e = e2e_in(srv, ls, now, GATT_IDD_STATUS_READER_CP, b, len, 2, &n);
	if (e)
		return e;
	if (n == 0)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_IDD_STATUS_READER_CP,
		              ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	ids_status_request q;
	ids_status_response r;
	cp_outcome o = {0};
	ids_rc rc = ids_status_request_decode(&srv->profile, b, n, &q);
	o.request_opcode = q.opcode;
	srv->detail[0] = '\0';
	pump_status st;
	pump_get_status(srv->p, &st);
	ids_status_response_code(q.opcode, IDS_RC_SUCCESS, &r);
	if (rc != IDS_RC_SUCCESS) {
		o.reason = "decode refused the operand";
	} else {
		switch (q.opcode) {
		case IDS_SRCP_RESET_STATUS:
			ls->sc_flags &= (uint16_t)~q.u.reset_flags;
			break;
		case IDS_SRCP_GET_ACTIVE_BOLUS_IDS:
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE;
			r.u.bolus_ids.count = st.bolus_active ? 1 : 0;
			r.u.bolus_ids.ids[0] = st.bolus_active ? st.bolus_id : 0;
			break;
		case IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY: {
			uint16_t id = q.u.bolus_delivery.bolus_id;
			if (!st.bolus_active || st.bolus_id != id) {
				rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
				o.reason = "no such active bolus";
				break;
			}
			double fast = st.bolus_programmed_u, ext = 0.0;
			uint8_t type = ids_bolus_type_for_pump(st.bolus_type);
			uint16_t dur = 0;
			if (srv->bolus.valid && srv->bolus.id == id) {
				fast = srv->bolus.fast_u;
				ext = srv->bolus.extended_u;
				dur = srv->bolus.duration_min;
				type = srv->bolus.type;
			}
			/* The pump rounds programmed amounts down to its pulse: report what it
			 * really programmed, split fast first. */
			if (fast + ext > st.bolus_programmed_u) {
				double over = fast + ext - st.bolus_programmed_u;
				double cut = ext < over ? ext : over;
				ext -= cut;
				fast = clamp_nonneg(fast - (over - cut));
			}
			double del = st.bolus_delivered_u;
			double fast_del = del < fast ? del : fast,
			       ext_del = clamp_nonneg(del - fast_del);
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY_RESPONSE;
			r.u.bolus_delivery.bolus_id = id;
			r.u.bolus_delivery.bolus.type = type;
			r.u.bolus_delivery.bolus.duration_min = dur;
			switch (q.u.bolus_delivery.value_selection) {
			case IDS_BOLUS_VALUE_PROGRAMMED:
				r.u.bolus_delivery.bolus.fast_u = fast;
				r.u.bolus_delivery.bolus.extended_u = ext;
				break;
			case IDS_BOLUS_VALUE_REMAINING:
				r.u.bolus_delivery.bolus.fast_u = clamp_nonneg(fast - fast_del);
				r.u.bolus_delivery.bolus.extended_u = clamp_nonneg(ext - ext_del);
				break;
			default:
				r.u.bolus_delivery.bolus.fast_u = fast_del;
				r.u.bolus_delivery.bolus.extended_u = ext_del;
				break;
			}
			break;
		}
		case IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY:
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE;
			r.u.basal_delivery.template_number =
			    srv->profile.templates[IDS_TK_BASAL].first;
			r.u.basal_delivery.rate_u_per_h = st.programmed_basal_u_per_h;
			if (st.temp_basal_active) {
				int64_t left = st.temp_basal_end_min - now;
				int prog = srv->tbr_active ? srv->tbr_duration_min
				                           : (int)(left > 0 ? left : 0);
				r.u.basal_delivery.flags = IDS_BASAL_DELIVERY_TBR;
				r.u.basal_delivery.tbr_type =
				    ids_tbr_type_for_pump(st.temp_basal_type);
				r.u.basal_delivery.tbr_value = st.temp_basal_value;
				r.u.basal_delivery.tbr_duration_programmed_min = (uint16_t)prog;
				r.u.basal_delivery.tbr_duration_remaining_min =
				    (uint16_t)(left < 0       ? 0
				               : left > 65535 ? 65535
				                              : left);
			}
			break;
		case IDS_SRCP_GET_TOTAL_DAILY_INSULIN:
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_TOTAL_DAILY_INSULIN_RESPONSE;
			r.u.total_daily.bolus_u = total_u(srv->day_bolus_u);
			r.u.total_daily.basal_u = total_u(srv->day_basal_u);
			r.u.total_daily.total_u = total_u(srv->day_bolus_u + srv->day_basal_u);
			break;
		case IDS_SRCP_GET_COUNTER:
			if (q.u.counter.value_selection != IDS_COUNTER_ELAPSED ||
			    (q.u.counter.type != IDS_COUNTER_LIFETIME &&
			     q.u.counter.type != IDS_COUNTER_RESERVOIR_INSULIN_OPERATION_TIME)) {
				rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
				o.reason =
				    "counter not kept (only elapsed lifetime and reservoir time)";
				break;
			}
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_COUNTER_RESPONSE;
			r.u.counter.type = q.u.counter.type;
			r.u.counter.value_selection = q.u.counter.value_selection;
			r.u.counter.value_min = (int32_t)(q.u.counter.type == IDS_COUNTER_LIFETIME
			                                      ? now
			                                      : now - srv->reservoir_since_min);
			break;
		case IDS_SRCP_GET_DELIVERED_INSULIN:
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE;
			r.u.delivered.bolus_u = total_u(srv->life_bolus_u);
			r.u.delivered.basal_u = total_u(srv->life_basal_u);
			break;
		case IDS_SRCP_GET_INSULIN_ON_BOARD:
			r = (ids_status_response){0};
			r.opcode = IDS_SRCP_GET_INSULIN_ON_BOARD_RESPONSE;
			r.u.iob.iob_u = pump_iob_u(srv->p, now);
			break;
		default:
			rc = IDS_RC_OPCODE_NOT_SUPPORTED;
			break;
		}
	}
	if (rc != IDS_RC_SUCCESS)
		ids_status_response_code(q.opcode, rc, &r);
	o.success = rc == IDS_RC_SUCCESS;
	o.code = (uint8_t)rc;
	o.detail = rc == IDS_RC_SUCCESS ? "" : ids_code_name(&ids_srcp_rc_table, rc);

	uint8_t buf[OUT_MAX];
	size_t out = 0;
	if (ids_status_response_encode(&r, buf, sizeof buf - 3, &out) != BLE_OK) {
		ids_status_response_code(q.opcode, IDS_RC_PROCEDURE_NOT_COMPLETED, &r);
		o.success = false;
		o.code = IDS_RC_PROCEDURE_NOT_COMPLETED;
		ids_status_response_encode(&r, buf, sizeof buf - 3, &out);
	}
	send_ids(srv, ls, now, GATT_IDD_STATUS_READER_CP, true, buf, out, sizeof buf);
	cp_audit(srv, ls, now, GATT_IDD_STATUS_READER_CP, &o, b, len);
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Record Access Control Points (IDD history and CGM records)                          */
/* ---------------------------------------------------------------------------------- */

static uint64_t hist_oldest(const ble_server *srv)
{
	return srv->hist_total - srv->hist_count;
}

static uint64_t cgm_oldest(const ble_server *srv)
{
	return srv->cgm_total - srv->cgm_count;
}

static bool racp_match(const ble_server *srv, const racp_proc *pr, uint64_t i)
{
	uint32_t key = pr->cgms ? srv->cgm[i % CGM_MAX].offset_min
	                        : srv->hist[i % HISTORY_MAX].sequence_number;
	return key >= pr->min && key <= pr->max;
}

/* How many records a selection holds. */
static uint32_t racp_count(const ble_server *srv, const racp_proc *pr)
{
	uint32_t n = 0;
	uint64_t oldest = pr->cgms ? cgm_oldest(srv) : hist_oldest(srv);
	for (uint64_t i = pr->cursor < oldest ? oldest : pr->cursor;
	     i <= pr->end && i != UINT64_MAX; i++)
		n += racp_match(srv, pr, i);
	return n;
}

/* A selection: [cursor, end] over what is stored, filtered by [min, max]. False when
 * nothing is stored. */
static bool racp_select(const ble_server *srv, racp_proc *pr, bool cgms, uint8_t op_all,
                        uint8_t op_first, uint8_t op_last, uint8_t op, uint32_t min, uint32_t max)
{
	uint64_t total = cgms ? srv->cgm_total : srv->hist_total;
	uint64_t count = cgms ? srv->cgm_count : srv->hist_count;
	*pr = (racp_proc){0};
	pr->cgms = cgms;
	if (count == 0)
		return false;
	pr->cursor = total - count;
	pr->end = total - 1;
	pr->min = 0;
	pr->max = UINT32_MAX;
	if (op == op_first)
		pr->end = pr->cursor;
	else if (op == op_last)
		pr->cursor = pr->end;
	else if (op != op_all) {
		pr->min = min;
		pr->max = max;
	}
	return true;
}

static void racp_respond(ble_server *srv, link_state *ls, int64_t now, bool cgms,
                         uint8_t request_opcode, uint8_t code, bool number, uint32_t count)
{
	uint8_t buf[OUT_MAX];
	size_t n = 0;
	if (cgms) {
		cgms_racp_response r = {number ? RACP_NUMBER_RESPONSE : RACP_RESPONSE_CODE,
		                        request_opcode, code,
		                        (uint16_t)(count > 65535 ? 65535 : count)};
		if (cgms_racp_response_encode(&r, buf, sizeof buf, &n) == BLE_OK)
			send_value(srv, ls, now, GATT_CGM_RACP, true, buf, n);
	} else {
		ids_racp_response r = {number ? IDS_RACP_NUMBER_RESPONSE : IDS_RACP_RESPONSE_CODE,
		                       request_opcode, code, count};
		if (ids_racp_response_encode(&r, buf, sizeof buf - 3, &n) == BLE_OK)
			send_ids(srv, ls, now, GATT_IDD_RACP, true, buf, n, sizeof buf);
	}
}

static void send_cgm_record(ble_server *srv, link_state *ls, int64_t now, const cgm_rec *c)
{
	cgms_measurement m = {0};
	m.glucose_mgdl = c->mgdl;
	m.time_offset_min = c->offset_min;
	m.ssa = c->ssa;
	m.has_trend = c->has_trend;
	m.trend_mgdl_per_min = c->trend_mgdl_per_min;
	uint8_t buf[OUT_MAX];
	size_t n = 0;
	if (cgms_measurement_encode(&m, cgm_crc(srv), buf, sizeof buf, &n) == BLE_OK)
		send_value(srv, ls, now, GATT_CGM_MEASUREMENT, false, buf, n);
}

/* Send the next burst of a running Report procedure; when done, the response. */
static void racp_continue(ble_server *srv, link_state *ls, int64_t now)
{
	racp_proc *pr = &ls->racp;
	if (!pr->active)
		return;
	gatt_char_id data = pr->cgms ? GATT_CGM_MEASUREMENT : GATT_IDD_HISTORY_DATA;
	if (!(ls->subscribed & bit(data))) {
		/* The collector turned the data off mid-stream: the procedure ends unfinished. */
		pr->active = false;
		if (pr->cgms)
			racp_respond(srv, ls, now, true, RACP_REPORT_STORED_RECORDS,
			             RACP_RC_PROCEDURE_NOT_COMPLETED, false, 0);
		else
			racp_respond(srv, ls, now, false, IDS_RACP_REPORT_STORED_RECORDS,
			             IDS_RACP_RC_PROCEDURE_NOT_COMPLETED, false, 0);
		return;
	}
	uint64_t oldest = pr->cgms ? cgm_oldest(srv) : hist_oldest(srv);
	if (pr->cursor < oldest)
		pr->cursor = oldest; /* records dropped out of the ring while streaming */
	int burst = 0;
	while (pr->cursor <= pr->end && burst < srv->cfg.racp_records_per_burst) {
		uint64_t i = pr->cursor++;
		if (!racp_match(srv, pr, i))
			continue;
		if (pr->cgms) {
			send_cgm_record(srv, ls, now, &srv->cgm[i % CGM_MAX]);
		} else {
			uint8_t buf[OUT_MAX];
			size_t n = 0;
			if (ids_history_encode(&srv->hist[i % HISTORY_MAX], buf, sizeof buf - 3,
			                       &n) == BLE_OK)
				send_ids(srv, ls, now, GATT_IDD_HISTORY_DATA, false, buf, n,
				         sizeof buf);
		}
		pr->sent++;
		burst++;
	}
	if (pr->cursor > pr->end) {
		pr->active = false;
		if (pr->cgms)
			racp_respond(srv, ls, now, true, RACP_REPORT_STORED_RECORDS,
			             RACP_RC_SUCCESS, false, 0);
		else
			racp_respond(srv, ls, now, false, IDS_RACP_REPORT_STORED_RECORDS,
			             IDS_RACP_RC_SUCCESS, false, 0);
	}
}

static uint8_t write_ids_racp(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b,
                              size_t len)
{
	size_t n = 0;
	uint8_t e = e2e_in(srv, ls, now, GATT_IDD_RACP, b, len, 1, &n);
	if (e)
		return e;
	if (n == 0)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_IDD_RACP,
		              ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	ids_racp_request q;
	ids_racp_rc rc = ids_racp_request_decode(b, n, &q);
	if (ls->racp.active && !(rc == IDS_RACP_RC_SUCCESS && q.opcode == IDS_RACP_ABORT))
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_IDD_RACP,
		              ATT_ERR_PROCEDURE_IN_PROGRESS, "procedure already in progress",
		              "a Report Stored Records is still streaming", b, len);
	cp_outcome o = {q.opcode, 0, false, NULL, false, PUMP_OK, ""};
	bool number = false;
	uint32_t count = 0;
	if (rc == IDS_RACP_RC_SUCCESS) {
		racp_proc sel;
		bool any = racp_select(srv, &sel, false, IDS_RACP_OP_ALL, IDS_RACP_OP_FIRST,
		                       IDS_RACP_OP_LAST, q.op, q.min_seq, q.max_seq);
		switch (q.opcode) {
		case IDS_RACP_ABORT:
			ls->racp.active = false;
			break;
		case IDS_RACP_DELETE_STORED_RECORDS:
			rc = IDS_RACP_RC_OPCODE_NOT_SUPPORTED;
			o.reason = "history is evidence: never deleted from a phone";
			break;
		case IDS_RACP_REPORT_NUMBER:
		case IDS_RACP_REPORT_STORED_RECORDS:
			if (q.filter != 0 && q.filter != IDS_RACP_FILTER_SEQUENCE_NUMBER) {
				rc = IDS_RACP_RC_OPERAND_NOT_SUPPORTED;
				o.reason = "filter by reference time events is not supported";
				break;
			}
			count = any ? racp_count(srv, &sel) : 0;
			if (q.opcode == IDS_RACP_REPORT_NUMBER) {
				number = true;
				break;
			}
			if (count == 0) {
				rc = IDS_RACP_RC_NO_RECORDS_FOUND;
				break;
			}
			if (!data_subscribed(ls, GATT_IDD_HISTORY_DATA)) {
				rc = IDS_RACP_RC_PROCEDURE_NOT_APPLICABLE;
				o.reason = "IDD History Data notifications are off";
				break;
			}
			sel.active = true;
			ls->racp = sel;
			break;
		default:
			rc = IDS_RACP_RC_OPCODE_NOT_SUPPORTED;
			break;
		}
	} else {
		o.reason = "decode refused the operand";
	}
	o.success = rc == IDS_RACP_RC_SUCCESS;
	o.code = number ? IDS_RACP_RC_SUCCESS : (uint8_t)rc;
	snprintf(srv->detail, sizeof srv->detail, "%s; %u records",
	         ids_code_name(&ids_racp_rc_table, rc), (unsigned)count);
	o.detail = srv->detail;
	cp_audit(srv, ls, now, GATT_IDD_RACP, &o, b, len);
	if (ls->racp.active && o.success)
		racp_continue(srv, ls, now); /* responds when the last record is out */
	else
		racp_respond(srv, ls, now, false, q.opcode, (uint8_t)rc, number, count);
	return ATT_OK;
}

static uint8_t write_cgm_racp(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b,
                              size_t len)
{
	if (len == 0)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CGM_RACP,
		              ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	cgms_racp_request q;
	racp_rc rc = cgms_racp_request_decode(b, len, &q);
	if (ls->racp.active && !(rc == RACP_RC_SUCCESS && q.opcode == RACP_ABORT))
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CGM_RACP,
		              ATT_ERR_PROCEDURE_IN_PROGRESS, "procedure already in progress",
		              "a Report Stored Records is still streaming", b, len);
	cp_outcome o = {q.opcode, 0, false, NULL, false, PUMP_OK, ""};
	bool number = false;
	uint32_t count = 0;
	if (rc == RACP_RC_SUCCESS) {
		racp_proc sel;
		bool any = racp_select(srv, &sel, true, RACP_OP_ALL, RACP_OP_FIRST, RACP_OP_LAST,
		                       q.op, q.min_offset_min, q.max_offset_min);
		switch (q.opcode) {
		case RACP_ABORT:
			ls->racp.active = false;
			break;
		case RACP_DELETE_STORED_RECORDS:
			rc = RACP_RC_OPCODE_NOT_SUPPORTED;
			o.reason = "records are evidence: never deleted from a phone";
			break;
		case RACP_REPORT_NUMBER:
		case RACP_REPORT_STORED_RECORDS:
			count = any ? racp_count(srv, &sel) : 0;
			if (q.opcode == RACP_REPORT_NUMBER) {
				number = true;
				break;
			}
			if (count == 0) {
				rc = RACP_RC_NO_RECORDS_FOUND;
				break;
			}
			if (!data_subscribed(ls, GATT_CGM_MEASUREMENT)) {
				rc = RACP_RC_PROCEDURE_NOT_COMPLETED;
				o.reason = "CGM Measurement notifications are off";
				break;
			}
			sel.active = true;
			ls->racp = sel;
			break;
		default:
			rc = RACP_RC_OPCODE_NOT_SUPPORTED;
			break;
		}
	} else {
		o.reason = "decode refused the operand";
	}
	o.success = rc == RACP_RC_SUCCESS;
	o.code = (uint8_t)rc;
	snprintf(srv->detail, sizeof srv->detail, "racp code %u; %u records", (unsigned)rc,
	         (unsigned)count);
	o.detail = srv->detail;
	cp_audit(srv, ls, now, GATT_CGM_RACP, &o, b, len);
	if (ls->racp.active && o.success)
		racp_continue(srv, ls, now);
	else
		racp_respond(srv, ls, now, true, q.opcode, (uint8_t)rc, number, count);
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* CGM Specific Ops Control Point                                                      */
/* ---------------------------------------------------------------------------------- */

static int alert_index(uint8_t op)
{
	/* SET opcodes 0x07, 0x0A, 0x0D, 0x10, 0x13, 0x16; GET = SET + 1. */
	if (op < CGMS_SOCP_SET_PATIENT_HIGH || op > CGMS_SOCP_RATE_INCREASE_RESPONSE)
		return -1;
	return (op - CGMS_SOCP_SET_PATIENT_HIGH) / 3;
}

static uint8_t write_socp(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b,
                          size_t len)
{
	size_t n = 0;
	uint8_t e = e2e_in(srv, ls, now, GATT_CGM_SOCP, b, len, 1, &n);
	if (e)
		return e;
	if (n == 0)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CGM_SOCP,
		              ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	cgms_socp_request q;
	cgms_socp_rc rc = cgms_socp_request_decode(b, n, &q);
	cgms_socp_response r = {0};
	cp_outcome o = {q.opcode, 0, false, NULL, false, PUMP_OK, ""};
	bool specific = false;
	srv->detail[0] = '\0';
	if (rc == CGMS_RC_SUCCESS) {
		uint8_t op = q.opcode;
		int ai = alert_index(op);
		switch (op) {
		case CGMS_SOCP_SET_COMM_INTERVAL: {
			int v = q.u.interval_min;
			if (v == 0xFF || (v > 0 && v < srv->cfg.cgm_min_interval_min))
				v = srv->cfg.cgm_min_interval_min; /* clamped: V2 */
			srv->cgm_interval_min = v;
			snprintf(srv->detail, sizeof srv->detail, "interval %u → %d min",
			         q.u.interval_min, v);
			break;
		}
		case CGMS_SOCP_GET_COMM_INTERVAL:
			specific = true;
			r.opcode = CGMS_SOCP_COMM_INTERVAL_RESPONSE;
			r.u.interval_min = (uint8_t)srv->cgm_interval_min;
			break;
		case CGMS_SOCP_SET_CALIBRATION:
			srv->has_calibration = true;
			srv->calibration = q.u.calibration;
			break;
		case CGMS_SOCP_GET_CALIBRATION:
			if (!srv->has_calibration ||
			    (q.u.record_number != 0xFFFF &&
			     q.u.record_number != srv->calibration.record_number)) {
				rc = CGMS_RC_PARAMETER_OUT_OF_RANGE;
				o.reason = "no such calibration record";
				break;
			}
			specific = true;
			r.opcode = CGMS_SOCP_CALIBRATION_RESPONSE;
			r.u.calibration = srv->calibration;
			break;
		case CGMS_SOCP_RESET_DEVICE_SPECIFIC_ALERT:
			break;
		case CGMS_SOCP_START_SESSION:
			if (srv->session_running) {
				rc = CGMS_RC_PROCEDURE_NOT_COMPLETED;
				o.reason = "a session is already running";
				break;
			}
			srv->session_running = true;
			srv->session_start_min = now;
			srv->has_session_start_time = false;
			srv->cgm_count = 0; /* a new session starts a new record set */
			srv->has_last_cgm = false;
			break;
		case CGMS_SOCP_STOP_SESSION:
			if (srv->session_running)
				srv->last_offset_min = session_offset(srv, now);
			srv->session_running = false;
			break;
		default:
			if (ai < 0) {
				rc = CGMS_RC_OPCODE_NOT_SUPPORTED;
				break;
			}
			if ((op - CGMS_SOCP_SET_PATIENT_HIGH) % 3 == 0) {
				srv->alert_level[ai] = q.u.level;
			} else {
				specific = true;
				r.opcode = (uint8_t)(op + 1);
				r.u.level = srv->alert_level[ai];
			}
			break;
		}
	} else {
		o.reason = "decode refused the operand";
	}
	if (!specific) {
		r.opcode = CGMS_SOCP_RESPONSE_CODE;
		r.u.response_code.request_opcode = q.opcode;
		r.u.response_code.code = (uint8_t)rc;
	}
	o.success = rc == CGMS_RC_SUCCESS;
	o.code = (uint8_t)rc;
	o.detail = srv->detail;
	uint8_t buf[OUT_MAX];
	size_t out = 0;
	if (cgms_socp_response_encode(&r, cgm_crc(srv), buf, sizeof buf, &out) != BLE_OK) {
		r.opcode = CGMS_SOCP_RESPONSE_CODE;
		r.u.response_code.request_opcode = q.opcode;
		r.u.response_code.code = CGMS_RC_PROCEDURE_NOT_COMPLETED;
		o.success = false;
		o.code = CGMS_RC_PROCEDURE_NOT_COMPLETED;
		cgms_socp_response_encode(&r, cgm_crc(srv), buf, sizeof buf, &out);
	}
	send_value(srv, ls, now, GATT_CGM_SOCP, true, buf, out);
	cp_audit(srv, ls, now, GATT_CGM_SOCP, &o, b, len);
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Plain value writes: Session Start Time, Current Time                                */
/* ---------------------------------------------------------------------------------- */

static void audit_value_write(ble_server *srv, link_state *ls, int64_t now, gatt_char_id id,
                              const char *detail, const uint8_t *b, size_t len)
{
	ble_audit_event ev = audit_start(&ls->link, now, BLE_AUDIT_WRITE, id);
	ev.detail = detail;
	srv->stats.commands_accepted++;
	audit_emit(srv, &ev, b, len);
}

static uint8_t write_session_start(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b,
                                   size_t len)
{
	size_t n = 0;
	uint8_t e = e2e_in(srv, ls, now, GATT_CGM_SESSION_START_TIME, b, len, 9, &n);
	if (e)
		return e;
	cgms_session_start_time t;
	ble_result r = cgms_session_start_time_decode(b, n, false, &t);
	if (r != BLE_OK)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CGM_SESSION_START_TIME,
		              r == BLE_ERR_LENGTH ? ATT_ERR_INVALID_VALUE_LENGTH
		                                  : ATT_ERR_OUT_OF_RANGE,
		              "invalid session start time", ble_result_name(r), b, len);
	srv->has_session_start_time = true;
	srv->session_start_time = t;
	audit_value_write(srv, ls, now, GATT_CGM_SESSION_START_TIME, "session start time set", b,
	                  len);
	return ATT_OK;
}

static uint8_t write_current_time(ble_server *srv, link_state *ls, int64_t now, const uint8_t *b,
                                  size_t len)
{
	cts_current_time t;
	ble_result r = cts_current_time_decode(b, len, &t);
	if (r == BLE_OK &&
	    (t.date_time.year == 0 || t.date_time.month == 0 || t.date_time.day == 0))
		r = BLE_ERR_RANGE; /* "unknown" is no time to set the pump to */
	if (r != BLE_OK)
		return refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CTS_CURRENT_TIME,
		              r == BLE_ERR_LENGTH ? ATT_ERR_INVALID_VALUE_LENGTH
		                                  : ATT_ERR_OUT_OF_RANGE,
		              "invalid current time", ble_result_name(r), b, len);
	int64_t want = epoch_min_of(&t.date_time);
	const int64_t adjust = want - (srv->base_epoch_min + now);
	/* (without a housekeeping budget — legacy-vulnerable — every write is recorded) */
	const bool changed =
	    adjust != srv->cts_adjust_min || srv->cfg.history_housekeeping_per_hour == 0;
	srv->cts_adjust_min = adjust;
	/* A clock set that changes nothing records nothing; one that does is housekeeping. A
	 * skipped one leaves the records on the clock of the last Reference Time until the
	 * next periodic one (hist_put): consistent, never a time out of order. */
	const bool recorded = changed && housekeeping_take(srv, now);
	if (recorded)
		hist_reference_time(srv, now, REF_REASON_SET_DATE_TIME);
	snprintf(srv->detail, sizeof srv->detail, "clock adjusted by %lld min%s",
	         (long long)srv->cts_adjust_min,
	         !changed   ? " (unchanged: not recorded)"
	         : recorded ? ""
	                    : " (history: over the hourly budget of clock records)");
	audit_value_write(srv, ls, now, GATT_CTS_CURRENT_TIME, srv->detail, b, len);
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Writes                                                                              */
/* ---------------------------------------------------------------------------------- */

uint8_t ble_server_write(ble_server *srv, const ble_link *link_in, int64_t now_min, gatt_char_id id,
                         const uint8_t *bytes, size_t len, const ble_write_options *opts)
{
	const ble_link l = safe_link(link_in), *link = &l;
	srv->stats.writes++;
	if (!bytes)
		len = 0;
	link_state *ls = link_get(srv, link, now_min);
	const gatt_characteristic_def *def =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	/* The audit shows at most one attribute value of what was sent. */
	size_t shown = len < BLE_ATT_MAX_VALUE ? len : BLE_ATT_MAX_VALUE;
	const char *why = NULL;
	if (!ls)
		return not_connected(srv);
	pump_radio_event(srv->p, now_min);
	if (!untrusted_charge(srv, ls, now_min, &why))
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		              ATT_ERR_INSUFFICIENT_RESOURCES, why, "link dropped", bytes, shown);
	if (!def)
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_INVALID_HANDLE,
		              "no such characteristic", NULL, bytes, shown);
	if (!budget_take(&ls->writes, srv->cfg.max_writes_per_min, now_min))
		return over_budget(srv, link, now_min, &ls->write_flood, BLE_AUDIT_WRITE, id, bytes,
		                   shown);
	if (!(def->properties & GATT_PROP_WRITE))
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_WRITE_NOT_PERMITTED,
		              "not writable", NULL, bytes, shown);
	if (opts && opts->command)
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		              ATT_ERR_REQUEST_NOT_SUPPORTED,
		              "write without response on a characteristic that needs a request",
		              NULL, bytes, shown);
	if (opts && opts->offset)
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_INVALID_OFFSET,
		              "offset write", NULL, bytes, shown);
	if (!gatt_security_met(required_level(srv, def->security), link->security))
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		              ATT_ERR_INSUFFICIENT_AUTHENTICATION, "insufficient authentication",
		              ble_link_security_name(link->security), bytes, shown);
	uint8_t denied = controller_check(srv, link, def, &why);
	if (denied)
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, denied, why, NULL, bytes,
		              shown);
	if (len > BLE_ATT_MAX_VALUE)
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_INVALID_VALUE_LENGTH,
		              "longer than an attribute value", NULL, bytes, shown);
	if ((def->properties & GATT_PROP_INDICATE) && !(ls->subscribed & bit(id)))
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id,
		              ATT_ERR_CCCD_IMPROPERLY_CONFIGURED,
		              "control point indications not enabled", NULL, bytes, shown);
	uint8_t r = ATT_ERR_UNLIKELY;
	switch (id) {
	case GATT_IDD_COMMAND_CP:
		r = write_ccp(srv, ls, now_min, bytes, len);
		break;
	case GATT_IDD_STATUS_READER_CP:
		r = write_srcp(srv, ls, now_min, bytes, len);
		break;
	case GATT_IDD_RACP:
		r = write_ids_racp(srv, ls, now_min, bytes, len);
		break;
	case GATT_CGM_SOCP:
		r = write_socp(srv, ls, now_min, bytes, len);
		break;
	case GATT_CGM_RACP:
		r = write_cgm_racp(srv, ls, now_min, bytes, len);
		break;
	case GATT_CGM_SESSION_START_TIME:
		r = write_session_start(srv, ls, now_min, bytes, len);
		break;
	case GATT_CTS_CURRENT_TIME:
		r = write_current_time(srv, ls, now_min, bytes, len);
		break;
	default:
		return refuse(srv, link, now_min, BLE_AUDIT_WRITE, id, ATT_ERR_WRITE_NOT_PERMITTED,
		              "not writable", NULL, bytes, shown);
	}
	publish_changes(srv, now_min);
	return r;
}

/* ---------------------------------------------------------------------------------- */
/* Subscriptions                                                                       */
/* ---------------------------------------------------------------------------------- */

uint8_t ble_server_subscribe(ble_server *srv, const ble_link *link_in, int64_t now_min,
                             gatt_char_id id, bool on)
{
	const ble_link l = safe_link(link_in), *link = &l;
	srv->stats.subscriptions++;
	link_state *ls = link_get(srv, link, now_min);
	const gatt_characteristic_def *def =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	uint8_t v[2] = {on ? (def && (def->properties & GATT_PROP_INDICATE) ? 0x02 : 0x01) : 0, 0};
	const char *why = NULL;
	if (!ls)
		return not_connected(srv);
	pump_radio_event(srv->p, now_min);
	if (!untrusted_charge(srv, ls, now_min, &why))
		return refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id,
		              ATT_ERR_INSUFFICIENT_RESOURCES, why, "link dropped", v, 2);
	if (!def || def->descriptor_count == 0)
		return refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id, ATT_ERR_INVALID_HANDLE,
		              "no CCCD", NULL, v, 2);
	if (!budget_take(&ls->cccd, srv->cfg.max_cccd_writes_per_min, now_min))
		return over_budget(srv, link, now_min, &ls->storm, BLE_AUDIT_SUBSCRIBE, id, v, 2);
	if (!gatt_security_met(required_level(srv, def->descriptors[0].write_security),
	                       link->security))
		return refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id,
		              ATT_ERR_INSUFFICIENT_AUTHENTICATION, "insufficient authentication",
		              ble_link_security_name(link->security), v, 2);
	uint8_t denied = controller_check(srv, link, def, &why);
	if (denied)
		return refuse(srv, link, now_min, BLE_AUDIT_SUBSCRIBE, id, denied, why, NULL, v, 2);
	if (on)
		ls->subscribed |= bit(id);
	else
		ls->subscribed &= ~bit(id);
	ble_audit_event ev = audit_start(link, now_min, BLE_AUDIT_SUBSCRIBE, id);
	ev.reason = on ? "subscribed" : "unsubscribed";
	audit_emit(srv, &ev, v, 2);
	return ATT_OK;
}

/* ---------------------------------------------------------------------------------- */
/* The minute and the sensor                                                           */
/* ---------------------------------------------------------------------------------- */

void ble_server_tick(ble_server *srv, int64_t now_min, const pump_delivery *delivered)
{
	const pump_config *pc = pump_get_config(srv->p);
	int64_t clock = now_min + pc->start_min_of_day;
	int64_t day = clock >= 0 ? clock / DAY_MIN : -1;
	if (day != srv->day_index) {
		srv->day_index = day;
		srv->day_bolus_u = srv->day_basal_u = 0.0;
	}
	if (delivered) {
		srv->day_bolus_u += delivered->bolus_u;
		srv->day_basal_u += delivered->basal_u;
		srv->life_bolus_u += delivered->bolus_u;
		srv->life_basal_u += delivered->basal_u;
	}
	unsigned connected = 0;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		link_state *ls = &srv->links[i];
		if (!ls->used)
			continue;
		connected++;
		link_flush(srv, ls, now_min, false);
		racp_continue(srv, ls, now_min);
	}
	/* The connection events of every link up this minute (the radio's standing cost). */
	if (connected)
		pump_radio_link_minutes(srv->p, now_min, connected);
	if (srv->connect_flood.active) {
		ble_link none = ble_link_make("*", GATT_SEC_NONE, false);
		flood_flush(srv, &none, &srv->connect_flood, BLE_AUDIT_FLOOD, now_min, false);
	}
	publish_changes(srv, now_min);
}

void ble_server_continue_reports(ble_server *srv, int64_t now_min)
{
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		if (srv->links[i].used && srv->links[i].racp.active)
			racp_continue(srv, &srv->links[i], now_min);
}

void ble_server_cgm_sample(ble_server *srv, int64_t now_min, double mgdl, uint32_t ssa)
{
	if (!isfinite(mgdl))
		return;
	srv->has_reading = true;
	srv->last_reading_min = now_min;
	if (!srv->session_running)
		return;
	ssa &= CGMS_SSA_DEFINED_MASK;
	cgm_rec c = {0};
	c.offset_min = session_offset(srv, now_min);
	c.ssa = ssa;
	double v = mgdl;
	if (v < CGM_LOW_MGDL) {
		v = CGM_LOW_MGDL;
		c.ssa |= CGMS_SSA_BELOW_DEVICE_RANGE;
	} else if (v > CGM_HIGH_MGDL) {
		v = CGM_HIGH_MGDL;
		c.ssa |= CGMS_SSA_ABOVE_DEVICE_RANGE;
	}
	c.mgdl = (float)v;
	if (srv->has_last_cgm && now_min > srv->last_cgm_min &&
	    now_min - srv->last_cgm_min <= CGM_TREND_WINDOW_MIN) {
		double t = (v - srv->last_cgm_mgdl) / (double)(now_min - srv->last_cgm_min);
		c.has_trend = true;
		c.trend_mgdl_per_min = (float)(t > 20.0 ? 20.0 : t < -20.0 ? -20.0 : t);
	}
	srv->has_last_cgm = true;
	srv->last_cgm_min = now_min;
	srv->last_cgm_mgdl = v;
	srv->last_offset_min = c.offset_min;
	srv->cgm[srv->cgm_total % CGM_MAX] = c;
	srv->cgm_total++;
	if (srv->cgm_count < CGM_MAX)
		srv->cgm_count++;
	srv->stats.cgm_records++;
	if (srv->cgm_interval_min <= 0)
		return;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		link_state *ls = &srv->links[i];
		if (!ls->used || !(ls->subscribed & bit(GATT_CGM_MEASUREMENT)))
			continue;
		if (ls->cgm_notified && now_min - ls->last_cgm_notify_min < srv->cgm_interval_min)
			continue;
		ls->cgm_notified = true;
		ls->last_cgm_notify_min = now_min;
		send_cgm_record(srv, ls, now_min, &c);
	}
}

void ble_server_flush_audit(ble_server *srv, int64_t now_min)
{
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		if (srv->links[i].used)
			link_flush(srv, &srv->links[i], now_min, true);
	if (srv->connect_flood.active) {
		ble_link none = ble_link_make("*", GATT_SEC_NONE, false);
		flood_flush(srv, &none, &srv->connect_flood, BLE_AUDIT_FLOOD, now_min, true);
	}
}
