/*
 * srv_fault_effects.c — what an active fault does to what the server sends
 * (srv_fault_effects.h): values lost, held, cut or given a bad E2E-CRC; IDS responses with a
 * wrong op code or code, a counter that jumps; history records twice or swapped. Every
 * change is audited ("applied", srv_faults.h).
 *
 * Follows IDS 1.0.1 §3.7 (E2E-Protection: CRC-16 and counter) for what a wrong value looks
 * like.
 */
#include <stdio.h>
#include <string.h>

#include "srv_internal.h"

size_t ble_server_held_count(const ble_server *srv)
{
	return srv->fault_effects.held_count;
}

void ble_server_release_held_by_transport(ble_server *srv, bool transport_releases)
{
	srv->fault_effects.transport_releases = transport_releases;
}

/* Send a held value, if its link is the same connection still. */
static void send_held(ble_server *srv, const srv_held *h, int64_t now)
{
	srv_link *ls = srv_link_find(srv, h->identity);
	if (!ls || ls->opened != h->opened || !srv_subscribed(ls, h->id))
		return;
	srv->stats.notifications++;
	pump_radio_event(srv->p, now);
	if (srv->cfg.on_notify)
		srv->cfg.on_notify(&ls->link, h->id, h->indication, h->v, h->len,
		                   srv->cfg.notify_user_data);
	for (size_t i = 0; i < SRV_LISTENERS_MAX; i++)
		if (srv->listeners[i].fn)
			srv->listeners[i].fn(&ls->link, h->id, h->indication, h->v, h->len,
			                     srv->listeners[i].user_data);
}

void ble_server_release_held(ble_server *srv, int64_t now_min)
{
	srv_fault_effects *fx = &srv->fault_effects;
	while (fx->held_count) {
		const srv_held h = fx->held[fx->held_first];
		fx->held_first = (fx->held_first + 1) % SRV_HELD_MAX;
		fx->held_count--;
		send_held(srv, &h, now_min);
	}
}

static void hold(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, bool indication,
                 const uint8_t *v, size_t len)
{
	srv_fault_effects *fx = &srv->fault_effects;
	if (fx->held_count == SRV_HELD_MAX) {
		/* Full: the oldest goes now (late, never lost). */
		const srv_held old = fx->held[fx->held_first];
		fx->held_first = (fx->held_first + 1) % SRV_HELD_MAX;
		fx->held_count--;
		send_held(srv, &old, now);
	}
	srv_held *h = &fx->held[(fx->held_first + fx->held_count) % SRV_HELD_MAX];
	snprintf(h->identity, sizeof h->identity, "%s", ls->link.identity);
	h->opened = ls->opened;
	h->id = id;
	h->indication = indication;
	h->len = (uint8_t)len;
	memcpy(h->v, v, len);
	fx->held_count++;
}

static bool is_cp(gatt_char_id id)
{
	return id == GATT_IDD_COMMAND_CP || id == GATT_IDD_STATUS_READER_CP ||
	       id == GATT_IDD_RACP || id == GATT_CGM_SOCP || id == GATT_CGM_RACP;
}

srv_fault_outcome srv_fault_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                                  bool indication, uint8_t *v, size_t *len)
{
	const srv_faults *fs = &srv->faults;
	srv_fault_effects *fx = &srv->fault_effects;
	char detail[80];
	if (is_cp(id) && indication && ble_server_fault_active(srv, BLE_FAULT_NO_RESPONSE, now)) {
		srv_fault_applied(srv, ls, now, BLE_FAULT_NO_RESPONSE, id,
		                  "control-point response not sent");
		srv_fault_consume(srv, BLE_FAULT_NO_RESPONSE, now);
		return SRV_FAULT_DROP;
	}
	fx->values_sent++;
	if (ble_server_fault_active(srv, BLE_FAULT_DROP_NOTIFICATIONS, now) &&
	    fx->values_sent % fs->f[BLE_FAULT_DROP_NOTIFICATIONS].nth == 0) {
		snprintf(detail, sizeof detail, "value %llu lost (every %u)",
		         (unsigned long long)fx->values_sent,
		         fs->f[BLE_FAULT_DROP_NOTIFICATIONS].nth);
		srv_fault_applied(srv, ls, now, BLE_FAULT_DROP_NOTIFICATIONS, id, detail);
		return SRV_FAULT_DROP;
	}
	ids_e2e_channel ch;
	if (srv->cfg.e2e && gatt_e2e_of(id, &ch) != GATT_E2E_NONE && *len >= 2 &&
	    ble_server_fault_active(srv, BLE_FAULT_BAD_CRC, now)) {
		v[*len - 1] ^= 0xA5; /* the CRC's high octet (little-endian, last) */
		srv_fault_applied(srv, ls, now, BLE_FAULT_BAD_CRC, id, "E2E-CRC made wrong");
		srv_fault_consume(srv, BLE_FAULT_BAD_CRC, now);
	}
	if (ble_server_fault_active(srv, BLE_FAULT_MTU_23, now) && *len > BLE_ATT_MIN_MTU_VALUE) {
		snprintf(detail, sizeof detail, "value cut from %zu to %d octets", *len,
		         BLE_ATT_MIN_MTU_VALUE);
		*len = BLE_ATT_MIN_MTU_VALUE;
		srv_fault_applied(srv, ls, now, BLE_FAULT_MTU_23, id, detail);
	}
	if (ble_server_fault_active(srv, BLE_FAULT_DELAY, now) && *len <= SRV_HELD_VALUE_MAX) {
		hold(srv, ls, now, id, indication, v, *len);
		snprintf(detail, sizeof detail, "held %u ms", fs->f[BLE_FAULT_DELAY].delay_ms);
		srv_fault_applied(srv, ls, now, BLE_FAULT_DELAY, id, detail);
		return SRV_FAULT_HOLD;
	}
	return SRV_FAULT_SEND;
}

