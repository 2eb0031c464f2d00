/*
 * srv_controller.c — one controller (srv_controller.h) and the bond API of ble_server.h.
 */
#include <stdio.h>
#include <string.h>

#include "srv_internal.h"

static bool is_revoked(const ble_server *srv, const char *identity)
{
	for (size_t i = 0; i < SRV_REVOKED_MAX; i++)
		if (srv->ctl.revoked[i][0] && strcmp(srv->ctl.revoked[i], identity) == 0)
			return true;
	return false;
}

static void set_revoked(ble_server *srv, const char *identity, bool on)
{
	for (size_t i = 0; i < SRV_REVOKED_MAX; i++)
		if (srv->ctl.revoked[i][0] && strcmp(srv->ctl.revoked[i], identity) == 0)
			srv->ctl.revoked[i][0] = '\0';
	if (on)
		snprintf(srv->ctl.revoked[srv->ctl.revoked_next++ % SRV_REVOKED_MAX],
		         BLE_LINK_IDENTITY_MAX, "%s", identity);
}

/*
 * A request that passed the level check on a characteristic above GATT_SEC_NONE: 0, or the
 * ATT error of the one-controller rule (the reason in *why). Legacy-vulnerable has no such
 * rule (profile item 5).
 */
uint8_t srv_controller_check(ble_server *srv, const ble_link *link,
                             const gatt_characteristic_def *def, const char **why)
{
	if (srv_legacy(srv) || def->security == GATT_SEC_NONE)
		return ATT_OK;
	if (is_revoked(srv, link->identity)) {
		*why = "bond revoked or removed at the pump: pair again from its window";
		return ATT_ERR_INSUFFICIENT_AUTHENTICATION;
	}
	if (!srv->ctl.controller[0] && !srv->ctl.pending[0])
		snprintf(srv->ctl.controller, sizeof srv->ctl.controller, "%s", link->identity);
	if (strcmp(srv->ctl.controller, link->identity) == 0)
		return ATT_OK;
	*why = strcmp(srv->ctl.pending, link->identity) == 0
	           ? "a new phone: waiting for the person to confirm it at the pump"
	           : "not the pump's phone (one controller): pair it from the pump's window";
	return ATT_ERR_INSUFFICIENT_AUTHORIZATION;
}

uint16_t ble_server_bond_created(ble_server *srv, const char *identity, int64_t now_min)
{
	if (!identity || !identity[0])
		return 0;
	set_revoked(srv, identity, false);
	const uint16_t id = pump_announce_new_bond(srv->p, now_min, ++srv->ctl.bonds_created);
	if (!srv->ctl.controller[0] || strcmp(srv->ctl.controller, identity) == 0) {
		snprintf(srv->ctl.controller, sizeof srv->ctl.controller, "%s", identity);
		srv->ctl.pending[0] = '\0';
	} else {
		snprintf(srv->ctl.pending, sizeof srv->ctl.pending, "%s", identity);
		srv->ctl.pending_announcement = id;
	}
	return id;
}

void ble_server_bond_removed(ble_server *srv, const char *identity, int64_t now_min)
{
	(void)now_min;
	if (!identity || !identity[0])
		return;
	set_revoked(srv, identity, true);
	if (strcmp(srv->ctl.controller, identity) == 0)
		srv->ctl.controller[0] = '\0';
	if (strcmp(srv->ctl.pending, identity) == 0)
		srv->ctl.pending[0] = '\0';
}

const char *ble_server_controller(const ble_server *srv)
{
	return srv->ctl.controller;
}

const char *ble_server_pending_controller(const ble_server *srv)
{
	return srv->ctl.pending;
}

/* The person confirmed the pending phone's announcement at the pump: it is the controller
 * now, and the old one's bond is revoked. */
void srv_controller_confirmed(ble_server *srv, int64_t now)
{
	char old[BLE_LINK_IDENTITY_MAX];
	snprintf(old, sizeof old, "%s", srv->ctl.controller);
	snprintf(srv->ctl.controller, sizeof srv->ctl.controller, "%s", srv->ctl.pending);
	srv->ctl.pending[0] = '\0';
	if (!old[0])
		return;
	set_revoked(srv, old, true);
	const char *why = "a new phone was confirmed at the pump (one controller)";
	srv_link *ls = srv_link_find(srv, old);
	if (ls)
		srv_link_drop(srv, ls, now, BLE_LINK_REVOKE, why);
	else if (srv->link_fn)
		srv->link_fn(old, BLE_LINK_REVOKE, why, srv->link_user_data);
}
