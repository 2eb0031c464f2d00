/*
 * ble_gateway/protocol/ids_codes.h — the Insulin Delivery Service's coded values: the
 * Hamming-coded enumerations (therapy control state, bolus type, annunciation type, history
 * event type, …), the control points' op codes and response codes, each as named constants
 * and as a table that is the only way a code word is recognised.
 *
 * Must never: accept a value by arithmetic or by nearness — a single bit flip of a code word
 * is never another valid code word, and a value not in its table is "not a valid code".
 *
 * Follows IDS 1.0.1 (the enumerations of its characteristics and control points; op codes
 * and code words are listed in docs/ble.md "Wire formats").
 */
#ifndef FAKEPUMP_BLE_IDS_CODES_H
#define FAKEPUMP_BLE_IDS_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* IDD Command Control Point op codes (16 bit). */
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

/* IDD Status Reader Control Point op codes. */
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

/* IDD Record Access Control Point op codes, operators and filter types. */
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
 * IDD RACP response codes. Only Success = 0xF0 is established by the open IDS
 * implementations; the failure values are provisional (the generic RACP values 0x02–0x09,
 * and 0x0A Procedure not applicable) until they are checked against the IDS 1.0.1 table
 * "IDD RACP Response Code Values" — keep them in this one table (docs/ble.md "Deviations
 * and limits"); tests refer to them by name only.
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

/* A Command CP response code's name ("parameter_out_of_range"), or NULL if not a code. */
const char *ids_rc_name(ids_rc rc);
/* Name → code; false when the name is not a Command CP response code. */
bool ids_rc_from_name(const char *name, ids_rc *out);

#endif
