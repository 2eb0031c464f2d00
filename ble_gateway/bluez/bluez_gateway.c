/*
 * bluez_gateway — the BlueZ 5.66 adapter of the pump's GATT server (see bluez_gateway.h).
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
 *
 * Must never: answer a method call late or not at all, call bluetoothd synchronously while
 * bluetoothd waits for us (RegisterApplication/RegisterAdvertisement are asynchronous,
 * bluetoothd calls GetManagedObjects back during them), or keep protocol state of its own.
 */
#include <stdio.h>
#include <string.h>

#include "bluez_gateway.h"
#include "bluez_privacy.h"
#include "link_budget.h"

#define BLUEZ "org.bluez"
#define APP_PATH "/org/fakepump/app"
#define ADV_PATH "/org/fakepump/advertisement0"
#define AGENT_PATH "/org/fakepump/agent"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_CHAR "org.bluez.GattCharacteristic1"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define IFACE_OM "org.freedesktop.DBus.ObjectManager"

enum { MAX_SERVICES = 8, MAX_CHARS = GATT_CHAR_COUNT, CALL_TIMEOUT_MS = 5000 };

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

typedef struct gw_char {
	bluez_gateway *gw;
	const gatt_characteristic_def *def;
	char path[64];
	char service_path[48];
	bool notifying;
	GBytes *value; /* last value notified, for the Value property */
} gw_char;

typedef struct gw_service {
	const gatt_service_def *def;
	char path[48];
} gw_service;

/* What bluetoothd told us about one device (Device1). */
typedef struct gw_device {
	char path[BLE_LINK_IDENTITY_MAX];
	char address[24];
	bool paired, bonded, connected;
	gatt_security level; /* highest level proven on this connection */
	uint32_t last_passkey;
	bool attempt_open; /* a passkey was shown and the device has not paired since */
} gw_device;

struct bluez_gateway {
	ble_server *srv;
	bluez_options opt;
	char local_name[32];
	GDBusConnection *conn;
	GDBusNodeInfo *node;
	GArray *registrations; /* guint object registration ids */
	guint name_watch;
	guint sig_props, sig_added, sig_removed;
	guint window_timer;
	GPtrArray *removed; /* gw_device* of bonded devices just removed (see on_signal) */
	guint removed_timer;
	guint pairable_timer; /* a Pairable Set to send again (set_pairable) */
	GCancellable *cancel; /* cancels the asynchronous calls whose replies need `gw` */
	gw_service services[MAX_SERVICES];
	size_t service_count;
	gw_char chars[MAX_CHARS];
	size_t char_count;
	GHashTable *devices;   /* path → gw_device* */
	char adapter_path[64]; /* chosen adapter, "" when none */
	char adapter_name[16];
	bool bluez_up;
	bool registered;  /* application + advertisement accepted */
	bool registering; /* calls in flight */
	bool window_open;
	int open_attempts; /* passkeys shown this window that no bond has followed (yet) */
	char last_notice[256];
	int64_t now_min;
	link_budget budget;  /* who may hold a connection (links_follow, issue 12) */
	bool adv_paused;     /* the stop_advertising fault took the advertisement down */
	guint release_timer; /* values a delay fault holds go when it fires */
};

const char *bluez_event_kind_name(bluez_event_kind k)
{
	static const char *const names[] = {
	    [BLUEZ_EV_NOTICE] = "bluetooth_notice",
	    [BLUEZ_EV_ADVERTISING_STARTED] = "advertising_started",
	    [BLUEZ_EV_ADVERTISING_STOPPED] = "advertising_stopped",
	    [BLUEZ_EV_PAIRING_WINDOW_OPENED] = "pairing_window_opened",
	    [BLUEZ_EV_PAIRING_WINDOW_CLOSED] = "pairing_window_closed",
	    [BLUEZ_EV_PASSKEY_DISPLAYED] = "passkey_displayed",
	    [BLUEZ_EV_PAIRING_REFUSED] = "pairing_refused",
	    [BLUEZ_EV_PAIRING_FAILED] = "pairing_failed",
	    [BLUEZ_EV_BOND_CREATED] = "bond_created",
	    [BLUEZ_EV_BOND_REMOVED] = "bond_removed",
	    [BLUEZ_EV_CONNECTED] = "connected",
	    [BLUEZ_EV_DISCONNECTED] = "disconnected",
	    [BLUEZ_EV_SECURITY_CHANGED] = "security_changed",
	};
	return (unsigned)k < G_N_ELEMENTS(names) ? names[k] : "unknown";
}

