/*
 * bluez_gatt — the GATT application the adapter exports: the application root
 * (ObjectManager.GetManagedObjects), a GattService1 per service and a GattCharacteristic1
 * per characteristic of the model (gatt_services()), their properties, and what a
 * characteristic does with ReadValue, WriteValue, StartNotify/StopNotify and the server's
 * notifications. A request goes to ble_server_read/write with the requesting device's link
 * (bluez_devices.c), and a refusal becomes the D-Bus error that bluetoothd turns into the
 * ATT error (BlueZ 5.66 doc/gatt-api.txt; ble_gateway/README.md "The adapter in short").
 *
 * Must never: decide what a request does (that is ble_server's).
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"

/* ---- ATT errors as D-Bus errors (BlueZ 5.66 doc/gatt-api.txt; ble_gateway/README.md) ---- */

static void return_att_error(GDBusMethodInvocation *inv, uint8_t code)
{
	const char *name = "org.bluez.Error.Failed";
	char msg[8];
	/* BlueZ 5.66 turns Failed with "0xNN" into that ATT code when it is an application
	 * error (0x80–0x9F) and anything else into 0x0E Unlikely Error. */
	snprintf(msg, sizeof msg, "0x%02x", code);
	switch (code) {
	case ATT_ERR_READ_NOT_PERMITTED:
	case ATT_ERR_WRITE_NOT_PERMITTED:
		name = "org.bluez.Error.NotPermitted";
		break;
	case ATT_ERR_INSUFFICIENT_AUTHENTICATION:
		/* No way to send 0x05 from an application in 5.66; bluetoothd sends it itself
		 * for secure-* flags, so this is the server's second line: 0x08. */
		name = "org.bluez.Error.NotAuthorized";
		break;
	case ATT_ERR_REQUEST_NOT_SUPPORTED:
		name = "org.bluez.Error.NotSupported";
		break;
	case ATT_ERR_INVALID_OFFSET:
		name = "org.bluez.Error.InvalidOffset";
		break;
	case ATT_ERR_INVALID_VALUE_LENGTH:
		name = "org.bluez.Error.InvalidValueLength";
		break;
	case ATT_ERR_PROCEDURE_IN_PROGRESS:
		name = "org.bluez.Error.InProgress";
		break;
	case ATT_ERR_CCCD_IMPROPERLY_CONFIGURED:
		/* 0xFD needs ImproperlyConfigured (BlueZ 5.76): the project's 0x83 instead. */
		snprintf(msg, sizeof msg, "0x83");
		break;
	default:
		break;
	}
	g_dbus_method_invocation_return_dbus_error(inv, name, msg);
}

/* ---- characteristics ---- */

gw_char *gw_char_by_path(bluez_gateway *gw, const char *path)
{
	for (size_t i = 0; i < gw->char_count; i++)
		if (strcmp(gw->chars[i].path, path) == 0)
			return &gw->chars[i];
	return NULL;
}

/* The link of a request: the `device` option, its proven level raised to what bluetoothd
 * enforced for this characteristic. */
static ble_link request_link(bluez_gateway *gw, GVariant *options, const gw_char *c)
{
	const char *dev = NULL;
	if (!g_variant_lookup(options, "device", "&o", &dev) || !gw_ours(gw, dev))
		return ble_link_make(dev ? dev : "unknown-device", GATT_SEC_NONE, false);
	gw_device *d = gw_device_for_request(gw, dev);
	gw_device_connected(gw, d);
	gw_device_prove(gw, d, c->def->security);
	return gw_link_of(d);
}

void gw_char_read(bluez_gateway *gw, gw_char *c, GVariant *params, GDBusMethodInvocation *inv)
{
	GVariant *options = g_variant_get_child_value(params, 0);
	ble_link link = request_link(gw, options, c);
	guint16 offset = 0;
	g_variant_lookup(options, "offset", "q", &offset);
	g_variant_unref(options);
	uint8_t buf[BLE_ATT_MAX_VALUE];
	size_t len = 0;
	uint8_t rc =
	    ble_server_read(gw->srv, &link, gw->now_min, c->def->id, buf, sizeof buf, &len);
	if (rc) {
		return_att_error(inv, rc);
		return;
	}
	if (offset > len) {
		return_att_error(inv, ATT_ERR_INVALID_OFFSET);
		return;
	}
	g_dbus_method_invocation_return_value(
	    inv, g_variant_new("(@ay)", g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, buf + offset,
	                                                          len - offset, 1)));
}

void gw_char_write(bluez_gateway *gw, gw_char *c, GVariant *params, GDBusMethodInvocation *inv)
{
	GVariant *value = g_variant_get_child_value(params, 0);
	GVariant *options = g_variant_get_child_value(params, 1);
	ble_link link = request_link(gw, options, c);
	ble_write_options wo = {0};
	const char *type = NULL;
	g_variant_lookup(options, "offset", "q", &wo.offset);
	if (g_variant_lookup(options, "type", "&s", &type))
		wo.command = strcmp(type, "command") == 0;
	gsize n = 0;
	const uint8_t *bytes = g_variant_get_fixed_array(value, &n, 1);
	uint8_t rc = ble_server_write(gw->srv, &link, gw->now_min, c->def->id, bytes, n, &wo);
	g_variant_unref(value);
	g_variant_unref(options);
	if (rc)
		return_att_error(inv, rc);
	else
		g_dbus_method_invocation_return_value(inv, NULL);
}

