/*
 * ble_gateway/protocol.h — the transport-free BLE protocol layer of FakePump: value codecs
 * for the Insulin Delivery Service (IDS), the Continuous Glucose Monitoring Service (CGMS),
 * Device Information, Battery and Current Time; IEEE 11073 SFLOAT/FLOAT; CRC-16/MCRF4XX
 * and the E2E counter; and the GATT service model (UUIDs, properties, security levels).
 *
 * It must never: touch D-Bus, GLib or any transport; allocate; read a byte past `len`;
 * guess. Every decoder reads from (const uint8_t *buf, size_t len), validates strictly
 * (lengths, reserved bits, Hamming code words, special values, ranges) and says why it
 * refused; every encoder writes into (uint8_t *buf, size_t cap) and fails rather than
 * truncating. The same code serves the BlueZ adapter, the in-process virtual phone, the
 * tests and the fuzzer.
 *
 * Follows shared/spec/ble-protocol.md (§ numbers below refer to it); the [verify] decisions
 * are written next to the code they govern (ids_*.c, e2e.c, cgms.c) and collected in
 * docs (see the ble_gateway report). Byte order on the wire is little-endian throughout.
 */
#ifndef FAKEPUMP_BLE_PROTOCOL_H
#define FAKEPUMP_BLE_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------- */
/* Results                                                                             */
/* ---------------------------------------------------------------------------------- */

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

/* ---------------------------------------------------------------------------------- */
/* IEEE 11073-20601 SFLOAT (16 bit) and FLOAT (32 bit), §1.5                           */
/* ---------------------------------------------------------------------------------- */

enum {
	SFLOAT_NAN = 0x07FF,
	SFLOAT_NRES = 0x0800,
	SFLOAT_POS_INF = 0x07FE,
	SFLOAT_NEG_INF = 0x0802,
	SFLOAT_RESERVED = 0x0801,
	SFLOAT_MANTISSA_MAX = 2045, /* largest |mantissa| at exponent 0 (2046/2047: specials) */
	SFLOAT_EXPONENT_MIN = -8,
	SFLOAT_EXPONENT_MAX = 7,
};

#define FLOAT11073_NAN 0x007FFFFFu
#define FLOAT11073_NRES 0x00800000u
#define FLOAT11073_POS_INF 0x007FFFFEu
#define FLOAT11073_NEG_INF 0x00800002u
#define FLOAT11073_RESERVED 0x00800001u

/* What a raw SFLOAT/FLOAT holds. Only NUMBER carries a value. */
typedef enum ieee11073_kind {
	IEEE11073_NUMBER = 0,
	IEEE11073_NAN,
	IEEE11073_NRES,
	IEEE11073_POS_INF,
	IEEE11073_NEG_INF,
	IEEE11073_RESERVED,
} ieee11073_kind;

const char *ieee11073_kind_name(ieee11073_kind k);

/* Split a raw SFLOAT: value = mantissa · 10^exponent when the result is NUMBER. Specials
 * are the five exact raw values above (exponent 0); with any other exponent the same
 * mantissa bits are an ordinary number, as IEEE 11073-20601 defines them, and the encoder
 * uses them (20.47 = 2047·10^-2). */
ieee11073_kind sfloat_unpack(uint16_t raw, int32_t *mantissa, int *exponent);
/* As a double: NaN for NaN/NRes/reserved, ±INFINITY for ±INF. Returns the kind. */
ieee11073_kind sfloat_to_double(uint16_t raw, double *out);
/* The value in units of 10^scale_exp, truncated toward zero; *exact says whether nothing
 * was cut. Returns the kind (NUMBER only when *out is meaningful). E.g. scale_exp -2 gives
 * hundredths: 0xD07D (125·10^-3) is 12, not exact. Never overflows for scale_exp >= -10. */
ieee11073_kind sfloat_to_scaled(uint16_t raw, int scale_exp, int64_t *out, bool *exact);

typedef enum sfloat_rounding {
	SFLOAT_EXACT_ONLY = 0, /* refuse (BLE_ERR_PRECISION) unless exact */
	SFLOAT_ROUND_DOWN,     /* toward zero: never report more insulin than there is */
	SFLOAT_ROUND_NEAREST,  /* half away from zero: measurements */
} sfloat_rounding;

/*
 * Encode `value`. Picks the exact encoding with the fewest decimal places, trying exponents
 * 0, -1, … down to `min_exponent` (the resolution, e.g. -2 for 0.01 U); a positive exponent
 * only when the mantissa would not fit (12000 → 1200·10^1). When no exact encoding exists
 * the value is rounded at the finest exponent whose mantissa fits, as `rounding` says
 * (BLE_ERR_PRECISION with SFLOAT_EXACT_ONLY). *rounded (may be NULL) tells whether it was.
 * NaN and ±INFINITY encode as the specials; a finite value too large in magnitude is
 * BLE_ERR_RANGE (it is never sent as INF).
 */
ble_result sfloat_encode(double value, int min_exponent, sfloat_rounding rounding, uint16_t *out,
                         bool *rounded);

/* FLOAT (8-bit exponent, 24-bit mantissa), same contracts. */
ieee11073_kind float11073_unpack(uint32_t raw, int32_t *mantissa, int *exponent);
ieee11073_kind float11073_to_double(uint32_t raw, double *out);
ble_result float11073_encode(double value, int min_exponent, sfloat_rounding rounding,
                             uint32_t *out, bool *rounded);

/* ---------------------------------------------------------------------------------- */
/* CRC-16/MCRF4XX and E2E protection, §1.6                                             */
/* ---------------------------------------------------------------------------------- */

/* CRC-16/MCRF4XX: poly 0x1021 reflected (0x8408), init 0xFFFF, no final XOR, sent LE.
 * crc16_mcrf4xx("123456789") = 0x6F91. */
uint16_t crc16_mcrf4xx(const uint8_t *buf, size_t len);
uint16_t crc16_mcrf4xx_update(uint16_t crc, const uint8_t *buf, size_t len);

/* ATT application error codes for E2E failures (never CP response codes). */
enum {
	ATT_ERR_E2E_MISSING_CRC = 0x80,
	ATT_ERR_E2E_INVALID_CRC = 0x81,
	ATT_ERR_E2E_INVALID_COUNTER = 0x82, /* IDS only */
};

typedef enum e2e_result {
	E2E_OK = 0,
	E2E_MISSING_CRC,     /* shorter than the smallest PDU plus the tail */
	E2E_INVALID_COUNTER, /* not the next expected counter value */
	E2E_INVALID_CRC,
} e2e_result;

const char *e2e_result_name(e2e_result r);
/* 0x80/0x81/0x82, or 0 for E2E_OK. */
uint8_t e2e_result_att_error(e2e_result r);

/*
 * One direction of one characteristic: the last counter value sent or accepted. 0 means
 * "nothing yet" (the first PDU carries 1) and 255 is followed by 1; 0 itself is never a
 * valid counter ("E2E unused"). Reset on every new connection (project rule, §1.6).
 */
typedef struct e2e_counter {
	uint8_t last;
} e2e_counter;

void e2e_counter_reset(e2e_counter *c);
/* The value that follows `c` (1 … 255). */
uint8_t e2e_counter_next_value(uint8_t c);