/* ---- events ---- */

static void emit(bluez_gateway *gw, const bluez_event *ev)
{
	if (gw->opt.on_event)
		gw->opt.on_event(ev, gw->opt.user_data);
}

static void emit_device(bluez_gateway *gw, bluez_event_kind kind, const gw_device *d,
                        const char *detail)
{
	bluez_event ev = {.kind = kind,
	                  .adapter = gw->adapter_name,
	                  .device = d->path,
	                  .address = d->address,
	                  .security = d->level,
	                  .bonded = d->bonded,
	                  .detail = detail};
	emit(gw, &ev);
}

/* One line for people, printed once however often the condition is seen. */
static void notice(bluez_gateway *gw, const char *text)
{
	if (strcmp(gw->last_notice, text) == 0)
		return;
	g_strlcpy(gw->last_notice, text, sizeof gw->last_notice);
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: %s\n", text);
	bluez_event ev = {.kind = BLUEZ_EV_NOTICE, .adapter = gw->adapter_name, .detail = text};
	emit(gw, &ev);
}

/* ---- devices ---- */

static void attempt_failed(bluez_gateway *gw, gw_device *d, const char *how);
static void attempt_started(bluez_gateway *gw, gw_device *d);
static void attempt_succeeded(bluez_gateway *gw, gw_device *d);

static bool ours(const bluez_gateway *gw, const char *device_path)
{
	const size_t n = strlen(gw->adapter_path);
	return n && strncmp(device_path, gw->adapter_path, n) == 0 &&
	       strncmp(device_path + n, "/dev_", 5) == 0;
}

static gw_device *device_get(bluez_gateway *gw, const char *path)
{
	gw_device *d = g_hash_table_lookup(gw->devices, path);
	if (!d) {
		d = g_new0(gw_device, 1);
		g_strlcpy(d->path, path, sizeof d->path);
		g_hash_table_insert(gw->devices, g_strdup(path), d);
	}
	return d;
}

static ble_link link_of(const gw_device *d)
{
	return ble_link_make(d->path, d->level, d->bonded);
}

static void device_disconnected(bluez_gateway *gw, gw_device *d)
{
	if (!d->connected)
		return;
	d->connected = false;
	if (d->attempt_open && !d->paired)
		attempt_failed(gw, d, "disconnected before pairing");
	ble_server_disconnect(gw->srv, d->path, gw->now_min);
	emit_device(gw, BLUEZ_EV_DISCONNECTED, d, NULL);
	d->level = GATT_SEC_NONE;
	d->last_passkey = 0;
}

static void links_disconnect(bluez_gateway *gw, const char *path, bool remove_bond,
                             const char *why);

static void device_connected(bluez_gateway *gw, gw_device *d)
{
	if (d->connected)
		return;
	d->connected = true;
	d->level = GATT_SEC_NONE; /* unproven, bonded or not (see "Link security") */
	emit_device(gw, BLUEZ_EV_CONNECTED, d, NULL);
	/* refuse_connections (ble_fault.h): a central gets in, and is sent away at once. */
	if (ble_server_fault_active(gw->srv, BLE_FAULT_REFUSE_CONNECTIONS, gw->now_min) ||
	    ble_server_fault_active(gw->srv, BLE_FAULT_STOP_ADVERTISING, gw->now_min))
		links_disconnect(gw, d->path, false, "fault: refuse_connections");
}

/* Raise what a device has proven; subscriptions follow (see the file comment). */
static void device_prove(bluez_gateway *gw, gw_device *d, gatt_security level)
{
	if (level <= d->level)
		return;
	d->level = level;
	emit_device(gw, BLUEZ_EV_SECURITY_CHANGED, d, ble_link_security_name(level));
	ble_link link = link_of(d);
	for (size_t i = 0; i < gw->char_count; i++) {
		gw_char *c = &gw->chars[i];
		if (c->notifying && gatt_security_met(c->def->security, level))
			ble_server_subscribe(gw->srv, &link, gw->now_min, c->def->id, true);
	}
}

