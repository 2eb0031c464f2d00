/*
 * bluez_devices — what the adapter knows of each device (Device1) of its adapter:
 * connected, paired, bonded, and the security level its link has proven; and who may stay
 * connected: unpaired centrals share a pool of two connections of two minutes each
 * (link_budget.h, issue 12), and a link the server drops is disconnected (a revoked bond
 * removed). Apart from the GATT objects because every request, signal and pairing step
 * reads or changes a device here.
 *
 * Link security. bluetoothd does not tell an application the security level of a link or
 * a request. It enforces the characteristic's flags itself (secure-* = LE SC + MITM,
 * answering ATT 0x05 before we see anything; docs/ble.md "BlueZ"), so a request that
 * reaches us on a secure-* characteristic proves the level, and a pairing that completes
 * on the link proves it encrypted. Nothing else proves anything: a connection starts
 * unproven, even a bonded phone's (its link is re-encrypted with the bond's key a few
 * milliseconds later, or never, by a central that only claims the bonded address), and
 * keeps the highest level proven until it disconnects. The server checks the level again
 * behind bluetoothd.
 *
 * Subscriptions. BlueZ aggregates CCCDs over all clients and StartNotify carries no device:
 * it proves nothing (bluetoothd also calls it when it restores a bonded device's stored
 * CCCDs on reconnection, before the link is encrypted). A device is subscribed in the
 * server to a notifying characteristic once its proven level meets the characteristic's:
 * at StartNotify if already proven, else at the request that proves it. A bonded phone
 * that comes back is therefore served notifications after its first IDS/CGMS request
 * (IDS clients read IDD Status Changed on reconnection). PropertiesChanged on Value then
 * reaches every client bluetoothd has a CCCD for; with one bonded phone — IDS Multiple
 * Bond = 0 — that is exact.
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"
#include "bluez_paths.h"

/* ---- devices ---- */

bool gw_ours(const bluez_gateway *gw, const char *device_path)
{
	return bluez_path_is_device_of(gw->adapter_path, device_path);
}

gw_device *gw_device_get(bluez_gateway *gw, const char *path)
{
	gw_device *d = g_hash_table_lookup(gw->devices, path);
	if (!d) {
		d = g_new0(gw_device, 1);
		g_strlcpy(d->path, path, sizeof d->path);
		g_hash_table_insert(gw->devices, g_strdup(path), d);
	}
	return d;
}

ble_link gw_link_of(const gw_device *d)
{
	return ble_link_make(d->path, d->level, d->bonded);
}

void gw_device_disconnected(bluez_gateway *gw, gw_device *d)
{
	if (!d->connected)
		return;
	d->connected = false;
	if (d->attempt_open && !d->paired)
		gw_attempt_failed(gw, d, "disconnected before pairing");
	ble_server_disconnect(gw->srv, d->path, gw->now_min);
	gw_emit_device(gw, BLUEZ_EV_DISCONNECTED, d, NULL);
	d->level = GATT_SEC_NONE;
	d->last_passkey = 0;
}

static void links_disconnect(bluez_gateway *gw, const char *path, bool remove_bond,
                             const char *why);

void gw_device_connected(bluez_gateway *gw, gw_device *d)
{
	if (d->connected)
		return;
	d->connected = true;
	d->level = GATT_SEC_NONE; /* unproven, bonded or not (see "Link security") */
	gw_emit_device(gw, BLUEZ_EV_CONNECTED, d, NULL);
	/* refuse_connections (ble_fault.h): a central gets in, and is sent away at once. */
	if (ble_server_fault_active(gw->srv, BLE_FAULT_REFUSE_CONNECTIONS, gw->now_min) ||
	    ble_server_fault_active(gw->srv, BLE_FAULT_STOP_ADVERTISING, gw->now_min))
		links_disconnect(gw, d->path, false, "fault: refuse_connections");
}

/* Raise what a device has proven; subscriptions follow (see the file comment). */
void gw_device_prove(bluez_gateway *gw, gw_device *d, gatt_security level)
{
	if (level <= d->level)
		return;
	d->level = level;
	gw_emit_device(gw, BLUEZ_EV_SECURITY_CHANGED, d, ble_link_security_name(level));
	ble_link link = gw_link_of(d);
	for (size_t i = 0; i < gw->char_count; i++) {
		gw_char *c = &gw->chars[i];
		if (c->notifying && gatt_security_met(c->def->security, level))
			ble_server_subscribe(gw->srv, &link, gw->now_min, c->def->id, true);
	}
}

/* Apply Device1 properties (a{sv}) from GetManagedObjects, InterfacesAdded or
 * PropertiesChanged. */
