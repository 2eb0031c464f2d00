/*
 * virtual_phone.c — the in-process collector and hostile phone (see virtual_phone.h).
 *
 * Must never: reach the pump except through ble_server_*; call the server from its
 * listener (the server calls it synchronously, possibly from inside a write); allocate after
 * virtual_phone_new.
 *
 * Encodes with the same codecs as the server (ble_gateway/protocol/), so a round trip
 * through the server is also a test of both directions; the E2E tail as docs/ble.md "E2E
 * protection" states it (counter from 1, 255 → 1, one counter per characteristic and
 * direction, restarted with every connection).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "virtual_phone.h"

enum { VALUE_KEEP = 64, RESP_MAX = 64, HIST_TYPES = 40 };

struct virtual_phone {
	ble_server *srv;
	ble_link link;
	bool e2e;
	bool auto_subscribe;
	uint16_t mtu;
	size_t cut;
	ids_e2e_link counters; /* tx: our writes; rx: the server's values */
	uint16_t last_bolus_id;

	/* the procedure in flight */
	struct {
		bool active;
		gatt_char_id cp;
		gatt_char_id data;
		uint8_t indications;
		bool e2e_ok;
		size_t data_count;
		size_t len;
		uint8_t resp[RESP_MAX];
	} pending;

	ids_ccp_response last_ccp;
	ids_status_response last_srcp;
	cgms_socp_response last_socp;

	size_t notifications[GATT_CHAR_COUNT];
	size_t last_len[GATT_CHAR_COUNT];
	uint8_t last[GATT_CHAR_COUNT][VALUE_KEEP];
	size_t e2e_errors;

	/* a history read: records by event type until the RACP response */
	struct {
		bool reading, done;
		size_t n;
		uint16_t type[HIST_TYPES];
		unsigned count[HIST_TYPES];
	} hist;

	vp_capture capture[VP_CAPTURE_MAX];
	size_t capture_total; /* written so far; the ring keeps the last VP_CAPTURE_MAX */
};

/* ---------------------------------------------------------------------------------- */
/* Helpers                                                                             */
/* ---------------------------------------------------------------------------------- */

/* The IDS channel of `id` when its values carry the IDS tail on this link (E2E on). */
static bool ids_tail(const virtual_phone *vp, gatt_char_id id, ids_e2e_channel *ch)
{
	return vp->e2e && gatt_e2e_of(id, ch) == GATT_E2E_IDS;
}

/* The data characteristic a control point streams on. */
static gatt_char_id data_of(gatt_char_id cp)
{
	switch (cp) {
	case GATT_IDD_COMMAND_CP:
		return GATT_IDD_COMMAND_DATA;
	case GATT_IDD_RACP:
		return GATT_IDD_HISTORY_DATA;
	case GATT_CGM_RACP:
		return GATT_CGM_MEASUREMENT;
	default:
		return GATT_CHAR_COUNT;
	}
}

static double floor_to(double v, double step)
{
	if (!(v > 0.0))
		return v;
	return floor(v / step + 1e-9) * step;
}

static vp_answer not_sent(void)
{
	vp_answer a = {0};
	a.att_error = ATT_ERR_UNLIKELY;
	a.e2e_ok = true;
	return a;
}

const char *vp_answer_describe(const vp_answer *a, char *buf, size_t cap)
{
	if (!a->sent)
		snprintf(buf, cap, "not sent");
	else if (a->att_error)
		snprintf(buf, cap, "att 0x%02X %s", a->att_error, att_error_name(a->att_error));
	else if (!a->indicated)
		snprintf(buf, cap, "att ok%s", a->ok ? "" : " (no response)");
	else
		snprintf(buf, cap, "response 0x%04X code 0x%02X %s%s", a->response_opcode, a->code,
		         a->ok ? "ok" : "refused", a->e2e_ok ? "" : " (bad E2E)");
	return buf;
}

/* ---------------------------------------------------------------------------------- */
/* Receiving                                                                           */
/* ---------------------------------------------------------------------------------- */

