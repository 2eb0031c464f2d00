/*
 * ble_gateway/protocol/ids_ccp.h — the IDD Command Control Point and IDD Command Data
 * PDUs: a collector's requests (decode on the pump's side, encode on the phone's) and the
 * pump's responses (encode, decode).
 *
 * Must never: guess — no default type, no clamping, no rounding of an amount: a request that
 * is not exactly right decodes to the response code the procedure answers with; read past
 * `len` or write past `cap`. Limits the pump holds (max bolus, basal, …) are not checked
 * here: the pump is the only place that knows them.
 *
 * Follows IDS 1.0.1, "IDD Command Control Point" and "IDD Command Data" (op codes, operand
 * layouts, Response Code Values).
 */
#ifndef FAKEPUMP_BLE_IDS_CCP_H
#define FAKEPUMP_BLE_IDS_CCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"
#include "ids_codes.h"
#include "ids_values.h"

enum {
	IDS_BOLUS_FLAG_DELAY = 1u << 0,
	IDS_BOLUS_FLAG_TEMPLATE = 1u << 1,
	IDS_BOLUS_FLAG_ACTIVATION = 1u << 2,
	IDS_BOLUS_FLAG_REASON_CORRECTION = 1u << 3,
	IDS_BOLUS_FLAG_REASON_MEAL = 1u << 4,
	IDS_BOLUS_FLAG_DEFINED = 0x1Fu,
};

enum {
	IDS_TBR_FLAG_TEMPLATE = 1u << 0,
	IDS_TBR_FLAG_CONTEXT = 1u << 1,
	IDS_TBR_FLAG_CHANGE = 1u << 2,
	IDS_TBR_FLAG_DEFINED = 0x07u,
};

/* Set Bolus. Maps 1:1 onto pump_bolus(): FAST → PUMP_BOLUS_NORMAL (immediate = fast_u),
 * EXTENDED → PUMP_BOLUS_EXTENDED (extended_u over duration_min), MULTIWAVE → both. */
typedef struct ids_set_bolus {
	uint8_t flags; /* IDS_BOLUS_FLAG_* */
	uint8_t type;  /* ids_bolus_type (never UNDETERMINED once decoded) */
	double fast_u; /* exact multiple of 0.01 U, >= 0 */
	double extended_u;
	uint16_t duration_min;
	uint16_t delay_min;      /* iff IDS_BOLUS_FLAG_DELAY */
	uint8_t template_number; /* iff IDS_BOLUS_FLAG_TEMPLATE */
	uint8_t activation_type; /* iff IDS_BOLUS_FLAG_ACTIVATION */
} ids_set_bolus;

/* Set TBR Adjustment; maps onto pump_temp_basal(type, value, duration). */
typedef struct ids_set_tbr {
	uint8_t flags; /* IDS_TBR_FLAG_* */
	uint8_t type;  /* IDS_TBR_ABSOLUTE (value U/h) or IDS_TBR_RELATIVE (value %) */
	double value;  /* U/h (0.01 resolution) or whole percent */
	uint16_t duration_min;
	uint8_t template_number;  /* iff IDS_TBR_FLAG_TEMPLATE */
	uint8_t delivery_context; /* iff IDS_TBR_FLAG_CONTEXT */
} ids_set_tbr;

enum { IDS_TIME_BLOCKS_PER_PDU = 3, IDS_TEMPLATE_LIST_MAX = 16 };

typedef struct ids_time_block {
	uint16_t duration_min;
	double value;  /* basal U/h, ISF mg/dL per IU, I2CHO g per IU; lower bound for TGR */
	double value2; /* TGR upper bound (mg/dL); unused otherwise */
} ids_time_block;

/* Write Basal Rate / ISF / I2CHO / Target Glucose Range Profile Template. */
enum { IDS_WRITE_TEMPLATE_END_TRANSACTION = 1u << 0 };

typedef struct ids_write_template {
	uint8_t flags; /* as received: b0 end transaction, then block-present bits */
	bool end_transaction;
	uint8_t template_number;
	uint8_t first_block_index; /* 1-based */
	uint8_t block_count;       /* 1 … 3 (1 … 2 for target glucose ranges) */
	ids_time_block blocks[IDS_TIME_BLOCKS_PER_PDU];
} ids_write_template;

typedef struct ids_tbr_template {
	uint8_t template_number;
	uint8_t type; /* ids_tbr_type */
	double value;
	uint16_t duration_min;
} ids_tbr_template;

enum {
	IDS_BOLUS_TEMPLATE_FLAG_DELAY = 1u << 0,
	IDS_BOLUS_TEMPLATE_FLAG_REASON_CORRECTION = 1u << 1,
	IDS_BOLUS_TEMPLATE_FLAG_REASON_MEAL = 1u << 2,
	IDS_BOLUS_TEMPLATE_FLAG_DEFINED = 0x07u,
};

typedef struct ids_bolus_template {
	uint8_t template_number;
	uint8_t flags; /* IDS_BOLUS_TEMPLATE_FLAG_* */
	uint8_t type;
	double fast_u;
	double extended_u;
	uint16_t duration_min;
	uint16_t delay_min;
} ids_bolus_template;

typedef struct ids_template_list {
	uint8_t count;
	uint8_t numbers[IDS_TEMPLATE_LIST_MAX];
} ids_template_list;

/* A decoded Command CP request. `opcode` says which member is valid; opcodes with no
 * operand use none. */
