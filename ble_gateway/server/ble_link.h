/*
 * ble_gateway/server/ble_link.h — a connection as a transport presents it to the server:
 * the central's identity, the security level of the link, whether it is bonded.
 *
 * Must never: be trusted for what it "was": the server keys its per-link state by identity,
 * and a known identity at another level is a new connection.
 */
#ifndef FAKEPUMP_BLE_LINK_H
#define FAKEPUMP_BLE_LINK_H

#include <stdbool.h>

#include "gatt_model.h"

enum { BLE_LINK_IDENTITY_MAX = 64 };

/*
 * A connection as the transport sees it. `security` uses the GATT model's levels:
 *   GATT_SEC_NONE           unencrypted link;
 *   GATT_SEC_ENCRYPTED      encrypted with an unauthenticated key (Just Works);
 *   GATT_SEC_AUTHENTICATED  encrypted, MITM-authenticated legacy pairing (passkey);
 *   GATT_SEC_SECURE         LE Secure Connections with MITM (what IDS/CGMS require).
 * The scenario's `link: authenticated | encrypted | unencrypted` maps to SECURE /
 * ENCRYPTED / NONE (ble_link_security_from_name).
 * The server keys its per-link state (E2E counters, CCCDs, procedure in progress, rate
 * limits) by `identity`; a request with a known identity but another security level is a
 * new connection (state reset, audited): a link is never trusted for what it "was".
 */
typedef struct ble_link {
	char identity[BLE_LINK_IDENTITY_MAX]; /* device path or identity address */
	gatt_security security;
	bool bonded;
} ble_link;

/* A link value; `identity` is copied (truncated to fit). */
ble_link ble_link_make(const char *identity, gatt_security security, bool bonded);
/* "unencrypted", "encrypted (Just Works)", "authenticated (legacy MITM)",
 * "authenticated (LE SC + MITM)". */
const char *ble_link_security_name(gatt_security s);
/* "authenticated" → SECURE, "encrypted"/"just_works" → ENCRYPTED, "unencrypted"/"none" →
 * NONE; false for anything else. */
bool ble_link_security_from_name(const char *name, gatt_security *out);

#endif
