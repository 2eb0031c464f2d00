/*
 * engine_ble — the engine's Bluetooth side: the pump's GATT server (ble_gateway) bound to
 * the engine's pump, and the in-process virtual phones that play the scenario's `phone:`
 * and `attack:` events as bytes through the very same handlers a real phone reaches over
 * BlueZ. One phone per link level (authenticated, encrypted Just Works, unencrypted).
 *
 * Must never: command the pump behind the protocol's back (every phone command is encoded,
 * written, decoded, checked and answered); let an attack that the server refuses touch the
 * pump; let a step pass that did not play — an attack with nothing to send fails the run,
 * a `confirm:` with nothing to confirm is a refusal in the audit, and every attack reports
 * what it sent and what it got (BLE_AUDIT_ATTACK) so that expectations can check it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_ble.h"
#include "gatt_keys.h"
#include "pump_binding.h"
#include "virtual_phone.h"

enum { LINK_LEVELS = 3, HISTORY_TYPES = 40 };

struct engine_ble {
	ble_server *srv;
	pump *p;
	virtual_phone *phones[LINK_LEVELS]; /* by scenario_link, created on first use */
	size_t cut_seen[LINK_LEVELS];       /* values cut at the MTU, already reported */
	ble_audit_fn on_audit;
	void *audit_user_data;
	char detail[300];
	char hex[BLE_ATT_MAX_VALUE * 3 + 1];
};

static const char *const phone_names[LINK_LEVELS] = {
    [SCENARIO_LINK_AUTHENTICATED] = "virtual-phone (LE SC + MITM)",
    [SCENARIO_LINK_ENCRYPTED] = "virtual-phone (Just Works)",
    [SCENARIO_LINK_UNENCRYPTED] = "virtual-phone (unencrypted)",
};

static const gatt_security phone_levels[LINK_LEVELS] = {
    [SCENARIO_LINK_AUTHENTICATED] = GATT_SEC_SECURE,
    [SCENARIO_LINK_ENCRYPTED] = GATT_SEC_ENCRYPTED,
    [SCENARIO_LINK_UNENCRYPTED] = GATT_SEC_NONE,
};

bool engine_ble_needed(const scenario *sc)
{
	for (size_t i = 0; i < sc->event_count; i++) {
		const scenario_event *e = &sc->events[i];
		if (e->from_phone || e->kind == SCENARIO_EVENT_ATTACK ||
		    e->kind == SCENARIO_EVENT_PHONE_READ ||
		    e->kind == SCENARIO_EVENT_PHONE_SUBSCRIBE ||
		    e->kind == SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL ||
		    (e->kind == SCENARIO_EVENT_FAULT && e->fault_spec.is_ble))
			return true;
	}
	return false;
}

engine_ble *engine_ble_new(const scenario *sc, pump *p, ble_audit_fn on_audit, void *user_data)
{
	engine_ble *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	ble_server_config cfg;
	ble_server_config_defaults(&cfg, sc->security == SCENARIO_SECURITY_LEGACY_VULNERABLE
	                                     ? BLE_PROFILE_LEGACY_VULNERABLE
	                                     : BLE_PROFILE_HARDENED);
	cfg.e2e = sc->e2e;
	cfg.on_audit = on_audit;
	cfg.audit_user_data = user_data;
	b->p = p;
	b->on_audit = on_audit;
	b->audit_user_data = user_data;
	b->srv = ble_server_new(p, &cfg);
	if (!b->srv) {
		free(b);
		return NULL;
	}
	return b;
}

void engine_ble_free(engine_ble *b)
{
	if (!b)
		return;
	for (int i = 0; i < LINK_LEVELS; i++)
		virtual_phone_free(b->phones[i]);
	ble_server_free(b->srv);
	free(b);
}

ble_server *engine_ble_server(engine_ble *b)
{
	return b->srv;
}

