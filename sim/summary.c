/*
 * summary — per-run glucose and dose statistics (see summary.h for the definitions).
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "clock.h"
#include "summary.h"

void summary_init(summary *s)
{
	*s = (summary){.bg_min_mgdl = INFINITY, .bg_max_mgdl = -INFINITY};
}

/* Kovatchev's symmetrised BG scale: f < 0 below 112.5 mg/dL, f > 0 above. */
static double risk_f(double bg)
{
	return 1.509 * (pow(log(bg), 1.084) - 5.381);
}

/*
 * f on a 0.1 mg/dL grid over [20, 600], interpolated linearly: a pow and a log every
 * simulated minute were a tenth of a headless run's time. The interpolation error is
 * below 1e-7 in f (f'' is tiny on this grid), invisible in LBGI/HBGI at two decimals.
 */
enum { RISK_STEPS = 5800 };
#define RISK_LO 20.0
#define RISK_STEP 0.1
static double risk_table[RISK_STEPS + 1];
static bool risk_table_ready;

static void add_risk(summary *s, double bg)
{
	if (!risk_table_ready) {
		for (int i = 0; i <= RISK_STEPS; i++)
			risk_table[i] = risk_f(RISK_LO + RISK_STEP * i);
		risk_table_ready = true;
	}
	double f;
	if (bg <= RISK_LO) {
		f = risk_table[0];
	} else if (bg >= RISK_LO + RISK_STEP * RISK_STEPS) {
		f = risk_table[RISK_STEPS];
	} else {
		const double pos = (bg - RISK_LO) / RISK_STEP;
		const int i = (int)pos;
		const double w = pos - i;
		f = risk_table[i] + w * (risk_table[i + 1] - risk_table[i]);
	}
	const double risk = 10.0 * f * f;
	if (f < 0)
		s->lbgi_sum += risk;
	else
		s->hbgi_sum += risk;
}

void summary_add(summary *s, const engine_row *row, int integrated)
{
	const double bg = row->bg_mgdl;
	s->samples++;
	s->bg_sum_mgdl += bg;
	s->bg_sum2_mgdl2 += bg * bg;
	if (bg < s->bg_min_mgdl)
		s->bg_min_mgdl = bg;
	if (bg > s->bg_max_mgdl)
		s->bg_max_mgdl = bg;
	s->in_70_180 += bg >= 70.0 && bg <= 180.0;
	s->below_70 += bg < 70.0;
	s->below_54 += bg < 54.0;
	s->above_180 += bg > 180.0;
	s->above_250 += bg > 250.0;
	add_risk(s, bg);
	if (integrated) {
		s->minutes++;
		s->basal_u += row->basal_u_per_min;
		s->bolus_u += row->bolus_u_per_min;
		s->carbs_g += row->cho_g_per_min;
	}
}

/* 3 an alarm that stops therapy, 2 a warning that needs the person, 1 a notice. */
static int alarm_rank(pump_annunciation_type t)
{
	switch (t) {
	case PUMP_ANN_OCCLUSION:
	case PUMP_ANN_RESERVOIR_EMPTY:
	case PUMP_ANN_BATTERY_EMPTY:
		return 3;
	case PUMP_ANN_RESERVOIR_LOW:
	case PUMP_ANN_BATTERY_LOW:
	case PUMP_ANN_LOW_GLUCOSE_SUSPEND:
	case PUMP_ANN_MAX_DELIVERY:
	case PUMP_ANN_NEW_BOND:
	case PUMP_ANN_PAIRING_ATTEMPTS:
	case PUMP_ANN_CONTROLLER_FALLBACK:
		return 2;
	default:
		return 1;
	}
}

void summary_add_event(summary *s, const pump_event *ev)
{
	if (ev->kind == PUMP_EV_ANNUNCIATION && ev->detail && strcmp(ev->detail, "raised") == 0) {
		const int type = (int)ev->annunciation.type,
		          rank = alarm_rank(ev->annunciation.type);
		if (s->annunciations++ == 0) {
			s->first_alarm = type;
			s->first_alarm_min = ev->t_min;
		}
		if (rank > s->worst_alarm_rank) {
			s->worst_alarm = type;
			s->worst_alarm_rank = rank;
			s->worst_alarm_min = ev->t_min;
		}
	}
	if (ev->kind == PUMP_EV_COMMAND) {
		s->commands++;
		s->refused += ev->result != PUMP_OK;
	}
}

