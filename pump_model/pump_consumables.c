/*
 * pump_consumables — the reservoir and the battery: prime and fill (by the person's hand
 * only, therapy stopped), change the battery, the steady drain and its alarms each minute,
 * and the radio's share (capped at full duty; docs/pump.md "Battery and radio").
 */
#include "authority.h"
#include "pump_internal.h"

pump_result pump_prime(pump *p, int64_t now, pump_source src, double amount_u)
{
	pump_result r = PUMP_OK;
	if (!authority_may_handle(src, PUMP_CMD_PRIME))
		r = PUMP_REFUSED_NEEDS_PERSON; /* only the person knows the set is off the body */
	else if (!(amount_u > 0.0) || !isfinite(amount_u) || amount_u > 30.0)
		r = PUMP_REFUSED_INVALID_VALUE;
	else if (p->therapy != PUMP_THERAPY_STOP)
		r = PUMP_REFUSED_NOT_APPLICABLE; /* never prime into the patient */
	else if (p->battery_pct <= 0.0)
		r = PUMP_REFUSED_BATTERY_EMPTY;
	else if (amount_u > p->reservoir_u + EPS_U)
		r = PUMP_REFUSED_RESERVOIR_EMPTY;
	pump_command_done(p, now, src, PUMP_CMD_PRIME, r, amount_u, 0, 0);
	if (r != PUMP_OK)
		return r;
	p->reservoir_u -= amount_u;
	p->primed_total_u += amount_u;
	pump_event ev = {.t_min = now, .kind = PUMP_EV_PRIMED, .source = src, .value = amount_u};
	pump_emit(p, &ev);
	return PUMP_OK;
}

pump_result pump_fill_reservoir(pump *p, int64_t now, pump_source src, double amount_u)
{
	pump_result r = PUMP_OK;
	if (!authority_may_handle(src, PUMP_CMD_FILL_RESERVOIR))
		r = PUMP_REFUSED_NEEDS_PERSON; /* a cartridge is changed by hand */
	else if (!(amount_u > 0.0) || !isfinite(amount_u) || amount_u > 1000.0)
		r = PUMP_REFUSED_INVALID_VALUE;
	else if (p->therapy != PUMP_THERAPY_STOP)
		r = PUMP_REFUSED_NOT_APPLICABLE;
	pump_command_done(p, now, src, PUMP_CMD_FILL_RESERVOIR, r, amount_u, 0, 0);
	if (r != PUMP_OK)
		return r;
	/* The old cartridge and what was left in it leave the pump. */
	p->discarded_u += p->reservoir_u;
	p->reservoir_u = amount_u;
	p->reservoir_low_raised = amount_u <= p->cfg.reservoir_low_u;
	pump_event ev = {
	    .t_min = now, .kind = PUMP_EV_RESERVOIR_FILLED, .source = src, .value = amount_u};
	pump_emit(p, &ev);
	return PUMP_OK;
}

pump_result pump_change_battery(pump *p, int64_t now, pump_source src)
{
	if (!authority_may_handle(src, PUMP_CMD_CHANGE_BATTERY))
		return pump_command_done(p, now, src, PUMP_CMD_CHANGE_BATTERY,
		                         PUMP_REFUSED_NEEDS_PERSON, 100.0, 0, 0);
	pump_command_done(p, now, src, PUMP_CMD_CHANGE_BATTERY, PUMP_OK, 100.0, 0, 0);
	p->battery_pct = 100.0;
	p->battery_extra_drain_pct_per_h = 0.0;
	p->battery_low_raised = false;
	return PUMP_OK;
}

void pump_battery_tick(pump *p, int64_t now)
{
	p->battery_pct -=
	    (p->cfg.battery.drain_pct_per_h + p->battery_extra_drain_pct_per_h) / 60.0;
	if (p->battery_pct <= 0.0) {
		p->battery_pct = 0.0;
		if (p->therapy != PUMP_THERAPY_STOP) {
			pump_halt_delivery(p, now, PUMP_THERAPY_STOP, PUMP_SOURCE_PUMP,
			                   "battery empty", "uncertain");
			pump_raise_annunciation(p, now, PUMP_ANN_BATTERY_EMPTY, 0.0);
		}
	} else if (!p->battery_low_raised && p->battery_pct <= p->cfg.battery.low_pct) {
		p->battery_low_raised = true;
		pump_raise_annunciation(p, now, PUMP_ANN_BATTERY_LOW, p->battery_pct);
	}
}

/* The radio's share of a minute: never more than it can draw at full duty. */
static void radio_spend(pump *p, int64_t now, double pct)
{
	if (!(pct > 0.0))
		return; /* a radio that costs nothing changes nothing */
	if (now != p->radio_minute) {
		p->radio_minute = now;
		p->radio_spent_pct = 0.0;
	}
	const double cap = p->cfg.battery.radio_max_pct_per_min;
	if (cap > 0.0 && p->radio_spent_pct + pct > cap)
		pct = cap - p->radio_spent_pct;
	if (!(pct > 0.0))
		return;
	p->radio_spent_pct += pct;
	p->battery_pct -= pct;
	if (p->battery_pct < 0.0)
		p->battery_pct = 0.0;
}

void pump_radio_event(pump *p, int64_t now)
{
	radio_spend(p, now, p->cfg.battery.drain_pct_per_radio_event);
}

void pump_radio_link_minutes(pump *p, int64_t now, unsigned links)
{
	radio_spend(p, now, p->cfg.battery.drain_pct_per_link_min * (double)links);
}
