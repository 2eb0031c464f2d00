/*
 * report_read — runs of a database into report_run values (report_model.h), one at a time
 * so that a report of any number of runs, of any length, needs the memory of one.
 *
 * Reads schema 2 and 3 files (docs/database.md) without changing them: a schema 2 run has
 * no facts (settings, verdicts, files) and says so (has_facts false). Errors start with the
 * path: "runs.db: no run 7 (see 'fakepump runs')".
 */
#ifndef FAKEPUMP_REPORT_READ_H
#define FAKEPUMP_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_model.h"

typedef struct report_db report_db;

/* Opens an existing fakepump database for reading — a run database, or the database of a
 * trial `fakepump merge` wrote (a trial, no runs: report_trial.h); NULL with the reason in
 * err. */
report_db *report_db_open(const char *path, char *err, size_t errlen);
void report_db_close(report_db *db);
/* The open database and its path, for the report's other readers (report_trial.h); owned
 * by db. */
struct sqlite3 *report_db_handle(report_db *db);
const char *report_db_path(const report_db *db);

/* The ids of every run, oldest first (malloc'd, *n of them); NULL with err on failure
 * (an empty database gives a non-NULL array and *n = 0). */
int64_t *report_db_run_ids(report_db *db, size_t *n, char *err, size_t errlen);

/* Only the run's row and facts (provenance, settings, verdicts, files): no samples, no
 * events. False with err (no such run). */
bool report_db_read_facts(report_db *db, int64_t id, report_run *r, char *err, size_t errlen);

/* Reads run `id` into `r` (report_run_init'd); false with err (no such run). */
bool report_db_read_run(report_db *db, int64_t id, report_run *r, char *err, size_t errlen);

#endif
