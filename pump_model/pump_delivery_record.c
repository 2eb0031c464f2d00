/*
 * pump_delivery_record — the rolling 24 h delivery record: what each minute delivered (a
 * ring by minute) and its running sum, which the hard daily limit reads both when a bolus
 * is asked for (pump_bolus.c) and when the minute delivers (pump_tick.c). Its own unit so
 * that the bolus command reads the record without reaching up into the minute.
 * Minutes not ticked count as nothing delivered; the sum is re-added once a day so that it
 * cannot drift.
 */
#include "pump_internal.h"

/*
 * Delivered over the rolling 24 h window that ends with minute `now` (minutes now−1439 …
 * now−1, i.e. before `now` is delivered). The running sum covers the 1440 minutes up to
 * the last tick; minutes that have left the window are taken out.
 */
double pump_delivered_24h_before(const pump *p, int64_t now)
{
	if (!p->has_ticked)
		return 0.0;
	double total = p->delivered_24h_u;
	const int64_t oldest_kept = p->last_tick_min - (DAY_MIN - 1);
	for (int64_t m = oldest_kept < 0 ? 0 : oldest_kept;
	     m <= now - DAY_MIN && m <= p->last_tick_min; m++)
		total -= p->minute_delivered_u[m % DAY_MIN];
	return total > 0.0 ? total : 0.0;
}

void pump_record_minute(pump *p, int64_t now, double delivered_u)
{
	const size_t slot = (size_t)(now % DAY_MIN);
	/* Minutes skipped (ticks not called) count as nothing delivered. */
	if (p->has_ticked && now - p->last_tick_min > 1) {
		for (int64_t m = p->last_tick_min + 1; m < now && m <= p->last_tick_min + DAY_MIN;
		     m++) {
			p->delivered_24h_u -= p->minute_delivered_u[m % DAY_MIN];
			p->minute_delivered_u[m % DAY_MIN] = 0.0;
		}
	}
	p->delivered_24h_u += delivered_u - p->minute_delivered_u[slot];
	p->minute_delivered_u[slot] = delivered_u;
	if (now % RECOMPUTE_SUM_EVERY_MIN == 0) {
		/* Re-add exactly once a day so that the running sum cannot drift. */
		double s = 0.0;
		for (int i = 0; i < DAY_MIN; i++)
			s += p->minute_delivered_u[i];
		p->delivered_24h_u = s;
	}
	if (p->delivered_24h_u < 0.0)
		p->delivered_24h_u = 0.0;
	p->last_tick_min = now;
	p->has_ticked = true;
}
