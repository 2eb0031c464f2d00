/*
 * bluez_gateway — the BlueZ 5.66 adapter of the pump's GATT server (see bluez_gateway.h):
 * its life cycle, the D-Bus objects it exports and the dispatch of their calls and
 * properties, and the poll that runs it all. The top of the adapter: it calls every other
 * part, and none calls it.
 *
 * D-Bus objects it exports (all on the system bus connection it opens):
 *   /org/fakepump/app                  org.freedesktop.DBus.ObjectManager (the application)
 *   /org/fakepump/app/serviceN         org.bluez.GattService1
 *   /org/fakepump/app/serviceN/charM   org.bluez.GattCharacteristic1
 *   /org/fakepump/advertisement0       org.bluez.LEAdvertisement1
 *   /org/fakepump/agent                org.bluez.Agent1 (DisplayOnly, default agent)
 * No GattDescriptor1 objects: the model's only descriptors are CCCDs, which bluetoothd
 * creates itself for every characteristic that notifies or indicates.
 *
 * The rest of the adapter is one concept a file (bluez_internal.h lists them, top to
 * bottom): bluetoothd's signals (bluez_signals.c); registration (bluez_register.c); the
 * GATT application (bluez_gatt.c); pairing (bluez_pairing.c); faults that need the radio
 * (bluez_faults.c); devices, how a link's security is proven and when a device is
 * subscribed, who may stay connected (bluez_devices.c); the pairing attempts
 * (bluez_attempts.c); the event stream (bluez_events.c); `fakepump bonds`
 * (bluez_bonds.c).
 *
 * Must never: answer a method call late or not at all, call bluetoothd synchronously while
 * bluetoothd waits for us (RegisterApplication/RegisterAdvertisement are asynchronous,
 * bluetoothd calls GetManagedObjects back during them), or keep protocol state of its own.
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"

static const char introspection_xml[] =
    "<node>"
    " <interface name='org.freedesktop.DBus.ObjectManager'>"
    "  <method name='GetManagedObjects'>"
    "   <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/>"
    "  </method>"
    " </interface>"
    " <interface name='org.bluez.GattService1'>"
    "  <property name='UUID' type='s' access='read'/>"
    "  <property name='Primary' type='b' access='read'/>"
    " </interface>"
    " <interface name='org.bluez.GattCharacteristic1'>"
    "  <method name='ReadValue'>"
    "   <arg name='options' type='a{sv}' direction='in'/>"
    "   <arg name='value' type='ay' direction='out'/>"
    "  </method>"
    "  <method name='WriteValue'>"
    "   <arg name='value' type='ay' direction='in'/>"
    "   <arg name='options' type='a{sv}' direction='in'/>"
    "  </method>"
    "  <method name='StartNotify'/>"
    "  <method name='StopNotify'/>"
    "  <method name='Confirm'/>"
    "  <property name='UUID' type='s' access='read'/>"
    "  <property name='Service' type='o' access='read'/>"
    "  <property name='Value' type='ay' access='read'/>"
    "  <property name='Notifying' type='b' access='read'/>"
    "  <property name='Flags' type='as' access='read'/>"
    " </interface>"
    " <interface name='org.bluez.LEAdvertisement1'>"
    "  <method name='Release'/>"
    "  <property name='Type' type='s' access='read'/>"
    "  <property name='ServiceUUIDs' type='as' access='read'/>"
    "  <property name='LocalName' type='s' access='read'/>"
    "  <property name='Appearance' type='q' access='read'/>"
    "  <property name='Discoverable' type='b' access='read'/>"
    " </interface>"
    " <interface name='org.bluez.Agent1'>"
    "  <method name='Release'/>"
    "  <method name='RequestPinCode'><arg type='o' direction='in'/>"
    "   <arg type='s' direction='out'/></method>"
    "  <method name='DisplayPinCode'><arg type='o' direction='in'/>"
    "   <arg type='s' direction='in'/></method>"
    "  <method name='RequestPasskey'><arg type='o' direction='in'/>"
    "   <arg type='u' direction='out'/></method>"
    "  <method name='DisplayPasskey'><arg type='o' direction='in'/>"
    "   <arg type='u' direction='in'/><arg type='q' direction='in'/></method>"
    "  <method name='RequestConfirmation'><arg type='o' direction='in'/>"
    "   <arg type='u' direction='in'/></method>"
    "  <method name='RequestAuthorization'><arg type='o' direction='in'/></method>"
    "  <method name='AuthorizeService'><arg type='o' direction='in'/>"
    "   <arg type='s' direction='in'/></method>"
    "  <method name='Cancel'/>"
    " </interface>"
    "</node>";

/* ---- object dispatch ---- */

