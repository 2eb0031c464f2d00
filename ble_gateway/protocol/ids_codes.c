/*
 * ids_codes.c — the IDS Hamming-coded enumerations and op codes as named constant tables
 * (IDS 1.0.1), and the one lookup that recognises them.
 *
 * Must never do arithmetic on a code word or map an unknown value to a "nearest" one: a
 * value is valid iff it is in its table (a single bit flip never yields another valid code
 * word — that is the point). The CP response codes 0x70–0x76 and the IDD RACP failure codes
 * are not code words but are table-checked the same way.
 * The values as IDS 1.0.1 defines them and the open implementations agree on (UHN's
 * BLEIDSSim and AndroidBLEParser; STMicroelectronics' IDS server example for the
 * annunciation types, feature bits and response codes).
 */
#include <string.h>

#include "ids_codes.h"

#define CODE_TABLE(var, name, arr)                                                                 \
	const ids_code_table var = {name, arr, sizeof arr / sizeof arr[0]}

const char *ids_code_name(const ids_code_table *t, uint16_t value)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->codes[i].value == value)
			return t->codes[i].name;
	return NULL;
}

bool ids_code_valid(const ids_code_table *t, uint16_t value)
{
	return ids_code_name(t, value) != NULL;
}

static const ids_code ids_tcs_codes[] = {
    {IDS_TCS_UNDETERMINED, "undetermined"},
    {IDS_TCS_STOP, "stop"},
    {IDS_TCS_PAUSE, "pause"},
    {IDS_TCS_RUN, "run"},
};
CODE_TABLE(ids_tcs_table, "therapy_control_state", ids_tcs_codes);

static const ids_code ids_opstate_codes[] = {
    {IDS_OPSTATE_UNDETERMINED, "undetermined"},
    {IDS_OPSTATE_OFF, "off"},
    {IDS_OPSTATE_STANDBY, "standby"},
    {IDS_OPSTATE_PREPARING, "preparing"},
    {IDS_OPSTATE_PRIMING, "priming"},
    {IDS_OPSTATE_WAITING, "waiting"},
    {IDS_OPSTATE_READY, "ready"},
};
CODE_TABLE(ids_opstate_table, "operational_state", ids_opstate_codes);

static const ids_code ids_bolus_type_codes[] = {
    {IDS_BOLUS_UNDETERMINED, "undetermined"},
    {IDS_BOLUS_FAST, "fast"},
    {IDS_BOLUS_EXTENDED, "extended"},
    {IDS_BOLUS_MULTIWAVE, "multiwave"},
};
CODE_TABLE(ids_bolus_type_table, "bolus_type", ids_bolus_type_codes);

static const ids_code ids_bolus_value_selection_codes[] = {
    {IDS_BOLUS_VALUE_PROGRAMMED, "programmed"},
    {IDS_BOLUS_VALUE_REMAINING, "remaining"},
    {IDS_BOLUS_VALUE_DELIVERED, "delivered"},
};
CODE_TABLE(ids_bolus_value_selection_table, "bolus_value_selection",
           ids_bolus_value_selection_codes);

static const ids_code ids_activation_type_codes[] = {
    {IDS_ACTIVATION_UNDETERMINED, "undetermined"},
    {IDS_ACTIVATION_MANUAL, "manual"},
    {IDS_ACTIVATION_RECOMMENDED, "recommended"},
    {IDS_ACTIVATION_MANUALLY_CHANGED_RECOMMENDED, "manually_changed_recommended"},
    {IDS_ACTIVATION_COMMANDED, "commanded"},
};
CODE_TABLE(ids_activation_type_table, "bolus_activation_type", ids_activation_type_codes);

static const ids_code ids_tbr_type_codes[] = {
    {IDS_TBR_UNDETERMINED, "undetermined"},
    {IDS_TBR_ABSOLUTE, "absolute"},
    {IDS_TBR_RELATIVE, "relative"},
};
CODE_TABLE(ids_tbr_type_table, "tbr_type", ids_tbr_type_codes);

