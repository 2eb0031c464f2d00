/*
 * engine_ble — the engine's Bluetooth side: the pump's GATT server (ble_gateway) bound to
 * the engine's pump, and the in-process virtual phones that play the scenario's `phone:`
 * and `attack:` events as bytes through the very same handlers a real phone reaches over
 * BlueZ. One phone per link level (authenticated, encrypted Just Works, unencrypted).
 *
 * Must never: command the pump behind the protocol's back (every phone command is encoded,
 * written, decoded, checked and answered), or let an attack that the server refuses touch
 * the pump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_ble.h"
#include "gatt_keys.h"
#include "virtual_phone.h"

enum { LINK_LEVELS = 3 };

struct engine_ble {
	ble_server *srv;
	virtual_phone *phones[LINK_LEVELS]; /* by scenario_link, created on first use */
	int64_t last_cgm_sample_min;
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
		    e->kind == SCENARIO_EVENT_PHONE_READ || e->kind == SCENARIO_EVENT_PHONE_SUBSCRIBE ||
		    e->kind == SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL)
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
	b->srv = ble_server_new(p, &cfg);
	b->last_cgm_sample_min = -1;
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
		b->phones[link] = virtual_phone_new(
			b->srv, ble_link_make(phone_names[link], phone_levels[link],
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

void engine_ble_tick(engine_ble *b, int64_t now_min, const pump_delivery *delivered)
{
	ble_server_tick(b->srv, now_min, delivered);
}

void engine_ble_finish(engine_ble *b, int64_t now_min)
{
	ble_server_flush_audit(b->srv, now_min);
}

/* The phone's last write, its payload without the E2E tail (for counter attacks). */
static bool last_payload(virtual_phone *vp, bool e2e, gatt_char_id *id, uint8_t *out,
                         size_t *len)
{
	size_t n = vp_capture_count(vp);
	if (n == 0)
		return false;
	const vp_capture *c = vp_capture_get(vp, n - 1);
	size_t payload = c->len;
	/* IDS tails are counter + CRC (3 bytes), CGMS ones a CRC only (2). */
	const gatt_service_def *svc = gatt_service_of(c->char_id);
	const size_t tail = svc && svc->uuid16 == GATT_UUID_CGMS ? 2 : 3;
	if (e2e && payload >= tail)
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

static vp_answer play_attack(engine_ble *b, virtual_phone *vp, const scenario_event *ev,
                             int64_t k)
{
	const bool e2e = ble_server_e2e(b->srv);
	uint8_t payload[BLE_ATT_MAX_VALUE];
	size_t len = 0;
	gatt_char_id id = GATT_IDD_COMMAND_CP;
	vp_answer none = {.sent = false};
	switch (ev->attack) {
	case SCENARIO_ATTACK_REPLAY:
		if (ev->has_attack_of)
			return vp_attack_replay_at(vp, k, ev->attack_of_min, GATT_CHAR_COUNT);
		return vp_capture_count(vp) ? vp_attack_replay(vp, k, vp_capture_count(vp) - 1)
		                            : none;
	case SCENARIO_ATTACK_TAMPER: {
		size_t index = vp_capture_count(vp);
		if (index == 0)
			return none;
		index--;
		if (ev->has_attack_of && !vp_capture_find(vp, ev->attack_of_min, GATT_CHAR_COUNT,
		                                          &index))
			return none;
		/* by default byte 4: the low byte of a Set Bolus's fast amount (opcode 2, flags,
		 * type, amount) — the byte an attacker changes to change the dose */
		size_t offset = ev->attack_byte >= 0 ? (size_t)ev->attack_byte : 4;
		return vp_attack_tamper(vp, k, index, offset, 0x01, false);
	}
	case SCENARIO_ATTACK_RAW: {
		if (!gatt_char_from_key(ev->attack_characteristic, &id))
			return none;
		for (const char *p = ev->attack_hex; *p && len < sizeof payload;) {
			unsigned byte;
			if (sscanf(p, "%2x", &byte) != 1)
				break;
			payload[len++] = (uint8_t)byte;
			p += 2;
			while (*p == ' ')
				p++;
		}
		return vp_attack_raw(vp, k, id, payload, len);
	}
	case SCENARIO_ATTACK_STALE_COUNTER:
	case SCENARIO_ATTACK_WRONG_COUNTER:
		if (!last_payload(vp, e2e, &id, payload, &len))
			return none;
		return vp_attack_counter(vp, k, id, payload, len,
		                         ev->attack == SCENARIO_ATTACK_STALE_COUNTER ? -1 : 5);
	case SCENARIO_ATTACK_OUT_OF_RANGE:
		return vp_bolus(vp, k, PUMP_BOLUS_NORMAL, ev->attack_dose_u, 0, 0);
	case SCENARIO_ATTACK_SPECIAL_VALUE:
		return vp_attack_bolus_raw(vp, k, 0, IDS_BOLUS_FAST, sfloat_special(ev->attack_value),
		                           0, 0);
	case SCENARIO_ATTACK_FLOOD: {
		if (!last_payload(vp, e2e, &id, payload, &len)) {
			len = small_bolus(payload, sizeof payload);
			id = GATT_IDD_COMMAND_CP;
		}
		vp_flood_stats st;
		return vp_attack_flood(vp, k, id, payload, len, (size_t)ev->attack_count, &st);
	}
	case SCENARIO_ATTACK_SUBSCRIPTION_STORM: {
		vp_flood_stats st;
		return vp_attack_subscription_storm(vp, k, GATT_CGM_MEASUREMENT,
		                                    (size_t)ev->attack_count, &st);
	}
	case SCENARIO_ATTACK_COUNT:
		break;
	}
	return none;
}

bool engine_ble_apply(engine_ble *b, const scenario_event *ev, int64_t k)
{
	virtual_phone *vp = phone_for(b, ev->link);
	if (!vp)
		return false;
	switch (ev->kind) {
	case SCENARIO_EVENT_BOLUS:
		if (ev->bolus_type == PUMP_BOLUS_EXTENDED)
			vp_bolus(vp, k, ev->bolus_type, 0, ev->amount, ev->duration_min);
		else
			vp_bolus(vp, k, ev->bolus_type, ev->amount, ev->extended_u, ev->duration_min);
		return true;
	case SCENARIO_EVENT_CANCEL_BOLUS:
		vp_cancel_bolus(vp, k, 0);
		return true;
	case SCENARIO_EVENT_TEMP_BASAL:
		vp_temp_basal(vp, k, ev->relative ? PUMP_TBR_RELATIVE : PUMP_TBR_ABSOLUTE, ev->amount,
		              ev->duration_min, true);
		return true;
	case SCENARIO_EVENT_CANCEL_TEMP_BASAL:
		vp_cancel_temp_basal(vp, k);
		return true;
	case SCENARIO_EVENT_SUSPEND:
		vp_therapy_state(vp, k, PUMP_THERAPY_PAUSE);
		return true;
	case SCENARIO_EVENT_RESUME:
		vp_therapy_state(vp, k, PUMP_THERAPY_RUN);
		return true;
	case SCENARIO_EVENT_STOP:
		vp_therapy_state(vp, k, PUMP_THERAPY_STOP);
		return true;
	case SCENARIO_EVENT_PRIME:
		vp_prime(vp, k, ev->amount);
		return true;
	case SCENARIO_EVENT_FILL:
		vp_fill_reservoir(vp, k, ev->amount);
		return true;
	case SCENARIO_EVENT_CONFIRM:
		vp_confirm_annunciation(vp, k, 0);
		return true;
	case SCENARIO_EVENT_SET_MAX_BOLUS:
		vp_set_max_bolus(vp, k, ev->amount);
		return true;
	case SCENARIO_EVENT_PHONE_READ:
		vp_read_named(vp, k, ev->phone_target);
		return true;
	case SCENARIO_EVENT_PHONE_SUBSCRIBE:
		vp_subscribe_named(vp, k, ev->phone_target, true);
		return true;
	case SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL:
		vp_set_cgm_interval(vp, k,
		                    (uint8_t)(ev->duration_min > 255 ? 255 : ev->duration_min));
		return true;
	case SCENARIO_EVENT_ATTACK:
		play_attack(b, vp, ev, k);
		return true;
	default:
		return false; /* not a phone's procedure */
	}
}