/* Apply Device1 properties (a{sv}) from GetManagedObjects, InterfacesAdded or
 * PropertiesChanged. */
static void device_update(bluez_gateway *gw, const char *path, GVariant *props)
{
	if (!ours(gw, path))
		return;
	gw_device *d = device_get(gw, path);
	const char *addr;
	gboolean b;
	if (g_variant_lookup(props, "Address", "&s", &addr))
		g_strlcpy(d->address, addr, sizeof d->address);
	if (g_variant_lookup(props, "Paired", "b", &b)) {
		d->paired = b;
		if (b)
			attempt_succeeded(gw, d);
		if (b && d->connected)
			/* A pairing completed on this link: it is encrypted with the new key. */
			device_prove(gw, d, GATT_SEC_ENCRYPTED);
	}
	if (g_variant_lookup(props, "Bonded", "b", &b) && (bool)b != d->bonded) {
		d->bonded = b;
		emit_device(gw, b ? BLUEZ_EV_BOND_CREATED : BLUEZ_EV_BOND_REMOVED, d, NULL);
		if (b && !gw->opt.quiet)
			fprintf(stderr, "fakepump: bluetooth: new bond with %s\n", d->address);
	}
	if (g_variant_lookup(props, "Connected", "b", &b)) {
		if (b)
			device_connected(gw, d);
		else
			device_disconnected(gw, d);
	}
}

/* A request from a device we have not heard of yet: ask bluetoothd. Rare (the
 * ObjectManager signals normally come first), and safe: bluetoothd answers Properties
 * calls while it waits for our reply. */
static gw_device *device_for_request(bluez_gateway *gw, const char *path)
{
	gw_device *d = g_hash_table_lookup(gw->devices, path);
	if (d)
		return d;
	d = device_get(gw, path);
	GVariant *r = g_dbus_connection_call_sync(
	    gw->conn, BLUEZ, path, IFACE_PROPS, "GetAll", g_variant_new("(s)", IFACE_DEVICE),
	    G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
	if (r) {
		GVariant *props = g_variant_get_child_value(r, 0);
		device_update(gw, path, props);
		g_variant_unref(props);
		g_variant_unref(r);
	}
	return d;
}

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

static gw_char *char_by_path(bluez_gateway *gw, const char *path)
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
	if (!g_variant_lookup(options, "device", "&o", &dev) || !ours(gw, dev))
		return ble_link_make(dev ? dev : "unknown-device", GATT_SEC_NONE, false);
	gw_device *d = device_for_request(gw, dev);
	device_connected(gw, d);
	device_prove(gw, d, c->def->security);
	return link_of(d);
}

static void char_read(bluez_gateway *gw, gw_char *c, GVariant *params, GDBusMethodInvocation *inv)
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

static void char_write(bluez_gateway *gw, gw_char *c, GVariant *params, GDBusMethodInvocation *inv)
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
 * "Subscriptions" above); turning off reaches them all. */
static void char_notify(bluez_gateway *gw, gw_char *c, bool on)
{
	c->notifying = on;
	GHashTableIter it;
	gpointer key, val;
	g_hash_table_iter_init(&it, gw->devices);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		gw_device *d = val;
		if (!d->connected || (on && !gatt_security_met(c->def->security, d->level)))
			continue;
		ble_link link = link_of(d);
		ble_server_subscribe(gw->srv, &link, gw->now_min, c->def->id, on);
	}
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "Notifying", g_variant_new_boolean(on));
	g_dbus_connection_emit_signal(gw->conn, NULL, c->path, IFACE_PROPS, "PropertiesChanged",
	                              g_variant_new("(sa{sv}as)", IFACE_CHAR, &b, NULL), NULL);
}