void summary_figures_of(const summary *s, summary_figures *f)
{
	const double n = (double)s->samples;
	*f = (summary_figures){.days = (double)s->minutes / CLOCK_MIN_PER_DAY,
	                       .min_mgdl = s->bg_min_mgdl,
	                       .max_mgdl = s->bg_max_mgdl,
	                       .basal_u = s->basal_u,
	                       .bolus_u = s->bolus_u,
	                       .insulin_u = s->basal_u + s->bolus_u,
	                       .carbs_g = s->carbs_g,
	                       .annunciations = s->annunciations,
	                       .commands = s->commands,
	                       .refused = s->refused};
	if (n <= 0) {
		f->mean_mgdl = f->sd_mgdl = f->cv_pct = f->gmi_pct = NAN;
		return;
	}
	f->mean_mgdl = s->bg_sum_mgdl / n;
	const double var = s->bg_sum2_mgdl2 / n - f->mean_mgdl * f->mean_mgdl;
	f->sd_mgdl = var > 0 ? sqrt(var) : 0.0;
	f->cv_pct = f->mean_mgdl > 0 ? 100.0 * f->sd_mgdl / f->mean_mgdl : NAN;
	f->gmi_pct = 3.31 + 0.02392 * f->mean_mgdl;
	f->tir_70_180_pct = 100.0 * (double)s->in_70_180 / n;
	f->below_70_pct = 100.0 * (double)s->below_70 / n;
	f->below_54_pct = 100.0 * (double)s->below_54 / n;
	f->above_180_pct = 100.0 * (double)s->above_180 / n;
	f->above_250_pct = 100.0 * (double)s->above_250 / n;
	f->lbgi = s->lbgi_sum / n;
	f->hbgi = s->hbgi_sum / n;
}

void summary_alarms_text(const summary *s, int start_min_of_day, char *buf, size_t cap)
{
	if (s->annunciations == 0) {
		snprintf(buf, cap, "none");
		return;
	}
	char first[CLOCK_TEXT_MAX], worst[CLOCK_TEXT_MAX];
	clock_format(s->first_alarm_min + start_min_of_day, first, sizeof first);
	clock_format(s->worst_alarm_min + start_min_of_day, worst, sizeof worst);
	const char *first_name = pump_annunciation_name((pump_annunciation_type)s->first_alarm);
	if (s->annunciations == 1) {
		snprintf(buf, cap, "1 (%s at %s)", first_name, first);
		return;
	}
	snprintf(buf, cap, "%" PRId64 " (first %s at %s, worst %s at %s)", s->annunciations,
	         first_name, first, pump_annunciation_name((pump_annunciation_type)s->worst_alarm),
	         worst);
}

void summary_print_line(const summary *s, const char *name, const char *patient_name,
                        int start_min_of_day, FILE *out)
{
	summary_figures f;
	summary_figures_of(s, &f);
	char alarms[160];
	summary_alarms_text(s, start_min_of_day, alarms, sizeof alarms);
	fprintf(out,
	        "%s: %s, %.2f d: BG mean %.1f mg/dL (min %.1f, max %.1f), time in 70-180 %.1f%%, "
	        "insulin %.2f U, carbs %.1f g, alarms %s",
	        name, patient_name, f.days, f.mean_mgdl, f.min_mgdl, f.max_mgdl, f.tir_70_180_pct,
	        f.insulin_u, f.carbs_g, alarms);
}

size_t summary_json(const summary *s, char *buf, size_t cap)
{
	summary_figures f;
	summary_figures_of(s, &f);
	/* the alarms by name and run minute; null when none was raised */
	const bool any = s->annunciations > 0;
	const char *q = any ? "\"" : "";
	const char *first =
	    any ? pump_annunciation_name((pump_annunciation_type)s->first_alarm) : "null";
	const char *worst =
	    any ? pump_annunciation_name((pump_annunciation_type)s->worst_alarm) : "null";
	char first_min[24] = "null", worst_min[24] = "null";
	if (any) {
		snprintf(first_min, sizeof first_min, "%" PRId64, s->first_alarm_min);
		snprintf(worst_min, sizeof worst_min, "%" PRId64, s->worst_alarm_min);
	}
	int n = snprintf(
	    buf, cap,
	    "{\"days\":%.6g,\"bg_mean_mgdl\":%.6g,\"bg_sd_mgdl\":%.6g,\"bg_cv_pct\":%.6g,"
	    "\"gmi_pct\":%.6g,\"bg_min_mgdl\":%.6g,\"bg_max_mgdl\":%.6g,"
	    "\"tir_70_180_pct\":%.6g,\"below_70_pct\":%.6g,\"below_54_pct\":%.6g,"
	    "\"above_180_pct\":%.6g,\"above_250_pct\":%.6g,\"lbgi\":%.6g,\"hbgi\":%.6g,"
	    "\"insulin_u\":%.6g,\"basal_u\":%.6g,\"bolus_u\":%.6g,\"carbs_g\":%.6g,"
	    "\"annunciations\":%lld,\"commands\":%lld,\"refused\":%lld,"
	    "\"refused_over_ble\":%lld,\"first_alarm\":%s%s%s,\"first_alarm_min\":%s,"
	    "\"worst_alarm\":%s%s%s,\"worst_alarm_min\":%s}",
	    f.days, f.mean_mgdl, f.sd_mgdl, f.cv_pct, f.gmi_pct, f.min_mgdl, f.max_mgdl,
	    f.tir_70_180_pct, f.below_70_pct, f.below_54_pct, f.above_180_pct, f.above_250_pct,
	    f.lbgi, f.hbgi, f.insulin_u, f.basal_u, f.bolus_u, f.carbs_g,
	    (long long)f.annunciations, (long long)f.commands, (long long)f.refused,
	    (long long)s->refused_over_ble, q, first, q, first_min, q, worst, q, worst_min);
	return n < 0 ? 0 : (size_t)n;
}
