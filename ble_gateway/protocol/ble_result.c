/*
 * ble_result.c — the names of the codecs' results (ble_result.h).
 */
#include "ble_result.h"

const char *ble_result_name(ble_result r)
{
	switch (r) {
	case BLE_OK:
		return "ok";
	case BLE_ERR_LENGTH:
		return "length";
	case BLE_ERR_RESERVED:
		return "reserved";
	case BLE_ERR_INVALID_CODE:
		return "invalid_code";
	case BLE_ERR_SPECIAL:
		return "special_value";
	case BLE_ERR_RANGE:
		return "range";
	case BLE_ERR_PRECISION:
		return "precision";
	case BLE_ERR_CRC:
		return "crc";
	case BLE_ERR_NO_SPACE:
		return "no_space";
	case BLE_ERR_ARGUMENT:
		return "argument";
	}
	return "?";
}
