/*
 * vp_intents.c — what a phone app asks of the pump, as the virtual phone sends it
 * (virtual_phone.h): commands (bolus, TBR, therapy state, limits, priming, annunciations),
 * history and CGM record reads, CGM control, typed and named reads and subscriptions.
 * Amounts are rounded down to what the protocol carries before encoding.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "phone_internal.h"

vp_answer vp_bolus(virtual_phone *vp, int64_t now_min, pump_bolus_type type, double immediate_u,
                   double extended_u, int duration_min)
{
	ids_command c = {0};
	c.opcode = IDS_CCP_SET_BOLUS;
	ids_set_bolus *b = &c.u.set_bolus;
	switch (type) {
	case PUMP_BOLUS_NORMAL:
		b->type = IDS_BOLUS_FAST;
		b->fast_u = phone_floor_to(immediate_u, 0.01);
		break;
	case PUMP_BOLUS_EXTENDED:
		b->type = IDS_BOLUS_EXTENDED;
		b->fast_u = phone_floor_to(immediate_u, 0.01);
		b->extended_u = phone_floor_to(extended_u, 0.01);
		b->duration_min = (uint16_t)(duration_min < 0 ? 0 : duration_min);
		break;
	default:
		b->type = IDS_BOLUS_MULTIWAVE;
		b->fast_u = phone_floor_to(immediate_u, 0.01);
		b->extended_u = phone_floor_to(extended_u, 0.01);
		b->duration_min = (uint16_t)(duration_min < 0 ? 0 : duration_min);
		break;
	}
	return vp_command(vp, now_min, &c);
}

static vp_answer active_bolus_id(virtual_phone *vp, int64_t now, uint16_t *id)
{
	ids_status_request q = {0};
	q.opcode = IDS_SRCP_GET_ACTIVE_BOLUS_IDS;
	vp_answer a = vp_status_request(vp, now, &q);
	*id = 0;
	if (a.ok && vp->last_srcp.opcode == IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE &&
	    vp->last_srcp.u.bolus_ids.count > 0)
		*id = vp->last_srcp.u.bolus_ids.ids[0];
	return a;
}

vp_answer vp_cancel_bolus(virtual_phone *vp, int64_t now_min, uint16_t bolus_id)
{
	if (bolus_id == 0)
		bolus_id = vp->last_bolus_id;
	if (bolus_id == 0) {
		vp_answer a = active_bolus_id(vp, now_min, &bolus_id);
		if (a.att_error)
			return a;
	}
	ids_command c = {0};
	c.opcode = IDS_CCP_CANCEL_BOLUS;
	c.u.bolus_id = bolus_id;
	return vp_command(vp, now_min, &c);
}

vp_answer vp_temp_basal(virtual_phone *vp, int64_t now_min, pump_temp_basal_type type, double value,
                        int duration_min, bool change)
{
	return vp_temp_basal_context(vp, now_min, type, value, duration_min, change, 0);
}

vp_answer vp_temp_basal_context(virtual_phone *vp, int64_t now_min, pump_temp_basal_type type,
                                double value, int duration_min, bool change, uint8_t context)
{
	if (change) {
		/* Replace only what runs: ask first, as an app that watches the status does. */
		ids_status_request q = {0};
		q.opcode = IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY;
		vp_answer a = vp_status_request(vp, now_min, &q);
		if (a.att_error)
			return a;
		change = a.ok &&
		         vp->last_srcp.opcode == IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE &&
		         (vp->last_srcp.u.basal_delivery.flags & IDS_BASAL_DELIVERY_TBR);
	}
	ids_command c = {0};
	c.opcode = IDS_CCP_SET_TBR;
	c.u.set_tbr.flags =
	    (uint8_t)((change ? IDS_TBR_FLAG_CHANGE : 0) | (context ? IDS_TBR_FLAG_CONTEXT : 0));
	c.u.set_tbr.delivery_context = context;
	c.u.set_tbr.type = type == PUMP_TBR_RELATIVE ? IDS_TBR_RELATIVE : IDS_TBR_ABSOLUTE;
	c.u.set_tbr.value =
	    type == PUMP_TBR_RELATIVE ? floor(value + 1e-9) : phone_floor_to(value, 0.01);
	c.u.set_tbr.duration_min = (uint16_t)(duration_min < 0       ? 0
	                                      : duration_min > 65535 ? 65535
	                                                             : duration_min);
	return vp_command(vp, now_min, &c);
}

