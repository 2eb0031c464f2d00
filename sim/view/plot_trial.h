/*
 * plot_trial — the pictures trials are judged by, drawn from trial_figures (sim/trial_figures.h),
 * one column per controller so that controllers compare side by side on the same axes:
 *
 *   AGP    the Ambulatory Glucose Profile of each cohort (rows) under each controller
 *          (columns): median, 25–75 % and 5–95 % of true glucose by time of day over every
 *          day and patient (Bergenstal 2013; Battelino 2019), 70–180 shaded, 54 and 250
 *          dashed, the cohort's time in ranges in the panel's title;
 *   CVGA   the Control-Variability Grid (Magni 2008) of each controller: one point a patient
 *          at its 2.5th / 97.5th percentiles of true glucose, coloured by cohort, the nine
 *          boxes, the share in A + B;
 *   strip  each patient's time below 54, 54–70, 70–180, 180–250 and above 250 mg/dL as a
 *          stacked bar, patients grouped by cohort and sorted by time in range, one row a
 *          controller (patients folded to one bar a pixel when there are more than pixels).
 *
 * Drawn off-screen like plot_png (software renderer, twice the size averaged down, SDL_image
 * PNG): no display. Never prints; errors come back in err.
 */
#ifndef FAKEPUMP_PLOT_TRIAL_H
#define FAKEPUMP_PLOT_TRIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "trial_figures.h"

typedef enum plot_trial_kind {
	PLOT_TRIAL_AGP = 0,
	PLOT_TRIAL_CVGA,
	PLOT_TRIAL_STRIP,
} plot_trial_kind;

/* A picture of `f` as a PNG at `path`; width / height 0 pick a size from the column
 * count. `title` (may be NULL) heads it; `footer` (may be NULL) ends it. False with
 * `path: why` in err. */
bool plot_trial_write_png(plot_trial_kind kind, const trial_figures *f, int width, int height,
                          const char *title, const char *footer, const char *path, char *err,
                          size_t errlen);

#endif