/* Every connected device of our adapter whose proven level meets the characteristic's (see
 * "Subscriptions" in bluez_devices.c); turning off reaches them all. */
void gw_char_notify(bluez_gateway *gw, gw_char *c, bool on)
{
	c->notifying = on;
	GHashTableIter it;
	gpointer key, val;
	g_hash_table_iter_init(&it, gw->devices);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		gw_device *d = val;
		if (!d->connected || (on && !gatt_security_met(c->def->security, d->level)))
			continue;
		ble_link link = gw_link_of(d);
		ble_server_subscribe(gw->srv, &link, gw->now_min, c->def->id, on);
	}
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "Notifying", g_variant_new_boolean(on));
	g_dbus_connection_emit_signal(gw->conn, NULL, c->path, IFACE_PROPS, "PropertiesChanged",
	                              g_variant_new("(sa{sv}as)", IFACE_CHAR, &b, NULL), NULL);
}

/* The server's notifications and indications → PropertiesChanged on Value. */
void gw_on_server_notify(const ble_link *link, gatt_char_id id, bool indication,
                         const uint8_t *value, size_t len, void *user_data)
{
	(void)indication;
	bluez_gateway *gw = user_data;
	if (!gw->conn || strncmp(link->identity, "/org/bluez/", 11) != 0)
		return; /* an in-process virtual phone's */
	gw_char *c = NULL;
	for (size_t i = 0; i < gw->char_count && !c; i++)
		if (gw->chars[i].def->id == id)
			c = &gw->chars[i];
	if (!c)
		return;
	if (c->value)
		g_bytes_unref(c->value);
	c->value = g_bytes_new(value, len);
	if (!c->notifying)
		return;
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "Value",
	                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, value, len, 1));
	g_dbus_connection_emit_signal(gw->conn, NULL, c->path, IFACE_PROPS, "PropertiesChanged",
	                              g_variant_new("(sa{sv}as)", IFACE_CHAR, &b, NULL), NULL);
}

static GVariant *char_flags(const gw_char *c)
{
	const char *flags[16];
	size_t n = gatt_bluez_flags(c->def, flags, G_N_ELEMENTS(flags));
	return g_variant_new_strv(flags, (gssize)n);
}

static GVariant *uuid_variant(uint16_t uuid16)
{
	char s[37];
	gatt_uuid16_to_string(uuid16, s);
	return g_variant_new_string(s);
}

GVariant *gw_char_property(gw_char *c, const char *name)
{
	if (strcmp(name, "UUID") == 0)
		return uuid_variant(c->def->uuid16);
	if (strcmp(name, "Service") == 0)
		return g_variant_new_object_path(c->service_path);
	if (strcmp(name, "Flags") == 0)
		return char_flags(c);
	if (strcmp(name, "Notifying") == 0)
		return g_variant_new_boolean(c->notifying);
	if (strcmp(name, "Value") == 0) {
		gsize n = 0;
		const void *p = c->value ? g_bytes_get_data(c->value, &n) : NULL;
		return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, n, 1);
	}
	return NULL;
}

GVariant *gw_service_property(const gw_service *s, const char *name)
{
	if (strcmp(name, "UUID") == 0)
		return uuid_variant(s->def->uuid16);
	if (strcmp(name, "Primary") == 0)
		return g_variant_new_boolean(s->def->primary);
	return NULL;
}

/* ---- the application root ---- */

GVariant *gw_managed_objects(bluez_gateway *gw)
{
	GVariantBuilder objs;
	g_variant_builder_init(&objs, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	for (size_t i = 0; i < gw->service_count; i++) {
		GVariantBuilder props;
		g_variant_builder_init(&props, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&props, "{sv}", "UUID",
		                      gw_service_property(&gw->services[i], "UUID"));
		g_variant_builder_add(&props, "{sv}", "Primary",
		                      gw_service_property(&gw->services[i], "Primary"));
		g_variant_builder_add_parsed(&objs, "{%o, {%s: %a{sv}}}", gw->services[i].path,
		                             IFACE_SERVICE, &props);
	}
	static const char *const names[] = {"UUID", "Service", "Flags", "Notifying"};
	for (size_t i = 0; i < gw->char_count; i++) {
		GVariantBuilder props;
		g_variant_builder_init(&props, G_VARIANT_TYPE("a{sv}"));
		for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
			g_variant_builder_add(&props, "{sv}", names[k],
			                      gw_char_property(&gw->chars[i], names[k]));
		g_variant_builder_add_parsed(&objs, "{%o, {%s: %a{sv}}}", gw->chars[i].path,
		                             IFACE_CHAR, &props);
	}
	return g_variant_new("(@a{oa{sa{sv}}})", g_variant_builder_end(&objs));
}
