/*
 * cmd_figures — `fakepump figures DB… [--agp OUT.png] [--cvga OUT.png] [--strip OUT.png]
 * [--title TEXT] [--size WxH]`: the pictures trials are judged by (sim/view/plot_trial.h)
 * from one or more trial databases (a trial's --db, or merge's OUT.db), every controller
 * of every database a column, side by side on the same axes. docs/trial-pictures.md.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_facts.h"
#include "trial_figures.h"
#include "viewer_plugin.h"

static const char usage[] = "fakepump figures DB… [--agp OUT.png] [--cvga OUT.png] "
                            "[--strip OUT.png] [--title TEXT] [--size WxH]";

int cmd_figures(int argc, char **argv)
{
	static const struct option options[] = {
	    {"agp", required_argument, NULL, 'a'},
	    {"cvga", required_argument, NULL, 'c'},
	    {"strip", required_argument, NULL, 's'},
	    {"title", required_argument, NULL, 't'},
	    {"size", required_argument, NULL, 'z'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const char *out[3] = {NULL, NULL, NULL}, *title = NULL;
	int width = 0, height = 0;
	const char **dbs = calloc((size_t)argc + 1, sizeof *dbs);
	size_t n = 0;
	if (!dbs)
		return CLI_EXIT_RUNTIME;
	cli_args c;
	cli_begin(&c, "figures", argc, argv, "h", options);
	const char *value;
	int k, rc = -1;
	while (rc < 0 && (k = cli_next(&c, &value)) != CLI_END) {
		switch (k) {
		case CLI_OPERAND:
			dbs[n++] = value;
			break;
		case 'a':
			out[PLOT_TRIAL_AGP] = value;
			break;
		case 'c':
			out[PLOT_TRIAL_CVGA] = value;
			break;
		case 's':
			out[PLOT_TRIAL_STRIP] = value;
			break;
		case 't':
			title = value;
			break;
		case 'z':
			if (sscanf(value, "%dx%d", &width, &height) != 2 || width < 200 ||
			    height < 200 || width > 8192 || height > 8192) {
				fprintf(stderr,
				        "fakepump figures: --size: expected WxH, 200 … 8192, got "
				        "'%s'\n",
				        value);
				rc = CLI_EXIT_BAD_INPUT;
			}
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
		fprintf(stderr, "fakepump figures: unexpected '%s'\nUsage: %s\n",
		        cli_unexpected(&c), usage);
		rc = CLI_EXIT_BAD_INPUT;
	}
	if (rc < 0 && (n == 0 || (!out[0] && !out[1] && !out[2]))) {
		fprintf(stderr,
		        "fakepump figures: needs a database and at least one of --agp, --cvga, "
		        "--strip\nUsage: %s\n",
		        usage);
		rc = CLI_EXIT_BAD_INPUT;
	}
	trial_figures f = {0};
	char err[512], footer[1024];
	size_t len =
	    (size_t)snprintf(footer, sizeof footer, "fakepump %s · from", run_facts_build());
	for (size_t i = 0; rc < 0 && i < n; i++) {
		sqlite3 *db = NULL;
		if (sqlite3_open_v2(dbs[i], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		    !trial_figures_read(db, &f, err, sizeof err)) {
			fprintf(stderr, "fakepump figures: %s: %s\n", dbs[i],
			        db ? (err[0] ? err : sqlite3_errmsg(db)) : "cannot open");
			rc = CLI_EXIT_BAD_INPUT;
		}
		sqlite3_close(db);
		if (len < sizeof footer)
			len += (size_t)snprintf(footer + len, sizeof footer - len, " %s", dbs[i]);
	}
	if (rc < 0 && f.column_count == 0) {
		fprintf(stderr, "fakepump figures: no patient in %s\n",
		        n == 1 ? dbs[0] : "these databases");
		rc = CLI_EXIT_BAD_INPUT;
	}
	const viewer_api *api = rc < 0 ? viewer_api_get(err, sizeof err) : NULL;
	if (rc < 0 && (!api || !api->write_trial_png)) {
		fprintf(stderr, "fakepump figures: %s\n",
		        api ? "the viewer module is too old" : err);
		rc = CLI_EXIT_RUNTIME;
	}
	for (int kind = 0; rc < 0 && kind < 3; kind++) {
		if (!out[kind])
			continue;
		if (!api->write_trial_png((plot_trial_kind)kind, &f, width, height, title, footer,
		                          out[kind], err, sizeof err)) {
			fprintf(stderr, "fakepump figures: %s\n", err);
			rc = CLI_EXIT_RUNTIME;
		}
	}
	trial_figures_clear(&f);
	free(dbs);
	return rc < 0 ? CLI_EXIT_OK : rc;
}
