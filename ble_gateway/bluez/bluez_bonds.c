/*
 * bluez_bonds — `fakepump bonds`: list the bonded devices of an adapter and remove bonds
 * (Adapter1.RemoveDevice), over a system bus connection of its own. Apart from the gateway
 * because it is another command: no gateway object, nothing exported, a few calls and done.
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"
#include "bluez_paths.h"

/* ---- bonds ---- */

typedef struct bond_row {
	char path[BLE_LINK_IDENTITY_MAX];
	char address[24];
	char name[64];
	bool connected;
} bond_row;

/* The system bus, or NULL with a FAILED error that says bluetoothd cannot be reached. */
static GDBusConnection *system_bus(GError **err)
{
	GError *e = NULL;
	GDBusConnection *conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &e);
	if (!conn) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot reach bluetoothd: no system D-Bus (%s)", e->message);
		g_error_free(e);
	}
	return conn;
}

/* The bonded devices of the adapter; its path into adapter_path[64]. Not the gateway's
 * adapter choice (gw_try_register): a named adapter is taken powered or not, because its
 * bonds are bluetoothd's records and need no radio, where registering needs it on; and one
 * error is enough here, where the gateway tells three cases apart in its notices. */
static GArray *bonds_of(GDBusConnection *conn, const char *adapter, char *adapter_path,
                        GError **err)
{
	GVariant *r = g_dbus_connection_call_sync(
	    conn, BLUEZ, "/", IFACE_OM, "GetManagedObjects", NULL,
	    G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, err);
	if (!r)
		return NULL;
	GVariant *objs = g_variant_get_child_value(r, 0);
	GVariantIter it;
	const char *path;
	GVariant *ifaces;
	adapter_path[0] = '\0';
	g_variant_iter_init(&it, objs);
	while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		GVariant *ad = g_variant_lookup_value(ifaces, IFACE_ADAPTER, NULL);
		if (ad) {
			gboolean powered = FALSE;
			g_variant_lookup(ad, "Powered", "b", &powered);
			const bool match =
			    adapter
			        ? strcmp(path + strlen("/org/bluez/"), adapter) == 0
			        : (powered && (!adapter_path[0] || strcmp(path, adapter_path) < 0));
			if (match)
				g_strlcpy(adapter_path, path, 64);
			g_variant_unref(ad);
		}
		g_variant_unref(ifaces);
	}
	if (!adapter_path[0]) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
		            adapter ? "no such adapter" : "no powered Bluetooth adapter");
		g_variant_unref(objs);
		g_variant_unref(r);
		return NULL;
	}
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(bond_row));
	g_variant_iter_init(&it, objs);
	while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		GVariant *dev = g_variant_lookup_value(ifaces, IFACE_DEVICE, NULL);
		gboolean bonded = FALSE, paired = FALSE, connected = FALSE;
		if (dev && bluez_path_is_device_of(adapter_path, path) &&
		    (g_variant_lookup(dev, "Bonded", "b", &bonded),
		     g_variant_lookup(dev, "Paired", "b", &paired), bonded || paired)) {
			bond_row row = {0};
			const char *s;
			g_strlcpy(row.path, path, sizeof row.path);
			if (g_variant_lookup(dev, "Address", "&s", &s))
				g_strlcpy(row.address, s, sizeof row.address);
			if (g_variant_lookup(dev, "Alias", "&s", &s))
				g_strlcpy(row.name, s, sizeof row.name);
			g_variant_lookup(dev, "Connected", "b", &connected);
			row.connected = connected;
			g_array_append_val(rows, row);
		}
		if (dev)
			g_variant_unref(dev);
		g_variant_unref(ifaces);
	}
	g_variant_unref(objs);
	g_variant_unref(r);
	return rows;
}

int bluez_bonds_list(const char *adapter, FILE *out, GError **err)
{
	GDBusConnection *conn = system_bus(err);
	if (!conn)
		return -1;
	char adapter_path[64];
	GArray *rows = bonds_of(conn, adapter, adapter_path, err);
	int count = -1;
	if (rows) {
		fprintf(out, "%s: %u bond%s\n", adapter_path + strlen("/org/bluez/"), rows->len,
		        rows->len == 1 ? "" : "s");
		for (guint i = 0; i < rows->len; i++) {
			const bond_row *b = &g_array_index(rows, bond_row, i);
			fprintf(out, "  %-17s  %-24s %s\n", b->address, b->name,
			        b->connected ? "connected" : "");
		}
		count = (int)rows->len;
		g_array_free(rows, TRUE);
	}
	g_object_unref(conn);
	return count;
}

int bluez_bonds_remove(const char *adapter, const char *address, FILE *out, GError **err)
{
	GDBusConnection *conn = system_bus(err);
	if (!conn)
		return -1;
	char adapter_path[64];
	GArray *rows = bonds_of(conn, adapter, adapter_path, err);
	int removed = -1;
	if (rows) {
		removed = 0;
		const bool all = strcmp(address, "all") == 0;
		for (guint i = 0; i < rows->len && removed >= 0; i++) {
			const bond_row *b = &g_array_index(rows, bond_row, i);
			if (!all && g_ascii_strcasecmp(b->address, address) != 0)
				continue;
			GVariant *r = g_dbus_connection_call_sync(
			    conn, BLUEZ, adapter_path, IFACE_ADAPTER, "RemoveDevice",
			    g_variant_new("(o)", b->path), NULL, G_DBUS_CALL_FLAGS_NONE,
			    CALL_TIMEOUT_MS, NULL, err);
			if (!r) {
				removed = -1;
				break;
			}
			g_variant_unref(r);
			fprintf(out, "removed bond with %s\n", b->address);
			removed++;
		}
		if (removed == 0 && !all) {
			g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no bond with %s on %s",
			            address, adapter_path + strlen("/org/bluez/"));
			removed = -1;
		}
		g_array_free(rows, TRUE);
	}
	g_object_unref(conn);
	return removed;
}
