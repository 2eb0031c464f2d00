/*
 * pump_bolus — boluses: the command and its hard limits (max bolus, bolus speed, minimum
 * interval, max IOB, max daily, reservoir), cancel, the max-bolus setting (authority.c:
 * a phone may only lower the person's), the minute's pulses of the active bolus, and the
 * insulin on board and bolus advice computed from the boluses really delivered.
 * Delivered in whole pulses at the bolus speed, or exactly in instant mode (docs/pump.md).
 */
#include "authority.h"
#include "insulin_curve.h"
#include "pump_internal.h"

/* Fraction of a dose still active t minutes after it (exponential curve, td and tp). */
static double iob_fraction(double t, double td, double tp)
{
	return insulin_curve_remaining(t, td, tp);
}

static void iob_prune(pump *p, int64_t now)
{
	while (p->iob_count > 0 &&
	       now - p->iob[p->iob_head].t_min >= (int64_t)p->cfg.insulin_action_min) {
		p->iob_head = (p->iob_head + 1) % IOB_SLOTS;
		p->iob_count--;
	}
}

void pump_iob_add(pump *p, int64_t now, double u)
{
	if (u <= 0.0)
		return;
	iob_prune(p, now);
	if (p->iob_count == IOB_SLOTS) {
		/* Full (a long extended bolus): fold the oldest entry into the next one. */
		size_t next = (p->iob_head + 1) % IOB_SLOTS;
		p->iob[next].u += p->iob[p->iob_head].u;
		p->iob_head = next;
		p->iob_count--;
	}
	p->iob[(p->iob_head + p->iob_count) % IOB_SLOTS] = (timed_amount){now, u};
	p->iob_count++;
}

double pump_iob_u(const pump *p, int64_t now_min)
{
	double total = 0.0;
	for (size_t i = 0; i < p->iob_count; i++) {
		const timed_amount *e = &p->iob[(p->iob_head + i) % IOB_SLOTS];
		total += e->u * iob_fraction((double)(now_min - e->t_min),
		                             (double)p->cfg.insulin_action_min,
		                             (double)p->cfg.insulin_peak_min);
	}
	return total;
}

double pump_bolus_advice_u(const pump *p, int64_t now_min, double carbs_g, double glucose_mgdl)
{
	double u = 0.0;
	if (isfinite(carbs_g) && carbs_g > 0.0)
		u += carbs_g / p->cfg.carb_ratio_g_per_u;
	if (isfinite(glucose_mgdl))
		u += (glucose_mgdl - p->cfg.target_mgdl) / p->cfg.correction_factor_mgdl_per_u;
	u -= pump_iob_u(p, now_min);
	if (!(u > 0.0))
		return 0.0;
	return floor(u / p->cfg.pulse_u + EPS_U) * p->cfg.pulse_u;
}

static int64_t pulses_per_minute(const pump *p)
{
	int64_t n = (int64_t)floor(p->cfg.bolus_speed_u_per_min / p->cfg.pulse_u + EPS_U);
	return n < 1 ? 1 : n;
}

double pump_bolus_remaining_u(const pump *p)
{
	if (!p->bolus_active)
		return 0.0;
	if (instant_mode(p))
		return p->instant_immediate_left_u + (p->instant_extended_u - p->extended_done_u);
	return (double)(p->immediate_pulses_left +
	                (p->extended_pulses_total - p->extended_pulses_done)) *
	       p->cfg.pulse_u;
}

/* End the active bolus; `how` is "completed", "canceled" or "uncertain". */
void pump_end_bolus(pump *p, int64_t now, const char *how, bool annunciate)
{
	if (!p->bolus_active)
		return;
	p->bolus_active = false;
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_BOLUS_ENDED,
	                 .bolus_id = p->bolus_id,
	                 .value = p->bolus_delivered_u,
	                 .value2 = p->bolus_programmed_u,
	                 .detail = how};
	pump_emit(p, &ev);
	if (annunciate)
		pump_raise_annunciation(p, now, PUMP_ANN_BOLUS_CANCELED, p->bolus_delivered_u);
	p->immediate_pulses_left = p->extended_pulses_total = p->extended_pulses_done = 0;
	p->instant_immediate_left_u = p->instant_extended_u = p->extended_done_u = 0.0;
}

