/*
 * summary — per-run glucose and dose statistics (see summary.h).
 * Time in range counts state samples with 70 <= BG <= 180 mg/dL on plasma glucose.
 */
#include <math.h>

#include "summary.h"

void summary_init(summary *s)
{
	*s = (summary){.bg_min_mgdl = INFINITY, .bg_max_mgdl = -INFINITY};
}

void summary_add(summary *s, const engine_row *row, int integrated)
{
	const double bg = row->bg_mgdl;
	s->samples++;
	s->bg_sum_mgdl += bg;
	if (bg < s->bg_min_mgdl)
		s->bg_min_mgdl = bg;
	if (bg > s->bg_max_mgdl)
		s->bg_max_mgdl = bg;
	if (bg >= 70.0 && bg <= 180.0)
		s->in_range_70_180++;
	if (integrated) {
		s->minutes++;
		s->insulin_u += row->insulin_u_per_min;
		s->carbs_g += row->cho_g_per_min;
	}
}

double summary_mean_bg_mgdl(const summary *s)
{
	return s->samples ? s->bg_sum_mgdl / (double)s->samples : NAN;
}

double summary_time_in_range_pct(const summary *s)
{
	return s->samples ? 100.0 * (double)s->in_range_70_180 / (double)s->samples : NAN;
}

void summary_print_line(const summary *s, const char *name, const char *patient_name, FILE *out)
{
	fprintf(out,
	        "%s: %s, %.2f d: BG mean %.1f mg/dL (min %.1f, max %.1f), time in 70-180 %.1f%%, "
	        "insulin %.2f U, carbs %.1f g",
	        name, patient_name, (double)s->minutes / 1440.0, summary_mean_bg_mgdl(s),
	        s->bg_min_mgdl, s->bg_max_mgdl, summary_time_in_range_pct(s), s->insulin_u,
	        s->carbs_g);
}
