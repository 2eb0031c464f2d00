/*
 * ble_gateway/server/srv_racp.h — the two Record Access Control Points of the server, one
 * procedure: the IDD RACP over the IDS history (by sequence number) and the CGMS RACP over
 * the CGM records (by time offset). Report Stored Records streams the selection on the data
 * characteristic in bursts (racp_records_per_burst a tick), then indicates the response;
 * Report Number answers at once; Abort stops a report; Delete is refused.
 *
 * Must never: delete a record from a phone (history and readings are evidence); run two
 * procedures at once on a link (0xFE, row R7 of docs/ble-threats.md); stream on a data
 * characteristic the collector has switched off (the procedure ends unfinished).
 * Private to ble_gateway/server/.
 *
 * Follows IDS 1.0.1 "IDD Record Access Control Point" (Hamming-coded op codes, provisional
 * failure codes: ids_codes.h) and the generic Record Access Control Point of the GATT
 * Specification Supplement as CGMS 1.0.1 uses it.
 */
#ifndef FAKEPUMP_SRV_RACP_H
#define FAKEPUMP_SRV_RACP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "srv_racp_proc.h"

typedef struct srv_link srv_link;

/* Writes that passed the ATT checks: 0, or the ATT error of the E2E stage (IDD RACP), of
 * an empty write, or 0xFE while a report runs (anything but Abort). */
uint8_t srv_ids_racp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                           size_t len);
uint8_t srv_cgm_racp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                           size_t len);
/* The next burst of the link's running report; when it is done, its response. */
void srv_racp_continue(ble_server *srv, srv_link *ls, int64_t now);

#endif