/*
 * Check the IDS tail (E2E-Counter uint8, E2E-CRC uint16 LE over every byte before the CRC)
 * of a received PDU, in the order of §1.6: tail present (len >= min_payload + 3, else
 * MISSING_CRC), counter (else INVALID_COUNTER), CRC (else INVALID_CRC). Only on E2E_OK is
 * the counter advanced and *payload_len (bytes before the counter) set.
 */
e2e_result ids_e2e_check(e2e_counter *rx, const uint8_t *buf, size_t len, size_t min_payload,
                         size_t *payload_len);
/* Append counter + CRC to the `len` payload bytes in buf; advances `tx`. BLE_ERR_NO_SPACE
 * (and nothing changed) when cap < len + 3. */
ble_result ids_e2e_seal(e2e_counter *tx, uint8_t *buf, size_t len, size_t cap, size_t *out_len);

/* CGMS: E2E-CRC only (no counter), over every byte before it. */
e2e_result cgms_e2e_check(const uint8_t *buf, size_t len, size_t min_payload, size_t *payload_len);
ble_result cgms_e2e_seal(uint8_t *buf, size_t len, size_t cap, size_t *out_len);

/* The per-link E2E state of the IDS: one counter per direction and characteristic. */
typedef enum ids_e2e_channel {
	IDS_E2E_STATUS_CHANGED = 0,
	IDS_E2E_STATUS,
	IDS_E2E_ANNUNCIATION,
	IDS_E2E_STATUS_READER_CP,
	IDS_E2E_COMMAND_CP,
	IDS_E2E_COMMAND_DATA,
	IDS_E2E_RACP,
	IDS_E2E_HISTORY,
	IDS_E2E_CHANNEL_COUNT,
} ids_e2e_channel;

typedef struct ids_e2e_link {
	e2e_counter rx[IDS_E2E_CHANNEL_COUNT]; /* writes from the collector (CPs only) */
	e2e_counter tx[IDS_E2E_CHANNEL_COUNT]; /* our indications/notifications */
} ids_e2e_link;

void ids_e2e_link_reset(ids_e2e_link *l);

/*
 * The tail of an IDS value on channel `ch`. IDD History Data carries the E2E-CRC only, no
 * counter: its Sequence Number already orders and deduplicates the stream, and its 8 octets
 * of header + the largest event data (Reference Time, 10) + the CRC make 20 — one
 * notification at the default ATT_MTU of 23 (BLE_VALUE_MAX_DEFAULT_MTU); with a counter it
 * would be 21 and cut. Every other IDS value and control point: counter + CRC. The check
 * advances l->rx[ch] only on E2E_OK (history: nothing to advance); the seal advances
 * l->tx[ch].
 */
bool ids_e2e_channel_counted(ids_e2e_channel ch);
e2e_result ids_value_e2e_check(ids_e2e_link *l, ids_e2e_channel ch, const uint8_t *buf, size_t len,
                               size_t min_payload, size_t *payload_len);
ble_result ids_value_e2e_seal(ids_e2e_link *l, ids_e2e_channel ch, uint8_t *buf, size_t len,
                              size_t cap, size_t *out_len);

/* The longest value a notification or indication carries whole at the default ATT_MTU of
 * 23 (ATT_MTU − 3): every value FakePump sends fits it (BlueZ cuts longer ones). */
enum { BLE_VALUE_MAX_DEFAULT_MTU = 20 };

/* ---------------------------------------------------------------------------------- */
/* Hamming-coded enumerations (IDS), §1.2                                              */
/* ---------------------------------------------------------------------------------- */

/* A named constant table: the only way a code word is recognised. */
typedef struct ids_code {
	uint16_t value;
	const char *name;
} ids_code;

typedef struct ids_code_table {
	const char *name;
	const ids_code *codes;
	size_t count;
} ids_code_table;

/* The entry's name, or NULL: "not a valid code". */
const char *ids_code_name(const ids_code_table *t, uint16_t value);
bool ids_code_valid(const ids_code_table *t, uint16_t value);

typedef enum ids_therapy_control_state {
	IDS_TCS_UNDETERMINED = 0x0F,
	IDS_TCS_STOP = 0x33,
	IDS_TCS_PAUSE = 0x3C,
	IDS_TCS_RUN = 0x55,
} ids_therapy_control_state;

typedef enum ids_operational_state {
	IDS_OPSTATE_UNDETERMINED = 0x0F,
	IDS_OPSTATE_OFF = 0x33,
	IDS_OPSTATE_STANDBY = 0x3C,
	IDS_OPSTATE_PREPARING = 0x55,
	IDS_OPSTATE_PRIMING = 0x5A,
	IDS_OPSTATE_WAITING = 0x66,
	IDS_OPSTATE_READY = 0x96,
} ids_operational_state;

typedef enum ids_bolus_type {
	IDS_BOLUS_UNDETERMINED = 0x0F,
	IDS_BOLUS_FAST = 0x33,
	IDS_BOLUS_EXTENDED = 0x3C,
	IDS_BOLUS_MULTIWAVE = 0x55,
} ids_bolus_type;

typedef enum ids_bolus_value_selection {
	IDS_BOLUS_VALUE_PROGRAMMED = 0x0F,
	IDS_BOLUS_VALUE_REMAINING = 0x33,
	IDS_BOLUS_VALUE_DELIVERED = 0x3C,
} ids_bolus_value_selection;

typedef enum ids_bolus_activation_type {
	IDS_ACTIVATION_UNDETERMINED = 0x0F,
	IDS_ACTIVATION_MANUAL = 0x33,
	IDS_ACTIVATION_RECOMMENDED = 0x3C,
	IDS_ACTIVATION_MANUALLY_CHANGED_RECOMMENDED = 0x55,
	IDS_ACTIVATION_COMMANDED = 0x5A,
} ids_bolus_activation_type;

typedef enum ids_tbr_type {
	IDS_TBR_UNDETERMINED = 0x0F,
	IDS_TBR_ABSOLUTE = 0x33,
	IDS_TBR_RELATIVE = 0x3C,
} ids_tbr_type;

typedef enum ids_basal_delivery_context {
	IDS_CONTEXT_UNDETERMINED = 0x0F,
	IDS_CONTEXT_DEVICE_BASED = 0x33,
	IDS_CONTEXT_REMOTE_CONTROL = 0x3C,
	IDS_CONTEXT_AP_CONTROLLER = 0x55,
} ids_basal_delivery_context;

typedef enum ids_template_type {
	IDS_TEMPLATE_UNDETERMINED = 0x0F,
	IDS_TEMPLATE_BASAL_RATE = 0x33,
	IDS_TEMPLATE_TBR = 0x3C,
	IDS_TEMPLATE_BOLUS = 0x55,
	IDS_TEMPLATE_ISF = 0x5A,
	IDS_TEMPLATE_I2CHO = 0x66,
	IDS_TEMPLATE_TARGET_GLUCOSE = 0x96,
} ids_template_type;

