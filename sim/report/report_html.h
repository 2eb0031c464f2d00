/*
 * report_html — the report as one self-contained HTML document: no script, no external
 * font, stylesheet or image (charts are inline SVG, report_svg.h), so it reads the same
 * offline, with JavaScript off, in a browser or printed (page breaks between runs; A4 or
 * US Letter through @page).
 *
 * The document is written in parts, so that a report of many runs holds one run's data at
 * a time: the head and cover (report_html_begin, with every run's and trial's light model),
 * the summary tables and the security story (from the same light models), then each run's
 * own section (report_html_run, with its full model), each trial's (report_html_trial,
 * report_trial_html.h), then report_html_end.
 *
 * Pure: FILE* in, nothing else touched; the same models give the same bytes (the date
 * comes in the options).
 */
#ifndef FAKEPUMP_REPORT_HTML_H
#define FAKEPUMP_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report_model.h"

typedef struct report_trial report_trial; /* report_trial.h */

typedef struct report_options {
	const char *db_path;      /* the database the runs come from */
	const char *generator;    /* the fakepump that writes the report (run_facts_build) */
	const char *generated_at; /* "2026-12-05 07:40 UTC" */
	const char *paper;        /* "A4" (default) or "letter" */
} report_options;

/* Head, cover (provenance of runs and trials), summary tables and security story, from
 * every run's and trial's light model (runs[i] need not hold columns, profile or markers;
 * trials[i] is read without `full`: only what report_html_trial draws needs it). Either
 * count may be 0. Each trial's own section: report_html_trial (report_trial_html.h). */
void report_html_begin(FILE *f, const report_options *opt, const report_run *runs, size_t n,
                       const report_trial *trials, size_t nt);
/* One run's section: verdict, expectations, statistics, charts, alarms, audit. */
void report_html_run(FILE *f, const report_run *r, const report_run *twin);
void report_html_end(FILE *f);

/* The twin of runs[i] among runs (the same name with the other profile suffix), or NULL. */
const report_run *report_twin(const report_run *runs, size_t n, size_t i);

#endif