/* The server's notifications and indications → PropertiesChanged on Value. */
static void on_server_notify(const ble_link *link, gatt_char_id id, bool indication,
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

static GVariant *char_property(gw_char *c, const char *name)
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

static GVariant *service_property(const gw_service *s, const char *name)
{
	if (strcmp(name, "UUID") == 0)
		return uuid_variant(s->def->uuid16);
	if (strcmp(name, "Primary") == 0)
		return g_variant_new_boolean(s->def->primary);
	return NULL;
}

/* ---- the application root ---- */

static GVariant *managed_objects(bluez_gateway *gw)
{
	GVariantBuilder objs;
	g_variant_builder_init(&objs, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	for (size_t i = 0; i < gw->service_count; i++) {
		GVariantBuilder props;
		g_variant_builder_init(&props, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&props, "{sv}", "UUID",
		                      service_property(&gw->services[i], "UUID"));
		g_variant_builder_add(&props, "{sv}", "Primary",
		                      service_property(&gw->services[i], "Primary"));
		g_variant_builder_add_parsed(&objs, "{%o, {%s: %a{sv}}}", gw->services[i].path,
		                             IFACE_SERVICE, &props);
	}
	static const char *const names[] = {"UUID", "Service", "Flags", "Notifying"};
	for (size_t i = 0; i < gw->char_count; i++) {
		GVariantBuilder props;
		g_variant_builder_init(&props, G_VARIANT_TYPE("a{sv}"));
		for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
			g_variant_builder_add(&props, "{sv}", names[k],
			                      char_property(&gw->chars[i], names[k]));
		g_variant_builder_add_parsed(&objs, "{%o, {%s: %a{sv}}}", gw->chars[i].path,
		                             IFACE_CHAR, &props);
	}
	return g_variant_new("(@a{oa{sa{sv}}})", g_variant_builder_end(&objs));
}

/* ---- advertisement ---- */

static GVariant *adv_property(bluez_gateway *gw, const char *name)
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

/* ---- agent (BlueZ doc/agent-api.txt: DisplayOnly, passkey entry) ---- */

static void agent_call(bluez_gateway *gw, const char *method, GVariant *params,
                       GDBusMethodInvocation *inv)
{
	const char *dev = NULL;
	if (g_str_has_prefix(g_variant_get_type_string(params), "(o"))
		g_variant_get_child(params, 0, "&o", &dev);
	gw_device *d = dev && ours(gw, dev) ? device_get(gw, dev) : NULL;
	if (strcmp(method, "DisplayPasskey") == 0) {
		guint32 passkey = 0;
		guint16 entered = 0;
		g_variant_get(params, "(&ouq)", &dev, &passkey, &entered);
		if (d && !gw->window_open) {
			/* Not pairable, yet a pairing got this far (one that does not ask to
			 * bond). bluetoothd does not let a DisplayOnly agent refuse (the call has
			 * no reply), and CancelPairing only cancels pairings we started: drop the
			 * link, and never show the passkey. */
			emit_device(gw, BLUEZ_EV_PAIRING_REFUSED, d,
			            "pairing window closed: link dropped");
			g_dbus_connection_call(gw->conn, BLUEZ, d->path, IFACE_DEVICE, "Disconnect",
			                       NULL, NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
			                       NULL, NULL, NULL);
		} else if (d && d->last_passkey != passkey + 1) {
			d->last_passkey =
			    passkey + 1; /* shown once, however often `entered` moves */
			fprintf(stderr,
			        "\n  ******************************************************\n"
			        "  **  FakePump pairing passkey:  %06u  (for %s)\n"
			        "  ******************************************************\n\n",
			        passkey, d->address[0] ? d->address : dev);
			bluez_event ev = {.kind = BLUEZ_EV_PASSKEY_DISPLAYED,
			                  .adapter = gw->adapter_name,
			                  .device = d->path,
			                  .address = d->address,
			                  .passkey = passkey};
			emit(gw, &ev);
			attempt_started(gw, d);
		}
		g_dbus_method_invocation_return_value(inv, NULL);
		return;
	}
	if (strcmp(method, "RequestConfirmation") == 0 ||
	    strcmp(method, "RequestAuthorization") == 0 || strcmp(method, "RequestPasskey") == 0 ||
	    strcmp(method, "RequestPinCode") == 0) {
		/* Just Works / numeric comparison / legacy PIN: never. The pump shows a passkey. */
		if (d)
			emit_device(gw, BLUEZ_EV_PAIRING_REFUSED, d,
			            strcmp(method, "RequestAuthorization") == 0
			                ? "Just Works refused: passkey entry required"
			                : "refused: only passkey entry (the pump displays it)");
		g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.Rejected",
		                                           "FakePump pairs by passkey entry only");
		return;
	}
	/* Release, Cancel, DisplayPinCode, AuthorizeService (not used by LE). */
	g_dbus_method_invocation_return_value(inv, NULL);
}

/* ---- object dispatch ---- */

static void method_call(GDBusConnection *conn, const char *sender, const char *path,
                        const char *iface, const char *method, GVariant *params,
                        GDBusMethodInvocation *inv, gpointer user_data)
{
	(void)conn;
	(void)sender;
	bluez_gateway *gw = user_data;
	if (strcmp(iface, IFACE_OM) == 0) {
		g_dbus_method_invocation_return_value(inv, managed_objects(gw));
	} else if (strcmp(iface, IFACE_CHAR) == 0) {
		gw_char *c = char_by_path(gw, path);
		if (!c)
			g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.Failed",
			                                           "0x0e");
		else if (strcmp(method, "ReadValue") == 0)
			char_read(gw, c, params, inv);
		else if (strcmp(method, "WriteValue") == 0)
			char_write(gw, c, params, inv);
		else {
			if (strcmp(method, "StartNotify") == 0 || strcmp(method, "StopNotify") == 0)
				char_notify(gw, c, strcmp(method, "StartNotify") == 0);
			g_dbus_method_invocation_return_value(inv, NULL);
		}
	} else if (strcmp(iface, "org.bluez.Agent1") == 0) {
		agent_call(gw, method, params, inv);
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
		gw_char *c = char_by_path(gw, path);
		v = c ? char_property(c, name) : NULL;
	} else if (strcmp(iface, IFACE_SERVICE) == 0) {
		for (size_t i = 0; i < gw->service_count && !v; i++)
			if (strcmp(gw->services[i].path, path) == 0)
				v = service_property(&gw->services[i], name);
	} else if (strcmp(iface, "org.bluez.LEAdvertisement1") == 0) {
		v = adv_property(gw, name);
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

/* ---- registration with bluetoothd ---- */

/*
 * Make the adapter's Pairable follow the window. bluetoothd answers Busy to a Set while an
 * earlier one is still with the kernel (a close right after an open is lost that way), and
 * turns bonding on for every adapter by itself when a default agent registers: so a Busy
 * is retried, and every Pairable change bluetoothd reports is checked against the window
 * (on_signal).
 */
static void set_pairable(bluez_gateway *gw);

static gboolean pairable_retry(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->pairable_timer = 0;
	set_pairable(gw);
	return G_SOURCE_REMOVE;
}

static void pairable_set_done(GObject *src, GAsyncResult *res, gpointer user_data)
{
	GError *e = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
	if (r) {
		g_variant_unref(r);
		return;
	}
	g_autofree char *remote = g_dbus_error_get_remote_error(e);
	const bool busy = remote && (strcmp(remote, "org.bluez.Error.Busy") == 0 ||
	                             strcmp(remote, "org.bluez.Error.InProgress") == 0);
	g_error_free(e);
	if (!busy)
		return; /* powered off, adapter gone, …: registration sets it again */
	/* The gateway is alive while the call is (see bluez_gateway_free's flush). */
	bluez_gateway *gw = user_data;
	if (!gw->pairable_timer)
		gw->pairable_timer = g_timeout_add(100, pairable_retry, gw);
}

static void set_pairable(bluez_gateway *gw)
{
	if (!gw->adapter_path[0] || !gw->bluez_up)
		return;
	g_dbus_connection_call(gw->conn, BLUEZ, gw->adapter_path, IFACE_PROPS, "Set",
	                       g_variant_new("(ssv)", IFACE_ADAPTER, "Pairable",
	                                     g_variant_new_boolean(gw->window_open)),
	                       NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, gw->cancel,
	                       pairable_set_done, gw);
}

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
		notice(gw, line);
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
	notice(gw, line);
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
		notice(gw, line);
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
	emit(gw, &ev);
	warn_if_trackable(gw);
}

static void lost(bluez_gateway *gw, const char *why)
{
	if (gw->registered) {
		bluez_event ev = {.kind = BLUEZ_EV_ADVERTISING_STOPPED,
		                  .adapter = gw->adapter_name,
		                  .detail = why};
		emit(gw, &ev);
	}
	gw->registered = gw->registering = false;
	link_budget_init(&gw->budget, NULL); /* nobody is connected any more */
	GHashTableIter it;
	gpointer key, val;
	g_hash_table_iter_init(&it, gw->devices);
	while (g_hash_table_iter_next(&it, &key, &val))
		device_disconnected(gw, val);
	for (size_t i = 0; i < gw->char_count; i++)
		gw->chars[i].notifying = false; /* subscriptions do not survive (BlueZ 5.66) */
}

/* Pick the adapter, learn the devices, register agent, application and advertisement. */
static void try_register(bluez_gateway *gw)
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
		notice(gw, line);
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
		notice(gw, line);
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
			if (ours(gw, path)) {
				/* Known bonds are not new: set them quietly. */
				gw_device *d = device_get(gw, path);
				gboolean b = FALSE;
				if (g_variant_lookup(dev, "Bonded", "b", &b))
					d->bonded = b;
				device_update(gw, path, dev);
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
		notice(gw, line);
		g_clear_error(&e);
	} else {
		g_variant_unref(a);
	}
	set_pairable(gw);
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

static void on_bluez_appeared(GDBusConnection *c, const char *name, const char *owner,
                              gpointer user_data)
{
	(void)c;
	(void)name;
	(void)owner;
	bluez_gateway *gw = user_data;
	gw->bluez_up = true;
	try_register(gw);
}

static void on_bluez_vanished(GDBusConnection *c, const char *name, gpointer user_data)
{
	(void)c;
	(void)name;
	bluez_gateway *gw = user_data;
	const bool was_up = gw->bluez_up;
	gw->bluez_up = false;
	lost(gw, "bluetoothd went away");
	notice(gw, was_up ? "bluetoothd went away; waiting for it to come back"
	                  : "bluetoothd is not running; the simulation goes on without Bluetooth "
	                    "(it registers when bluetoothd starts)");
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
	emit(gw, &ev);
}

/* The GATT server wants a link gone (over its budget, evicted, a revoked bond). */
static void links_server_action(const char *identity, ble_link_action action, const char *why,
                                void *user_data)
{
	bluez_gateway *gw = user_data;
	if (!ours(gw, identity))
		return; /* an in-process virtual phone's */
	links_disconnect(gw, identity, action == BLE_LINK_REVOKE, why);
}

/* A Device1 changed: strangers beyond the pool go at once. */
static void links_follow(bluez_gateway *gw, const char *path)
{
	const gw_device *d = g_hash_table_lookup(gw->devices, path);
	if (d && !link_budget_update(&gw->budget, path, d->connected, d->bonded || d->paired,
	                             monotonic_s()))
		links_disconnect(gw, path, false,
		                 "the connections for unpaired centrals are taken");
}

/* Strangers whose time is up (called from bluez_gateway_poll). */
static void links_expire(bluez_gateway *gw)
{
	char expired[LINK_BUDGET_MAX][LINK_BUDGET_ID_MAX];
	size_t n = link_budget_expired(&gw->budget, monotonic_s(), expired, LINK_BUDGET_MAX);
	for (size_t i = 0; i < n; i++)
		links_disconnect(gw, expired[i], false, "an unpaired central's time is up");
}

static gboolean removed_settled(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->removed_timer = 0;
	for (guint i = 0; i < gw->removed->len; i++)
		if (gw->registered)
			emit_device(gw, BLUEZ_EV_BOND_REMOVED, g_ptr_array_index(gw->removed, i),
			            "device removed");
	g_ptr_array_set_size(gw->removed, 0);
	return G_SOURCE_REMOVE;
}

static void on_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
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
			device_update(gw, path, changed);
			links_follow(gw, path);
		} else if (strcmp(which, IFACE_ADAPTER) == 0) {
			gboolean powered, pairable;
			if (g_variant_lookup(changed, "Pairable", "b", &pairable) &&
			    strcmp(path, gw->adapter_path) == 0 &&
			    (bool)pairable != gw->window_open)
				set_pairable(gw); /* not what the window says: bluetoothd or someone
				                     else changed it */
			if (g_variant_lookup(changed, "Powered", "b", &powered)) {
				if (!powered && strcmp(path, gw->adapter_path) == 0) {
					lost(gw, "adapter powered off");
					char line[128];
					snprintf(line, sizeof line,
					         "adapter %s powered off; the simulation goes on",
					         gw->adapter_name);
					notice(gw, line);
				} else if (powered) {
					try_register(gw);
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
			device_update(gw, obj, dev);
			links_follow(gw, obj);
			g_variant_unref(dev);
		}
		GVariant *ad = g_variant_lookup_value(ifaces, IFACE_ADAPTER, NULL);
		if (ad) {
			try_register(gw);
			g_variant_unref(ad);
		}
		g_variant_unref(ifaces);
	} else if (strcmp(signal, "InterfacesRemoved") == 0) {
		const char *obj;
		g_variant_get(params, "(&o@as)", &obj, NULL);
		link_budget_update(&gw->budget, obj, false, false, 0);
		gw_device *d = g_hash_table_lookup(gw->devices, obj);
		if (d) {
			device_disconnected(gw, d);
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
			lost(gw, "adapter removed");
			notice(gw, "the adapter went away; the simulation goes on");
		}
	}
}

