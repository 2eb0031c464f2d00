/*
 * gatt_model.c — the GATT database FakePump exposes, as data: services, characteristics,
 * descriptors, properties and the security level each access requires. The BlueZ adapter
 * exports it (in this order, so handles stay stable: iOS caches them) and the in-process
 * virtual phone enforces the same levels on its links.
 *
 * Security (FakePump's rule, stricter than anything the public sources show; docs/ble.md
 * "Links and security levels"): every IDS and CGMS characteristic, and their CCCD writes,
 * need an encrypted link from LE Secure Connections with MITM protection — BlueZ
 * `secure-*` (BlueZ 5.66 checks them as security < BT_SECURITY_FIPS → ATT 0x05). The
 * security sections of the IDP and CGMP profiles were not at hand; NCS-CGMS puts every
 * CGMS attribute behind authenticated (MITM) encryption. If the SIG requires less, FakePump
 * stays stricter.
 * Device Information and Battery are readable unpaired (phones read them before pairing),
 * except the Serial Number: it identifies the device, so it waits for the bond
 * (docs/ble-threats.md P5). Current Time can be written by a collector (IDS history and
 * the basal clock depend on it), so CTS is SECURE too.
 * IDD Features is read-only here (ST-IDS also registers indicate; the value never changes
 * during a run). CCCDs are created by BlueZ, never exported.
 */
#include <stdio.h>

#include "gatt_model.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const gatt_descriptor_def cccd_secure[] = {
    {GATT_UUID_CCCD, "Client Characteristic Configuration", true, GATT_SEC_SECURE},
};
static const gatt_descriptor_def cccd_open[] = {
    {GATT_UUID_CCCD, "Client Characteristic Configuration", true, GATT_SEC_NONE},
};

enum {
	R = GATT_PROP_READ,
	W = GATT_PROP_WRITE,
	NTF = GATT_PROP_NOTIFY,
	IND = GATT_PROP_INDICATE,
};

#define SECURE_CCCD 1, cccd_secure
#define OPEN_CCCD 1, cccd_open
#define NO_DESC 0, NULL

static const gatt_characteristic_def ids_chars[] = {
    {GATT_IDD_STATUS_CHANGED, 0x2B20, "IDD Status Changed", R | IND, GATT_SEC_SECURE, true,
     SECURE_CCCD},
    {GATT_IDD_STATUS, 0x2B21, "IDD Status", R | IND, GATT_SEC_SECURE, true, SECURE_CCCD},
    {GATT_IDD_ANNUNCIATION_STATUS, 0x2B22, "IDD Annunciation Status", R | IND, GATT_SEC_SECURE,
     true, SECURE_CCCD},
    /* Carries its own leading E2E-CRC, not the tail. */
    {GATT_IDD_FEATURES, 0x2B23, "IDD Features", R, GATT_SEC_SECURE, false, NO_DESC},
    {GATT_IDD_STATUS_READER_CP, 0x2B24, "IDD Status Reader Control Point", W | IND, GATT_SEC_SECURE,
     true, SECURE_CCCD},
    {GATT_IDD_COMMAND_CP, 0x2B25, "IDD Command Control Point", W | IND, GATT_SEC_SECURE, true,
     SECURE_CCCD},
    {GATT_IDD_COMMAND_DATA, 0x2B26, "IDD Command Data", NTF, GATT_SEC_SECURE, true, SECURE_CCCD},
    {GATT_IDD_RACP, 0x2B27, "IDD Record Access Control Point", W | IND, GATT_SEC_SECURE, true,
     SECURE_CCCD},
    {GATT_IDD_HISTORY_DATA, 0x2B28, "IDD History Data", NTF, GATT_SEC_SECURE, true, SECURE_CCCD},
};

