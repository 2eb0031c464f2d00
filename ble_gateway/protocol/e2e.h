/*
 * ble_gateway/protocol/e2e.h — E2E-Protection of the IDS and CGMS: the CRC-16/MCRF4XX, the
 * IDS E2E-Counter, checking and sealing the tail of a PDU, and a link's counters per IDS
 * characteristic.
 *
 * Must never: accept a PDU whose tail is missing, whose counter is not the next one or whose
 * CRC is wrong; advance a counter for a refused PDU (a replay must not resynchronise the
 * receiver); write past `cap`.
 *
 * Follows IDS 1.0.1 and CGMS 1.0.1, "E2E-Protection" (a CRC over the value, and for IDS a
 * counter); the CRC is CRC-16/MCRF4XX of the CRC RevEng catalogue. The counter rules the
 * specifications leave open (first value, wrap, reset, check order) are FakePump's and are
 * written out in docs/ble.md "E2E protection".
 */
#ifndef FAKEPUMP_BLE_E2E_H
#define FAKEPUMP_BLE_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "att.h"
#include "ble_result.h"

/* CRC-16/MCRF4XX: poly 0x1021 reflected (0x8408), init 0xFFFF, no final XOR, sent LE.
 * crc16_mcrf4xx("123456789") = 0x6F91. */
uint16_t crc16_mcrf4xx(const uint8_t *buf, size_t len);
uint16_t crc16_mcrf4xx_update(uint16_t crc, const uint8_t *buf, size_t len);

typedef enum e2e_result {
	E2E_OK = 0,
	E2E_MISSING_CRC,     /* shorter than the smallest PDU plus the tail */
	E2E_INVALID_COUNTER, /* not the next expected counter value */
	E2E_INVALID_CRC,
} e2e_result;

const char *e2e_result_name(e2e_result r);
/* ATT_ERR_E2E_MISSING_CRC/_INVALID_COUNTER/_INVALID_CRC (att.h), or 0 for E2E_OK. */
uint8_t e2e_result_att_error(e2e_result r);

/*
 * One direction of one characteristic: the last counter value sent or accepted. 0 means
 * "nothing yet" (the first PDU carries 1) and 255 is followed by 1; 0 itself is never a
 * valid counter ("E2E unused"). Reset on every new connection (docs/ble.md "E2E protection").
 */
typedef struct e2e_counter {
	uint8_t last;
} e2e_counter;

void e2e_counter_reset(e2e_counter *c);
/* The value that follows `c` (1 … 255). */
uint8_t e2e_counter_next_value(uint8_t c);

/*
 * Check the IDS tail (E2E-Counter uint8, E2E-CRC uint16 LE over every byte before the CRC)
 * of a received PDU, in this order: tail present (len >= min_payload + 3, else
 * MISSING_CRC), counter (else INVALID_COUNTER), CRC (else INVALID_CRC). Only on E2E_OK is
 * the counter advanced and *payload_len (bytes before the counter) set.
 */
e2e_result ids_e2e_check(e2e_counter *rx, const uint8_t *buf, size_t len, size_t min_payload,
                         size_t *payload_len);
/* Append counter + CRC to the `len` payload bytes in buf; advances `tx`. BLE_ERR_NO_SPACE
 * (and nothing changed) when cap < len + 3. */
ble_result ids_e2e_seal(e2e_counter *tx, uint8_t *buf, size_t len, size_t cap, size_t *out_len);

/* CGMS: E2E-CRC only (no counter), over every byte before it. */
e2e_result cgms_e2e_check(const uint8_t *buf, size_t len, size_t min_payload, size_t *payload_len);
ble_result cgms_e2e_seal(uint8_t *buf, size_t len, size_t cap, size_t *out_len);

/* The per-link E2E state of the IDS: one counter per direction and characteristic. */
typedef enum ids_e2e_channel {
	IDS_E2E_STATUS_CHANGED = 0,
	IDS_E2E_STATUS,
	IDS_E2E_ANNUNCIATION,
	IDS_E2E_STATUS_READER_CP,
	IDS_E2E_COMMAND_CP,
	IDS_E2E_COMMAND_DATA,
	IDS_E2E_RACP,
	IDS_E2E_HISTORY,
	IDS_E2E_CHANNEL_COUNT,
} ids_e2e_channel;

typedef struct ids_e2e_link {
	e2e_counter rx[IDS_E2E_CHANNEL_COUNT]; /* writes from the collector (CPs only) */
	e2e_counter tx[IDS_E2E_CHANNEL_COUNT]; /* our indications/notifications */
} ids_e2e_link;

void ids_e2e_link_reset(ids_e2e_link *l);

/*
 * The tail of an IDS value on channel `ch`. IDD History Data carries the E2E-CRC only, no
 * counter: its Sequence Number already orders and deduplicates the stream, and its 8 octets
 * of header + the largest event data (Reference Time, 10) + the CRC make 20 — one
 * notification at the default ATT_MTU of 23 (BLE_VALUE_MAX_DEFAULT_MTU); with a counter it
 * would be 21 and cut. Every other IDS value and control point: counter + CRC. The check
 * advances l->rx[ch] only on E2E_OK (history: nothing to advance); the seal advances
 * l->tx[ch].
 */
bool ids_e2e_channel_counted(ids_e2e_channel ch);
e2e_result ids_value_e2e_check(ids_e2e_link *l, ids_e2e_channel ch, const uint8_t *buf, size_t len,
                               size_t min_payload, size_t *payload_len);
ble_result ids_value_e2e_seal(ids_e2e_link *l, ids_e2e_channel ch, uint8_t *buf, size_t len,
                              size_t cap, size_t *out_len);

#endif
