/*
 * report_svg — the report's charts as inline SVG: text stays text (searchable, sharp in
 * print), every size in the viewBox (the chart scales to the page), no script, no font but
 * the page's. Colours are the Okabe–Ito palette the PNG pictures use.
 *
 *   trace   true glucose (min–max of each column, so nothing is averaged away), CGM
 *           readings, the 70–180 band and the 54/250 lines, sensor faults shaded and
 *           named, meals, insulin on board and boluses, the basal rate with no-basal
 *           shaded, alarms and faults flagged and NAMED on the time axis, the part of an
 *           interrupted run that never ran greyed and said so;
 *   agp     the percentiles of true glucose by time of day over every day (agp.h);
 *   days    one bar a day (or a group of days when there are many): time below 54,
 *           54–70, 70–180, 180–250 and above 250 mg/dL;
 *   cvga    a trial's Control-Variability Grid (Magni et al. 2008): a point a patient.
 *
 * Pure: writes to a FILE* from a report_run; never fails loudly (a short write is the
 * caller's to notice with ferror).
 */
#ifndef FAKEPUMP_REPORT_SVG_H
#define FAKEPUMP_REPORT_SVG_H

#include <stdio.h>

#include "report_model.h"
#include "trial_figures.h"

void report_svg_trace(FILE *f, const report_run *r);
void report_svg_agp(FILE *f, const report_run *r);
void report_svg_days(FILE *f, const report_run *r);

/* The AGP of any profile (a run's, a trial cohort's pooled patients'): `title` is the
 * chart's <title>, `caption` ends its legend ("over 14 days", "10 patients × 14 days"). */
void report_svg_agp_profile(FILE *f, const agp *profile, const char *title, const char *caption);
/* The CVGA of a trial (cvga.h): one point a patient at its 2.5th / 97.5th percentiles,
 * coloured by cohort, the nine boxes, and the counts by grade and the A + B share. */
void report_svg_cvga(FILE *f, const trial_figures_patient *patients, size_t n, const char *title);

/* Text with <, >, &, " escaped for HTML and SVG. NULL writes nothing. */
void report_esc(FILE *f, const char *text);

#endif