static const ids_code ids_delivery_context_codes[] = {
    {IDS_CONTEXT_UNDETERMINED, "undetermined"},
    {IDS_CONTEXT_DEVICE_BASED, "device_based"},
    {IDS_CONTEXT_REMOTE_CONTROL, "remote_control"},
    {IDS_CONTEXT_AP_CONTROLLER, "ap_controller"},
};
CODE_TABLE(ids_delivery_context_table, "basal_delivery_context", ids_delivery_context_codes);

static const ids_code ids_template_type_codes[] = {
    {IDS_TEMPLATE_UNDETERMINED, "undetermined"},
    {IDS_TEMPLATE_BASAL_RATE, "basal_rate_profile"},
    {IDS_TEMPLATE_TBR, "tbr"},
    {IDS_TEMPLATE_BOLUS, "bolus"},
    {IDS_TEMPLATE_ISF, "isf_profile"},
    {IDS_TEMPLATE_I2CHO, "i2cho_ratio_profile"},
    {IDS_TEMPLATE_TARGET_GLUCOSE, "target_glucose_range_profile"},
};
CODE_TABLE(ids_template_type_table, "template_type", ids_template_type_codes);

static const ids_code ids_annunciation_type_codes[] = {
    {IDS_ANN_SYSTEM_ISSUE, "system_issue"},
    {IDS_ANN_MECHANICAL_ISSUE, "mechanical_issue"},
    {IDS_ANN_OCCLUSION_DETECTED, "occlusion_detected"},
    {IDS_ANN_RESERVOIR_ISSUE, "reservoir_issue"},
    {IDS_ANN_RESERVOIR_EMPTY, "reservoir_empty"},
    {IDS_ANN_RESERVOIR_LOW, "reservoir_low"},
    {IDS_ANN_PRIMING_ISSUE, "priming_issue"},
    {IDS_ANN_INFUSION_SET_INCOMPLETE, "infusion_set_incomplete"},
    {IDS_ANN_INFUSION_SET_DETACHED, "infusion_set_detached"},
    {IDS_ANN_POWER_SOURCE_INSUFFICIENT, "power_source_insufficient"},
    {IDS_ANN_BATTERY_EMPTY, "battery_empty"},
    {IDS_ANN_BATTERY_LOW, "battery_low"},
    {IDS_ANN_BATTERY_MEDIUM, "battery_medium"},
    {IDS_ANN_BATTERY_FULL, "battery_full"},
    {IDS_ANN_TEMPERATURE_OUT_OF_RANGE, "temperature_out_of_range"},
    {IDS_ANN_AIR_PRESSURE_OUT_OF_RANGE, "air_pressure_out_of_range"},
    {IDS_ANN_BOLUS_CANCELED, "bolus_canceled"},
    {IDS_ANN_TBR_OVER, "tbr_over"},
    {IDS_ANN_TBR_CANCELED, "tbr_canceled"},
    {IDS_ANN_MAX_DELIVERY, "max_delivery"},
    {IDS_ANN_DATE_TIME_ISSUE, "date_time_issue"},
    {IDS_ANN_TEMPERATURE, "temperature"},
};
CODE_TABLE(ids_annunciation_type_table, "annunciation_type", ids_annunciation_type_codes);

static const ids_code ids_annunciation_status_codes[] = {
    {IDS_ANN_STATUS_UNDETERMINED, "undetermined"},
    {IDS_ANN_STATUS_PENDING, "pending"},
    {IDS_ANN_STATUS_SNOOZED, "snoozed"},
    {IDS_ANN_STATUS_CONFIRMED, "confirmed"},
};
CODE_TABLE(ids_annunciation_status_table, "annunciation_status", ids_annunciation_status_codes);

