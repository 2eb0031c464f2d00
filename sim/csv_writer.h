/*
 * csv_writer — the per-minute trace as CSV, one row per engine row (columns in README.md):
 * t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,cho_g_per_min,
 * insulin_u_per_min,basal_u_per_h,bolus_u,iob_u,reservoir_u,battery_pct,therapy_state,
 * annunciation (cgm_mgdl empty where no sample, annunciation empty when none is active).
 */
#ifndef FAKEPUMP_CSV_WRITER_H
#define FAKEPUMP_CSV_WRITER_H

#include <stdio.h>

#include "engine.h"

void csv_write_header(FILE *out);
void csv_write_row(FILE *out, const engine_row *row);

#endif
