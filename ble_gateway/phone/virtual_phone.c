/*
 * virtual_phone.c — the in-process collector and hostile phone (see virtual_phone.h): its
 * lifetime, what it receives, how it writes, its capture. What an app asks is in
 * vp_intents.c, what an attacker sends in vp_attacks.c.
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

#include "phone_internal.h"

/* The IDS channel of `id` when its values carry the IDS tail on this link (E2E on). */
bool phone_ids_tail(const virtual_phone *vp, gatt_char_id id, ids_e2e_channel *ch)
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

double phone_floor_to(double v, double step)
{
	if (!(v > 0.0))
		return v;
	return floor(v / step + 1e-9) * step;
}

vp_answer phone_not_sent(void)
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
	size_t keep = len < PHONE_VALUE_KEEP ? len : PHONE_VALUE_KEEP;
	memcpy(vp->last[id], v, keep);
	vp->last_len[id] = keep;

	size_t payload = len;
	bool e2e_ok = true;
	ids_e2e_channel ch;
	if (phone_ids_tail(vp, id, &ch)) {
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
		if (i == vp->hist.n && vp->hist.n < PHONE_HIST_TYPES)
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
			vp->pending.len = payload < PHONE_RESP_MAX ? payload : PHONE_RESP_MAX;
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
vp_answer phone_send_bytes(virtual_phone *vp, int64_t now, gatt_char_id id, const uint8_t *b,
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
size_t phone_seal_with(virtual_phone *vp, gatt_char_id id, const uint8_t *payload, size_t len,
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
vp_answer phone_send_payload(virtual_phone *vp, int64_t now, gatt_char_id id,
                             const uint8_t *payload, size_t len)
{
	uint8_t buf[BLE_ATT_MAX_VALUE];
	const ids_e2e_link counters = vp->counters;
	size_t n = phone_seal_with(vp, id, payload, len, buf, sizeof buf, 0, true);
	if (n == 0)
		return phone_not_sent();
	vp_answer a = phone_send_bytes(vp, now, id, buf, n, true);
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
		return phone_not_sent();
	vp_answer a = phone_send_payload(vp, now_min, GATT_IDD_COMMAND_CP, p, n);
	if (a.ok && a.response_opcode == IDS_CCP_SET_BOLUS_RESPONSE)
		vp->last_bolus_id = a.id;
	return a;
}

vp_answer vp_status_request(virtual_phone *vp, int64_t now_min, const ids_status_request *q)
{
	uint8_t p[BLE_ATT_MAX_VALUE];
	size_t n = 0;
	if (ids_status_request_encode(q, p, sizeof p, &n) != BLE_OK)
		return phone_not_sent();
	return phone_send_payload(vp, now_min, GATT_IDD_STATUS_READER_CP, p, n);
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
	if (phone_ids_tail(vp, id, &ch) &&
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

vp_answer vp_subscribe(virtual_phone *vp, int64_t now_min, gatt_char_id id, bool on)
{
	vp_answer a = {0};
	a.sent = true;
	a.e2e_ok = true;
	a.att_error = ble_server_subscribe(vp->srv, &vp->link, now_min, id, on);
	a.ok = a.att_error == 0;
	return a;
}

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
