/*
 * cli_shard — what the sharded commands (population, and trial) share on the command line:
 * `--shard I/N` or the scheduler's environment (shard_plan.h), and writing a result table
 * from the database to --csv / --json ('-' = stdout), as `fakepump merge` does.
 */
#ifndef FAKEPUMP_CLI_SHARD_H
#define FAKEPUMP_CLI_SHARD_H

#include <stdbool.h>
#include <stdio.h>

#include <sqlite3.h>

#include "shard_plan.h"

typedef struct cli_shard {
	shard_spec spec; /* 0/1 unless given or found */
	bool given;      /* --shard was on the command line */
	char source[160];
} cli_shard;

/* The help lines of --shard and its environment. */
extern const char cli_shard_help[];

/* --shard VALUE; false after printing "fakepump CMD: --shard: why". */
bool cli_shard_parse(cli_shard *s, const char *cmd, const char *value);
/* Without --shard: the environment's (printing a notice of where it came from), else 0/1.
 * False after printing why the environment is unusable. */
bool cli_shard_resolve(cli_shard *s, const char *cmd, bool quiet);

typedef bool (*cli_table_writer)(sqlite3 *db, FILE *out, char *err, size_t errlen);

/* Writes the table to csv and json (either may be NULL; "-" = stdout). An exit status. */
int cli_shard_write_tables(sqlite3 *db, const char *cmd, const char *csv, const char *json,
                           cli_table_writer write_csv, cli_table_writer write_json);

#endif
