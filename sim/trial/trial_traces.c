/*
 * trial_traces — each patient's trace file of a trial (see trial_traces.h). The folder was
 * checked before the trial began (cmd_trial.c); a file that cannot be written now is a
 * runtime error, named.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "csv_writer.h"
#include "trial_traces.h"

bool trial_trace_path(const char *dir, const char *name, char *buf, size_t cap)
{
	const int n = snprintf(buf, cap, "%s/%s.csv", dir, name);
	return n > 0 && (size_t)n < cap;
}

FILE *trial_trace_open(const char *dir, const char *name, char *err, size_t cap)
{
	char path[4096];
	if (!trial_trace_path(dir, name, path, sizeof path)) {
		snprintf(err, cap, "--traces: %s: path too long", dir);
		return NULL;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, cap, "--traces: %s: %s", path, strerror(errno));
		return NULL;
	}
	csv_write_header(f);
	return f;
}

int trial_trace_close(FILE *f)
{
	const bool bad = ferror(f) != 0;
	return (fclose(f) != 0 || bad) ? -1 : 0;
}
