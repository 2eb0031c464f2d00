/*
 * run — plays one scenario from start to end: engine, CSV trace, run database, expectations
 * and summary; and the report of how it went, which can cross a pipe (the runner plays
 * several scenarios in child processes) and become JUnit XML.
 */
#ifndef FAKEPUMP_RUN_H
#define FAKEPUMP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "summary.h"

typedef struct run_options {
	const char *scenario_path;
	const char *scenario_text; /* when set, load this instead of reading scenario_path */
	double speed;              /* 0 = as fast as possible, else a real-time multiple */
	bool headless;
	bool quiet;              /* no notices, no progress */
	bool progress;           /* a progress line on stdout (a terminal) */
	const char *csv_path;    /* NULL = no trace; "-" = stdout */
	const char *db_path;     /* NULL = not recorded */
	const char *png_path;    /* NULL = no picture; else the whole run's traces at the end */
	bool interactive;        /* open a window if a display is there (unless headless) */
	bool print_summary;      /* the one-line summary on stdout */
	const char *events_path; /* NULL = none; "-" = stdout: JSON Lines (docs/events.md) */
	bool ble;                /* on the air through BlueZ (ble_gateway/bluez/bluez_gateway.h) */
	const char *adapter;     /* "hci0"; NULL = the first powered adapter */
	double pair_window_s;    /* wall-clock seconds pairing stays allowed; 0 = closed */
	bool hold;               /* after the scenario's end, serve until SIGINT/SIGTERM */
	const char *name;        /* --name: the pump's name for `fakepump ctl` (run_ctl.h);
	                            NULL = the scenario's name */
	bool keep_window;        /* after the scenario's end the window stays until q (the
	                            demo, where the window is the point); else it closes */
	const char *junit_path;  /* checked with the other outputs before the first minute;
	                            written by the caller from the report */
} run_options;

typedef enum run_status {
	RUN_PASSED = 0,       /* every expectation met (or none) */
	RUN_FAILED,           /* an expectation failed */
	RUN_EXPECTED_FAILURE, /* marked expect_failure, and it failed: counts as a pass */
	RUN_UNEXPECTED_PASS,  /* marked expect_failure, yet it passed: counts as a failure */
	RUN_BAD_INPUT,        /* the scenario (or an output) is wrong: nothing ran */
	RUN_ERROR,            /* a runtime error (model, file system, database) */
	RUN_INTERRUPTED,      /* stopped before its end (SIGINT, SIGTERM, q): not judged */
	RUN_STATUS_COUNT,
} run_status;

const char *run_status_name(run_status s);
/* 0 passed, 1 failed, 2 bad input, 3 runtime error, 130 interrupted (by SIGINT). */
int run_status_exit_code(run_status s);

typedef struct run_expectation_line {
	char text[200];
	char where[96]; /* "file:line:column" */
	bool passed;
	char measured[200];
} run_expectation_line;

typedef struct run_report {
	char name[128];
	char path[512];
	char patient[32];
	run_status status;
	char message[700];        /* the error, why it failed, or where it was interrupted */
	char expect_failure[200]; /* the reason it is meant to fail, if it is */
	summary_figures figures;
	bool has_figures;
	size_t expectation_count;
	run_expectation_line *expectations; /* owned */
	double wall_s;
	int64_t run_id;       /* in the database, 0 if not recorded */
	size_t checks;        /* the scenario's expectations, judged or not (0: "no checks") */
	int stop_signal;      /* RUN_INTERRUPTED: SIGINT (also for q) or SIGTERM */
	char stopped_at[32];  /* RUN_INTERRUPTED, RUN_ERROR: "d1 04:03" */
	char alarms[160];     /* summary_alarms_text: "none", "2 (first …, worst …)" */
	bool outputs_refused; /* RUN_BAD_INPUT: an output path was refused before the run,
	                         and nothing was written (not sent across the pipe) */
} run_report;

/* The process's exit status for this report: run_status_exit_code, and 128 + the signal for
 * an interrupted run (130 SIGINT, 143 SIGTERM). */
int run_report_exit_code(const run_report *r);

/* Play one scenario. Always fills `report` (free with run_report_free). */
void run_one(const run_options *opt, run_report *report);
void run_report_free(run_report *r);

/* Copies src (NULL: empty) into dst[cap], cut to fit: report fields are for people, and a
 * cut message is still useful. */
void run_copy_text(char *dst, size_t cap, const char *src);

/* The report as text lines for a pipe, and back. */
void run_report_write(const run_report *r, FILE *out);
bool run_report_read(const char *text, run_report *r);

#endif
