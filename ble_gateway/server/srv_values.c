/*
 * srv_values.c — reads, change indications and the Current Time write (srv_values.h).
 */
#include <math.h>
#include <stdio.h>

#include "pump_binding.h"
#include "srv_internal.h"

srv_snapshot srv_snapshot_take(const ble_server *srv)
{
	pump_status st;
	pump_get_status(srv->p, &st);
	pump_annunciation a;
	bool ann = pump_newest_annunciation(srv->p, &a);
	srv_snapshot s = {
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
	    .history_total = srv->hist.total,
	    .day_total_u = srv->totals.day_bolus_u + srv->totals.day_basal_u,
	};
	return s;
}

ble_result srv_encode_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
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
		                      (srv_cgm_crc(srv) ? CGMS_FEAT_E2E_CRC : 0),
		                  CGMS_TYPE_INTERSTITIAL_FLUID, CGMS_LOCATION_SUBCUTANEOUS};
		r = cgms_feature_encode(&f, buf, cap, &n);
		break;
	}
	case GATT_CGM_STATUS: {
		cgms_status s = {srv->cgm.session_running ? srv_cgm_session_offset(srv, now)
		                                          : srv->cgm.last_offset_min,
		                 srv->cgm.session_running ? 0u
		                                          : (uint32_t)CGMS_SSA_SESSION_STOPPED};
		r = cgms_status_encode(&s, srv_cgm_crc(srv), buf, cap, &n);
		break;
	}
	case GATT_CGM_SESSION_START_TIME: {
		cgms_session_start_time t = srv_cgm_session_start_time(srv);
		r = cgms_session_start_time_encode(&t, srv_cgm_crc(srv), buf, cap, &n);
		break;
	}
	case GATT_CGM_SESSION_RUN_TIME:
		r = cgms_session_run_time_encode(srv->cfg.cgm_session_run_time_h, srv_cgm_crc(srv),
		                                 buf, cap, &n);
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
		t.date_time = srv_date_at(srv, now, &t.day_of_week);
		t.adjust_reason = srv->cts_adjust_min ? CTS_ADJUST_MANUAL : 0;
		r = cts_current_time_encode(&t, buf, cap, &n);
		break;
	}
	default:
		return BLE_ERR_ARGUMENT;
	}
	if (r != BLE_OK)
		return r;
	return srv_seal_ids(srv, ls, id, buf, n, cap, len);
}

static void send_read_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                            bool indication)
{
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (srv_encode_value(srv, ls, now, id, buf, sizeof buf, &n) == BLE_OK)
		srv_send_value(srv, ls, now, id, indication, buf, n);
}

void srv_publish_changes(ble_server *srv, int64_t now)
{
	srv_snapshot s = srv_snapshot_take(srv);
	const srv_snapshot *o = &srv->snap;
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
		srv_link *ls = &srv->links[i];
		if (!ls->used)
			continue;
		uint16_t before = ls->sc_flags;
		ls->sc_flags |= flags;
		/* Indicated when a flag newly rises: a set flag stays until Reset Status, which
		 * also bounds the indication rate of fast-changing totals. */
		if (ls->sc_flags != before && (ls->subscribed & srv_bit(GATT_IDD_STATUS_CHANGED)))
			send_read_value(srv, ls, now, GATT_IDD_STATUS_CHANGED, true);
		if (status && (ls->subscribed & srv_bit(GATT_IDD_STATUS)))
			send_read_value(srv, ls, now, GATT_IDD_STATUS, true);
		if (ann && (ls->subscribed & srv_bit(GATT_IDD_ANNUNCIATION_STATUS)))
			send_read_value(srv, ls, now, GATT_IDD_ANNUNCIATION_STATUS, true);
		if (battery && (ls->subscribed & srv_bit(GATT_BAS_BATTERY_LEVEL)))
			send_read_value(srv, ls, now, GATT_BAS_BATTERY_LEVEL, false);
	}
}

uint8_t srv_cts_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len)
{
	cts_current_time t;
	ble_result r = cts_current_time_decode(b, len, &t);
	if (r == BLE_OK &&
	    (t.date_time.year == 0 || t.date_time.month == 0 || t.date_time.day == 0))
		r = BLE_ERR_RANGE; /* "unknown" is no time to set the pump to */
	if (r != BLE_OK)
		return srv_refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CTS_CURRENT_TIME,
		                  r == BLE_ERR_LENGTH ? ATT_ERR_INVALID_VALUE_LENGTH
		                                      : ATT_ERR_OUT_OF_RANGE,
		                  "invalid current time", ble_result_name(r), b, len);
	int64_t want = calendar_epoch_min(&t.date_time);
	const int64_t adjust = want - (srv->base_epoch_min + now);
	/* (without a housekeeping budget — legacy-vulnerable — every write is recorded) */
	const bool changed =
	    adjust != srv->cts_adjust_min || srv->cfg.history_housekeeping_per_hour == 0;
	srv->cts_adjust_min = adjust;
	/* A clock set that changes nothing records nothing; one that does is housekeeping. A
	 * skipped one leaves the records on the clock of the last Reference Time until the
	 * next periodic one (hist_put): consistent, never a time out of order. */
	const bool recorded = changed && srv_history_housekeeping_take(srv, now);
	if (recorded)
		srv_history_reference_time(srv, now, SRV_REF_REASON_SET_DATE_TIME);
	snprintf(srv->detail, sizeof srv->detail, "clock adjusted by %lld min%s",
	         (long long)srv->cts_adjust_min,
	         !changed   ? " (unchanged: not recorded)"
	         : recorded ? ""
	                    : " (history: over the hourly budget of clock records)");
	srv_audit_value_write(srv, ls, now, GATT_CTS_CURRENT_TIME, srv->detail, b, len);
	return ATT_OK;
}
