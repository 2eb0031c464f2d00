/*
 * srv_faults.c — faults the server shows a phone on purpose (ble_fault.h, srv_faults.h):
 * their names, their state, and the hooks the other modules call where a fault acts. Each
 * fault's start and end is one audit event (BLE_AUDIT_FAULT, reason = its name, answer =
 * "started" / "ended"), and so is every value or request it changed ("applied"), so that a
 * QA report lines up what the app did with what the pump did on purpose.
 *
 * Follows IDS 1.0.1 §3.7 (E2E-Protection: CRC-16 and counter) and CGMS 1.0.1 §3.1.2
 * (Sensor Status Annunciation) for what a wrong value looks like.
 */
#include <stdio.h>
#include <string.h>

#include "srv_internal.h"

static const char *const names[BLE_FAULT_COUNT] = {
    [BLE_FAULT_DISCONNECT] = "disconnect",
    [BLE_FAULT_STOP_ADVERTISING] = "stop_advertising",
    [BLE_FAULT_REFUSE_CONNECTIONS] = "refuse_connections",
    [BLE_FAULT_DROP_NOTIFICATIONS] = "drop_notifications",
    [BLE_FAULT_DELAY] = "delay",
    [BLE_FAULT_MTU_23] = "mtu_23",
    [BLE_FAULT_NO_RESPONSE] = "no_response",
    [BLE_FAULT_WRONG_OPCODE] = "wrong_opcode",
    [BLE_FAULT_WRONG_CODE] = "wrong_code",
    [BLE_FAULT_BAD_CRC] = "bad_crc",
    [BLE_FAULT_COUNTER_JUMP] = "counter_jump",
    [BLE_FAULT_HISTORY_OUT_OF_ORDER] = "history_out_of_order",
    [BLE_FAULT_HISTORY_DUPLICATE] = "history_duplicate",
    [BLE_FAULT_CGM_SENSOR_MALFUNCTION] = "cgm_sensor_malfunction",
    [BLE_FAULT_CGM_CALIBRATION_REQUIRED] = "cgm_calibration_required",
    [BLE_FAULT_TIME_JUMP] = "time_jump",
};

const char *ble_fault_name(ble_fault_kind k)
{
	return (unsigned)k < BLE_FAULT_COUNT ? names[k] : "unknown";
}

bool ble_fault_from_name(const char *name, ble_fault_kind *out)
{
	for (int k = 0; name && k < BLE_FAULT_COUNT; k++)
		if (strcmp(name, names[k]) == 0) {
			*out = (ble_fault_kind)k;
			return true;
		}
	return false;
}

bool ble_fault_is_lasting(ble_fault_kind k)
{
	return k == BLE_FAULT_STOP_ADVERTISING || k == BLE_FAULT_REFUSE_CONNECTIONS ||
	       k == BLE_FAULT_DROP_NOTIFICATIONS || k == BLE_FAULT_DELAY || k == BLE_FAULT_MTU_23 ||
	       k == BLE_FAULT_CGM_SENSOR_MALFUNCTION || k == BLE_FAULT_CGM_CALIBRATION_REQUIRED;
}

bool ble_fault_is_instant(ble_fault_kind k)
{
	return k == BLE_FAULT_DISCONNECT || k == BLE_FAULT_TIME_JUMP;
}

/* One audit event about fault `k` (on `ls`'s link, or the server's when NULL). */
static void audit(ble_server *srv, const srv_link *ls, int64_t now, ble_fault_kind k,
                  gatt_char_id id, const char *what, const char *detail)
{
	const ble_link none = ble_link_make("*", GATT_SEC_NONE, false);
	ble_audit_event ev = ble_audit_make(ls ? &ls->link : &none, now, BLE_AUDIT_FAULT, id);
	ev.reason = ble_fault_name(k);
	ev.answer = what;
	ev.detail = detail ? detail : "";
	ev.origin = srv->faults.f[k].origin ? srv->faults.f[k].origin : "scenario";
	srv_audit_emit(srv, &ev, NULL, 0);
}

