/*
 * bluez_attempts — how a passkey attempt ends. The agent opens one on a device when it shows
 * a passkey and counts it against the pairing window (bluez_pairing.c); it ends failed (the
 * device asked again, or disconnected before pairing) or given back (the device paired).
 * Apart from the agent because the devices table (bluez_devices.c) ends attempts as it
 * follows bluetoothd, and the agent sits above that table: here, below both, each calls
 * down.
 *
 * Must never: close the pairing window (that is the agent's, when an attempt starts).
 */
#include "bluez_internal.h"

/* A passkey attempt that did not end paired (the device asked again, or went away). */
void gw_attempt_failed(bluez_gateway *gw, gw_device *d, const char *how)
{
	if (!d->attempt_open)
		return;
	d->attempt_open = false;
	gw_emit_device(gw, BLUEZ_EV_PAIRING_FAILED, d, how);
}

/* The device paired: its attempt is given back. */
void gw_attempt_succeeded(bluez_gateway *gw, gw_device *d)
{
	if (!d->attempt_open)
		return;
	d->attempt_open = false;
	if (gw->open_attempts > 0)
		gw->open_attempts--;
}
