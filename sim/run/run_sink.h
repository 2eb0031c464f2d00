/*
 * run_sink — one output of a run: the verdict, the in-memory trace and its picture, the
 * trace CSV, the run database, the live window, the event stream, the summary line. Each is
 * handed what the run produces as it happens — every row, every pump event, every decision
 * of the pump's Bluetooth server, every radio event, notices — and is finished once when
 * the run ends, however it ends (its last minute, a failed output, SIGINT, SIGTERM, the
 * window's q, a runtime error): each output is complete up to the minute the run stopped at.
 *
 * The run keeps its sinks in a list (run_sinks) and calls them in the order of their places
 * (run_sink_place). A sink fills only the hooks it needs (NULL: not interested). To add an
 * output: one file with its hooks and an `open` function that adds it to the list (declared
 * in sinks.h), its place below, and one call in run_outputs.c.
 *
 * Must never: stop another sink from getting a row (a sink that cannot write reports it and
 * the run stops after every sink had the row), or lose an output because an earlier one
 * failed (each is finished; the first failure is the report's message).
 */
#ifndef FAKEPUMP_RUN_SINK_H
#define FAKEPUMP_RUN_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "bluez_gateway.h"
#include "engine.h"
#include "run.h"
#include "scenario.h"
#include "summary.h"

/* How a run ended. */
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

/* What every sink may read: the run's options and scenario (both outlive the sinks). */
typedef struct run_context {
	const run_options *opt;
	const scenario *sc;
} run_context;

/* What finishing sinks read: how the run ended, and its statistics up to there. */
typedef struct run_ending {
	const run_options *opt;
	const scenario *sc;
	const summary *sum;
	const run_end_cause *cause;
} run_ending;

typedef struct run_sink_ops {
	/* The first minute is about to begin (headers, "run_started"). */
	void (*start)(void *self, const run_context *run);
	/* Row k (integrated: false for the final row). False when the output cannot be
	 * written: err[cap] says why ("cannot write x.csv: No space left on device") and the
	 * run stops at k + 1, once every sink has the row. */
	bool (*row)(void *self, const engine_row *row, bool integrated, char *err, size_t cap);
	/* A pump event (the audit trail), valid during the call. */
	void (*pump_event)(void *self, const pump_event *ev);
	/* A step of the pump's controller (engine_on_controller), valid during the call. */
	void (*controller)(void *self, const controller_report *rep);
	/* A decision of the pump's Bluetooth server (and what the scenario's phones did). */
	void (*audit)(void *self, const ble_audit_event *ev);
	/* What happened on the air (run --ble), at t_min (engine_now_min). */
	void (*radio)(void *self, int64_t t_min, const bluez_event *ev);
	/* A notice about the run itself: "bluetooth_notice" (detail: why), "holding". */
	void (*notice)(void *self, int64_t t_min, const char *type, const char *detail);
	/* The run ended: write the output's end and close it. A failure goes into the report
	 * with run_report_fail (the first failure wins). */
	void (*finish)(void *self, const run_ending *end, run_report *rep);
	/* The set-up failed before the first minute: close, and remove what this sink
	 * created (a refused run leaves nothing behind). */
	void (*abandon)(void *self);
	/* Release everything (after finish or abandon). */
	void (*free)(void *self);
} run_sink_ops;

/*
 * Where each output sits in the run's order: rows, events and the ending reach the sinks in
 * this order, whatever order they were opened in (run_outputs.c opens the files a run owns
 * before the database, which may be shared). A new output takes a place here.
 */
typedef enum run_sink_place {
	RUN_SINK_VERDICT,  /* first: every other output records the verdict */
	RUN_SINK_TRACE,    /* the picture first when the run ends; before the window */
	RUN_SINK_CSV,      /* the files, each complete up to where the run stopped */
	RUN_SINK_DATABASE, /* its run's status is the verdict's, or the first failure's */
	RUN_SINK_WINDOW,   /* draws the trace */
	RUN_SINK_EVENTS,   /* after every file: run_ended carries the run's final status */
	RUN_SINK_SUMMARY,  /* last: the line is printed once every file is complete */
} run_sink_place;

enum { RUN_SINKS_MAX = 12 };

typedef struct run_sinks {
	struct {
		run_sink_place place;
		const run_sink_ops *ops;
		void *self;
		bool detailed_rows; /* it reads the pump's status in rows (engine_set_detailed_rows)
		                     */
	} sink[RUN_SINKS_MAX];
	size_t count;
} run_sinks;

/* Add a sink at its place (after those of the same place added before); the list owns it
 * from now on. False when the list is full: then the sink is abandoned and freed at once,
 * and rep's message says so. */
bool run_sinks_add(run_sinks *list, run_sink_place place, const run_sink_ops *ops, void *self,
                   bool detailed_rows, run_report *rep);
/* Whether any sink reads the pump's status in rows. */
bool run_sinks_detailed_rows(const run_sinks *list);

void run_sinks_start(run_sinks *list, const run_context *run);
/* Every sink gets the row; false (err: the first failure) when one could not write it. */
bool run_sinks_row(run_sinks *list, const engine_row *row, bool integrated, char *err, size_t cap);
void run_sinks_pump_event(run_sinks *list, const pump_event *ev);
void run_sinks_controller(run_sinks *list, const controller_report *rep);
void run_sinks_audit(run_sinks *list, const ble_audit_event *ev);
void run_sinks_radio(run_sinks *list, int64_t t_min, const bluez_event *ev);
void run_sinks_notice(run_sinks *list, int64_t t_min, const char *type, const char *detail);
/* Finish every sink, in order, then free them all; the list is empty after. */
void run_sinks_finish(run_sinks *list, const run_ending *end, run_report *rep);
/* Abandon every sink (set-up failed), then free them all; the list is empty after. */
void run_sinks_abandon(run_sinks *list);

/* The first failure wins: a later one does not replace the report's message. */
void run_report_fail(run_report *rep, const char *message);
/* "interrupted at d1 04:03" or "stopped by an error at d1 04:03"; "" when completed. */
void run_ending_words(const run_ending *end, char *buf, size_t cap);
/* What stopped an interrupted run: "q in the window", "SIGINT", "SIGTERM". */
const char *run_ending_stopped_by(const run_end_cause *cause);

#endif
