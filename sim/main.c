/*
 * fakepump — command-line entry point: parses the command and its options and hands over
 * to run (one scenario), runner (several), or the database readers.
 *
 * Exit status: 0 success (every expectation met), 1 an expectation failed, 2 bad input
 * (command line, scenario or an output path), 3 runtime error, 128 + signal when a run was
 * interrupted (130 SIGINT or the window's q, 143 SIGTERM).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bluez_gateway.h"
#include "clock.h"
#include "output_check.h"
#include "patient_model.h"
#include "recorder.h"
#include "recorder_read.h"
#include "report.h"
#include "run.h"
#include "runner.h"
#include "trace.h"
#include "viewer_plugin.h"

#ifndef FAKEPUMP_VERSION
#define FAKEPUMP_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_BAD_INPUT = 2, EXIT_RUNTIME = 3 };

#define DEFAULT_DB "fakepump.db"

static const char usage_text[] =
	"Usage: fakepump COMMAND [OPTIONS]\n"
	"\n"
	"FakePump HIL: a hardware-in-the-loop simulator of a BLE insulin pump and the\n"
	"UVA/Padova T1DM patient it treats.\n"
	"\n"
	"Commands:\n"
	"  run FILE|DIR... [options]  play scenarios; one FILE prints its summary and\n"
	"                             expectations, several (or a directory, searched for\n"
	"                             *.yaml) run as separate processes with a summary table\n"
	"  demo [options]             run the built-in demo day (scenarios/demo.yaml)\n"
	"  runs [--db FILE]           list the runs recorded in a database\n"
	"  export RUN_ID --csv OUT [--db FILE]\n"
	"                             write one recorded run as the trace CSV\n"
	"  plot RUN_ID --png OUT [--db FILE]\n"
	"                             draw one recorded run as a PNG picture\n"
	"  patients                   list the 30 virtual patients\n"
	"  bonds [--adapter hciN] [--remove ADDRESS|all]\n"
	"                             list (or remove) the phones bonded with the adapter\n"
	"  help, --help               show this help\n"
	"  version, --version         show the version\n"
	"\n"
	"Options of run and demo:\n"
	"  --speed max|N   max: as fast as possible (default); N: N times real time\n"
	"                  (1 = real time, 60 = one simulated hour a minute)\n"
	"  --headless      no window, even when a display is there (a window opens only\n"
	"                  for one FILE and closes when the scenario ends, unless --hold;\n"
	"                  demo keeps it until q; keys: space pause, +/- speed, arrows pan,\n"
	"                  z zoom, s screenshot, a acknowledge, p pair (with --ble), q stop)\n"
	"  --png OUT       draw the whole run's traces to OUT at the end (no display needed;\n"
	"                  never waits for a person)\n"
	"  --csv OUT       write the per-minute trace to OUT ('-' = stdout); one FILE only\n"
	"  --db FILE       record the run (samples, events, summary) in an SQLite database\n"
	"  --junit OUT     write JUnit XML: one testcase per scenario\n"
	"  -j, --jobs N    run N scenarios at a time (default 1)\n"
	"  -v, --verbose   show every expectation, not only the failed ones\n"
	"  -q, --quiet     no progress line and no notices\n"
	"  --events FILE   write the run's events as JSON Lines to FILE ('-' = stdout),\n"
	"                  one flushed line each: commands, refusals, annunciations, CGM,\n"
	"                  pairing passkey, connections (docs/events.md)\n"
	"\n"
	"On the air (one FILE, Linux with BlueZ 5.66 or later; see README 'Pairing a phone'):\n"
	"  --ble           advertise the pump through bluetoothd (GATT IDS/CGMS/DIS/BAS/CTS);\n"
	"                  real time unless --speed is given; without an adapter or\n"
	"                  bluetoothd one line is printed and the run goes on without it\n"
	"  --adapter hciN  the adapter to use (default: the first powered one)\n"
	"  --pair-window DURATION\n"
	"                  allow pairing for DURATION of wall-clock time from the start\n"
	"                  (90s, 2m, 1h; default: closed, bonded phones only); the passkey\n"
	"                  to type on the phone is printed, shown on the pump's screen and\n"
	"                  sent to --events. The window's p key and a scenario's\n"
	"                  pairing_window event open it too (p: for DURATION, else 2m).\n"
	"                  Three passkeys without a bond close it early; each new bond\n"
	"                  raises the pump's new_bond annunciation\n"
	"  --hold          keep serving (and the window open) after the scenario's end\n"
	"                  until q, Ctrl-C or SIGTERM\n"
	"\n"
	"Every output is checked before the first simulated minute. Ctrl-C, SIGTERM or q in\n"
	"the window stop the run at the next minute and finish every output up to there,\n"
	"marked interrupted (expectations are not judged); a second Ctrl-C quits at once.\n"
	"\n"
	"Exit status: 0 every expectation met, 1 an expectation failed, 2 bad input (the\n"
	"message names file:line:column, or the output and its path), 3 runtime error, 130\n"
	"interrupted by Ctrl-C or q, 143 by SIGTERM. The database defaults to\n"
	"./" DEFAULT_DB " for runs and export. Formats: docs/scenarios.md (scenarios),\n"
	"docs/database.md (database), README.md (CSV), docs/events.md (--events).\n";

static void print_usage(FILE *out)
{
	fputs(usage_text, out);
}

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
static bool parse_duration(const char *text, double *out_s)
{
	int64_t seconds;
	if (duration_parse(text, 1, 86400, &seconds) != DURATION_PARSED)
		return false;
	*out_s = (double)seconds;
	return true;
}

/* The demo scenario (scenarios/demo.yaml), embedded at build time by tools/embed.py. */
extern const char demo_scenario_yaml[];
extern const unsigned long demo_scenario_yaml_len;

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
	if (rep.status == RUN_BAD_INPUT || rep.status == RUN_ERROR || rep.status == RUN_INTERRUPTED)
		fprintf(stderr, "%s%s\n",
		        rep.status != RUN_BAD_INPUT || strncmp(rep.message, rep.path, strlen(rep.path))
		                ? "fakepump: "
		                : "",
		        rep.message);
	FILE *out = (opt->csv_path && strcmp(opt->csv_path, "-") == 0) || events_on_stdout
	                    ? stderr
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
		fprintf(out, "  no checks: the scenario has no expectations (expect:), so it passes "
		             "unless it fails to run\n");
	if (rep.run_id > 0 && !opt->quiet)
		fprintf(out, "  recorded as run %lld in %s\n", (long long)rep.run_id, opt->db_path);
	int status = run_report_exit_code(&rep);
	/* A refused output (rep.outputs_refused) leaves nothing behind: no JUnit either. */
	if (junit_path && !rep.outputs_refused) {
		char err[600];
		if (!report_write_junit(&rep, 1, rep.wall_s, junit_path, err, sizeof err)) {
			fprintf(stderr, "fakepump: %s\n", err);
			status = EXIT_RUNTIME;
		}
	}
	run_report_free(&rep);
	return status;
}

