/*
 * cmd_report — `fakepump report [RUN_ID…] [--trial ID]… | --all [--db FILE] --html OUT
 * [--pdf OUT] [--paper a4|letter]`: recorded runs and trials as one self-contained HTML
 * document a regulator can read (sim/report/report_html.h) and, with --pdf, the same printed
 * by a real browser engine (report_pdf.h). docs/report.md is the user's page.
 *
 * Runs and trials are read twice, one at a time: once for the cover, the summaries and the
 * security story (their light part), once for each one's own section; memory stays that of
 * one run or trial whatever their number and length.
 */
#define _DEFAULT_SOURCE /* mkstemps */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output_check.h"
#include "report_html.h"
#include "report_pdf.h"
#include "report_read.h"
#include "report_trial.h"
#include "report_trial_html.h"
#include "run_facts.h"

static const char usage[] = "fakepump report [RUN_ID…] [--trial ID]… | --all [--db FILE] --html "
                            "OUT [--pdf OUT] [--paper a4|letter]";

typedef struct report_args {
	const char *db, *html, *pdf, *paper;
	bool all;
	long long *ids, *trial_ids;
	size_t n_ids, n_trial_ids;
} report_args;

enum { GO_ON = -1, PDF_TIMEOUT_S = 180 };

static int read_args(int argc, char **argv, report_args *a)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, 'd'},  {"html", required_argument, NULL, 'H'},
	    {"pdf", required_argument, NULL, 'P'}, {"paper", required_argument, NULL, 'p'},
	    {"all", no_argument, NULL, 'a'},       {"trial", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},      {0, 0, 0, 0},
	};
	cli_args c;
	cli_begin(&c, "report", argc, argv, "h", options);
	const char *value;
	int k;
	while ((k = cli_next(&c, &value)) != CLI_END) {
		switch (k) {
		case 'd':
			a->db = value;
			break;
		case 'H':
			a->html = value;
			break;
		case 'P':
			a->pdf = value;
			break;
		case 'p':
			if (strcmp(value, "a4") != 0 && strcmp(value, "A4") != 0 &&
			    strcmp(value, "letter") != 0) {
				fprintf(
				    stderr,
				    "fakepump report: --paper: expected a4 or letter, got '%s'\n",
				    value);
				return CLI_EXIT_BAD_INPUT;
			}
			a->paper = strcmp(value, "letter") == 0 ? "letter" : "A4";
			break;
		case 'a':
			a->all = true;
			break;
		case 't': {
			long long id;
			if (!cli_parse_run_id(value, &id)) {
				fprintf(stderr,
				        "fakepump report: --trial: '%s' is not a trial id (usage: "
				        "%s)\n",
				        value, usage);
				return CLI_EXIT_BAD_INPUT;
			}
			a->trial_ids[a->n_trial_ids++] = id;
			break;
		}
		case 'h':
			cli_print_usage(stdout);
			return CLI_EXIT_OK;
		case CLI_MISSING_VALUE:
			return cli_missing_value(&c, NULL);
		case CLI_OPERAND: {
			long long id;
			if (!cli_parse_run_id(value, &id)) {
				fprintf(stderr,
				        "fakepump report: '%s' is not a run id (usage: %s)\n",
				        value, usage);
				return CLI_EXIT_BAD_INPUT;
			}
			a->ids[a->n_ids++] = id;
			break;
		}
		default:
			cli_note_unexpected(&c, k, value);
			break;
		}
	}
	if (cli_unexpected(&c)) {
		fprintf(stderr, "fakepump report: unexpected '%s' (usage: %s)\n",
		        cli_unexpected(&c), usage);
		return CLI_EXIT_BAD_INPUT;
	}
	const bool some = a->n_ids || a->n_trial_ids;
	if (some == a->all) {
		fprintf(stderr, "fakepump report: %s (usage: %s)\n",
		        a->all ? "give RUN_IDs and --trial IDs, or --all, not both"
		               : "which runs? give RUN_IDs (see 'fakepump runs'), --trial ID, or "
		                 "--all (every run and trial)",
		        usage);
		return CLI_EXIT_BAD_INPUT;
	}
	if (!a->html && !a->pdf) {
		fprintf(stderr,
		        "fakepump report: say where: --html OUT and/or --pdf OUT (usage: %s)\n",
		        usage);
		return CLI_EXIT_BAD_INPUT;
	}
	return GO_ON;
}