static void method_call(GDBusConnection *conn, const char *sender, const char *path,
                        const char *iface, const char *method, GVariant *params,
                        GDBusMethodInvocation *inv, gpointer user_data)
{
	(void)conn;
	(void)sender;
	bluez_gateway *gw = user_data;
	if (strcmp(iface, IFACE_OM) == 0) {
		g_dbus_method_invocation_return_value(inv, gw_managed_objects(gw));
	} else if (strcmp(iface, IFACE_CHAR) == 0) {
		gw_char *c = gw_char_by_path(gw, path);
		if (!c)
			g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.Failed",
			                                           "0x0e");
		else if (strcmp(method, "ReadValue") == 0)
			gw_char_read(gw, c, params, inv);
		else if (strcmp(method, "WriteValue") == 0)
			gw_char_write(gw, c, params, inv);
		else {
			if (strcmp(method, "StartNotify") == 0 || strcmp(method, "StopNotify") == 0)
				gw_char_notify(gw, c, strcmp(method, "StartNotify") == 0);
			g_dbus_method_invocation_return_value(inv, NULL);
		}
	} else if (strcmp(iface, "org.bluez.Agent1") == 0) {
		gw_agent_call(gw, method, params, inv);
	} else {
		g_dbus_method_invocation_return_value(inv, NULL); /* LEAdvertisement1.Release */
	}
}

static GVariant *get_property(GDBusConnection *conn, const char *sender, const char *path,
                              const char *iface, const char *name, GError **error,
                              gpointer user_data)
{
	(void)conn;
	(void)sender;
	bluez_gateway *gw = user_data;
	GVariant *v = NULL;
	if (strcmp(iface, IFACE_CHAR) == 0) {
		gw_char *c = gw_char_by_path(gw, path);
		v = c ? gw_char_property(c, name) : NULL;
	} else if (strcmp(iface, IFACE_SERVICE) == 0) {
		for (size_t i = 0; i < gw->service_count && !v; i++)
			if (strcmp(gw->services[i].path, path) == 0)
				v = gw_service_property(&gw->services[i], name);
	} else if (strcmp(iface, "org.bluez.LEAdvertisement1") == 0) {
		v = gw_adv_property(gw, name);
	}
	if (!v)
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s",
		            name);
	return v;
}

static const GDBusInterfaceVTable vtable = {method_call, get_property, NULL, {0}};

static bool export(bluez_gateway *gw, const char *path, const char *iface, GError **err)
{
	GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface(gw->node, iface);
	guint id = g_dbus_connection_register_object(gw->conn, path, info, &vtable, gw, NULL, err);
	if (!id)
		return false;
	g_array_append_val(gw->registrations, id);
	return true;
}

/* ---- life cycle ---- */

