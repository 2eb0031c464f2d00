/*
 * pump_tick — the pump's minute: snoozes, battery, temp basal end, low-glucose protection,
 * then the minute's basal and bolus through the hard daily limit, an occluded line and an
 * emptying reservoir; the minute entered in the 24 h record (pump_delivery_record.c); the
 * alarms that follow.
 * Insulin that did not reach the patient is never counted as delivered.
 */
#include "pump_internal.h"

pump_delivery pump_tick(pump *p, int64_t now, double cgm_mgdl)
{
	pump_delivery d = {0};
	pump_annunciations_tick(p, now);
	pump_battery_tick(p, now);
	if (p->tbr_active && now >= p->tbr_end_min) {
		p->tbr_active = false;
		pump_raise_annunciation(p, now, PUMP_ANN_TBR_OVER, 0.0);
	}
	pump_lgs_evaluate(p, now, cgm_mgdl);

	double basal = pump_basal_this_minute_u(p, now);
	double bolus = p->therapy == PUMP_THERAPY_RUN ? pump_bolus_this_minute_u(p) : 0.0;
	bool bolus_counted = false; /* already added to the bolus and IOB */

	/* Hard limit on the rolling 24 h total: deliver what fits, then stop and say so. */
	if (basal + bolus > 0.0) {
		const double room = p->cfg.limits.max_daily_u - pump_delivered_24h_before(p, now);
		if (basal + bolus > room + EPS_U) {
			const double fit = room > 0.0 ? room : 0.0;
			const double basal_fit = basal < fit ? basal : fit;
			bolus = fit - basal_fit;
			basal = basal_fit;
			/* The bolus ends with what this minute still delivers counted in. */
			p->bolus_delivered_u += bolus;
			if (bolus > 0.0)
				pump_iob_add(p, now, bolus);
			pump_halt_delivery(p, now, PUMP_THERAPY_PAUSE, PUMP_SOURCE_PUMP,
			                   "maximum daily delivery reached", "canceled");
			bolus_counted = true;
			pump_raise_annunciation(p, now, PUMP_ANN_MAX_DELIVERY,
			                        p->cfg.limits.max_daily_u);
		}
	}

	double intended = basal + bolus;
	if (intended > 0.0 && p->occluded) {
		/* Nothing reaches the patient and the plunger stalls: nothing is consumed. */
		p->missed_u += intended;
		basal = bolus = 0.0;
		if (p->missed_u >= p->cfg.occlusion_threshold_u - EPS_U && !p->occlusion_alarm)
			pump_occlusion_alarm(p, now);
	} else if (intended > p->reservoir_u) {
		/* The reservoir runs dry this minute: deliver the rest, then stop. */
		const double rest = p->reservoir_u;
		const double basal_part = basal < rest ? basal : rest;
		bolus = bolus_counted ? bolus : rest - basal_part;
		basal = basal_part;
	}

	const double delivered = basal + bolus;
	if (delivered > 0.0) {
		p->reservoir_u -= delivered;
		if (p->reservoir_u < EPS_U)
			p->reservoir_u = 0.0;
		p->delivered_total_u += delivered;
		p->battery_pct -= delivered * p->cfg.battery.drain_pct_per_u;
		if (p->battery_pct < 0.0)
			p->battery_pct = 0.0;
		if (bolus > 0.0 && !bolus_counted) {
			pump_iob_add(p, now, bolus);
			p->bolus_delivered_u += bolus;
		}
	}
	pump_record_minute(p, now, delivered);
	d.basal_u = basal;
	d.bolus_u = bolus;

	if (p->bolus_active && pump_bolus_remaining_u(p) <= EPS_U) {
		/* Every pulse was attempted; what an occluded line swallowed is not delivered. */
		const bool whole = p->bolus_delivered_u + EPS_U >= p->bolus_programmed_u;
		pump_end_bolus(p, now, whole ? "completed" : "uncertain", !whole);
	}
	if (p->reservoir_u <= EPS_U && p->therapy != PUMP_THERAPY_STOP) {
		pump_halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP, "reservoir empty",
		                   "uncertain");
		pump_raise_annunciation(p, now, PUMP_ANN_RESERVOIR_EMPTY, 0.0);
	} else if (!p->reservoir_low_raised && p->reservoir_u <= p->cfg.reservoir_low_u) {
		p->reservoir_low_raised = true;
		pump_raise_annunciation(p, now, PUMP_ANN_RESERVOIR_LOW, p->reservoir_u);
	}

	const double rate = pump_current_rate_u_per_h(p, now);
	if (!p->reported_basal_valid || rate != p->reported_basal_u_per_h) {
		p->reported_basal_u_per_h = rate;
		p->reported_basal_valid = true;
		pump_event ev = {.t_min = now,
		                 .kind = PUMP_EV_BASAL_CHANGED,
		                 .value = rate,
		                 .value2 = p->tbr_active ? 1.0 : 0.0};
		pump_emit(p, &ev);
	}
	return d;
}
