/*
 * csv_writer — see csv_writer.h. Numbers use %.10g: enough for the reference checks
 * (1e-7 mg/dL), and the same bytes for the same run.
 */
#include <inttypes.h>

#include "clock.h"
#include "csv_writer.h"
#include "pump_model.h"

void csv_write_header(FILE *out)
{
	fputs("t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,cho_g_per_min,"
	      "insulin_u_per_min,basal_u_per_h,bolus_u,iob_u,reservoir_u,battery_pct,"
	      "therapy_state,annunciation\n",
	      out);
}

void csv_write_row(FILE *out, const engine_row *r)
{
	char hhmm[CLOCK_TEXT_MAX];
	fprintf(out, "%" PRId64 ",%d,%s,%.10g,%.10g,", r->t_min, r->day,
	        clock_format_hhmm(r->min_of_day, hhmm, sizeof hhmm), r->bg_mgdl, r->gsub_mgdl);
	if (r->has_cgm)
		fprintf(out, "%.10g", r->cgm_mgdl);
	fprintf(out, ",%.10g,%.10g,%.10g,%.10g,%.10g,%.6g,%.6g,%.4f,%s,%s\n", r->meal_announced_g,
	        r->cho_g_per_min, r->insulin_u_per_min, r->basal_u_per_h, r->bolus_u_per_min,
	        r->iob_u, r->reservoir_u, r->battery_pct,
	        pump_therapy_state_name((pump_therapy_state)r->therapy_state),
	        r->annunciation ? pump_annunciation_name((pump_annunciation_type)r->annunciation)
	                        : "");
}