vp_answer vp_cancel_temp_basal(virtual_phone *vp, int64_t now_min)
{
	ids_command c = {0};
	c.opcode = IDS_CCP_CANCEL_TBR;
	return vp_command(vp, now_min, &c);
}

vp_answer vp_therapy_state(virtual_phone *vp, int64_t now_min, pump_therapy_state state)
{
	ids_command c = {0};
	c.opcode = IDS_CCP_SET_THERAPY_CONTROL_STATE;
	c.u.therapy_control_state = state == PUMP_THERAPY_RUN     ? IDS_TCS_RUN
	                            : state == PUMP_THERAPY_PAUSE ? IDS_TCS_PAUSE
	                                                          : IDS_TCS_STOP;
	return vp_command(vp, now_min, &c);
}

static vp_answer amount_command(virtual_phone *vp, int64_t now, uint16_t opcode, double u)
{
	ids_command c = {0};
	c.opcode = opcode;
	c.u.amount_u = phone_floor_to(u, 0.01);
	return vp_command(vp, now, &c);
}

vp_answer vp_set_max_bolus(virtual_phone *vp, int64_t now_min, double max_bolus_u)
{
	return amount_command(vp, now_min, IDS_CCP_SET_MAX_BOLUS, max_bolus_u);
}

vp_answer vp_get_max_bolus(virtual_phone *vp, int64_t now_min, double *max_bolus_u)
{
	ids_command c = {0};
	c.opcode = IDS_CCP_GET_MAX_BOLUS;
	vp_answer a = vp_command(vp, now_min, &c);
	if (max_bolus_u)
		*max_bolus_u = a.ok && vp->last_ccp.opcode == IDS_CCP_GET_MAX_BOLUS_RESPONSE
		                   ? vp->last_ccp.u.max_bolus_u
		                   : NAN;
	return a;
}

vp_answer vp_prime(virtual_phone *vp, int64_t now_min, double amount_u)
{
	return amount_command(vp, now_min, IDS_CCP_START_PRIMING, amount_u);
}

vp_answer vp_fill_reservoir(virtual_phone *vp, int64_t now_min, double amount_u)
{
	return amount_command(vp, now_min, IDS_CCP_SET_RESERVOIR_FILL_LEVEL, amount_u);
}

static vp_answer annunciation_command(virtual_phone *vp, int64_t now, uint16_t opcode, uint16_t id)
{
	if (id == 0) {
		ids_annunciation_status s;
		vp_answer a = vp_read_annunciation(vp, now, &s);
		if (!a.ok)
			return a;
		id = s.present ? s.instance_id : 0;
	}
	ids_command c = {0};
	c.opcode = opcode;
	c.u.annunciation_id = id;
	return vp_command(vp, now, &c);
}

vp_answer vp_confirm_annunciation(virtual_phone *vp, int64_t now_min, uint16_t id)
{
	return annunciation_command(vp, now_min, IDS_CCP_CONFIRM_ANNUNCIATION, id);
}

vp_answer vp_snooze_annunciation(virtual_phone *vp, int64_t now_min, uint16_t id)
{
	return annunciation_command(vp, now_min, IDS_CCP_SNOOZE_ANNUNCIATION, id);
}

vp_answer vp_ids_racp(virtual_phone *vp, int64_t now_min, const ids_racp_request *q)
{
	uint8_t p[32];
	size_t n = 0;
	if (ids_racp_request_encode(q, p, sizeof p, &n) != BLE_OK)
		return phone_not_sent();
	return phone_send_payload(vp, now_min, GATT_IDD_RACP, p, n);
}

vp_answer vp_read_history(virtual_phone *vp, int64_t now_min)
{
	ids_racp_request q = {IDS_RACP_REPORT_STORED_RECORDS, IDS_RACP_OP_ALL, 0, 0, 0};
	memset(&vp->hist, 0, sizeof vp->hist);
	vp->hist.reading = true;
	vp_answer a = vp_ids_racp(vp, now_min, &q);
	if (a.att_error)
		vp->hist.reading = false;
	return a;
}

bool vp_history_read(virtual_phone *vp, uint16_t *types, unsigned *counts, size_t cap, size_t *n)
{
	*n = 0;
	if (!vp->hist.done)
		return false;
	vp->hist.done = false;
	for (size_t i = 0; i < vp->hist.n && *n < cap; i++, (*n)++) {
		types[*n] = vp->hist.type[i];
		counts[*n] = vp->hist.count[i];
	}
	return true;
}