typedef enum ids_annunciation_type {
	IDS_ANN_SYSTEM_ISSUE = 0x000F,
	IDS_ANN_MECHANICAL_ISSUE = 0x0033,
	IDS_ANN_OCCLUSION_DETECTED = 0x003C,
	IDS_ANN_RESERVOIR_ISSUE = 0x0055,
	IDS_ANN_RESERVOIR_EMPTY = 0x005A,
	IDS_ANN_RESERVOIR_LOW = 0x0066,
	IDS_ANN_PRIMING_ISSUE = 0x0069,
	IDS_ANN_INFUSION_SET_INCOMPLETE = 0x0096,
	IDS_ANN_INFUSION_SET_DETACHED = 0x0099,
	IDS_ANN_POWER_SOURCE_INSUFFICIENT = 0x00A5,
	IDS_ANN_BATTERY_EMPTY = 0x00AA,
	IDS_ANN_BATTERY_LOW = 0x00C3,
	IDS_ANN_BATTERY_MEDIUM = 0x00CC,
	IDS_ANN_BATTERY_FULL = 0x00F0,
	IDS_ANN_TEMPERATURE_OUT_OF_RANGE = 0x00FF,
	IDS_ANN_AIR_PRESSURE_OUT_OF_RANGE = 0x0303,
	IDS_ANN_BOLUS_CANCELED = 0x030C,
	IDS_ANN_TBR_OVER = 0x0330,
	IDS_ANN_TBR_CANCELED = 0x033F,
	IDS_ANN_MAX_DELIVERY = 0x0356,
	IDS_ANN_DATE_TIME_ISSUE = 0x0359,
	IDS_ANN_TEMPERATURE = 0x0365,
} ids_annunciation_type;

typedef enum ids_annunciation_status_value {
	IDS_ANN_STATUS_UNDETERMINED = 0x0F,
	IDS_ANN_STATUS_PENDING = 0x33,
	IDS_ANN_STATUS_SNOOZED = 0x3C,
	IDS_ANN_STATUS_CONFIRMED = 0x55,
} ids_annunciation_status_value;

typedef enum ids_counter_type {
	IDS_COUNTER_LIFETIME = 0x0F,
	IDS_COUNTER_WARRANTY_TIME = 0x33,
	IDS_COUNTER_LOANER_TIME = 0x3C,
	IDS_COUNTER_RESERVOIR_INSULIN_OPERATION_TIME = 0x55,
} ids_counter_type;

typedef enum ids_counter_value_selection {
	IDS_COUNTER_REMAINING = 0x0F,
	IDS_COUNTER_ELAPSED = 0x33,
} ids_counter_value_selection;

typedef enum ids_history_event_type {
	IDS_EV_REFERENCE_TIME = 0x000F,
	IDS_EV_REFERENCE_TIME_BASE_OFFSET = 0x0033,
	IDS_EV_BOLUS_CALCULATED_1 = 0x003C,
	IDS_EV_BOLUS_CALCULATED_2 = 0x0055,
	IDS_EV_BOLUS_PROGRAMMED_1 = 0x005A,
	IDS_EV_BOLUS_PROGRAMMED_2 = 0x0066,
	IDS_EV_BOLUS_DELIVERED_1 = 0x0069,
	IDS_EV_BOLUS_DELIVERED_2 = 0x0096,
	IDS_EV_DELIVERED_BASAL_RATE_CHANGED = 0x0099,
	IDS_EV_TBR_ADJUSTMENT_STARTED = 0x00A5,
	IDS_EV_TBR_ADJUSTMENT_ENDED = 0x00AA,
	IDS_EV_TBR_ADJUSTMENT_CHANGED = 0x00C3,
	IDS_EV_PROFILE_TEMPLATE_ACTIVATED = 0x00CC,
	IDS_EV_BASAL_TEMPLATE_TIME_BLOCK_CHANGED = 0x00F0,
	IDS_EV_TOTAL_DAILY_INSULIN_DELIVERY = 0x00FF,
	IDS_EV_THERAPY_CONTROL_STATE_CHANGED = 0x0303,
	IDS_EV_OPERATIONAL_STATE_CHANGED = 0x030C,
	IDS_EV_RESERVOIR_REMAINING_AMOUNT_CHANGED = 0x0330,
	IDS_EV_ANNUNCIATION_STATUS_CHANGED_1 = 0x033F,
	IDS_EV_ANNUNCIATION_STATUS_CHANGED_2 = 0x0356,
	IDS_EV_ISF_TEMPLATE_TIME_BLOCK_CHANGED = 0x0359,
	IDS_EV_I2CHO_TEMPLATE_TIME_BLOCK_CHANGED = 0x0365,
	IDS_EV_TARGET_GLUCOSE_TEMPLATE_TIME_BLOCK_CHANGED = 0x036A,
	IDS_EV_PRIMING_STARTED = 0x0395,
	IDS_EV_PRIMING_DONE = 0x039A,
	IDS_EV_DATA_CORRUPTION = 0x03A6,
	IDS_EV_POINTER_EVENT = 0x03A9,
	IDS_EV_BOLUS_TEMPLATE_CHANGED_1 = 0x03C0,
	IDS_EV_BOLUS_TEMPLATE_CHANGED_2 = 0x03CF,
	IDS_EV_TBR_TEMPLATE_CHANGED = 0x03F3,
	IDS_EV_MAX_BOLUS_AMOUNT_CHANGED = 0x03FC,
} ids_history_event_type;