static virtual_phone *phone_for(engine_ble *b, scenario_link link)
{
	if ((unsigned)link >= LINK_LEVELS)
		link = SCENARIO_LINK_AUTHENTICATED;
	if (!b->phones[link])
		b->phones[link] =
		    virtual_phone_new(b->srv, ble_link_make(phone_names[link], phone_levels[link],
		                                            link == SCENARIO_LINK_AUTHENTICATED));
	return b->phones[link];
}

void engine_ble_pump_event(engine_ble *b, const pump_event *ev)
{
	ble_server_pump_event(b->srv, ev);
}

void engine_ble_cgm(engine_ble *b, int64_t now_min, double mgdl)
{
	ble_server_cgm_sample(b->srv, now_min, mgdl, 0);
}

/* ---------------------------------------------------------------------------------- */
/* What the phones did, in the audit                                                   */
/* ---------------------------------------------------------------------------------- */

static void audit(engine_ble *b, ble_audit_event *ev)
{
	if (b->on_audit)
		b->on_audit(ev, b->audit_user_data);
}

static ble_audit_event step_event(const virtual_phone *vp, int64_t now, ble_audit_kind kind,
                                  gatt_char_id id)
{
	const ble_link *l = vp_link(vp);
	const gatt_characteristic_def *d =
	    (unsigned)id < GATT_CHAR_COUNT ? gatt_characteristic(id) : NULL;
	return (ble_audit_event){.t_min = now,
	                         .kind = kind,
	                         .link_identity = l->identity,
	                         .link_security = l->security,
	                         .link_bonded = l->bonded,
	                         .char_id = d ? id : GATT_CHAR_COUNT,
	                         .char_name = d ? d->name : "",
	                         .decision = BLE_DECISION_ACCEPTED,
	                         .reason = "",
	                         .detail = "",
	                         .raw_hex = "",
	                         .count = 1,
	                         .first_min = now,
	                         .last_min = now};
}

/* The name of what a request got: an ATT error, the IDS response code, success, accepted. */
static const char *answer_name(const vp_answer *a, gatt_char_id id)
{
	if (a->att_error)
		return att_error_name(a->att_error);
	if (!a->indicated)
		return "accepted";
	if (a->ok)
		return "success";
	if (id == GATT_IDD_COMMAND_CP || id == GATT_IDD_STATUS_READER_CP) {
		const char *n = ids_rc_name((ids_rc)a->code);
		if (n)
			return n;
	}
	return "refused";
}

