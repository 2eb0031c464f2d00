/*
 * ble_gateway/server/srv_values.h — the values of the server's characteristics: what a read
 * returns (IDS values sealed with the link's counter, CGMS values with their CRC), what is
 * indicated or notified when the pump's state changes (IDD Status Changed, Status,
 * Annunciation Status, Battery Level), and the Current Time a collector sets.
 *
 * Must never: indicate a value to a link that has not enabled it; record a clock set that
 * changes nothing. Private to ble_gateway/server/.
 *
 * Follows IDS 1.0.1 (IDD Status Changed flags rise until a collector resets them), CGMS
 * 1.0.1, and the Current Time Service 1.1 (Current Time, Adjust Reason).
 */
#ifndef FAKEPUMP_SRV_VALUES_H
#define FAKEPUMP_SRV_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

/* What the status indications compare against. */
typedef struct srv_snapshot {
	uint8_t tcs, opstate;
	long reservoir_whole_u;
	bool ann_present;
	uint16_t ann_id;
	uint8_t ann_status;
	bool bolus_active;
	uint16_t bolus_id;
	double basal_u_per_h;
	int battery_whole_pct;
	uint64_t history_total;
	double day_total_u;
} srv_snapshot;

typedef struct srv_link srv_link;

srv_snapshot srv_snapshot_take(const ble_server *srv);
/* Indicate what changed since the last snapshot to every link that enabled it. */
void srv_publish_changes(ble_server *srv, int64_t now);
/* The value of `id` as this link reads it into buf[cap] (IDS values sealed: the link's
 * counter advances). BLE_ERR_ARGUMENT for a characteristic without a readable value. */
ble_result srv_encode_value(ble_server *srv, srv_link *ls, int64_t now, gatt_char_id id,
                            uint8_t *buf, size_t cap, size_t *len);
/* A write of Current Time: 0, or 0x0D / 0xFF for a malformed or unknown time (audited). */
uint8_t srv_cts_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len);

#endif