/* Command Control Point op codes (16 bit), §1.3.1. */
typedef enum ids_ccp_opcode {
	IDS_CCP_RESPONSE_CODE = 0x0F55,
	IDS_CCP_SET_THERAPY_CONTROL_STATE = 0x0F5A,
	IDS_CCP_SET_FLIGHT_MODE = 0x0F66,
	IDS_CCP_SNOOZE_ANNUNCIATION = 0x0F69,
	IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE = 0x0F96,
	IDS_CCP_CONFIRM_ANNUNCIATION = 0x0F99,
	IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE = 0x0FA5,
	IDS_CCP_READ_BASAL_TEMPLATE = 0x0FAA,
	IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE = 0x0FC3,
	IDS_CCP_WRITE_BASAL_TEMPLATE = 0x0FCC,
	IDS_CCP_WRITE_BASAL_TEMPLATE_RESPONSE = 0x0FF0,
	IDS_CCP_SET_TBR = 0x0FFF,
	IDS_CCP_CANCEL_TBR = 0x1111,
	IDS_CCP_GET_TBR_TEMPLATE = 0x111E,
	IDS_CCP_GET_TBR_TEMPLATE_RESPONSE = 0x1122,
	IDS_CCP_SET_TBR_TEMPLATE = 0x112D,
	IDS_CCP_SET_TBR_TEMPLATE_RESPONSE = 0x1144,
	IDS_CCP_SET_BOLUS = 0x114B,
	IDS_CCP_SET_BOLUS_RESPONSE = 0x1177,
	IDS_CCP_CANCEL_BOLUS = 0x1178,
	IDS_CCP_CANCEL_BOLUS_RESPONSE = 0x1187,
	IDS_CCP_GET_AVAILABLE_BOLUSES = 0x1188,
	IDS_CCP_GET_AVAILABLE_BOLUSES_RESPONSE = 0x11B4,
	IDS_CCP_GET_BOLUS_TEMPLATE = 0x11BB,
	IDS_CCP_GET_BOLUS_TEMPLATE_RESPONSE = 0x11D2,
	IDS_CCP_SET_BOLUS_TEMPLATE = 0x11DD,
	IDS_CCP_SET_BOLUS_TEMPLATE_RESPONSE = 0x11E1,
	IDS_CCP_GET_TEMPLATE_STATUS = 0x11EE,
	IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE = 0x1212,
	IDS_CCP_RESET_TEMPLATE_STATUS = 0x121D,
	IDS_CCP_RESET_TEMPLATE_STATUS_RESPONSE = 0x1221,
	IDS_CCP_ACTIVATE_TEMPLATES = 0x122E,
	IDS_CCP_ACTIVATE_TEMPLATES_RESPONSE = 0x1247,
	IDS_CCP_GET_ACTIVATED_TEMPLATES = 0x1248,
	IDS_CCP_GET_ACTIVATED_TEMPLATES_RESPONSE = 0x1274,
	IDS_CCP_START_PRIMING = 0x127B,
	IDS_CCP_STOP_PRIMING = 0x1284,
	IDS_CCP_SET_RESERVOIR_FILL_LEVEL = 0x128B,
	IDS_CCP_RESET_RESERVOIR_OPERATION_TIME = 0x12B7,
	IDS_CCP_READ_ISF_TEMPLATE = 0x12B8,
	IDS_CCP_READ_ISF_TEMPLATE_RESPONSE = 0x12D1,
	IDS_CCP_WRITE_ISF_TEMPLATE = 0x12DE,
	IDS_CCP_WRITE_ISF_TEMPLATE_RESPONSE = 0x12E2,
	IDS_CCP_READ_I2CHO_TEMPLATE = 0x12ED,
	IDS_CCP_READ_I2CHO_TEMPLATE_RESPONSE = 0x1414,
	IDS_CCP_WRITE_I2CHO_TEMPLATE = 0x141B,
	IDS_CCP_WRITE_I2CHO_TEMPLATE_RESPONSE = 0x1427,
	IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE = 0x1428,
	IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE = 0x1441,
	IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE = 0x144E,
	IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE_RESPONSE = 0x1472,
	IDS_CCP_GET_MAX_BOLUS = 0x147D,
	IDS_CCP_GET_MAX_BOLUS_RESPONSE = 0x1482,
	IDS_CCP_SET_MAX_BOLUS = 0x148D,
} ids_ccp_opcode;

/* Status Reader Control Point op codes, §1.3.2. */
typedef enum ids_srcp_opcode {
	IDS_SRCP_RESPONSE_CODE = 0x0303,
	IDS_SRCP_RESET_STATUS = 0x030C,
	IDS_SRCP_GET_ACTIVE_BOLUS_IDS = 0x0330,
	IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE = 0x033F,
	IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY = 0x0356,
	IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY_RESPONSE = 0x0359,
	IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY = 0x0365,
	IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE = 0x036A,
	IDS_SRCP_GET_TOTAL_DAILY_INSULIN = 0x0395,
	IDS_SRCP_GET_TOTAL_DAILY_INSULIN_RESPONSE = 0x039A,
	IDS_SRCP_GET_COUNTER = 0x03A6,
	IDS_SRCP_GET_COUNTER_RESPONSE = 0x03A9,
	IDS_SRCP_GET_DELIVERED_INSULIN = 0x03C0,
	IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE = 0x03CF,
	IDS_SRCP_GET_INSULIN_ON_BOARD = 0x03F3,
	IDS_SRCP_GET_INSULIN_ON_BOARD_RESPONSE = 0x03FC,
} ids_srcp_opcode;

/* Control point Response Code Values (not code words, but still table-checked). */
typedef enum ids_rc {
	IDS_RC_SUCCESS = 0x0F,
	IDS_RC_OPCODE_NOT_SUPPORTED = 0x70,
	IDS_RC_INVALID_OPERAND = 0x71,
	IDS_RC_PROCEDURE_NOT_COMPLETED = 0x72,
	IDS_RC_PARAMETER_OUT_OF_RANGE = 0x73,
	IDS_RC_PROCEDURE_NOT_APPLICABLE = 0x74,
	IDS_RC_PLAUSIBILITY_CHECK_FAILED = 0x75,
	IDS_RC_MAX_BOLUS_NUMBER_REACHED = 0x76,
} ids_rc;

/* IDD Record Access Control Point, §1.3.3. */
typedef enum ids_racp_opcode {
	IDS_RACP_RESPONSE_CODE = 0x0F,
	IDS_RACP_REPORT_STORED_RECORDS = 0x33,
	IDS_RACP_DELETE_STORED_RECORDS = 0x3C,
	IDS_RACP_ABORT = 0x55,
	IDS_RACP_REPORT_NUMBER = 0x5A,
	IDS_RACP_NUMBER_RESPONSE = 0x66,
} ids_racp_opcode;

typedef enum ids_racp_operator {
	IDS_RACP_OP_NULL = 0x0F,
	IDS_RACP_OP_ALL = 0x33,
	IDS_RACP_OP_LESS_OR_EQUAL = 0x3C,
	IDS_RACP_OP_GREATER_OR_EQUAL = 0x55,
	IDS_RACP_OP_WITHIN_RANGE = 0x5A,
	IDS_RACP_OP_FIRST = 0x66,
	IDS_RACP_OP_LAST = 0x69,
} ids_racp_operator;

typedef enum ids_racp_filter {
	IDS_RACP_FILTER_SEQUENCE_NUMBER = 0x0F,
	IDS_RACP_FILTER_SEQ_REFERENCE_TIME = 0x33,
	IDS_RACP_FILTER_SEQ_NON_REFERENCE_TIME = 0x3C,
} ids_racp_filter;

/*
 * IDD RACP response codes. Only Success = 0xF0 is established (BLEIDSSim, ABP, CCIDS); the
 * failure values are provisional (UHN family: generic RACP values 0x02–0x09, and 0x0A
 * Procedure not applicable) until SIG-IDS "IDD RACP Response Code Values" is read — keep
 * them in this one table (§1.3.3 [verify]); tests refer to them by name only.
 */
typedef enum ids_racp_rc {
	IDS_RACP_RC_SUCCESS = 0xF0,
	IDS_RACP_RC_OPCODE_NOT_SUPPORTED = 0x02,
	IDS_RACP_RC_INVALID_OPERATOR = 0x03,
	IDS_RACP_RC_OPERATOR_NOT_SUPPORTED = 0x04,
	IDS_RACP_RC_INVALID_OPERAND = 0x05,
	IDS_RACP_RC_NO_RECORDS_FOUND = 0x06,
	IDS_RACP_RC_ABORT_UNSUCCESSFUL = 0x07,
	IDS_RACP_RC_PROCEDURE_NOT_COMPLETED = 0x08,
	IDS_RACP_RC_OPERAND_NOT_SUPPORTED = 0x09,
	IDS_RACP_RC_PROCEDURE_NOT_APPLICABLE = 0x0A,
} ids_racp_rc;