bluez_gateway *bluez_gateway_new(ble_server *srv, const bluez_options *o, GError **err)
{
	GDBusConnection *conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, err);
	if (!conn)
		return NULL;
	bluez_gateway *gw = g_new0(bluez_gateway, 1);
	gw->srv = srv;
	ble_server_release_held_by_transport(srv, true); /* gw_delay_follow */
	gw->opt = *o;
	gw->conn = conn;
	gw->registrations = g_array_new(FALSE, FALSE, sizeof(guint));
	gw->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gw->removed = g_ptr_array_new_with_free_func(g_free);
	gw->cancel = g_cancellable_new();
	if (o->local_name)
		g_strlcpy(gw->local_name, o->local_name, sizeof gw->local_name);
	else /* never the serial: a name that identifies no unit (docs/ble-threats.md P2, P4) */
		snprintf(gw->local_name, sizeof gw->local_name, "FakePump-%04X",
		         (unsigned)(g_random_int() & 0xFFFF));
	link_budget_init(&gw->budget, NULL);
	gw->node = g_dbus_node_info_new_for_xml(introspection_xml, err);
	if (!gw->node)
		goto fail;
	size_t count = 0;
	const gatt_service_def *services = gatt_services(&count);
	for (size_t s = 0; s < count && s < MAX_SERVICES; s++) {
		gw_service *sv = &gw->services[gw->service_count];
		sv->def = &services[s];
		snprintf(sv->path, sizeof sv->path, APP_PATH "/service%zu", gw->service_count);
		gw->service_count++;
		for (size_t k = 0;
		     k < services[s].characteristic_count && gw->char_count < MAX_CHARS; k++) {
			gw_char *c = &gw->chars[gw->char_count++];
			c->def = &services[s].characteristics[k];
			g_strlcpy(c->service_path, sv->path, sizeof c->service_path);
			g_snprintf(c->path, sizeof c->path, "%s/char%zu", c->service_path, k);
		}
	}
	if (!export(gw, APP_PATH, IFACE_OM, err) ||
	    !export(gw, ADV_PATH, "org.bluez.LEAdvertisement1", err) ||
	    !export(gw, AGENT_PATH, "org.bluez.Agent1", err))
		goto fail;
	for (size_t i = 0; i < gw->service_count; i++)
		if (!export(gw, gw->services[i].path, IFACE_SERVICE, err))
			goto fail;
	for (size_t i = 0; i < gw->char_count; i++)
		if (!export(gw, gw->chars[i].path, IFACE_CHAR, err))
			goto fail;
	if (!ble_server_add_listener(srv, gw_on_server_notify, gw)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "no free notify listener slot");
		goto fail;
	}
	ble_server_on_link_action(srv, gw_links_server_action, gw);
	gw->sig_props = g_dbus_connection_signal_subscribe(
	    conn, BLUEZ, IFACE_PROPS, "PropertiesChanged", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
	    gw_on_signal, gw, NULL);
	gw->sig_added =
	    g_dbus_connection_signal_subscribe(conn, BLUEZ, IFACE_OM, "InterfacesAdded", NULL, NULL,
	                                       G_DBUS_SIGNAL_FLAGS_NONE, gw_on_signal, gw, NULL);
	gw->sig_removed = g_dbus_connection_signal_subscribe(
	    conn, BLUEZ, IFACE_OM, "InterfacesRemoved", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
	    gw_on_signal, gw, NULL);
	if (o->pair_window_s > 0)
		bluez_gateway_open_pairing(gw, o->pair_window_s, "--pair-window");
	gw->name_watch =
	    g_bus_watch_name_on_connection(conn, BLUEZ, G_BUS_NAME_WATCHER_FLAGS_NONE,
	                                   gw_on_bluez_appeared, gw_on_bluez_vanished, gw, NULL);
	return gw;
fail:
	bluez_gateway_free(gw);
	return NULL;
}

