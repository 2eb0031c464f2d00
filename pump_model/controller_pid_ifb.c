/*
 * controller_pid_ifb — proportional-integral-derivative control with insulin feedback, the
 * "physiologic insulin delivery" model of the β cell that Medtronic's ePID closed loop used.
 *
 * Sources (public descriptions; no code was read):
 *   Steil GM, Rebrin K, Darwin C, Hariri F, Saad MF. Feasibility of automating insulin
 *     delivery for the treatment of type 1 diabetes. Diabetes 2006;55:3344–3350 (the PID
 *     form: P on the error from target, I with integral time TI, D on the glucose slope
 *     with derivative time TD);
 *   Steil GM, Palerm CC, Kurtz N, et al. The effect of insulin feedback on closed loop
 *     glucose control. J Clin Endocrinol Metab 2011;96:1402–1408 (insulin feedback: the
 *     command is (1 + γ)·PID − γ·Î, Î the plasma insulin a PK model predicts from what the
 *     pump delivered, γ = 0.5);
 *   Panteleon AE, Loutseiko M, Steil GM, Rebrin K. Evaluation of the effect of gain on the
 *     meal response of an automated closed-loop insulin delivery system. Diabetes
 *     2006;55:1995–2000 (the gain set from the total daily dose);
 *   Ruiz JL et al. Effect of insulin feedback on closed-loop glucose control: a crossover
 *     study. JDST 2012;6:1123–1130 (IFB removed the late hypoglycaemia of plain PID).
 *
 * Here (docs/controllers.md): the basal is the offset, so that at target with nothing
 * happening the command is the programmed basal; Î is normalised to the delivery rate (a
 * steady basal gives Î = basal); the integral is protected from wind-up by conditional
 * integration (no integration into a saturated command, nor while not dosing) and a clamp
 * to [−integral_low, +integral_high] of the basal; a zero temp when the glucose or its
 * 30-minute linear forecast is below low_suspend. An announced meal gets the pump's
 * calculator bolus, meal_bolus_fraction × carbs / CR + (bg − target) / ISF − net IOB (a
 * hybrid closed loop: the person boluses for meals, as with Medtronic's 670G).
 */
#include <math.h>

#include "controller_internal.h"

enum { FORECAST_MIN = 30 };

/* The pump's calculator, as a hybrid loop's user boluses: carbs, correction, minus IOB. */
static double meal_bolus_u(const controller *c, const controller_input *in, double bg_mgdl)
{
	const controller_settings *s = &c->s;
	double u = s->pid.meal_bolus_fraction * in->carbs_g / s->carb_ratio_g_per_u;
	if (isfinite(bg_mgdl))
		u += (bg_mgdl - s->target_mgdl) / s->correction_factor_mgdl_per_u;
	if (in->insulin.net_iob_u > 0.0)
		u -= in->insulin.net_iob_u;
	return u;
}

/* The PK model sees every step what the pump delivered (basal and boluses). */
static void observe(controller *c, const controller_input *in, const controller_glucose *g,
                    double dt_min)
{
	(void)g;
	pid_state *st = &c->pid;
	const controller_pid_tuning *t = &c->s.pid;
	if (!st->started) {
		/* Steady state on the programme: Î = basal. */
		st->pk1_u_per_h = st->pk2_u_per_h = in->scheduled_basal_u_per_h;
		st->started = true;
		return;
	}
	double rate = in->insulin.delivered_u / dt_min * 60.0;
	if (!isfinite(rate) || rate < 0.0)
		rate = 0.0;
	st->pk1_u_per_h += (rate - st->pk1_u_per_h) * (1.0 - exp(-dt_min / t->ifb_tau1_min));
	st->pk2_u_per_h +=
	    (st->pk1_u_per_h - st->pk2_u_per_h) * (1.0 - exp(-dt_min / t->ifb_tau2_min));
}

static void decide(controller *c, const controller_input *in, const controller_glucose *g,
                   double dt_min, controller_decision *out)
{
	pid_state *st = &c->pid;
	const controller_settings *s = &c->s;
	const controller_pid_tuning *t = &s->pid;
	const double basal = in->scheduled_basal_u_per_h;
	const double error = g->bg_mgdl - s->target_mgdl;
	const double p = t->kp_u_per_h_per_mgdl * error;
	const double d = t->kp_u_per_h_per_mgdl * t->td_min * g->slope_mgdl_per_min;
	const double pid = basal + p + st->integral_u_per_h + d;
	const double command = (1.0 + t->ifb_gamma) * pid - t->ifb_gamma * st->pk2_u_per_h;
	const double forecast = g->bg_mgdl + FORECAST_MIN * g->slope_mgdl_per_min;
	out->predicted_mgdl = forecast;
	out->insulin_req_u = command;

	const bool low = g->bg_mgdl < s->low_suspend_mgdl || forecast < s->low_suspend_mgdl;
	double rate = low ? 0.0 : command;

	/* Anti-windup: integrate only where the command is free to follow. */
	const bool high_sat = rate >= s->max_basal_u_per_h && error > 0.0;
	const bool low_sat = rate <= 0.0 && error < 0.0;
	if (!high_sat && !low_sat && !low) {
		double i =
		    st->integral_u_per_h + t->kp_u_per_h_per_mgdl * error * dt_min / t->ti_min;
		if (i > t->integral_high_u_per_h)
			i = t->integral_high_u_per_h;
		if (i < -t->integral_low_u_per_h)
			i = -t->integral_low_u_per_h;
		st->integral_u_per_h = i;
	}
	out->action = CONTROLLER_SET_TEMP;
	out->rate_u_per_h = rate;
	if (low) {
		out->status = CONTROLLER_LOW_SUSPEND;
		out->why = "glucose or its 30-min forecast below low_suspend: zero temp";
	} else {
		out->why = "PID with insulin feedback";
	}
}

const controller_algorithm_ops controller_pid_ifb_ops = {meal_bolus_u, observe, decide};