/* A value or request the fault changed: counted and audited. */
static void applied(ble_server *srv, const srv_link *ls, int64_t now, ble_fault_kind k,
                    gatt_char_id id, const char *detail)
{
	srv->stats.faults_applied++;
	audit(srv, ls, now, k, id, "applied", detail);
}

static bool on_now(const ble_server *srv, ble_fault_kind k, int64_t now)
{
	const srv_faults *fs = &srv->faults;
	return fs->on[k] && (fs->f[k].until_min == 0 || now < fs->f[k].until_min);
}

bool ble_server_fault_active(const ble_server *srv, ble_fault_kind kind, int64_t now_min)
{
	return (unsigned)kind < BLE_FAULT_COUNT && on_now(srv, kind, now_min);
}

/* A one-shot fault used once: it ends (unless it lasts a while). */
static void consume(ble_server *srv, ble_fault_kind k, int64_t now)
{
	if (srv->faults.f[k].until_min == 0) {
		srv->faults.on[k] = false;
		audit(srv, NULL, now, k, GATT_CHAR_COUNT, "ended", "used once");
	}
}

static void time_jump(ble_server *srv, int64_t now, int32_t by_min)
{
	srv->cts_adjust_min += by_min;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		srv_link *ls = &srv->links[i];
		if (!ls->used || !srv_subscribed(ls, GATT_CTS_CURRENT_TIME))
			continue;
		cts_current_time t = {0};
		t.date_time = srv_date_at(srv, now, &t.day_of_week);
		t.adjust_reason = CTS_ADJUST_MANUAL;
		uint8_t buf[SRV_OUT_MAX];
		size_t n = 0;
		if (cts_current_time_encode(&t, buf, sizeof buf, &n) == BLE_OK)
			srv_send_value(srv, ls, now, GATT_CTS_CURRENT_TIME, false, buf, n);
	}
}

static const char *check(const ble_fault *f)
{
	switch (f->kind) {
	case BLE_FAULT_DROP_NOTIFICATIONS:
		return f->nth >= 2 && f->nth <= BLE_FAULT_NTH_MAX ? NULL : "nth must be 2 … 1000";
	case BLE_FAULT_DELAY:
		return f->delay_ms >= 1 && f->delay_ms <= BLE_FAULT_DELAY_MAX_MS
		           ? NULL
		           : "delay must be 1 ms … 20 s (longer is no_response)";
	case BLE_FAULT_COUNTER_JUMP:
		return f->by >= 1 && f->by <= 254 ? NULL : "by must be 1 … 254";
	case BLE_FAULT_TIME_JUMP:
		return f->by != 0 ? NULL : "by must be a non-zero number of minutes";
	default:
		return NULL;
	}
}

