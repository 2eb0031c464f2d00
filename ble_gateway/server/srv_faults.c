/*
 * srv_faults.c — faults the server shows a phone on purpose (ble_fault.h, srv_faults.h):
 * their names, which are on, and the decisions other modules ask of that state. Each
 * fault's start and end is one audit event (BLE_AUDIT_FAULT, reason = its name, answer =
 * "started" / "ended"), and so is every value or request it changed ("applied"), so that a
 * QA report lines up what the app did with what the pump did on purpose.
 *
 * Follows CGMS 1.0.1 §3.1.2 (Sensor Status Annunciation) for the CGM faults' status bits.
 */
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

static bool on_now(const ble_server *srv, ble_fault_kind k, int64_t now)
{
	const srv_faults *fs = &srv->faults;
	return fs->on[k] && (fs->f[k].until_min == 0 || now < fs->f[k].until_min);
}

bool ble_server_fault_active(const ble_server *srv, ble_fault_kind kind, int64_t now_min)
{
	return (unsigned)kind < BLE_FAULT_COUNT && on_now(srv, kind, now_min);
}

void srv_fault_audit(ble_server *srv, const srv_link *ls, int64_t now, ble_fault_kind k,
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

void srv_fault_applied(ble_server *srv, const srv_link *ls, int64_t now, ble_fault_kind k,
                       gatt_char_id id, const char *detail)
{
	srv->stats.faults_applied++;
	srv_fault_audit(srv, ls, now, k, id, "applied", detail);
}

void srv_fault_consume(ble_server *srv, ble_fault_kind k, int64_t now)
{
	if (srv->faults.f[k].until_min == 0) {
		srv->faults.on[k] = false;
		srv_fault_audit(srv, NULL, now, k, GATT_CHAR_COUNT, "ended", "used once");
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

uint32_t srv_fault_cgm_ssa(const ble_server *srv, int64_t now)
{
	uint32_t ssa = 0;
	if (on_now(srv, BLE_FAULT_CGM_SENSOR_MALFUNCTION, now))
		ssa |= CGMS_SSA_SENSOR_MALFUNCTION;
	if (on_now(srv, BLE_FAULT_CGM_CALIBRATION_REQUIRED, now))
		ssa |= CGMS_SSA_CALIBRATION_REQUIRED;
	return ssa;
}

uint32_t ble_server_fault_delay_ms(const ble_server *srv, int64_t now_min)
{
	return on_now(srv, BLE_FAULT_DELAY, now_min) ? srv->faults.f[BLE_FAULT_DELAY].delay_ms : 0;
}
