/*
 * cmd_run — `fakepump run FILE|DIR… [options]` and `fakepump demo [options]`: read the
 * options, check what only the whole command line can tell (an option that needs another,
 * two outputs on standard output), then play one scenario in this process (summary line,
 * expectations) or several through the runner (one process each, a table, JUnit).
 *
 * A new option of run: a row in run_long_options, a case in apply_option, a field in
 * run_options (sim/run.h) if the run needs it, and its line in cli_usage.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "report.h"
#include "run.h"
#include "run_ctl.h"
#include "run_facts.h"
#include "runner.h"

/* The demo scenario (scenarios/demo.yaml), embedded at build time by tools/embed.py. */
extern const char demo_scenario_yaml[];

/* What a command line of run or demo asks for. */
typedef struct run_request {
	const char *cmd; /* "run" or "demo", for messages */
	run_options opt;
	bool speed_given;
	const char *junit;
	long jobs;
	bool verbose;
	const char **files; /* the operands, in order */
	size_t file_count;
} run_request;

/* apply_option and read_command_line: carry on (anything else is the exit status). */
enum { GO_ON = -1 };

static const struct option run_long_options[] = {
    {"speed", required_argument, NULL, 's'},
    {"headless", no_argument, NULL, 'H'},
    {"csv", required_argument, NULL, 'c'},
    {"db", required_argument, NULL, 'd'},
    {"junit", required_argument, NULL, 'J'},
    {"png", required_argument, NULL, 'P'},
    {"jobs", required_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"events", required_argument, NULL, 'E'},
    {"ble", no_argument, NULL, 'B'},
    {"adapter", required_argument, NULL, 'A'},
    {"pair-window", required_argument, NULL, 'W'},
    {"hold", no_argument, NULL, 'O'},
    {"name", required_argument, NULL, 'N'},
    {0, 0, 0, 0},
};

/* --speed: "max" → 0 (unpaced), else a positive real-time multiple. */
static bool parse_speed(const char *text, double *out)
{
	if (strcmp(text, "max") == 0) {
		*out = 0.0;
		return true;
	}
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end != '\0' || !isfinite(v) || v <= 0.0)
		return false;
	*out = v;
	return true;
}

/* --pair-window: a duration of whole seconds ("90s", "2m", "1h"), at most a day. */
static bool parse_pair_window(const char *text, double *out_s)
{
	int64_t seconds;
	if (duration_parse(text, 1, 86400, &seconds) != DURATION_PARSED)
		return false;
	*out_s = (double)seconds;
	return true;
}

/* -j: 1 to 64 processes. */
static bool parse_jobs(const char *text, long *out)
{
	char *end = NULL;
	const long jobs = strtol(text, &end, 10);
	if (!end || *end || jobs < 1 || jobs > 64)
		return false;
	*out = jobs;
	return true;
}

/* Option `c` with its value into the request: GO_ON, or the exit status (said why). */
static int apply_option(run_request *rq, int c, const char *value)
{
	run_options *opt = &rq->opt;
	switch (c) {
	case 's':
		if (!parse_speed(value, &opt->speed)) {
			fprintf(
			    stderr,
			    "fakepump %s: --speed: expected 'max' or a positive number, got '%s'\n",
			    rq->cmd, value);
			return CLI_EXIT_BAD_INPUT;
		}
		rq->speed_given = true;
		return GO_ON;
	case 'W':
		if (!parse_pair_window(value, &opt->pair_window_s)) {
			fprintf(stderr,
			        "fakepump %s: --pair-window: expected a duration like 90s, 2m or "
			        "1h (at "
			        "most 24h), got '%s'\n",
			        rq->cmd, value);
			return CLI_EXIT_BAD_INPUT;
		}
		return GO_ON;
	case 'j':
		if (!parse_jobs(value, &rq->jobs)) {
			fprintf(stderr, "fakepump %s: -j: expected 1 to 64 processes, got '%s'\n",
			        rq->cmd, value);
			return CLI_EXIT_BAD_INPUT;
		}
		return GO_ON;
	case 'E':
		opt->events_path = value;
		return GO_ON;
	case 'B':
		opt->ble = true;
		return GO_ON;
	case 'A':
		opt->adapter = value;
		return GO_ON;
	case 'O':
		opt->hold = true;
		return GO_ON;
	case 'N':
		if (!run_ctl_name_valid(value)) {
			fprintf(stderr,
			        "fakepump %s: --name: expected 1 to 40 letters, digits, '_' or '-' "
			        "(not starting with '-'), got '%s'\n",
			        rq->cmd, value);
			return CLI_EXIT_BAD_INPUT;
		}
		opt->name = value;
		return GO_ON;
	case 'H':
		opt->headless = true;
		return GO_ON;
	case 'c':
		opt->csv_path = value;
		return GO_ON;
	case 'd':
		opt->db_path = value;
		return GO_ON;
	case 'J':
		rq->junit = value;
		return GO_ON;
	case 'P':
		opt->png_path = value;
		return GO_ON;
	case 'v':
		rq->verbose = true;
		return GO_ON;
	case 'q':
		opt->quiet = true;
		return GO_ON;
	case 'h':
		cli_print_usage(stdout);
		return CLI_EXIT_OK;
	default:
		return CLI_EXIT_BAD_INPUT; /* an option in the table without a case: not reached */
	}
}

