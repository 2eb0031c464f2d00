/*
 * ble_link.c — a connection as a transport presents it (ble_link.h): the link value and
 * the names of its security levels. Pure: no server state, so the server's modules and its
 * transports all build and name links alike.
 */
#include <stdio.h>
#include <string.h>

#include "ble_link.h"

ble_link ble_link_make(const char *identity, gatt_security security, bool bonded)
{
	ble_link l = {{0}, security, bonded};
	if (identity)
		snprintf(l.identity, sizeof l.identity, "%s", identity);
	return l;
}

const char *ble_link_security_name(gatt_security s)
{
	switch (s) {
	case GATT_SEC_NONE:
		return "unencrypted";
	case GATT_SEC_ENCRYPTED:
		return "encrypted (Just Works)";
	case GATT_SEC_AUTHENTICATED:
		return "authenticated (legacy MITM)";
	case GATT_SEC_SECURE:
		return "authenticated (LE SC + MITM)";
	}
	return "unknown";
}

bool ble_link_security_from_name(const char *name, gatt_security *out)
{
	if (!name)
		return false;
	if (strcmp(name, "authenticated") == 0 || strcmp(name, "secure") == 0)
		*out = GATT_SEC_SECURE;
	else if (strcmp(name, "encrypted") == 0 || strcmp(name, "just_works") == 0 ||
	         strcmp(name, "just-works") == 0)
		*out = GATT_SEC_ENCRYPTED;
	else if (strcmp(name, "legacy_authenticated") == 0)
		*out = GATT_SEC_AUTHENTICATED;
	else if (strcmp(name, "unencrypted") == 0 || strcmp(name, "none") == 0)
		*out = GATT_SEC_NONE;
	else
		return false;
	return true;
}