bool ble_server_fault(ble_server *srv, const ble_fault *f, int64_t now_min, const char **why)
{
	const char *w = (unsigned)f->kind < BLE_FAULT_COUNT ? check(f) : "no such fault";
	if (!w && (f->kind == BLE_FAULT_BAD_CRC || f->kind == BLE_FAULT_COUNTER_JUMP) &&
	    !srv->cfg.e2e)
		w = "E2E protection is off in this run: there is no CRC or counter to make wrong";
	if (w) {
		if (why)
			*why = w;
		return false;
	}
	srv_faults *fs = &srv->faults;
	const ble_fault_kind k = f->kind;
	if (fs->on[k])
		ble_server_fault_clear(srv, k, now_min);
	fs->f[k] = *f;
	/* What it was given, in the words of fault_spec (docs/qa-guide.md "Faults"). */
	char args[48] = "", until[40] = "until cleared", detail[120];
	if (k == BLE_FAULT_DROP_NOTIFICATIONS)
		snprintf(args, sizeof args, "nth=%u ", f->nth);
	else if (k == BLE_FAULT_DELAY)
		snprintf(args, sizeof args, "ms=%u ", f->delay_ms);
	else if (k == BLE_FAULT_COUNTER_JUMP)
		snprintf(args, sizeof args, "by=%d ", f->by);
	if (f->until_min != BLE_FAULT_UNTIL_CLEARED)
		snprintf(until, sizeof until, "until t = %lld min", (long long)f->until_min);
	else if (!ble_fault_is_lasting(k))
		snprintf(until, sizeof until, "the next occasion");
	snprintf(detail, sizeof detail, "%s%s", args, until);
	if (k == BLE_FAULT_DISCONNECT) {
		audit(srv, NULL, now_min, k, GATT_CHAR_COUNT, "started", "every link dropped now");
		for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
			if (srv->links[i].used) {
				srv->stats.faults_applied++;
				srv_link_drop(srv, &srv->links[i], now_min, BLE_LINK_DISCONNECT,
				              "fault: disconnect");
			}
		return true;
	}
	if (k == BLE_FAULT_TIME_JUMP) {
		snprintf(detail, sizeof detail, "Current Time moved by %d min", f->by);
		audit(srv, NULL, now_min, k, GATT_CTS_CURRENT_TIME, "started", detail);
		time_jump(srv, now_min, f->by);
		return true;
	}
	fs->on[k] = true;
	if (!ble_fault_is_lasting(k) && f->until_min == BLE_FAULT_UNTIL_CLEARED)
		fs->f[k].until_min = 0; /* a one-shot fault without a time: the next occasion */
	audit(srv, NULL, now_min, k, GATT_CHAR_COUNT, "started", detail);
	return true;
}

void ble_server_fault_clear(ble_server *srv, ble_fault_kind kind, int64_t now_min)
{
	srv_faults *fs = &srv->faults;
	for (int k = 0; k < BLE_FAULT_COUNT; k++) {
		if ((kind != BLE_FAULT_COUNT && (ble_fault_kind)k != kind) || !fs->on[k])
			continue;
		fs->on[k] = false;
		audit(srv, NULL, now_min, (ble_fault_kind)k, GATT_CHAR_COUNT, "ended", "cleared");
		if (k == BLE_FAULT_DELAY)
			ble_server_release_held(srv, now_min);
	}
}

uint32_t ble_server_fault_delay_ms(const ble_server *srv, int64_t now_min)
{
	return on_now(srv, BLE_FAULT_DELAY, now_min) ? srv->faults.f[BLE_FAULT_DELAY].delay_ms : 0;
}

size_t ble_server_held_count(const ble_server *srv)
{
	return srv->faults.held_count;
}

void ble_server_release_held_by_transport(ble_server *srv, bool transport_releases)
{
	srv->faults.transport_releases = transport_releases;
}

/* Send a held value, if its link is the same connection still. */
static void send_held(ble_server *srv, const srv_held *h, int64_t now)
{
	srv_link *ls = srv_link_find(srv, h->identity);
	if (!ls || ls->opened != h->opened || !srv_subscribed(ls, h->id))
		return;
	srv->stats.notifications++;
	pump_radio_event(srv->p, now);
	if (srv->cfg.on_notify)
		srv->cfg.on_notify(&ls->link, h->id, h->indication, h->v, h->len,
		                   srv->cfg.notify_user_data);
	for (size_t i = 0; i < SRV_LISTENERS_MAX; i++)
		if (srv->listeners[i].fn)
			srv->listeners[i].fn(&ls->link, h->id, h->indication, h->v, h->len,
			                     srv->listeners[i].user_data);
}

void ble_server_release_held(ble_server *srv, int64_t now_min)
{
	srv_faults *fs = &srv->faults;
	while (fs->held_count) {
		const srv_held h = fs->held[fs->held_first];
		fs->held_first = (fs->held_first + 1) % SRV_HELD_MAX;
		fs->held_count--;
		send_held(srv, &h, now_min);
	}
}

