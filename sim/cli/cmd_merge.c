/*
 * cmd_merge — `fakepump merge OUT.db SHARD.db… [--csv OUT] [--json OUT] [-q]`: the shards
 * of one trial (or population) into one database holding what one unsharded run would
 * (sim/shard/shard_merge.h), then its tables as CSV/JSON, written as the unsharded run
 * writes them: the same bytes whatever the number of shards.
 *
 * Exit 2 when the shards do not make one whole trial (a shard missing, given twice, of
 * another trial or build, unfinished), with the reason; 3 when reading or writing fails.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_shard.h"
#include "population_table.h"
#include "shard_merge.h"
#include "trial_shard.h"

static const char usage[] = "fakepump merge OUT.db SHARD.db… [--csv OUT] [--json OUT] [-q]";

/* The CSV and JSON writers of a kind of shard. */
static bool writers_of(const char *kind, cli_table_writer *csv, cli_table_writer *json)
{
	if (strcmp(kind, "population") == 0) {
		*csv = population_table_write_csv;
		*json = population_table_write_json;
		return true;
	}
	if (strcmp(kind, "trial") == 0) {
		*csv = trial_shard_write_csv;
		*json = trial_shard_write_json;
		return true;
	}
	return false;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option options[] = {
	    {"csv", required_argument, NULL, 'c'},
	    {"json", required_argument, NULL, 'J'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const char *csv = NULL, *json = NULL, *out = NULL;
	bool quiet = false;
	const char **shards = calloc((size_t)argc + 1, sizeof *shards);
	size_t n = 0;
	if (!shards)
		return CLI_EXIT_RUNTIME;
	cli_args c;
	cli_begin(&c, "merge", argc, argv, "qh", options);
	const char *value;
	int k, rc = -1;
	while (rc < 0 && (k = cli_next(&c, &value)) != CLI_END) {
		switch (k) {
		case CLI_OPERAND:
			if (!out)
				out = value;
			else
				shards[n++] = value;
			break;
		case 'c':
			csv = value;
			break;
		case 'J':
			json = value;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: %s\n", usage);
			rc = CLI_EXIT_OK;
			break;
		case CLI_MISSING_VALUE:
			rc = cli_missing_value(&c, "");
			break;
		default:
			cli_note_unexpected(&c, k, value);
		}
	}
	if (rc < 0 && cli_unexpected(&c)) {
		fprintf(stderr, "fakepump merge: unexpected '%s'\nUsage: %s\n", cli_unexpected(&c),
		        usage);
		rc = CLI_EXIT_BAD_INPUT;
	}
	if (rc < 0 && (!out || n == 0)) {
		fprintf(
		    stderr,
		    "fakepump merge: needs the output database and at least one shard\nUsage: %s\n",
		    usage);
		rc = CLI_EXIT_BAD_INPUT;
	}
	if (rc >= 0) {
		free(shards);
		return rc;
	}
	char err[2048];
	shard_merge_info info;
	const shard_merge_result r = shard_merge(out, shards, n, &info, err, sizeof err);
	free(shards);
	if (r != SHARD_MERGE_OK) {
		fprintf(stderr, "fakepump merge: %s\n", err);
		return r == SHARD_MERGE_REFUSED ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUNTIME;
	}
	if (!quiet)
		fprintf(stderr,
		        "fakepump merge: %u shards, %" PRIu64 " items of %s %.12s… into %s\n",
		        info.shard_count, info.item_count, info.kind, info.sha256, out);
	if (!csv && !json)
		return CLI_EXIT_OK;
	cli_table_writer wc, wj;
	if (!writers_of(info.kind, &wc, &wj)) {
		fprintf(stderr, "fakepump merge: this build cannot write %s tables as CSV/JSON\n",
		        info.kind);
		return CLI_EXIT_BAD_INPUT;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "fakepump merge: %s: %s\n", out, sqlite3_errmsg(db));
		sqlite3_close(db);
		return CLI_EXIT_RUNTIME;
	}
	rc = cli_shard_write_tables(db, "merge", csv, json, wc, wj);
	sqlite3_close(db);
	return rc;
}
