/*
 * csv_writer — the per-minute trace as CSV, one row per engine row.
 * Columns: t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,cho_g_per_min,
 * basal_u_per_min,bolus_u_per_min,insulin_u_per_min (cgm_mgdl empty where no sample).
 */
#ifndef FAKEPUMP_CSV_WRITER_H
#define FAKEPUMP_CSV_WRITER_H

#include <stdio.h>

#include "engine.h"

void csv_write_header(FILE *out);
void csv_write_row(FILE *out, const engine_row *row);

#endif
