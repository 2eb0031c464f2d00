/*
 * summary — per-run statistics (see summary.h); the glucose figures are glucose_metrics.c's.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "clock.h"
#include "summary.h"

void summary_init(summary *s)
{
	*s = (summary){0};
	glucose_accumulator_init(&s->glucose);
}

void summary_add(summary *s, const engine_row *row, int integrated)
{
	glucose_accumulator_add(&s->glucose, row->bg_mgdl);
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
	*f = (summary_figures){.days = (double)s->minutes / CLOCK_MIN_PER_DAY,
	                       .basal_u = s->basal_u,
	                       .bolus_u = s->bolus_u,
	                       .insulin_u = s->basal_u + s->bolus_u,
	                       .carbs_g = s->carbs_g,
	                       .annunciations = s->annunciations,
	                       .commands = s->commands,
	                       .refused = s->refused};
	glucose_metrics_of(&s->glucose, &f->glucose);
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
	const glucose_metrics *g = &f.glucose;
	char alarms[160];
	summary_alarms_text(s, start_min_of_day, alarms, sizeof alarms);
	fprintf(out,
	        "%s: %s, %.2f d: BG mean %.1f mg/dL (min %.1f, max %.1f), time in 70-180 %.1f%%, "
	        "insulin %.2f U, carbs %.1f g, alarms %s",
	        name, patient_name, f.days, g->mean_mgdl, g->min_mgdl, g->max_mgdl, g->tir_pct,
	        f.insulin_u, f.carbs_g, alarms);
}

size_t summary_json(const summary *s, char *buf, size_t cap)
{
	summary_figures f;
	summary_figures_of(s, &f);
	const glucose_metrics *g = &f.glucose;
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
	    f.days, g->mean_mgdl, g->sd_mgdl, g->cv_pct, g->gmi_pct, g->min_mgdl, g->max_mgdl,
	    g->tir_pct, g->tbr70_pct, g->tbr54_pct, g->tar180_pct, g->tar250_pct, g->lbgi, g->hbgi,
	    f.insulin_u, f.basal_u, f.bolus_u, f.carbs_g, (long long)f.annunciations,
	    (long long)f.commands, (long long)f.refused, (long long)s->refused_over_ble, q, first,
	    q, first_min, q, worst, q, worst_min);
	return n < 0 ? 0 : (size_t)n;
}