static void on_value(const ble_link *link, gatt_char_id id, bool indication, const uint8_t *v,
                     size_t len, void *user_data)
{
	virtual_phone *vp = user_data;
	if (strcmp(link->identity, vp->link.identity) != 0 || (unsigned)id >= GATT_CHAR_COUNT)
		return;
	vp->notifications[id]++;
	if (len > (size_t)vp->mtu - 3) {
		len = (size_t)vp->mtu - 3; /* what a BlueZ server sends at this MTU */
		vp->cut++;
	}
	size_t keep = len < VALUE_KEEP ? len : VALUE_KEEP;
	memcpy(vp->last[id], v, keep);
	vp->last_len[id] = keep;

	size_t payload = len;
	bool e2e_ok = true;
	ids_e2e_channel ch;
	if (ids_tail(vp, id, &ch)) {
		if (ids_value_e2e_check(&vp->counters, ch, v, len, 1, &payload) != E2E_OK) {
			vp->e2e_errors++;
			e2e_ok = false;
			payload = len >= 3 ? len - 3 : 0;
		}
	}
	if (vp->hist.reading && id == GATT_IDD_HISTORY_DATA && e2e_ok && payload >= 2) {
		const uint16_t type = (uint16_t)(v[0] | (v[1] << 8));
		size_t i = 0;
		while (i < vp->hist.n && vp->hist.type[i] != type)
			i++;
		if (i == vp->hist.n && vp->hist.n < HIST_TYPES)
			vp->hist.type[vp->hist.n++] = type;
		if (i < vp->hist.n)
			vp->hist.count[i]++;
	} else if (vp->hist.reading && id == GATT_IDD_RACP && indication) {
		vp->hist.reading = false; /* the procedure's response: the report is in */
		vp->hist.done = true;
	}
	if (!vp->pending.active)
		return;
	if (id == vp->pending.cp && indication) {
		if (vp->pending.indications++ == 0) {
			vp->pending.len = payload < RESP_MAX ? payload : RESP_MAX;
			memcpy(vp->pending.resp, v, vp->pending.len);
			vp->pending.e2e_ok = e2e_ok;
		}
	} else if (id == vp->pending.data && !indication) {
		vp->pending.data_count++;
	}
}

