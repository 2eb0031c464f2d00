/*
 * live_window — the run's window (a run with a display that is not --headless): a sink
 * that draws the trace and the pump's screen as rows come (at the window's frame rate),
 * with the pump screen's Bluetooth line from the radio's events; and the pacing of a run
 * that has a window — its keys: space pauses, +/- change the speed, a acknowledges the
 * pump's newest annunciation (as the person at the pump, between minutes: engine.h), p is
 * the pump's pair key, q stops the run.
 */
#ifndef FAKEPUMP_LIVE_WINDOW_H
#define FAKEPUMP_LIVE_WINDOW_H

#include <stdbool.h>

#include "engine.h"
#include "run_air.h"
#include "run_sink.h"
#include "trace.h"
#include "viewer_plugin.h"

typedef struct live_window live_window;

/*
 * Open the window and add it to the sinks; *out is NULL when no window could be opened (a
 * notice on stderr unless quiet: the run goes on headless). False only when the sink could
 * not be added (rep->message says why). `tr` is the trace the window draws (its sink comes
 * before this one); `start_s` the run's monotonic start, the pacing's first anchor.
 */
bool live_window_open(run_sinks *sinks, const viewer_api *ui, const run_options *opt,
                      const scenario *sc, engine *e, const trace *tr, double start_s,
                      live_window **out, run_report *rep);

/* After row `row`: wait until the next minute is due at the window's speed (or while it
 * is paused), keeping the window alive and serving the air's gateway. False: q was pressed. */
bool live_window_pace(live_window *lw, const engine_row *row, run_air *air);

/* After the scenario's end: the window stays (panning, zooming, screenshots, the pump
 * still answering) until q or a stop request. */
void live_window_hold(live_window *lw, const engine_row *row, run_air *air);

#endif
