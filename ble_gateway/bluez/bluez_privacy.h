/*
 * bluez_privacy — does an adapter advertise from private addresses? (docs/ble-threats.md P3/P4:
 * a pump that advertises its public address can be recognised wherever it goes.)
 *
 * bluetoothd 5.66 does not say on D-Bus whether privacy is on: main.conf `Privacy = device`
 * asks for it when bluetoothd takes the adapter, and the kernel refuses it for an adapter
 * that is already powered. The kernel's management interface (BlueZ doc/mgmt-api.txt, Read
 * Controller Information, current settings bit 13 "Privacy") tells; the command is allowed
 * without privileges.
 */
#ifndef FAKEPUMP_BLUEZ_PRIVACY_H
#define FAKEPUMP_BLUEZ_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum bluez_privacy {
	BLUEZ_PRIVACY_ON = 0,  /* resolvable private addresses */
	BLUEZ_PRIVACY_OFF,     /* the public (or static) address: trackable */
	BLUEZ_PRIVACY_UNKNOWN, /* could not ask (no Bluetooth in the kernel, no such index…) */
} bluez_privacy;

/* Ask the kernel about adapter hci`index`; waits at most `timeout_ms` for the answer. On
 * BLUEZ_PRIVACY_UNKNOWN, `why` says why (may be NULL). */
bluez_privacy bluez_privacy_read(unsigned index, int timeout_ms, char *why, size_t why_cap);

#endif
