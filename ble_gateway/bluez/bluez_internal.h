/*
 * bluez_internal.h — the BlueZ adapter's private state and the helpers its files share.
 * Private to ble_gateway/bluez/: only the adapter's own files include it; every other
 * caller sees the opaque bluez_gateway of bluez_gateway.h and must never rely on what is
 * here.
 *
 * The adapter is one object written as several files, one concept each, listed from the
 * top down: a file calls only files below it, so that each can be read knowing only what
 * is under it.
 *   bluez_gateway.c   life cycle, the D-Bus objects it exports and the dispatch of their
 *                     calls, the poll
 *   bluez_signals.c   what bluetoothd broadcasts: Device1 and Adapter1 changes, objects
 *                     added and removed
 *   bluez_register.c  getting on the air: adapter, agent, application, advertisement;
 *                     bluetoothd coming and going
 *   bluez_gatt.c      the GATT application: characteristics (read, write, notify), ATT
 *                     errors as D-Bus errors, the application root
 *   bluez_pairing.c   the agent (passkey), the pairing window, the adapter's Pairable,
 *                     the attempts as they start
 *   bluez_faults.c    the injected faults that need the radio itself (ble_fault.h)
 *   bluez_devices.c   each device: connected, paired, bonded, the security level it has
 *                     proven; who may stay connected (link_budget.h) and the server's drops
 *   bluez_attempts.c  how a passkey attempt ends: failed, or given back when paired
 *   bluez_events.c    the event stream to the gateway's user, and notices for people
 *   bluez_bonds.c     `fakepump bonds`: list and remove bonds (no gateway object)
 * The shared helpers carry the gw_ prefix of the private types so that they cannot collide
 * in a static link; the file that defines each one is named above its declaration.
 *
 * Must never: hold mutable state outside struct bluez_gateway (the files share no static
 * variable).
 */
#ifndef FAKEPUMP_BLUEZ_INTERNAL_H
#define FAKEPUMP_BLUEZ_INTERNAL_H

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bluez_gateway.h"
#include "link_budget.h"

/* bluetoothd's bus name, the objects we export, the interfaces we call or implement. */
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

/* One exported characteristic (APP_PATH/serviceN/charM) and what it last notified. */
typedef struct gw_char {
	const gatt_characteristic_def *def;
	char path[64];
	char service_path[48];
	bool notifying;
	GBytes *value; /* last value notified, for the Value property */
} gw_char;

/* One exported service (APP_PATH/serviceN). */
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

/* One a run: bluez_gateway_new allocates it, bluez_gateway_free frees it. */
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
	GPtrArray *removed; /* gw_device* of bonded devices just removed (see gw_on_signal) */
	guint removed_timer;
	guint pairable_timer; /* a Pairable Set to send again (gw_set_pairable) */
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
	link_budget budget;  /* who may hold a connection (gw_links_follow, issue 12) */
	bool adv_paused;     /* the stop_advertising fault took the advertisement down */
	guint release_timer; /* values a delay fault holds go when it fires */
};

/* ---- bluez_events.c: the event stream ---- */

/* Hand `ev` to the caller's on_event, if there is one. */
void gw_emit(bluez_gateway *gw, const bluez_event *ev);
/* An event about `d` (its path, address, proven level, bond); `detail` may be NULL. */
void gw_emit_device(bluez_gateway *gw, bluez_event_kind kind, const gw_device *d,
                    const char *detail);
/* One line for people (stderr unless quiet, and a NOTICE event), printed once however
 * often the condition is seen: the same text twice in a row is said once. */
void gw_notice(bluez_gateway *gw, const char *text);

/* ---- bluez_attempts.c: how a passkey attempt ends ---- */

/* `d`'s open passkey attempt ended without pairing (`how`): PAIRING_FAILED. Nothing
 * without an open attempt; the attempt still counts against the window. */
void gw_attempt_failed(bluez_gateway *gw, gw_device *d, const char *how);
/* `d` paired: its open attempt no longer counts against the window. */
void gw_attempt_succeeded(bluez_gateway *gw, gw_device *d);

/* ---- bluez_devices.c: devices, their proven level, who may stay connected ---- */

/* Is `device_path` a device of the chosen adapter? False while none is chosen. */
bool gw_ours(const bluez_gateway *gw, const char *device_path);
/* The device at `path`, created (disconnected, unproven) if new; gw->devices owns it. */
gw_device *gw_device_get(bluez_gateway *gw, const char *path);
/* The server's link for `d`: its path as the identity, its proven level, its bond. */
ble_link gw_link_of(const gw_device *d);
/* `d` disconnected: an open passkey attempt fails, the server drops the link, a
 * DISCONNECTED event; the level is unproven again. Nothing if it was not connected. */
void gw_device_disconnected(bluez_gateway *gw, gw_device *d);
/* `d` connected, unproven; sent away at once while refuse_connections or stop_advertising
 * is active. Nothing if it was connected already. */
void gw_device_connected(bluez_gateway *gw, gw_device *d);
/* Raise `d`'s proven level to `level` (never lowers it) and subscribe it in the server to
 * the notifying characteristics that level now meets. */
