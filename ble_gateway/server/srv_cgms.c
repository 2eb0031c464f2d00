/*
 * srv_cgms.c — the CGM session, records, notifications and control point (srv_cgms.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "srv_internal.h"

enum {
	CGM_LOW_MGDL = 40,
	CGM_HIGH_MGDL = 400,
	CGM_TREND_WINDOW_MIN = 15,
};

void srv_cgm_init(ble_server *srv)
{
	const ble_server_config *cfg = &srv->cfg;
	srv->cgm.session_running = cfg->cgm_session_running;
	srv->cgm.interval_min =
	    cfg->cgm_interval_min > 0 && cfg->cgm_interval_min < cfg->cgm_min_interval_min
	        ? cfg->cgm_min_interval_min
	        : cfg->cgm_interval_min;
	const double levels[6] = {250, 70, 55, 300, 2, 2};
	memcpy(srv->cgm.alert_level, levels, sizeof levels);
}

uint16_t srv_cgm_session_offset(const ble_server *srv, int64_t now)
{
	int64_t o = now - srv->cgm.session_start_min;
	return (uint16_t)(o < 0 ? 0 : o > 65535 ? 65535 : o);
}

cgms_session_start_time srv_cgm_session_start_time(const ble_server *srv)
{
	if (srv->cgm.has_session_start_time)
		return srv->cgm.session_start_time;
	cgms_session_start_time t = {srv_date_at(srv, srv->cgm.session_start_min, NULL), 0, 0};
	return t;
}

void srv_cgm_send_record(ble_server *srv, srv_link *ls, int64_t now, const srv_cgm_record *c)
{
	cgms_measurement m = {0};
	m.glucose_mgdl = c->mgdl;
	m.time_offset_min = c->offset_min;
	m.ssa = c->ssa;
	m.has_trend = c->has_trend;
	m.trend_mgdl_per_min = c->trend_mgdl_per_min;
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (cgms_measurement_encode(&m, srv_cgm_crc(srv), buf, sizeof buf, &n) == BLE_OK)
		srv_send_value(srv, ls, now, GATT_CGM_MEASUREMENT, false, buf, n);
}

static int alert_index(uint8_t op)
{
	/* SET opcodes 0x07, 0x0A, 0x0D, 0x10, 0x13, 0x16; GET = SET + 1. */
	if (op < CGMS_SOCP_SET_PATIENT_HIGH || op > CGMS_SOCP_RATE_INCREASE_RESPONSE)
		return -1;
	return (op - CGMS_SOCP_SET_PATIENT_HIGH) / 3;
}

/* What a SOCP request does to the CGM state (decoded: *rc = success). True when the answer
 * is the op code's own response in *r, false for a Response Code; a refusal sets *rc and
 * o->reason. */
static bool socp_execute(ble_server *srv, int64_t now, const cgms_socp_request *q,
                         cgms_socp_response *r, srv_cp_outcome *o, cgms_socp_rc *rc)
{
	bool specific = false;
	uint8_t op = q->opcode;
	int ai = alert_index(op);
	switch (op) {
	case CGMS_SOCP_SET_COMM_INTERVAL: {
		int v = q->u.interval_min;
		if (v == 0xFF || (v > 0 && v < srv->cfg.cgm_min_interval_min))
			v = srv->cfg.cgm_min_interval_min; /* clamped: V2 */
		srv->cgm.interval_min = v;
		snprintf(srv->detail, sizeof srv->detail, "interval %u → %d min", q->u.interval_min,
		         v);
		break;
	}
	case CGMS_SOCP_GET_COMM_INTERVAL:
		specific = true;
		r->opcode = CGMS_SOCP_COMM_INTERVAL_RESPONSE;
		r->u.interval_min = (uint8_t)srv->cgm.interval_min;
		break;
	case CGMS_SOCP_SET_CALIBRATION:
		srv->cgm.has_calibration = true;
		srv->cgm.calibration = q->u.calibration;
		break;
	case CGMS_SOCP_GET_CALIBRATION:
		if (!srv->cgm.has_calibration ||
		    (q->u.record_number != 0xFFFF &&
		     q->u.record_number != srv->cgm.calibration.record_number)) {
			*rc = CGMS_RC_PARAMETER_OUT_OF_RANGE;
			o->reason = "no such calibration record";
			break;
		}
		specific = true;
		r->opcode = CGMS_SOCP_CALIBRATION_RESPONSE;
		r->u.calibration = srv->cgm.calibration;
		break;
	case CGMS_SOCP_RESET_DEVICE_SPECIFIC_ALERT:
		break;
	case CGMS_SOCP_START_SESSION:
		if (srv->cgm.session_running) {
			*rc = CGMS_RC_PROCEDURE_NOT_COMPLETED;
			o->reason = "a session is already running";
			break;
		}
		srv->cgm.session_running = true;
		srv->cgm.session_start_min = now;
		srv->cgm.has_session_start_time = false;
		srv->cgm.count = 0; /* a new session starts a new record set */
		srv->cgm.has_last = false;
		break;
	case CGMS_SOCP_STOP_SESSION:
		if (srv->cgm.session_running)
			srv->cgm.last_offset_min = srv_cgm_session_offset(srv, now);
		srv->cgm.session_running = false;
		break;
	default:
		if (ai < 0) {
			*rc = CGMS_RC_OPCODE_NOT_SUPPORTED;
			break;
		}
		if ((op - CGMS_SOCP_SET_PATIENT_HIGH) % 3 == 0) {
			srv->cgm.alert_level[ai] = q->u.level;
		} else {
			specific = true;
			r->opcode = (uint8_t)(op + 1);
			r->u.level = srv->cgm.alert_level[ai];
		}
		break;
	}
	return specific;
}