/* History records a phone's read received, reported when its report is complete. */
static void report_history(engine_ble *b, virtual_phone *vp, int64_t now)
{
	uint16_t types[HISTORY_TYPES];
	unsigned counts[HISTORY_TYPES];
	size_t n = 0;
	if (!vp_history_read(vp, types, counts, HISTORY_TYPES, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		ble_audit_event ev = step_event(vp, now, BLE_AUDIT_PHONE, GATT_IDD_HISTORY_DATA);
		ev.reason = "history read";
		ev.request_opcode = types[i];
		ev.count = counts[i];
		snprintf(b->detail, sizeof b->detail, "%u %s record%s", counts[i],
		         ids_code_name(&ids_history_event_table, types[i]),
		         counts[i] == 1 ? "" : "s");
		ev.detail = b->detail;
		audit(b, &ev);
	}
}

/* Values that reached a phone cut at its ATT_MTU (23): each fails its E2E check there, so
 * each is a refusal in the audit (it is one: the phone cannot use it). */
static void report_cut(engine_ble *b, int link, int64_t now)
{
	virtual_phone *vp = b->phones[link];
	const size_t cut = vp_cut_values(vp);
	if (cut == b->cut_seen[link])
		return;
	ble_audit_event ev = step_event(vp, now, BLE_AUDIT_PHONE, GATT_CHAR_COUNT);
	ev.decision = BLE_DECISION_REFUSED;
	ev.reason = "cut at the ATT_MTU: the phone's E2E check failed";
	ev.count = (uint32_t)(cut - b->cut_seen[link]);
	snprintf(b->detail, sizeof b->detail, "%u values longer than %d octets", (unsigned)ev.count,
	         BLE_VALUE_MAX_DEFAULT_MTU);
	ev.detail = b->detail;
	b->cut_seen[link] = cut;
	audit(b, &ev);
}

void engine_ble_tick(engine_ble *b, int64_t now_min, const pump_delivery *delivered)
{
	ble_server_tick(b->srv, now_min, delivered);
	for (int i = 0; i < LINK_LEVELS; i++)
		if (b->phones[i]) {
			report_history(b, b->phones[i], now_min);
			report_cut(b, i, now_min);
		}
}

void engine_ble_finish(engine_ble *b, int64_t now_min)
{
	ble_server_flush_audit(b->srv, now_min);
}

/* ---------------------------------------------------------------------------------- */
/* Attacks                                                                             */
/* ---------------------------------------------------------------------------------- */

/* What an attack did: requests sent, the characteristic, the bytes of a single write. */
typedef struct attack_outcome {
	vp_answer last;
	size_t sent;
	gatt_char_id id;
	bool single_write; /* the bytes are the phone's newest capture */
	char why_not[160]; /* why nothing could be sent */
	vp_flood_stats flood;
} attack_outcome;

/* The phone's last write, its payload without the E2E tail (for counter attacks). */
static bool last_payload(virtual_phone *vp, bool e2e, gatt_char_id *id, uint8_t *out, size_t *len)
{
	size_t n = vp_capture_count(vp);
	if (n == 0)
		return false;
	const vp_capture *c = vp_capture_get(vp, n - 1);
	size_t payload = c->len;
	/* IDS tails are counter + CRC (3 bytes), CGMS ones a CRC only (2); Current Time and
	 * the like carry none. */
	const gatt_service_def *svc = gatt_service_of(c->char_id);
	const gatt_characteristic_def *def = gatt_characteristic(c->char_id);
	const size_t tail = svc && svc->uuid16 == GATT_UUID_CGMS ? 2 : 3;
	if (e2e && def && def->e2e && payload >= tail)
		payload -= tail;
	memcpy(out, c->bytes, payload);
	*len = payload;
	*id = c->char_id;
	return true;
}

/* A Set Bolus of 0.5 U, encoded (the flood's payload when the phone has sent nothing). */
static size_t small_bolus(uint8_t *out, size_t cap)
{
	ids_command c = {.opcode = IDS_CCP_SET_BOLUS};
	c.u.set_bolus.type = IDS_BOLUS_FAST;
	c.u.set_bolus.fast_u = 0.5;
	size_t len = 0;
	return ids_command_encode(&c, out, cap, &len) == BLE_OK ? len : 0;
}

static uint16_t sfloat_special(const char *name)
{
	if (strcmp(name, "nres") == 0)
		return 0x0800;
	if (strcmp(name, "+inf") == 0)
		return 0x07FE;
	if (strcmp(name, "-inf") == 0)
		return 0x0802;
	if (strcmp(name, "reserved") == 0)
		return 0x0801;
	return 0x07FF; /* NaN */
}

/* The capture an attack on a captured write works on: at or before `of:`, else the last. */
static bool pick_capture(virtual_phone *vp, const scenario_event *ev, size_t *index,
                         attack_outcome *o)
{
	const size_t count = vp_capture_count(vp);
	if (count == 0) {
		snprintf(o->why_not, sizeof o->why_not, "this phone has made no write to %s yet",
		         ev->attack == SCENARIO_ATTACK_REPLAY ? "replay" : "tamper with");
		return false;
	}
	if (!ev->has_attack_of) {
		*index = count - 1;
		return true;
	}
	if (vp_capture_find(vp, ev->attack_of_min, GATT_CHAR_COUNT, index))
		return true;
	const vp_capture *oldest = vp_capture_get(vp, 0);
	snprintf(o->why_not, sizeof o->why_not,
	         "no capture at or before t = %lld min: the phone keeps its last %d writes and "
	         "the oldest is from t = %lld min",
	         (long long)ev->attack_of_min, VP_CAPTURE_MAX, (long long)oldest->t_min);
	return false;
}

static void play_attack(engine_ble *b, virtual_phone *vp, const scenario_event *ev, int64_t k,
                        attack_outcome *o)
{
	const bool e2e = ble_server_e2e(b->srv);
	uint8_t payload[BLE_ATT_MAX_VALUE];
	size_t len = 0, index = 0;
	gatt_char_id id = GATT_IDD_COMMAND_CP;
	*o = (attack_outcome){.id = GATT_IDD_COMMAND_CP};
	switch (ev->attack) {
	case SCENARIO_ATTACK_REPLAY:
	case SCENARIO_ATTACK_TAMPER: {
		if (!pick_capture(vp, ev, &index, o))
			return;
		o->id = vp_capture_get(vp, index)->char_id;
		if (ev->attack == SCENARIO_ATTACK_REPLAY) {
			o->last = vp_attack_replay(vp, k, index);
		} else {
			/* by default byte 4: the low byte of a Set Bolus's fast amount (opcode 2,
			 * flags, type, amount) — the byte an attacker changes to change the dose */
			size_t offset = ev->attack_byte >= 0 ? (size_t)ev->attack_byte : 4;
			if (offset >= vp_capture_get(vp, index)->len) {
				snprintf(o->why_not, sizeof o->why_not,
				         "byte %zu is beyond the %zu-octet write", offset,
				         vp_capture_get(vp, index)->len);
				return;
			}
			o->last = vp_attack_tamper(vp, k, index, offset, 0x01, false);
		}
		o->single_write = true;
		break;
	}
	case SCENARIO_ATTACK_RAW: {
		if (!gatt_char_from_key(ev->attack_characteristic, &id)) {
			/* the loader refuses unknown names: this is a programmer's mistake */
			snprintf(o->why_not, sizeof o->why_not, "no characteristic %s",
			         ev->attack_characteristic);
			return;
		}
		for (const char *p = ev->attack_hex; *p && len < sizeof payload;) {
			unsigned byte;
			if (sscanf(p, "%2x", &byte) != 1)
				break;
			payload[len++] = (uint8_t)byte;
			p += 2;
			while (*p == ' ')
				p++;
		}
		o->id = id;
		o->last = vp_attack_raw(vp, k, id, payload, len);
		o->single_write = true;
		break;
	}
	case SCENARIO_ATTACK_STALE_COUNTER:
	case SCENARIO_ATTACK_WRONG_COUNTER:
		if (!last_payload(vp, e2e, &id, payload, &len)) {
			snprintf(o->why_not, sizeof o->why_not,
			         "this phone has made no write whose counter to change");
			return;
		}
		o->id = id;
		o->last = vp_attack_counter(vp, k, id, payload, len,
		                            ev->attack == SCENARIO_ATTACK_STALE_COUNTER ? -1 : 5);
		o->single_write = true;
		break;
	case SCENARIO_ATTACK_OUT_OF_RANGE:
		o->last = vp_bolus(vp, k, PUMP_BOLUS_NORMAL, ev->attack_dose_u, 0, 0);
		o->single_write = true;
		break;
	case SCENARIO_ATTACK_SPECIAL_VALUE:
		o->last = vp_attack_bolus_raw(vp, k, 0, IDS_BOLUS_FAST,
		                              sfloat_special(ev->attack_value), 0, 0);
		o->single_write = true;
		break;
	case SCENARIO_ATTACK_FLOOD:
		if (ev->attack_read) {
			gatt_char_from_key(ev->attack_characteristic, &id);
			o->id = id;
			o->last =
			    vp_attack_read_flood(vp, k, id, (size_t)ev->attack_count, &o->flood);
			break;
		}
		if (!last_payload(vp, e2e, &id, payload, &len)) {
			len = small_bolus(payload, sizeof payload);
			id = GATT_IDD_COMMAND_CP;
		}
		o->id = id;
		o->last =
		    vp_attack_flood(vp, k, id, payload, len, (size_t)ev->attack_count, &o->flood);
		break;
	case SCENARIO_ATTACK_SUBSCRIPTION_STORM:
		o->id = GATT_CGM_MEASUREMENT;
		o->last = vp_attack_subscription_storm(vp, k, GATT_CGM_MEASUREMENT,
		                                       (size_t)ev->attack_count, &o->flood);
		break;
	case SCENARIO_ATTACK_COUNT:
		break;
	}
	o->sent =
	    ev->attack == SCENARIO_ATTACK_FLOOD || ev->attack == SCENARIO_ATTACK_SUBSCRIPTION_STORM
	        ? o->flood.sent
	        : (size_t)o->last.sent;
	if (o->sent == 0 && !o->why_not[0])
		snprintf(o->why_not, sizeof o->why_not, "the phone could not encode it");
}

/* The attack in the audit: its kind, what it sent (the bytes of a single write), what the
 * last request got. */
static void report_attack(engine_ble *b, virtual_phone *vp, const scenario_event *ev, int64_t k,
                          const attack_outcome *o)
{
	ble_audit_event r = step_event(vp, k, BLE_AUDIT_ATTACK, o->id);
	char got[96];
	r.reason = scenario_attack_name(ev->attack);
	r.answer = answer_name(&o->last, o->id);
	r.att_error = o->last.att_error;
	r.response_code = o->last.indicated ? o->last.code : 0;
	r.has_response = o->last.indicated;
	r.count = (uint32_t)o->sent;
	vp_answer_describe(&o->last, got, sizeof got);
	if (o->single_write) {
		const vp_capture *c = vp_capture_get(vp, vp_capture_count(vp) - 1);
		static const char digits[] = "0123456789ABCDEF";
		size_t h = 0;
		for (size_t i = 0; c && i < c->len && h + 4 <= sizeof b->hex; i++) {
			if (i)
				b->hex[h++] = ' ';
			b->hex[h++] = digits[c->bytes[i] >> 4];
			b->hex[h++] = digits[c->bytes[i] & 0x0F];
		}
		b->hex[h] = '\0';
		r.raw_hex = b->hex;
		r.raw_len = c ? c->len : 0;
		snprintf(b->detail, sizeof b->detail, "sent 1 write of %zu octets to %s: %s",
		         r.raw_len, r.char_name, got);
	} else {
		snprintf(
		    b->detail, sizeof b->detail,
		    "sent %zu %s to %s (%zu answered, %zu refused, %zu over budget; dropped %zu "
		    "times, %zu reconnections, %zu refused, %zu not sent in the minute); last: %s",
		    o->flood.sent,
		    ev->attack == SCENARIO_ATTACK_SUBSCRIPTION_STORM ? "CCCD writes"
		    : ev->attack_read                                ? "reads"
		                                                     : "writes",
		    r.char_name, o->flood.att_ok, o->flood.att_refused, o->flood.rate_limited,
		    o->flood.dropped, o->flood.reconnects, o->flood.reconnects_refused,
		    o->flood.not_sent, got);
	}
	r.detail = b->detail;
	audit(b, &r);
}

/* ---------------------------------------------------------------------------------- */
/* Phone steps                                                                         */
/* ---------------------------------------------------------------------------------- */

/* confirm: NAME (or all) — the named annunciations the pump shows, each confirmed by ID
 * over the protocol; none active is a refusal in the audit (nothing sent). */
static void confirm_named(engine_ble *b, virtual_phone *vp, const scenario_event *ev, int64_t k)
{
	pump_annunciation active[32];
	const size_t n = pump_active_annunciations(b->p, active, 32);
	size_t sent = 0;
	for (size_t i = 0; i < n; i++)
		if (ev->confirm_all || active[i].type == ev->annunciation) {
			vp_confirm_annunciation(vp, k, active[i].id);
			sent++;
			if (!ev->confirm_all)
				break; /* the newest of that name: the one on the pump's screen */
		}
	if (sent)
		return;
	ble_audit_event r = step_event(vp, k, BLE_AUDIT_PHONE, GATT_IDD_COMMAND_CP);
	r.decision = BLE_DECISION_REFUSED;
	snprintf(b->detail, sizeof b->detail, "no active annunciation %s to confirm",
	         ev->confirm_all ? "at all" : pump_annunciation_name(ev->annunciation));
	r.reason = b->detail;
	r.detail = "nothing sent";
	audit(b, &r);
}

engine_ble_step engine_ble_apply(engine_ble *b, const scenario_event *ev, int64_t k, char *err,
                                 size_t cap)
{
	virtual_phone *vp = phone_for(b, ev->link);
	if (!vp)
		return ENGINE_BLE_NOT_MINE;
	switch (ev->kind) {
	case SCENARIO_EVENT_BOLUS:
		if (ev->bolus_type == PUMP_BOLUS_EXTENDED)
			vp_bolus(vp, k, ev->bolus_type, 0, ev->amount, ev->duration_min);
		else
			vp_bolus(vp, k, ev->bolus_type, ev->amount, ev->extended_u,
			         ev->duration_min);
		break;
	case SCENARIO_EVENT_CANCEL_BOLUS:
		vp_cancel_bolus(vp, k, 0);
		break;
	case SCENARIO_EVENT_TEMP_BASAL:
		vp_temp_basal_context(vp, k, ev->relative ? PUMP_TBR_RELATIVE : PUMP_TBR_ABSOLUTE,
		                      ev->amount, ev->duration_min, true, ev->tbr_context);
		break;
	case SCENARIO_EVENT_CANCEL_TEMP_BASAL:
		vp_cancel_temp_basal(vp, k);
		break;
	case SCENARIO_EVENT_SUSPEND:
		vp_therapy_state(vp, k, PUMP_THERAPY_PAUSE);
		break;
	case SCENARIO_EVENT_RESUME:
		vp_therapy_state(vp, k, PUMP_THERAPY_RUN);
		break;
	case SCENARIO_EVENT_STOP:
		vp_therapy_state(vp, k, PUMP_THERAPY_STOP);
		break;
	case SCENARIO_EVENT_PRIME:
		vp_prime(vp, k, ev->amount);
		break;
	case SCENARIO_EVENT_FILL:
		vp_fill_reservoir(vp, k, ev->amount);
		break;
	case SCENARIO_EVENT_CONFIRM:
		confirm_named(b, vp, ev, k);
		break;
	case SCENARIO_EVENT_SET_MAX_BOLUS:
		vp_set_max_bolus(vp, k, ev->amount);
		break;
	case SCENARIO_EVENT_PHONE_READ:
		vp_read_named(vp, k, ev->phone_target);
		report_history(b, vp, k); /* a report that fitted one burst is in already */
		break;
	case SCENARIO_EVENT_PHONE_SUBSCRIBE:
		vp_subscribe_named(vp, k, ev->phone_target, true);
		break;
	case SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL:
		vp_set_cgm_interval(vp, k,
		                    (uint8_t)(ev->duration_min > 255 ? 255 : ev->duration_min));
		break;
	case SCENARIO_EVENT_ATTACK: {
		attack_outcome o;
		play_attack(b, vp, ev, k, &o);
		if (o.sent == 0) {
			snprintf(err, cap, "%s:%d:%d: attack %s at t = %lld min sent nothing: %s",
			         ev->file ? ev->file : "scenario", ev->line, ev->column,
			         scenario_attack_name(ev->attack), (long long)k, o.why_not);
			return ENGINE_BLE_FAILED;
		}
		report_attack(b, vp, ev, k, &o);
		break;
	}
	default:
		return ENGINE_BLE_NOT_MINE; /* not a phone's procedure */
	}
	return ENGINE_BLE_PLAYED;
}
