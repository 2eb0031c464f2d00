/*
 * ble_gateway/protocol/ids_srcp.h — the IDD Status Reader Control Point PDUs: a collector's
 * requests (active boluses, basal delivery, totals, counters, insulin on board, reset of the
 * Status Changed flags) and the pump's responses.
 *
 * Must never: read past `len`, write past `cap`, accept a code word not in its table.
 *
 * Follows IDS 1.0.1, "IDD Status Reader Control Point" (it answers with Response Code
 * Values 0x0F and 0x70–0x74 only).
 */
#ifndef FAKEPUMP_BLE_IDS_SRCP_H
#define FAKEPUMP_BLE_IDS_SRCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"
#include "ids_ccp.h"
#include "ids_codes.h"
#include "ids_values.h"

typedef struct ids_status_request {
	uint16_t opcode; /* ids_srcp_opcode */
	union {
		uint16_t reset_flags; /* RESET_STATUS: IDS_SC_* to clear */
		struct {
			uint16_t bolus_id;
			uint8_t value_selection; /* ids_bolus_value_selection */
		} bolus_delivery;                /* GET_ACTIVE_BOLUS_DELIVERY */
		struct {
			uint8_t type;            /* ids_counter_type */
			uint8_t value_selection; /* ids_counter_value_selection */
		} counter;                       /* GET_COUNTER */
	} u;
} ids_status_request;

/* Like ids_command_decode; codes 0x0F, 0x70, 0x71, 0x74 only (0x74: IOB not supported). */
ids_rc ids_status_request_decode(const ids_server_profile *p, const uint8_t *buf, size_t len,
                                 ids_status_request *out);
ble_result ids_status_request_encode(const ids_status_request *r, uint8_t *buf, size_t cap,
                                     size_t *len);

enum { IDS_ACTIVE_BOLUS_IDS_MAX = 8 };

enum {
	IDS_BASAL_DELIVERY_TBR = 1u << 0,
	IDS_BASAL_DELIVERY_TBR_TEMPLATE = 1u << 1,
	IDS_BASAL_DELIVERY_CONTEXT = 1u << 2,
};

typedef struct ids_status_response {
	uint16_t opcode;
	union {
		struct {
			uint16_t request_opcode;
			uint8_t code; /* ids_rc, 0x0F/0x70–0x74 */
		} response_code;
		struct {
			uint8_t count;
			uint16_t ids[IDS_ACTIVE_BOLUS_IDS_MAX];
		} bolus_ids;
		struct {
			uint16_t bolus_id;
			ids_set_bolus bolus; /* flags, type, amounts (rounded down), duration, … */
		} bolus_delivery;
		struct {
			uint8_t flags;           /* IDS_BASAL_DELIVERY_* */
			uint8_t template_number; /* active basal rate profile template */
			double rate_u_per_h;     /* current configured value */
			uint8_t tbr_type;
			double tbr_value;
			uint16_t tbr_duration_programmed_min;
			uint16_t tbr_duration_remaining_min;
			uint8_t tbr_template_number;
			uint8_t delivery_context;
		} basal_delivery;
		struct {
			double bolus_u, basal_u, total_u; /* SFLOAT each, rounded down */
		} total_daily;
		struct {
			uint8_t type, value_selection;
			int32_t value_min;
		} counter;
		struct {
			double bolus_u, basal_u; /* FLOAT each, rounded down */
		} delivered;
		struct {
			bool has_remaining;
			double iob_u;
			uint16_t remaining_min;
		} iob;
	} u;
} ids_status_response;

void ids_status_response_code(uint16_t request_opcode, ids_rc code, ids_status_response *out);
ble_result ids_status_response_encode(const ids_status_response *r, uint8_t *buf, size_t cap,
                                      size_t *len);
ble_result ids_status_response_decode(const uint8_t *buf, size_t len, ids_status_response *out);

#endif
