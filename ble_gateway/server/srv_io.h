/*
 * ble_gateway/server/srv_io.h — the server's way in and out of a link: the E2E stage every
 * protected write passes, and the one way a value leaves (notification or indication).
 *
 * Must never: send a value on a characteristic the link has not enabled (its CCCD is the
 * collector's consent), send an IDS value without its tail when E2E is on, or advance a
 * receive counter for a refused write (e2e.h). Private to ble_gateway/server/.
 *
 * Follows IDS 1.0.1 / CGMS 1.0.1 "E2E-Protection" with FakePump's counter rules
 * (docs/ble.md "E2E protection").
 */
#ifndef FAKEPUMP_SRV_IO_H
#define FAKEPUMP_SRV_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

typedef struct srv_link srv_link;

/* The E2E stage of a write: 0 with *payload = the bytes before the tail, or the ATT error
 * (0x80 missing, 0x82 counter, 0x81 CRC; audited). Legacy-vulnerable strips the tail by
 * length and checks nothing. */
uint8_t srv_e2e_in(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, const uint8_t *b,
                   size_t len, size_t min_payload, size_t *payload);
/* The E2E stage of a control point's write, then a payload that is not empty (else 0x0D,
 * audited): 0 with *payload set, or the ATT error. */
uint8_t srv_cp_payload(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                       const uint8_t *b, size_t len, size_t min_payload, size_t *payload);
/* Seal an IDS value in buf (len payload bytes, cap room) with this link's counter for
 * `id`; other values are left as they are. */
ble_result srv_seal_ids(const ble_server *srv, srv_link *ls, gatt_char_id id, uint8_t *buf,
                        size_t len, size_t cap, size_t *out_len);
/* Notify or indicate `v` to one link (if subscribed): the transport, then the listeners;
 * costs the pump a radio event. */
void srv_send_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, bool indication,
                    const uint8_t *v, size_t len);
/* srv_seal_ids, then srv_send_value (nothing is sent if the seal does not fit). */
void srv_send_ids(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id, bool indication,
                  uint8_t *buf, size_t len, size_t cap);

#endif
