/*
 * ble_gateway/protocol/gatt_model.h — the GATT service model of the pump: its services and
 * characteristics in registration order, their UUIDs, properties, the security level each
 * needs, which carry E2E-Protection, and the BlueZ flags that express them.
 *
 * Must never: change the registration order between runs (phones cache attribute handles);
 * let a characteristic's CCCD need less than the characteristic itself.
 *
 * Follows Core 5.3 Vol 3 Part G (GATT) and the SIG Assigned Numbers for the UUIDs; the
 * security levels are FakePump's rule (docs/ble.md "Links and security levels").
 */
#ifndef FAKEPUMP_BLE_GATT_MODEL_H
#define FAKEPUMP_BLE_GATT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2e.h"

enum {
	GATT_PROP_READ = 1u << 0,
	GATT_PROP_WRITE = 1u << 1,
	GATT_PROP_WRITE_WITHOUT_RESPONSE = 1u << 2,
	GATT_PROP_NOTIFY = 1u << 3,
	GATT_PROP_INDICATE = 1u << 4,
};

/* Link security, weakest first; a requirement is met by any level >= it. */
typedef enum gatt_security {
	GATT_SEC_NONE = 0,      /* plain link, readable unpaired */
	GATT_SEC_ENCRYPTED,     /* any encryption (Just Works suffices): BlueZ encrypt-* */
	GATT_SEC_AUTHENTICATED, /* MITM, legacy passkey allowed: encrypt-authenticated-* */
	GATT_SEC_SECURE,        /* LE Secure Connections + MITM: BlueZ secure-* */
} gatt_security;

const char *gatt_security_name(gatt_security s);
bool gatt_security_met(gatt_security required, gatt_security link);

typedef enum gatt_char_id {
	GATT_IDD_STATUS_CHANGED = 0,
	GATT_IDD_STATUS,
	GATT_IDD_ANNUNCIATION_STATUS,
	GATT_IDD_FEATURES,
	GATT_IDD_STATUS_READER_CP,
	GATT_IDD_COMMAND_CP,
	GATT_IDD_COMMAND_DATA,
	GATT_IDD_RACP,
	GATT_IDD_HISTORY_DATA,
	GATT_CGM_MEASUREMENT,
	GATT_CGM_FEATURE,
	GATT_CGM_STATUS,
	GATT_CGM_SESSION_START_TIME,
	GATT_CGM_SESSION_RUN_TIME,
	GATT_CGM_RACP,
	GATT_CGM_SOCP,
	GATT_DIS_MANUFACTURER_NAME,
	GATT_DIS_MODEL_NUMBER,
	GATT_DIS_SERIAL_NUMBER,
	GATT_DIS_HARDWARE_REVISION,
	GATT_DIS_FIRMWARE_REVISION,
	GATT_DIS_SOFTWARE_REVISION,
	GATT_DIS_SYSTEM_ID,
	GATT_DIS_PNP_ID,
	GATT_BAS_BATTERY_LEVEL,
	GATT_CTS_CURRENT_TIME,
	GATT_CHAR_COUNT,
} gatt_char_id;

enum { GATT_UUID_CCCD = 0x2902 };

typedef struct gatt_descriptor_def {
	uint16_t uuid16;
	const char *name;
	bool created_by_stack; /* CCCDs: BlueZ creates them; we never export them */
	gatt_security write_security;
} gatt_descriptor_def;

typedef struct gatt_characteristic_def {
	gatt_char_id id;
	uint16_t uuid16;
	const char *name;
	uint8_t properties;     /* GATT_PROP_* */
	gatt_security security; /* for every access: read, write and the CCCD write */
	bool e2e;               /* carries the E2E tail/CRC when E2E is on (gatt_e2e_of) */
	size_t descriptor_count;
	const gatt_descriptor_def *descriptors;
} gatt_characteristic_def;

typedef struct gatt_service_def {
	uint16_t uuid16;
	const char *name;
	bool primary;
	size_t characteristic_count;
	const gatt_characteristic_def *characteristics;
} gatt_service_def;

enum {
	GATT_UUID_IDS = 0x183A,
	GATT_UUID_CGMS = 0x181F,
	GATT_UUID_DIS = 0x180A,
	GATT_UUID_BAS = 0x180F,
	GATT_UUID_CTS = 0x1805,
	GATT_APPEARANCE_INSULIN_PUMP_DURABLE = 0x0D41,
};

/* The services in registration order (stable across runs: iOS caches attribute handles). */
const gatt_service_def *gatt_services(size_t *count);
const gatt_characteristic_def *gatt_characteristic(gatt_char_id id);
/* The service a characteristic belongs to. */
const gatt_service_def *gatt_service_of(gatt_char_id id);
/* Look up by 16-bit UUIDs; NULL when absent. */
const gatt_characteristic_def *gatt_find_characteristic(uint16_t service_uuid16,
                                                        uint16_t char_uuid16);
/* "0000183a-0000-1000-8000-00805f9b34fb" into out[37]. */
void gatt_uuid16_to_string(uint16_t uuid16, char out[37]);
/* The BlueZ GattCharacteristic1 "Flags" for a characteristic (read, secure-read, …);
 * returns how many were written into out[cap] (at most 12 are needed). */
size_t gatt_bluez_flags(const gatt_characteristic_def *c, const char **out, size_t cap);

/*
 * How a value of `id` is protected when E2E is on (IDD Features b0, CGM Feature b12) — the
 * one place that says it, for the server, the virtual phone, the fuzzers and the tests:
 *   GATT_E2E_IDS   the IDS tail on channel *ch (ch may be NULL): E2E-Counter + E2E-CRC, or
 *                  the CRC alone on IDD History Data (ids_e2e_channel_counted);
 *   GATT_E2E_CGMS  the E2E-CRC at the end of the value;
 *   GATT_E2E_NONE  nothing appended (IDD Features and CGM Feature carry their CRC inside
 *                  the value; DIS, BAS, CTS and the generic RACP carry none).
 */
typedef enum gatt_e2e_kind {
	GATT_E2E_NONE = 0,
	GATT_E2E_IDS,
	GATT_E2E_CGMS,
} gatt_e2e_kind;

gatt_e2e_kind gatt_e2e_of(gatt_char_id id, ids_e2e_channel *ch);

#endif
