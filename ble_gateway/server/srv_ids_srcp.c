/*
 * srv_ids_srcp.c — the IDD Status Reader Control Point procedures (srv_ids_srcp.h): one
 * function per op code, found through the table before the write.
 */
#include <math.h>
#include <stdio.h>

#include "pump_binding.h"
#include "srv_internal.h"

/* One request being answered. */
typedef struct srcp_call {
	ble_server *srv;
	srv_link *ls;
	int64_t now;
	const ids_status_request *q;
	pump_status st;
	ids_status_response *r; /* preset: Response Code Success for the op code */
	srv_cp_outcome *o;
	ids_rc rc; /* the procedure's refusal, or success */
} srcp_call;

typedef void (*srcp_procedure)(srcp_call *c);

void srv_totals_init(srv_totals *t)
{
	t->day_index = INT64_MIN;
}

void srv_totals_tick(ble_server *srv, int64_t now, const pump_delivery *delivered)
{
	const pump_config *pc = pump_get_config(srv->p);
	int64_t clock = now + pc->start_min_of_day;
	int64_t day = clock >= 0 ? clock / SRV_DAY_MIN : -1;
	if (day != srv->totals.day_index) {
		srv->totals.day_index = day;
		srv->totals.day_bolus_u = srv->totals.day_basal_u = 0.0;
	}
	if (delivered) {
		srv->totals.day_bolus_u += delivered->bolus_u;
		srv->totals.day_basal_u += delivered->basal_u;
		srv->totals.life_bolus_u += delivered->bolus_u;
		srv->totals.life_basal_u += delivered->basal_u;
	}
}

static double clamp_nonneg(double v)
{
	return v > 0.0 ? v : 0.0;
}

/* A total summed minute by minute (60 × 1/60 U may come out a hair under 1 U): rounded
 * down to 0.01 U after a nudge far below that resolution, so that it encodes exactly. */
static double total_u(double v)
{
	return v > 0.0 ? floor(v * 100.0 + 1e-6) / 100.0 : 0.0;
}

/* The response is the procedure's own (not a Response Code). */
static ids_status_response *specific_response(srcp_call *c, uint16_t opcode)
{
	*c->r = (ids_status_response){0};
	c->r->opcode = opcode;
	return c->r;
}

/* Reset Status: this collector's Status Changed flags. */
static void reset_status(srcp_call *c)
{
	c->ls->sc_flags &= (uint16_t)~c->q->u.reset_flags;
}

static void get_active_bolus_ids(srcp_call *c)
{
	ids_status_response *r = specific_response(c, IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE);
	r->u.bolus_ids.count = c->st.bolus_active ? 1 : 0;
	r->u.bolus_ids.ids[0] = c->st.bolus_active ? c->st.bolus_id : 0;
}

/* Get Active Bolus Delivery: programmed, remaining or delivered, fast part first. */
static void get_active_bolus_delivery(srcp_call *c)
{
	const ble_server *srv = c->srv;
	const pump_status *st = &c->st;
	const uint16_t id = c->q->u.bolus_delivery.bolus_id;
	if (!st->bolus_active || st->bolus_id != id) {
		c->rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		c->o->reason = "no such active bolus";
		return;
	}
	double fast = st->bolus_programmed_u, ext = 0.0;
	uint8_t type = ids_bolus_type_for_pump(st->bolus_type);
	uint16_t dur = 0;
	if (srv->bolus.valid && srv->bolus.id == id) {
		fast = srv->bolus.fast_u;
		ext = srv->bolus.extended_u;
		dur = srv->bolus.duration_min;
		type = srv->bolus.type;
	}
	/* The pump rounds programmed amounts down to its pulse: report what it really
	 * programmed, split fast first. */
	if (fast + ext > st->bolus_programmed_u) {
		double over = fast + ext - st->bolus_programmed_u;
		double cut = ext < over ? ext : over;
		ext -= cut;
		fast = clamp_nonneg(fast - (over - cut));
	}
	double del = st->bolus_delivered_u;
	double fast_del = del < fast ? del : fast, ext_del = clamp_nonneg(del - fast_del);
	ids_status_response *r = specific_response(c, IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY_RESPONSE);
	r->u.bolus_delivery.bolus_id = id;
	r->u.bolus_delivery.bolus.type = type;
	r->u.bolus_delivery.bolus.duration_min = dur;
	switch (c->q->u.bolus_delivery.value_selection) {
	case IDS_BOLUS_VALUE_PROGRAMMED:
		r->u.bolus_delivery.bolus.fast_u = fast;
		r->u.bolus_delivery.bolus.extended_u = ext;
		break;
	case IDS_BOLUS_VALUE_REMAINING:
		r->u.bolus_delivery.bolus.fast_u = clamp_nonneg(fast - fast_del);
		r->u.bolus_delivery.bolus.extended_u = clamp_nonneg(ext - ext_del);
		break;
	default:
		r->u.bolus_delivery.bolus.fast_u = fast_del;
		r->u.bolus_delivery.bolus.extended_u = ext_del;
		break;
	}
}

static void get_active_basal_delivery(srcp_call *c)
{
	const ble_server *srv = c->srv;
	const pump_status *st = &c->st;
	ids_status_response *r = specific_response(c, IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE);
	r->u.basal_delivery.template_number = srv->profile.templates[IDS_TK_BASAL].first;
	r->u.basal_delivery.rate_u_per_h = st->programmed_basal_u_per_h;
	if (!st->temp_basal_active)
		return;
	int64_t left = st->temp_basal_end_min - c->now;
	int prog = srv->hist.tbr_active ? srv->hist.tbr_duration_min : (int)(left > 0 ? left : 0);
	r->u.basal_delivery.flags = IDS_BASAL_DELIVERY_TBR;
	r->u.basal_delivery.tbr_type = ids_tbr_type_for_pump(st->temp_basal_type);
	r->u.basal_delivery.tbr_value = st->temp_basal_value;
	r->u.basal_delivery.tbr_duration_programmed_min = (uint16_t)prog;
	r->u.basal_delivery.tbr_duration_remaining_min = (uint16_t)(left < 0       ? 0
	                                                            : left > 65535 ? 65535
	                                                                           : left);
}

