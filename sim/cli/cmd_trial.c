/*
 * cmd_trial — `fakepump trial [BASE.yaml] --patients … --days N [options]`: a base scenario
 * run for each patient of the virtual population, and the table of their glucose metrics
 * (sim/trial/trial.h, docs/trial.md).
 *
 * Everything is checked before the first patient runs — the options, the base scenario for
 * every patient (file:line:column), every output path (sim/output_check.c) — so a long trial
 * never ends without its outputs. Progress goes to standard error when it is a terminal.
 * Exit status: 0 every patient ok, 1 a patient failed (its glucose reached 0), 2 bad input,
 * 3 a runtime error (an output could not be written).
 */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_shard.h"
#include "output_check.h"
#include "population.h"
#include "run_facts.h"
#include "stop_request.h"
#include "trial.h"
#include "trial_record.h"
#include "trial_shard.h"
#include "trial_table.h"

typedef struct trial_request {
	trial_definition def;
	trial_run_options run;
	const char *patients_spec;
	bool days_given;
	const char *csv_path, *json_path, *db_path;
	uint32_t population; /* --population N: drawn patients a cohort; 0: the 30 */
	cli_shard shard;     /* --shard I/N, or the scheduler's */
	bool sharded;        /* --shard given or found: the --db is a shard's */
	bool quiet;          /* -q: no progress line, no notices (the table and errors stay) */
} trial_request;

/* The patients a trial runs: the shard's items of the whole trial (drawn ones with
 * --population), in item order (docs/scale.md). */
typedef struct trial_items {
	uint64_t *items; /* each patient's number in the whole trial */
	const patient_params **many;
	population_patient *drawn; /* with --population, else NULL */
	size_t count;
	uint64_t total;
	char population[96];
} trial_items;

static int bad(const char *fmt, const char *value);

static void trial_items_free(trial_items *t)
{
	g_free(t->items);
	g_free(t->many);
	g_free(t->drawn);
}

static const char *const cohort_order[3] = {"adolescent", "adult", "child"};

/*
 * The whole trial's items, its definition (*whole, for its hash once the plan has resolved
 * the controller), and the shard's slice of them into rq->def (many). False after printing
 * why (exit 2 or 3 in *status).
 */
static bool slice_trial(trial_request *rq, trial_items *t, trial_definition *whole, int *status)
{
	bool cohorts[3] = {false, false, false};
	*status = CLI_EXIT_BAD_INPUT;
	if (rq->population) {
		const char *s = rq->patients_spec;
		for (int k = 0; k < 3; k++)
			cohorts[k] = strcmp(s, "all") == 0 || strcmp(s, cohort_order[k]) == 0;
		if (!cohorts[0] && !cohorts[1] && !cohorts[2]) {
			bad("--population draws whole cohorts: --patients all, adolescent, adult "
			    "or "
			    "child, not '%s'",
			    s);
			return false;
		}
		size_t len = 0;
		for (int k = 0; k < 3; k++)
			if (cohorts[k])
				len += (size_t)snprintf(t->population + len,
				                        sizeof t->population - len, "%s%s",
				                        len ? "," : "", cohort_order[k]);
		snprintf(t->population + len, sizeof t->population - len, " x %u",
		         (unsigned)rq->population);
		t->total =
		    (uint64_t)rq->population * (uint64_t)(cohorts[0] + cohorts[1] + cohorts[2]);
		rq->def.population = t->population;
	} else {
		t->total = rq->def.patient_count;
	}
	*whole = rq->def;
	const shard_spec *sp = &rq->shard.spec;
	const uint64_t mine = shard_item_count(sp, t->total);
	if (mine == 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "%u/%u", sp->index, sp->count);
		bad("shard %s has no patient: the trial has fewer patients than shards", msg);
		return false;
	}
	t->items = g_try_new0(uint64_t, mine);
	t->many = g_try_new0(const patient_params *, mine);
	t->drawn = rq->population ? g_try_new0(population_patient, mine) : NULL;
	if (!t->items || !t->many || (rq->population && !t->drawn)) {
		fprintf(stderr, "fakepump trial: out of memory for %llu patients\n",
		        (unsigned long long)mine);
		*status = CLI_EXIT_RUNTIME;
		return false;
	}
	uint64_t base = 0;
	for (int k = 0; k < 3 && rq->population; k++) {
		if (!cohorts[k])
			continue;
		for (uint32_t i = 0; i < rq->population; i++) {
			if (!shard_owns(sp, base + i))
				continue;
			population_patient *p = &t->drawn[t->count];
			if (population_draw(cohort_order[k], i, rq->def.seed, p) != POPULATION_OK) {
				fprintf(stderr,
				        "fakepump trial: %s patient %u: no plausible draw\n",
				        cohort_order[k], (unsigned)i);
				*status = CLI_EXIT_RUNTIME;
				return false;
			}
			t->items[t->count] = base + i;
			t->many[t->count++] = &p->params;
		}
		base += rq->population;
	}
	for (size_t i = 0; !rq->population && i < rq->def.patient_count; i++)
		if (shard_owns(sp, i)) {
			t->items[t->count] = i;
			t->many[t->count++] = rq->def.patients[i];
		}
	rq->def.many = t->many;
	rq->def.patient_count = t->count;
	return true;
}