uint8_t srv_cgm_socp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len)
{
	size_t n = 0;
	uint8_t e = srv_cp_payload(srv, ls, now, GATT_CGM_SOCP, b, len, 1, &n);
	if (e)
		return e;
	cgms_socp_request q;
	cgms_socp_rc rc = cgms_socp_request_decode(b, n, &q);
	cgms_socp_response r = {0};
	srv_cp_outcome o = {q.opcode, 0, false, NULL, false, PUMP_OK, ""};
	bool specific = false;
	srv->detail[0] = '\0';
	if (rc == CGMS_RC_SUCCESS) {
		specific = socp_execute(srv, now, &q, &r, &o, &rc);
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
	uint8_t buf[SRV_OUT_MAX];
	size_t out = 0;
	if (cgms_socp_response_encode(&r, srv_cgm_crc(srv), buf, sizeof buf, &out) != BLE_OK) {
		r.opcode = CGMS_SOCP_RESPONSE_CODE;
		r.u.response_code.request_opcode = q.opcode;
		r.u.response_code.code = CGMS_RC_PROCEDURE_NOT_COMPLETED;
		o.success = false;
		o.code = CGMS_RC_PROCEDURE_NOT_COMPLETED;
		cgms_socp_response_encode(&r, srv_cgm_crc(srv), buf, sizeof buf, &out);
	}
	srv_send_value(srv, ls, now, GATT_CGM_SOCP, true, buf, out);
	srv_audit_cp(srv, ls, now, GATT_CGM_SOCP, &o, b, len);
	return ATT_OK;
}

uint8_t srv_cgm_session_start_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                                    size_t len)
{
	size_t n = 0;
	uint8_t e = srv_e2e_in(srv, ls, now, GATT_CGM_SESSION_START_TIME, b, len, 9, &n);
	if (e)
		return e;
	cgms_session_start_time t;
	ble_result r = cgms_session_start_time_decode(b, n, false, &t);
	if (r != BLE_OK)
		return srv_refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CGM_SESSION_START_TIME,
		                  r == BLE_ERR_LENGTH ? ATT_ERR_INVALID_VALUE_LENGTH
		                                      : ATT_ERR_OUT_OF_RANGE,
		                  "invalid session start time", ble_result_name(r), b, len);
	srv->cgm.has_session_start_time = true;
	srv->cgm.session_start_time = t;
	srv_audit_value_write(srv, ls, now, GATT_CGM_SESSION_START_TIME, "session start time set",
	                      b, len);
	return ATT_OK;
}

void ble_server_cgm_sample(ble_server *srv, int64_t now_min, double mgdl, uint32_t ssa)
{
	if (!isfinite(mgdl))
		return;
	srv->cgm.has_reading = true;
	srv->cgm.last_reading_min = now_min;
	if (!srv->cgm.session_running)
		return;
	ssa = (ssa | srv_fault_cgm_ssa(srv, now_min)) & CGMS_SSA_DEFINED_MASK;
	srv_cgm_record c = {0};
	c.offset_min = srv_cgm_session_offset(srv, now_min);
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
	if (srv->cgm.has_last && now_min > srv->cgm.last_min &&
	    now_min - srv->cgm.last_min <= CGM_TREND_WINDOW_MIN) {
		double t = (v - srv->cgm.last_mgdl) / (double)(now_min - srv->cgm.last_min);
		c.has_trend = true;
		c.trend_mgdl_per_min = (float)(t > 20.0 ? 20.0 : t < -20.0 ? -20.0 : t);
	}
	srv->cgm.has_last = true;
	srv->cgm.last_min = now_min;
	srv->cgm.last_mgdl = v;
	srv->cgm.last_offset_min = c.offset_min;
	srv->cgm.records[srv->cgm.total % SRV_CGM_MAX] = c;
	srv->cgm.total++;
	if (srv->cgm.count < SRV_CGM_MAX)
		srv->cgm.count++;
	srv->stats.cgm_records++;
	if (srv->cgm.interval_min <= 0)
		return;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
		srv_link *ls = &srv->links[i];
		if (!ls->used || !(ls->subscribed & srv_bit(GATT_CGM_MEASUREMENT)))
			continue;
		if (ls->cgm_notified && now_min - ls->last_cgm_notify_min < srv->cgm.interval_min)
			continue;
		ls->cgm_notified = true;
		ls->last_cgm_notify_min = now_min;
		srv_cgm_send_record(srv, ls, now_min, &c);
	}
}

size_t ble_server_cgm_count(const ble_server *srv)
{
	return srv->cgm.count;
}

int ble_server_cgm_interval(const ble_server *srv)
{
	return srv->cgm.interval_min;
}