static const gatt_characteristic_def cgms_chars[] = {
    {GATT_CGM_MEASUREMENT, 0x2AA7, "CGM Measurement", NTF, GATT_SEC_SECURE, true, SECURE_CCCD},
    /* The CRC field is always there (0xFFFF when E2E is off). */
    {GATT_CGM_FEATURE, 0x2AA8, "CGM Feature", R, GATT_SEC_SECURE, false, NO_DESC},
    {GATT_CGM_STATUS, 0x2AA9, "CGM Status", R, GATT_SEC_SECURE, true, NO_DESC},
    {GATT_CGM_SESSION_START_TIME, 0x2AAA, "CGM Session Start Time", R | W, GATT_SEC_SECURE, true,
     NO_DESC},
    {GATT_CGM_SESSION_RUN_TIME, 0x2AAB, "CGM Session Run Time", R, GATT_SEC_SECURE, true, NO_DESC},
    /* The generic RACP carries no E2E-CRC. */
    {GATT_CGM_RACP, 0x2A52, "Record Access Control Point", W | IND, GATT_SEC_SECURE, false,
     SECURE_CCCD},
    {GATT_CGM_SOCP, 0x2AAC, "CGM Specific Ops Control Point", W | IND, GATT_SEC_SECURE, true,
     SECURE_CCCD},
};

static const gatt_characteristic_def dis_chars[] = {
    {GATT_DIS_MANUFACTURER_NAME, 0x2A29, "Manufacturer Name String", R, GATT_SEC_NONE, false,
     NO_DESC},
    {GATT_DIS_MODEL_NUMBER, 0x2A24, "Model Number String", R, GATT_SEC_NONE, false, NO_DESC},
    {GATT_DIS_SERIAL_NUMBER, 0x2A25, "Serial Number String", R, GATT_SEC_SECURE, false, NO_DESC},
    {GATT_DIS_HARDWARE_REVISION, 0x2A27, "Hardware Revision String", R, GATT_SEC_NONE, false,
     NO_DESC},
    {GATT_DIS_FIRMWARE_REVISION, 0x2A26, "Firmware Revision String", R, GATT_SEC_NONE, false,
     NO_DESC},
    {GATT_DIS_SOFTWARE_REVISION, 0x2A28, "Software Revision String", R, GATT_SEC_NONE, false,
     NO_DESC},
    {GATT_DIS_SYSTEM_ID, 0x2A23, "System ID", R, GATT_SEC_NONE, false, NO_DESC},
    {GATT_DIS_PNP_ID, 0x2A50, "PnP ID", R, GATT_SEC_NONE, false, NO_DESC},
};

static const gatt_characteristic_def bas_chars[] = {
    {GATT_BAS_BATTERY_LEVEL, 0x2A19, "Battery Level", R | NTF, GATT_SEC_NONE, false, OPEN_CCCD},
};

static const gatt_characteristic_def cts_chars[] = {
    {GATT_CTS_CURRENT_TIME, 0x2A2B, "Current Time", R | W | NTF, GATT_SEC_SECURE, false,
     SECURE_CCCD},
};

static const gatt_service_def services[] = {
    {GATT_UUID_IDS, "Insulin Delivery", true, N(ids_chars), ids_chars},
    {GATT_UUID_CGMS, "Continuous Glucose Monitoring", true, N(cgms_chars), cgms_chars},
    {GATT_UUID_DIS, "Device Information", true, N(dis_chars), dis_chars},
    {GATT_UUID_BAS, "Battery", true, N(bas_chars), bas_chars},
    {GATT_UUID_CTS, "Current Time", true, N(cts_chars), cts_chars},
};

const gatt_service_def *gatt_services(size_t *count)
{
	*count = N(services);
	return services;
}

/* Every request looks its characteristic up (a flood of reads makes this hot): a service's
 * characteristics are its ids in order, so the id is an index (the gatt tests check it). */
const gatt_characteristic_def *gatt_characteristic(gatt_char_id id)
{
	for (size_t s = 0; s < N(services); s++) {
		const gatt_characteristic_def *first = services[s].characteristics;
		const unsigned i = (unsigned)id - (unsigned)first->id;
		if (i < services[s].characteristic_count)
			return &first[i];
	}
	return NULL;
}

