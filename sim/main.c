/*
 * fakepump — command-line entry point: parses the command and its options, and runs it.
 *
 * Exit status: 0 success, 2 bad input (command line or scenario), 3 runtime error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv_writer.h"
#include "engine.h"
#include "scenario.h"
#include "summary.h"

#ifndef FAKEPUMP_VERSION
#define FAKEPUMP_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_BAD_INPUT = 2, EXIT_RUNTIME = 3 };

static const char usage_text[] =
	"Usage: fakepump COMMAND [OPTIONS]\n"
	"\n"
	"FakePump HIL: a hardware-in-the-loop simulator of a BLE insulin pump and the\n"
	"UVA/Padova T1DM patient it treats.\n"
	"\n"
	"Commands:\n"
	"  run FILE [options]   play a YAML scenario and print a one-line summary\n"
	"  demo [options]       run the built-in demo day (scenarios/demo.yaml); takes the\n"
	"                       options of run\n"
	"  patients             list the 30 virtual patients and their basal / carb ratio\n"
	"  help                 show this help\n"
	"  version              show the version\n"
	"\n"
	"Options of run:\n"
	"  --speed max|N        max: as fast as possible (default); N: N times real time\n"
	"                       (1 = real time, 60 = one simulated hour a minute)\n"
	"  --headless           no window (this build has no viewer yet: always headless)\n"
	"  --csv OUT            write the per-minute trace to OUT ('-' = stdout)\n"
	"  -q, --quiet          no progress line and no notices, only the summary\n"
	"\n"
	"Exit status: 0 done, 2 bad input (the message names file:line:column), 3 runtime error.\n"
	"The scenario format is documented in docs/scenarios.md; the CSV columns in README.md.\n";

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

static double monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_until(double when_s)
{
	struct timespec ts = {.tv_sec = (time_t)when_s,
	                      .tv_nsec = (long)((when_s - floor(when_s)) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The demo scenario (scenarios/demo.yaml), embedded at build time by tools/embed.py. */
extern const char demo_scenario_yaml[];
extern const unsigned long demo_scenario_yaml_len;

typedef struct run_options {
	const char *scenario_path;
	const char *scenario_text; /* when set, load this instead of reading scenario_path */
	double speed;       /* 0 = max */
	bool headless;
	bool quiet;
	const char *csv_path;
} run_options;

/* One line about why there is no window. */
static void announce_headless(const run_options *opt)
{
	if (opt->quiet || opt->headless)
		return;
	const char *display = getenv("DISPLAY");
	const char *wayland = getenv("WAYLAND_DISPLAY");
	if ((!display || !*display) && (!wayland || !*wayland))
		fprintf(stderr, "fakepump: headless: no display (DISPLAY is not set)\n");
	else
		fprintf(stderr, "fakepump: headless: this build has no viewer yet\n");
}

