/*
 * sink_csv — the per-minute trace as CSV (--csv FILE, '-' = stdout; columns in README.md,
 * csv_writer.h): the header before the first minute, one line per row, flushed and closed
 * at the end. A row that cannot be written (a full disk) stops the run at the next minute,
 * with the reason; the other outputs have that row too.
 */
#include "sinks.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_writer.h"
#include "output_check.h"

typedef struct sink_csv {
	FILE *out;
	const char *path; /* as given ("-" = stdout) */
	bool existed;     /* the file was there before the run (abandon keeps it) */
} sink_csv;

static void on_start(void *self, const run_context *run)
{
	(void)run;
	sink_csv *c = self;
	csv_write_header(c->out);
}

static bool on_row(void *self, const engine_row *r, bool integrated, char *err, size_t cap)
{
	(void)integrated;
	sink_csv *c = self;
	csv_write_row(c->out, r);
	if (!ferror(c->out))
		return true;
	if (err)
		snprintf(err, cap, "cannot write %s: %s (the run stopped at t = %" PRId64 " min)",
		         c->path, strerror(errno), r->t_min + 1);
	return false;
}

/* Flushed (stdout) or closed; a failure is the run's error unless the run already failed
 * on a row (the reason is known). */
static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	sink_csv *c = self;
	FILE *f = c->out;
	c->out = NULL;
	const bool bad = f == stdout ? fflush(f) != 0 || ferror(f) : fclose(f) != 0;
	if (bad && end->cause->kind != RUN_END_ERROR) {
		char msg[700];
		snprintf(msg, sizeof msg, "cannot write %s: %s", c->path, strerror(errno));
		run_report_fail(rep, msg);
	}
}

static void on_abandon(void *self)
{
	sink_csv *c = self;
	if (c->out && c->out != stdout)
		fclose(c->out);
	c->out = NULL;
	if (!c->existed && strcmp(c->path, "-") != 0)
		remove(c->path);
}

static const run_sink_ops csv_ops = {
    .start = on_start, .row = on_row, .finish = on_finish, .abandon = on_abandon, .free = free};

bool sink_csv_open(run_sinks *sinks, const char *path, run_report *rep)
{
	sink_csv *c = calloc(1, sizeof *c);
	if (!c) {
		run_copy_text(rep->message, sizeof rep->message, "out of memory for --csv");
		return false;
	}
	c->path = path;
	c->existed = output_exists(path);
	c->out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!c->out) {
		rep->status = RUN_BAD_INPUT;
		snprintf(rep->message, sizeof rep->message, "--csv: cannot write %s: %s", path,
		         strerror(errno));
		free(c);
		return false;
	}
	return run_sinks_add(sinks, RUN_SINK_CSV, &csv_ops, c, true, rep);
}
