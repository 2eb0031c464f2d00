/*
 * pump_binding — see pump_binding.h. The mapping follows the hostile-phone catalogue
 * (shared spec security-cases.md: T1–T10, R4) and is documented in docs/ble.md.
 */
#include <string.h>

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
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;
	case PUMP_RESULT_COUNT:
		break;
	}
	return IDS_RC_PROCEDURE_NOT_COMPLETED;
}

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
