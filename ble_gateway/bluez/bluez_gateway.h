/*
 * ble_gateway/bluez/bluez_gateway.h — the thin BlueZ adapter: puts the pump's GATT server
 * (ble_server.h) on the air through bluetoothd 5.66 over D-Bus (GLib GIO GDBus).
 *
 * It exports the server's services as a BlueZ GATT application, advertises the pump
 * (0x183A, 0x181F, Appearance 0x0D41, "FakePump-XXXX" with four random hex digits a run:
 * never the serial), registers a DisplayOnly default
 * agent that shows the passkey and refuses Just Works, keeps pairing closed outside the
 * pairing window, and follows bluetoothd (re-registers when org.bluez comes back). Every
 * ATT request it receives goes to ble_server_read/write/subscribe with the requesting
 * Device1 path as the link identity; every refusal answers with a D-Bus error that
 * bluetoothd turns into an ATT error (ble_gateway/README.md). It disconnects what the
 * server drops (ble_server_on_link_action; a revoked bond is removed with RemoveDevice)
 * and keeps unpaired centrals to a pool of two connections of two minutes each
 * (link_budget.h), so that they never hold the connections a bonded phone needs.
 *
 * Must never: hold protocol logic (that is ble_server's), block the run on Bluetooth (no
 * adapter or no bluetoothd is one line and the run goes on), or leave a D-Bus method call
 * unanswered. Follows BlueZ 5.66 doc/gatt-api.txt, agent-api.txt, advertising-api.txt;
 * README "On the air"; docs/ble.md "On the air"; docs/events.md.
 */
#ifndef FAKEPUMP_BLUEZ_GATEWAY_H
#define FAKEPUMP_BLUEZ_GATEWAY_H

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ble_server.h"

typedef enum bluez_event_kind {
	BLUEZ_EV_NOTICE = 0,            /* detail: a line for people (adapter missing, …) */
	BLUEZ_EV_ADVERTISING_STARTED,   /* detail: adapter; name: LocalName */
	BLUEZ_EV_ADVERTISING_STOPPED,   /* detail: why */
	BLUEZ_EV_PAIRING_WINDOW_OPENED, /* seconds: how long; detail: who opened it */
	BLUEZ_EV_PAIRING_WINDOW_CLOSED, /* detail: why (time is up, failed attempts, …) */
	BLUEZ_EV_PASSKEY_DISPLAYED,     /* address, passkey */
	BLUEZ_EV_PAIRING_REFUSED,       /* address, detail: why */
	BLUEZ_EV_PAIRING_FAILED,        /* address, detail: how it ended without a bond */
	BLUEZ_EV_BOND_CREATED,          /* address */
	BLUEZ_EV_BOND_REMOVED,          /* address */
	BLUEZ_EV_CONNECTED,             /* address, security, bonded */
	BLUEZ_EV_DISCONNECTED,          /* address */
	BLUEZ_EV_SECURITY_CHANGED,      /* address, security */
} bluez_event_kind;

const char *bluez_event_kind_name(bluez_event_kind k);

typedef struct bluez_event {
	bluez_event_kind kind;
	const char *adapter; /* "hci0", or NULL */
	const char *device;  /* Device1 object path, or NULL */
	const char *address; /* "AA:BB:…", or NULL */
	gatt_security security;
	bool bonded;
	uint32_t passkey; /* BLUEZ_EV_PASSKEY_DISPLAYED */
	double seconds;   /* BLUEZ_EV_PAIRING_WINDOW_OPENED */
	int attempts;     /* BLUEZ_EV_PAIRING_WINDOW_CLOSED: passkey attempts without a bond
	                     when they closed it (BLUEZ_MAX_PAIRING_ATTEMPTS), else 0 */
	const char *name; /* advertised LocalName */
	const char *detail;
} bluez_event;

/* Called from bluez_gateway_poll (pointers valid during the call only). */
typedef void (*bluez_event_fn)(const bluez_event *ev, void *user_data);

typedef struct bluez_options {
	const char *adapter;     /* "hci0"; NULL = the first powered adapter */
	double pair_window_s;    /* pairing allowed for this many wall-clock seconds from the
	                            start; 0 = closed (bonded phones only) */
	const char *local_name;  /* NULL = "FakePump-XXXX", 4 random hex digits a run */
	bool quiet;              /* no console lines (the passkey line is printed anyway) */
	bluez_event_fn on_event; /* may be NULL */
	void *user_data;
} bluez_options;

typedef struct bluez_gateway bluez_gateway;

/* Passkey pairings one pairing window allows without a bond (a person mistyping twice is
 * fine; a central guessing passkeys is not): the last one closes the window. */
enum { BLUEZ_MAX_PAIRING_ATTEMPTS = 3 };

/*
 * Connect to the system bus, export the application, agent and advertisement objects and
 * start following org.bluez. `srv` is borrowed and must outlive the gateway. Returns NULL
 * with *err set only when the system bus cannot be reached (the caller prints one line and
 * goes on headless); a missing bluetoothd or adapter is not an error: it is reported as a
 * NOTICE event and the gateway registers when they appear.
 */
bluez_gateway *bluez_gateway_new(ble_server *srv, const bluez_options *o, GError **err);
/* Unregister (best effort), close the pairing window, free. NULL is fine. */
void bluez_gateway_free(bluez_gateway *gw);

/* The simulated minute used for the requests that arrive from now on. */
void bluez_gateway_set_now(bluez_gateway *gw, int64_t now_min);
/* Run the default GMainContext for up to max_wait_ms (0 = only what is ready), then send
 * the next burst of any running RACP report (ble_server_continue_reports). */
void bluez_gateway_poll(bluez_gateway *gw, int max_wait_ms);
/*
 * Open the pairing window for `seconds` of wall-clock time (a person types the passkey,
 * whatever --speed is), or restart it if it is open; `who` says what opened it ("pump key",
 * "scenario", "--pair-window") in the event. Outside the window the adapter is not
 * pairable and a pairing that gets to a passkey anyway has its link dropped, the passkey
 * not shown; the
 * window closes early when BLUEZ_MAX_PAIRING_ATTEMPTS passkeys were shown without a bond.
 */
void bluez_gateway_open_pairing(bluez_gateway *gw, double seconds, const char *who);

/* ---- bonds (`fakepump bonds`) ---- */

/* Print the bonded devices of the adapter (NULL = first powered) to `out`: address,
 * name, connected. Returns the count, or -1 with *err set. */
int bluez_bonds_list(const char *adapter, FILE *out, GError **err);
/* Remove the bond with `address` ("all" = every bonded device) via Adapter1.RemoveDevice.
 * Returns how many were removed, or -1 with *err set. */
int bluez_bonds_remove(const char *adapter, const char *address, FILE *out, GError **err);

#endif
