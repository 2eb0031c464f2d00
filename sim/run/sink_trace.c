/*
 * sink_trace — the run kept in memory (trace.h) for the live window and the picture: every
 * row with its meal, and the markers the pump's events stand for (boluses, annunciations,
 * faults, the scenario's sensor faults). With --png the whole run is drawn at the end (never
 * waiting for a person) with its provenance footer (run_picture.h), its title and a PNG text
 * note saying so when the run did not complete.
 */
#include <stdio.h>
#include <stdlib.h>

#include "png_note.h"
#include "run_picture.h"
#include "sinks.h"

struct sink_trace {
	trace *tr;
	const viewer_api *ui; /* draws the picture (NULL: no picture) */
	const char *png_path; /* NULL: no picture */
	bool png_written;     /* already drawn (a --hold run draws it at the scenario's end) */
};

static bool on_row(void *self, const engine_row *r, bool integrated, char *err, size_t cap)
{
	(void)integrated, (void)err, (void)cap;
	sink_trace *s = self;
	trace_append_row(s->tr, r);
	if (r->meal_announced_g > 0)
		trace_add_meal(s->tr, r->t_min, r->meal_announced_g);
	return true;
}

static void on_pump_event(void *self, const pump_event *ev)
{
	sink_trace *s = self;
	trace_add_pump_event(s->tr, ev);
}

bool sink_trace_picture(sink_trace *s, const run_ending *end, run_report *rep)
{
	if (!s->png_path || !s->ui || s->png_written)
		return true;
	s->png_written = true;
	int64_t first, last;
	if (!trace_time_span(s->tr, &first, &last)) {
		run_report_fail(rep,
		                "--png: the run ended before its first minute: nothing to draw");
		return false;
	}
	char words[64], title[300], msg[600];
	run_ending_words(end, words, sizeof words);
	snprintf(title, sizeof title, "%s · %s%s%s", end->sc->name, end->sc->patient->name,
	         words[0] ? " — " : "", words);
	char footer[700];
	run_picture_footer(end->sc, footer, sizeof footer);
	const plot_picture pic = {first, last + 1, 1600, 900, title, footer, s->png_path};
	if (!s->ui->write_picture(s->tr, &pic, msg, sizeof msg)) {
		run_report_fail(rep, msg);
		return false;
	}
	if (words[0]) {
		char note[128];
		snprintf(note, sizeof note, "%s (%s)", words,
		         end->cause->kind == RUN_END_INTERRUPTED ? run_ending_stopped_by(end->cause)
		                                                 : "runtime error");
		if (!png_note_add(s->png_path, "Comment", note, msg, sizeof msg)) {
			run_report_fail(rep, msg);
			return false;
		}
	}
	return true;
}

static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	sink_trace_picture(self, end, rep);
}

static void free_trace(void *self)
{
	sink_trace *s = self;
	trace_free(s->tr);
	free(s);
}

static const run_sink_ops trace_ops = {
    .row = on_row, .pump_event = on_pump_event, .finish = on_finish, .free = free_trace};

sink_trace *sink_trace_open(run_sinks *sinks, const viewer_api *ui, const char *png_path,
                            const scenario *sc, run_report *rep)
{
	sink_trace *s = calloc(1, sizeof *s);
	if (s)
		s->tr = trace_new();
	if (!s || !s->tr) {
		if (s)
			trace_free(s->tr);
		free(s);
		run_copy_text(rep->message, sizeof rep->message, "out of memory for the trace");
		return NULL;
	}
	run_picture_sensor_faults(s->tr, sc); /* shaded and named on the picture and window */
	s->ui = ui;
	s->png_path = png_path;
	return run_sinks_add(sinks, RUN_SINK_TRACE, &trace_ops, s, true, rep) ? s : NULL;
}

const trace *sink_trace_get(const sink_trace *s)
{
	return s->tr;
}