/* Pass 1: every run, without what only its own section draws. */
static report_run *read_light(report_db *db, const int64_t *ids, size_t n, char *err, size_t errlen)
{
	report_run *runs = calloc(n ? n : 1, sizeof *runs);
	for (size_t i = 0; runs && i < n; i++) {
		report_run_init(&runs[i]);
		if (!report_db_read_run(db, ids[i], &runs[i], err, errlen)) {
			for (size_t k = 0; k <= i; k++)
				report_run_clear(&runs[k]);
			free(runs);
			return NULL;
		}
		agp_free(runs[i].profile);
		runs[i].profile = NULL;
		free(runs[i].markers);
		runs[i].markers = NULL;
		runs[i].marker_count = 0;
	}
	return runs;
}

/* Pass 1 of the trials: definition, the cohorts' rows, the failures. */
static report_trial *read_light_trials(report_db *db, const int64_t *ids, size_t n, char *err,
                                       size_t errlen)
{
	report_trial *trials = calloc(n ? n : 1, sizeof *trials);
	for (size_t i = 0; trials && i < n; i++)
		if (!report_db_read_trial(db, ids[i], false, &trials[i], err, errlen)) {
			for (size_t k = 0; k < i; k++)
				report_trial_clear(&trials[k]);
			free(trials);
			return NULL;
		}
	if (!trials)
		snprintf(err, errlen, "out of memory");
	return trials;
}

static void free_light(report_run *runs, size_t n, report_trial *trials, size_t nt)
{
	for (size_t i = 0; runs && i < n; i++)
		report_run_clear(&runs[i]);
	free(runs);
	for (size_t i = 0; trials && i < nt; i++)
		report_trial_clear(&trials[i]);
	free(trials);
}

/* The chosen runs and trials (ids[n], tids[nt]) as HTML at `path`. */
static bool write_html(report_db *db, const report_args *a, const int64_t *ids, size_t n,
                       const int64_t *tids, size_t nt, const char *path, char *err, size_t errlen)
{
	report_run *runs = read_light(db, ids, n, err, errlen);
	if (!runs)
		return false;
	report_trial *trials = read_light_trials(db, tids, nt, err, errlen);
	if (!trials) {
		free_light(runs, n, NULL, 0);
		return false;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free_light(runs, n, trials, nt);
		return false;
	}
	char when[64];
	const time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	const report_options opt = {.db_path = a->db,
	                            .generator = run_facts_build(),
	                            .generated_at = when,
	                            .paper = a->paper};
	report_html_begin(f, &opt, runs, n, trials, nt);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		report_run full;
		report_run_init(&full);
		ok = report_db_read_run(db, ids[i], &full, err, errlen);
		if (ok)
			report_html_run(f, &full, report_twin(runs, n, i));
		report_run_clear(&full);
	}
	for (size_t i = 0; i < nt && ok; i++) {
		report_trial full = {0};
		ok = report_db_read_trial(db, tids[i], true, &full, err, errlen);
		if (ok)
			report_html_trial(f, &full);
		report_trial_clear(&full);
	}
	report_html_end(f);
	free_light(runs, n, trials, nt);
	if (fclose(f) != 0 && ok) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		ok = false;
	}
	return ok;
}

