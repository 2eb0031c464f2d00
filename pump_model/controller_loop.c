/*
 * controller_loop — controller + CGM history + insulin ledger bound to a pump (see
 * controller_loop.h). Must never: command the pump from any source but
 * PUMP_SOURCE_CONTROLLER, send anything but temp basals, their cancellation and boluses,
 * or allocate after controller_loop_new.
 */
#include <math.h>
#include <stdlib.h>

#include "authority.h"
#include "controller_loop.h"
#include "insulin_ledger.h"

enum { CGM_CAP = 64, FORECAST_STEP_MIN = 30, FORECAST_POINTS = 240 / FORECAST_STEP_MIN + 1 };

struct controller_loop {
	controller *ctl;
	insulin_ledger *ledger;
	bool enabled;
	/* readings, written twice so that the newest CGM_CAP are always contiguous */
	controller_reading cgm[2 * CGM_CAP];
	size_t cgm_next, cgm_count;
	double carbs_pending_g;
	bool has_reading;
	int64_t last_reading_min;
	bool stepped;
	int64_t last_step_min;
	double delivered_at_last_step_u;
	bool in_fallback;
	/* the temp basal the controller set last (to know it is still its own) */
	bool own_temp;
	double own_temp_u_per_h;
	int64_t own_temp_end_min;
	double forecast[CONTROLLER_FORECAST_MAX];
};

controller_loop *controller_loop_new(const controller_settings *s)
{
	controller_loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->ctl = controller_new(s);
	l->ledger = l->ctl ? insulin_ledger_new(s->insulin_action_min, s->insulin_peak_min) : NULL;
	if (!l->ctl || !l->ledger) {
		controller_loop_free(l);
		return NULL;
	}
	l->enabled = true;
	return l;
}

void controller_loop_free(controller_loop *l)
{
	if (!l)
		return;
	controller_free(l->ctl);
	insulin_ledger_free(l->ledger);
	free(l);
}

const controller_settings *controller_loop_settings(const controller_loop *l)
{
	return controller_get_settings(l->ctl);
}

bool controller_loop_enabled(const controller_loop *l)
{
	return l->enabled;
}

double controller_loop_net_iob_u(const controller_loop *l, int64_t now)
{
	return insulin_ledger_net_iob_u(l->ledger, now);
}

static void remember_reading(controller_loop *l, int64_t now, double mgdl)
{
	const controller_reading r = {now, mgdl};
	l->cgm[l->cgm_next] = r;
	l->cgm[l->cgm_next + CGM_CAP] = r;
	l->cgm_next = (l->cgm_next + 1) % CGM_CAP;
	if (l->cgm_count < CGM_CAP)
		l->cgm_count++;
}

static const controller_reading *readings(const controller_loop *l)
{
	return &l->cgm[(l->cgm_next + CGM_CAP - l->cgm_count) % CGM_CAP];
}

/* What runs on the pump, as the controller needs to know it. */
static controller_pump pump_view(const controller_loop *l, const pump *p, int64_t now,
                                 double *scheduled_u_per_h)
{
	pump_status st;
	pump_get_status(p, &st);
	*scheduled_u_per_h = st.programmed_basal_u_per_h;
	controller_pump v = {
	    .delivering = st.therapy == PUMP_THERAPY_RUN,
	    .temp_active = st.temp_basal_active,
	    .temp_u_per_h = st.temp_basal_active ? st.basal_rate_u_per_h : 0.0,
	    .temp_remaining_min = st.temp_basal_active ? (int)(st.temp_basal_end_min - now) : 0,
	    .bolus_active = st.bolus_active,
	};
	if (st.temp_basal_active) {
		v.temp_is_controllers = l->own_temp && st.temp_basal_type == PUMP_TBR_ABSOLUTE &&
		                        st.temp_basal_value == l->own_temp_u_per_h &&
		                        st.temp_basal_end_min == l->own_temp_end_min;
		/* Whose it is, the pump says (pump_status.temp_basal_set_by): a temp basal the
		 * person or the protection owns — their own, or one a phone lowered, which stays
		 * theirs — is left alone; replacing it would make it the person's, and the
		 * controller could not cancel it when the CGM goes stale. */
		v.temp_is_persons =
		    !v.temp_is_controllers &&
		    authority_rank(st.temp_basal_set_by) > authority_rank(PUMP_SOURCE_CONTROLLER);
	}
	return v;
}

static void apply(controller_loop *l, pump *p, int64_t now, controller_report *r)
{
	const controller_decision *d = &r->decision;
	if (d->action == CONTROLLER_SET_TEMP) {
		r->temp_sent = true;
		r->temp_result = pump_temp_basal(p, now, PUMP_SOURCE_CONTROLLER, PUMP_TBR_ABSOLUTE,
		                                 d->rate_u_per_h, d->duration_min);
		if (r->temp_result == PUMP_OK) {
			l->own_temp = true;
			l->own_temp_u_per_h = d->rate_u_per_h;
			l->own_temp_end_min = now + d->duration_min;
		}
	} else if (d->action == CONTROLLER_CANCEL_TEMP) {
		r->temp_sent = true;
		r->temp_result = pump_cancel_temp_basal(p, now, PUMP_SOURCE_CONTROLLER);
		if (r->temp_result == PUMP_OK)
			l->own_temp = false;
	}
	if (d->bolus_u > 0.0) {
		const pump_bolus_request req = {.type = PUMP_BOLUS_NORMAL,
		                                .immediate_u = d->bolus_u};
		r->bolus_sent = true;
		r->bolus_result = pump_bolus(p, now, PUMP_SOURCE_CONTROLLER, &req, NULL);
	}
}