gatt_e2e_kind gatt_e2e_of(gatt_char_id id, ids_e2e_channel *ch)
{
	static const struct {
		gatt_char_id id;
		ids_e2e_channel ch;
	} ids[] = {
	    {GATT_IDD_STATUS_CHANGED, IDS_E2E_STATUS_CHANGED},
	    {GATT_IDD_STATUS, IDS_E2E_STATUS},
	    {GATT_IDD_ANNUNCIATION_STATUS, IDS_E2E_ANNUNCIATION},
	    {GATT_IDD_STATUS_READER_CP, IDS_E2E_STATUS_READER_CP},
	    {GATT_IDD_COMMAND_CP, IDS_E2E_COMMAND_CP},
	    {GATT_IDD_COMMAND_DATA, IDS_E2E_COMMAND_DATA},
	    {GATT_IDD_RACP, IDS_E2E_RACP},
	    {GATT_IDD_HISTORY_DATA, IDS_E2E_HISTORY},
	};
	const gatt_characteristic_def *d = gatt_characteristic(id);
	if (!d || !d->e2e)
		return GATT_E2E_NONE;
	for (size_t i = 0; i < N(ids); i++)
		if (ids[i].id == id) {
			if (ch)
				*ch = ids[i].ch;
			return GATT_E2E_IDS;
		}
	return GATT_E2E_CGMS;
}

const gatt_service_def *gatt_service_of(gatt_char_id id)
{
	for (size_t s = 0; s < N(services); s++)
		for (size_t c = 0; c < services[s].characteristic_count; c++)
			if (services[s].characteristics[c].id == id)
				return &services[s];
	return NULL;
}

const gatt_characteristic_def *gatt_find_characteristic(uint16_t service_uuid16,
                                                        uint16_t char_uuid16)
{
	for (size_t s = 0; s < N(services); s++) {
		if (services[s].uuid16 != service_uuid16)
			continue;
		for (size_t c = 0; c < services[s].characteristic_count; c++)
			if (services[s].characteristics[c].uuid16 == char_uuid16)
				return &services[s].characteristics[c];
	}
	return NULL;
}

void gatt_uuid16_to_string(uint16_t uuid16, char out[37])
{
	snprintf(out, 37, "0000%04x-0000-1000-8000-00805f9b34fb", (unsigned)uuid16);
}

const char *gatt_security_name(gatt_security s)
{
	switch (s) {
	case GATT_SEC_NONE:
		return "none";
	case GATT_SEC_ENCRYPTED:
		return "encrypted";
	case GATT_SEC_AUTHENTICATED:
		return "authenticated";
	case GATT_SEC_SECURE:
		return "secure";
	}
	return "?";
}

bool gatt_security_met(gatt_security required, gatt_security link)
{
	return link >= required;
}

static void add(const char **out, size_t cap, size_t *n, const char *flag)
{
	if (*n < cap)
		out[*n] = flag;
	(*n)++;
}

/* BlueZ 5.66 src/gatt-database.c parse_chrc_flags names. */
static const char *secured(gatt_security s, const char *encrypt, const char *authen,
                           const char *secure)
{
	switch (s) {
	case GATT_SEC_ENCRYPTED:
		return encrypt;
	case GATT_SEC_AUTHENTICATED:
		return authen;
	case GATT_SEC_SECURE:
		return secure;
	default:
		return NULL;
	}
}

size_t gatt_bluez_flags(const gatt_characteristic_def *c, const char **out, size_t cap)
{
	size_t n = 0;
	const char *f;
	if (c->properties & GATT_PROP_READ) {
		add(out, cap, &n, "read");
		if ((f = secured(c->security, "encrypt-read", "encrypt-authenticated-read",
		                 "secure-read")))
			add(out, cap, &n, f);
	}
	if (c->properties & GATT_PROP_WRITE) {
		add(out, cap, &n, "write");
		if ((f = secured(c->security, "encrypt-write", "encrypt-authenticated-write",
		                 "secure-write")))
			add(out, cap, &n, f);
	}
	if (c->properties & GATT_PROP_WRITE_WITHOUT_RESPONSE)
		add(out, cap, &n, "write-without-response");
	if (c->properties & GATT_PROP_NOTIFY) {
		add(out, cap, &n, "notify");
		if ((f = secured(c->security, "encrypt-notify", "encrypt-authenticated-notify",
		                 "secure-notify")))
			add(out, cap, &n, f);
	}
	if (c->properties & GATT_PROP_INDICATE) {
		add(out, cap, &n, "indicate");
		if ((f = secured(c->security, "encrypt-indicate", "encrypt-authenticated-indicate",
		                 "secure-indicate")))
			add(out, cap, &n, f);
	}
	return n < cap ? n : cap;
}
