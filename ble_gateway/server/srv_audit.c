/*
 * srv_audit.c — the server's audit events and flood aggregation (srv_audit.h), and the
 * names of the audit's kinds and decisions (ble_server.h).
 */
#include <stdio.h>

#include "srv_internal.h"

const char *ble_audit_kind_name(ble_audit_kind k)
{
	static const char *const names[BLE_AUDIT_KIND_COUNT] = {"read",       "write", "subscribe",
	                                                        "connection", "flood", "storm",
	                                                        "attack",     "phone", "fault"};
	return (unsigned)k < BLE_AUDIT_KIND_COUNT ? names[k] : "unknown";
}

const char *ble_decision_name(ble_decision d)
{
	return d == BLE_DECISION_ACCEPTED ? "accepted" : "refused";
}

static bool is_ids(gatt_char_id id)
{
	return id <= GATT_IDD_HISTORY_DATA;
}

static bool is_cgms(gatt_char_id id)
{
	return id >= GATT_CGM_MEASUREMENT && id <= GATT_CGM_SOCP;
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

ble_audit_event ble_audit_make(const ble_link *link, int64_t now, ble_audit_kind kind,
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

void srv_audit_emit(ble_server *srv, ble_audit_event *ev, const uint8_t *raw, size_t len)
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

void srv_count_refusal(ble_server *srv, uint8_t att)
{
	srv->stats.refused++;
	if (att == ATT_ERR_INSUFFICIENT_AUTHENTICATION)
		srv->stats.auth_refused++;
	if (att >= ATT_ERR_E2E_MISSING_CRC && att <= ATT_ERR_E2E_INVALID_COUNTER)
		srv->stats.e2e_refused++;
}

/* An ATT-level refusal: audited, counted, returned. */
uint8_t srv_refuse(ble_server *srv, const ble_link *link, int64_t now, ble_audit_kind kind,
                   gatt_char_id id, uint8_t att, const char *reason, const char *detail,
                   const uint8_t *raw, size_t len)
{
	ble_audit_event ev = ble_audit_make(link, now, kind, id);
	ev.decision = BLE_DECISION_REFUSED;
	ev.att_error = att;
	ev.reason = reason;
	ev.detail = detail ? detail : "";
	if (is_ids(id) && raw && len >= 2 && id != GATT_IDD_RACP)
		ev.request_opcode = (uint16_t)(raw[0] | (raw[1] << 8));
	else if (raw && len >= 1 && (id == GATT_IDD_RACP || is_cgms(id)))
		ev.request_opcode = raw[0];
	srv_count_refusal(srv, att);
	srv_audit_emit(srv, &ev, raw, len);
	return att;
}

/* A request over its per-minute budget: the first is audited, the rest counted; one
 * summary event when the flood is over. */
uint8_t srv_over_budget(ble_server *srv, const ble_link *link, int64_t now, srv_flood *f,
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
		srv_count_refusal(srv, ATT_ERR_PROCEDURE_IN_PROGRESS);
		return ATT_ERR_PROCEDURE_IN_PROGRESS;
	}
	*f = (srv_flood){true, 1, 1, now, now, id};
	const char *reason = kind == BLE_AUDIT_SUBSCRIBE ? "subscription storm: CCCD budget spent"
	                     : kind == BLE_AUDIT_READ    ? "rate limit: read budget spent"
	                                                 : "rate limit: write budget spent";
	return srv_refuse(srv, link, now, kind, id, ATT_ERR_PROCEDURE_IN_PROGRESS, reason,
	                  "further requests this minute are counted, not logged", raw, len);
}

/*
 * Report what a flood refused since its last report: at every tick while it lasts (so a
 * flood is in the audit while it happens, at most one event a minute), and a last time when
 * it is over (a quiet minute, a disconnect, the end of the run: `force`).
 */
void srv_flood_flush(ble_server *srv, const ble_link *link, srv_flood *f, ble_audit_kind agg_kind,
                     int64_t now, bool force)
{
	if (!f->active)
		return;
	const bool over = force || now > f->last_min;
	const uint32_t unreported = f->refused - f->reported;
	if (unreported > 0) {
		ble_audit_event ev = ble_audit_make(link, now, agg_kind, f->char_id);
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
		srv_audit_emit(srv, &ev, NULL, 0);
		f->reported = f->refused;
	}
	if (over)
		f->active = false;
}

void srv_audit_connection(ble_server *srv, const ble_link *link, int64_t now, ble_decision d,
                          const char *reason)
{
	ble_audit_event ev = ble_audit_make(link, now, BLE_AUDIT_CONNECTION, GATT_CHAR_COUNT);
	ev.decision = d;
	ev.reason = reason;
	if (d == BLE_DECISION_REFUSED) {
		srv->stats.connections_refused++;
		srv->stats.refused++;
	}
	srv_audit_emit(srv, &ev, NULL, 0);
}

void srv_audit_cp(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                  const srv_cp_outcome *o, const uint8_t *raw, size_t len)
{
	ble_audit_event ev = ble_audit_make(&ls->link, now, BLE_AUDIT_WRITE, id);
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
	srv_audit_emit(srv, &ev, raw, len);
}

void srv_audit_value_write(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                           const char *detail, const uint8_t *b, size_t len)
{
	ble_audit_event ev = ble_audit_make(&ls->link, now, BLE_AUDIT_WRITE, id);
	ev.detail = detail;
	srv->stats.commands_accepted++;
	srv_audit_emit(srv, &ev, b, len);
}
