/*
 * ble_gateway/server/srv_ids_srcp.h — the IDD Status Reader Control Point procedures of
 * the server (active boluses, basal delivery, totals, counters, insulin on board, reset of
 * the Status Changed flags), and the insulin totals they report, kept minute by minute.
 * One function per op code (srv_ids_srcp.c).
 *
 * Must never: change the pump (it only reads it); answer with a code the Status Reader does
 * not have (0x75, 0x76); report more insulin than was delivered (totals round down).
 * Private to ble_gateway/server/.
 *
 * Follows IDS 1.0.1, "IDD Status Reader Control Point".
 */
#ifndef FAKEPUMP_SRV_IDS_SRCP_H
#define FAKEPUMP_SRV_IDS_SRCP_H

#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

/* What the Status Reader reports as totals (U), summed from pump_tick's deliveries. */
typedef struct srv_totals {
	int64_t day_index; /* the pump's clock day of day_* */
	double day_bolus_u, day_basal_u;
	double life_bolus_u, life_basal_u;
	int64_t reservoir_since_min; /* the last reservoir fill (Get Counter) */
} srv_totals;

typedef struct srv_link srv_link;

void srv_totals_init(srv_totals *t);
/* The minute's delivery (may be NULL) into the day's and the lifetime's totals; a new day
 * of the pump's clock starts the day's at 0. */
void srv_totals_tick(ble_server *srv, int64_t now, const pump_delivery *delivered);
/* A write to the IDD Status Reader CP that passed the ATT checks: the E2E stage, the
 * decoder, the procedure, one response, one audit event. 0, or the ATT error of the E2E
 * stage or of an empty write. */
uint8_t srv_ids_srcp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b,
                           size_t len);

#endif