void gw_device_update(bluez_gateway *gw, const char *path, GVariant *props)
{
	if (!gw_ours(gw, path))
		return;
	gw_device *d = gw_device_get(gw, path);
	const char *addr;
	gboolean b;
	if (g_variant_lookup(props, "Address", "&s", &addr))
		g_strlcpy(d->address, addr, sizeof d->address);
	if (g_variant_lookup(props, "Paired", "b", &b)) {
		d->paired = b;
		if (b)
			gw_attempt_succeeded(gw, d);
		if (b && d->connected)
			/* A pairing completed on this link: it is encrypted with the new key. */
			gw_device_prove(gw, d, GATT_SEC_ENCRYPTED);
	}
	if (g_variant_lookup(props, "Bonded", "b", &b) && (bool)b != d->bonded) {
		d->bonded = b;
		gw_emit_device(gw, b ? BLUEZ_EV_BOND_CREATED : BLUEZ_EV_BOND_REMOVED, d, NULL);
		if (b && !gw->opt.quiet)
			fprintf(stderr, "fakepump: bluetooth: new bond with %s\n", d->address);
	}
	if (g_variant_lookup(props, "Connected", "b", &b)) {
		if (b)
			gw_device_connected(gw, d);
		else
			gw_device_disconnected(gw, d);
	}
}

/* A request from a device we have not heard of yet: ask bluetoothd. Rare (the
 * ObjectManager signals normally come first), and safe: bluetoothd answers Properties
 * calls while it waits for our reply. */
gw_device *gw_device_for_request(bluez_gateway *gw, const char *path)
{
	gw_device *d = g_hash_table_lookup(gw->devices, path);
	if (d)
		return d;
	d = gw_device_get(gw, path);
	GVariant *r = g_dbus_connection_call_sync(
	    gw->conn, BLUEZ, path, IFACE_PROPS, "GetAll", g_variant_new("(s)", IFACE_DEVICE),
	    G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
	if (r) {
		GVariant *props = g_variant_get_child_value(r, 0);
		gw_device_update(gw, path, props);
		g_variant_unref(props);
		g_variant_unref(r);
	}
	return d;
}

/* ---- who may stay connected, and the server's drops (issue 12; link_budget.h) ---- */

static double monotonic_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

/* Ask bluetoothd to drop a central (asynchronous: we may be inside its method call). */
static void links_disconnect(bluez_gateway *gw, const char *path, bool remove_bond, const char *why)
{
	if (!gw->conn || !gw->adapter_path[0])
		return;
	if (remove_bond)
		g_dbus_connection_call(gw->conn, BLUEZ, gw->adapter_path, IFACE_ADAPTER,
		                       "RemoveDevice", g_variant_new("(o)", path), NULL,
		                       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, NULL, NULL);
	else
		g_dbus_connection_call(gw->conn, BLUEZ, path, IFACE_DEVICE, "Disconnect", NULL,
		                       NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, NULL,
		                       NULL);
	gw_device *d = g_hash_table_lookup(gw->devices, path);
	char line[256];
	snprintf(line, sizeof line, "%s %s: %s", remove_bond ? "bond removed with" : "disconnected",
	         d && d->address[0] ? d->address : path, why);
	bluez_event ev = {.kind = BLUEZ_EV_NOTICE,
	                  .adapter = gw->adapter_name,
	                  .device = path,
	                  .address = d ? d->address : NULL,
	                  .detail = line};
	gw_emit(gw, &ev);
}

/* The GATT server wants a link gone (over its budget, evicted, a revoked bond). */
void gw_links_server_action(const char *identity, ble_link_action action, const char *why,
                            void *user_data)
{
	bluez_gateway *gw = user_data;
	if (!gw_ours(gw, identity))
		return; /* an in-process virtual phone's */
	links_disconnect(gw, identity, action == BLE_LINK_REVOKE, why);
}

/* A Device1 changed: strangers beyond the pool go at once. */
void gw_links_follow(bluez_gateway *gw, const char *path)
{
	const gw_device *d = g_hash_table_lookup(gw->devices, path);
	if (d && !link_budget_update(&gw->budget, path, d->connected, d->bonded || d->paired,
	                             monotonic_s()))
		links_disconnect(gw, path, false,
		                 "the connections for unpaired centrals are taken");
}

/* Strangers whose time is up (called from bluez_gateway_poll). */
void gw_links_expire(bluez_gateway *gw)
{
	char expired[LINK_BUDGET_MAX][LINK_BUDGET_ID_MAX];
	size_t n = link_budget_expired(&gw->budget, monotonic_s(), expired, LINK_BUDGET_MAX);
	for (size_t i = 0; i < n; i++)
		links_disconnect(gw, expired[i], false, "an unpaired central's time is up");
}