void gw_device_prove(bluez_gateway *gw, gw_device *d, gatt_security level);
/* Apply Device1 properties (a{sv}) to the device at `path` (paired, bonded, connected);
 * devices of other adapters are ignored. */
void gw_device_update(bluez_gateway *gw, const char *path, GVariant *props);
/* The device a request comes from; one not known yet is asked of bluetoothd
 * (synchronously, up to 1 s). */
gw_device *gw_device_for_request(bluez_gateway *gw, const char *path);
/* ble_link_action_fn: the server wants a link gone (disconnected, or its bond removed when
 * revoked); links that are not our adapter's (virtual phones') are left alone. */
void gw_links_server_action(const char *identity, ble_link_action action, const char *why,
                            void *user_data);
/* After a change of the device at `path`: an unpaired central beyond the pool goes. */
void gw_links_follow(bluez_gateway *gw, const char *path);
/* Disconnect the unpaired centrals whose time is up (from bluez_gateway_poll). */
void gw_links_expire(bluez_gateway *gw);

/* ---- bluez_gatt.c: the GATT application ---- */

/* The characteristic exported at `path`, or NULL. */
gw_char *gw_char_by_path(bluez_gateway *gw, const char *path);
/* ReadValue(a{sv}): answers `inv` with the value from the requested offset, or with the
 * ATT error as a D-Bus error. The request proves its device's level (gw_device_prove). */
void gw_char_read(bluez_gateway *gw, gw_char *c, GVariant *params, GDBusMethodInvocation *inv);
/* WriteValue(ay, a{sv}): answers `inv` with nothing, or with the ATT error as a D-Bus
 * error. The request proves its device's level (gw_device_prove). */
void gw_char_write(bluez_gateway *gw, gw_char *c, GVariant *params, GDBusMethodInvocation *inv);
/* StartNotify (`on`): subscribes in the server the connected devices whose proven level
 * meets the characteristic's; StopNotify: unsubscribes every connected one. Signals
 * Notifying; does not answer the call (the caller does). */
void gw_char_notify(bluez_gateway *gw, gw_char *c, bool on);
/* ble_notify_fn: the server's notifications and indications → PropertiesChanged on Value
 * (`user_data` is the gateway); virtual phones' links are ignored. */
void gw_on_server_notify(const ble_link *link, gatt_char_id id, bool indication,
                         const uint8_t *value, size_t len, void *user_data);
/* A GattCharacteristic1 property as a new floating GVariant, or NULL for an unknown name. */
GVariant *gw_char_property(gw_char *c, const char *name);
/* A GattService1 property as a new floating GVariant, or NULL for an unknown name. */
GVariant *gw_service_property(const gw_service *s, const char *name);
/* GetManagedObjects' reply (floating): every service and characteristic exported. */
GVariant *gw_managed_objects(bluez_gateway *gw);

/* ---- bluez_register.c: getting on the air ---- */

/* An LEAdvertisement1 property as a new floating GVariant, or NULL for an unknown name. */
GVariant *gw_adv_property(bluez_gateway *gw, const char *name);
/* The registration is gone (bluetoothd or the adapter went away): ADVERTISING_STOPPED if it
 * was up, nothing registered or in flight, every device disconnected, the budget and the
 * subscriptions cleared. */
void gw_lost(bluez_gateway *gw, const char *why);
/* When bluetoothd is up and nothing is registered or in flight: choose the adapter, learn
 * its devices, register the agent, then the application and the advertisement
 * (asynchronously). What stands in the way is one notice. */
void gw_try_register(bluez_gateway *gw);
/* The name watch on org.bluez (`user_data` is the gateway): register when it appears,
 * gw_lost when it vanishes. */
void gw_on_bluez_appeared(GDBusConnection *c, const char *name, const char *owner,
                          gpointer user_data);
void gw_on_bluez_vanished(GDBusConnection *c, const char *name, gpointer user_data);

/* ---- bluez_pairing.c: the agent, the pairing window, the attempts as they start ---- */

/* Make the adapter's Pairable what the window says (asynchronous, a Busy retried in 100 ms);
 * nothing without an adapter or bluetoothd. */
void gw_set_pairable(bluez_gateway *gw);
/* An org.bluez.Agent1 method call: shows a passkey (inside the window; outside it the link
 * is dropped), refuses every other way to pair; answers `inv`. */
void gw_agent_call(bluez_gateway *gw, const char *method, GVariant *params,
                   GDBusMethodInvocation *inv);

/* ---- bluez_signals.c: what bluetoothd broadcasts ---- */

/* GDBusSignalCallback for org.bluez's PropertiesChanged, InterfacesAdded and
 * InterfacesRemoved (`user_data` is the gateway). */
void gw_on_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                  const char *signal, GVariant *params, gpointer user_data);

/* ---- bluez_faults.c: faults that need the radio (from bluez_gateway_poll) ---- */

/* stop_advertising, while registered: take the advertisement down when the fault starts,
 * put it back when it ends (ADVERTISING_STOPPED / _STARTED events). */
void gw_faults_follow(bluez_gateway *gw);
/* delay: when the server holds values and no release is armed, release them delay_ms of
 * wall-clock time from now. */
void gw_delay_follow(bluez_gateway *gw);

#endif
