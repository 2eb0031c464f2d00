/*
 * report_trial — one recorded trial (`fakepump trial --db`, docs/trial.md) as `fakepump
 * report` shows it: its definition, the consensus table per cohort and overall, the patients
 * that failed and why, and — when the database holds them — the data of its AGP and CVGA
 * pictures (sim/trial_figures.h).
 *
 * The table is never computed here: the patients' rows (trial_patients, with the raw sums
 * the metrics come from) are read back into trial results and handed to trial_table_rows,
 * the very function whose rows `fakepump trial` prints, so the report's numbers are the
 * trial's, bit for bit.
 *
 * The pictures' data (trial_glucose, trial_agp) are written only by `fakepump trial --shard
 * I/N --db` (and `fakepump merge`); they are the trial's when the database's shard manifest
 * names the trial's definition hash. Otherwise `figures_missing` says what is missing and
 * how to get it, for the report to print.
 *
 * A database `fakepump merge` wrote has no `trials` row: its one trial (id 1) is read from
 * its shard manifest (the definition) and trial_results (every patient's raw sums), which
 * is how merge itself writes its table; started_at, host and engine are not recorded there.
 *
 * Memory: a trial's patients' rows (about 1.5 KB a patient) while it is read; the light
 * model keeps only the cohort and overall rows and the failed patients.
 */
#ifndef FAKEPUMP_REPORT_TRIAL_H
#define FAKEPUMP_REPORT_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_read.h"
#include "trial_figures.h"
#include "trial_table.h"

/* A patient that failed: its name and the reason the trial recorded. */
typedef struct report_trial_failure {
	char *patient, *why;
} report_trial_failure;

typedef struct report_trial {
	int64_t id;
	/* the `trials` row (docs/database.md); NULL where the column is NULL */
	char *hash, *base_path, *base_text, *patients_text, *controller, *meals, *cgm, *engine;
	char *build, *host, *started_at, *ended_at;
	char *population; /* --population's "adolescent,adult,child x 1000", else NULL */
	bool merged;      /* from a database `fakepump merge` wrote: no trials row (id 1) */
	int days, threads;
	uint32_t seed;
	double wall_s;
	size_t patient_count;
	/* shard I/N of a larger trial (the table covers its patients only); count 0: none */
	uint32_t shard_index, shard_count;
	/* The table as `fakepump trial` makes it (trial_table_rows): with `full`, every
	 * patient's row first, then the cohorts present and `all`; light, only the cohorts and
	 * `all`. rows[i].why points into `failures` or is NULL. */
	trial_row *rows;
	size_t row_count;
	report_trial_failure *failures;
	size_t failure_count;
	/* The pictures' data (full only): one column, the trial's controller. */
	bool has_figures;
	trial_figures figures;
	char figures_missing[640]; /* why not, and how to get them ("" when has_figures) */
} report_trial;

/* The ids of every trial, oldest first (malloc'd, *n of them; an empty array with *n = 0
 * for a database without trials, or recorded before trials existed). NULL with err. */
int64_t *report_db_trial_ids(report_db *db, size_t *n, char *err, size_t errlen);

/*
 * Reads trial `id` into `t` (zeroed by the caller): `full` adds every patient's row and the
 * pictures' data. False with err ("trials.db: no trial 7 (its trials: 1, 2)"); `t` is then
 * cleared. Free with report_trial_clear.
 */
bool report_db_read_trial(report_db *db, int64_t id, bool full, report_trial *t, char *err,
                          size_t errlen);
void report_trial_clear(report_trial *t);

/* The row named `name` ("all", "cohort:adult", "adult#001"), or NULL. */
const trial_row *report_trial_row(const report_trial *t, const char *name);

#endif
