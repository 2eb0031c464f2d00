/*
 * pump_faults — injected faults (scenarios, attacks, tests): each is put in the audit
 * trail first, then the pump reacts as it would to the real thing (alarm, halt,
 * annunciation). Also the occlusion alarm that a blocked line raises during delivery.
 */
#include "pump_internal.h"

/* The occlusion alarm, as the minute's delivery raises it (pump_tick). */
void pump_occlusion_alarm(pump *p, int64_t now)
{
	p->occlusion_alarm = true;
	pump_halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP, "occlusion", "uncertain");
	p->occlusion_annunciation_id =
	    pump_raise_annunciation(p, now, PUMP_ANN_OCCLUSION, p->missed_u);
}

/* A burst: advisory annunciations (ones a phone may acknowledge), cycling, AuxInfo = the
 * instance's place in the burst. */
static void annunciation_burst(pump *p, int64_t now, double value)
{
	static const pump_annunciation_type advisory[] = {
	    PUMP_ANN_BOLUS_CANCELED, PUMP_ANN_TBR_OVER,      PUMP_ANN_TBR_CANCELED,
	    PUMP_ANN_BATTERY_LOW,    PUMP_ANN_RESERVOIR_LOW,
	};
	const size_t kinds = sizeof advisory / sizeof advisory[0];
	int n = isfinite(value) && value >= 1.0 ? (int)value : 5;
	if (n > PUMP_ANNUNCIATION_BURST_MAX)
		n = PUMP_ANNUNCIATION_BURST_MAX;
	for (int i = 0; i < n; i++)
		pump_raise_annunciation(p, now, advisory[(size_t)i % kinds], (double)(i + 1));
}

void pump_inject_fault(pump *p, int64_t now, pump_fault f, double value)
{
	pump_inject_fault_by(p, now, f, value, NULL);
}

void pump_inject_fault_by(pump *p, int64_t now, pump_fault f, double value, const char *origin)
{
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_FAULT,
	                 .source = PUMP_SOURCE_PUMP,
	                 .fault = f,
	                 .value = value,
	                 .detail = origin};
	const double missed = isfinite(value) && value > 0.0 ? value : 0.0;
	switch (f) {
	case PUMP_FAULT_OCCLUSION:
		p->occluded = true;
		if (missed > p->missed_u)
			p->missed_u = missed;
		ev.value = missed;
		break;
	case PUMP_FAULT_OCCLUSION_CLEARED:
		p->occluded = false;
		p->missed_u = 0.0;
		break;
	case PUMP_FAULT_BATTERY_DRAIN:
		p->battery_extra_drain_pct_per_h = value > 0.0 && isfinite(value) ? value : 10.0;
		ev.value = p->battery_extra_drain_pct_per_h;
		break;
	case PUMP_FAULT_RESERVOIR_EMPTY:
		p->discarded_u += p->reservoir_u;
		p->reservoir_u = 0.0;
		break;
	case PUMP_FAULT_RESERVOIR_LOW:
		if (p->reservoir_u > p->cfg.reservoir_low_u) {
			p->discarded_u += p->reservoir_u - p->cfg.reservoir_low_u;
			p->reservoir_u = p->cfg.reservoir_low_u;
		}
		ev.value = p->reservoir_u;
		break;
	case PUMP_FAULT_BATTERY_LOW:
		if (p->battery_pct > p->cfg.battery.low_pct)
			p->battery_pct = p->cfg.battery.low_pct;
		ev.value = p->battery_pct;
		break;
	case PUMP_FAULT_BATTERY_DEAD:
		p->battery_pct = 0.0;
		break;
	case PUMP_FAULT_BOLUS_INTERRUPTED:
		ev.value = p->bolus_active ? p->bolus_delivered_u : 0.0;
		break;
	case PUMP_FAULT_ANNUNCIATION_BURST:
		ev.value = isfinite(value) && value >= 1.0
		               ? (value > PUMP_ANNUNCIATION_BURST_MAX ? PUMP_ANNUNCIATION_BURST_MAX
		                                                      : floor(value))
		               : 5.0;
		break;
	default:
		return;
	}
	pump_emit(p, &ev);
	/* What the pump does about it, after the fault is in the audit trail. */
	switch (f) {
	case PUMP_FAULT_OCCLUSION:
		if (p->missed_u >= p->cfg.occlusion_threshold_u - EPS_U && !p->occlusion_alarm)
			pump_occlusion_alarm(p, now);
		break;
	case PUMP_FAULT_RESERVOIR_LOW:
		p->reservoir_low_raised = true;
		pump_raise_annunciation(p, now, PUMP_ANN_RESERVOIR_LOW, p->reservoir_u);
		break;
	case PUMP_FAULT_BATTERY_LOW:
		p->battery_low_raised = true;
		pump_raise_annunciation(p, now, PUMP_ANN_BATTERY_LOW, p->battery_pct);
		break;
	case PUMP_FAULT_BATTERY_DEAD:
		if (p->therapy != PUMP_THERAPY_STOP)
			pump_halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP,
			                   "battery empty", "uncertain");
		pump_raise_annunciation(p, now, PUMP_ANN_BATTERY_EMPTY, 0.0);
		break;
	case PUMP_FAULT_BOLUS_INTERRUPTED:
		pump_end_bolus(p, now, "uncertain", true);
		break;
	case PUMP_FAULT_ANNUNCIATION_BURST:
		annunciation_burst(p, now, value);
		break;
	default:
		break;
	}
}