/* A whole number lo … hi, nothing else. */
static bool parse_whole(const char *text, unsigned long long lo, unsigned long long hi,
                        unsigned long long *out)
{
	char *end = NULL;
	errno = 0;
	if (!*text || *text == '-' || *text == '+')
		return false;
	const unsigned long long v = strtoull(text, &end, 10);
	if (errno || !end || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int bad(const char *fmt, const char *value)
{
	fputs("fakepump trial: ", stderr);
	fprintf(stderr, fmt, value);
	fputs(" (see 'fakepump trial --help')\n", stderr);
	return CLI_EXIT_BAD_INPUT;
}

enum { GO_ON = -1 };

static int apply_option(trial_request *rq, int c, const char *value)
{
	unsigned long long v;
	switch (c) {
	case 'p':
		rq->patients_spec = value;
		return GO_ON;
	case 'd':
		if (!parse_whole(value, 1, TRIAL_MAX_DAYS, &v))
			return bad("--days: expected a whole number of days, 1 to 3650, got '%s'",
			           value);
		rq->def.days = (int)v;
		rq->days_given = true;
		return GO_ON;
	case 'c': {
		controller_algorithm a;
		if (strcmp(value, "none") == 0)
			rq->def.controller = TRIAL_CONTROLLER_NONE;
		else if (controller_algorithm_from_name(value, &a))
			rq->def.controller = (int)a;
		else
			return bad(
			    "--controller: expected basal-bolus, pid-ifb, oref0 or none, got '%s'",
			    value);
		return GO_ON;
	}
	case 'm':
		if (!meal_plan_kind_from_name(value, &rq->def.meals))
			return bad("--meals: expected standard, variable or unannounced, got '%s'",
			           value);
		return GO_ON;
	case 'g':
		if (!cgm_model_from_name(value, &rq->def.cgm))
			return bad("--cgm: expected ideal, dexcom, guardian or navigator, got '%s'",
			           value);
		rq->def.force_cgm = true;
		return GO_ON;
	case 's':
		if (!parse_whole(value, 0, UINT32_MAX, &v))
			return bad("--seed: expected a whole number 0 to 4294967295, got '%s'",
			           value);
		rq->def.seed = (uint32_t)v;
		return GO_ON;
	case 'j':
		if (!parse_whole(value, 1, 64, &v))
			return bad("-j: expected 1 to 64 threads, got '%s'", value);
		rq->run.threads = (int)v;
		return GO_ON;
	case 'e':
		if (!trial_engine_from_name(value, &rq->run.engine))
			return bad("--engine: expected batch or scalar (or avx512, avx2), got '%s'",
			           value);
		return GO_ON;
	case 'C':
		rq->csv_path = value;
		return GO_ON;
	case 'J':
		rq->json_path = value;
		return GO_ON;
	case 'T':
		rq->run.traces_dir = value;
		return GO_ON;
	case 'D':
		rq->db_path = value;
		return GO_ON;
	case 'n':
		if (!parse_whole(value, 1, TRIAL_MAX_POPULATION / 3, &v))
			return bad(
			    "--population: expected a whole number of patients a cohort, 1 to "
			    "3333333, got '%s'",
			    value);
		rq->population = (uint32_t)v;
		return GO_ON;
	case 'S':
		return cli_shard_parse(&rq->shard, "trial", value) ? GO_ON : CLI_EXIT_BAD_INPUT;
	case 'q':
		rq->quiet = true;
		return GO_ON;
	}
	return GO_ON;
}

/* --traces DIR: an existing folder this process may write into. */
static bool check_traces_dir(const char *dir, char *err, size_t cap)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		snprintf(err, cap, "--traces: %s: %s (create the folder first)", dir,
		         strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, cap, "--traces: %s: not a folder", dir);
		return false;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, cap, "--traces: %s: %s", dir, strerror(errno));
		return false;
	}
	return true;
}

