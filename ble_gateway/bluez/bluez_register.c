/*
 * bluez_register — getting on the air: choose the adapter, learn its devices, register the
 * DisplayOnly default agent, the GATT application and the advertisement (whose properties
 * are here), say when the adapter advertises from its public address, and follow
 * bluetoothd as it comes and goes: what is lost when it goes, registering again when it is
 * back. BlueZ 5.66 doc/gatt-api.txt, advertising-api.txt, agent-api.txt.
 *
 * Must never: call bluetoothd synchronously while it waits for us: RegisterApplication and
 * RegisterAdvertisement are asynchronous (bluetoothd calls GetManagedObjects back during
 * them).
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"
#include "bluez_privacy.h"

/* ---- advertisement ---- */

GVariant *gw_adv_property(bluez_gateway *gw, const char *name)
{
	if (strcmp(name, "Type") == 0)
		return g_variant_new_string("peripheral");
	if (strcmp(name, "ServiceUUIDs") == 0) {
		char ids[37], cgms[37];
		gatt_uuid16_to_string(GATT_UUID_IDS, ids);
		gatt_uuid16_to_string(GATT_UUID_CGMS, cgms);
		const char *v[] = {ids, cgms};
		return g_variant_new_strv(v, 2);
	}
	if (strcmp(name, "LocalName") == 0)
		return g_variant_new_string(gw->local_name);
	if (strcmp(name, "Appearance") == 0)
		return g_variant_new_uint16(GATT_APPEARANCE_INSULIN_PUMP_DURABLE);
	if (strcmp(name, "Discoverable") == 0)
		return g_variant_new_boolean(TRUE);
	return NULL;
}

/* ---- registration with bluetoothd ---- */

/* Still registered from before (the adapter was powered off and on): as good as done. */
static bool already_registered(const GError *e)
{
	g_autofree char *remote = g_dbus_error_get_remote_error(e);
	return remote && strcmp(remote, "org.bluez.Error.AlreadyExists") == 0;
}

static void registered_app(GObject *src, GAsyncResult *res, gpointer user_data)
{
	bluez_gateway *gw = user_data;
	GError *e = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
	if (!r && already_registered(e)) {
		g_error_free(e);
		return;
	}
	if (!r) {
		char line[256];
		snprintf(line, sizeof line, "RegisterApplication on %s failed: %s",
		         gw->adapter_name, e->message);
		gw_notice(gw, line);
		g_error_free(e);
		gw->registering = false;
		return;
	}
	g_variant_unref(r);
}

/* A pump that advertises its public address can be recognised wherever it goes (P3, P4):
 * say so, once per registration, with what to change. Nothing when it cannot be known. */
static void warn_if_trackable(bluez_gateway *gw)
{
	unsigned index;
	if (sscanf(gw->adapter_name, "hci%u", &index) != 1 ||
	    bluez_privacy_read(index, 500, NULL, 0) != BLUEZ_PRIVACY_OFF)
		return;
	char line[256];
	snprintf(line, sizeof line,
	         "adapter %s advertises from its public address: phones can recognise this pump "
	         "anywhere (set Privacy = device in /etc/bluetooth/main.conf, restart bluetooth)",
	         gw->adapter_name);
	gw->last_notice[0] = '\0';
	gw_notice(gw, line);
}

static void registered_adv(GObject *src, GAsyncResult *res, gpointer user_data)
{
	bluez_gateway *gw = user_data;
	GError *e = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
	gw->registering = false;
	if (!r && already_registered(e)) {
		g_clear_error(&e);
		r = g_variant_ref_sink(g_variant_new("()"));
	}
	if (!r) {
		char line[256];
		snprintf(line, sizeof line, "RegisterAdvertisement on %s failed: %s",
		         gw->adapter_name, e->message);
		gw_notice(gw, line);
		g_error_free(e);
		return;
	}
	g_variant_unref(r);
	gw->registered = true;
	gw->last_notice[0] = '\0';
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: advertising as %s on %s (pairing %s)\n",
		        gw->local_name, gw->adapter_name, gw->window_open ? "open" : "closed");
	bluez_event ev = {.kind = BLUEZ_EV_ADVERTISING_STARTED,
	                  .adapter = gw->adapter_name,
	                  .name = gw->local_name};
	gw_emit(gw, &ev);
	warn_if_trackable(gw);
}

void gw_lost(bluez_gateway *gw, const char *why)
{
	if (gw->registered) {
		bluez_event ev = {.kind = BLUEZ_EV_ADVERTISING_STOPPED,
		                  .adapter = gw->adapter_name,
		                  .detail = why};
		gw_emit(gw, &ev);
	}
	gw->registered = gw->registering = false;
	link_budget_init(&gw->budget, NULL); /* nobody is connected any more */
	GHashTableIter it;
	gpointer key, val;
	g_hash_table_iter_init(&it, gw->devices);
	while (g_hash_table_iter_next(&it, &key, &val))
		gw_device_disconnected(gw, val);
	for (size_t i = 0; i < gw->char_count; i++)
		gw->chars[i].notifying = false; /* subscriptions do not survive (BlueZ 5.66) */
}