/* `run FILE… [options]`, or `demo [options]` when `embedded` is given. */
static int cmd_run(int argc, char **argv, const char *embedded)
{
	static const struct option long_options[] = {
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
		{0, 0, 0, 0},
	};
	const char *cmd = embedded ? "demo" : "run";
	bool speed_given = false;
	run_options opt = {0};
	const char *junit = NULL;
	long jobs = 1;
	bool verbose = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":j:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_speed(optarg, &opt.speed)) {
				fprintf(stderr,
				        "fakepump %s: --speed: expected 'max' or a positive number, "
				        "got '%s'\n",
				        cmd, optarg);
				return EXIT_BAD_INPUT;
			}
			speed_given = true;
			break;
		case 'E':
			opt.events_path = optarg;
			break;
		case 'B':
			opt.ble = true;
			break;
		case 'A':
			opt.adapter = optarg;
			break;
		case 'W':
			if (!parse_duration(optarg, &opt.pair_window_s)) {
				fprintf(stderr,
				        "fakepump %s: --pair-window: expected a duration like 90s, 2m or "
				        "1h (at most 24h), got '%s'\n",
				        cmd, optarg);
				return EXIT_BAD_INPUT;
			}
			break;
		case 'O':
			opt.hold = true;
			break;
		case 'H':
			opt.headless = true;
			break;
		case 'c':
			opt.csv_path = optarg;
			break;
		case 'd':
			opt.db_path = optarg;
			break;
		case 'J':
			junit = optarg;
			break;
		case 'P':
			opt.png_path = optarg;
			break;
		case 'j': {
			char *end = NULL;
			jobs = strtol(optarg, &end, 10);
			if (!end || *end || jobs < 1 || jobs > 64) {
				fprintf(stderr, "fakepump %s: -j: expected 1 to 64 processes, got '%s'\n",
				        cmd, optarg);
				return EXIT_BAD_INPUT;
			}
			break;
		}
		case 'v':
			verbose = true;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "fakepump %s: option '%s' needs a value\n", cmd, argv[optind - 1]);
			return EXIT_BAD_INPUT;
		default:
			fprintf(stderr, "fakepump %s: unknown option '%s' (see 'fakepump --help')\n", cmd,
			        argv[optind - 1]);
			return EXIT_BAD_INPUT;
		}
	}
	if ((opt.adapter || opt.pair_window_s > 0) && !opt.ble) {
		fprintf(stderr, "fakepump %s: --%s goes with --ble\n", cmd,
		        opt.adapter ? "adapter" : "pair-window");
		return EXIT_BAD_INPUT;
	}
	if (opt.csv_path && opt.events_path && strcmp(opt.csv_path, "-") == 0 &&
	    strcmp(opt.events_path, "-") == 0) {
		fprintf(stderr, "fakepump %s: --csv - and --events - cannot share standard output\n",
		        cmd);
		return EXIT_BAD_INPUT;
	}
	if (opt.ble && !speed_given)
		opt.speed = 1.0; /* a phone talks in real time */
	if (embedded) {
		if (optind < argc) {
			fprintf(stderr, "fakepump demo: takes no FILE (got '%s')\n", argv[optind]);
			return EXIT_BAD_INPUT;
		}
		opt.scenario_path = "demo.yaml (embedded)";
		opt.scenario_text = embedded;
		opt.keep_window = true; /* the window is the demo's point (not with --png) */
		return run_single(&opt, junit, verbose);
	}
	if (optind >= argc) {
		fprintf(stderr, "fakepump run: missing scenario FILE (see 'fakepump --help')\n");
		return EXIT_BAD_INPUT;
	}
	const size_t n = (size_t)(argc - optind);
	bool single = n == 1;
	if (single) {
		char err[300];
		size_t found = 0;
		char **files = runner_collect((const char *const *)&argv[optind], 1, &found, err,
		                              sizeof err);
		if (!files) {
			fprintf(stderr, "fakepump run: %s\n", err);
			return EXIT_BAD_INPUT;
		}
		single = found == 1 && strcmp(files[0], argv[optind]) == 0;
		runner_free_paths(files, found);
	}
	if (single) {
		opt.scenario_path = argv[optind];
		return run_single(&opt, junit, verbose);
	}
	if (opt.csv_path) {
		fprintf(stderr, "fakepump run: --csv takes one scenario FILE; record several with "
		                "--db and export them one by one\n");
		return EXIT_BAD_INPUT;
	}
	if (opt.ble || opt.hold || opt.events_path) {
		fprintf(stderr, "fakepump run: --%s goes with one scenario FILE\n",
		        opt.ble ? "ble" : opt.hold ? "hold" : "events");
		return EXIT_BAD_INPUT;
	}
	if (opt.speed > 0.0 || opt.png_path) {
		fprintf(stderr, "fakepump run: --%s goes with one scenario FILE\n",
		        opt.png_path ? "png" : "speed");
		return EXIT_BAD_INPUT;
	}
	runner_options ro = {.run = opt,
	                     .paths = (const char *const *)&argv[optind],
	                     .path_count = n,
	                     .jobs = (int)jobs,
	                     .junit_path = junit,
	                     .verbose = verbose};
	return runner_run(&ro);
}

