/*
 * pump_binding.c — the IDS vocabulary for the pump's results, states and requests (see
 * pump_binding.h). The mapping of refusals follows the hostile-phone catalogue (rows T1–T10,
 * R4 of docs/ble-threats.md) and is tabled in docs/ble.md.
 */
#include "pump_binding.h"

ids_rc ids_rc_for_pump_result(pump_result r)
{
	switch (r) {
	case PUMP_OK:
		return IDS_RC_SUCCESS;
	case PUMP_REFUSED_INVALID_VALUE:
		return IDS_RC_INVALID_OPERAND;
	case PUMP_REFUSED_MAX_BOLUS:
	case PUMP_REFUSED_MAX_BASAL:
	case PUMP_REFUSED_LIMIT_ABOVE_PUMP:
	case PUMP_REFUSED_BOLUS_RATE:
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	case PUMP_REFUSED_MAX_DAILY:
	case PUMP_REFUSED_MAX_IOB:
		return IDS_RC_PLAUSIBILITY_CHECK_FAILED;
	case PUMP_REFUSED_BOLUS_ACTIVE:
		return IDS_RC_MAX_BOLUS_NUMBER_REACHED;
	case PUMP_REFUSED_MIN_INTERVAL:
	case PUMP_REFUSED_NOT_RUNNING:
	case PUMP_REFUSED_OCCLUSION:
	case PUMP_REFUSED_RESERVOIR_EMPTY:
	case PUMP_REFUSED_BATTERY_EMPTY:
	case PUMP_REFUSED_NO_SUCH_BOLUS:
	case PUMP_REFUSED_NO_TEMP_BASAL:
	case PUMP_REFUSED_NOT_APPLICABLE:
	case PUMP_REFUSED_NO_SUCH_ANNUNCIATION:
	case PUMP_REFUSED_NEEDS_PERSON:
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;
	case PUMP_RESULT_COUNT:
		break;
	}
	return IDS_RC_PROCEDURE_NOT_COMPLETED;
}

uint8_t ids_tcs_for_pump(pump_therapy_state s)
{
	switch (s) {
	case PUMP_THERAPY_RUN:
		return IDS_TCS_RUN;
	case PUMP_THERAPY_PAUSE:
		return IDS_TCS_PAUSE;
	case PUMP_THERAPY_STOP:
		return IDS_TCS_STOP;
	}
	return IDS_TCS_UNDETERMINED;
}

uint8_t ids_opstate_for_pump(const pump_status *s)
{
	if (s->battery_pct <= 0.0)
		return IDS_OPSTATE_OFF;
	if (s->therapy == PUMP_THERAPY_STOP)
		return IDS_OPSTATE_STANDBY;
	return IDS_OPSTATE_READY;
}

void ids_status_from_pump(const pump_status *s, ids_status *out)
{
	*out = (ids_status){
	    .therapy_control_state = ids_tcs_for_pump(s->therapy),
	    .operational_state = ids_opstate_for_pump(s),
	    .reservoir_u = s->reservoir_u > 0.0 ? s->reservoir_u : 0.0,
	    .reservoir_attached = true,
	};
}

uint8_t ids_annunciation_status_for_pump(pump_annunciation_status s)
{
	switch (s) {
	case PUMP_ANN_PENDING:
		return IDS_ANN_STATUS_PENDING;
	case PUMP_ANN_SNOOZED:
		return IDS_ANN_STATUS_SNOOZED;
	case PUMP_ANN_CONFIRMED:
		return IDS_ANN_STATUS_CONFIRMED;
	}
	return IDS_ANN_STATUS_UNDETERMINED;
}

void ids_annunciation_from_pump(const pump_annunciation *a, ids_annunciation_status *out)
{
	*out = (ids_annunciation_status){0};
	if (!a)
		return;
	out->present = true;
	out->instance_id = a->id;
	out->type = (uint16_t)a->type;
	out->status = ids_annunciation_status_for_pump(a->status);
	/* AuxInfo1: the aux value (e.g. U of a canceled bolus) in hundredths, when it fits. */
	if (a->aux >= 0.0 && a->aux * 100.0 < 65535.0) {
		out->aux_present = 0x01;
		out->aux[0] = (uint16_t)(a->aux * 100.0 + 0.5);
	}
}

uint8_t ids_bolus_type_for_pump(pump_bolus_type t)
{
	switch (t) {
	case PUMP_BOLUS_NORMAL:
		return IDS_BOLUS_FAST;
	case PUMP_BOLUS_EXTENDED:
		return IDS_BOLUS_EXTENDED;
	case PUMP_BOLUS_MULTIWAVE:
		return IDS_BOLUS_MULTIWAVE;
	}
	return IDS_BOLUS_UNDETERMINED;
}

bool ids_bolus_to_pump(const ids_set_bolus *b, pump_bolus_request *out)
{
	*out = (pump_bolus_request){0};
	switch (b->type) {
	case IDS_BOLUS_FAST:
		out->type = PUMP_BOLUS_NORMAL;
		out->immediate_u = b->fast_u;
		return true;
	case IDS_BOLUS_EXTENDED:
		out->type = PUMP_BOLUS_EXTENDED;
		out->extended_u = b->extended_u;
		out->duration_min = b->duration_min;
		return true;
	case IDS_BOLUS_MULTIWAVE:
		out->type = PUMP_BOLUS_MULTIWAVE;
		out->immediate_u = b->fast_u;
		out->extended_u = b->extended_u;
		out->duration_min = b->duration_min;
		return true;
	default:
		return false;
	}
}

bool ids_tbr_type_to_pump(uint8_t ids_type, pump_temp_basal_type *out)
{
	if (ids_type == IDS_TBR_ABSOLUTE)
		*out = PUMP_TBR_ABSOLUTE;
	else if (ids_type == IDS_TBR_RELATIVE)
		*out = PUMP_TBR_RELATIVE;
	else
		return false;
	return true;
}

uint8_t ids_tbr_type_for_pump(pump_temp_basal_type t)
{
	return t == PUMP_TBR_RELATIVE ? IDS_TBR_RELATIVE : IDS_TBR_ABSOLUTE;
}