static void hold(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, bool indication,
                 const uint8_t *v, size_t len)
{
	srv_faults *fs = &srv->faults;
	if (fs->held_count == SRV_HELD_MAX) {
		/* Full: the oldest goes now (late, never lost). */
		const srv_held old = fs->held[fs->held_first];
		fs->held_first = (fs->held_first + 1) % SRV_HELD_MAX;
		fs->held_count--;
		send_held(srv, &old, now);
	}
	srv_held *h = &fs->held[(fs->held_first + fs->held_count) % SRV_HELD_MAX];
	snprintf(h->identity, sizeof h->identity, "%s", ls->link.identity);
	h->opened = ls->opened;
	h->id = id;
	h->indication = indication;
	h->len = (uint8_t)len;
	memcpy(h->v, v, len);
	fs->held_count++;
}

static bool is_cp(gatt_char_id id)
{
	return id == GATT_IDD_COMMAND_CP || id == GATT_IDD_STATUS_READER_CP ||
	       id == GATT_IDD_RACP || id == GATT_CGM_SOCP || id == GATT_CGM_RACP;
}

srv_fault_outcome srv_fault_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                                  bool indication, uint8_t *v, size_t *len)
{
	srv_faults *fs = &srv->faults;
	char detail[80];
	if (is_cp(id) && indication && on_now(srv, BLE_FAULT_NO_RESPONSE, now)) {
		applied(srv, ls, now, BLE_FAULT_NO_RESPONSE, id, "control-point response not sent");
		consume(srv, BLE_FAULT_NO_RESPONSE, now);
		return SRV_FAULT_DROP;
	}
	fs->values_sent++;
	if (on_now(srv, BLE_FAULT_DROP_NOTIFICATIONS, now) &&
	    fs->values_sent % fs->f[BLE_FAULT_DROP_NOTIFICATIONS].nth == 0) {
		snprintf(detail, sizeof detail, "value %llu lost (every %u)",
		         (unsigned long long)fs->values_sent,
		         fs->f[BLE_FAULT_DROP_NOTIFICATIONS].nth);
		applied(srv, ls, now, BLE_FAULT_DROP_NOTIFICATIONS, id, detail);
		return SRV_FAULT_DROP;
	}
	ids_e2e_channel ch;
	if (srv->cfg.e2e && gatt_e2e_of(id, &ch) != GATT_E2E_NONE && *len >= 2 &&
	    on_now(srv, BLE_FAULT_BAD_CRC, now)) {
		v[*len - 1] ^= 0xA5; /* the CRC's high octet (little-endian, last) */
		applied(srv, ls, now, BLE_FAULT_BAD_CRC, id, "E2E-CRC made wrong");
		consume(srv, BLE_FAULT_BAD_CRC, now);
	}
	if (on_now(srv, BLE_FAULT_MTU_23, now) && *len > BLE_ATT_MIN_MTU_VALUE) {
		snprintf(detail, sizeof detail, "value cut from %zu to %d octets", *len,
		         BLE_ATT_MIN_MTU_VALUE);
		*len = BLE_ATT_MIN_MTU_VALUE;
		applied(srv, ls, now, BLE_FAULT_MTU_23, id, detail);
	}
	if (on_now(srv, BLE_FAULT_DELAY, now) && *len <= SRV_HELD_VALUE_MAX) {
		hold(srv, ls, now, id, indication, v, *len);
		snprintf(detail, sizeof detail, "held %u ms", fs->f[BLE_FAULT_DELAY].delay_ms);
		applied(srv, ls, now, BLE_FAULT_DELAY, id, detail);
		return SRV_FAULT_HOLD;
	}
	return SRV_FAULT_SEND;
}

