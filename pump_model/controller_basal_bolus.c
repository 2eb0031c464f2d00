/*
 * controller_basal_bolus — the open-loop reference: the programmed basal, and for every
 * announced meal the bolus carbs / CR + (glucose − correct_to) / CF when the glucose is
 * above correct_above (150 → 140 mg/dL), no insulin on board subtracted. That is the
 * behaviour of simglucose's BBController (v0.2.11, controller/basal_bolus_ctrller.py,
 * read for its behaviour only), the baseline the closed-loop algorithms must beat.
 * Never sets a temp basal and never boluses without a meal.
 */
#include <math.h>

#include "controller_internal.h"

static double meal_bolus_u(const controller *c, const controller_input *in, double bg_mgdl)
{
	const controller_settings *s = &c->s;
	double u = in->carbs_g / s->carb_ratio_g_per_u;
	if (isfinite(bg_mgdl) && bg_mgdl > s->basal_bolus.correct_above_mgdl)
		u += (bg_mgdl - s->basal_bolus.correct_to_mgdl) / s->correction_factor_mgdl_per_u;
	return u;
}

static void observe(controller *c, const controller_input *in, const controller_glucose *g,
                    double dt_min)
{
	(void)c;
	(void)in;
	(void)g;
	(void)dt_min;
}

static void decide(controller *c, const controller_input *in, const controller_glucose *g,
                   double dt_min, controller_decision *out)
{
	(void)c;
	(void)in;
	(void)g;
	(void)dt_min;
	out->action = CONTROLLER_KEEP;
	out->why = "programmed basal";
}

const controller_algorithm_ops controller_basal_bolus_ops = {meal_bolus_u, observe, decide};