pump_result pump_bolus(pump *p, int64_t now, pump_source src, const pump_bolus_request *req,
                       uint16_t *out_bolus_id)
{
	double imm = 0.0, ext = 0.0;
	int dur = 0;
	pump_result r = PUMP_OK;
	if (!req || (unsigned)req->type > PUMP_BOLUS_MULTIWAVE) {
		r = PUMP_REFUSED_INVALID_VALUE;
	} else {
		imm = req->type == PUMP_BOLUS_EXTENDED ? 0.0 : req->immediate_u;
		ext = req->type == PUMP_BOLUS_NORMAL ? 0.0 : req->extended_u;
		dur = req->type == PUMP_BOLUS_NORMAL ? 0 : req->duration_min;
		if (!finite_nonneg(imm) || !finite_nonneg(ext) ||
		    (req->type == PUMP_BOLUS_NORMAL && !(imm > 0.0)) ||
		    (req->type == PUMP_BOLUS_EXTENDED && !(ext > 0.0)) ||
		    (req->type == PUMP_BOLUS_MULTIWAVE && !(imm > 0.0 && ext > 0.0)) ||
		    (req->type != PUMP_BOLUS_NORMAL &&
		     (dur < PUMP_EXTENDED_MIN_MIN || dur > PUMP_EXTENDED_MAX_MIN)))
			r = PUMP_REFUSED_INVALID_VALUE;
	}
	const double total_requested = imm + ext;
	if (r == PUMP_OK)
		r = pump_delivery_blocked(p);
	if (r == PUMP_OK && p->bolus_active)
		r = PUMP_REFUSED_BOLUS_ACTIVE;

	/* Pulse mode: round each part down to whole pulses. */
	int64_t imm_pulses = 0, ext_pulses = 0;
	if (r == PUMP_OK && !instant_mode(p)) {
		imm_pulses = (int64_t)floor(imm / p->cfg.pulse_u + EPS_U);
		ext_pulses = (int64_t)floor(ext / p->cfg.pulse_u + EPS_U);
		imm = (double)imm_pulses * p->cfg.pulse_u;
		ext = (double)ext_pulses * p->cfg.pulse_u;
		if (imm_pulses + ext_pulses == 0)
			r = PUMP_REFUSED_INVALID_VALUE; /* less than one pulse */
	}
	const double total = imm + ext;
	if (r == PUMP_OK && total > p->max_bolus_in_force_u + EPS_U)
		r = PUMP_REFUSED_MAX_BOLUS;
	/* No programme beats the bolus speed: an extended part faster than it is a fast bolus
	 * in disguise (delivery also never exceeds the speed in any minute, see
	 * pump_bolus_this_minute_u). */
	if (r == PUMP_OK && !instant_mode(p) && ext > 0.0 &&
	    ext / (double)dur > p->cfg.bolus_speed_u_per_min + EPS_U)
		r = PUMP_REFUSED_BOLUS_RATE;
	if (r == PUMP_OK && p->cfg.limits.min_bolus_interval_min > 0 && p->has_last_bolus &&
	    now - p->last_bolus_min < p->cfg.limits.min_bolus_interval_min)
		r = PUMP_REFUSED_MIN_INTERVAL;
	if (r == PUMP_OK && pump_iob_u(p, now) + total > p->cfg.limits.max_iob_u + EPS_U)
		r = PUMP_REFUSED_MAX_IOB;
	if (r == PUMP_OK &&
	    pump_delivered_24h_before(p, now) + total > p->cfg.limits.max_daily_u + EPS_U)
		r = PUMP_REFUSED_MAX_DAILY;
	if (r == PUMP_OK && total > p->reservoir_u + EPS_U)
		r = PUMP_REFUSED_RESERVOIR_EMPTY;
	if (r != PUMP_OK)
		return pump_command_done(p, now, src, PUMP_CMD_BOLUS, r, total_requested, ext, dur);

	p->bolus_active = true;
	p->bolus_id = p->next_bolus_id++;
	if (p->next_bolus_id == 0)
		p->next_bolus_id = 1;
	p->bolus_type = req->type;
	p->bolus_programmed_u = total;
	p->bolus_delivered_u = 0.0;
	p->instant_immediate_left_u = instant_mode(p) ? imm : 0.0;
	p->instant_extended_u = instant_mode(p) ? ext : 0.0;
	p->extended_done_u = 0.0;
	p->immediate_pulses_left = imm_pulses;
	p->extended_pulses_total = ext_pulses;
	p->extended_pulses_done = 0;
	p->extended_duration_min = dur;
	p->extended_elapsed_min = 0;
	p->has_last_bolus = true;
	p->last_bolus_min = now;
	if (out_bolus_id)
		*out_bolus_id = p->bolus_id;
	pump_command_done(p, now, src, PUMP_CMD_BOLUS, PUMP_OK, total, ext, dur);
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_BOLUS_STARTED,
	                 .source = src,
	                 .bolus_id = p->bolus_id,
	                 .value = total,
	                 .value2 = ext,
	                 .value3 = dur};
	pump_emit(p, &ev);
	return PUMP_OK;
}

