/*
 * cmd_population — `fakepump population [-n N] [--patients COHORTS] [--seed S]
 * [--shard I/N] [--db FILE] [--csv OUT] [--json OUT]`: draw N virtual patients a cohort
 * (patient_model/population.h, docs/population.md) and write each one's parameters — the
 * population a trial with `--population N` runs, for a look before running it, and the
 * smallest sharded job there is (docs/scale.md).
 *
 * Items are numbered cohort by cohort (adolescent, adult, child, as the 30), index by
 * index: item = cohort position × N + index. A shard draws only its own items. The results
 * go to a shard database (in memory without --db) and the CSV/JSON are read back from it,
 * as `fakepump merge` does, so one run and the merge of its shards write the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_shard.h"
#include "population_table.h"
#include "run_facts.h"
#include "shard_db.h"

static const char usage[] =
    "fakepump population [-n N] [--patients all|adolescent|adult|child[,…]] [--seed S]\n"
    "                    [--shard I/N] [--db FILE] [--csv OUT] [--json OUT] [-q]";

static const char options_help[] =
    "Draws N virtual patients a cohort from the 30 (docs/population.md) and writes each\n"
    "one's name, base patient, parameter stream and parameters.\n"
    "  -n, --population N  patients a cohort (default 100); patient k of a cohort is\n"
    "                 the same whatever N, shard or machine\n"
    "  --patients C   the cohorts: all (default), adolescent, adult, child, or a list\n"
    "  --seed S       the trial seed (default 1): the population it draws\n"
    "  --db FILE      the shard database to write (must not exist); without it, memory\n"
    "  --csv OUT, --json OUT  the table, read back from the database ('-': stdout)\n"
    "  -q, --quiet    no summary line\n";

static const char *const cohort_order[] = {"adolescent", "adult", "child"};

typedef struct population_args {
	uint32_t n;
	bool cohorts[3];
	uint32_t seed;
	const char *db, *csv, *json;
	bool quiet;
	cli_shard shard;
} population_args;

static bool parse_cohorts(const char *text, bool out[3])
{
	memset(out, 0, 3 * sizeof out[0]);
	char buf[128];
	snprintf(buf, sizeof buf, "%s", text);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0) {
			out[0] = out[1] = out[2] = true;
			continue;
		}
		size_t k = 0;
		while (k < 3 && strcmp(tok, cohort_order[k]) != 0)
			k++;
		if (k == 3)
			return false;
		out[k] = true;
	}
	return out[0] || out[1] || out[2];
}

static bool parse_u32_arg(const char *text, uint32_t min, uint32_t *out)
{
	char *end;
	errno = 0;
	const unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end || !*text || text[0] == '-' || v < min || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int read_args(int argc, char **argv, population_args *a)
{
	static const struct option options[] = {
	    {"population", required_argument, NULL, 'n'},
	    {"patients", required_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 's'},
	    {"shard", required_argument, NULL, 'S'},
	    {"db", required_argument, NULL, 'd'},
	    {"csv", required_argument, NULL, 'c'},
	    {"json", required_argument, NULL, 'J'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	cli_args c;
	cli_begin(&c, "population", argc, argv, "n:qh", options);
	const char *value;
	int k;
	while ((k = cli_next(&c, &value)) != CLI_END) {
		switch (k) {
		case 'n':
			if (!parse_u32_arg(value, 1, &a->n)) {
				fprintf(stderr,
				        "fakepump population: -n: expected a whole number >= 1, "
				        "got '%s'\n",
				        value);
				return CLI_EXIT_BAD_INPUT;
			}
			break;
		case 'p':
			if (!parse_cohorts(value, a->cohorts)) {
				fprintf(stderr,
				        "fakepump population: --patients: expected all, "
				        "adolescent, adult or "
				        "child (comma-separated), got '%s'\n",
				        value);
				return CLI_EXIT_BAD_INPUT;
			}
			break;
		case 's':
			if (!parse_u32_arg(value, 0, &a->seed)) {
				fprintf(stderr,
				        "fakepump population: --seed: expected 0 … 4294967295, got "
				        "'%s'\n",
				        value);
				return CLI_EXIT_BAD_INPUT;
			}
			break;
		case 'S':
			if (!cli_shard_parse(&a->shard, "population", value))
				return CLI_EXIT_BAD_INPUT;
			break;
		case 'd':
			a->db = value;
			break;
		case 'c':
			a->csv = value;
			break;
		case 'J':
			a->json = value;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			printf("Usage: %s\n\n%s%s", usage, options_help, cli_shard_help);
			return CLI_EXIT_OK;
		case CLI_MISSING_VALUE:
			return cli_missing_value(&c, "");
		default:
			cli_note_unexpected(&c, k, value);
		}
	}
	if (cli_unexpected(&c)) {
		fprintf(stderr, "fakepump population: unexpected '%s'\nUsage: %s\n",
		        cli_unexpected(&c), usage);
		return CLI_EXIT_BAD_INPUT;
	}
	if (!cli_shard_resolve(&a->shard, "population", a->quiet))
		return CLI_EXIT_BAD_INPUT;
	return -1;
}

/* The population's definition: what makes two runs the same population. */
static void definition(const population_args *a, char *buf, size_t cap)
{
	size_t len = (size_t)snprintf(buf, cap, "fakepump population\ncohorts=");
	bool any = false;
	for (size_t k = 0; k < 3; k++)
		if (a->cohorts[k]) {
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", any ? "," : "",
			                        cohort_order[k]);
			any = true;
		}
	snprintf(buf + len, cap - len,
	         "\npopulation=%" PRIu32 "\nseed=%" PRIu32
	         "\nmethod=spread %.3g z %.3g min %.0f max %.0f\n",
	         a->n, a->seed, POPULATION_SPREAD, POPULATION_Z_MAX, POPULATION_MIN_MGDL,
	         POPULATION_MAX_MGDL);
}