vp_answer vp_history_count(virtual_phone *vp, int64_t now_min)
{
	ids_racp_request q = {IDS_RACP_REPORT_NUMBER, IDS_RACP_OP_ALL, 0, 0, 0};
	return vp_ids_racp(vp, now_min, &q);
}

vp_answer vp_cgm_racp(virtual_phone *vp, int64_t now_min, const cgms_racp_request *q)
{
	uint8_t p[32];
	size_t n = 0;
	if (cgms_racp_request_encode(q, p, sizeof p, &n) != BLE_OK)
		return phone_not_sent();
	return phone_send_payload(vp, now_min, GATT_CGM_RACP, p, n);
}

vp_answer vp_read_cgm_history(virtual_phone *vp, int64_t now_min)
{
	cgms_racp_request q = {RACP_REPORT_STORED_RECORDS, RACP_OP_ALL, 0, 0, 0};
	return vp_cgm_racp(vp, now_min, &q);
}

vp_answer vp_socp(virtual_phone *vp, int64_t now_min, const cgms_socp_request *q)
{
	uint8_t p[32];
	size_t n = 0;
	if (cgms_socp_request_encode(q, p, sizeof p, &n) != BLE_OK)
		return phone_not_sent();
	return phone_send_payload(vp, now_min, GATT_CGM_SOCP, p, n);
}

vp_answer vp_set_cgm_interval(virtual_phone *vp, int64_t now_min, uint8_t interval_min)
{
	cgms_socp_request q = {0};
	q.opcode = CGMS_SOCP_SET_COMM_INTERVAL;
	q.u.interval_min = interval_min;
	return vp_socp(vp, now_min, &q);
}

/* The payload of an IDS value read (tail removed) or the whole value. */
static size_t payload_len(const virtual_phone *vp, gatt_char_id id, size_t n)
{
	ids_e2e_channel ch;
	if (phone_ids_tail(vp, id, &ch))
		return n >= 3 ? n - 3 : 0;
	return n;
}

vp_answer vp_read_status(virtual_phone *vp, int64_t now_min, ids_status *out)
{
	uint8_t b[64];
	size_t n = 0;
	vp_answer a = vp_read(vp, now_min, GATT_IDD_STATUS, b, sizeof b, &n);
	if (a.ok)
		a.ok = ids_status_decode(b, payload_len(vp, GATT_IDD_STATUS, n), out) == BLE_OK;
	return a;
}

vp_answer vp_read_annunciation(virtual_phone *vp, int64_t now_min, ids_annunciation_status *out)
{
	uint8_t b[64];
	size_t n = 0;
	vp_answer a = vp_read(vp, now_min, GATT_IDD_ANNUNCIATION_STATUS, b, sizeof b, &n);
	if (a.ok)
		a.ok = ids_annunciation_status_decode(
		           b, payload_len(vp, GATT_IDD_ANNUNCIATION_STATUS, n), out) == BLE_OK;
	return a;
}

vp_answer vp_read_features(virtual_phone *vp, int64_t now_min, ids_features *out)
{
	uint8_t b[64];
	size_t n = 0;
	vp_answer a = vp_read(vp, now_min, GATT_IDD_FEATURES, b, sizeof b, &n);
	if (a.ok)
		a.ok = ids_features_decode(b, n, out) == BLE_OK;
	return a;
}

vp_answer vp_read_battery(virtual_phone *vp, int64_t now_min, uint8_t *pct)
{
	uint8_t b[8];
	size_t n = 0;
	vp_answer a = vp_read(vp, now_min, GATT_BAS_BATTERY_LEVEL, b, sizeof b, &n);
	if (a.ok)
		a.ok = bas_level_decode(b, n, pct) == BLE_OK;
	return a;
}

vp_answer vp_read_device_info(virtual_phone *vp, int64_t now_min, char *out, size_t cap)
{
	uint8_t b[BLE_DIS_STRING_MAX + 8];
	size_t n = 0;
	vp_answer a = vp_read(vp, now_min, GATT_DIS_MANUFACTURER_NAME, b, sizeof b, &n);
	if (a.ok)
		a.ok = dis_string_decode(b, n, out, cap) == BLE_OK;
	return a;
}