extern const ids_code_table ids_tcs_table;
extern const ids_code_table ids_opstate_table;
extern const ids_code_table ids_bolus_type_table;
extern const ids_code_table ids_bolus_value_selection_table;
extern const ids_code_table ids_activation_type_table;
extern const ids_code_table ids_tbr_type_table;
extern const ids_code_table ids_delivery_context_table;
extern const ids_code_table ids_template_type_table;
extern const ids_code_table ids_annunciation_type_table;
extern const ids_code_table ids_annunciation_status_table;
extern const ids_code_table ids_counter_type_table;
extern const ids_code_table ids_counter_selection_table;
extern const ids_code_table ids_history_event_table;
extern const ids_code_table ids_ccp_opcode_table;
extern const ids_code_table ids_srcp_opcode_table;
extern const ids_code_table ids_rc_table;      /* Command CP: 0x0F, 0x70–0x76 */
extern const ids_code_table ids_srcp_rc_table; /* Status Reader CP: 0x0F, 0x70–0x74 */
extern const ids_code_table ids_racp_opcode_table;
extern const ids_code_table ids_racp_operator_table;
extern const ids_code_table ids_racp_filter_table;
extern const ids_code_table ids_racp_rc_table;

/* ---------------------------------------------------------------------------------- */
/* The IDS server's profile: what FakePump supports (drives Features and validation)   */
/* ---------------------------------------------------------------------------------- */

/* IDD Features flag bits (24 bit), §1.2. */
enum {
	IDS_FEAT_E2E = 1u << 0,
	IDS_FEAT_BASAL_RATE = 1u << 1,
	IDS_FEAT_TBR_ABSOLUTE = 1u << 2,
	IDS_FEAT_TBR_RELATIVE = 1u << 3,
	IDS_FEAT_TBR_TEMPLATE = 1u << 4,
	IDS_FEAT_FAST_BOLUS = 1u << 5,
	IDS_FEAT_EXTENDED_BOLUS = 1u << 6,
	IDS_FEAT_MULTIWAVE_BOLUS = 1u << 7,
	IDS_FEAT_BOLUS_DELAY = 1u << 8,
	IDS_FEAT_BOLUS_TEMPLATE = 1u << 9,
	IDS_FEAT_BOLUS_ACTIVATION_TYPE = 1u << 10,
	IDS_FEAT_MULTIPLE_BOND = 1u << 11,
	IDS_FEAT_ISF_TEMPLATE = 1u << 12,
	IDS_FEAT_I2CHO_TEMPLATE = 1u << 13,
	IDS_FEAT_TARGET_GLUCOSE_TEMPLATE = 1u << 14,
	IDS_FEAT_INSULIN_ON_BOARD = 1u << 15,
	IDS_FEAT_EXTENSION = 1u << 23,
	IDS_FEAT_DEFINED_MASK = 0x80FFFFu, /* b16–b22 RFU */
};

/* Template kinds that own a number range (IDS template numbers are unique across kinds). */
typedef enum ids_template_kind {
	IDS_TK_BASAL = 0,
	IDS_TK_TBR,
	IDS_TK_BOLUS,
	IDS_TK_ISF,
	IDS_TK_I2CHO,
	IDS_TK_TARGET_GLUCOSE,
	IDS_TK_COUNT,
} ids_template_kind;

typedef struct ids_template_range {
	uint8_t first; /* 1 … 255; 0 with count 0 = none */
	uint8_t count;
} ids_template_range;

typedef struct ids_server_profile {
	uint32_t features;                      /* IDS_FEAT_* (24 bit) */
	double insulin_concentration_iu_per_ml; /* e.g. 100 */
	ids_template_range templates[IDS_TK_COUNT];
	uint8_t max_time_blocks;         /* per profile template */
	uint16_t max_bolus_duration_min; /* extended / multiwave part */
	uint16_t max_bolus_delay_min;
	uint16_t max_tbr_duration_min;
	uint16_t max_tbr_relative_pct;        /* e.g. 250 */
	uint16_t max_time_block_duration_min; /* 1440 */
} ids_server_profile;

/* FakePump's defaults: E2E on; basal; TBR absolute + relative; fast, extended, multiwave
 * bolus; IOB; one basal template (number 1, 24 time blocks); no other templates; no bolus
 * delay; extended bolus up to 8 h, TBR 1 min … 24 h and 0 … 250 %. */
void ids_server_profile_defaults(ids_server_profile *p);
bool ids_profile_e2e(const ids_server_profile *p);

/* ---------------------------------------------------------------------------------- */
/* IDS characteristic values (payload only: the E2E tail is sealed/checked separately) */
/* ---------------------------------------------------------------------------------- */

/* IDD Status Changed flags (uint16, b8–b15 RFU). */
enum {
	IDS_SC_THERAPY_CONTROL_STATE = 1u << 0,
	IDS_SC_OPERATIONAL_STATE = 1u << 1,
	IDS_SC_RESERVOIR_STATUS = 1u << 2,
	IDS_SC_ANNUNCIATION_STATUS = 1u << 3,
	IDS_SC_TOTAL_DAILY_INSULIN = 1u << 4,
	IDS_SC_ACTIVE_BASAL_RATE = 1u << 5,
	IDS_SC_ACTIVE_BOLUS = 1u << 6,
	IDS_SC_HISTORY_EVENT = 1u << 7,
	IDS_SC_DEFINED_MASK = 0x00FFu,
};