static void get_total_daily_insulin(srcp_call *c)
{
	const srv_totals *t = &c->srv->totals;
	ids_status_response *r = specific_response(c, IDS_SRCP_GET_TOTAL_DAILY_INSULIN_RESPONSE);
	r->u.total_daily.bolus_u = total_u(t->day_bolus_u);
	r->u.total_daily.basal_u = total_u(t->day_basal_u);
	r->u.total_daily.total_u = total_u(t->day_bolus_u + t->day_basal_u);
}

/* Only the elapsed lifetime and reservoir operation time are kept. */
static void get_counter(srcp_call *c)
{
	const ids_status_request *q = c->q;
	if (q->u.counter.value_selection != IDS_COUNTER_ELAPSED ||
	    (q->u.counter.type != IDS_COUNTER_LIFETIME &&
	     q->u.counter.type != IDS_COUNTER_RESERVOIR_INSULIN_OPERATION_TIME)) {
		c->rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		c->o->reason = "counter not kept (only elapsed lifetime and reservoir time)";
		return;
	}
	ids_status_response *r = specific_response(c, IDS_SRCP_GET_COUNTER_RESPONSE);
	r->u.counter.type = q->u.counter.type;
	r->u.counter.value_selection = q->u.counter.value_selection;
	r->u.counter.value_min = (int32_t)(q->u.counter.type == IDS_COUNTER_LIFETIME
	                                       ? c->now
	                                       : c->now - c->srv->totals.reservoir_since_min);
}

static void get_delivered_insulin(srcp_call *c)
{
	const srv_totals *t = &c->srv->totals;
	ids_status_response *r = specific_response(c, IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE);
	r->u.delivered.bolus_u = total_u(t->life_bolus_u);
	r->u.delivered.basal_u = total_u(t->life_basal_u);
}

static void get_insulin_on_board(srcp_call *c)
{
	specific_response(c, IDS_SRCP_GET_INSULIN_ON_BOARD_RESPONSE)->u.iob.iob_u =
	    pump_iob_u(c->srv->p, c->now);
}

static void opcode_not_supported(srcp_call *c)
{
	c->rc = IDS_RC_OPCODE_NOT_SUPPORTED;
}

static const struct {
	uint16_t opcode;
	srcp_procedure run;
} procedures[] = {
    {IDS_SRCP_RESET_STATUS, reset_status},
    {IDS_SRCP_GET_ACTIVE_BOLUS_IDS, get_active_bolus_ids},
    {IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY, get_active_bolus_delivery},
    {IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY, get_active_basal_delivery},
    {IDS_SRCP_GET_TOTAL_DAILY_INSULIN, get_total_daily_insulin},
    {IDS_SRCP_GET_COUNTER, get_counter},
    {IDS_SRCP_GET_DELIVERED_INSULIN, get_delivered_insulin},
    {IDS_SRCP_GET_INSULIN_ON_BOARD, get_insulin_on_board},
};

static srcp_procedure procedure_of(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof procedures / sizeof procedures[0]; i++)
		if (procedures[i].opcode == opcode)
			return procedures[i].run;
	return opcode_not_supported;
}

uint8_t srv_ids_srcp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len)
{
	size_t n = 0;
	uint8_t e = srv_cp_payload(srv, ls, now, GATT_IDD_STATUS_READER_CP, b, len, 2, &n);
	if (e)
		return e;
	ids_status_request q;
	ids_status_response r;
	srv_cp_outcome o = {0};
	ids_rc rc = ids_status_request_decode(&srv->profile, b, n, &q);
	o.request_opcode = q.opcode;
	srv->detail[0] = '\0';
	srcp_call c = {srv, ls, now, &q, {0}, &r, &o, IDS_RC_SUCCESS};
	pump_get_status(srv->p, &c.st);
	ids_status_response_code(q.opcode, IDS_RC_SUCCESS, &r);
	if (rc != IDS_RC_SUCCESS) {
		o.reason = "decode refused the operand";
	} else {
		procedure_of(q.opcode)(&c);
		rc = c.rc;
	}
	if (rc != IDS_RC_SUCCESS)
		ids_status_response_code(q.opcode, rc, &r);
	o.success = rc == IDS_RC_SUCCESS;
	o.code = (uint8_t)rc;
	o.detail = rc == IDS_RC_SUCCESS ? "" : ids_code_name(&ids_srcp_rc_table, rc);

	uint8_t buf[SRV_OUT_MAX];
	size_t out = 0;
	if (ids_status_response_encode(&r, buf, sizeof buf - 3, &out) != BLE_OK) {
		ids_status_response_code(q.opcode, IDS_RC_PROCEDURE_NOT_COMPLETED, &r);
		o.success = false;
		o.code = IDS_RC_PROCEDURE_NOT_COMPLETED;
		ids_status_response_encode(&r, buf, sizeof buf - 3, &out);
	}
	srv_send_ids(srv, ls, now, GATT_IDD_STATUS_READER_CP, true, buf, out, sizeof buf);
	srv_audit_cp(srv, ls, now, GATT_IDD_STATUS_READER_CP, &o, b, len);
	return ATT_OK;
}
