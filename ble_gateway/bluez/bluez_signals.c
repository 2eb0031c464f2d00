/*
 * bluez_signals — what bluetoothd broadcasts and the adapter follows: Device1 changes
 * (connected, paired, bonded; then who may stay connected), Adapter1's Pairable (kept as
 * the pairing window says) and Powered, and objects added (a device, an adapter to
 * register on) and removed (a device; a bonded one is reported removed half a second
 * later, and only if the adapter is still registered then). Apart from registration
 * because these come at any time, registered or not.
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"

static gboolean removed_settled(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->removed_timer = 0;
	for (guint i = 0; i < gw->removed->len; i++)
		if (gw->registered)
			gw_emit_device(gw, BLUEZ_EV_BOND_REMOVED, g_ptr_array_index(gw->removed, i),
			               "device removed");
	g_ptr_array_set_size(gw->removed, 0);
	return G_SOURCE_REMOVE;
}

void gw_on_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                  const char *signal, GVariant *params, gpointer user_data)
{
	(void)c;
	(void)sender;
	(void)iface;
	bluez_gateway *gw = user_data;
	if (strcmp(signal, "PropertiesChanged") == 0) {
		const char *which;
		GVariant *changed;
		g_variant_get(params, "(&s@a{sv}@as)", &which, &changed, NULL);
		if (strcmp(which, IFACE_DEVICE) == 0) {
			gw_device_update(gw, path, changed);
			gw_links_follow(gw, path);
		} else if (strcmp(which, IFACE_ADAPTER) == 0) {
			gboolean powered, pairable;
			if (g_variant_lookup(changed, "Pairable", "b", &pairable) &&
			    strcmp(path, gw->adapter_path) == 0 &&
			    (bool)pairable != gw->window_open)
				gw_set_pairable(gw); /* not what the window says: bluetoothd or
				                     someone else changed it */
			if (g_variant_lookup(changed, "Powered", "b", &powered)) {
				if (!powered && strcmp(path, gw->adapter_path) == 0) {
					gw_lost(gw, "adapter powered off");
					char line[128];
					snprintf(line, sizeof line,
					         "adapter %s powered off; the simulation goes on",
					         gw->adapter_name);
					gw_notice(gw, line);
				} else if (powered) {
					gw_try_register(gw);
				}
			}
		}
		g_variant_unref(changed);
	} else if (strcmp(signal, "InterfacesAdded") == 0) {
		const char *obj;
		GVariant *ifaces;
		g_variant_get(params, "(&o@a{sa{sv}})", &obj, &ifaces);
		GVariant *dev = g_variant_lookup_value(ifaces, IFACE_DEVICE, NULL);
		if (dev) {
			gw_device_update(gw, obj, dev);
			gw_links_follow(gw, obj);
			g_variant_unref(dev);
		}
		GVariant *ad = g_variant_lookup_value(ifaces, IFACE_ADAPTER, NULL);
		if (ad) {
			gw_try_register(gw);
			g_variant_unref(ad);
		}
		g_variant_unref(ifaces);
	} else if (strcmp(signal, "InterfacesRemoved") == 0) {
		const char *obj;
		g_variant_get(params, "(&o@as)", &obj, NULL);
		link_budget_update(&gw->budget, obj, false, false, 0);
		gw_device *d = g_hash_table_lookup(gw->devices, obj);
		if (d) {
			gw_device_disconnected(gw, d);
			if (d->bonded) {
				/* bluetoothd also drops its device objects when it stops or the
				 * adapter goes: only a removal with the adapter still there a
				 * moment later is a bond removed. */
				gpointer key = NULL;
				g_hash_table_steal_extended(gw->devices, obj, &key, NULL);
				g_free(key);
				g_ptr_array_add(gw->removed, d);
				if (!gw->removed_timer)
					gw->removed_timer = g_timeout_add(500, removed_settled, gw);
			} else {
				g_hash_table_remove(gw->devices, obj);
			}
		}
		if (strcmp(obj, gw->adapter_path) == 0) {
			gw_lost(gw, "adapter removed");
			gw_notice(gw, "the adapter went away; the simulation goes on");
		}
	}
}