void srv_fault_ids_payload(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                           uint8_t *buf, size_t len)
{
	const bool cp = id == GATT_IDD_COMMAND_CP || id == GATT_IDD_STATUS_READER_CP;
	if (cp && len >= 2 && ble_server_fault_active(srv, BLE_FAULT_WRONG_OPCODE, now)) {
		buf[0] ^= 0x01; /* one bit off: no op code of the Hamming-coded table */
		srv_fault_applied(srv, ls, now, BLE_FAULT_WRONG_OPCODE, id,
		                  "response op code one bit off");
		srv_fault_consume(srv, BLE_FAULT_WRONG_OPCODE, now);
	}
	if (cp && len >= 5 && ble_server_fault_active(srv, BLE_FAULT_WRONG_CODE, now)) {
		const uint16_t op = (uint16_t)(buf[0] | buf[1] << 8);
		if (op == IDS_CCP_RESPONSE_CODE || op == IDS_SRCP_RESPONSE_CODE) {
			buf[4] = 0x42; /* none of the table's Response Code values */
			srv_fault_applied(srv, ls, now, BLE_FAULT_WRONG_CODE, id,
			                  "response code 0x42");
			srv_fault_consume(srv, BLE_FAULT_WRONG_CODE, now);
		}
	}
	ids_e2e_channel ch;
	if (srv->cfg.e2e && gatt_e2e_of(id, &ch) == GATT_E2E_IDS && id != GATT_IDD_HISTORY_DATA &&
	    ble_server_fault_active(srv, BLE_FAULT_COUNTER_JUMP, now)) {
		const int by = srv->faults.f[BLE_FAULT_COUNTER_JUMP].by;
		for (int i = 0; i < by; i++)
			ls->ids.tx[ch].last = e2e_counter_next_value(ls->ids.tx[ch].last);
		char detail[60];
		snprintf(detail, sizeof detail, "E2E-Counter skipped %d values", by);
		srv_fault_applied(srv, ls, now, BLE_FAULT_COUNTER_JUMP, id, detail);
		srv_fault_consume(srv, BLE_FAULT_COUNTER_JUMP, now);
	}
}

bool srv_fault_history_duplicate(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq)
{
	if (!ble_server_fault_active(srv, BLE_FAULT_HISTORY_DUPLICATE, now))
		return false;
	char detail[60];
	snprintf(detail, sizeof detail, "record %u sent twice", seq);
	srv_fault_applied(srv, ls, now, BLE_FAULT_HISTORY_DUPLICATE, GATT_IDD_HISTORY_DATA, detail);
	srv_fault_consume(srv, BLE_FAULT_HISTORY_DUPLICATE, now);
	return true;
}

bool srv_fault_history_swap(ble_server *srv, srv_link *ls, int64_t now, uint32_t seq)
{
	if (!ble_server_fault_active(srv, BLE_FAULT_HISTORY_OUT_OF_ORDER, now))
		return false;
	char detail[60];
	snprintf(detail, sizeof detail, "record %u sent after the next one", seq);
	srv_fault_applied(srv, ls, now, BLE_FAULT_HISTORY_OUT_OF_ORDER, GATT_IDD_HISTORY_DATA,
	                  detail);
	srv_fault_consume(srv, BLE_FAULT_HISTORY_OUT_OF_ORDER, now);
	return true;
}
