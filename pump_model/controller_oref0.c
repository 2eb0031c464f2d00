/*
 * controller_oref0 — OpenAPS's reference design (oref0, with oref1's micro-boluses and
 * unannounced-meal prediction), written here from its public description; no oref0 code
 * was copied.
 *
 * Sources:
 *   OpenAPS documentation, "Understanding the determine-basal logic"
 *     (openaps.readthedocs.io, docs/While You Wait For Gear/Understand-determine-basal):
 *     glucose status (delta, short and long average deltas), BGI, deviation,
 *     naive_eventualBG and eventualBG, the threshold, the temp basal rules, max-basal and
 *     max-IOB safety;
 *   OpenAPS documentation, "oref1" (docs/Customize-Iterate/oref1): super micro-boluses
 *     (maxSMBBasalMinutes, a fraction of insulinReq), unannounced meals (UAM), the
 *     prediction curves IOB / COB / UAM / ZT;
 *   OpenAPS reference design (openaps.org/reference-design) and the "meal assist" and
 *     carbs-on-board descriptions (min_5m_carbimpact, remaining carbs absorbed over a
 *     /\ profile).
 *
 * What this file does, every step (docs/controllers.md has the formulas and parameters):
 *   BGI = −activity·ISF·5 (what insulin should do to the glucose in 5 min); deviation =
 *   6·(minDelta − BGI) (the next 30 min if the unexplained rise goes on); eventualBG =
 *   bg − IOB·ISF + deviation; carbs on board absorb at max(deviation, min_5m_carbimpact)
 *   / CSF (CSF = ISF / CR); 4-hour forecasts (IOB, COB; with `uam` also UAM and zero
 *   temp) give minPredBG and minGuardBG; then
 *     bg or minGuardBG below the threshold           → zero temp (low suspend);
 *     eventualBG below target                        → a lower temp (or basal if rising);
 *     falling faster than expected, or min(eventual, minPred) below target → basal;
 *     otherwise insulinReq = (min(eventualBG, minPredBG) − target) / ISF, within max-IOB,
 *       as a temp of basal + 2·insulinReq (capped at max safe basal) and, with SMB, a
 *       micro-bolus of smb_fraction·insulinReq (≤ max_smb_basal_min of basal).
 *   An announced meal gets the calculator bolus: carbs / CR + (bg − target) / ISF − IOB.
 */
#include <math.h>

#include "controller_internal.h"

/* Forecasts in 5-minute steps over 4 h, as oref0's. (10-minute steps were tried: no
 * faster in a whole run, and less safe: a minimum of 31 mg/dL on the variable meals.)
 * Deviations are "per 5 minutes" as oref0 states them, scaled by PER_STEP. */
enum { STEP_MIN = 5, STEPS = 240 / STEP_MIN, DEV_MIN = 5 };
#define PER_STEP ((double)STEP_MIN / DEV_MIN)

/* Plain comparisons: libm's fmin/fmax are calls (NaN rules) and this loop is hot. */
static inline double min_d(double a, double b)
{
	return a < b ? a : b;
}

static inline double max_d(double a, double b)
{
	return a > b ? a : b;
}