static const ids_code ids_counter_type_codes[] = {
    {IDS_COUNTER_LIFETIME, "lifetime"},
    {IDS_COUNTER_WARRANTY_TIME, "warranty_time"},
    {IDS_COUNTER_LOANER_TIME, "loaner_time"},
    {IDS_COUNTER_RESERVOIR_INSULIN_OPERATION_TIME, "reservoir_insulin_operation_time"},
};
CODE_TABLE(ids_counter_type_table, "counter_type", ids_counter_type_codes);

static const ids_code ids_counter_selection_codes[] = {
    {IDS_COUNTER_REMAINING, "remaining"},
    {IDS_COUNTER_ELAPSED, "elapsed"},
};
CODE_TABLE(ids_counter_selection_table, "counter_value_selection", ids_counter_selection_codes);

static const ids_code ids_history_event_codes[] = {
    {IDS_EV_REFERENCE_TIME, "reference_time"},
    {IDS_EV_REFERENCE_TIME_BASE_OFFSET, "reference_time_base_offset"},
    {IDS_EV_BOLUS_CALCULATED_1, "bolus_calculated_1"},
    {IDS_EV_BOLUS_CALCULATED_2, "bolus_calculated_2"},
    {IDS_EV_BOLUS_PROGRAMMED_1, "bolus_programmed_1"},
    {IDS_EV_BOLUS_PROGRAMMED_2, "bolus_programmed_2"},
    {IDS_EV_BOLUS_DELIVERED_1, "bolus_delivered_1"},
    {IDS_EV_BOLUS_DELIVERED_2, "bolus_delivered_2"},
    {IDS_EV_DELIVERED_BASAL_RATE_CHANGED, "delivered_basal_rate_changed"},
    {IDS_EV_TBR_ADJUSTMENT_STARTED, "tbr_adjustment_started"},
    {IDS_EV_TBR_ADJUSTMENT_ENDED, "tbr_adjustment_ended"},
    {IDS_EV_TBR_ADJUSTMENT_CHANGED, "tbr_adjustment_changed"},
    {IDS_EV_PROFILE_TEMPLATE_ACTIVATED, "profile_template_activated"},
    {IDS_EV_BASAL_TEMPLATE_TIME_BLOCK_CHANGED, "basal_template_time_block_changed"},
    {IDS_EV_TOTAL_DAILY_INSULIN_DELIVERY, "total_daily_insulin_delivery"},
    {IDS_EV_THERAPY_CONTROL_STATE_CHANGED, "therapy_control_state_changed"},
    {IDS_EV_OPERATIONAL_STATE_CHANGED, "operational_state_changed"},
    {IDS_EV_RESERVOIR_REMAINING_AMOUNT_CHANGED, "reservoir_remaining_amount_changed"},
    {IDS_EV_ANNUNCIATION_STATUS_CHANGED_1, "annunciation_status_changed_1"},
    {IDS_EV_ANNUNCIATION_STATUS_CHANGED_2, "annunciation_status_changed_2"},
    {IDS_EV_ISF_TEMPLATE_TIME_BLOCK_CHANGED, "isf_template_time_block_changed"},
    {IDS_EV_I2CHO_TEMPLATE_TIME_BLOCK_CHANGED, "i2cho_template_time_block_changed"},
    {IDS_EV_TARGET_GLUCOSE_TEMPLATE_TIME_BLOCK_CHANGED,
     "target_glucose_template_time_block_changed"},
    {IDS_EV_PRIMING_STARTED, "priming_started"},
    {IDS_EV_PRIMING_DONE, "priming_done"},
    {IDS_EV_DATA_CORRUPTION, "data_corruption"},
    {IDS_EV_POINTER_EVENT, "pointer_event"},
    {IDS_EV_BOLUS_TEMPLATE_CHANGED_1, "bolus_template_changed_1"},
    {IDS_EV_BOLUS_TEMPLATE_CHANGED_2, "bolus_template_changed_2"},
    {IDS_EV_TBR_TEMPLATE_CHANGED, "tbr_template_changed"},
    {IDS_EV_MAX_BOLUS_AMOUNT_CHANGED, "max_bolus_amount_changed"},
};
CODE_TABLE(ids_history_event_table, "history_event_type", ids_history_event_codes);

