/*
 * bluez_pairing — who may pair, and how. The DisplayOnly default agent (BlueZ 5.66
 * doc/agent-api.txt) shows the passkey and refuses Just Works, numeric comparison and PIN
 * codes. The pairing window, opened on the pump, is the only time the adapter is pairable;
 * it closes when its time is up or when BLUEZ_MAX_PAIRING_ATTEMPTS passkeys were shown
 * without a bond (the attempts: counted here as they start; how one ends, bluez_attempts.c).
 *
 * Must never: show a passkey outside the window (the link is dropped instead).
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"

/* ---- the adapter's Pairable follows the window ---- */

/*
 * Make the adapter's Pairable follow the window. bluetoothd answers Busy to a Set while an
 * earlier one is still with the kernel (a close right after an open is lost that way), and
 * turns bonding on for every adapter by itself when a default agent registers: so a Busy
 * is retried, and every Pairable change bluetoothd reports is checked against the window
 * (gw_on_signal).
 */

static gboolean pairable_retry(gpointer user_data)
{
	bluez_gateway *gw = user_data;
	gw->pairable_timer = 0;
	gw_set_pairable(gw);
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

void gw_set_pairable(bluez_gateway *gw)
{
	if (!gw->adapter_path[0] || !gw->bluez_up)
		return;
	g_dbus_connection_call(gw->conn, BLUEZ, gw->adapter_path, IFACE_PROPS, "Set",
	                       g_variant_new("(ssv)", IFACE_ADAPTER, "Pairable",
	                                     g_variant_new_boolean(gw->window_open)),
	                       NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, gw->cancel,
	                       pairable_set_done, gw);
}

/* ---- the pairing window ---- */

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
	gw_set_pairable(gw);
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: pairing window closed (%s)\n", why);
	bluez_event ev = {.kind = BLUEZ_EV_PAIRING_WINDOW_CLOSED,
	                  .adapter = gw->adapter_name,
	                  .attempts = attempts,
	                  .detail = why};
	gw_emit(gw, &ev);
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
	gw_set_pairable(gw);
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: pairing window open for %.0f s (%s)\n",
		        seconds, who);
	bluez_event ev = {.kind = BLUEZ_EV_PAIRING_WINDOW_OPENED,
	                  .adapter = gw->adapter_name,
	                  .seconds = seconds,
	                  .detail = who};
	gw_emit(gw, &ev);
}

/* ---- attempts (how one ends: bluez_attempts.c) ---- */

/*
 * A passkey is about to be shown: one more attempt. bluetoothd tells a DisplayOnly agent
 * nothing when a pairing fails, so attempts are counted as they start and given back when
 * they end in a bond; the last one allowed closes the window at once (the pairing under
 * way may still finish; no further one can start).
 */
static void attempt_started(bluez_gateway *gw, gw_device *d)
{
	if (d->attempt_open)
		gw_attempt_failed(gw, d, "asked again");
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

/* ---- agent (BlueZ doc/agent-api.txt: DisplayOnly, passkey entry) ---- */

void gw_agent_call(bluez_gateway *gw, const char *method, GVariant *params,
                   GDBusMethodInvocation *inv)
{
	const char *dev = NULL;
	if (g_str_has_prefix(g_variant_get_type_string(params), "(o"))
		g_variant_get_child(params, 0, "&o", &dev);
	gw_device *d = dev && gw_ours(gw, dev) ? gw_device_get(gw, dev) : NULL;
	if (strcmp(method, "DisplayPasskey") == 0) {
		guint32 passkey = 0;
		guint16 entered = 0;
		g_variant_get(params, "(&ouq)", &dev, &passkey, &entered);
		if (d && !gw->window_open) {
			/* Not pairable, yet a pairing got this far (one that does not ask to
			 * bond). bluetoothd does not let a DisplayOnly agent refuse (the call has
			 * no reply), and CancelPairing only cancels pairings we started: drop the
			 * link, and never show the passkey. */
			gw_emit_device(gw, BLUEZ_EV_PAIRING_REFUSED, d,
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
			gw_emit(gw, &ev);
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
			gw_emit_device(gw, BLUEZ_EV_PAIRING_REFUSED, d,
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