static inline double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The forecasts stay within [39, 401] mg/dL (a CGM's range): a branch, not min/max, so
 * that the running sums are not held up by the clamp's latency when, as nearly always,
 * it does nothing. */
#if defined(__GNUC__)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define UNLIKELY(x) (x)
#endif
static inline double bound(double v)
{
	if (UNLIKELY(v < 39.0))
		return 39.0;
	if (UNLIKELY(v > 401.0))
		return 401.0;
	return v;
}

static double meal_bolus_u(const controller *c, const controller_input *in, double bg_mgdl)
{
	const controller_settings *s = &c->s;
	/* A person found more sensitive than the profile gets the carbs' share scaled too. */
	const double ratio = s->oref0.autosens && c->oref0.autosens_valid
	                         ? min_d(1.0, c->oref0.autosens_ratio)
	                         : 1.0;
	double u = ratio * s->oref0.meal_bolus_fraction * in->carbs_g / s->carb_ratio_g_per_u;
	if (isfinite(bg_mgdl))
		u += (bg_mgdl - s->target_mgdl) * ratio / s->correction_factor_mgdl_per_u;
	if (in->insulin.net_iob_u > 0.0)
		u -= s->oref0.meal_iob_fraction * in->insulin.net_iob_u;
	return u;
}

/*
 * Autosens (OpenAPS docs, "Autosens"): the deviations seen outside meals say whether the
 * person is more or less sensitive than the profile: their median, as the basal it would
 * take to explain it, gives ratio = 1 + median·12 / ISF / basal, within [min, max]; the
 * more sensitive of the 8-hour and the 24-hour figures counts. ISF / ratio and basal ×
 * ratio then drive the decision. Two hours of data at least, else 1.
 */
static void swap_f(float *a, float *b)
{
	const float t = *a;
	*a = *b;
	*b = t;
}

/* The median (the upper one for even n) of v[0 … n−1], reordering v: quickselect. */
static double median(float *v, size_t n)
{
	size_t lo = 0, hi = n - 1;
	const size_t k = n / 2;
	while (lo < hi) {
		swap_f(&v[(lo + hi) / 2], &v[hi]);
		const float pivot = v[hi];
		size_t store = lo;
		for (size_t i = lo; i < hi; i++)
			if (v[i] < pivot)
				swap_f(&v[i], &v[store++]);
		swap_f(&v[store], &v[hi]);
		if (store == k)
			break;
		if (store < k)
			lo = store + 1;
		else
			hi = store - 1;
	}
	return v[k];
}

static void autosens_record(controller *c, int64_t now, double deviation)
{
	oref0_state *st = &c->oref0;
	st->autosens_deviation[st->autosens_head] = (float)deviation;
	st->autosens_t_min[st->autosens_head] = now;
	st->autosens_head = (st->autosens_head + 1) % OREF0_AUTOSENS_HISTORY;
	if (st->autosens_count < OREF0_AUTOSENS_HISTORY)
		st->autosens_count++;
}

static double autosens_ratio_over(const controller *c, const controller_input *in, int window_min)
{
	const oref0_state *st = &c->oref0;
	const controller_oref0_tuning *t = &c->s.oref0;
	float v[OREF0_AUTOSENS_HISTORY];
	size_t n = 0;
	for (size_t i = 0; i < st->autosens_count; i++) {
		const size_t k =
		    (st->autosens_head + OREF0_AUTOSENS_HISTORY - 1 - i) % OREF0_AUTOSENS_HISTORY;
		if (in->now_min - st->autosens_t_min[k] > window_min)
			break;
		v[n++] = st->autosens_deviation[k];
	}
	if (n < 24 || !(in->scheduled_basal_u_per_h > 0.0))
		return 1.0;
	const double basal_off = median(v, n) * 12.0 / c->s.correction_factor_mgdl_per_u;
	const double ratio = 1.0 + basal_off / in->scheduled_basal_u_per_h;
	return clamp(ratio, t->autosens_min, t->autosens_max);
}

static double autosens_ratio(const controller *c, const controller_input *in)
{
	if (!c->s.oref0.autosens)
		return 1.0;
	return min_d(autosens_ratio_over(c, in, 8 * 60), autosens_ratio_over(c, in, 24 * 60));
}

/* Carbs on board: new carbs in, absorption out (at least the minimum carb impact). */
static void observe(controller *c, const controller_input *in, const controller_glucose *g,
                    double dt_min)
{
	oref0_state *st = &c->oref0;
	const controller_settings *s = &c->s;
	const double isf = s->correction_factor_mgdl_per_u;
	const double csf = isf / s->carb_ratio_g_per_u; /* mg/dL per g */
	const double bgi = -in->insulin.activity_u_per_min * isf * STEP_MIN;
	double ci = NAN; /* this step's deviation, mg/dL per 5 min */
	if (g->fresh) {
		ci = g->delta_mgdl_per_5min - bgi;
		/* the deviation history (UAM slope) */
		st->deviation[st->deviation_head] = ci;
		st->deviation_t_min[st->deviation_head] = in->now_min;
		st->deviation_head = (st->deviation_head + 1) % OREF0_DEVIATION_HISTORY;
		if (st->deviation_count < OREF0_DEVIATION_HISTORY)
			st->deviation_count++;
	}
	if (isfinite(ci) && st->cob_g <= 0.0 && !(in->carbs_g > 0.0))
		autosens_record(c, in->now_min, ci);
	if (st->cob_g > 0.0) {
		double impact = isfinite(ci) ? ci : 0.0;
		if (impact < s->oref0.min_5m_carbimpact_mgdl)
			impact = s->oref0.min_5m_carbimpact_mgdl;
		st->cob_g -= impact / csf * dt_min / STEP_MIN;
		if (st->cob_g <= 0.0) {
			st->cob_g = 0.0;
			st->carbs_in_play_g = 0.0;
		}
	}
	if (in->carbs_g > 0.0 && isfinite(in->carbs_g)) {
		st->cob_g = min_d(st->cob_g + in->carbs_g, s->oref0.max_cob_g);
		st->carbs_in_play_g = max_d(st->carbs_in_play_g, 0.0) + in->carbs_g;
	}
}

/* The slope of the deviations since their recent maximum, mg/dL per 5 min per 5 min (≤ 0). */
static double slope_from_max_deviation(const oref0_state *st, int64_t now, double ci)
{
	double max_dev = ci;
	int64_t max_t = now;
	for (size_t i = 0; i < st->deviation_count; i++) {
		const size_t k = (st->deviation_head + OREF0_DEVIATION_HISTORY - 1 - i) %
		                 OREF0_DEVIATION_HISTORY;
		if (now - st->deviation_t_min[k] > 45)
			break;
		if (st->deviation[k] > max_dev) {
			max_dev = st->deviation[k];
			max_t = st->deviation_t_min[k];
		}
	}
	if (now - max_t < STEP_MIN)
		return 0.0;
	return (ci - max_dev) / ((double)(now - max_t) / STEP_MIN);
}

typedef struct forecasts {
	double min_iob, min_cob, min_uam, min_zt;         /* after the insulin peak */
	double guard_iob, guard_cob, guard_uam, guard_zt; /* over the whole horizon */
	double last_iob, last_cob, last_uam;
} forecasts;

static void forecast(const controller *c, const controller_input *in, const controller_glucose *g,
                     double isf, double basal_u_per_h, double ci, double cob_g, forecasts *f)
{
	const controller_settings *s = &c->s;
	const controller_oref0_tuning *t = &s->oref0;
	const double csf = isf / s->carb_ratio_g_per_u;
	const double basal_u_per_min = basal_u_per_h / 60.0;
	const size_t peak_steps = (size_t)(s->insulin_peak_min / STEP_MIN);

	/* The activity to come of the insulin given so far, at each step. */
	double act[STEPS];
	const controller_insulin *ins = &in->insulin;
	if (ins->forecast_count > 0 && ins->forecast_step_min >= 1) {
		/* the given forecast, linearly between its points, 0 after its last */
		const size_t step = (size_t)ins->forecast_step_min;
		const double *fa = ins->forecast_activity_u_per_min;
		const double inv_step = 1.0 / (double)step;
		size_t i = 0, r = 0; /* k·STEP_MIN = i·step + r */
		for (size_t k = 0; k < STEPS; k++) {
			const double a = i < ins->forecast_count ? fa[i] : 0.0;
			const double b = i + 1 < ins->forecast_count ? fa[i + 1] : 0.0;
			act[k] = a + (b - a) * (double)r * inv_step;
			r += STEP_MIN;
			while (r >= step) {
				r -= step;
				i++;
			}
		}
	} else {
		/* No forecast given: the activity decays as the IOB does. */
		for (size_t k = 0; k < STEPS; k++)
			act[k] = ins->activity_u_per_min *
			         controller_remaining_at_step(c, k * STEP_MIN / 5, 5);
	}

	/* Carbs: the current impact decays to 0 over cid (5-minute intervals); the rest
	 * absorbs /\ over the remaining carbs time. */
	const double uci = ci > 0.0 ? ci : 0.0;
	double cid = 0.0, remaining_peak = 0.0;
	const double remaining_steps = (double)t->remaining_carbs_time_min / STEP_MIN;
	if (cob_g > 0.0) {
		cid = uci > 0.0
		          ? min_d(t->remaining_carbs_time_min / DEV_MIN / 2.0, cob_g * csf / uci)
		          : 0.0;
		double remaining_g = cob_g - uci * cid / 2.0 / csf;
		if (remaining_g < 0.0)
			remaining_g = 0.0;
		remaining_peak = remaining_g * csf * 2.0 / remaining_steps;
	}
	/* UAM: the deviation goes on, falling at its observed slope, gone within 3 h. */
	const double uam_slope = slope_from_max_deviation(&c->oref0, in->now_min, ci);

	/* everything per step, with decrements instead of divisions (this runs every step) */
	const double dev0 = ci * PER_STEP, dev_step = dev0 * STEP_MIN / 60.0;
	const double uci0 = uci * PER_STEP;
	const double uci_max_step = uci0 * STEP_MIN / 180.0;
	const double cid_step = cid > 0.0 ? uci0 * PER_STEP / cid : 0.0;
	const double uam_step = uam_slope * PER_STEP * PER_STEP;
	const double half = remaining_steps / 2.0, ramp = half > 0.0 ? remaining_peak / half : 0.0;
	const double to_bg = -isf * STEP_MIN;
	const bool carbs = cob_g > 0.0, uam = t->uam;
	double iob_bg = g->bg_mgdl, cob_bg = g->bg_mgdl, uam_bg = g->bg_mgdl, zt_bg = g->bg_mgdl;
	*f = (forecasts){.min_iob = 999,
	                 .min_cob = 999,
	                 .min_uam = 999,
	                 .min_zt = 999,
	                 .guard_iob = 999,
	                 .guard_cob = 999,
	                 .guard_uam = 999,
	                 .guard_zt = 999};
	for (size_t k = 0; k < STEPS; k++) {
		const double kd = (double)k;
		const double pred_bgi = act[k] * to_bg;

		/* the deviation goes on, fading to nothing within an hour */
		const double pred_dev = kd * STEP_MIN < 60.0 ? dev0 - dev_step * kd : 0.0;
		const double neg_dev = min_d(0.0, pred_dev);
		iob_bg = bound(iob_bg + pred_bgi + pred_dev);
		f->guard_iob = min_d(f->guard_iob, iob_bg);
		if (carbs) {
			const double pred_ci = max_d(0.0, uci0 - cid_step * kd);
			const double remaining_ci =
			    max_d(0.0, kd <= half ? ramp * kd : 2.0 * remaining_peak - ramp * kd);
			cob_bg = bound(cob_bg + pred_bgi + neg_dev + pred_ci + remaining_ci);
			f->guard_cob = min_d(f->guard_cob, cob_bg);
		}
		if (uam) {
			/* the zero-temp forecast (UAM's blend only): the basal a zero temp
			 * withholds */
			const double withheld =
			    basal_u_per_min * (1.0 - c->remaining_at_step[k * STEP_MIN / 5]);
			zt_bg = bound(zt_bg + (act[k] - withheld) * to_bg);
			f->guard_zt = min_d(f->guard_zt, zt_bg);
			const double uci_slope =
			    uam_slope < 0.0 ? max_d(0.0, uci0 + kd * uam_step) : uci0;
			const double uci_max = max_d(0.0, uci0 - uci_max_step * kd);
			uam_bg = bound(uam_bg + pred_bgi + neg_dev + min_d(uci_slope, uci_max));
			f->guard_uam = min_d(f->guard_uam, uam_bg);
		}
		if (k + 1 >= peak_steps) {
			f->min_iob = min_d(f->min_iob, iob_bg);
			f->min_cob = min_d(f->min_cob, cob_bg);
			f->min_uam = min_d(f->min_uam, uam_bg);
			f->min_zt = min_d(f->min_zt, zt_bg);
		}
	}
	f->last_iob = iob_bg;
	f->last_cob = cob_bg;
	f->last_uam = uam_bg;
}

static void decide(controller *c, const controller_input *in, const controller_glucose *g,
                   double dt_min, controller_decision *out)
{
	(void)dt_min;
	oref0_state *st = &c->oref0;
	const controller_settings *s = &c->s;
	const controller_oref0_tuning *t = &s->oref0;
	/* The ratio moves slowly: recomputed every half hour. */
	if (!st->autosens_valid || in->now_min - st->autosens_t_computed_min >= 30) {
		st->autosens_ratio = autosens_ratio(c, in);
		st->autosens_t_computed_min = in->now_min;
		st->autosens_valid = true;
	}
	const double ratio = st->autosens_ratio;
	out->sensitivity_ratio = ratio;
	const double isf = s->correction_factor_mgdl_per_u / ratio;
	const double target = s->target_mgdl;
	const double basal = in->scheduled_basal_u_per_h * ratio;
	const double iob = in->insulin.net_iob_u;
	const double bg = g->bg_mgdl;
	const double bgi = -in->insulin.activity_u_per_min * isf * STEP_MIN;

	const double min_delta = min_d(g->delta_mgdl_per_5min, g->short_avgdelta);
	const double min_avg_delta = min_d(g->short_avgdelta, g->long_avgdelta);
	double deviation = 6.0 * (min_delta - bgi);
	if (deviation < 0.0) {
		deviation = 6.0 * (min_avg_delta - bgi);
		if (deviation < 0.0)
			deviation = 6.0 * (g->long_avgdelta - bgi);
	}
	const double naive_eventual = bg - iob * isf;
	double eventual = naive_eventual + deviation;
	const double ci = min_delta - bgi;
	const double cob = st->cob_g;
	out->cob_g = cob;

	forecasts f;
	forecast(c, in, g, isf, basal, ci, cob, &f);
	/* minPredBG: the IOB forecast, leaning on the COB one while carbs are left and on the
	 * UAM / zero-temp ones otherwise (oref1's blend); minGuardBG: the whole-horizon minimum
	 * of the forecast that applies (COB while carbs are on board, else UAM, else IOB). */
	double zt_uam = f.min_uam;
	if (f.guard_zt < s->low_suspend_mgdl)
		zt_uam = (f.min_uam + f.guard_zt) / 2.0;
	else if (f.guard_zt < target) {
		const double w =
		    (f.guard_zt - s->low_suspend_mgdl) / (target - s->low_suspend_mgdl);
		zt_uam = w * f.min_uam + (1.0 - w) * f.guard_zt;
	}
	double min_pred = f.min_iob, min_guard = f.guard_iob;
	if (cob > 0.0) {
		const double fraction_left =
		    st->carbs_in_play_g > 0.0 ? min_d(1.0, cob / st->carbs_in_play_g) : 0.0;
		min_pred =
		    t->uam ? fraction_left * f.min_cob + (1.0 - fraction_left) * zt_uam : f.min_cob;
		min_pred = max_d(f.min_iob, min_pred);
		min_guard = f.guard_cob;
		eventual = max_d(eventual, f.last_cob);
	} else if (t->uam) {
		min_pred = max_d(f.min_iob, zt_uam);
		min_guard = f.guard_uam;
	}
	out->predicted_mgdl = eventual;
	out->min_predicted_mgdl = min_pred;

	const double threshold = s->low_suspend_mgdl;
	const double max_safe =
	    min_d(s->max_basal_u_per_h, min_d(t->max_daily_safety_multiplier * basal,
	                                      t->current_basal_safety_multiplier * basal));
	out->action = CONTROLLER_SET_TEMP;
	if (bg < threshold || min_guard < threshold) {
		out->status = CONTROLLER_LOW_SUSPEND;
		out->rate_u_per_h = 0.0;
		out->insulin_req_u = (min_d(min_guard, naive_eventual) - target) / isf;
		out->why = "bg or minGuardBG below threshold: zero temp";
		return;
	}
	/* What the glucose should do if insulin alone acted and eventualBG reached the target
	 * within two hours (24 steps). */
	const double expected_delta = bgi + (target - eventual) / 24.0;
	if (eventual < target) {
		if (min_delta > expected_delta && min_delta > 0.0) {
			out->rate_u_per_h = basal;
			out->why = "eventualBG below target but rising: basal";
			return;
		}
		const double req = (min_d(eventual, naive_eventual) - target) / isf; /* < 0 */
		out->insulin_req_u = req;
		out->rate_u_per_h = max_d(0.0, basal + t->low_temp_factor * 2.0 * req);
		out->why = "eventualBG below target: lower temp";
		return;
	}
	if (min_delta < expected_delta && cob <= 0.0 && bg < target + 40.0) {
		out->rate_u_per_h = basal;
		out->why = "falling faster than expected: basal";
		return;
	}
	if (min_d(eventual, min_pred) < target) {
		out->rate_u_per_h = basal;
		out->why = "min(eventualBG, minPredBG) below target: basal";
		return;
	}
	double req = (min_d(eventual, min_pred) - target) / isf;
	if (req > s->max_iob_u - iob) {
		req = max_d(0.0, s->max_iob_u - iob);
		out->limits |= CONTROLLER_LIMIT_MAX_IOB;
	}
	out->insulin_req_u = req;
	double rate = basal + 2.0 * req;
	if (rate > max_safe) {
		rate = max_safe;
		out->limits |= CONTROLLER_LIMIT_MAX_BASAL;
	}
	out->rate_u_per_h = rate;
	out->why = "eventualBG above target: high temp";

	/* oref1: part of insulinReq at once as a micro-bolus, while carbs are on board or a
	 * rise no carbs explain (UAM), never near a low. */
	const bool uam_rise = t->uam && t->smb_uam && ci > 0.0;
	if (t->smb && req > 0.0 && (cob > 0.0 || uam_rise) && min_guard > threshold &&
	    (!st->has_smb || in->now_min - st->last_smb_min >= t->smb_interval_min) &&
	    !in->pump.bolus_active) {
		const double minutes = cob > 0.0 ? t->max_smb_basal_min : t->max_uam_smb_basal_min;
		const double max_bolus = basal * minutes / 60.0;
		const double smb = min_d(req * t->smb_fraction, max_bolus);
		if (smb >= s->pulse_u) {
			out->bolus_u = out->requested_bolus_u = smb;
			st->has_smb = true;
			st->last_smb_min = in->now_min;
			/* the rest of insulinReq as a temp over 30 min */
			out->rate_u_per_h = min_d(max_safe, basal + 2.0 * (req - smb));
			out->why = "eventualBG above target: micro-bolus and temp";
		}
	}
}

const controller_algorithm_ops controller_oref0_ops = {meal_bolus_u, observe, decide};
