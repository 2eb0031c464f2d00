/*
 * authority — see authority.h. Must never depend on anything but its arguments (no pump
 * state of its own): the authority table test runs these rules through the whole pump.
 */
#include "authority.h"

int authority_rank(pump_source s)
{
	switch (s) {
	case PUMP_SOURCE_PHONE:
		return 0;
	case PUMP_SOURCE_CONTROLLER: /* the pump's own loop: above a phone, below its protection */
		return 1;
	case PUMP_SOURCE_AUTOMATION:
		return 2;
	case PUMP_SOURCE_PUMP:
		return 3;
	}
	return 0; /* an unknown source is trusted least */
}

pump_source authority_higher(pump_source a, pump_source b)
{
	return authority_rank(b) > authority_rank(a) ? b : a;
}

bool authority_may_resume(pump_source src, pump_source owner)
{
	return authority_rank(src) >= authority_rank(owner);
}

bool authority_may_set_max_bolus(pump_source src, double new_u, double person_u, double hard_u)
{
	const double ceiling =
	    authority_rank(src) >= authority_rank(PUMP_SOURCE_PUMP) ? hard_u : person_u;
	return new_u <= ceiling + 1e-9;
}

bool authority_may_change_temp_basal(pump_source src, pump_source owner, double current_u_per_h,
                                     double next_u_per_h)
{
	if (authority_rank(src) >= authority_rank(owner))
		return true;
	return next_u_per_h <= current_u_per_h + 1e-9;
}

bool pump_annunciation_needs_person(pump_annunciation_type t)
{
	switch (t) {
	case PUMP_ANN_OCCLUSION:
	case PUMP_ANN_RESERVOIR_EMPTY:
	case PUMP_ANN_BATTERY_EMPTY:
	case PUMP_ANN_MAX_DELIVERY:
	case PUMP_ANN_LOW_GLUCOSE_SUSPEND:
	case PUMP_ANN_NEW_BOND:
	case PUMP_ANN_PAIRING_ATTEMPTS:
		return true;
	case PUMP_ANN_RESERVOIR_LOW:
	case PUMP_ANN_BATTERY_LOW:
	case PUMP_ANN_BOLUS_CANCELED:
	case PUMP_ANN_TBR_OVER:
	case PUMP_ANN_TBR_CANCELED:
	case PUMP_ANN_LOW_GLUCOSE_RESUME:
	case PUMP_ANN_CONTROLLER_FALLBACK: /* news, not a halt: delivery goes on */
		return false;
	}
	return true; /* a type this table does not know: the person decides */
}

bool authority_may_acknowledge(pump_source src, pump_annunciation_type t)
{
	return authority_rank(src) >= authority_rank(PUMP_SOURCE_PUMP) ||
	       !pump_annunciation_needs_person(t);
}

bool authority_may_handle(pump_source src, pump_command c)
{
	switch (c) {
	case PUMP_CMD_PRIME:
	case PUMP_CMD_FILL_RESERVOIR:
	case PUMP_CMD_CHANGE_BATTERY:
		return authority_rank(src) >= authority_rank(PUMP_SOURCE_PUMP);
	default:
		return true;
	}
}
