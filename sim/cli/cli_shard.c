/*
 * cli_shard — see cli_shard.h.
 */
#include "cli_shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_shard_help[] =
    "  --shard I/N    run only shard I of N (0 <= I < N): the items whose number is I\n"
    "                 modulo N; each shard writes its own --db, and `fakepump merge`\n"
    "                 puts them together. Without --shard: FAKEPUMP_SHARD=I/N, a Slurm\n"
    "                 job array's SLURM_ARRAY_TASK_ID/COUNT, or a Kubernetes Indexed\n"
    "                 Job's JOB_COMPLETION_INDEX with FAKEPUMP_SHARD_COUNT; else the\n"
    "                 whole trial (docs/scale.md)\n";

bool cli_shard_parse(cli_shard *s, const char *cmd, const char *value)
{
	char why[160];
	if (!shard_spec_parse(value, &s->spec, why, sizeof why)) {
		fprintf(stderr, "fakepump %s: --shard: %s\n", cmd, why);
		return false;
	}
	s->given = true;
	snprintf(s->source, sizeof s->source, "--shard %s", value);
	return true;
}

static const char *env_get(const char *name, void *user_data)
{
	(void)user_data;
	return getenv(name);
}

bool cli_shard_resolve(cli_shard *s, const char *cmd, bool quiet)
{
	if (s->given)
		return true;
	char why[320];
	switch (shard_spec_from_env(env_get, NULL, &s->spec, s->source, sizeof s->source, why,
	                            sizeof why)) {
	case SHARD_ENV_BAD:
		fprintf(stderr, "fakepump %s: %s\n", cmd, why);
		return false;
	case SHARD_ENV_OK:
		if (!quiet)
			fprintf(stderr, "fakepump %s: shard %u/%u from %s\n", cmd, s->spec.index,
			        s->spec.count, s->source);
		return true;
	case SHARD_ENV_NONE:
	default:
		s->spec = (shard_spec){0, 1};
		s->source[0] = '\0';
		return true;
	}
}

static int write_one(sqlite3 *db, const char *cmd, const char *path, cli_table_writer w)
{
	if (!path)
		return CLI_EXIT_OK;
	const bool std = strcmp(path, "-") == 0;
	FILE *out = std ? stdout : fopen(path, "w");
	if (!out) {
		fprintf(stderr, "fakepump %s: %s: %s\n", cmd, path, strerror(errno));
		return CLI_EXIT_BAD_INPUT;
	}
	char err[256];
	bool ok = w(db, out, err, sizeof err);
	if (std)
		ok = fflush(out) == 0 && ok;
	else
		ok = fclose(out) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "fakepump %s: %s: %s\n", cmd, path, err);
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

int cli_shard_write_tables(sqlite3 *db, const char *cmd, const char *csv, const char *json,
                           cli_table_writer write_csv, cli_table_writer write_json)
{
	int rc = write_one(db, cmd, csv, write_csv);
	if (rc == CLI_EXIT_OK)
		rc = write_one(db, cmd, json, write_json);
	return rc;
}