bool controller_loop_minute(controller_loop *l, pump *p, int64_t now, double cgm_mgdl,
                            double carbs_g, controller_report *out)
{
	if (isfinite(cgm_mgdl)) {
		remember_reading(l, now, cgm_mgdl);
		l->has_reading = true;
		l->last_reading_min = now;
	}
	if (!l->enabled)
		return false; /* switched off: the person boluses for their meals */
	if (isfinite(carbs_g) && carbs_g > 0.0)
		l->carbs_pending_g += carbs_g;
	const controller_settings *s = controller_get_settings(l->ctl);
	/* A step when a new reading has come and an interval has passed (a 3-minute sensor
	 * gives a step every 6 minutes: no decision on a reading already used), when the
	 * readings have stopped for an interval (the fallback must engage), and at once when
	 * carbs are announced. */
	const int64_t since_step = now - l->last_step_min;
	const bool fresh_reading = isfinite(cgm_mgdl);
	const bool readings_stopped =
	    !l->has_reading || now - l->last_reading_min >= s->interval_min;
	const bool due = !l->stepped || l->carbs_pending_g > 0.0 ||
	                 (since_step >= s->interval_min && (fresh_reading || readings_stopped));
	if (!due)
		return false;

	controller_input in = {
	    .now_min = now,
	    .cgm = readings(l),
	    .cgm_count = l->cgm_count,
	    .carbs_g = l->carbs_pending_g,
	};
	in.pump = pump_view(l, p, now, &in.scheduled_basal_u_per_h);
	const double total = insulin_ledger_delivered_total_u(l->ledger);
	in.insulin = (controller_insulin){
	    .net_iob_u = insulin_ledger_net_iob_u(l->ledger, now),
	    .activity_u_per_min = insulin_ledger_activity_u_per_min(l->ledger, now),
	    .delivered_u = l->stepped ? total - l->delivered_at_last_step_u : 0.0,
	};
	if (s->algorithm == CONTROLLER_OREF0) {
		/* 30-minute points over 4 h (the curve is smooth; the forecast's cost was most
		 * of the loop's): oref0 interpolates between them. */
		insulin_ledger_forecast(l->ledger, now, FORECAST_STEP_MIN, FORECAST_POINTS,
		                        l->forecast);
		in.insulin.forecast_activity_u_per_min = l->forecast;
		in.insulin.forecast_count = FORECAST_POINTS;
		in.insulin.forecast_step_min = FORECAST_STEP_MIN;
	}
	*out = (controller_report){.t_min = now};
	controller_step(l->ctl, &in, &out->decision);
	l->carbs_pending_g = 0.0;
	l->stepped = true;
	l->last_step_min = now;
	l->delivered_at_last_step_u = total;

	const bool fallback = out->decision.status == CONTROLLER_CGM_MISSING ||
	                      out->decision.status == CONTROLLER_CGM_STALE;
	if (fallback != l->in_fallback) {
		out->fallback_began = fallback;
		out->fallback_ended = !fallback;
		l->in_fallback = fallback;
	}
	apply(l, p, now, out);
	return true;
}

/* The programme's basal for minute t, U (pump_config: steady rate or daily segments). */
static double scheduled_u(const pump_config *cfg, int64_t t)
{
	if (cfg->steady_basal_u_per_min > 0.0)
		return cfg->steady_basal_u_per_min;
	const int minute_of_day = (int)((t + cfg->start_min_of_day) % 1440);
	double rate = cfg->basal_segments[0].rate_u_per_h;
	for (size_t i = 1; i < cfg->basal_segment_count; i++) {
		if (cfg->basal_segments[i].start_min_of_day > minute_of_day)
			break;
		rate = cfg->basal_segments[i].rate_u_per_h;
	}
	return rate / 60.0;
}

void controller_loop_delivered(controller_loop *l, const pump *p, int64_t now,
                               const pump_delivery *d)
{
	/* The programme of this minute, whatever ran: what "net" is measured against. */
	insulin_ledger_record(l->ledger, now, d->basal_u + d->bolus_u,
	                      scheduled_u(pump_get_config(p), now));
}

void controller_loop_set_enabled(controller_loop *l, pump *p, int64_t now, bool enabled)
{
	if (l->enabled == enabled)
		return;
	l->enabled = enabled;
	if (!enabled) {
		double scheduled;
		const controller_pump v = pump_view(l, p, now, &scheduled);
		if (v.temp_is_controllers)
			pump_cancel_temp_basal(p, now, PUMP_SOURCE_CONTROLLER);
		l->own_temp = false;
		l->in_fallback = false;
	}
	l->stepped = false;
	l->carbs_pending_g = 0.0;
}