typedef struct ids_command {
	uint16_t opcode; /* ids_ccp_opcode */
	union {
		uint8_t therapy_control_state;     /* SET_THERAPY_CONTROL_STATE: RUN/PAUSE/STOP */
		uint16_t annunciation_id;          /* SNOOZE / CONFIRM_ANNUNCIATION */
		uint8_t template_number;           /* READ_*_TEMPLATE, GET_TBR/BOLUS_TEMPLATE */
		ids_write_template write_template; /* WRITE_*_TEMPLATE */
		ids_set_tbr set_tbr;
		ids_tbr_template tbr_template; /* SET_TBR_TEMPLATE */
		ids_set_bolus set_bolus;
		uint16_t bolus_id;                 /* CANCEL_BOLUS */
		ids_bolus_template bolus_template; /* SET_BOLUS_TEMPLATE */
		ids_template_list templates;       /* RESET_TEMPLATE_STATUS, ACTIVATE_TEMPLATES */
		double amount_u;                   /* START_PRIMING, SET_RESERVOIR_FILL_LEVEL,
		                                      SET_MAX_BOLUS: exact 0.01 U, > 0 */
	} u;
} ids_command;

/*
 * Decode a Command CP write (E2E tail already checked and removed). Returns IDS_RC_SUCCESS
 * with *out filled, or the response code the procedure answers with:
 *   0x70 unknown opcode, a response opcode, or fewer than 2 bytes (opcode unreadable: out
 *        opcode 0); 0x71 wrong length, RFU flag bits, a code word not in its table (or
 *        Undetermined), an SFLOAT special, fields that do not fit the bolus type;
 *   0x74 a feature the profile does not support (bolus/TBR type, delay, template,
 *        activation type, template kind); 0x73 a number out of range (negative or zero
 *        amounts, finer than 0.01 U, durations, template numbers, time blocks);
 *   0x75 an implausible value (target range lower > upper).
 * Limits held by the pump (max bolus, basal …) are the binding's to check.
 * out->opcode is set whenever two bytes were there, so the response can name it.
 */
ids_rc ids_command_decode(const ids_server_profile *p, const uint8_t *buf, size_t len,
                          ids_command *out);
/* The collector's side (virtual phone): encode a request. Amounts that are not exact at
 * 0.01 U (or whole % for relative TBR) are BLE_ERR_PRECISION. */
ble_result ids_command_encode(const ids_command *c, uint8_t *buf, size_t cap, size_t *len);

/* Get Available Boluses response flags. */
enum {
	IDS_AVAILABLE_FAST = 1u << 0,
	IDS_AVAILABLE_EXTENDED = 1u << 1,
	IDS_AVAILABLE_MULTIWAVE = 1u << 2,
};

/* Template Status and Details entry (Command Data). */
typedef struct ids_template_status {
	uint8_t template_type; /* ids_template_type */
	uint8_t first_number;
	uint8_t count; /* <= IDS_TEMPLATE_LIST_MAX */
	uint8_t max_time_blocks;
	uint16_t configurable; /* bit i: template first+i is configurable */
	uint16_t configured;   /* bit i: … is configured (2 bits a template on the wire) */
} ids_template_status;

/* A Command CP indication or Command Data notification (server → collector). */
typedef struct ids_ccp_response {
	uint16_t opcode; /* a response opcode */
	union {
		struct {
			uint16_t request_opcode; /* any value: vendor opcodes exist (0x148E) */
			uint8_t code;            /* ids_rc */
		} response_code;                 /* RESPONSE_CODE */
		uint16_t annunciation_id;        /* SNOOZE/CONFIRM_ANNUNCIATION_RESPONSE */
		uint16_t bolus_id;               /* SET_BOLUS_RESPONSE, CANCEL_BOLUS_RESPONSE */
		struct {
			bool transaction_completed;
			uint8_t template_number;
			uint8_t first_block_index;
		} write_template;                  /* WRITE_*_TEMPLATE_RESPONSE */
		ids_tbr_template tbr_template;     /* GET_TBR_TEMPLATE_RESPONSE */
		uint8_t template_number;           /* SET_TBR/BOLUS_TEMPLATE_RESPONSE */
		uint8_t available_boluses;         /* IDS_AVAILABLE_* */
		ids_bolus_template bolus_template; /* GET_BOLUS_TEMPLATE_RESPONSE */
		ids_template_list templates;       /* RESET_TEMPLATE_STATUS / ACTIVATE /
		                                      GET_ACTIVATED_TEMPLATES responses */
		double max_bolus_u;                /* GET_MAX_BOLUS_RESPONSE (rounded down) */
		/* Command Data notifications: */
		ids_write_template read_template;    /* READ_*_TEMPLATE_RESPONSE; flags ignored */
		ids_template_status template_status; /* GET_TEMPLATE_STATUS_RESPONSE */
	} u;
} ids_ccp_response;

/* Convenience: the Response Code indication for `request_opcode`. */
void ids_ccp_response_code(uint16_t request_opcode, ids_rc code, ids_ccp_response *out);
ble_result ids_ccp_response_encode(const ids_ccp_response *r, uint8_t *buf, size_t cap,
                                   size_t *len);
/* Decodes Command CP indications and Command Data notifications alike. A Response Code
 * whose request opcode is not in the table decodes (vendor opcodes); its code must be. */
ble_result ids_ccp_response_decode(const uint8_t *buf, size_t len, ids_ccp_response *out);
/* True for opcodes carried by IDD Command Data rather than the Command CP. */
bool ids_ccp_opcode_is_command_data(uint16_t opcode);

#endif
