/*
 * ble_gateway/protocol/ble_result.h — why a value codec of the protocol layer refused: the
 * one result type every encoder and decoder returns (BLE_OK, BLE_ERR_LENGTH, …).
 *
 * Control-point request decoders answer with their procedure's own response code instead
 * (ids_rc, ids_racp_rc, cgms_socp_rc, racp_rc): that code is what the collector is sent.
 */
#ifndef FAKEPUMP_BLE_RESULT_H
#define FAKEPUMP_BLE_RESULT_H

/* Why a value codec refused. Control-point request decoders answer with the procedure's
 * own response code instead (ids_rc, ids_racp_rc, cgms_socp_rc, racp_rc). */
typedef enum ble_result {
	BLE_OK = 0,
	BLE_ERR_LENGTH,       /* too short, too long, or a count that does not match */
	BLE_ERR_RESERVED,     /* a reserved (RFU) bit or value is set */
	BLE_ERR_INVALID_CODE, /* a Hamming-coded / enumerated value not in its table */
	BLE_ERR_SPECIAL,      /* an SFLOAT/FLOAT special where a number is required */
	BLE_ERR_RANGE,        /* a number outside the field's range */
	BLE_ERR_PRECISION,    /* a number that cannot be represented exactly */
	BLE_ERR_CRC,          /* E2E-CRC present and wrong */
	BLE_ERR_NO_SPACE,     /* the output buffer is too small */
	BLE_ERR_ARGUMENT,     /* the caller passed an inconsistent struct (programmer error) */
} ble_result;

const char *ble_result_name(ble_result r);

#endif
