/*
 * srv_links.c — the server's links and their budgets (srv_links.h): connections, link
 * classes, the pool of unpaired centrals, drops, and the link API of ble_server.h (the link
 * value itself is ble_link.c).
 */
#include <string.h>

#include "srv_internal.h"

/* How far a link is trusted (docs/ble.md "Availability"). */
typedef enum link_class {
	LINK_STRANGER = 0, /* not bonded */
	LINK_UNPROVEN,     /* bonded, but not (yet) at the level IDS needs on this connection */
	LINK_TRUSTED,      /* bonded, at the level */
} link_class;

bool srv_budget_take(srv_rate_window *w, int limit, int64_t now)
{
	if (limit <= 0)
		return true;
	if (w->window_min != now) {
		w->window_min = now;
		w->count = 0;
	}
	if (w->count >= (uint32_t)limit)
		return false;
	w->count++;
	return true;
}

srv_link *srv_link_find(ble_server *srv, const char *identity)
{
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		if (srv->links[i].used &&
		    strncmp(srv->links[i].link.identity, identity, BLE_LINK_IDENTITY_MAX) == 0)
			return &srv->links[i];
	return NULL;
}

static const srv_link *link_find_const(const ble_server *srv, const char *identity)
{
	return srv_link_find((ble_server *)srv, identity);
}

static void link_reset(srv_link *ls, const ble_link *link)
{
	*ls = (srv_link){0};
	ls->used = true;
	ls->link = *link;
	ls->link.identity[BLE_LINK_IDENTITY_MAX - 1] = '\0';
	ids_e2e_link_reset(&ls->ids);
	ls->writes.window_min = ls->reads.window_min = ls->cccd.window_min = INT64_MIN;
}

static link_class class_of(const ble_server *srv, const ble_link *l)
{
	if (!l->bonded)
		return LINK_STRANGER;
	return gatt_security_met(srv_required_level(srv, GATT_SEC_SECURE), l->security)
	           ? LINK_TRUSTED
	           : LINK_UNPROVEN;
}

/* A refused connection: the first of a minute's run audited, the rest aggregated. */
static srv_link *connection_refused(ble_server *srv, const ble_link *link, int64_t now,
                                    const char *why)
{
	srv_flood *f = &srv->connect_flood;
	if (f->active) {
		f->refused++;
		f->last_min = now;
		srv->stats.connections_refused++;
		srv->stats.refused++;
	} else {
		*f = (srv_flood){true, 1, 1, now, now, GATT_CHAR_COUNT};
		srv_audit_connection(srv, link, now, BLE_DECISION_REFUSED, why);
	}
	return NULL;
}

void srv_link_flush(ble_server *srv, srv_link *ls, int64_t now, bool force)
{
	srv_flood_flush(srv, &ls->link, &ls->write_flood, BLE_AUDIT_FLOOD, now, force);
	srv_flood_flush(srv, &ls->link, &ls->read_flood, BLE_AUDIT_FLOOD, now, force);
	srv_flood_flush(srv, &ls->link, &ls->storm, BLE_AUDIT_STORM, now, force);
}

/* The server forgets a link and asks the transport to act on it (audited). */
void srv_link_drop(ble_server *srv, srv_link *ls, int64_t now, ble_link_action action,
                   const char *why)
{
	srv_link_flush(srv, ls, now, true);
	const ble_link l = ls->link;
	ls->used = false;
	srv->stats.links_dropped++;
	ble_audit_event ev = ble_audit_make(&l, now, BLE_AUDIT_CONNECTION, GATT_CHAR_COUNT);
	ev.decision = BLE_DECISION_REFUSED;
	ev.reason = action == BLE_LINK_REVOKE ? "bond revoked" : "dropped";
	ev.detail = why;
	srv_audit_emit(srv, &ev, NULL, 0);
	if (srv->link_fn)
		srv->link_fn(l.identity, action, why, srv->link_user_data);
}

static size_t strangers(const ble_server *srv)
{
	size_t n = 0;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++)
		n += srv->links[i].used && class_of(srv, &srv->links[i].link) == LINK_STRANGER;
	return n;
}

/*
 * A connection comes up (docs/ble.md "Availability"): strangers have a budget and a pool of
 * their own; a bonded phone spends neither, and takes the oldest stranger's slot when none
 * is free. NULL when refused (audited, aggregated).
 */
