/*
 * ble_gateway/protocol/ids_racp.h — the IDD Record Access Control Point PDUs: report,
 * count, delete or abort the IDS history, filtered by sequence number.
 *
 * Must never: read past `len`, write past `cap`, accept an operator or filter not in its
 * table or an operand of the wrong length.
 *
 * Follows IDS 1.0.1, "IDD Record Access Control Point" (Hamming-coded op codes and
 * operators; the failure codes are provisional, ids_codes.h).
 */
#ifndef FAKEPUMP_BLE_IDS_RACP_H
#define FAKEPUMP_BLE_IDS_RACP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"
#include "ids_codes.h"

typedef struct ids_racp_request {
	uint8_t opcode;   /* ids_racp_opcode: REPORT, DELETE, ABORT, REPORT_NUMBER */
	uint8_t op;       /* ids_racp_operator */
	uint8_t filter;   /* ids_racp_filter, for <=, >=, range */
	uint32_t min_seq; /* >=: min; range: min */
	uint32_t max_seq; /* <=: max; range: max */
} ids_racp_request;

/* Returns IDS_RACP_RC_SUCCESS or the failure code (names above). */
ids_racp_rc ids_racp_request_decode(const uint8_t *buf, size_t len, ids_racp_request *out);
ble_result ids_racp_request_encode(const ids_racp_request *r, uint8_t *buf, size_t cap,
                                   size_t *len);

typedef struct ids_racp_response {
	uint8_t opcode; /* RESPONSE_CODE or NUMBER_RESPONSE; operator is always Null */
	uint8_t request_opcode;
	uint8_t code;   /* ids_racp_rc */
	uint32_t count; /* NUMBER_RESPONSE */
} ids_racp_response;

ble_result ids_racp_response_encode(const ids_racp_response *r, uint8_t *buf, size_t cap,
                                    size_t *len);
ble_result ids_racp_response_decode(const uint8_t *buf, size_t len, ids_racp_response *out);

#endif