static vp_answer srcp_simple(virtual_phone *vp, int64_t now, uint16_t opcode)
{
	ids_status_request q = {0};
	q.opcode = opcode;
	return vp_status_request(vp, now, &q);
}

static const char *const read_targets[] = {
    "status",     "annunciations", "history",     "features",  "cgm",
    "cgm_status", "battery",       "device_info", "max_bolus", "active_bolus",
    "basal",      "total_daily",   "iob",         "delivered", "serial",
};

static const char *const subscribe_targets[] = {"cgm", "status", "annunciations", "history",
                                                "battery"};

bool vp_read_target_known(const char *target)
{
	for (size_t i = 0; target && i < sizeof read_targets / sizeof read_targets[0]; i++)
		if (strcmp(target, read_targets[i]) == 0)
			return true;
	return false;
}

bool vp_subscribe_target_known(const char *target)
{
	for (size_t i = 0; target && i < sizeof subscribe_targets / sizeof subscribe_targets[0];
	     i++)
		if (strcmp(target, subscribe_targets[i]) == 0)
			return true;
	return false;
}

vp_answer vp_read_named(virtual_phone *vp, int64_t now_min, const char *t)
{
	uint8_t b[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	if (!vp_read_target_known(t)) {
		vp_answer a = phone_not_sent();
		a.att_error = 0;
		return a;
	}
	if (strcmp(t, "status") == 0) {
		ids_status s;
		return vp_read_status(vp, now_min, &s);
	}
	if (strcmp(t, "annunciations") == 0) {
		ids_annunciation_status s;
		return vp_read_annunciation(vp, now_min, &s);
	}
	if (strcmp(t, "history") == 0)
		return vp_read_history(vp, now_min);
	if (strcmp(t, "features") == 0) {
		ids_features f;
		return vp_read_features(vp, now_min, &f);
	}
	if (strcmp(t, "cgm") == 0)
		return vp_read_cgm_history(vp, now_min);
	if (strcmp(t, "cgm_status") == 0)
		return vp_read(vp, now_min, GATT_CGM_STATUS, b, sizeof b, &n);
	if (strcmp(t, "battery") == 0) {
		uint8_t pct = 0;
		return vp_read_battery(vp, now_min, &pct);
	}
	if (strcmp(t, "serial") == 0)
		return vp_read(vp, now_min, GATT_DIS_SERIAL_NUMBER, b, sizeof b, &n);
	if (strcmp(t, "device_info") == 0) {
		char s[BLE_DIS_STRING_MAX + 1];
		return vp_read_device_info(vp, now_min, s, sizeof s);
	}
	if (strcmp(t, "max_bolus") == 0)
		return vp_get_max_bolus(vp, now_min, NULL);
	if (strcmp(t, "active_bolus") == 0)
		return srcp_simple(vp, now_min, IDS_SRCP_GET_ACTIVE_BOLUS_IDS);
	if (strcmp(t, "basal") == 0)
		return srcp_simple(vp, now_min, IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY);
	if (strcmp(t, "total_daily") == 0)
		return srcp_simple(vp, now_min, IDS_SRCP_GET_TOTAL_DAILY_INSULIN);
	if (strcmp(t, "iob") == 0)
		return srcp_simple(vp, now_min, IDS_SRCP_GET_INSULIN_ON_BOARD);
	return srcp_simple(vp, now_min, IDS_SRCP_GET_DELIVERED_INSULIN);
}

vp_answer vp_subscribe_named(virtual_phone *vp, int64_t now_min, const char *t, bool on)
{
	if (!vp_subscribe_target_known(t)) {
		vp_answer a = phone_not_sent();
		a.att_error = 0;
		return a;
	}
	if (strcmp(t, "cgm") == 0)
		return vp_subscribe(vp, now_min, GATT_CGM_MEASUREMENT, on);
	if (strcmp(t, "status") == 0) {
		vp_answer a = vp_subscribe(vp, now_min, GATT_IDD_STATUS_CHANGED, on);
		return a.att_error ? a : vp_subscribe(vp, now_min, GATT_IDD_STATUS, on);
	}
	if (strcmp(t, "annunciations") == 0)
		return vp_subscribe(vp, now_min, GATT_IDD_ANNUNCIATION_STATUS, on);
	if (strcmp(t, "history") == 0)
		return vp_subscribe(vp, now_min, GATT_IDD_HISTORY_DATA, on);
	return vp_subscribe(vp, now_min, GATT_BAS_BATTERY_LEVEL, on);
}