void bluez_gateway_free(bluez_gateway *gw)
{
	if (!gw)
		return;
	if (gw->release_timer)
		g_source_remove(gw->release_timer);
	ble_server_release_held_by_transport(gw->srv, false);
	if (gw->conn && gw->registered) {
		/* Best effort; bluetoothd also cleans up when our connection closes. */
		g_dbus_connection_call_sync(
		    gw->conn, BLUEZ, gw->adapter_path, "org.bluez.LEAdvertisingManager1",
		    "UnregisterAdvertisement", g_variant_new("(o)", ADV_PATH), NULL,
		    G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
		g_dbus_connection_call_sync(gw->conn, BLUEZ, gw->adapter_path,
		                            "org.bluez.GattManager1", "UnregisterApplication",
		                            g_variant_new("(o)", APP_PATH), NULL,
		                            G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
	}
	if (gw->window_timer)
		g_source_remove(gw->window_timer);
	gw->window_timer = 0;
	if (gw->window_open && gw->registered) {
		gw->window_open = false;
		g_dbus_connection_call_sync(
		    gw->conn, BLUEZ, gw->adapter_path, IFACE_PROPS, "Set",
		    g_variant_new("(ssv)", IFACE_ADAPTER, "Pairable", g_variant_new_boolean(FALSE)),
		    NULL, G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
	}
	if (gw->name_watch)
		g_bus_unwatch_name(gw->name_watch);
	if (gw->conn) {
		guint subs[] = {gw->sig_props, gw->sig_added, gw->sig_removed};
		for (size_t i = 0; i < G_N_ELEMENTS(subs); i++)
			if (subs[i])
				g_dbus_connection_signal_unsubscribe(gw->conn, subs[i]);
		for (guint i = 0; gw->registrations && i < gw->registrations->len; i++)
			g_dbus_connection_unregister_object(
			    gw->conn, g_array_index(gw->registrations, guint, i));
		g_dbus_connection_flush_sync(gw->conn, NULL, NULL);
	}
	ble_server_remove_listener(gw->srv, gw_on_server_notify, gw);
	ble_server_on_link_action(gw->srv, NULL, NULL);
	for (size_t i = 0; i < gw->char_count; i++)
		if (gw->chars[i].value)
			g_bytes_unref(gw->chars[i].value);
	if (gw->registrations)
		g_array_free(gw->registrations, TRUE);
	if (gw->removed_timer)
		g_source_remove(gw->removed_timer);
	if (gw->pairable_timer)
		g_source_remove(gw->pairable_timer);
	if (gw->cancel) {
		/* Replies still due would find `gw` freed: cancel them, and let the cancelled
		 * callbacks run now (they only look at the error). */
		g_cancellable_cancel(gw->cancel);
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_object_unref(gw->cancel);
	}
	if (gw->removed)
		g_ptr_array_free(gw->removed, TRUE);
	if (gw->devices)
		g_hash_table_destroy(gw->devices);
	if (gw->node)
		g_dbus_node_info_unref(gw->node);
	if (gw->conn)
		g_object_unref(gw->conn);
	g_free(gw);
}

void bluez_gateway_set_now(bluez_gateway *gw, int64_t now_min)
{
	if (gw)
		gw->now_min = now_min;
}

/* ---- poll ---- */

static gboolean wake(gpointer user_data)
{
	*(bool *)user_data = true;
	return G_SOURCE_REMOVE;
}

void bluez_gateway_poll(bluez_gateway *gw, int max_wait_ms)
{
	GMainContext *ctx = g_main_context_default();
	if (max_wait_ms <= 0) {
		for (int i = 0; i < 64 && g_main_context_iteration(ctx, FALSE); i++)
			;
	} else {
		bool woke = false;
		g_timeout_add((guint)max_wait_ms, wake, &woke);
		while (!woke)
			g_main_context_iteration(ctx, TRUE);
	}
	/* RACP reports stream at the wall clock's pace, not one burst a simulated minute. */
	if (gw && gw->registered)
		ble_server_continue_reports(gw->srv, gw->now_min);
	if (gw && gw->registered)
		gw_links_expire(gw);
	if (gw) {
		gw_faults_follow(gw);
		gw_delay_follow(gw);
	}
}
