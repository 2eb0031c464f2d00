/*
 * srv_history.c — the IDS history from the pump's events (srv_history.h).
 */
#include <string.h>

#include "codec.h"
#include "pump_binding.h"
#include "srv_internal.h"

/* Reference Time recording reasons, Bolus/TBR end reasons and the Priming Done termination
 * reason, as IDS 1.0.1's history event data codes them. */
enum {
	REF_REASON_UNDETERMINED = 0x0F,
	REF_REASON_PERIODIC = 0x3C,
	END_REASON_DURATION_OVER = 0x33,
	END_REASON_CANCELED = 0x3C,
	END_REASON_ERROR_ABORT = 0x55,
	PRIMING_AMOUNT_REACHED = 0x3C,
	/* A Reference Time event is recorded again before the uint16 relative offset (s)
	 * would overflow. */
	REFERENCE_REBASE_S = 60000,
};

void srv_history_init(ble_server *srv)
{
	pump_status st;
	pump_get_status(srv->p, &st);
	srv->hist.last_tcs = ids_tcs_for_pump(st.therapy);
	srv->hist.last_basal_u_per_h = st.basal_rate_u_per_h;
	srv->hist.last_max_bolus_u = st.max_bolus_u;
	for (size_t i = 0; i < SRV_HOUSEKEEPING_MAX; i++)
		srv->hist.housekeeping[i] = INT64_MIN;
	srv->hist.controller_basal_min = INT64_MIN;
}

static void hist_put(ble_server *srv, int64_t t_min, uint16_t type, const uint8_t *data,
                     size_t len);

/*
 * A record a collector's write causes without changing therapy (a clock set, a max bolus
 * change, an annunciation acknowledged from a phone): true when the hourly budget has room
 * (and it is taken), false when the record is to be skipped (counted). What the pump or the
 * person does is always recorded.
 */
bool srv_history_housekeeping_take(ble_server *srv, int64_t now)
{
	const int budget = srv->cfg.history_housekeeping_per_hour;
	if (budget <= 0)
		return true;
	/* The ring holds the last `budget` records' times: room when the oldest is an hour old. */
	int64_t *oldest = &srv->hist.housekeeping[srv->hist.housekeeping_next % (size_t)budget];
	if (*oldest != INT64_MIN && now - *oldest < 60) {
		srv->stats.history_skipped++;
		return false;
	}
	*oldest = now;
	srv->hist.housekeeping_next++;
	return true;
}

void srv_history_reference_time(ble_server *srv, int64_t t_min, uint8_t reason)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	ble_date_time dt = srv_date_at(srv, t_min, NULL);
	wire_put_u8(&w, reason);
	codec_put_date_time(&w, &dt);
	wire_put_u8(&w, 0); /* time zone: UTC (15 min units) */
	wire_put_u8(&w, 0); /* DST offset: standard time */
	srv->hist.has_ref = true;
	srv->hist.ref_min = t_min;
	hist_put(srv, t_min, IDS_EV_REFERENCE_TIME, d, w.len);
}

static void hist_put(ble_server *srv, int64_t t_min, uint16_t type, const uint8_t *data, size_t len)
{
	if (type != IDS_EV_REFERENCE_TIME &&
	    (!srv->hist.has_ref || t_min < srv->hist.ref_min ||
	     (t_min - srv->hist.ref_min) * 60 > REFERENCE_REBASE_S))
		srv_history_reference_time(
		    srv, t_min, srv->hist.has_ref ? REF_REASON_PERIODIC : REF_REASON_UNDETERMINED);
	ids_history_event *e = &srv->hist.records[srv->hist.total % SRV_HISTORY_MAX];
	*e = (ids_history_event){0};
	e->event_type = type;
	e->sequence_number = (uint32_t)srv->hist.total;
	e->relative_offset_s = (uint16_t)((t_min - srv->hist.ref_min) * 60);
	e->data_len = len < IDS_HISTORY_DATA_MAX ? len : IDS_HISTORY_DATA_MAX;
	memcpy(e->data, data, e->data_len);
	srv->hist.total++;
	if (srv->hist.count < SRV_HISTORY_MAX)
		srv->hist.count++;
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
	if (!srv->hist.tbr_active)
		return;
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	int64_t eff = t - srv->hist.tbr_start_min;
	wire_put_u8(&w, 0);
	wire_put_u8(&w, srv->hist.tbr_type);
	wire_put_u16(&w, (uint16_t)(eff < 0 ? 0 : eff > 65535 ? 65535 : eff));
	wire_put_u8(&w, reason);
	hist_put(srv, t, IDS_EV_TBR_ADJUSTMENT_ENDED, d, w.len);
	srv->hist.tbr_active = false;
	srv->hist.tbr_by_controller = false;
}

