/*
 * ble_gateway/protocol/att.h — the Attribute Protocol facts the pump's server answers with:
 * the ATT error codes (the Core's, the common profile ones and the E2E application codes of
 * IDS and CGMS), their names, and the value sizes ATT allows.
 *
 * Must never: be used for a control point's response codes — a procedure that ran answers
 * with its own Response Code Value in an indication, never with an ATT error.
 *
 * Follows Core 5.3 Vol 3 Part F (ATT), "Error Response" for 0x01–0x11; the Core
 * Specification Supplement Part B, "Common Profile and Service Error Codes" for 0xFD–0xFF;
 * IDS 1.0.1 and CGMS 1.0.1 "E2E-Protection" for the application codes 0x80–0x82 (0x82 is
 * the IDS's only; docs/ble.md "E2E protection").
 */
#ifndef FAKEPUMP_BLE_ATT_H
#define FAKEPUMP_BLE_ATT_H

#include <stdint.h>

enum {
	ATT_OK = 0x00,
	ATT_ERR_INVALID_HANDLE = 0x01,
	ATT_ERR_READ_NOT_PERMITTED = 0x02,
	ATT_ERR_WRITE_NOT_PERMITTED = 0x03,
	ATT_ERR_INSUFFICIENT_AUTHENTICATION = 0x05,
	ATT_ERR_INSUFFICIENT_AUTHORIZATION = 0x08, /* a second phone, not confirmed at the pump */
	ATT_ERR_REQUEST_NOT_SUPPORTED = 0x06,
	ATT_ERR_INVALID_OFFSET = 0x07,
	ATT_ERR_INVALID_VALUE_LENGTH = 0x0D,
	ATT_ERR_UNLIKELY = 0x0E,
	ATT_ERR_INSUFFICIENT_RESOURCES = 0x11,
	/* E2E-Protection failures: application errors, never CP response codes. */
	ATT_ERR_E2E_MISSING_CRC = 0x80,
	ATT_ERR_E2E_INVALID_CRC = 0x81,
	ATT_ERR_E2E_INVALID_COUNTER = 0x82,        /* IDS only */
	ATT_ERR_CCCD_IMPROPERLY_CONFIGURED = 0xFD, /* BlueZ 5.66 cannot send it (docs/ble.md) */
	ATT_ERR_PROCEDURE_IN_PROGRESS = 0xFE,
	ATT_ERR_OUT_OF_RANGE = 0xFF,
};

/* "insufficient_authentication", "e2e_invalid_crc", … ; "unknown" for other values. */
const char *att_error_name(uint8_t code);

/* The largest attribute value (ATT): longer writes are refused with 0x0D. */
enum { BLE_ATT_MAX_VALUE = 512 };

/* The longest value a notification or indication carries whole at the default ATT_MTU of
 * 23 (ATT_MTU − 3): every value FakePump sends fits it (BlueZ cuts longer ones). */
enum { BLE_VALUE_MAX_DEFAULT_MTU = 20 };

#endif
