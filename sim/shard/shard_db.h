/*
 * shard_db — what makes a database a shard of a trial: its manifest (which trial, by the
 * SHA-256 of its definition; which shard of how many; which items; which build), and the
 * list of the tables that `fakepump merge` puts together, each with how. One process
 * writes one shard database; docs/scale.md "Merging" describes the tables.
 *
 *   shard_manifest (key, value)          kind, definition, definition_sha256, version,
 *                                        shard_index, shard_count, item_count, complete,
 *                                        scheduler
 *   shard_items    (item, patient)       the items this shard ran, by number
 *   shard_tables   (name, merge)         'rows': one row an item, first column
 *                                        `item INTEGER PRIMARY KEY`; 'sum': counts, the
 *                                        column `count` summed over the other columns
 *
 * A shard is marked complete only by shard_db_finish: a task killed half-way leaves a
 * database that merge refuses.
 */
#ifndef FAKEPUMP_SHARD_DB_H
#define FAKEPUMP_SHARD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "shard_plan.h"

typedef struct shard_manifest {
	char kind[32];       /* what the items are: "trial", "population" */
	char *definition;    /* the trial's canonical definition text (malloc'd on read) */
	char sha256[65];     /* of definition, hex */
	char version[96];    /* the build that ran it (fakepump --version) */
	char scheduler[160]; /* where the shard came from: "--shard", "SLURM_ARRAY_TASK_ID=…" */
	shard_spec shard;
	uint64_t item_count; /* items in the whole trial */
	bool complete;
} shard_manifest;

typedef enum shard_table_merge {
	SHARD_TABLE_ROWS = 0, /* one row an item: concatenated */
	SHARD_TABLE_SUM,      /* histogram counts: summed */
} shard_table_merge;

/*
 * Creates the shard tables in `db` and writes the manifest (complete = 0): kind,
 * definition, version, scheduler, shard and item_count from m (sha256 computed here).
 * False with the reason in err.
 */
bool shard_db_begin(sqlite3 *db, const shard_manifest *m, char *err, size_t errlen);
/* One item this shard runs (its number in the whole trial and its patient's name). */
bool shard_db_add_item(sqlite3 *db, uint64_t item, const char *patient, char *err, size_t errlen);
/* A table of results merge must put together, and how. */
bool shard_db_add_table(sqlite3 *db, const char *name, shard_table_merge how, char *err,
                        size_t errlen);
/* Marks the shard complete. */
bool shard_db_finish(sqlite3 *db, char *err, size_t errlen);

/*
 * Reads the manifest of `db` into out (out->definition malloc'd: shard_manifest_clear).
 * False with the reason ("not a fakepump shard (no manifest)") in err.
 */
bool shard_db_read(sqlite3 *db, shard_manifest *out, char *err, size_t errlen);
void shard_manifest_clear(shard_manifest *m);

/* The hex SHA-256 of a definition text into out[65]. */
void shard_definition_sha256(const char *definition, char out[65]);

/* Runs SQL without rows; false with sqlite's message in err. */
bool shard_db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

#endif