/* Close the pairing window now (`why`: for the event stream and the console line;
 * `attempts`: the attempts that closed it, 0 when something else did). */
static void window_close(bluez_gateway *gw, const char *why, int attempts)
{
	if (gw->window_timer)
		g_source_remove(gw->window_timer);
	gw->window_timer = 0;
	if (!gw->window_open)
		return;
	gw->window_open = false;
	set_pairable(gw);
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: pairing window closed (%s)\n", why);
	bluez_event ev = {.kind = BLUEZ_EV_PAIRING_WINDOW_CLOSED,
	                  .adapter = gw->adapter_name,
	                  .attempts = attempts,
	                  .detail = why};
	emit(gw, &ev);
}

static gboolean window_timeout(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->window_timer = 0;
	window_close(gw, "time is up", 0);
	return G_SOURCE_REMOVE;
}

void bluez_gateway_open_pairing(bluez_gateway *gw, double seconds, const char *who)
{
	if (!gw || !(seconds > 0))
		return;
	if (gw->window_timer)
		g_source_remove(gw->window_timer);
	const guint ms = seconds * 1000.0 > 4e9 ? 4000000000u : (guint)(seconds * 1000.0);
	gw->window_timer = g_timeout_add(ms, window_timeout, gw);
	gw->window_open = true;
	gw->open_attempts = 0;
	set_pairable(gw);
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: pairing window open for %.0f s (%s)\n",
		        seconds, who);
	bluez_event ev = {.kind = BLUEZ_EV_PAIRING_WINDOW_OPENED,
	                  .adapter = gw->adapter_name,
	                  .seconds = seconds,
	                  .detail = who};
	emit(gw, &ev);
}

