/*
 * run_end — the one way a run ends, whatever ended it: its last minute, a failed
 * expectation, SIGINT, SIGTERM, the window's q, or a runtime error. Everything the run
 * writes is completed up to the minute it stopped at, in this order: the verdict, the
 * picture (--png), the trace (--csv), the database run (--db), the event stream's
 * run_ended (--events), the summary line. JUnit is written from the report by the caller.
 *
 * A run stopped before its end is "interrupted": its expectations are not judged (a
 * partial run can neither pass nor fail them), the picture's title says "interrupted at
 * d1 04:03", the database run is 'interrupted' with its end time and summary, and the exit
 * status is 128 + the signal (130 for SIGINT and the window's q, 143 for SIGTERM).
 *
 * Must never: judge expectations on a partial run, call an interrupted run passed or
 * failed, or lose an output because an earlier one failed (each is finished; the first
 * failure is the report's message).
 */
#ifndef FAKEPUMP_RUN_END_H
#define FAKEPUMP_RUN_END_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event_stream.h"
#include "expect.h"
#include "recorder.h"
#include "run.h"
#include "scenario.h"
#include "summary.h"
#include "trace.h"
#include "viewer_plugin.h"

typedef enum run_end_kind {
	RUN_END_COMPLETED,   /* the scenario's last minute: expectations judged */
	RUN_END_INTERRUPTED, /* SIGINT, SIGTERM, q: not judged */
	RUN_END_ERROR,       /* a runtime error mid-run: not judged */
} run_end_kind;

typedef struct run_end_cause {
	run_end_kind kind;
	int signal;       /* RUN_END_INTERRUPTED: SIGINT or SIGTERM (SIGINT for q) */
	bool from_window; /* RUN_END_INTERRUPTED: the window's q */
	int64_t at_min;   /* the minute boundary it stopped at (the duration when completed) */
	char error[600];  /* RUN_END_ERROR: what went wrong */
} run_end_cause;

/* What the run writes. run_end finishes each and sets its field to NULL (it closes the CSV
 * unless it is stdout, ends and closes the recorder, closes the event stream). */
typedef struct run_end_outputs {
	FILE *csv;
	recorder *rec;
	event_stream *events;
	const trace *tr;      /* the picture's data (NULL: no --png) */
	const viewer_api *ui; /* draws the picture */
	bool png_written;     /* already drawn (a --hold run draws it at the scenario's end) */
} run_end_outputs;

/*
 * Finish every output and fill the report's verdict, figures and message. `x` may be NULL
 * when the scenario has no expectations.
 */
void run_end(const run_options *opt, const scenario *sc, run_end_outputs *out, const summary *sum,
             expect_eval *x, const run_end_cause *cause, run_report *rep);

/*
 * Only the picture, at once (a --hold run: the picture never waits for a person). False
 * with the report's status and message set when it cannot be written.
 */
bool run_end_picture(const run_options *opt, const scenario *sc, run_end_outputs *out,
                     const run_end_cause *cause, run_report *rep);

#endif
