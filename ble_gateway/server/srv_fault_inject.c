/*
 * srv_fault_inject.c — faults started, cleared and timed out (srv_fault_inject.h), and the
 * instant ones' acts: disconnect drops every link, time_jump moves the Current Time and
 * notifies it to the links subscribed (adjust reason "manual"). Each start and end is one
 * audit event (srv_fault_audit).
 */
#include <stdio.h>

#include "srv_internal.h"

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
		srv_fault_audit(srv, NULL, now_min, k, GATT_CHAR_COUNT, "started",
		                "every link dropped now");
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
		srv_fault_audit(srv, NULL, now_min, k, GATT_CTS_CURRENT_TIME, "started", detail);
		time_jump(srv, now_min, f->by);
		return true;
	}
	fs->on[k] = true;
	if (!ble_fault_is_lasting(k) && f->until_min == BLE_FAULT_UNTIL_CLEARED)
		fs->f[k].until_min = 0; /* a one-shot fault without a time: the next occasion */
	srv_fault_audit(srv, NULL, now_min, k, GATT_CHAR_COUNT, "started", detail);
	return true;
}

void ble_server_fault_clear(ble_server *srv, ble_fault_kind kind, int64_t now_min)
{
	srv_faults *fs = &srv->faults;
	for (int k = 0; k < BLE_FAULT_COUNT; k++) {
		if ((kind != BLE_FAULT_COUNT && (ble_fault_kind)k != kind) || !fs->on[k])
			continue;
		fs->on[k] = false;
		srv_fault_audit(srv, NULL, now_min, (ble_fault_kind)k, GATT_CHAR_COUNT, "ended",
		                "cleared");
		if (k == BLE_FAULT_DELAY)
			ble_server_release_held(srv, now_min);
	}
}

void srv_faults_tick(ble_server *srv, int64_t now)
{
	srv_faults *fs = &srv->faults;
	for (int k = 0; k < BLE_FAULT_COUNT; k++)
		if (fs->on[k] && fs->f[k].until_min != 0 && now >= fs->f[k].until_min) {
			fs->on[k] = false;
			srv_fault_audit(srv, NULL, now, (ble_fault_kind)k, GATT_CHAR_COUNT, "ended",
			                "its time is over");
		}
	if (!srv->fault_effects.transport_releases ||
	    !ble_server_fault_active(srv, BLE_FAULT_DELAY, now))
		ble_server_release_held(srv, now);
}