/* A passkey attempt that did not end paired (the device asked again, or went away). */
static void attempt_failed(bluez_gateway *gw, gw_device *d, const char *how)
{
	if (!d->attempt_open)
		return;
	d->attempt_open = false;
	emit_device(gw, BLUEZ_EV_PAIRING_FAILED, d, how);
}

/*
 * A passkey is about to be shown: one more attempt. bluetoothd tells a DisplayOnly agent
 * nothing when a pairing fails, so attempts are counted as they start and given back when
 * they end in a bond; the last one allowed closes the window at once (the pairing under
 * way may still finish; no further one can start).
 */
static void attempt_started(bluez_gateway *gw, gw_device *d)
{
	if (d->attempt_open)
		attempt_failed(gw, d, "asked again");
	d->attempt_open = true;
	gw->open_attempts++;
	if (gw->open_attempts >= BLUEZ_MAX_PAIRING_ATTEMPTS && gw->window_open) {
		char why[160];
		snprintf(why, sizeof why,
		         "%d pairing attempts without a bond: open it again on the pump to pair "
		         "another phone",
		         gw->open_attempts);
		window_close(gw, why, gw->open_attempts);
	}
}

/* The device paired: its attempt is given back. */
static void attempt_succeeded(bluez_gateway *gw, gw_device *d)
{
	if (!d->attempt_open)
		return;
	d->attempt_open = false;
	if (gw->open_attempts > 0)
		gw->open_attempts--;
}