/* --db FILE for runs, export and plot; NULL (with the message printed) when --db is last. */
static const char *db_option(const char *cmd, int argc, char **argv, int *consumed_to)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fakepump %s: option '--db' needs a value (a database file)\n",
				        cmd);
				return NULL;
			}
			*consumed_to = i;
			return argv[i + 1];
		}
	*consumed_to = -1;
	return DEFAULT_DB;
}

/* An output of export or plot, checked before anything is read or written (exit 2). */
static bool output_ok(const char *cmd, const char *option, const char *path, output_kind kind)
{
	const output_path o = {option, path, kind};
	char err[600];
	if (output_check(&o, 1, err, sizeof err))
		return true;
	fprintf(stderr, "fakepump %s: %s\n", cmd, err);
	return false;
}

static int cmd_runs(int argc, char **argv)
{
	int at;
	const char *db = db_option("runs", argc, argv, &at);
	if (!db)
		return EXIT_BAD_INPUT;
	for (int i = 1; i < argc; i++)
		if (i != at && i != at + 1) {
			fprintf(stderr, "fakepump runs: unexpected '%s' (usage: fakepump runs [--db "
			                "FILE])\n",
			        argv[i]);
			return EXIT_BAD_INPUT;
		}
	if (access(db, F_OK) != 0) {
		fprintf(stderr, "fakepump runs: %s: no such database (record runs with 'fakepump run "
		                "FILE --db %s')\n",
		        db, db);
		return EXIT_BAD_INPUT;
	}
	char err[600];
	if (recorder_list_runs(db, stdout, err, sizeof err) < 0) {
		fprintf(stderr, "fakepump runs: %s\n", err);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
	int at;
	const char *db = db_option("export", argc, argv, &at);
	if (!db)
		return EXIT_BAD_INPUT;
	const char *csv = NULL, *id_text = NULL;
	for (int i = 1; i < argc; i++) {
		if (i == at || i == at + 1)
			continue;
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
			csv = argv[++i];
		} else if (!id_text && argv[i][0] != '-') {
			id_text = argv[i];
		} else {
			fprintf(stderr, "fakepump export: unexpected '%s' (usage: fakepump export RUN_ID "
			                "--csv OUT [--db FILE])\n",
			        argv[i]);
			return EXIT_BAD_INPUT;
		}
	}
	char *end = NULL;
	long long id = id_text ? strtoll(id_text, &end, 10) : 0;
	if (!id_text || !end || *end || id < 1 || !csv) {
		fprintf(stderr, "fakepump export: usage: fakepump export RUN_ID --csv OUT [--db FILE]\n");
		return EXIT_BAD_INPUT;
	}
	if (access(db, F_OK) != 0) {
		fprintf(stderr, "fakepump export: %s: no such database\n", db);
		return EXIT_BAD_INPUT;
	}
	if (!output_ok("export", "--csv", csv, OUTPUT_STREAM))
		return EXIT_BAD_INPUT;
	char err[600];
	const int64_t samples = recorder_run_sample_count(db, id, err, sizeof err);
	if (samples < 0) {
		fprintf(stderr, "fakepump export: %s\n", err);
		return strstr(err, "no run") ? EXIT_BAD_INPUT : EXIT_RUNTIME;
	}
	if (samples == 0) {
		/* a header alone would pass for a run that ended before it began */
		fprintf(stderr, "fakepump export: run %lld has no samples (see 'fakepump runs --db %s')\n",
		        id, db);
		return EXIT_BAD_INPUT;
	}
	FILE *out = strcmp(csv, "-") == 0 ? stdout : fopen(csv, "w");
	if (!out) {
		fprintf(stderr, "fakepump export: cannot write %s: %s\n", csv, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	int rows = recorder_export_csv(db, id, out, err, sizeof err);
	if (out != stdout && fclose(out) != 0 && rows >= 0) {
		fprintf(stderr, "fakepump export: cannot write %s: %s\n", csv, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (rows < 0) {
		fprintf(stderr, "fakepump export: %s\n", err);
		if (out != stdout)
			remove(csv);
		return strstr(err, "no run") ? EXIT_BAD_INPUT : EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* A recorded run back into a trace, for `plot`. */
typedef struct replay {
	trace *t;
	int start_min_of_day;
} replay;

static void replay_sample(const recorder_sample *s, void *user_data)
{
	replay *r = user_data;
	int64_t day;
	int min_of_day;
	clock_split(s->t_min + r->start_min_of_day, &day, &min_of_day);
	engine_row row = {
		.t_min = s->t_min,
		.day = (int)day,
		.min_of_day = min_of_day,
		.bg_mgdl = s->bg_mgdl,
		.gsub_mgdl = s->gsub_mgdl,
		.has_cgm = !isnan(s->cgm_mgdl),
		.cgm_mgdl = s->cgm_mgdl,
		.meal_announced_g = s->meal_announced_g,
		.cho_g_per_min = s->cho_g_per_min,
		.basal_u_per_min = s->basal_u_per_min,
		.bolus_u_per_min = s->bolus_u,
		.insulin_u_per_min = s->insulin_u_per_min,
		.basal_u_per_h = s->basal_u_per_h,
		.iob_u = s->iob_u,
		.reservoir_u = s->reservoir_u,
		.battery_pct = s->battery_pct,
		.therapy_state = s->therapy_state,
		.annunciation = s->annunciation,
	};
	trace_append_row(r->t, &row);
	if (row.meal_announced_g > 0)
		trace_add_meal(r->t, row.t_min, row.meal_announced_g);
}

static void replay_event(const recorder_event *e, void *user_data)
{
	replay *r = user_data;
	if (!e->type)
		return;
	if (strcmp(e->type, "bolus_started") == 0) {
		trace_add_bolus(r->t, e->t_min, e->value);
	} else if (strcmp(e->type, "annunciation") == 0 && e->result &&
	           strcmp(e->result, "raised") == 0) {
		pump_annunciation_type type;
		if (pump_annunciation_from_name(e->name, &type))
			trace_add_annunciation(r->t, e->t_min, (int)type, e->name);
	} else if (strcmp(e->type, "fault") == 0) {
		pump_fault f;
		if (pump_fault_from_name(e->name, &f))
			trace_add_fault(r->t, e->t_min, (int)f, e->name);
	}
}

static int cmd_plot(int argc, char **argv)
{
	int at;
	const char *db = db_option("plot", argc, argv, &at);
	if (!db)
		return EXIT_BAD_INPUT;
	const char *png = NULL, *id_text = NULL;
	for (int i = 1; i < argc; i++) {
		if (i == at || i == at + 1)
			continue;
		if (strcmp(argv[i], "--png") == 0 && i + 1 < argc) {
			png = argv[++i];
		} else if (!id_text && argv[i][0] != '-') {
			id_text = argv[i];
		} else {
			fprintf(stderr, "fakepump plot: unexpected '%s' (usage: fakepump plot RUN_ID "
			                "--png OUT [--db FILE])\n",
			        argv[i]);
			return EXIT_BAD_INPUT;
		}
	}
	char *end = NULL;
	long long id = id_text ? strtoll(id_text, &end, 10) : 0;
	if (!id_text || !end || *end || id < 1 || !png) {
		fprintf(stderr, "fakepump plot: usage: fakepump plot RUN_ID --png OUT [--db FILE]\n");
		return EXIT_BAD_INPUT;
	}
	if (access(db, F_OK) != 0) {
		fprintf(stderr, "fakepump plot: %s: no such database\n", db);
		return EXIT_BAD_INPUT;
	}
	if (!output_ok("plot", "--png", png, OUTPUT_FILE))
		return EXIT_BAD_INPUT;
	replay r = {.t = trace_new()};
	char name[128], patient_name[128], err[600], title[300];
	int64_t rows = r.t ? recorder_read_run(db, id, &r.start_min_of_day, name, patient_name,
	                                       replay_sample, replay_event, &r, err, sizeof err)
	                   : -1;
	int status = EXIT_OK;
	int64_t first, last;
	if (rows < 0) {
		fprintf(stderr, "fakepump plot: %s\n", r.t ? err : "out of memory");
		status = strstr(err, "no run") ? EXIT_BAD_INPUT : EXIT_RUNTIME;
	} else if (!trace_time_span(r.t, &first, &last)) {
		fprintf(stderr, "fakepump plot: run %lld has no samples\n", id);
		status = EXIT_BAD_INPUT;
	} else {
		snprintf(title, sizeof title, "%s · %s (run %lld)", name, patient_name, id);
		const viewer_api *ui = viewer_api_get(err, sizeof err);
		if (!ui || !ui->write_png(r.t, first, last + 1, 1600, 900, title, png, err,
		                          sizeof err)) {
			fprintf(stderr, "fakepump plot: %s\n", err);
			status = EXIT_RUNTIME;
		}
	}
	trace_free(r.t);
	return status;
}

/* Six two-digit hexadecimal bytes separated by colons: AA:BB:CC:DD:EE:FF. */
static bool is_bt_address(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* `bonds [--adapter hciN] [--remove ADDRESS|all]`: Adapter1.RemoveDevice through BlueZ. */
static int cmd_bonds(int argc, char **argv)
{
	const char *adapter = NULL, *remove = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--adapter") == 0 && i + 1 < argc) {
			adapter = argv[++i];
		} else if (strcmp(argv[i], "--remove") == 0 && i + 1 < argc) {
			remove = argv[++i];
		} else {
			fprintf(stderr, "fakepump bonds: unexpected '%s' (usage: fakepump bonds "
			                "[--adapter hciN] [--remove ADDRESS|all])\n",
			        argv[i]);
			return EXIT_BAD_INPUT;
		}
	}
	if (remove && strcmp(remove, "all") != 0 && !is_bt_address(remove)) {
		fprintf(stderr, "fakepump bonds: --remove: expected a Bluetooth address such as "
		                "AA:BB:CC:DD:EE:FF, or all, got '%s'\n",
		        remove);
		return EXIT_BAD_INPUT;
	}
	GError *err = NULL;
	int n = remove ? bluez_bonds_remove(adapter, remove, stdout, &err)
	               : bluez_bonds_list(adapter, stdout, &err);
	if (n < 0) {
		fprintf(stderr, "fakepump bonds: %s\n", err ? err->message : "failed");
		const bool not_found = err && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
		g_clear_error(&err);
		return not_found ? EXIT_BAD_INPUT : EXIT_RUNTIME;
	}
	if (remove && strcmp(remove, "all") == 0 && n == 0)
		printf("no bonds to remove\n");
	return EXIT_OK;
}

static int cmd_patients(void)
{
	printf("%-15s %8s %10s %8s %8s %7s\n", "patient", "BW kg", "basal U/h", "CR g/U",
	       "CF mg/dL", "Gb");
	for (size_t i = 0; i < patient_params_count(); i++) {
		const patient_params *p = patient_params_at(i);
		printf("%-15s %8.2f %10.4f %8.0f %8.1f %7.1f\n", p->name, p->BW,
		       patient_basal_u_per_min(p) * 60.0, p->carb_ratio_g_per_u,
		       p->correction_factor_mgdl_per_u, p->x0[PATIENT_GP_MG_PER_KG] / p->Vg);
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("fakepump %s\n", FAKEPUMP_VERSION);
		return EXIT_OK;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1, NULL);
	if (strcmp(cmd, "demo") == 0)
		return cmd_run(argc - 1, argv + 1, demo_scenario_yaml);
	if (strcmp(cmd, "runs") == 0)
		return cmd_runs(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(cmd, "plot") == 0)
		return cmd_plot(argc - 1, argv + 1);
	if (strcmp(cmd, "patients") == 0) {
		if (argc > 2) {
			fprintf(stderr, "fakepump patients: takes no arguments (got '%s')\n", argv[2]);
			return EXIT_BAD_INPUT;
		}
		return cmd_patients();
	}
	if (strcmp(cmd, "bonds") == 0)
		return cmd_bonds(argc - 1, argv + 1);
	fprintf(stderr, "fakepump: unknown command '%s' (see 'fakepump --help')\n", cmd);
	return EXIT_BAD_INPUT;
}