/* Options into the request, operands into rq->files: GO_ON, or the exit status. */
static int read_command_line(run_request *rq, int argc, char **argv)
{
	cli_args a;
	cli_begin(&a, rq->cmd, argc, argv, "j:vqh", run_long_options);
	const char *value;
	int c;
	while ((c = cli_next(&a, &value)) != CLI_END) {
		if (c == CLI_OPERAND) {
			rq->files[rq->file_count++] = value;
			continue;
		}
		if (c == CLI_MISSING_VALUE)
			return cli_missing_value(&a, NULL);
		if (c == CLI_UNKNOWN) {
			char opt[96];
			fprintf(stderr,
			        "fakepump %s: unknown option '%s' (see 'fakepump --help')\n",
			        rq->cmd, cli_option_text(&a, c, opt, sizeof opt));
			return CLI_EXIT_BAD_INPUT;
		}
		const int status = apply_option(rq, c, value);
		if (status != GO_ON)
			return status;
	}
	return GO_ON;
}

/* What run and demo both refuse, once every option is known: GO_ON or 2 (said why). */
static int check_options_together(run_request *rq)
{
	run_options *opt = &rq->opt;
	if ((opt->adapter || opt->pair_window_s > 0) && !opt->ble) {
		fprintf(stderr, "fakepump %s: --%s goes with --ble\n", rq->cmd,
		        opt->adapter ? "adapter" : "pair-window");
		return CLI_EXIT_BAD_INPUT;
	}
	if (opt->csv_path && opt->events_path && strcmp(opt->csv_path, "-") == 0 &&
	    strcmp(opt->events_path, "-") == 0) {
		fprintf(stderr,
		        "fakepump %s: --csv - and --events - cannot share standard output\n",
		        rq->cmd);
		return CLI_EXIT_BAD_INPUT;
	}
	if (opt->ble && !rq->speed_given)
		opt->speed = 1.0; /* a phone talks in real time */
	return GO_ON;
}

/* One scenario in this process: summary line, expectations, exit status. */
static int run_single(run_options *opt, const char *junit_path, bool verbose)
{
	opt->interactive = true;
	opt->print_summary = true;
	const bool events_on_stdout = opt->events_path && strcmp(opt->events_path, "-") == 0;
	opt->progress = !opt->quiet && isatty(STDOUT_FILENO) && !opt->csv_path && !events_on_stdout;
	opt->junit_path = junit_path;
	run_report rep;
	run_one(opt, &rep);
	char facts_err[600];
	if (!run_facts_record(opt, &rep, facts_err, sizeof facts_err))
		fprintf(stderr,
		        "fakepump: --db: the run's settings and verdicts were not recorded: %s\n",
		        facts_err);
	if (rep.status == RUN_BAD_INPUT || rep.status == RUN_ERROR || rep.status == RUN_INTERRUPTED)
		fprintf(stderr, "%s%s\n",
		        rep.status != RUN_BAD_INPUT ||
		                strncmp(rep.message, rep.path, strlen(rep.path))
		            ? "fakepump: "
		            : "",
		        rep.message);
	FILE *out = (opt->csv_path && strcmp(opt->csv_path, "-") == 0) || events_on_stdout ? stderr
	                                                                                   : stdout;
	if (rep.expectation_count) {
		report_expectations(&rep, !verbose && rep.status != RUN_FAILED, out);
		if (rep.status == RUN_EXPECTED_FAILURE)
			fprintf(out, "  failed as it is meant to: %s\n", rep.expect_failure);
		if (rep.status == RUN_UNEXPECTED_PASS)
			fprintf(out, "  %s\n", rep.message);
	}
	if (rep.checks == 0 && (rep.status == RUN_PASSED || rep.status == RUN_EXPECTED_FAILURE) &&
	    !opt->quiet)
		fprintf(out,
		        "  no checks: the scenario has no expectations (expect:), so it passes "
		        "unless it fails to run\n");
	if (rep.run_id > 0 && !opt->quiet)
		fprintf(out, "  recorded as run %lld in %s\n", (long long)rep.run_id, opt->db_path);
	int status = run_report_exit_code(&rep);
	/* A refused output (rep.outputs_refused) leaves nothing behind: no JUnit either. */
	if (junit_path && !rep.outputs_refused) {
		char err[600];
		if (!report_write_junit(&rep, 1, rep.wall_s, junit_path, err, sizeof err)) {
			fprintf(stderr, "fakepump: %s\n", err);
			status = CLI_EXIT_RUNTIME;
		}
	}
	run_report_free(&rep);
	return status;
}