static void hist_command(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	if (ev->result != PUMP_OK)
		return;
	const bool loop = ev->source == PUMP_SOURCE_CONTROLLER;
	if (loop &&
	    (ev->command == PUMP_CMD_TEMP_BASAL || ev->command == PUMP_CMD_CANCEL_TEMP_BASAL))
		srv->hist.controller_basal_min = ev->t_min;
	switch (ev->command) {
	case PUMP_CMD_TEMP_BASAL: {
		if (srv->hist.tbr_active)
			hist_tbr_ended(srv, ev->t_min, END_REASON_CANCELED);
		pump_temp_basal_type type =
		    ev->value2 > 0.5 ? PUMP_TBR_RELATIVE : PUMP_TBR_ABSOLUTE;
		srv->hist.tbr_active = true;
		srv->hist.tbr_start_min = ev->t_min;
		srv->hist.tbr_duration_min = (int)ev->value3;
		srv->hist.tbr_type = ids_tbr_type_for_pump(type);
		wire_put_u8(&w, 0);
		wire_put_u8(&w, srv->hist.tbr_type);
		if (type == PUMP_TBR_RELATIVE)
			codec_put_sfloat(&w, ev->value, 0, SFLOAT_ROUND_DOWN);
		else
			put_amount(&w, ev->value);
		wire_put_u16(&w, (uint16_t)srv->hist.tbr_duration_min);
		hist_put(srv, ev->t_min, IDS_EV_TBR_ADJUSTMENT_STARTED, d, w.len);
		srv->hist.tbr_by_controller = loop;
		break;
	}
	case PUMP_CMD_CANCEL_TEMP_BASAL:
		hist_tbr_ended(srv, ev->t_min, END_REASON_CANCELED);
		break;
	case PUMP_CMD_SET_MAX_BOLUS:
		if (ev->value == srv->hist.last_max_bolus_u &&
		    srv->cfg.history_housekeeping_per_hour > 0)
			break; /* nothing changed: nothing to record */
		if (ev->source != PUMP_SOURCE_PUMP &&
		    !srv_history_housekeeping_take(srv, ev->t_min))
			break;
		put_amount(&w, srv->hist.last_max_bolus_u);
		put_amount(&w, ev->value);
		srv->hist.last_max_bolus_u = ev->value;
		hist_put(srv, ev->t_min, IDS_EV_MAX_BOLUS_AMOUNT_CHANGED, d, w.len);
		break;
	default:
		break;
	}
}

/* Bolus Programmed (parts 1 and 2); the bolus as programmed, for the Status Reader. */
static void record_bolus_started(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	const int64_t t = ev->t_min;
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
	hist_bolus_part1(srv, t, IDS_EV_BOLUS_PROGRAMMED_1, ev->bolus_id, type, srv->bolus.fast_u,
	                 srv->bolus.extended_u, srv->bolus.duration_min);
	wire_put_u8(&w, 0); /* no delay, template or activation type; reason unknown */
	hist_put(srv, t, IDS_EV_BOLUS_PROGRAMMED_2, d, w.len);
}

/* Bolus Delivered (parts 1 and 2): what was delivered, fast part first, and why it ended. */
static void record_bolus_ended(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	const int64_t t = ev->t_min;
	uint8_t type = IDS_BOLUS_FAST;
	double fast = ev->value, ext = 0.0;
	uint16_t dur = 0;
	if (srv->bolus.valid && srv->bolus.id == ev->bolus_id) {
		type = srv->bolus.type;
		fast = ev->value < srv->bolus.fast_u ? ev->value : srv->bolus.fast_u;
		ext = ev->value - fast;
		dur = srv->bolus.duration_min;
	}
	hist_bolus_part1(srv, t, IDS_EV_BOLUS_DELIVERED_1, ev->bolus_id, type, fast, ext, dur);
	uint8_t reason = END_REASON_DURATION_OVER;
	if (ev->detail && strcmp(ev->detail, "canceled") == 0)
		reason = END_REASON_CANCELED;
	else if (ev->detail && strcmp(ev->detail, "uncertain") == 0)
		reason = END_REASON_ERROR_ABORT;
	wire_put_u8(&w, 0x02); /* end reason present */
	wire_put_u32(&w, 0);   /* start time offset (s): no delay */
	wire_put_u8(&w, reason);
	hist_put(srv, t, IDS_EV_BOLUS_DELIVERED_2, d, w.len);
}

