/*
 * csv_writer — see csv_writer.h. Numbers use %.10g: enough for the reference checks
 * (1e-7 mg/dL), and the same bytes for the same run.
 */
#include <inttypes.h>

#include "csv_writer.h"

void csv_write_header(FILE *out)
{
	fputs("t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,cho_g_per_min,"
	      "basal_u_per_min,bolus_u_per_min,insulin_u_per_min\n",
	      out);
}

void csv_write_row(FILE *out, const engine_row *r)
{
	fprintf(out, "%" PRId64 ",%d,%02d:%02d,%.10g,%.10g,", r->t_min, r->day, r->min_of_day / 60,
	        r->min_of_day % 60, r->bg_mgdl, r->gsub_mgdl);
	if (r->has_cgm)
		fprintf(out, "%.10g", r->cgm_mgdl);
	fprintf(out, ",%.10g,%.10g,%.10g,%.10g,%.10g\n", r->meal_announced_g, r->cho_g_per_min,
	        r->basal_u_per_min, r->bolus_u_per_min, r->insulin_u_per_min);
}
