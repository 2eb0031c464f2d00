/*
 * report — how runs are shown: one line per scenario, the expectations of a run, the
 * summary table of several runs, and JUnit XML for CI.
 */
#ifndef FAKEPUMP_REPORT_H
#define FAKEPUMP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "run.h"

/* "PASS  name  (patient, D d)  …  [W s]" — one line. */
void report_line(const run_report *r, FILE *out);
/* Each expectation with its verdict and what was measured (failed ones first). */
void report_expectations(const run_report *r, bool failed_only, FILE *out);
/* The table of per-run figures (mean, SD, CV, GMI, time in ranges, LBGI/HBGI, insulin,
 * carbs, annunciations) and the totals line. */
void report_table(const run_report *reports, size_t n, FILE *out);
/* JUnit XML (one testsuite, one testcase per scenario); false when it cannot be written. */
bool report_write_junit(const run_report *reports, size_t n, double wall_s, const char *path,
                        char *err, size_t errlen);

#endif