/* Fill the answer from the response that arrived during the write. */
static void decode_response(virtual_phone *vp, gatt_char_id cp, vp_answer *a)
{
	const uint8_t *b = vp->pending.resp;
	size_t n = vp->pending.len;
	a->indicated = vp->pending.indications > 0;
	a->cp_indications = vp->pending.indications;
	a->data_count = vp->pending.data_count;
	a->e2e_ok = vp->pending.e2e_ok;
	if (!a->indicated) {
		/* Value writes (Session Start Time, Current Time) have no response. */
		a->ok = a->att_error == 0 && cp != GATT_IDD_COMMAND_CP &&
		        cp != GATT_IDD_STATUS_READER_CP && cp != GATT_IDD_RACP &&
		        cp != GATT_CGM_RACP && cp != GATT_CGM_SOCP;
		return;
	}
	switch (cp) {
	case GATT_IDD_COMMAND_CP:
		if (ids_ccp_response_decode(b, n, &vp->last_ccp) != BLE_OK)
			break;
		a->response_opcode = vp->last_ccp.opcode;
		if (vp->last_ccp.opcode == IDS_CCP_RESPONSE_CODE) {
			a->code = vp->last_ccp.u.response_code.code;
		} else {
			a->code = IDS_RC_SUCCESS;
			if (vp->last_ccp.opcode == IDS_CCP_SET_BOLUS_RESPONSE ||
			    vp->last_ccp.opcode == IDS_CCP_CANCEL_BOLUS_RESPONSE)
				a->id = vp->last_ccp.u.bolus_id;
			else if (vp->last_ccp.opcode == IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE ||
			         vp->last_ccp.opcode == IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE)
				a->id = vp->last_ccp.u.annunciation_id;
		}
		a->ok = a->code == IDS_RC_SUCCESS;
		break;
	case GATT_IDD_STATUS_READER_CP:
		if (ids_status_response_decode(b, n, &vp->last_srcp) != BLE_OK)
			break;
		a->response_opcode = vp->last_srcp.opcode;
		a->code = vp->last_srcp.opcode == IDS_SRCP_RESPONSE_CODE
		              ? vp->last_srcp.u.response_code.code
		              : (uint8_t)IDS_RC_SUCCESS;
		a->ok = a->code == IDS_RC_SUCCESS;
		break;
	case GATT_IDD_RACP: {
		ids_racp_response r;
		if (ids_racp_response_decode(b, n, &r) != BLE_OK)
			break;
		a->response_opcode = r.opcode;
		a->code =
		    r.opcode == IDS_RACP_NUMBER_RESPONSE ? (uint8_t)IDS_RACP_RC_SUCCESS : r.code;
		a->count = r.count;
		a->ok = a->code == IDS_RACP_RC_SUCCESS;
		break;
	}
	case GATT_CGM_RACP: {
		cgms_racp_response r;
		if (cgms_racp_response_decode(b, n, &r) != BLE_OK)
			break;
		a->response_opcode = r.opcode;
		a->code = r.opcode == RACP_NUMBER_RESPONSE ? (uint8_t)RACP_RC_SUCCESS : r.code;
		a->count = r.count;
		a->ok = a->code == RACP_RC_SUCCESS;
		break;
	}
	case GATT_CGM_SOCP:
		if (cgms_socp_response_decode(b, n, vp->e2e, &vp->last_socp) != BLE_OK)
			break;
		a->response_opcode = vp->last_socp.opcode;
		a->code = vp->last_socp.opcode == CGMS_SOCP_RESPONSE_CODE
		              ? vp->last_socp.u.response_code.code
		              : (uint8_t)CGMS_RC_SUCCESS;
		a->ok = a->code == CGMS_RC_SUCCESS;
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------------------------- */
/* Lifetime                                                                            */
/* ---------------------------------------------------------------------------------- */

virtual_phone *virtual_phone_new(ble_server *srv, ble_link link)
{
	if (!srv)
		return NULL;
	virtual_phone *vp = calloc(1, sizeof *vp);
	if (!vp)
		return NULL;
	vp->srv = srv;
	vp->link = link;
	vp->link.identity[BLE_LINK_IDENTITY_MAX - 1] = '\0';
	vp->e2e = ble_server_e2e(srv);
	vp->auto_subscribe = true;
	vp->mtu = 23;
	ids_e2e_link_reset(&vp->counters);
	if (!ble_server_add_listener(srv, on_value, vp)) {
		free(vp);
		return NULL;
	}
	return vp;
}

void virtual_phone_free(virtual_phone *vp)
{
	if (!vp)
		return;
	ble_server_remove_listener(vp->srv, on_value, vp);
	free(vp);
}

const ble_link *vp_link(const virtual_phone *vp)
{
	return &vp->link;
}

void vp_set_auto_subscribe(virtual_phone *vp, bool on)
{
	vp->auto_subscribe = on;
}

void vp_set_mtu(virtual_phone *vp, uint16_t mtu)
{
	vp->mtu = mtu < 23 ? 23 : mtu;
}

size_t vp_cut_values(const virtual_phone *vp)
{
	return vp->cut;
}

bool vp_reconnect(virtual_phone *vp, int64_t now_min)
{
	ble_server_disconnect(vp->srv, vp->link.identity, now_min);
	ids_e2e_link_reset(&vp->counters);
	return ble_server_connect(vp->srv, &vp->link, now_min);
}

bool vp_set_security(virtual_phone *vp, int64_t now_min, gatt_security level)
{
	vp->link.security = level;
	return vp_reconnect(vp, now_min);
}

/* ---------------------------------------------------------------------------------- */
/* Writing                                                                             */
/* ---------------------------------------------------------------------------------- */

static void ensure_subscribed(virtual_phone *vp, int64_t now, gatt_char_id id)
{
	if (!vp->auto_subscribe || (unsigned)id >= GATT_CHAR_COUNT)
		return;
	const gatt_characteristic_def *d = gatt_characteristic(id);
	if (!d || d->descriptor_count == 0 || ble_server_subscribed(vp->srv, vp->link.identity, id))
		return;
	ble_server_subscribe(vp->srv, &vp->link, now, id, true);
}

static void capture(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *b, size_t len,
                    const vp_answer *a)
{
	vp_capture *c = &vp->capture[vp->capture_total % VP_CAPTURE_MAX];
	c->t_min = now;
	c->char_id = id;
	c->len = len < BLE_ATT_MAX_VALUE ? len : BLE_ATT_MAX_VALUE;
	memcpy(c->bytes, b, c->len);
	c->answer = *a;
	vp->capture_total++;
}

/* Write `len` bytes as they are to `id` and collect the answer. */
static vp_answer send_bytes(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *b,
                            size_t len, bool keep)
{
	vp_answer a = {0};
	ensure_subscribed(vp, now, id);
	ensure_subscribed(vp, now, data_of(id));
	vp->pending.active = true;
	vp->pending.cp = id;
	vp->pending.data = data_of(id);
	vp->pending.indications = 0;
	vp->pending.data_count = 0;
	vp->pending.len = 0;
	vp->pending.e2e_ok = true;
	a.sent = true;
	a.att_error = ble_server_write(vp->srv, &vp->link, now, id, b, len, NULL);
	decode_response(vp, id, &a);
	vp->pending.active = false;
	if (keep)
		capture(vp, now, id, b, len, &a);
	return a;
}

/* Seal `payload` for `id` into out: IDS with the expected counter + delta (cycling 1 … 255)
 * and a valid CRC, CGMS with its CRC; nothing when the value carries no E2E. Returns the
 * length, 0 when it does not fit. */
static size_t seal_with(virtual_phone *vp, gatt_char_id id, const uint8_t *payload, size_t len,
                        uint8_t *out, size_t cap, int delta, bool advance)
{
	if (len > cap)
		return 0;
	memmove(out, payload, len);
	ids_e2e_channel ch = IDS_E2E_STATUS;
	const gatt_e2e_kind kind = vp->e2e ? gatt_e2e_of(id, &ch) : GATT_E2E_NONE;
	size_t n = 0;
	if (kind == GATT_E2E_NONE)
		return len;
	if (kind == GATT_E2E_IDS) {
		if (cap - len < 3)
			return 0;
		int expected = e2e_counter_next_value(vp->counters.tx[ch].last);
		int v = ((expected - 1 + delta) % 255 + 255) % 255 + 1;
		out[len] = (uint8_t)v;
		uint16_t crc = crc16_mcrf4xx(out, len + 1);
		out[len + 1] = (uint8_t)(crc & 0xFF);
		out[len + 2] = (uint8_t)(crc >> 8);
		if (advance)
			vp->counters.tx[ch].last = (uint8_t)v;
		return len + 3;
	}
	if (cgms_e2e_seal(out, len, cap, &n) != BLE_OK)
		return 0;
	return n;
}

/* Our write counters as they were (the server's receive counters did not move). */
static void restore_tx(virtual_phone *vp, const ids_e2e_link *before)
{
	memcpy(vp->counters.tx, before->tx, sizeof vp->counters.tx);
}

/* A normal write: payload sealed with the next counter, captured. */
static vp_answer send_payload(virtual_phone *vp, int64_t now, gatt_char_id id,
                              const uint8_t *payload, size_t len)
{
	uint8_t buf[BLE_ATT_MAX_VALUE];
	const ids_e2e_link counters = vp->counters;
	size_t n = seal_with(vp, id, payload, len, buf, sizeof buf, 0, true);
	if (n == 0)
		return not_sent();
	vp_answer a = send_bytes(vp, now, id, buf, n, true);
	/* A write refused at the ATT level never advanced the pump's counter
	 * (docs/ble-threats.md R2): an app that sees the error sends the same counter again. */
	if (a.att_error)
		restore_tx(vp, &counters);
	return a;
}

vp_answer vp_command(virtual_phone *vp, int64_t now_min, const ids_command *cmd)
{
	uint8_t p[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	if (ids_command_encode(cmd, p, sizeof p, &n) != BLE_OK)
		return not_sent();
	vp_answer a = send_payload(vp, now_min, GATT_IDD_COMMAND_CP, p, n);
	if (a.ok && a.response_opcode == IDS_CCP_SET_BOLUS_RESPONSE)
		vp->last_bolus_id = a.id;
	return a;
}

vp_answer vp_status_request(virtual_phone *vp, int64_t now_min, const ids_status_request *q)
{
	uint8_t p[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	if (ids_status_request_encode(q, p, sizeof p, &n) != BLE_OK)
		return not_sent();
	return send_payload(vp, now_min, GATT_IDD_STATUS_READER_CP, p, n);
}

const ids_ccp_response *vp_last_command_response(const virtual_phone *vp)
{
	return &vp->last_ccp;
}

const ids_status_response *vp_last_status_response(const virtual_phone *vp)
{
	return &vp->last_srcp;
}

const cgms_socp_response *vp_last_socp_response(const virtual_phone *vp)
{
	return &vp->last_socp;
}

/* ---------------------------------------------------------------------------------- */
/* Intents                                                                             */
/* ---------------------------------------------------------------------------------- */

vp_answer vp_bolus(virtual_phone *vp, int64_t now_min, pump_bolus_type type, double immediate_u,
                   double extended_u, int duration_min)
{
	ids_command c = {0};
	c.opcode = IDS_CCP_SET_BOLUS;
	ids_set_bolus *b = &c.u.set_bolus;
	switch (type) {
	case PUMP_BOLUS_NORMAL:
		b->type = IDS_BOLUS_FAST;
		b->fast_u = floor_to(immediate_u, 0.01);
		break;
	case PUMP_BOLUS_EXTENDED:
		b->type = IDS_BOLUS_EXTENDED;
		b->fast_u = floor_to(immediate_u, 0.01);
		b->extended_u = floor_to(extended_u, 0.01);
		b->duration_min = (uint16_t)(duration_min < 0 ? 0 : duration_min);
		break;
	default:
		b->type = IDS_BOLUS_MULTIWAVE;
		b->fast_u = floor_to(immediate_u, 0.01);
		b->extended_u = floor_to(extended_u, 0.01);
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
	c.u.set_tbr.value = type == PUMP_TBR_RELATIVE ? floor(value + 1e-9) : floor_to(value, 0.01);
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
	c.u.amount_u = floor_to(u, 0.01);
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
		return not_sent();
	return send_payload(vp, now_min, GATT_IDD_RACP, p, n);
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
		return not_sent();
	return send_payload(vp, now_min, GATT_CGM_RACP, p, n);
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
		return not_sent();
	return send_payload(vp, now_min, GATT_CGM_SOCP, p, n);
}

vp_answer vp_set_cgm_interval(virtual_phone *vp, int64_t now_min, uint8_t interval_min)
{
	cgms_socp_request q = {0};
	q.opcode = CGMS_SOCP_SET_COMM_INTERVAL;
	q.u.interval_min = interval_min;
	return vp_socp(vp, now_min, &q);
}

/* ---------------------------------------------------------------------------------- */
/* Reads and subscriptions                                                             */
/* ---------------------------------------------------------------------------------- */

vp_answer vp_read(virtual_phone *vp, int64_t now_min, gatt_char_id id, uint8_t *out, size_t cap,
                  size_t *len)
{
	vp_answer a = {0};
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	a.sent = true;
	a.e2e_ok = true;
	*len = 0;
	a.att_error = ble_server_read(vp->srv, &vp->link, now_min, id, buf, sizeof buf, &n);
	if (a.att_error)
		return a;
	ids_e2e_channel ch;
	size_t payload = n;
	if (ids_tail(vp, id, &ch) &&
	    ids_value_e2e_check(&vp->counters, ch, buf, n, 1, &payload) != E2E_OK) {
		vp->e2e_errors++;
		a.e2e_ok = false;
	}
	if (n > cap)
		return a;
	memcpy(out, buf, n);
	*len = n;
	a.ok = a.e2e_ok;
	return a;
}

/* The payload of an IDS value read (tail removed) or the whole value. */
static size_t payload_len(const virtual_phone *vp, gatt_char_id id, size_t n)
{
	ids_e2e_channel ch;
	if (ids_tail(vp, id, &ch))
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

vp_answer vp_subscribe(virtual_phone *vp, int64_t now_min, gatt_char_id id, bool on)
{
	vp_answer a = {0};
	a.sent = true;
	a.e2e_ok = true;
	a.att_error = ble_server_subscribe(vp->srv, &vp->link, now_min, id, on);
	a.ok = a.att_error == 0;
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
		vp_answer a = not_sent();
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
		vp_answer a = not_sent();
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

/* ---------------------------------------------------------------------------------- */
/* What it saw; the capture                                                            */
/* ---------------------------------------------------------------------------------- */

size_t vp_notification_count(const virtual_phone *vp, gatt_char_id id)
{
	return (unsigned)id < GATT_CHAR_COUNT ? vp->notifications[id] : 0;
}

const uint8_t *vp_last_value(const virtual_phone *vp, gatt_char_id id, size_t *len)
{
	if ((unsigned)id >= GATT_CHAR_COUNT || vp->notifications[id] == 0) {
		*len = 0;
		return NULL;
	}
	*len = vp->last_len[id];
	return vp->last[id];
}

size_t vp_e2e_errors(const virtual_phone *vp)
{
	return vp->e2e_errors;
}

size_t vp_capture_count(const virtual_phone *vp)
{
	return vp->capture_total < VP_CAPTURE_MAX ? vp->capture_total : VP_CAPTURE_MAX;
}

const vp_capture *vp_capture_get(const virtual_phone *vp, size_t index)
{
	size_t count = vp_capture_count(vp);
	if (index >= count)
		return NULL;
	size_t first = vp->capture_total - count;
	return &vp->capture[(first + index) % VP_CAPTURE_MAX];
}

bool vp_capture_find(const virtual_phone *vp, int64_t at_min, gatt_char_id id, size_t *index)
{
	for (size_t i = vp_capture_count(vp); i-- > 0;) {
		const vp_capture *c = vp_capture_get(vp, i);
		if (c->t_min <= at_min && (id == GATT_CHAR_COUNT || c->char_id == id)) {
			*index = i;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------------------- */
/* Attacks                                                                             */
/* ---------------------------------------------------------------------------------- */

vp_answer vp_attack_replay(virtual_phone *vp, int64_t now_min, size_t index)
{
	const vp_capture *c = vp_capture_get(vp, index);
	if (!c)
		return not_sent();
	vp_capture copy = *c; /* the ring may overwrite it while we send */
	return send_bytes(vp, now_min, copy.char_id, copy.bytes, copy.len, true);
}

vp_answer vp_attack_replay_at(virtual_phone *vp, int64_t now_min, int64_t at_min, gatt_char_id id)
{
	size_t i = 0;
	if (!vp_capture_find(vp, at_min, id, &i))
		return not_sent();
	return vp_attack_replay(vp, now_min, i);
}

/* The payload of a captured write (its tail removed when it carries one). */
static size_t captured_payload(const virtual_phone *vp, const vp_capture *c)
{
	const gatt_e2e_kind kind = vp->e2e ? gatt_e2e_of(c->char_id, NULL) : GATT_E2E_NONE;
	const size_t tail = kind == GATT_E2E_IDS ? 3 : kind == GATT_E2E_CGMS ? 2 : 0;
	return c->len >= tail ? c->len - tail : 0;
}

vp_answer vp_attack_replay_resealed(virtual_phone *vp, int64_t now_min, size_t index)
{
	const vp_capture *c = vp_capture_get(vp, index);
	if (!c)
		return not_sent();
	vp_capture copy = *c;
	return send_payload(vp, now_min, copy.char_id, copy.bytes, captured_payload(vp, &copy));
}

vp_answer vp_attack_tamper(virtual_phone *vp, int64_t now_min, size_t index, size_t offset,
                           uint8_t xor_mask, bool reseal)
{
	const vp_capture *c = vp_capture_get(vp, index);
	if (!c)
		return not_sent();
	vp_capture copy = *c;
	size_t n = reseal ? captured_payload(vp, &copy) : copy.len;
	if (offset >= n)
		return not_sent();
	copy.bytes[offset] ^= xor_mask;
	if (reseal)
		return send_payload(vp, now_min, copy.char_id, copy.bytes, n);
	return send_bytes(vp, now_min, copy.char_id, copy.bytes, copy.len, true);
}

vp_answer vp_attack_raw(virtual_phone *vp, int64_t now_min, gatt_char_id id, const uint8_t *bytes,
                        size_t len)
{
	return send_bytes(vp, now_min, id, bytes, len, true);
}

vp_answer vp_attack_counter(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                            const uint8_t *payload, size_t len, int delta)
{
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t n = seal_with(vp, id, payload, len, buf, sizeof buf, delta, delta == 0);
	if (n == 0)
		return not_sent();
	return send_bytes(vp, now_min, id, buf, n, true);
}

vp_answer vp_attack_bolus_raw(virtual_phone *vp, int64_t now_min, uint8_t flags, uint8_t type,
                              uint16_t fast_raw, uint16_t extended_raw, uint16_t duration_min)
{
	const uint8_t p[] = {
	    (uint8_t)(IDS_CCP_SET_BOLUS & 0xFF),
	    (uint8_t)(IDS_CCP_SET_BOLUS >> 8),
	    flags,
	    type,
	    (uint8_t)(fast_raw & 0xFF),
	    (uint8_t)(fast_raw >> 8),
	    (uint8_t)(extended_raw & 0xFF),
	    (uint8_t)(extended_raw >> 8),
	    (uint8_t)(duration_min & 0xFF),
	    (uint8_t)(duration_min >> 8),
	};
	return send_payload(vp, now_min, GATT_IDD_COMMAND_CP, p, sizeof p);
}

static void tally(vp_flood_stats *s, const vp_answer *a)
{
	if (s->sent == 0)
		s->first = *a;
	s->last = *a;
	s->sent++;
	if (a->att_error == 0)
		s->att_ok++;
	else
		s->att_refused++;
	if (a->att_error == ATT_ERR_PROCEDURE_IN_PROGRESS)
		s->rate_limited++;
	if (a->att_error == 0 && a->ok)
		s->responses_ok++;
}

/* One request of a flood. */
typedef vp_answer (*flood_send_fn)(virtual_phone *vp, int64_t now, gatt_char_id id,
                                   const uint8_t *payload, size_t len);

static vp_answer flood_write(virtual_phone *vp, int64_t now, gatt_char_id id,
                             const uint8_t *payload, size_t len)
{
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t m = seal_with(vp, id, payload, len, buf, sizeof buf, 0, true);
	return m ? send_bytes(vp, now, id, buf, m, false) : not_sent();
}

static vp_answer flood_read(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *payload,
                            size_t len)
{
	(void)payload;
	(void)len;
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	return vp_read(vp, now, id, buf, sizeof buf, &n);
}

/*
 * `n` requests within one minute at the fastest rate a BlueZ central has (VP_REQUEST_US
 * each); when the pump has dropped the link, the phone waits for the next advertising event
 * (VP_RECONNECT_US) and connects again, refused or not, until the minute is over.
 */
static vp_answer flood(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *payload,
                       size_t len, size_t n, flood_send_fn send, vp_flood_stats *out)
{
	vp_flood_stats s = {0};
	bool was_connected = ble_server_link_connected(vp->srv, vp->link.identity);
	long long t_us = 0;
	while (s.sent < n && t_us < VP_MINUTE_US) {
		const bool connected = ble_server_link_connected(vp->srv, vp->link.identity);
		if (was_connected && !connected) /* dropped between two requests (a tick) */
			was_connected = false;
		if (!connected && s.sent > 0) {
			/* Back at the next advertising event, counters fresh. */
			t_us += VP_RECONNECT_US;
			if (t_us >= VP_MINUTE_US)
				break;
			ids_e2e_link_reset(&vp->counters);
			if (ble_server_connect(vp->srv, &vp->link, now)) {
				s.reconnects++;
				was_connected = true;
			} else {
				s.reconnects_refused++;
			}
			continue;
		}
		vp_answer a = send(vp, now, id, payload, len);
		tally(&s, &a);
		t_us += VP_REQUEST_US;
		const bool still = ble_server_link_connected(vp->srv, vp->link.identity);
		if (connected && !still)
			s.dropped++; /* this request was one too many */
		was_connected = still;
	}
	s.not_sent = n - s.sent;
	if (out)
		*out = s;
	return s.last;
}

vp_answer vp_attack_flood(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                          const uint8_t *payload, size_t len, size_t n, vp_flood_stats *out)
{
	return flood(vp, now_min, id, payload, len, n, flood_write, out);
}

vp_answer vp_attack_read_flood(virtual_phone *vp, int64_t now_min, gatt_char_id id, size_t n,
                               vp_flood_stats *out)
{
	return flood(vp, now_min, id, NULL, 0, n, flood_read, out);
}

vp_answer vp_attack_subscription_storm(virtual_phone *vp, int64_t now_min, gatt_char_id id,
                                       size_t n, vp_flood_stats *out)
{
	vp_flood_stats s = {0};
	for (size_t i = 0; i < n; i++) {
		vp_answer a = vp_subscribe(vp, now_min, id, i % 2 == 0);
		tally(&s, &a);
	}
	if (out)
		*out = s;
	return s.last;
}