static int make_report(const report_args *a)
{
	const output_path outs[] = {{"--html", a->html, OUTPUT_FILE},
	                            {"--pdf", a->pdf, OUTPUT_FILE}};
	char err[1200];
	if (!output_check(outs, 2, err, sizeof err)) {
		fprintf(stderr, "fakepump report: %s\n", err);
		return CLI_EXIT_BAD_INPUT;
	}
	char browser[512] = "";
	if (a->pdf && !report_pdf_browser(browser, sizeof browser)) {
		fprintf(stderr,
		        "fakepump report: --pdf: no browser engine to print with: install Debian's "
		        "chromium (apt-get install chromium) or set FAKEPUMP_CHROMIUM to one; "
		        "--html works without it\n");
		return CLI_EXIT_RUNTIME;
	}
	if (access(a->db, F_OK) != 0) {
		fprintf(stderr,
		        "fakepump report: %s: no such database (record runs with 'fakepump "
		        "run FILE --db %s', a trial with 'fakepump trial --days N --db %s')\n",
		        a->db, a->db, a->db);
		return CLI_EXIT_BAD_INPUT;
	}
	report_db *db = report_db_open(a->db, err, sizeof err);
	if (!db) {
		fprintf(stderr, "fakepump report: %s\n", err);
		return CLI_EXIT_BAD_INPUT;
	}
	size_t n = a->n_ids, nt = a->n_trial_ids;
	int64_t *ids = NULL, *tids = NULL;
	if (a->all) {
		ids = report_db_run_ids(db, &n, err, sizeof err);
		if (ids)
			tids = report_db_trial_ids(db, &nt, err, sizeof err);
	} else {
		ids = calloc(n ? n : 1, sizeof *ids);
		tids = calloc(nt ? nt : 1, sizeof *tids);
		for (size_t i = 0; ids && i < n; i++)
			ids[i] = a->ids[i];
		for (size_t i = 0; tids && i < nt; i++)
			tids[i] = a->trial_ids[i];
	}
	int status = CLI_EXIT_OK;
	char html_tmp[64] = "";
	const char *html = a->html;
	if (!ids || !tids) {
		fprintf(stderr, "fakepump report: %s\n", ids ? err : "out of memory");
		status = CLI_EXIT_RUNTIME;
	} else if (n == 0 && nt == 0) {
		fprintf(
		    stderr,
		    "fakepump report: %s: no runs or trials recorded (record with 'fakepump run "
		    "FILE --db %s' or 'fakepump trial --days N --db %s')\n",
		    a->db, a->db, a->db);
		status = CLI_EXIT_BAD_INPUT;
	}
	if (status == CLI_EXIT_OK && !html) {
		snprintf(html_tmp, sizeof html_tmp, "/tmp/fakepump-report-XXXXXX.html");
		const int fd = mkstemps(html_tmp, 5);
		if (fd >= 0)
			close(fd);
		html = html_tmp;
	}
	if (status == CLI_EXIT_OK && !write_html(db, a, ids, n, tids, nt, html, err, sizeof err)) {
		fprintf(stderr, "fakepump report: %s\n", err);
		status = strstr(err, "no run") || strstr(err, "no trial") ? CLI_EXIT_BAD_INPUT
		                                                          : CLI_EXIT_RUNTIME;
		if (a->html)
			remove(a->html);
	}
	report_db_close(db);
	free(ids);
	free(tids);
	if (status == CLI_EXIT_OK && a->pdf &&
	    !report_pdf_print(browser, html, a->pdf, PDF_TIMEOUT_S, err, sizeof err)) {
		fprintf(stderr, "fakepump report: --pdf: %s\n", err);
		status = CLI_EXIT_RUNTIME;
	}
	if (html_tmp[0])
		remove(html_tmp);
	return status;
}

int cmd_report(int argc, char **argv)
{
	report_args a = {.db = CLI_DEFAULT_DB, .paper = "A4"};
	a.ids = calloc((size_t)argc + 1, sizeof *a.ids);
	a.trial_ids = calloc((size_t)argc + 1, sizeof *a.trial_ids);
	if (!a.ids || !a.trial_ids) {
		free(a.ids);
		free(a.trial_ids);
		fprintf(stderr, "fakepump report: out of memory\n");
		return CLI_EXIT_RUNTIME;
	}
	int status = read_args(argc, argv, &a);
	if (status == GO_ON)
		status = make_report(&a);
	free(a.ids);
	free(a.trial_ids);
	return status;
}
