/*
 * att.c — the names of the ATT error codes (att.h), as the audit, the event stream and
 * scenario expectations spell them.
 */
#include "att.h"

const char *att_error_name(uint8_t code)
{
	switch (code) {
	case ATT_OK:
		return "ok";
	case ATT_ERR_INVALID_HANDLE:
		return "invalid_handle";
	case ATT_ERR_READ_NOT_PERMITTED:
		return "read_not_permitted";
	case ATT_ERR_WRITE_NOT_PERMITTED:
		return "write_not_permitted";
	case ATT_ERR_INSUFFICIENT_AUTHENTICATION:
		return "insufficient_authentication";
	case ATT_ERR_INSUFFICIENT_AUTHORIZATION:
		return "insufficient_authorization";
	case ATT_ERR_REQUEST_NOT_SUPPORTED:
		return "request_not_supported";
	case ATT_ERR_INVALID_OFFSET:
		return "invalid_offset";
	case ATT_ERR_INVALID_VALUE_LENGTH:
		return "invalid_attribute_value_length";
	case ATT_ERR_UNLIKELY:
		return "unlikely_error";
	case ATT_ERR_INSUFFICIENT_RESOURCES:
		return "insufficient_resources";
	case ATT_ERR_E2E_MISSING_CRC:
		return "e2e_missing_crc";
	case ATT_ERR_E2E_INVALID_CRC:
		return "e2e_invalid_crc";
	case ATT_ERR_E2E_INVALID_COUNTER:
		return "e2e_invalid_counter";
	case ATT_ERR_CCCD_IMPROPERLY_CONFIGURED:
		return "cccd_improperly_configured";
	case ATT_ERR_PROCEDURE_IN_PROGRESS:
		return "procedure_already_in_progress";
	case ATT_ERR_OUT_OF_RANGE:
		return "out_of_range";
	default:
		return "unknown";
	}
}