static int draw_all(const population_args *a, sqlite3 *db)
{
	char err[512], def[512];
	definition(a, def, sizeof def);
	uint64_t items = 0;
	for (size_t k = 0; k < 3; k++)
		items += a->cohorts[k] ? a->n : 0;
	shard_manifest m = {.definition = def, .shard = a->shard.spec, .item_count = items};
	snprintf(m.kind, sizeof m.kind, "population");
	snprintf(m.version, sizeof m.version, "%s", run_facts_build());
	snprintf(m.scheduler, sizeof m.scheduler, "%s", a->shard.source);
	if (!shard_db_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN", err,
	                   sizeof err) ||
	    !shard_db_begin(db, &m, err, sizeof err) ||
	    !population_table_create(db, err, sizeof err)) {
		fprintf(stderr, "fakepump population: %s\n", err);
		return CLI_EXIT_RUNTIME;
	}
	uint64_t base = 0, done = 0;
	for (size_t k = 0; k < 3; k++) {
		if (!a->cohorts[k])
			continue;
		for (uint32_t i = 0; i < a->n; i++) {
			const uint64_t item = base + i;
			if (!shard_owns(&a->shard.spec, item))
				continue;
			population_patient p;
			const population_result r =
			    population_draw(cohort_order[k], i, a->seed, &p);
			if (r != POPULATION_OK) {
				fprintf(stderr,
				        "fakepump population: %s patient %" PRIu32 " (seed %" PRIu32
				        "): %s\n",
				        cohort_order[k], i, a->seed,
				        r == POPULATION_NO_MEMORY
				            ? "out of memory"
				            : "no plausible draw in 32 tries");
				return CLI_EXIT_RUNTIME;
			}
			if (!shard_db_add_item(db, item, p.name, err, sizeof err) ||
			    !population_table_add(db, item, cohort_order[k], &p, err, sizeof err)) {
				fprintf(stderr, "fakepump population: %s\n", err);
				return CLI_EXIT_RUNTIME;
			}
			done++;
		}
		base += a->n;
	}
	if (!shard_db_finish(db, err, sizeof err) ||
	    !shard_db_exec(db, "COMMIT", err, sizeof err)) {
		fprintf(stderr, "fakepump population: %s\n", err);
		return CLI_EXIT_RUNTIME;
	}
	if (!a->quiet)
		fprintf(stderr,
		        "fakepump population: %" PRIu64 " of %" PRIu64
		        " patients drawn (shard %u/%u)\n",
		        done, items, a->shard.spec.index, a->shard.spec.count);
	return CLI_EXIT_OK;
}

int cmd_population(int argc, char **argv)
{
	population_args a = {.n = 100, .cohorts = {true, true, true}, .seed = 1};
	const int status = read_args(argc, argv, &a);
	if (status >= 0)
		return status;
	struct stat sb;
	if (a.db && stat(a.db, &sb) == 0) {
		fprintf(stderr,
		        "fakepump population: --db %s exists; a shard writes a new database\n",
		        a.db);
		return CLI_EXIT_BAD_INPUT;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(a.db ? a.db : ":memory:", &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "fakepump population: %s: %s\n", a.db, sqlite3_errmsg(db));
		sqlite3_close(db);
		return CLI_EXIT_BAD_INPUT;
	}
	int rc = draw_all(&a, db);
	if (rc == CLI_EXIT_OK)
		rc =
		    cli_shard_write_tables(db, "population", a.csv, a.json,
		                           population_table_write_csv, population_table_write_json);
	sqlite3_close(db);
	return rc;
}
