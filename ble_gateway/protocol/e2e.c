/*
 * e2e.c — CRC-16/MCRF4XX and the IDS/CGMS E2E protection (e2e.h; docs/ble.md "E2E
 * protection").
 *
 * Must never accept a PDU whose tail is missing, whose counter is not the next one, or
 * whose CRC is wrong, and never advance a counter on a refused PDU (docs/ble-threats.md R2).
 *
 * Sources (ble_gateway/README.md "Sources") and the decisions where they are thin:
 * - CRC: poly 0x1021 reflected (0x8408), init 0xFFFF, no final XOR, little-endian on the
 *   wire (NordicAndroid CRC16.MCRF4XX, BLEIDSSim crc.py table = the same polynomial).
 * - IDS tail = E2E-Counter uint8 then E2E-CRC uint16 over every byte before the CRC,
 *   counter included (ST-IDS ids_app.c/ids_srcp.c, BLEIDSSim response.py, CCIDS).
 * - ATT codes 0x80 Missing CRC, 0x81 Invalid CRC, 0x82 Invalid Counter: confirmed in the
 *   ST-IDS header (IDS_ATT_ERROR_CODE_MISSING_CRC/INVALID_CRC/INVALID_COUNTER); CGMS
 *   0x80/0x81 also in RW-CGMP and ST-CGMS. No SIG text was available.
 * - Check order tail → counter → CRC: ST-IDS IDS_SRCP_CheckRequestValid checks the counter
 *   (pRequestData[len - 3]) before the CRC. Kept in that order, although a corrupted
 *   counter byte then reads as 0x82 rather than 0x81.
 * - Counter: first PDU after reset carries 1, previous + 1, 255 → 1, 0 never valid
 *   (ST-IDS: Transmit_E2E_Counter 255 → 1, receive check treats a last value of 255 as 0;
 *   IDD Features counter 0 = unused). Reset on each connection: project rule.
 */
#include "codec.h"
#include "e2e.h"

uint16_t crc16_mcrf4xx_update(uint16_t crc, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0x8408u) : (uint16_t)(crc >> 1);
	}
	return crc;
}

uint16_t crc16_mcrf4xx(const uint8_t *buf, size_t len)
{
	return crc16_mcrf4xx_update(0xFFFF, buf, len);
}

const char *e2e_result_name(e2e_result r)
{
	switch (r) {
	case E2E_OK:
		return "ok";
	case E2E_MISSING_CRC:
		return "missing_crc";
	case E2E_INVALID_COUNTER:
		return "invalid_counter";
	case E2E_INVALID_CRC:
		return "invalid_crc";
	}
	return "?";
}

uint8_t e2e_result_att_error(e2e_result r)
{
	switch (r) {
	case E2E_OK:
		return 0;
	case E2E_MISSING_CRC:
		return ATT_ERR_E2E_MISSING_CRC;
	case E2E_INVALID_COUNTER:
		return ATT_ERR_E2E_INVALID_COUNTER;
	case E2E_INVALID_CRC:
		return ATT_ERR_E2E_INVALID_CRC;
	}
	return 0;
}

void e2e_counter_reset(e2e_counter *c)
{
	c->last = 0;
}

uint8_t e2e_counter_next_value(uint8_t c)
{
	return c == 255 ? 1 : (uint8_t)(c + 1);
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

e2e_result ids_e2e_check(e2e_counter *rx, const uint8_t *buf, size_t len, size_t min_payload,
                         size_t *payload_len)
{
	if (buf == NULL || len < 3 || len - 3 < min_payload)
		return E2E_MISSING_CRC;
	uint8_t counter = buf[len - 3];
	if (counter != e2e_counter_next_value(rx->last))
		return E2E_INVALID_COUNTER;
	if (crc16_mcrf4xx(buf, len - 2) != get_le16(buf + len - 2))
		return E2E_INVALID_CRC;
	rx->last = counter;
	*payload_len = len - 3;
	return E2E_OK;
}

ble_result ids_e2e_seal(e2e_counter *tx, uint8_t *buf, size_t len, size_t cap, size_t *out_len)
{
	if (len > cap || cap - len < 3)
		return BLE_ERR_NO_SPACE;
	uint8_t counter = e2e_counter_next_value(tx->last);
	buf[len] = counter;
	uint16_t crc = crc16_mcrf4xx(buf, len + 1);
	buf[len + 1] = (uint8_t)(crc & 0xFF);
	buf[len + 2] = (uint8_t)(crc >> 8);
	tx->last = counter;
	*out_len = len + 3;
	return BLE_OK;
}

e2e_result cgms_e2e_check(const uint8_t *buf, size_t len, size_t min_payload, size_t *payload_len)
{
	if (buf == NULL || len < 2 || len - 2 < min_payload)
		return E2E_MISSING_CRC;
	if (crc16_mcrf4xx(buf, len - 2) != get_le16(buf + len - 2))
		return E2E_INVALID_CRC;
	*payload_len = len - 2;
	return E2E_OK;
}

ble_result cgms_e2e_seal(uint8_t *buf, size_t len, size_t cap, size_t *out_len)
{
	if (len > cap || cap - len < 2)
		return BLE_ERR_NO_SPACE;
	uint16_t crc = crc16_mcrf4xx(buf, len);
	buf[len] = (uint8_t)(crc & 0xFF);
	buf[len + 1] = (uint8_t)(crc >> 8);
	*out_len = len + 2;
	return BLE_OK;
}

void ids_e2e_link_reset(ids_e2e_link *l)
{
	for (int i = 0; i < IDS_E2E_CHANNEL_COUNT; i++) {
		e2e_counter_reset(&l->rx[i]);
		e2e_counter_reset(&l->tx[i]);
	}
}

bool ids_e2e_channel_counted(ids_e2e_channel ch)
{
	return ch != IDS_E2E_HISTORY;
}

e2e_result ids_value_e2e_check(ids_e2e_link *l, ids_e2e_channel ch, const uint8_t *buf, size_t len,
                               size_t min_payload, size_t *payload_len)
{
	if (!ids_e2e_channel_counted(ch))
		return cgms_e2e_check(buf, len, min_payload, payload_len);
	return ids_e2e_check(&l->rx[ch], buf, len, min_payload, payload_len);
}

ble_result ids_value_e2e_seal(ids_e2e_link *l, ids_e2e_channel ch, uint8_t *buf, size_t len,
                              size_t cap, size_t *out_len)
{
	if (!ids_e2e_channel_counted(ch))
		return cgms_e2e_seal(buf, len, cap, out_len);
	return ids_e2e_seal(&l->tx[ch], buf, len, cap, out_len);
}