/* ---- life cycle ---- */

bluez_gateway *bluez_gateway_new(ble_server *srv, const bluez_options *o, GError **err)
{
	GDBusConnection *conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, err);
	if (!conn)
		return NULL;
	bluez_gateway *gw = g_new0(bluez_gateway, 1);
	gw->srv = srv;
	ble_server_release_held_by_transport(srv, true); /* delay_follow */
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
			c->gw = gw;
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
	if (!ble_server_add_listener(srv, on_server_notify, gw)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "no free notify listener slot");
		goto fail;
	}
	ble_server_on_link_action(srv, links_server_action, gw);
	gw->sig_props =
	    g_dbus_connection_signal_subscribe(conn, BLUEZ, IFACE_PROPS, "PropertiesChanged", NULL,
	                                       NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, gw, NULL);
	gw->sig_added =
	    g_dbus_connection_signal_subscribe(conn, BLUEZ, IFACE_OM, "InterfacesAdded", NULL, NULL,
	                                       G_DBUS_SIGNAL_FLAGS_NONE, on_signal, gw, NULL);
	gw->sig_removed =
	    g_dbus_connection_signal_subscribe(conn, BLUEZ, IFACE_OM, "InterfacesRemoved", NULL,
	                                       NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, gw, NULL);
	if (o->pair_window_s > 0)
		bluez_gateway_open_pairing(gw, o->pair_window_s, "--pair-window");
	gw->name_watch =
	    g_bus_watch_name_on_connection(conn, BLUEZ, G_BUS_NAME_WATCHER_FLAGS_NONE,
	                                   on_bluez_appeared, on_bluez_vanished, gw, NULL);
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
	ble_server_remove_listener(gw->srv, on_server_notify, gw);
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