void srv_fault_ids_payload(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                           uint8_t *buf, size_t len)
{
	const bool cp = id == GATT_IDD_COMMAND_CP || id == GATT_IDD_STATUS_READER_CP;
	if (cp && len >= 2 && on_now(srv, BLE_FAULT_WRONG_OPCODE, now)) {
		buf[0] ^= 0x01; /* one bit off: no op code of the Hamming-coded table */
		applied(srv, ls, now, BLE_FAULT_WRONG_OPCODE, id, "response op code one bit off");
		consume(srv, BLE_FAULT_WRONG_OPCODE, now);
	}
	if (cp && len >= 5 && on_now(srv, BLE_FAULT_WRONG_CODE, now)) {
		const uint16_t op = (uint16_t)(buf[0] | buf[1] << 8);
		if (op == IDS_CCP_RESPONSE_CODE || op == IDS_SRCP_RESPONSE_CODE) {
			buf[4] = 0x42; /* none of the table's Response Code values */
			applied(srv, ls, now, BLE_FAULT_WRONG_CODE, id, "response code 0x42");
			consume(srv, BLE_FAULT_WRONG_CODE, now);
		}
	}
	ids_e2e_channel ch;
	if (srv->cfg.e2e && gatt_e2e_of(id, &ch) == GATT_E2E_IDS && id != GATT_IDD_HISTORY_DATA &&
	    on_now(srv, BLE_FAULT_COUNTER_JUMP, now)) {
		const int by = srv->faults.f[BLE_FAULT_COUNTER_JUMP].by;
		for (int i = 0; i < by; i++)
			ls->ids.tx[ch].last = e2e_counter_next_value(ls->ids.tx[ch].last);
		char detail[60];
		snprintf(detail, sizeof detail, "E2E-Counter skipped %d values", by);
		applied(srv, ls, now, BLE_FAULT_COUNTER_JUMP, id, detail);
		consume(srv, BLE_FAULT_COUNTER_JUMP, now);
	}
}

bool srv_fault_refuses_connection(const ble_server *srv, int64_t now, const char **why)
{
	if (on_now(srv, BLE_FAULT_STOP_ADVERTISING, now)) {
		*why = "fault: stop_advertising (not advertised: no connection)";
		return true;
	}
	if (on_now(srv, BLE_FAULT_REFUSE_CONNECTIONS, now)) {
		*why = "fault: refuse_connections";
		return true;
	}
	return false;
}

bool srv_fault_write_too_long(const ble_server *srv, int64_t now, size_t len)
{
	return on_now(srv, BLE_FAULT_MTU_23, now) && len > BLE_ATT_MIN_MTU_VALUE;
}

bool srv_fault_history_duplicate(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq)
{
	if (!on_now(srv, BLE_FAULT_HISTORY_DUPLICATE, now))
		return false;
	char detail[60];
	snprintf(detail, sizeof detail, "record %u sent twice", seq);
	applied(srv, ls, now, BLE_FAULT_HISTORY_DUPLICATE, GATT_IDD_HISTORY_DATA, detail);
	consume(srv, BLE_FAULT_HISTORY_DUPLICATE, now);
	return true;
}

bool srv_fault_history_swap(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq)
{
	if (!on_now(srv, BLE_FAULT_HISTORY_OUT_OF_ORDER, now))
		return false;
	char detail[60];
	snprintf(detail, sizeof detail, "record %u sent after the next one", seq);
	applied(srv, ls, now, BLE_FAULT_HISTORY_OUT_OF_ORDER, GATT_IDD_HISTORY_DATA, detail);
	consume(srv, BLE_FAULT_HISTORY_OUT_OF_ORDER, now);
	return true;
}

uint32_t srv_fault_cgm_ssa(const ble_server *srv, int64_t now)
{
	uint32_t ssa = 0;
	if (on_now(srv, BLE_FAULT_CGM_SENSOR_MALFUNCTION, now))
		ssa |= CGMS_SSA_SENSOR_MALFUNCTION;
	if (on_now(srv, BLE_FAULT_CGM_CALIBRATION_REQUIRED, now))
		ssa |= CGMS_SSA_CALIBRATION_REQUIRED;
	return ssa;
}

void srv_faults_tick(ble_server *srv, int64_t now)
{
	srv_faults *fs = &srv->faults;
	for (int k = 0; k < BLE_FAULT_COUNT; k++)
		if (fs->on[k] && fs->f[k].until_min != 0 && now >= fs->f[k].until_min) {
			fs->on[k] = false;
			audit(srv, NULL, now, (ble_fault_kind)k, GATT_CHAR_COUNT, "ended",
			      "its time is over");
		}
	if (!fs->transport_releases || !on_now(srv, BLE_FAULT_DELAY, now))
		ble_server_release_held(srv, now);
}