static int run_scenario(const run_options *opt)
{
	scenario sc = {0};
	scenario_error err;
	bool loaded = opt->scenario_text
	                      ? scenario_load_string(opt->scenario_text, strlen(opt->scenario_text),
	                                             opt->scenario_path, &sc, &err)
	                      : scenario_load_file(opt->scenario_path, &sc, &err);
	if (!loaded) {
		fprintf(stderr, "%s\n", err.message);
		return EXIT_BAD_INPUT;
	}

	FILE *csv = NULL;
	if (opt->csv_path) {
		csv = strcmp(opt->csv_path, "-") == 0 ? stdout : fopen(opt->csv_path, "w");
		if (!csv) {
			fprintf(stderr, "fakepump: cannot write %s: %s\n", opt->csv_path,
			        strerror(errno));
			scenario_free(&sc);
			return EXIT_BAD_INPUT;
		}
	}

	engine *e = engine_new(&sc);
	if (!e) {
		fprintf(stderr, "fakepump: %s: cannot set up the run (out of memory?)\n",
		        opt->scenario_path);
		if (csv && csv != stdout)
			fclose(csv);
		scenario_free(&sc);
		return EXIT_RUNTIME;
	}
	engine_set_detailed_rows(e, csv != NULL);
	announce_headless(opt);

	/* Progress only where a person watches: stderr is a terminal and the run is long. */
	const bool show_progress = !opt->quiet && isatty(STDERR_FILENO);
	const double start_s = monotonic_s();
	double next_progress_s = start_s + 0.5;
	bool progress_shown = false;

	summary sum;
	summary_init(&sum);
	if (csv)
		csv_write_header(csv);

	int status = EXIT_OK;
	engine_row row;
	for (;;) {
		engine_status st = engine_next(e, &row);
		if (st == ENGINE_FAILED) {
			fprintf(stderr, "fakepump: %s: t = %" PRId64 " min: %s\n", opt->scenario_path,
			        row.t_min, engine_error(e));
			status = EXIT_RUNTIME;
			break;
		}
		if (st == ENGINE_DONE)
			break;
		summary_add(&sum, &row, st == ENGINE_ROW);
		if (csv)
			csv_write_row(csv, &row);
		if (st == ENGINE_LAST_ROW)
			break;
		if (opt->speed > 0.0)
			sleep_until(start_s + (double)(row.t_min + 1) * 60.0 / opt->speed);
		if (show_progress && (row.t_min % 1440 == 0 || opt->speed > 0.0)) {
			double now = monotonic_s();
			if (now >= next_progress_s) {
				fprintf(stderr, "\r  day %d of %.0f (%.0f%%) ", row.day,
				        ceil((double)sc.duration_min / 1440.0),
				        100.0 * (double)row.t_min / (double)sc.duration_min);
				progress_shown = true;
				next_progress_s = now + 0.5;
			}
		}
	}
	if (progress_shown)
		fprintf(stderr, "\r%40s\r", "");

	if (csv && csv != stdout && fclose(csv) != 0) {
		fprintf(stderr, "fakepump: cannot write %s: %s\n", opt->csv_path, strerror(errno));
		status = EXIT_RUNTIME;
	} else if (csv == stdout) {
		fflush(stdout);
	}
	if (status == EXIT_OK) {
		/* The summary goes to stdout unless the trace does. */
		FILE *out = csv == stdout ? stderr : stdout;
		summary_print_line(&sum, sc.name, sc.patient->name, out);
		fputc('\n', out);
	}
	engine_free(e);
	scenario_free(&sc);
	return status;
}

/* `run FILE [options]`, or `demo [options]` when `embedded` is given. */
static int cmd_run(int argc, char **argv, const char *embedded)
{
	static const struct option long_options[] = {
		{"speed", required_argument, NULL, 's'},
		{"headless", no_argument, NULL, 'H'},
		{"csv", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	run_options opt = {0};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":qh", long_options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_speed(optarg, &opt.speed)) {
				fprintf(stderr,
				        "fakepump run: --speed: expected 'max' or a positive number, "
				        "got '%s'\n",
				        optarg);
				return EXIT_BAD_INPUT;
			}
			break;
		case 'H':
			opt.headless = true;
			break;
		case 'c':
			opt.csv_path = optarg;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "fakepump run: option '%s' needs a value\n", argv[optind - 1]);
			return EXIT_BAD_INPUT;
		default:
			fprintf(stderr, "fakepump run: unknown option '%s' (see 'fakepump --help')\n",
			        argv[optind - 1]);
			return EXIT_BAD_INPUT;
		}
	}
	if (embedded) {
		if (optind < argc) {
			fprintf(stderr, "fakepump demo: takes no FILE (got '%s')\n", argv[optind]);
			return EXIT_BAD_INPUT;
		}
		opt.scenario_path = "demo.yaml (embedded)";
		opt.scenario_text = embedded;
		return run_scenario(&opt);
	}
	if (optind >= argc) {
		fprintf(stderr, "fakepump run: missing scenario FILE (see 'fakepump --help')\n");
		return EXIT_BAD_INPUT;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "fakepump run: one scenario FILE at a time (got '%s' too)\n",
		        argv[optind + 1]);
		return EXIT_BAD_INPUT;
	}
	opt.scenario_path = argv[optind];
	return run_scenario(&opt);
}

static int cmd_patients(void)
{
	printf("%-15s %8s %10s %8s %8s %7s\n", "patient", "BW kg", "basal U/h", "CR g/U",
	       "CF mg/dL", "Gb");
	for (size_t i = 0; i < patient_params_count(); i++) {
		const patient_params *p = patient_params_at(i);
		printf("%-15s %8.2f %10.4f %8.0f %8.1f %7.1f\n", p->name, p->BW,
		       patient_basal_u_per_min(p) * 60.0, p->carb_ratio_g_per_u,
		       p->correction_factor_mgdl_per_u,
		       p->x0[PATIENT_GP_MG_PER_KG] / p->Vg);
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
	if (strcmp(cmd, "patients") == 0)
		return cmd_patients();
	fprintf(stderr, "fakepump: unknown command '%s' (see 'fakepump --help')\n", cmd);
	return EXIT_BAD_INPUT;
}