static gboolean wake(gpointer user_data)
{
	*(bool *)user_data = true;
	return G_SOURCE_REMOVE;
}

/* ---- faults that need the radio itself (ble_fault.h) ---- */

static void adv_call_done(GObject *src, GAsyncResult *res, gpointer user_data)
{
	(void)user_data;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, NULL);
	if (r)
		g_variant_unref(r);
}

/* stop_advertising: the advertisement goes down while the fault lasts, and comes back. */
static void faults_follow(bluez_gateway *gw)
{
	const bool off = ble_server_fault_active(gw->srv, BLE_FAULT_STOP_ADVERTISING, gw->now_min);
	if (!gw->registered || off == gw->adv_paused)
		return;
	gw->adv_paused = off;
	g_dbus_connection_call(
	    gw->conn, BLUEZ, gw->adapter_path, "org.bluez.LEAdvertisingManager1",
	    off ? "UnregisterAdvertisement" : "RegisterAdvertisement",
	    off ? g_variant_new("(o)", ADV_PATH)
	        : g_variant_new("(o@a{sv})", ADV_PATH,
	                        g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    NULL, G_DBUS_CALL_FLAGS_NONE, 30000, gw->cancel, adv_call_done, gw);
	bluez_event ev = {.kind = off ? BLUEZ_EV_ADVERTISING_STOPPED : BLUEZ_EV_ADVERTISING_STARTED,
	                  .adapter = gw->adapter_name,
	                  .name = gw->local_name,
	                  .detail = off ? "fault: stop_advertising" : "fault over"};
	emit(gw, &ev);
}

static gboolean release_held(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->release_timer = 0;
	ble_server_release_held(gw->srv, gw->now_min);
	return G_SOURCE_REMOVE;
}

/* delay: what the server holds goes out delay_ms of wall-clock time later (not at the next
 * simulated minute: a phone's stack times the link in seconds). */
static void delay_follow(bluez_gateway *gw)
{
	if (gw->release_timer || ble_server_held_count(gw->srv) == 0)
		return;
	uint32_t ms = ble_server_fault_delay_ms(gw->srv, gw->now_min);
	gw->release_timer = g_timeout_add(ms ? ms : 1, release_held, gw);
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
		links_expire(gw);
	if (gw) {
		faults_follow(gw);
		delay_follow(gw);
	}
}

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

/* The bonded devices of the adapter; its path into adapter_path[64]. */
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
	const size_t n = strlen(adapter_path);
	g_variant_iter_init(&it, objs);
	while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		GVariant *dev = g_variant_lookup_value(ifaces, IFACE_DEVICE, NULL);
		gboolean bonded = FALSE, paired = FALSE, connected = FALSE;
		if (dev && strncmp(path, adapter_path, n) == 0 &&
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
