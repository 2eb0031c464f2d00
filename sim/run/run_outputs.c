/*
 * run_outputs — see run_outputs.h. The order of opening: the viewer module first (a --png
 * that cannot be drawn refuses the run before any file is created), then the files this
 * run owns (--events, --csv), then the database last — it may be shared with other
 * processes, so a failure before it never begins a run there, and a failure is never
 * cleaned up by removing it. The order in which the sinks are then called is their place
 * (run_sink_place), not this one.
 *
 * To add an output: its sink's file (sinks.h), its place (run_sink.h), and its call here.
 */
#include "run_outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The viewer module, when the run needs it: a window wanted (with a display) or a picture.
 * False when a picture is asked for and it cannot be loaded. */
static bool load_viewer(const run_options *opt, bool wants_window, const viewer_api **ui,
                        run_report *rep)
{
	char msg[600];
	*ui = NULL;
	if (!wants_window && !opt->png_path)
		return true;
	*ui = viewer_api_get(msg, sizeof msg);
	if (!*ui && opt->png_path) {
		snprintf(rep->message, sizeof rep->message, "--png: %s", msg);
		return false;
	}
	if (!*ui && !opt->quiet)
		fprintf(stderr, "fakepump: headless: %s\n", msg);
	return true;
}

/* A window opens only for a run that asks for one, is not --headless, and has a display. */
static bool window_wanted(const run_options *opt)
{
	const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
	const bool has_display = (display && *display) || (wayland && *wayland);
	if (opt->interactive && !opt->headless && !has_display && !opt->quiet)
		fprintf(stderr, "fakepump: headless: no display (DISPLAY is not set)\n");
	return opt->interactive && !opt->headless && has_display;
}

static bool open_all(run_outputs *out, const run_options *opt, const scenario *sc, engine *e,
                     double start_s, run_report *rep)
{
	const bool wants_window = window_wanted(opt);
	const viewer_api *ui;
	if (!load_viewer(opt, wants_window, &ui, rep))
		return false;
	if (opt->events_path && !sink_events_open(&out->sinks, opt->events_path, rep))
		return false;
	if (opt->csv_path && !sink_csv_open(&out->sinks, opt->csv_path, rep))
		return false;
	if (opt->db_path && !sink_record_open(&out->sinks, opt, sc, rep))
		return false;
	out->verdict = sink_verdict_open(&out->sinks, sc, rep);
	if (!out->verdict)
		return false;
	if ((ui && wants_window) || opt->png_path) {
		out->trace = sink_trace_open(&out->sinks, ui, opt->png_path, sc, rep);
		if (!out->trace)
			return false;
	}
	if (ui && wants_window &&
	    !live_window_open(&out->sinks, ui, opt, sc, e, sink_trace_get(out->trace), start_s,
	                      &out->window, rep))
		return false;
	if (opt->print_summary && !sink_summary_open(&out->sinks, rep))
		return false;
	return true;
}

bool run_outputs_open(run_outputs *out, const run_options *opt, const scenario *sc, engine *e,
                      double start_s, run_report *rep)
{
	*out = (run_outputs){.verdict = NULL};
	if (open_all(out, opt, sc, e, start_s, rep))
		return true;
	run_sinks_abandon(&out->sinks);
	*out = (run_outputs){.verdict = NULL};
	return false;
}
