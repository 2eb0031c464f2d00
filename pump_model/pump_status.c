/*
 * pump_status — the pump's status for its callers (pump_get_status, pump_model.h): a
 * snapshot read across every part, the basal rates asked of pump_basal.c. It reads the
 * whole pump, so it stands above the parts; no pump file calls it.
 */
#include "pump_internal.h"

void pump_get_status(const pump *p, pump_status *out)
{
	const int64_t now = p->has_ticked ? p->last_tick_min : 0;
	*out = (pump_status){
	    .therapy = p->therapy,
	    .suspended_by_lgs = p->lgs_suspended,
	    .basal_rate_u_per_h = pump_current_rate_u_per_h(p, now),
	    .programmed_basal_u_per_h = pump_programmed_rate_u_per_h(p, now),
	    .temp_basal_active = p->tbr_active,
	    .temp_basal_type = p->tbr_type,
	    .temp_basal_value = p->tbr_value,
	    .temp_basal_end_min = p->tbr_end_min,
	    .bolus_active = p->bolus_active,
	    .bolus_id = p->bolus_id,
	    .bolus_type = p->bolus_type,
	    .bolus_programmed_u = p->bolus_programmed_u,
	    .bolus_delivered_u = p->bolus_delivered_u,
	    .reservoir_u = p->reservoir_u,
	    .battery_pct = p->battery_pct,
	    .delivered_total_u = p->delivered_total_u,
	    .primed_total_u = p->primed_total_u,
	    .discarded_u = p->discarded_u,
	    .delivered_24h_u = p->delivered_24h_u,
	    .occluded = p->occluded,
	    .max_bolus_u = p->max_bolus_in_force_u,
	    .max_bolus_person_u = p->max_bolus_person_u,
	    .halted_by = p->halt_owner,
	    .temp_basal_set_by = p->tbr_owner,
	};
	for (size_t i = 0; i < p->annunciation_count; i++)
		out->annunciation_count += p->annunciations[i].status != PUMP_ANN_CONFIRMED;
}