pump_result pump_cancel_bolus(pump *p, int64_t now, pump_source src, uint16_t bolus_id)
{
	pump_result r = PUMP_OK;
	if (!p->bolus_active || (bolus_id != 0 && bolus_id != p->bolus_id))
		r = PUMP_REFUSED_NO_SUCH_BOLUS;
	pump_command_done(p, now, src, PUMP_CMD_CANCEL_BOLUS, r, bolus_id, 0, 0);
	if (r == PUMP_OK)
		pump_end_bolus(p, now, "canceled", true);
	return r;
}

pump_result pump_set_max_bolus(pump *p, int64_t now, pump_source src, double max_bolus_u)
{
	pump_result r = PUMP_OK;
	if (!(max_bolus_u > 0.0) || !isfinite(max_bolus_u))
		r = PUMP_REFUSED_INVALID_VALUE;
	else if (!authority_may_set_max_bolus(src, max_bolus_u, p->max_bolus_person_u,
	                                      p->cfg.limits.max_bolus_u))
		r = PUMP_REFUSED_LIMIT_ABOVE_PUMP;
	const bool person = authority_rank(src) >= authority_rank(PUMP_SOURCE_PUMP);
	pump_command_done(p, now, src, PUMP_CMD_SET_MAX_BOLUS, r, max_bolus_u,
	                  person ? p->cfg.limits.max_bolus_u : p->max_bolus_person_u, 0);
	if (r != PUMP_OK)
		return r;
	p->max_bolus_in_force_u = max_bolus_u;
	if (person)
		p->max_bolus_person_u = max_bolus_u;
	return r;
}

/* Intended bolus of this minute, before faults; advances the bolus's own progress. */
double pump_bolus_this_minute_u(pump *p)
{
	if (!p->bolus_active)
		return 0.0;
	double u = 0.0;
	if (instant_mode(p)) {
		u += p->instant_immediate_left_u;
		p->instant_immediate_left_u = 0.0;
		if (p->instant_extended_u > 0.0) {
			p->extended_elapsed_min++;
			double target = p->instant_extended_u * p->extended_elapsed_min /
			                p->extended_duration_min;
			if (p->extended_elapsed_min >= p->extended_duration_min)
				target = p->instant_extended_u;
			u += target - p->extended_done_u;
			p->extended_done_u = target;
		}
		return u;
	}
	const int64_t speed = pulses_per_minute(p);
	int64_t pulses = p->immediate_pulses_left < speed ? p->immediate_pulses_left : speed;
	p->immediate_pulses_left -= pulses;
	if (p->extended_pulses_total > 0) {
		p->extended_elapsed_min++;
		int64_t target =
		    p->extended_pulses_total * p->extended_elapsed_min / p->extended_duration_min;
		if (target > p->extended_pulses_total)
			target = p->extended_pulses_total;
		/* The minute's pulses never beat the bolus speed: while a multiwave's immediate
		 * part runs, its extended part waits and catches up after. */
		int64_t due = target - p->extended_pulses_done;
		if (due > speed - pulses)
			due = speed - pulses;
		pulses += due;
		p->extended_pulses_done += due;
	}
	return (double)pulses * p->cfg.pulse_u;
}
