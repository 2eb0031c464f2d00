/*
 * run_outputs — which outputs a run has, from its options: the sinks (run_sink.h), opened
 * in the order that leaves nothing behind when one is refused, and the handles the run
 * drives itself (the verdict's statistics, the trace's picture, the live window's pacing).
 */
#ifndef FAKEPUMP_RUN_OUTPUTS_H
#define FAKEPUMP_RUN_OUTPUTS_H

#include <stdbool.h>

#include "engine.h"
#include "live_window.h"
#include "run.h"
#include "run_sink.h"
#include "sinks.h"

typedef struct run_outputs {
	run_sinks sinks;
	sink_verdict *verdict; /* always */
	sink_trace *trace;     /* a window or a picture: the run kept in memory; else NULL */
	live_window *window;   /* NULL: headless */
} run_outputs;

/*
 * Open every output the options ask for; `e` is the run's engine (the window shows its
 * pump), `start_s` the run's monotonic start. False with the report filled when one cannot
 * be opened: then every output opened before is abandoned (what it created is removed) and
 * `out` is empty.
 */
bool run_outputs_open(run_outputs *out, const run_options *opt, const scenario *sc, engine *e,
                      double start_s, run_report *rep);

#endif