static const ids_code ids_ccp_opcode_codes[] = {
    {IDS_CCP_RESPONSE_CODE, "response_code"},
    {IDS_CCP_SET_THERAPY_CONTROL_STATE, "set_therapy_control_state"},
    {IDS_CCP_SET_FLIGHT_MODE, "set_flight_mode"},
    {IDS_CCP_SNOOZE_ANNUNCIATION, "snooze_annunciation"},
    {IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE, "snooze_annunciation_response"},
    {IDS_CCP_CONFIRM_ANNUNCIATION, "confirm_annunciation"},
    {IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE, "confirm_annunciation_response"},
    {IDS_CCP_READ_BASAL_TEMPLATE, "read_basal_template"},
    {IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE, "read_basal_template_response"},
    {IDS_CCP_WRITE_BASAL_TEMPLATE, "write_basal_template"},
    {IDS_CCP_WRITE_BASAL_TEMPLATE_RESPONSE, "write_basal_template_response"},
    {IDS_CCP_SET_TBR, "set_tbr"},
    {IDS_CCP_CANCEL_TBR, "cancel_tbr"},
    {IDS_CCP_GET_TBR_TEMPLATE, "get_tbr_template"},
    {IDS_CCP_GET_TBR_TEMPLATE_RESPONSE, "get_tbr_template_response"},
    {IDS_CCP_SET_TBR_TEMPLATE, "set_tbr_template"},
    {IDS_CCP_SET_TBR_TEMPLATE_RESPONSE, "set_tbr_template_response"},
    {IDS_CCP_SET_BOLUS, "set_bolus"},
    {IDS_CCP_SET_BOLUS_RESPONSE, "set_bolus_response"},
    {IDS_CCP_CANCEL_BOLUS, "cancel_bolus"},
    {IDS_CCP_CANCEL_BOLUS_RESPONSE, "cancel_bolus_response"},
    {IDS_CCP_GET_AVAILABLE_BOLUSES, "get_available_boluses"},
    {IDS_CCP_GET_AVAILABLE_BOLUSES_RESPONSE, "get_available_boluses_response"},
    {IDS_CCP_GET_BOLUS_TEMPLATE, "get_bolus_template"},
    {IDS_CCP_GET_BOLUS_TEMPLATE_RESPONSE, "get_bolus_template_response"},
    {IDS_CCP_SET_BOLUS_TEMPLATE, "set_bolus_template"},
    {IDS_CCP_SET_BOLUS_TEMPLATE_RESPONSE, "set_bolus_template_response"},
    {IDS_CCP_GET_TEMPLATE_STATUS, "get_template_status"},
    {IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE, "get_template_status_response"},
    {IDS_CCP_RESET_TEMPLATE_STATUS, "reset_template_status"},
    {IDS_CCP_RESET_TEMPLATE_STATUS_RESPONSE, "reset_template_status_response"},
    {IDS_CCP_ACTIVATE_TEMPLATES, "activate_templates"},
    {IDS_CCP_ACTIVATE_TEMPLATES_RESPONSE, "activate_templates_response"},
    {IDS_CCP_GET_ACTIVATED_TEMPLATES, "get_activated_templates"},
    {IDS_CCP_GET_ACTIVATED_TEMPLATES_RESPONSE, "get_activated_templates_response"},
    {IDS_CCP_START_PRIMING, "start_priming"},
    {IDS_CCP_STOP_PRIMING, "stop_priming"},
    {IDS_CCP_SET_RESERVOIR_FILL_LEVEL, "set_reservoir_fill_level"},
    {IDS_CCP_RESET_RESERVOIR_OPERATION_TIME, "reset_reservoir_operation_time"},
    {IDS_CCP_READ_ISF_TEMPLATE, "read_isf_template"},
    {IDS_CCP_READ_ISF_TEMPLATE_RESPONSE, "read_isf_template_response"},
    {IDS_CCP_WRITE_ISF_TEMPLATE, "write_isf_template"},
    {IDS_CCP_WRITE_ISF_TEMPLATE_RESPONSE, "write_isf_template_response"},
    {IDS_CCP_READ_I2CHO_TEMPLATE, "read_i2cho_template"},
    {IDS_CCP_READ_I2CHO_TEMPLATE_RESPONSE, "read_i2cho_template_response"},
    {IDS_CCP_WRITE_I2CHO_TEMPLATE, "write_i2cho_template"},
    {IDS_CCP_WRITE_I2CHO_TEMPLATE_RESPONSE, "write_i2cho_template_response"},
    {IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE, "read_target_glucose_template"},
    {IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE, "read_target_glucose_template_response"},
    {IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE, "write_target_glucose_template"},
    {IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE_RESPONSE, "write_target_glucose_template_response"},
    {IDS_CCP_GET_MAX_BOLUS, "get_max_bolus"},
    {IDS_CCP_GET_MAX_BOLUS_RESPONSE, "get_max_bolus_response"},
    {IDS_CCP_SET_MAX_BOLUS, "set_max_bolus"},
};
CODE_TABLE(ids_ccp_opcode_table, "idd_command_cp_opcode", ids_ccp_opcode_codes);

