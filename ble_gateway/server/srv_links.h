/*
 * ble_gateway/server/srv_links.h — the server's links: the table of connections keyed by
 * identity, how far each is trusted, the per-link and server-wide rate budgets, and the
 * availability rules (docs/ble.md "Availability"): strangers have a pool of slots and
 * budgets of their own and are dropped beyond them; a bonded phone takes the oldest
 * stranger's slot; a link that changes level is a new connection.
 *
 * Must never: trust a link for what it "was" (a new level is a new connection with fresh
 * state), let strangers lock a bonded phone out, or keep serving a link it dropped.
 * Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_LINKS_H
#define FAKEPUMP_SRV_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include "ble_server.h"
#include "e2e.h"
#include "srv_audit.h"
#include "srv_racp_proc.h"

/* Requests of one minute against a budget. */
typedef struct srv_rate_window {
	int64_t window_min;
	uint32_t count;
} srv_rate_window;

/* One connection's state: everything here starts fresh with the connection. */
typedef struct srv_link {
	bool used;
	ble_link link;
	uint64_t opened;             /* connection sequence number: the oldest is the smallest */
	uint32_t untrusted_requests; /* requests while not trusted, this connection */
	ids_e2e_link ids;
	uint32_t subscribed; /* bit per gatt_char_id */
	uint16_t sc_flags;   /* IDD Status Changed flags not yet reset by this collector */
	srv_rate_window writes, reads, cccd;
	srv_flood write_flood, read_flood, storm;
	srv_racp_proc racp;
	bool cgm_notified;
	int64_t last_cgm_notify_min;
} srv_link;

/* Take one request of `w`'s minute; false when `limit` (> 0) is spent. 0 = unlimited. */
bool srv_budget_take(srv_rate_window *w, int limit, int64_t now);
/* The caller's link with its identity terminated (it comes from a transport). */
static inline ble_link srv_safe_link(const ble_link *link)
{
	ble_link l = *link;
	l.identity[BLE_LINK_IDENTITY_MAX - 1] = '\0';
	return l;
}
srv_link *srv_link_find(ble_server *srv, const char *identity);
/* The link's state for a request: connects implicitly; a different level or bond state
 * under the same identity is a new connection. NULL when refused (audited). */
srv_link *srv_link_get(ble_server *srv, const ble_link *link, int64_t now);
/* Counts the request of an untrusted link against its budgets; false (and the link is
 * dropped, *why set) when it is over them. */
bool srv_link_charge(ble_server *srv, srv_link *ls, int64_t now, const char **why);
/* Forget a link and ask the transport to disconnect it or revoke its bond (audited). */
void srv_link_drop(ble_server *srv, srv_link *ls, int64_t now, ble_link_action action,
                   const char *why);
/* Report the floods of a link (srv_flood_flush of each). */
void srv_link_flush(ble_server *srv, srv_link *ls, int64_t now, bool force);
/* A request whose implicit connection was refused: counted; ATT 0x11. */
uint8_t srv_not_connected(ble_server *srv);

#endif