/* Whether the one operand names one scenario file (not a folder of them). */
static int is_one_file(const char *path, bool *one)
{
	char err[300];
	size_t found = 0;
	char **files = runner_collect(&path, 1, &found, err, sizeof err);
	if (!files) {
		fprintf(stderr, "fakepump run: %s\n", err);
		return CLI_EXIT_BAD_INPUT;
	}
	*one = found == 1 && strcmp(files[0], path) == 0;
	runner_free_paths(files, found);
	return GO_ON;
}

/* Several scenarios (or a folder): one process each through the runner. */
static int run_many(run_request *rq)
{
	const run_options *opt = &rq->opt;
	if (opt->csv_path) {
		fprintf(stderr, "fakepump run: --csv takes one scenario FILE; record several with "
		                "--db and export them one by one\n");
		return CLI_EXIT_BAD_INPUT;
	}
	if (opt->ble || opt->hold || opt->events_path || opt->name) {
		fprintf(stderr, "fakepump run: --%s goes with one scenario FILE\n",
		        opt->ble    ? "ble"
		        : opt->hold ? "hold"
		        : opt->name ? "name"
		                    : "events");
		return CLI_EXIT_BAD_INPUT;
	}
	if (opt->speed > 0.0 || opt->png_path) {
		fprintf(stderr, "fakepump run: --%s goes with one scenario FILE\n",
		        opt->png_path ? "png" : "speed");
		return CLI_EXIT_BAD_INPUT;
	}
	runner_options ro = {.run = *opt,
	                     .paths = rq->files,
	                     .path_count = rq->file_count,
	                     .jobs = (int)rq->jobs,
	                     .junit_path = rq->junit,
	                     .verbose = rq->verbose};
	return runner_run(&ro);
}

/* The demo: the embedded scenario, its window kept open until q. */
static int run_demo(run_request *rq, const char *yaml)
{
	if (rq->file_count > 0) {
		fprintf(stderr, "fakepump demo: takes no FILE (got '%s')\n", rq->files[0]);
		return CLI_EXIT_BAD_INPUT;
	}
	rq->opt.scenario_path = "demo.yaml (embedded)";
	rq->opt.scenario_text = yaml;
	rq->opt.keep_window = true; /* the window is the demo's point (not with --png) */
	return run_single(&rq->opt, rq->junit, rq->verbose);
}

/* The operands: one scenario file here, anything else through the runner. */
static int run_files(run_request *rq)
{
	if (rq->file_count == 0) {
		fprintf(stderr, "fakepump run: missing scenario FILE (see 'fakepump --help')\n");
		return CLI_EXIT_BAD_INPUT;
	}
	bool single = false;
	if (rq->file_count == 1) {
		const int status = is_one_file(rq->files[0], &single);
		if (status != GO_ON)
			return status;
	}
	if (!single)
		return run_many(rq);
	rq->opt.scenario_path = rq->files[0];
	return run_single(&rq->opt, rq->junit, rq->verbose);
}

/* `run` or, with `embedded` (the demo's YAML), `demo`. */
static int run_command(const char *cmd, int argc, char **argv, const char *embedded)
{
	run_request rq = {.cmd = cmd, .jobs = 1};
	rq.files = calloc((size_t)argc, sizeof *rq.files);
	if (!rq.files) {
		fprintf(stderr, "fakepump %s: out of memory\n", cmd);
		return CLI_EXIT_RUNTIME;
	}
	int status = read_command_line(&rq, argc, argv);
	if (status == GO_ON)
		status = check_options_together(&rq);
	if (status == GO_ON)
		status = embedded ? run_demo(&rq, embedded) : run_files(&rq);
	free(rq.files);
	return status;
}

int cmd_run(int argc, char **argv)
{
	return run_command("run", argc, argv, NULL);
}

int cmd_demo(int argc, char **argv)
{
	return run_command("demo", argc, argv, demo_scenario_yaml);
}
