/*
 * srv_io.c — the E2E stage of writes and the way values leave the server (srv_io.h).
 */
#include <stdio.h>
#include <string.h>

#include "srv_internal.h"

/* The E2E stage of a write (docs/ble.md "E2E protection"): 0 and the payload length, or
 * an ATT error (audited). Legacy-vulnerable strips the tail by length and checks nothing. */
uint8_t srv_e2e_in(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, const uint8_t *b,
                   size_t len, size_t min_payload, size_t *payload)
{
	ids_e2e_channel ch = IDS_E2E_COMMAND_CP;
	const gatt_e2e_kind kind = srv->cfg.e2e ? gatt_e2e_of(id, &ch) : GATT_E2E_NONE;
	*payload = len;
	if (kind == GATT_E2E_NONE)
		return ATT_OK;
	const bool ids = kind == GATT_E2E_IDS;
	const size_t tail = ids ? 3 : 2; /* control points: IDS counter + CRC, CGMS CRC */
	if (srv_legacy(srv)) {
		*payload = len >= tail ? len - tail : 0;
		return ATT_OK;
	}
	e2e_result r = ids ? ids_e2e_check(&ls->ids.rx[ch], b, len, min_payload, payload)
	                   : cgms_e2e_check(b, len, min_payload, payload);
	if (r == E2E_OK)
		return ATT_OK;
	const char *reason = r == E2E_MISSING_CRC       ? "e2e: missing crc"
	                     : r == E2E_INVALID_COUNTER ? "e2e: invalid counter"
	                                                : "e2e: invalid crc";
	if (r == E2E_INVALID_COUNTER && len >= 3)
		snprintf(srv->detail, sizeof srv->detail, "counter %u, expected %u", b[len - 3],
		         e2e_counter_next_value(ls->ids.rx[ch].last));
	else
		srv->detail[0] = '\0';
	return srv_refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, id, e2e_result_att_error(r), reason,
	                  srv->detail, b, len);
}

/* Seal an IDS value in buf (len bytes of payload, cap room) with this link's counter. */
uint8_t srv_cp_payload(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                       const uint8_t *b, size_t len, size_t min_payload, size_t *payload)
{
	uint8_t e = srv_e2e_in(srv, ls, now, id, b, len, min_payload, payload);
	if (e)
		return e;
	if (*payload == 0)
		return srv_refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, id,
		                  ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	return ATT_OK;
}

ble_result srv_seal_ids(const ble_server *srv, srv_link *ls, gatt_char_id id, uint8_t *buf,
                        size_t len, size_t cap, size_t *out_len)
{
	ids_e2e_channel ch;
	if (!srv->cfg.e2e || gatt_e2e_of(id, &ch) != GATT_E2E_IDS) {
		*out_len = len;
		return BLE_OK;
	}
	return ids_value_e2e_seal(&ls->ids, ch, buf, len, cap, out_len);
}

void srv_send_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, bool indication,
                    const uint8_t *v, size_t len)
{
	/* Never to a link that has not enabled it (its CCCD is the collector's consent). */
	if (!(ls->subscribed & srv_bit(id)))
		return;
	/* A fault shown on purpose may lose, hold or change it (srv_fault_effects.h). */
	uint8_t copy[SRV_OUT_MAX];
	if (len <= sizeof copy) {
		memcpy(copy, v, len);
		if (srv_fault_value(srv, ls, now, id, indication, copy, &len) != SRV_FAULT_SEND)
			return;
		v = copy;
	}
	srv->stats.notifications++;
	pump_radio_event(srv->p, now);
	if (srv->cfg.on_notify)
		srv->cfg.on_notify(&ls->link, id, indication, v, len, srv->cfg.notify_user_data);
	for (size_t i = 0; i < SRV_LISTENERS_MAX; i++)
		if (srv->listeners[i].fn)
			srv->listeners[i].fn(&ls->link, id, indication, v, len,
			                     srv->listeners[i].user_data);
}

void srv_send_ids(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, bool indication,
                  uint8_t *buf, size_t len, size_t cap)
{
	size_t n = 0;
	srv_fault_ids_payload(srv, ls, now, id, buf, len);
	if (srv_seal_ids(srv, ls, id, buf, len, cap, &n) == BLE_OK)
		srv_send_value(srv, ls, now, id, indication, buf, n);
}