static const ids_code ids_srcp_opcode_codes[] = {
    {IDS_SRCP_RESPONSE_CODE, "response_code"},
    {IDS_SRCP_RESET_STATUS, "reset_status"},
    {IDS_SRCP_GET_ACTIVE_BOLUS_IDS, "get_active_bolus_ids"},
    {IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE, "get_active_bolus_ids_response"},
    {IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY, "get_active_bolus_delivery"},
    {IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY_RESPONSE, "get_active_bolus_delivery_response"},
    {IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY, "get_active_basal_delivery"},
    {IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE, "get_active_basal_delivery_response"},
    {IDS_SRCP_GET_TOTAL_DAILY_INSULIN, "get_total_daily_insulin"},
    {IDS_SRCP_GET_TOTAL_DAILY_INSULIN_RESPONSE, "get_total_daily_insulin_response"},
    {IDS_SRCP_GET_COUNTER, "get_counter"},
    {IDS_SRCP_GET_COUNTER_RESPONSE, "get_counter_response"},
    {IDS_SRCP_GET_DELIVERED_INSULIN, "get_delivered_insulin"},
    {IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE, "get_delivered_insulin_response"},
    {IDS_SRCP_GET_INSULIN_ON_BOARD, "get_insulin_on_board"},
    {IDS_SRCP_GET_INSULIN_ON_BOARD_RESPONSE, "get_insulin_on_board_response"},
};
CODE_TABLE(ids_srcp_opcode_table, "idd_status_reader_cp_opcode", ids_srcp_opcode_codes);

static const ids_code ids_rc_codes[] = {
    {IDS_RC_SUCCESS, "success"},
    {IDS_RC_OPCODE_NOT_SUPPORTED, "op_code_not_supported"},
    {IDS_RC_INVALID_OPERAND, "invalid_operand"},
    {IDS_RC_PROCEDURE_NOT_COMPLETED, "procedure_not_completed"},
    {IDS_RC_PARAMETER_OUT_OF_RANGE, "parameter_out_of_range"},
    {IDS_RC_PROCEDURE_NOT_APPLICABLE, "procedure_not_applicable"},
    {IDS_RC_PLAUSIBILITY_CHECK_FAILED, "plausibility_check_failed"},
    {IDS_RC_MAX_BOLUS_NUMBER_REACHED, "maximum_bolus_number_reached"},
};
CODE_TABLE(ids_rc_table, "idd_cp_response_code", ids_rc_codes);