static srv_link *link_open(ble_server *srv, const ble_link *link, int64_t now)
{
	srv->stats.connections++;
	pump_radio_event(srv->p, now); /* the connection set-up, refused or not */
	const bool stranger = class_of(srv, link) == LINK_STRANGER;
	const char *faulty = NULL;
	if (srv_fault_refuses_connection(srv, now, &faulty)) {
		srv->stats.faults_applied++;
		return connection_refused(srv, link, now, faulty);
	}
	if (stranger) {
		if (!srv_budget_take(&srv->stranger_connects,
		                     srv->cfg.max_stranger_connects_per_min, now))
			return connection_refused(srv, link, now,
			                          "connection budget of unpaired centrals spent");
		if (srv->cfg.max_stranger_links > 0 &&
		    strangers(srv) >= (size_t)srv->cfg.max_stranger_links)
			return connection_refused(srv, link, now,
			                          "the link slots for unpaired centrals are taken");
	} else if (!srv_budget_take(&srv->connects, srv->cfg.max_connects_per_min, now)) {
		return connection_refused(srv, link, now,
		                          "connection budget spent (connect/disconnect loop?)");
	}
	srv_link *slot = NULL;
	for (size_t i = 0; i < BLE_SERVER_MAX_LINKS && !slot; i++)
		if (!srv->links[i].used)
			slot = &srv->links[i];
	if (!slot && !stranger) {
		/* Strangers never lock a bonded phone out: the oldest one makes room. */
		for (size_t i = 0; i < BLE_SERVER_MAX_LINKS; i++) {
			srv_link *ls = &srv->links[i];
			if (ls->used && class_of(srv, &ls->link) == LINK_STRANGER &&
			    (!slot || ls->opened < slot->opened))
				slot = ls;
		}
		if (slot)
			srv_link_drop(srv, slot, now, BLE_LINK_DISCONNECT,
			              "an unpaired central's slot, for a bonded phone");
	}
	if (!slot)
		return connection_refused(srv, link, now, "no free link slot");
	link_reset(slot, link);
	slot->opened = ++srv->opened_total;
	srv_audit_connection(srv, link, now, BLE_DECISION_ACCEPTED, "connected");
	return slot;
}

/*
 * Every request of an untrusted link counts against its budgets (docs/ble.md
 * "Availability"); false when this one is over them: the link is dropped and the request
 * refused (ATT 0x11), so an unpaired central costs the pump a bounded handful of exchanges
 * a minute, whatever its rate.
 */
bool srv_link_charge(ble_server *srv, srv_link *ls, int64_t now, const char **why)
{
	const link_class c = class_of(srv, &ls->link);
	if (c == LINK_TRUSTED)
		return true;
	*why = NULL;
	if (srv->cfg.max_untrusted_requests_per_link > 0 &&
	    ++ls->untrusted_requests > (uint32_t)srv->cfg.max_untrusted_requests_per_link)
		*why = c == LINK_STRANGER ? "request budget of an unpaired central spent"
		                          : "request budget of a bonded link that never proved its "
		                            "level spent";
	else if (c == LINK_STRANGER &&
	         !srv_budget_take(&srv->stranger_requests, srv->cfg.max_stranger_requests_per_min,
	                          now))
		*why = "request budget of all unpaired centrals this minute spent";
	if (!*why)
		return true;
	srv_link_drop(srv, ls, now, BLE_LINK_DISCONNECT, *why);
	return false;
}

void ble_server_on_link_action(ble_server *srv, ble_link_action_fn fn, void *user_data)
{
	srv->link_fn = fn;
	srv->link_user_data = user_data;
}

/* The link's state for a request: connects implicitly; a different security level or bond
 * state under the same identity is a new connection. NULL when refused (audited). */
srv_link *srv_link_get(ble_server *srv, const ble_link *link, int64_t now)
{
	srv_link *ls = srv_link_find(srv, link->identity);
	if (ls && (ls->link.security != link->security || ls->link.bonded != link->bonded)) {
		srv_link_flush(srv, ls, now, true);
		link_reset(ls, link);
		ls->opened = ++srv->opened_total;
		srv_audit_connection(srv, link, now, BLE_DECISION_ACCEPTED,
		                     "security level changed: treated as a new connection");
		return ls;
	}
	return ls ? ls : link_open(srv, link, now);
}

/* A request from a central whose (implicit) connection was refused: the refusal is in the
 * audit already (aggregated), the request itself only counted. */
uint8_t srv_not_connected(ble_server *srv)
{
	srv->stats.refused++;
	return ATT_ERR_INSUFFICIENT_RESOURCES;
}

bool ble_server_connect(ble_server *srv, const ble_link *link_in, int64_t now_min)
{
	const ble_link l = srv_safe_link(link_in), *link = &l;
	srv_link *ls = srv_link_find(srv, link->identity);
	if (ls) {
		srv_link_flush(srv, ls, now_min, true);
		ls->used = false;
	}
	return link_open(srv, link, now_min) != NULL;
}

void ble_server_disconnect(ble_server *srv, const char *identity, int64_t now_min)
{
	srv_link *ls = identity ? srv_link_find(srv, identity) : NULL;
	if (!ls)
		return;
	srv_link_flush(srv, ls, now_min, true);
	srv_audit_connection(srv, &ls->link, now_min, BLE_DECISION_ACCEPTED,
	                     ls->racp.active ? "disconnected (RACP procedure aborted)"
	                                     : "disconnected");
	ls->used = false;
}

bool ble_server_link_connected(const ble_server *srv, const char *identity)
{
	return identity && link_find_const(srv, identity) != NULL;
}

bool ble_server_subscribed(const ble_server *srv, const char *identity, gatt_char_id id)
{
	const srv_link *ls = identity ? link_find_const(srv, identity) : NULL;
	return ls && (unsigned)id < GATT_CHAR_COUNT && (ls->subscribed & srv_bit(id));
}