ble_result ids_status_changed_encode(uint16_t flags, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_status_changed_decode(const uint8_t *buf, size_t len, uint16_t *flags);

typedef struct ids_status {
	uint8_t therapy_control_state; /* ids_therapy_control_state */
	uint8_t operational_state;     /* ids_operational_state */
	double reservoir_u;            /* encoded rounded down, 0.01 U at best */
	bool reservoir_attached;
} ids_status;

ble_result ids_status_encode(const ids_status *s, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_status_decode(const uint8_t *buf, size_t len, ids_status *out);

enum { IDS_ANN_AUX_MAX = 5 };

typedef struct ids_annunciation_status {
	bool present;
	uint16_t instance_id;
	uint16_t type;       /* ids_annunciation_type, or a vendor code the caller maps */
	uint8_t status;      /* ids_annunciation_status_value */
	uint8_t aux_present; /* bit i = AuxInfo(i+1) present */
	uint16_t aux[IDS_ANN_AUX_MAX];
} ids_annunciation_status;

/* The encoder refuses a type not in the IDS table unless it is a vendor code >= 0xF000
 * (FakePump's own, pump_model.h); the decoder likewise. */
ble_result ids_annunciation_status_encode(const ids_annunciation_status *a, uint8_t *buf,
                                          size_t cap, size_t *len);
ble_result ids_annunciation_status_decode(const uint8_t *buf, size_t len,
                                          ids_annunciation_status *out);

enum { IDS_FEATURE_EXT_MAX = 8 };

typedef struct ids_features {
	uint16_t e2e_crc;    /* decoded as read; the encoder computes it */
	uint8_t e2e_counter; /* 0 when E2E is unused */
	double insulin_concentration_iu_per_ml;
	uint32_t flags; /* 24 bit */
	size_t ext_len; /* extension octets, present iff flags b23 */
	uint8_t ext[IDS_FEATURE_EXT_MAX];
} ids_features;

/* IDD Features: E2E-CRC first (0xFFFF when flags b0 = 0, else the CRC over every byte after
 * it), E2E-Counter, concentration SFLOAT, flags uint24, then — iff b23 — extension octets,
 * each of whose b7 announces another. The decoder verifies the CRC when b0 = 1
 * (BLE_ERR_CRC) and requires 0xFFFF/0 when b0 = 0. */
ble_result ids_features_encode(const ids_features *f, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_features_decode(const uint8_t *buf, size_t len, ids_features *out);
/* The Features value a profile advertises (counter: 1 when E2E is on, else 0). */
void ids_features_from_profile(const ids_server_profile *p, ids_features *out);

enum { IDS_HISTORY_DATA_MAX = 16 };

/* One IDD History Data record; event data kept as bytes (layout per event type). */
typedef struct ids_history_event {
	uint16_t event_type; /* ids_history_event_type */
	uint32_t sequence_number;
	uint16_t relative_offset_s;
	size_t data_len;
	uint8_t data[IDS_HISTORY_DATA_MAX];
} ids_history_event;

ble_result ids_history_encode(const ids_history_event *e, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_history_decode(const uint8_t *buf, size_t len, ids_history_event *out);

/* ---------------------------------------------------------------------------------- */
/* IDD Command Control Point, §1.3.1                                                   */
/* ---------------------------------------------------------------------------------- */

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

/* ---------------------------------------------------------------------------------- */
/* IDD Status Reader Control Point, §1.3.2                                             */
/* ---------------------------------------------------------------------------------- */

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

/* ---------------------------------------------------------------------------------- */
/* IDD Record Access Control Point, §1.3.3                                             */
/* ---------------------------------------------------------------------------------- */

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

/* ---------------------------------------------------------------------------------- */
/* Date Time and Current Time (CTS 0x2A2B)                                             */
/* ---------------------------------------------------------------------------------- */

/* year 1582 … 9999 (0 = unknown), month 1 … 12 (0 = unknown), day 1 … 31 (0 = unknown),
 * hours 0 … 23, minutes 0 … 59, seconds 0 … 59. */
typedef struct ble_date_time {
	uint16_t year;
	uint8_t month, day, hours, minutes, seconds;
} ble_date_time;

enum {
	CTS_ADJUST_MANUAL = 1u << 0,
	CTS_ADJUST_EXTERNAL_REFERENCE = 1u << 1,
	CTS_ADJUST_TIME_ZONE = 1u << 2,
	CTS_ADJUST_DST = 1u << 3,
	CTS_ADJUST_DEFINED = 0x0Fu,
};

typedef struct cts_current_time {
	ble_date_time date_time;
	uint8_t day_of_week; /* 0 unknown, 1 Monday … 7 Sunday */
	uint8_t fractions256;
	uint8_t adjust_reason; /* CTS_ADJUST_* */
} cts_current_time;

ble_result ble_date_time_check(const ble_date_time *dt);
ble_result cts_current_time_encode(const cts_current_time *t, uint8_t *buf, size_t cap,
                                   size_t *len);
ble_result cts_current_time_decode(const uint8_t *buf, size_t len, cts_current_time *out);

/* ---------------------------------------------------------------------------------- */
/* Device Information and Battery                                                      */
/* ---------------------------------------------------------------------------------- */

/* DIS UTF-8 strings: copied without a terminator; refuses an embedded NUL or invalid
 * UTF-8. The decoder writes a NUL-terminated copy into out[cap] (BLE_ERR_NO_SPACE when
 * it does not fit). */
ble_result dis_string_encode(const char *s, uint8_t *buf, size_t cap, size_t *len);
ble_result dis_string_decode(const uint8_t *buf, size_t len, char *out, size_t cap);

typedef struct dis_pnp_id {
	uint8_t vendor_id_source; /* 1 = Bluetooth SIG, 2 = USB-IF */
	uint16_t vendor_id;
	uint16_t product_id;
	uint16_t product_version;
} dis_pnp_id;

ble_result dis_pnp_id_encode(const dis_pnp_id *p, uint8_t *buf, size_t cap, size_t *len);
ble_result dis_pnp_id_decode(const uint8_t *buf, size_t len, dis_pnp_id *out);
/* System ID: 40-bit manufacturer identifier + 24-bit OUI, 8 octets. */
ble_result dis_system_id_encode(uint64_t manufacturer_id, uint32_t oui, uint8_t *buf, size_t cap,
                                size_t *len);
ble_result dis_system_id_decode(const uint8_t *buf, size_t len, uint64_t *manufacturer_id,
                                uint32_t *oui);

/* Battery Level: uint8 percent 0 … 100 (the encoder rounds down a fraction). */
ble_result bas_level_encode(double pct, uint8_t *buf, size_t cap, size_t *len);
ble_result bas_level_decode(const uint8_t *buf, size_t len, uint8_t *pct);

/* ---------------------------------------------------------------------------------- */
/* CGMS (0x181F), §1.4                                                                 */
/* ---------------------------------------------------------------------------------- */

/* CGM Feature bits (24 bit). */
enum {
	CGMS_FEAT_CALIBRATION = 1u << 0,
	CGMS_FEAT_PATIENT_HIGH_LOW_ALERTS = 1u << 1,
	CGMS_FEAT_HYPO_ALERTS = 1u << 2,
	CGMS_FEAT_HYPER_ALERTS = 1u << 3,
	CGMS_FEAT_RATE_ALERTS = 1u << 4,
	CGMS_FEAT_DEVICE_SPECIFIC_ALERT = 1u << 5,
	CGMS_FEAT_SENSOR_MALFUNCTION = 1u << 6,
	CGMS_FEAT_TEMPERATURE_HIGH_LOW = 1u << 7,
	CGMS_FEAT_RESULT_HIGH_LOW = 1u << 8,
	CGMS_FEAT_LOW_BATTERY = 1u << 9,
	CGMS_FEAT_SENSOR_TYPE_ERROR = 1u << 10,
	CGMS_FEAT_GENERAL_DEVICE_FAULT = 1u << 11,
	CGMS_FEAT_E2E_CRC = 1u << 12,
	CGMS_FEAT_MULTIPLE_BOND = 1u << 13,
	CGMS_FEAT_MULTIPLE_SESSIONS = 1u << 14,
	CGMS_FEAT_TREND = 1u << 15,
	CGMS_FEAT_QUALITY = 1u << 16,
	CGMS_FEAT_DEFINED_MASK = 0x01FFFFu,
};

enum {
	CGMS_TYPE_CAPILLARY_WHOLE_BLOOD = 1,
	CGMS_TYPE_INTERSTITIAL_FLUID = 9,
	CGMS_TYPE_CONTROL_SOLUTION = 10,
	CGMS_LOCATION_FINGER = 1,
	CGMS_LOCATION_SUBCUTANEOUS = 5,
	CGMS_LOCATION_NOT_AVAILABLE = 15,
};

typedef struct cgms_feature {
	uint32_t features;       /* CGMS_FEAT_* */
	uint8_t type;            /* low nibble: 1 … 10 */
	uint8_t sample_location; /* high nibble: 1 … 5, or 15 not available */
} cgms_feature;

/* Always 6 octets: the CRC field is mandatory, 0xFFFF when b12 = 0. */
ble_result cgms_feature_encode(const cgms_feature *f, uint8_t *buf, size_t cap, size_t *len);
ble_result cgms_feature_decode(const uint8_t *buf, size_t len, cgms_feature *out);

/* Sensor Status Annunciation: 24-bit view, Status = bits 0–7, Cal/Temp = 8–15,
 * Warning = 16–23 (GATT-XML). */
enum {
	CGMS_SSA_SESSION_STOPPED = 1u << 0,
	CGMS_SSA_DEVICE_BATTERY_LOW = 1u << 1,
	CGMS_SSA_SENSOR_TYPE_INCORRECT = 1u << 2,
	CGMS_SSA_SENSOR_MALFUNCTION = 1u << 3,
	CGMS_SSA_DEVICE_SPECIFIC_ALERT = 1u << 4,
	CGMS_SSA_GENERAL_DEVICE_FAULT = 1u << 5,
	CGMS_SSA_TIME_SYNC_REQUIRED = 1u << 8,
	CGMS_SSA_CALIBRATION_NOT_ALLOWED = 1u << 9,
	CGMS_SSA_CALIBRATION_RECOMMENDED = 1u << 10,
	CGMS_SSA_CALIBRATION_REQUIRED = 1u << 11,
	CGMS_SSA_TEMPERATURE_TOO_HIGH = 1u << 12,
	CGMS_SSA_TEMPERATURE_TOO_LOW = 1u << 13,
	CGMS_SSA_BELOW_PATIENT_LOW = 1u << 16,
	CGMS_SSA_ABOVE_PATIENT_HIGH = 1u << 17,
	CGMS_SSA_BELOW_HYPO = 1u << 18,
	CGMS_SSA_ABOVE_HYPER = 1u << 19,
	CGMS_SSA_RATE_DECREASE_EXCEEDED = 1u << 20,
	CGMS_SSA_RATE_INCREASE_EXCEEDED = 1u << 21,
	CGMS_SSA_BELOW_DEVICE_RANGE = 1u << 22,
	CGMS_SSA_ABOVE_DEVICE_RANGE = 1u << 23,
	CGMS_SSA_DEFINED_MASK = 0xFF3F3Fu,
};

/* Measurement flag bits. */
enum {
	CGMS_MEAS_TREND = 1u << 0,
	CGMS_MEAS_QUALITY = 1u << 1,
	CGMS_MEAS_WARNING_OCTET = 1u << 5,
	CGMS_MEAS_CALTEMP_OCTET = 1u << 6,
	CGMS_MEAS_STATUS_OCTET = 1u << 7,
	CGMS_MEAS_DEFINED = 0xE3u,
};

/*
 * Order of the annunciation octets inside a CGM Measurement record (§1.4 [verify]): reading
 * A — Status, Cal/Temp, Warning (LSO first, as in CGM Status) — per NCS-CGMS, ABP and the
 * SIG GSS as read by bsp. NordicAndroid/nRF5 use Warning first (reading B). One constant.
 */
typedef enum cgms_ssa_order {
	CGMS_SSA_ORDER_STATUS_FIRST = 0,  /* reading A */
	CGMS_SSA_ORDER_WARNING_FIRST = 1, /* reading B */
} cgms_ssa_order;
#define CGMS_SSA_OCTET_ORDER CGMS_SSA_ORDER_STATUS_FIRST

typedef struct cgms_measurement {
	uint8_t flags;       /* CGMS_MEAS_*: derived by the encoder from what is present */
	double glucose_mgdl; /* SFLOAT; NaN/±INF from the specials */
	uint16_t time_offset_min;
	uint32_t ssa; /* CGMS_SSA_* bits; an octet is sent iff it is non-zero */
	bool has_trend;
	double trend_mgdl_per_min;
	bool has_quality;
	double quality_pct;
} cgms_measurement;

/* One record; `crc` appends/expects the E2E-CRC (CGM Feature b12). The encoder rounds
 * glucose to whole mg/dL, trend to 0.01, quality to whole % (nearest). */
ble_result cgms_measurement_encode(const cgms_measurement *m, bool crc, uint8_t *buf, size_t cap,
                                   size_t *len);
/* Decode the record at the start of buf (several may be packed in one notification); the
 * Size field must match the flags exactly (+2 with crc) and the CRC must be right.
 * *consumed = Size. */
ble_result cgms_measurement_decode(const uint8_t *buf, size_t len, bool crc, cgms_measurement *out,
                                   size_t *consumed);

typedef struct cgms_status {
	uint16_t time_offset_min;
	uint32_t ssa; /* 3 octets: Status, Cal/Temp, Warning */
} cgms_status;

ble_result cgms_status_encode(const cgms_status *s, bool crc, uint8_t *buf, size_t cap,
                              size_t *len);
ble_result cgms_status_decode(const uint8_t *buf, size_t len, bool crc, cgms_status *out);

/* Session Start Time: Date Time, Time Zone sint8 (15 min: -48 … 56, -128 unknown), DST
 * offset (0, 2, 4, 8, 255 unknown), [E2E-CRC]. Decoding a collector's write is strict. */
typedef struct cgms_session_start_time {
	ble_date_time date_time;
	int8_t time_zone;
	uint8_t dst_offset;
} cgms_session_start_time;

ble_result cgms_session_start_time_encode(const cgms_session_start_time *t, bool crc, uint8_t *buf,
                                          size_t cap, size_t *len);
ble_result cgms_session_start_time_decode(const uint8_t *buf, size_t len, bool crc,
                                          cgms_session_start_time *out);

ble_result cgms_session_run_time_encode(uint16_t hours, bool crc, uint8_t *buf, size_t cap,
                                        size_t *len);
ble_result cgms_session_run_time_decode(const uint8_t *buf, size_t len, bool crc, uint16_t *hours);

/* CGM Specific Ops Control Point. */
typedef enum cgms_socp_opcode {
	CGMS_SOCP_SET_COMM_INTERVAL = 0x01,
	CGMS_SOCP_GET_COMM_INTERVAL = 0x02,
	CGMS_SOCP_COMM_INTERVAL_RESPONSE = 0x03,
	CGMS_SOCP_SET_CALIBRATION = 0x04,
	CGMS_SOCP_GET_CALIBRATION = 0x05,
	CGMS_SOCP_CALIBRATION_RESPONSE = 0x06,
	CGMS_SOCP_SET_PATIENT_HIGH = 0x07,
	CGMS_SOCP_GET_PATIENT_HIGH = 0x08,
	CGMS_SOCP_PATIENT_HIGH_RESPONSE = 0x09,
	CGMS_SOCP_SET_PATIENT_LOW = 0x0A,
	CGMS_SOCP_GET_PATIENT_LOW = 0x0B,
	CGMS_SOCP_PATIENT_LOW_RESPONSE = 0x0C,
	CGMS_SOCP_SET_HYPO = 0x0D,
	CGMS_SOCP_GET_HYPO = 0x0E,
	CGMS_SOCP_HYPO_RESPONSE = 0x0F,
	CGMS_SOCP_SET_HYPER = 0x10,
	CGMS_SOCP_GET_HYPER = 0x11,
	CGMS_SOCP_HYPER_RESPONSE = 0x12,
	CGMS_SOCP_SET_RATE_DECREASE = 0x13,
	CGMS_SOCP_GET_RATE_DECREASE = 0x14,
	CGMS_SOCP_RATE_DECREASE_RESPONSE = 0x15,
	CGMS_SOCP_SET_RATE_INCREASE = 0x16,
	CGMS_SOCP_GET_RATE_INCREASE = 0x17,
	CGMS_SOCP_RATE_INCREASE_RESPONSE = 0x18,
	CGMS_SOCP_RESET_DEVICE_SPECIFIC_ALERT = 0x19,
	CGMS_SOCP_START_SESSION = 0x1A,
	CGMS_SOCP_STOP_SESSION = 0x1B,
	CGMS_SOCP_RESPONSE_CODE = 0x1C,
} cgms_socp_opcode;

typedef enum cgms_socp_rc {
	CGMS_RC_SUCCESS = 0x01,
	CGMS_RC_OPCODE_NOT_SUPPORTED = 0x02,
	CGMS_RC_INVALID_OPERAND = 0x03,
	CGMS_RC_PROCEDURE_NOT_COMPLETED = 0x04,
	CGMS_RC_PARAMETER_OUT_OF_RANGE = 0x05,
} cgms_socp_rc;

typedef struct cgms_calibration {
	double glucose_mgdl;     /* SFLOAT */
	uint16_t time_min;       /* calibration time, minutes (time offset) */
	uint8_t type;            /* low nibble */
	uint8_t sample_location; /* high nibble */
	uint16_t next_time_min;
	uint16_t record_number;
	uint8_t status; /* b0 rejected, b1 out of range, b2 process pending; b3–7 RFU */
} cgms_calibration;

typedef struct cgms_socp_request {
	uint8_t opcode;
	union {
		uint8_t interval_min;         /* SET_COMM_INTERVAL: 0 off, 255 fastest */
		cgms_calibration calibration; /* SET_CALIBRATION */
		uint16_t record_number;       /* GET_CALIBRATION (0xFFFF = last) */
		double level;                 /* SET_* alert levels: mg/dL or mg/dL/min */
	} u;
} cgms_socp_request;

/* E2E-CRC already checked and removed (cgms_e2e_check). Returns CGMS_RC_SUCCESS or the
 * code: 0x02 unknown/response opcode or empty PDU, 0x03 wrong length, special values,
 * reserved bits or nibble codes, 0x05 numbers out of range (glucose levels outside
 * 20 … 600 mg/dL, rates of change outside (0, 20] mg/dL/min). */
cgms_socp_rc cgms_socp_request_decode(const uint8_t *buf, size_t len, cgms_socp_request *out);
ble_result cgms_socp_request_encode(const cgms_socp_request *r, uint8_t *buf, size_t cap,
                                    size_t *len);

typedef struct cgms_socp_response {
	uint8_t opcode;
	union {
		struct {
			uint8_t request_opcode;
			uint8_t code; /* cgms_socp_rc */
		} response_code;
		uint8_t interval_min;
		cgms_calibration calibration;
		double level;
	} u;
} cgms_socp_response;

/* `crc`: append/expect the E2E-CRC. */
ble_result cgms_socp_response_encode(const cgms_socp_response *r, bool crc, uint8_t *buf,
                                     size_t cap, size_t *len);
ble_result cgms_socp_response_decode(const uint8_t *buf, size_t len, bool crc,
                                     cgms_socp_response *out);

/* Generic Record Access Control Point (0x2A52) as CGMS uses it. */
typedef enum racp_opcode {
	RACP_REPORT_STORED_RECORDS = 1,
	RACP_DELETE_STORED_RECORDS = 2,
	RACP_ABORT = 3,
	RACP_REPORT_NUMBER = 4,
	RACP_NUMBER_RESPONSE = 5,
	RACP_RESPONSE_CODE = 6,
} racp_opcode;

typedef enum racp_operator {
	RACP_OP_NULL = 0,
	RACP_OP_ALL = 1,
	RACP_OP_LESS_OR_EQUAL = 2,
	RACP_OP_GREATER_OR_EQUAL = 3,
	RACP_OP_WITHIN_RANGE = 4,
	RACP_OP_FIRST = 5,
	RACP_OP_LAST = 6,
} racp_operator;

typedef enum racp_rc {
	RACP_RC_SUCCESS = 1,
	RACP_RC_OPCODE_NOT_SUPPORTED = 2,
	RACP_RC_INVALID_OPERATOR = 3,
	RACP_RC_OPERATOR_NOT_SUPPORTED = 4,
	RACP_RC_INVALID_OPERAND = 5,
	RACP_RC_NO_RECORDS_FOUND = 6,
	RACP_RC_ABORT_UNSUCCESSFUL = 7,
	RACP_RC_PROCEDURE_NOT_COMPLETED = 8,
	RACP_RC_OPERAND_NOT_SUPPORTED = 9,
} racp_rc;

enum { CGMS_RACP_FILTER_TIME_OFFSET = 1, CGMS_RACP_FILTER_USER_FACING_TIME = 2 };

typedef struct cgms_racp_request {
	uint8_t opcode; /* racp_opcode */
	uint8_t op;     /* racp_operator */
	uint8_t filter; /* CGMS_RACP_FILTER_TIME_OFFSET for <=, >=, range */
	uint16_t min_offset_min;
	uint16_t max_offset_min;
} cgms_racp_request;

/* Returns RACP_RC_SUCCESS or: 2 unknown/response opcode, 3 operator not defined or not
 * allowed with the opcode, 4 valid operator this server does not support (none today),
 * 5 malformed operand (length, range min > max), 9 filter type User Facing Time. */
racp_rc cgms_racp_request_decode(const uint8_t *buf, size_t len, cgms_racp_request *out);
ble_result cgms_racp_request_encode(const cgms_racp_request *r, uint8_t *buf, size_t cap,
                                    size_t *len);

typedef struct cgms_racp_response {
	uint8_t opcode; /* RACP_RESPONSE_CODE or RACP_NUMBER_RESPONSE */
	uint8_t request_opcode;
	uint8_t code; /* racp_rc */
	uint16_t count;
} cgms_racp_response;

ble_result cgms_racp_response_encode(const cgms_racp_response *r, uint8_t *buf, size_t cap,
                                     size_t *len);
ble_result cgms_racp_response_decode(const uint8_t *buf, size_t len, cgms_racp_response *out);

/* ---------------------------------------------------------------------------------- */
/* The GATT service model                                                              */
/* ---------------------------------------------------------------------------------- */

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
	GATT_SEC_SECURE,        /* LE Secure Connections + MITM: BlueZ secure-* (§3.2) */
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
	bool created_by_stack; /* CCCDs: BlueZ creates them; never exported by us (§3.1) */
	gatt_security write_security;
} gatt_descriptor_def;

typedef struct gatt_characteristic_def {
	gatt_char_id id;
	uint16_t uuid16;
	const char *name;
	uint8_t properties;     /* GATT_PROP_* */
	gatt_security security; /* for every access: read, write and the CCCD write */
	bool e2e;               /* carries the E2E tail/CRC when E2E is on */
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

/* The services in registration order (stable across runs: iOS caches handles, §3.4). */
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

#endif