/* Now as ISO-8601 UTC with milliseconds, as the run database writes its times. */
static void utc_now(char *buf, size_t cap)
{
	GDateTime *now = g_date_time_new_now_utc();
	gchar *text = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
	/* %f is microseconds: keep three digits */
	const size_t len = strlen(text);
	if (len > 4)
		snprintf(buf, cap, "%.*sZ", (int)(len - 4), text);
	else
		snprintf(buf, cap, "%s", text);
	g_free(text);
	g_date_time_unref(now);
}

static void show_progress(size_t done, size_t total, void *user_data)
{
	(void)user_data;
	fprintf(stderr, "\rtrial: %zu/%zu patients", done, total);
	if (done == total)
		fputs("\r\033[K", stderr); /* the line goes: the table follows */
	fflush(stderr);
}

/* Write the table to `path` ("-": standard output); false with err. */
static bool write_table(const char *option, const char *path, const trial_plan *plan,
                        const trial_row *rows, size_t n, bool json, char *err, size_t cap)
{
	const bool to_stdout = strcmp(path, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(path, "w");
	if (!f) {
		snprintf(err, cap, "%s: %s: %s", option, path, strerror(errno));
		return false;
	}
	int bad_write =
	    json ? trial_table_json(f, plan, rows, n) : trial_table_csv(f, plan, rows, n);
	if (to_stdout)
		bad_write |= fflush(f);
	else
		bad_write |= fclose(f);
	if (bad_write) {
		snprintf(err, cap, "%s: %s: could not write it all", option, path);
		return false;
	}
	return true;
}

static int run_trial(trial_request *rq, const char *base_path)
{
	char err[1024];
	gchar *text = NULL;
	if (base_path) {
		GError *ge = NULL;
		if (!g_file_get_contents(base_path, &text, NULL, &ge)) {
			fprintf(stderr, "fakepump trial: %s\n", ge->message);
			g_error_free(ge);
			return CLI_EXIT_BAD_INPUT;
		}
		rq->def.base_path = base_path;
		rq->def.base_text = text;
	}
	if (!trial_parse_patients(rq->patients_spec, &rq->def, err, sizeof err)) {
		g_free(text);
		return bad("%s", err);
	}
	const output_path outputs[] = {
	    {"--csv", rq->csv_path, OUTPUT_STREAM},
	    {"--json", rq->json_path, OUTPUT_STREAM},
	    {"--db", rq->db_path, OUTPUT_DATABASE},
	};
	struct stat db_st;
	if (rq->sharded && (!rq->db_path || stat(rq->db_path, &db_st) == 0)) {
		g_free(text);
		return bad("%s", rq->db_path
		                     ? "--db: a shard writes a new database, and this one "
		                       "exists"
		                     : "--shard needs --db FILE: the shard's database, which "
		                       "fakepump merge reads");
	}
	if (!output_check(outputs, sizeof outputs / sizeof outputs[0], err, sizeof err) ||
	    (rq->run.traces_dir && !check_traces_dir(rq->run.traces_dir, err, sizeof err)) ||
	    (rq->csv_path && rq->json_path && strcmp(rq->csv_path, "-") == 0 &&
	     strcmp(rq->json_path, "-") == 0 &&
	     snprintf(err, sizeof err, "--csv and --json cannot both be standard output") > 0)) {
		fprintf(stderr, "fakepump trial: %s\n", err);
		g_free(text);
		return CLI_EXIT_BAD_INPUT;
	}
	trial_items items = {0};
	trial_definition whole;
	int sliced;
	if ((rq->population || rq->sharded) && !slice_trial(rq, &items, &whole, &sliced)) {
		trial_items_free(&items);
		g_free(text);
		return sliced;
	}
	trial_plan *plan = g_new0(trial_plan, 1);
	if (!trial_plan_make(&rq->def, plan, err, sizeof err)) {
		fprintf(stderr, "fakepump trial: %s\n", err);
		g_free(plan);
		trial_items_free(&items);
		g_free(text);
		return CLI_EXIT_BAD_INPUT;
	}
	if (items.many) {
		/* A shard's hash is its whole trial's, with the controller the plan resolved
		 * (without --controller: the base's, else basal-bolus), as the unsharded plan
		 * hashes it: the same definition, the same hash, sharded or not. */
		whole.controller = plan->def.controller;
		trial_definition_hash(&whole, plan->hash);
	}
	agp *figures[3] = {NULL, NULL, NULL};
	for (int k = 0; k < 3 && rq->sharded; k++)
		if (!(figures[k] = agp_new(0))) {
			fprintf(stderr, "fakepump trial: out of memory\n");
			trial_plan_free(plan);
			g_free(plan);
			trial_items_free(&items);
			g_free(text);
			return CLI_EXIT_RUNTIME;
		}
	if (rq->sharded)
		rq->run.figures = figures;
	if (!rq->quiet && isatty(STDERR_FILENO))
		rq->run.progress = show_progress;
	trial_patient_result *results = g_new0(trial_patient_result, plan->def.patient_count);
	trial_row *rows = g_new0(trial_row, plan->def.patient_count + 4);
	int status = CLI_EXIT_OK;
	char started_at[32], ended_at[32];
	utc_now(started_at, sizeof started_at);
	const gint64 t0 = g_get_monotonic_time();
	/* Ctrl-C or SIGTERM stops the trial at the patients' next simulated day (trial.h). */
	stop_request_install();
	const bool ran = trial_run(plan, &rq->run, results, err, sizeof err);
	stop_request_restore();
	if (!ran) {
		const int sig = stop_request_signal();
		if (sig) {
			if (rq->run.traces_dir)
				fprintf(
				    stderr,
				    "fakepump trial: %s: no table written (a trial cut short has "
				    "none); each trace in %s ends where its patient stopped\n",
				    err, rq->run.traces_dir);
			else
				fprintf(
				    stderr,
				    "fakepump trial: %s: no table written (a trial cut short has "
				    "none)\n",
				    err);
			status = 128 + sig;
		} else {
			fprintf(stderr, "fakepump trial: %s\n", err);
			status = CLI_EXIT_RUNTIME;
		}
		goto done;
	}
	const double wall_s = (double)(g_get_monotonic_time() - t0) / 1e6;
	utc_now(ended_at, sizeof ended_at);
	char host[256];
	run_facts_host(host, sizeof host);
	const trial_record_info info = {.run = &rq->run,
	                                .build = run_facts_build(),
	                                .host = host,
	                                .started_at = started_at,
	                                .ended_at = ended_at,
	                                .wall_s = wall_s};
	const size_t n = trial_table_rows(plan, results, rows);
	const bool table_on_stdout = (rq->csv_path && strcmp(rq->csv_path, "-") == 0) ||
	                             (rq->json_path && strcmp(rq->json_path, "-") == 0);
	if (!table_on_stdout)
		trial_table_print(stdout, plan, rows, n);
	if ((rq->csv_path &&
	     !write_table("--csv", rq->csv_path, plan, rows, n, false, err, sizeof err)) ||
	    (rq->json_path &&
	     !write_table("--json", rq->json_path, plan, rows, n, true, err, sizeof err)) ||
	    (rq->db_path && !trial_record_write(rq->db_path, plan, &info, rows, err, sizeof err))) {
		fprintf(stderr, "fakepump trial: %s\n", err);
		status = CLI_EXIT_RUNTIME;
		goto done;
	}
	const trial_shard_out shard_out = {.plan = plan,
	                                   .results = results,
	                                   .items = items.items,
	                                   .item_count = items.total,
	                                   .shard = rq->shard.spec,
	                                   .scheduler = rq->shard.source,
	                                   .build = run_facts_build(),
	                                   .population = rq->population ? items.population : NULL,
	                                   .figures = figures,
	                                   .drawn = items.drawn};
	if (rq->sharded && !trial_shard_write(rq->db_path, &shard_out, err, sizeof err)) {
		fprintf(stderr, "fakepump trial: %s\n", err);
		status = CLI_EXIT_RUNTIME;
		goto done;
	}
	for (size_t i = 0; i < plan->def.patient_count; i++)
		if (results[i].status != TRIAL_OK) {
			fprintf(stderr, "fakepump trial: %s failed at minute %lld: %s\n",
			        results[i].patient->name, (long long)results[i].minutes - 1,
			        results[i].why);
			status = CLI_EXIT_FAILED;
		}
done:
	g_free(results);
	g_free(rows);
	for (int k = 0; k < 3; k++)
		agp_free(figures[k]);
	trial_plan_free(plan);
	g_free(plan);
	trial_items_free(&items);
	g_free(text);
	return status;
}

int cmd_trial(int argc, char **argv)
{
	static const struct option options[] = {
	    {"patients", required_argument, NULL, 'p'},
	    {"days", required_argument, NULL, 'd'},
	    {"controller", required_argument, NULL, 'c'},
	    {"meals", required_argument, NULL, 'm'},
	    {"cgm", required_argument, NULL, 'g'},
	    {"seed", required_argument, NULL, 's'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"engine", required_argument, NULL, 'e'},
	    {"csv", required_argument, NULL, 'C'},
	    {"json", required_argument, NULL, 'J'},
	    {"traces", required_argument, NULL, 'T'},
	    {"db", required_argument, NULL, 'D'},
	    {"population", required_argument, NULL, 'n'},
	    {"shard", required_argument, NULL, 'S'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	trial_request rq = {
	    .def = {.controller = -1, .meals = MEAL_PLAN_STANDARD, .seed = 1},
	    .run = {.engine = TRIAL_ENGINE_BATCH,
	            .threads = cpus < 1    ? 1
	                       : cpus > 64 ? 64
	                                   : (int)cpus},
	    .patients_spec = "all",
	};
	const char *base = NULL, *value;
	cli_args a;
	cli_begin(&a, "trial", argc, argv, "j:qh", options);
	int c;
	while ((c = cli_next(&a, &value)) != CLI_END) {
		if (c == 'h') {
			cli_print_trial_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (c == CLI_MISSING_VALUE)
			return cli_missing_value(&a, "");
		if (c == CLI_UNKNOWN || (c == CLI_OPERAND && base)) {
			cli_note_unexpected(&a, c, value);
			continue;
		}
		if (c == CLI_OPERAND) {
			base = value;
			continue;
		}
		const int st = apply_option(&rq, c, value);
		if (st != GO_ON)
			return st;
	}
	if (cli_unexpected(&a))
		return bad(cli_unexpected(&a)[0] == '-'
		               ? "unknown option '%s'"
		               : "unexpected '%s' (one base scenario at most)",
		           cli_unexpected(&a));
	if (!rq.days_given)
		return bad("%s", "--days N is required (how many days each patient lives)");
	if (!cli_shard_resolve(&rq.shard, "trial", rq.quiet))
		return CLI_EXIT_BAD_INPUT;
	rq.sharded = rq.shard.given || rq.shard.source[0];
	return run_trial(&rq, base);
}
