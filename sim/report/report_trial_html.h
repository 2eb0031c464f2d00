/*
 * report_trial_html — the trials' parts of the report (report_html.h): a row a trial on the
 * cover, a line a trial in the summary, and a section a trial: its definition, the
 * consensus table per cohort and overall as `fakepump trial` prints it, every patient's
 * row, the patients that failed and why, and the AGP and CVGA as inline SVG — or, when the
 * database does not hold their data, what is missing and how to get it.
 *
 * Pure: FILE* in, nothing else touched; the numbers are the model's rows (report_trial.h),
 * printed with the trial table's decimals.
 */
#ifndef FAKEPUMP_REPORT_TRIAL_HTML_H
#define FAKEPUMP_REPORT_TRIAL_HTML_H

#include <stdio.h>

#include "report_trial.h"

/* The cover's table of trials (light models): definition and provenance. */
void report_html_trials_cover(FILE *f, const report_trial *trials, size_t n);
/* The summary of trials (light models): each trial's overall row and its failures. */
void report_html_trials_summary(FILE *f, const report_trial *trials, size_t n);
/* One trial's section, on its own pages (a full model). */
void report_html_trial(FILE *f, const report_trial *t);

#endif
