/*
 * sinks — the outputs a run can have, each in its own file (run_sink.h is what a sink is;
 * run_outputs.c chooses a run's sinks and their order). Each `open` adds its sink to the
 * list; on failure it fills the report (the status is RUN_BAD_INPUT when the output itself
 * is refused, with its option and path) and adds nothing.
 */
#ifndef FAKEPUMP_SINKS_H
#define FAKEPUMP_SINKS_H

#include <stdbool.h>

#include "run.h"
#include "run_sink.h"
#include "scenario.h"
#include "summary.h"
#include "trace.h"
#include "viewer_plugin.h"

/* sink_verdict.c: the statistics and the expectations, and the verdict at the end. */
typedef struct sink_verdict sink_verdict;
sink_verdict *sink_verdict_open(run_sinks *sinks, const scenario *sc, run_report *rep);
/* The run's statistics so far (for the run's ending). */
const summary *sink_verdict_summary(const sink_verdict *v);

/* sink_trace.c: the run in memory (for the window) with the scenario `sc`'s sensor faults,
 * drawn to png_path at the end (NULL: no picture) by the viewer module `ui`. */
typedef struct sink_trace sink_trace;
sink_trace *sink_trace_open(run_sinks *sinks, const viewer_api *ui, const char *png_path,
                            const scenario *sc, run_report *rep);
const trace *sink_trace_get(const sink_trace *s);
/* Draw the picture now, once (a --hold run draws it at the scenario's end). False with
 * the report's error set when it cannot be written. */
bool sink_trace_picture(sink_trace *s, const run_ending *end, run_report *rep);

/* sink_csv.c: --csv PATH ("-": standard output). */
bool sink_csv_open(run_sinks *sinks, const char *path, run_report *rep);

/* sink_record.c: --db, the run database (opt->db_path). */
bool sink_record_open(run_sinks *sinks, const run_options *opt, const scenario *sc,
                      run_report *rep);

/* sink_events.c: --events PATH ("-": standard output), JSON Lines. */
bool sink_events_open(run_sinks *sinks, const char *path, run_report *rep);

/* sink_events.c: the same lines into `es` (owned from now on), e.g. a live control's
 * stream (event_stream_open_lines). */
typedef struct event_stream event_stream;
bool sink_events_add(run_sinks *sinks, event_stream *es, run_report *rep);

/* sink_summary.c: the one-line summary when the run ends. */
bool sink_summary_open(run_sinks *sinks, run_report *rep);

#endif
