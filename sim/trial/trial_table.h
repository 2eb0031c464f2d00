/*
 * trial_table — a trial's results as a table: one row a patient, then one a cohort present
 * (patient `cohort:adult`, …) and one for everyone (`all`), as CSV (--csv), JSON (--json)
 * and a short human table (standard output). Columns and formulas: docs/trial.md.
 *
 * A cohort's and the overall row are the mean of their patients' values (each patient
 * weighs the same, a failed one with its minutes up to its end), min and max their
 * extremes; their raw sums (JSON) pool the patients' samples. Numbers are printed with
 * fixed decimals, so the same results give the same bytes.
 */
#ifndef FAKEPUMP_TRIAL_TABLE_H
#define FAKEPUMP_TRIAL_TABLE_H

#include <stdio.h>

#include "trial.h"

/* One row of the table. */
typedef struct trial_row {
	char patient[32];   /* the patient's name, "cohort:adult", "all" */
	const char *cohort; /* "adult", "adolescent", "child", "all" */
	glucose_accumulator acc;
	glucose_metrics m;
	double insulin_u;
	double tdd_u; /* a group's: the mean of its patients' TDD */
	int64_t minutes;
	size_t patients, failed;
	size_t below40;  /* patients whose minimum was under 40 mg/dL */
	const char *why; /* a failed patient's reason (its own row); NULL otherwise */
} trial_row;

enum { TRIAL_TABLE_MAX_ROWS = TRIAL_MAX_PATIENTS + 4 };

/* The rows: the patients', then the cohorts present (adult, adolescent, child), then all,
 * into rows (room for patient_count + 4: TRIAL_TABLE_MAX_ROWS for the 30). Returns the
 * count. */
size_t trial_table_rows(const trial_plan *p, const trial_patient_result *results, trial_row *rows);

/* A row's TDD, U/day: a patient's insulin over its simulated days; a group's, the mean of
 * its patients' (NaN for a patient with no minute). What the CSV's tdd_u column prints. */
double trial_row_tdd_u(const trial_row *r);

/* The CSV (header and rows). Returns non-zero when the stream has an error. */
int trial_table_csv(FILE *out, const trial_plan *p, const trial_row *rows, size_t n);
/* The JSON document: the definition and every row with its raw sums (for merging). */
int trial_table_json(FILE *out, const trial_plan *p, const trial_row *rows, size_t n);
/* The cohort and overall rows for people. */
void trial_table_print(FILE *out, const trial_plan *p, const trial_row *rows, size_t n);

#endif
