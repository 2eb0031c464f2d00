/*
 * bluez_events — the event stream the adapter hands its user (bluez_gateway.h): the event
 * kinds' names, one event to on_event, an event about a device, and the one-line notices for
 * people. At the bottom of the adapter, apart from its life cycle, because every other part
 * reports through it and it calls none of them.
 *
 * Must never: call back into the rest of the adapter (every part calls down to it).
 */
#include <stdio.h>
#include <string.h>

#include "bluez_internal.h"

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

void gw_emit(bluez_gateway *gw, const bluez_event *ev)
{
	if (gw->opt.on_event)
		gw->opt.on_event(ev, gw->opt.user_data);
}

void gw_emit_device(bluez_gateway *gw, bluez_event_kind kind, const gw_device *d,
                    const char *detail)
{
	bluez_event ev = {.kind = kind,
	                  .adapter = gw->adapter_name,
	                  .device = d->path,
	                  .address = d->address,
	                  .security = d->level,
	                  .bonded = d->bonded,
	                  .detail = detail};
	gw_emit(gw, &ev);
}

/* One line for people, printed once however often the condition is seen. */
void gw_notice(bluez_gateway *gw, const char *text)
{
	if (strcmp(gw->last_notice, text) == 0)
		return;
	g_strlcpy(gw->last_notice, text, sizeof gw->last_notice);
	if (!gw->opt.quiet)
		fprintf(stderr, "fakepump: bluetooth: %s\n", text);
	bluez_event ev = {.kind = BLUEZ_EV_NOTICE, .adapter = gw->adapter_name, .detail = text};
	gw_emit(gw, &ev);
}