/* Pick the adapter, learn the devices, register agent, application and advertisement. */
void gw_try_register(bluez_gateway *gw)
{
	if (!gw->bluez_up || gw->registered || gw->registering)
		return;
	GError *e = NULL;
	GVariant *r = g_dbus_connection_call_sync(
	    gw->conn, BLUEZ, "/", IFACE_OM, "GetManagedObjects", NULL,
	    G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &e);
	if (!r) {
		char line[256];
		snprintf(line, sizeof line, "bluetoothd does not answer (%s); going on without it",
		         e->message);
		gw_notice(gw, line);
		g_error_free(e);
		return;
	}
	char chosen[64] = "", wanted[64] = "";
	bool wanted_exists = false, wanted_powered = false, any_adapter = false;
	if (gw->opt.adapter)
		snprintf(wanted, sizeof wanted, "/org/bluez/%s", gw->opt.adapter);
	GVariant *objs = g_variant_get_child_value(r, 0);
	GVariantIter it;
	const char *path;
	GVariant *ifaces;
	/* Adapters first (sorted by GetManagedObjects' order; take the first powered). */
	g_variant_iter_init(&it, objs);
	while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		GVariant *ad = g_variant_lookup_value(ifaces, IFACE_ADAPTER, NULL);
		if (ad) {
			gboolean powered = FALSE;
			g_variant_lookup(ad, "Powered", "b", &powered);
			any_adapter = true;
			if (wanted[0] && strcmp(path, wanted) == 0) {
				wanted_exists = true;
				wanted_powered = powered;
			}
			if (!wanted[0] && powered && (!chosen[0] || strcmp(path, chosen) < 0))
				g_strlcpy(chosen, path, sizeof chosen);
			g_variant_unref(ad);
		}
		g_variant_unref(ifaces);
	}
	if (wanted[0] && wanted_exists && wanted_powered)
		g_strlcpy(chosen, wanted, sizeof chosen);
	char line[256];
	if (!chosen[0]) {
		if (wanted[0] && !wanted_exists)
			snprintf(line, sizeof line,
			         "no adapter %s; the simulation goes on without Bluetooth "
			         "(it registers when the adapter appears)",
			         gw->opt.adapter);
		else if (wanted[0])
			snprintf(
			    line, sizeof line,
			    "adapter %s is powered off (bluetoothctl power on); the simulation "
			    "goes on without Bluetooth until it is on",
			    gw->opt.adapter);
		else
			snprintf(line, sizeof line, "%s; the simulation goes on without Bluetooth",
			         any_adapter ? "no powered adapter (bluetoothctl power on)"
			                     : "no Bluetooth adapter");
		gw_notice(gw, line);
		g_variant_unref(objs);
		g_variant_unref(r);
		return;
	}
	g_strlcpy(gw->adapter_path, chosen, sizeof gw->adapter_path);
	g_strlcpy(gw->adapter_name, chosen + strlen("/org/bluez/"), sizeof gw->adapter_name);
	g_variant_iter_init(&it, objs);
	while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		GVariant *dev = g_variant_lookup_value(ifaces, IFACE_DEVICE, NULL);
		if (dev) {
			if (gw_ours(gw, path)) {
				/* Known bonds are not new: set them quietly. */
				gw_device *d = gw_device_get(gw, path);
				gboolean b = FALSE;
				if (g_variant_lookup(dev, "Bonded", "b", &b))
					d->bonded = b;
				gw_device_update(gw, path, dev);
			}
			g_variant_unref(dev);
		}
		g_variant_unref(ifaces);
	}
	g_variant_unref(objs);
	g_variant_unref(r);

	GVariant *a = g_dbus_connection_call_sync(
	    gw->conn, BLUEZ, "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent",
	    g_variant_new("(os)", AGENT_PATH, "DisplayOnly"), NULL, G_DBUS_CALL_FLAGS_NONE,
	    CALL_TIMEOUT_MS, NULL, &e);
	if (a) {
		g_variant_unref(a);
		a = g_dbus_connection_call_sync(gw->conn, BLUEZ, "/org/bluez",
		                                "org.bluez.AgentManager1", "RequestDefaultAgent",
		                                g_variant_new("(o)", AGENT_PATH), NULL,
		                                G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &e);
	}
	if (!a) {
		snprintf(line, sizeof line, "agent not registered (%s): pairing will not work",
		         e->message);
		gw_notice(gw, line);
		g_clear_error(&e);
	} else {
		g_variant_unref(a);
	}
	gw_set_pairable(gw);
	gw->registering = true;
	g_dbus_connection_call(gw->conn, BLUEZ, gw->adapter_path, "org.bluez.GattManager1",
	                       "RegisterApplication",
	                       g_variant_new("(o@a{sv})", APP_PATH,
	                                     g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	                       NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, registered_app, gw);
	g_dbus_connection_call(gw->conn, BLUEZ, gw->adapter_path, "org.bluez.LEAdvertisingManager1",
	                       "RegisterAdvertisement",
	                       g_variant_new("(o@a{sv})", ADV_PATH,
	                                     g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	                       NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, registered_adv, gw);
}

void gw_on_bluez_appeared(GDBusConnection *c, const char *name, const char *owner,
                          gpointer user_data)
{
	(void)c;
	(void)name;
	(void)owner;
	bluez_gateway *gw = user_data;
	gw->bluez_up = true;
	gw_try_register(gw);
}

void gw_on_bluez_vanished(GDBusConnection *c, const char *name, gpointer user_data)
{
	(void)c;
	(void)name;
	bluez_gateway *gw = user_data;
	const bool was_up = gw->bluez_up;
	gw->bluez_up = false;
	gw_lost(gw, "bluetoothd went away");
	gw_notice(gw, was_up
	                  ? "bluetoothd went away; waiting for it to come back"
	                  : "bluetoothd is not running; the simulation goes on without Bluetooth "
	                    "(it registers when bluetoothd starts)");
}
