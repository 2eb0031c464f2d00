/*
 * runner — plays several scenarios (files, or every *.yaml under a directory) as
 * independent child processes, N at a time; one line each as they end, a summary table,
 * JUnit XML. The exit status is the worst: 3 runtime error, else 2 bad input, else 1 an
 * expectation failed, else 0.
 */
#ifndef FAKEPUMP_RUNNER_H
#define FAKEPUMP_RUNNER_H

#include <stddef.h>

#include "run.h"

typedef struct runner_options {
	run_options run;          /* per scenario (scenario_path is set per file) */
	const char *const *paths; /* files and directories */
	size_t path_count;
	int jobs;               /* processes at a time, >= 1 */
	const char *junit_path; /* NULL = none */
	bool verbose;           /* every expectation of every run, not only failed ones */
} runner_options;

/* Returns the exit status. */
int runner_run(const runner_options *opt);

/*
 * The scenario files named by `paths`: files as given, directories searched recursively
 * for *.yaml (skipping directories named "fragments" and files starting with '_', which
 * hold include: fragments), sorted. Returns a malloc'd array of malloc'd strings (count in
 * *n), or NULL with `err` filled.
 */
char **runner_collect(const char *const *paths, size_t path_count, size_t *n, char *err,
                      size_t errlen);
void runner_free_paths(char **paths, size_t n);

#endif