/* Delivered Basal Rate Changed: flags (b0 Basal Delivery Context present), old and new rate
 * and, for a change the closed loop made (its TBR in force, or its command this minute), the
 * context AP controller. */
static void record_basal_changed(ble_server *srv, const pump_event *ev)
{
	enum { CONTEXT_PRESENT = 0x01 };
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	const bool loop = (ev->value2 > 0.5 && srv->hist.tbr_by_controller) ||
	                  srv->hist.controller_basal_min == ev->t_min;
	wire_put_u8(&w, loop ? CONTEXT_PRESENT : 0);
	put_amount(&w, srv->hist.last_basal_u_per_h);
	put_amount(&w, ev->value);
	if (loop)
		wire_put_u8(&w, IDS_CONTEXT_AP_CONTROLLER);
	srv->hist.last_basal_u_per_h = ev->value;
	hist_put(srv, ev->t_min, IDS_EV_DELIVERED_BASAL_RATE_CHANGED, d, w.len);
}

static void record_therapy_state(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	uint8_t now_tcs = ids_tcs_for_pump(ev->state);
	wire_put_u8(&w, srv->hist.last_tcs);
	wire_put_u8(&w, now_tcs);
	srv->hist.last_tcs = now_tcs;
	hist_put(srv, ev->t_min, IDS_EV_THERAPY_CONTROL_STATE_CHANGED, d, w.len);
}

/* Annunciation Status Changed; a TBR's end is recorded when the pump announces it. A
 * phone's acknowledgement is housekeeping. */
static void record_annunciation(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	const int64_t t = ev->t_min;
	const pump_annunciation *a = &ev->annunciation;
	const bool raised = ev->detail && strcmp(ev->detail, "raised") == 0;
	if (!raised && srv->hist.phone_command && !srv_history_housekeeping_take(srv, t))
		return; /* a phone's acknowledgement over its budget (the pump's audit has it) */
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
}

/* Priming Started and Priming Done (priming completes at once). */
static void record_primed(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	put_amount(&w, ev->value);
	hist_put(srv, ev->t_min, IDS_EV_PRIMING_STARTED, d, w.len);
	w = wire_writer_init(d, sizeof d);
	wire_put_u8(&w, 0);
	put_amount(&w, ev->value);
	wire_put_u8(&w, PRIMING_AMOUNT_REACHED);
	hist_put(srv, ev->t_min, IDS_EV_PRIMING_DONE, d, w.len);
}

static void record_reservoir_filled(ble_server *srv, const pump_event *ev)
{
	uint8_t d[IDS_HISTORY_DATA_MAX];
	wire_writer w = wire_writer_init(d, sizeof d);
	srv->totals.reservoir_since_min = ev->t_min;
	put_amount(&w, ev->value);
	hist_put(srv, ev->t_min, IDS_EV_RESERVOIR_REMAINING_AMOUNT_CHANGED, d, w.len);
}

void ble_server_pump_event(ble_server *srv, const pump_event *ev)
{
	switch (ev->kind) {
	case PUMP_EV_COMMAND:
		hist_command(srv, ev);
		if (ev->command == PUMP_CMD_CONFIRM_ANNUNCIATION && ev->result == PUMP_OK &&
		    srv->ctl.pending[0] && (uint16_t)ev->value == srv->ctl.pending_announcement)
			srv_controller_confirmed(srv, ev->t_min);
		break;
	case PUMP_EV_BOLUS_STARTED:
		record_bolus_started(srv, ev);
		break;
	case PUMP_EV_BOLUS_ENDED:
		record_bolus_ended(srv, ev);
		break;
	case PUMP_EV_BASAL_CHANGED:
		record_basal_changed(srv, ev);
		break;
	case PUMP_EV_THERAPY_STATE:
		record_therapy_state(srv, ev);
		break;
	case PUMP_EV_ANNUNCIATION:
		record_annunciation(srv, ev);
		break;
	case PUMP_EV_PRIMED:
		record_primed(srv, ev);
		break;
	case PUMP_EV_RESERVOIR_FILLED:
		record_reservoir_filled(srv, ev);
		break;
	default:
		break;
	}
}

size_t ble_server_history_count(const ble_server *srv)
{
	return srv->hist.count;
}