static const ids_code ids_srcp_rc_codes[] = {
    {IDS_RC_SUCCESS, "success"},
    {IDS_RC_OPCODE_NOT_SUPPORTED, "op_code_not_supported"},
    {IDS_RC_INVALID_OPERAND, "invalid_operand"},
    {IDS_RC_PROCEDURE_NOT_COMPLETED, "procedure_not_completed"},
    {IDS_RC_PARAMETER_OUT_OF_RANGE, "parameter_out_of_range"},
    {IDS_RC_PROCEDURE_NOT_APPLICABLE, "procedure_not_applicable"},
};
CODE_TABLE(ids_srcp_rc_table, "idd_srcp_response_code", ids_srcp_rc_codes);

static const ids_code ids_racp_opcode_codes[] = {
    {IDS_RACP_RESPONSE_CODE, "response_code"},
    {IDS_RACP_REPORT_STORED_RECORDS, "report_stored_records"},
    {IDS_RACP_DELETE_STORED_RECORDS, "delete_stored_records"},
    {IDS_RACP_ABORT, "abort"},
    {IDS_RACP_REPORT_NUMBER, "report_number_of_stored_records"},
    {IDS_RACP_NUMBER_RESPONSE, "number_of_stored_records_response"},
};
CODE_TABLE(ids_racp_opcode_table, "idd_racp_opcode", ids_racp_opcode_codes);

static const ids_code ids_racp_operator_codes[] = {
    {IDS_RACP_OP_NULL, "null"},
    {IDS_RACP_OP_ALL, "all"},
    {IDS_RACP_OP_LESS_OR_EQUAL, "less_or_equal"},
    {IDS_RACP_OP_GREATER_OR_EQUAL, "greater_or_equal"},
    {IDS_RACP_OP_WITHIN_RANGE, "within_range"},
    {IDS_RACP_OP_FIRST, "first"},
    {IDS_RACP_OP_LAST, "last"},
};
CODE_TABLE(ids_racp_operator_table, "idd_racp_operator", ids_racp_operator_codes);

static const ids_code ids_racp_filter_codes[] = {
    {IDS_RACP_FILTER_SEQUENCE_NUMBER, "sequence_number"},
    {IDS_RACP_FILTER_SEQ_REFERENCE_TIME, "sequence_number_reference_time_events"},
    {IDS_RACP_FILTER_SEQ_NON_REFERENCE_TIME, "sequence_number_non_reference_time_events"},
};
CODE_TABLE(ids_racp_filter_table, "idd_racp_filter", ids_racp_filter_codes);

static const ids_code ids_racp_rc_codes[] = {
    {IDS_RACP_RC_SUCCESS, "success"},
    {IDS_RACP_RC_OPCODE_NOT_SUPPORTED, "op_code_not_supported"},
    {IDS_RACP_RC_INVALID_OPERATOR, "invalid_operator"},
    {IDS_RACP_RC_OPERATOR_NOT_SUPPORTED, "operator_not_supported"},
    {IDS_RACP_RC_INVALID_OPERAND, "invalid_operand"},
    {IDS_RACP_RC_NO_RECORDS_FOUND, "no_records_found"},
    {IDS_RACP_RC_ABORT_UNSUCCESSFUL, "abort_unsuccessful"},
    {IDS_RACP_RC_PROCEDURE_NOT_COMPLETED, "procedure_not_completed"},
    {IDS_RACP_RC_OPERAND_NOT_SUPPORTED, "operand_not_supported"},
    {IDS_RACP_RC_PROCEDURE_NOT_APPLICABLE, "procedure_not_applicable"},
};
CODE_TABLE(ids_racp_rc_table, "idd_racp_response_code", ids_racp_rc_codes);

const char *ids_rc_name(ids_rc rc)
{
	return ids_code_name(&ids_rc_table, (uint16_t)rc);
}

bool ids_rc_from_name(const char *name, ids_rc *out)
{
	if (!name)
		return false;
	for (size_t i = 0; i < ids_rc_table.count; i++)
		if (strcmp(ids_rc_table.codes[i].name, name) == 0) {
			*out = (ids_rc)ids_rc_table.codes[i].value;
			return true;
		}
	return false;
}
