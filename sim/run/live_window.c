/*
 * live_window — see live_window.h. The window itself is the viewer module's
 * (viewer_plugin.h); this file decides when to draw, what the pump's screen says, and what
 * the keys do to the run.
 */
#include "live_window.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bluez_status.h"
#include "pacing.h"
#include "stop_request.h"

struct live_window {
	const viewer_api *ui;
	viewer *v;
	engine *e;
	const trace *tr;
	double speed; /* current pacing, 0 = max */
	bool paused;
	double anchor_s; /* wall time of anchor_min at the current speed */
	int64_t anchor_min;
	bluez_status ble; /* the pump screen's Bluetooth line */
	bool ble_changed; /* since the viewer was last told */
};

/* The pump's screen for the viewer: the row, and what only the pump knows. */
static void fill_screen(const live_window *lw, viewer_pump_screen *s, const engine_row *row)
{
	lw->ui->screen_from_row(s, row);
	const pump *p = engine_pump(lw->e);
	pump_status ps;
	pump_get_status(p, &ps);
	s->suspended_by_lgs = ps.suspended_by_lgs;
	s->programmed_basal_u_per_h = ps.programmed_basal_u_per_h;
	s->temp_basal_active = ps.temp_basal_active;
	s->temp_basal_relative = ps.temp_basal_type == PUMP_TBR_RELATIVE;
	s->temp_basal_value = ps.temp_basal_value;
	s->temp_basal_end_min = ps.temp_basal_end_min;
	s->bolus_active = ps.bolus_active;
	s->bolus_programmed_u = ps.bolus_programmed_u;
	s->bolus_delivered_u = ps.bolus_delivered_u;
	s->reservoir_full_u = pump_get_config(p)->reservoir_u;
	pump_annunciation a;
	if (pump_newest_annunciation(p, &a))
		s->annunciation_id = a.id;
}

/* Tell the window what the pump's screen says about Bluetooth, when that changed. */
static void show_ble(live_window *lw)
{
	if (!lw->ble_changed)
		return;
	lw->ble_changed = false;
	lw->ui->set_ble_state(lw->v, lw->ble.state, lw->ble.peer[0] ? lw->ble.peer : NULL,
	                      lw->ble.passkey[0] ? lw->ble.passkey : NULL);
}

/* One slice of the window's wait: redraw the pump's screen if due, serve Bluetooth, then
 * wait up to `wait_ms` for a key. */
static void window_slice(live_window *lw, const engine_row *row, run_air *air, int wait_ms)
{
	viewer_pump_screen screen;
	fill_screen(lw, &screen, row);
	show_ble(lw);
	lw->ui->update(lw->v, lw->tr, &screen);
	if (run_air_gateway(air))
		bluez_gateway_poll(run_air_gateway(air), 0);
	lw->ui->wait(lw->v, wait_ms);
}

static const double speed_ladder[] = {1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 0};

static double next_speed(double speed, int direction)
{
	const size_t n = sizeof speed_ladder / sizeof speed_ladder[0];
	size_t i = 0;
	while (i < n - 1 && speed_ladder[i] != 0 && speed > 0 && speed_ladder[i] < speed)
		i++;
	if (speed == 0)
		i = n - 1;
	if (direction > 0 && i < n - 1)
		i++;
	if (direction < 0 && i > 0)
		i--;
	return speed_ladder[i];
}

/* The window's keys. False when the person asked to quit. `now_min` anchors the pacing. */
static bool handle_input(live_window *lw, run_air *air, int64_t now_min)
{
	viewer_input in;
	while (lw->ui->poll(lw->v, &in)) {
		switch (in.action) {
		case VIEWER_ACTION_QUIT:
			return false;
		case VIEWER_ACTION_PAUSE:
			lw->paused = !lw->paused;
			break;
		case VIEWER_ACTION_FASTER:
		case VIEWER_ACTION_SLOWER:
			lw->speed =
			    next_speed(lw->speed, in.action == VIEWER_ACTION_FASTER ? 1 : -1);
			break;
		case VIEWER_ACTION_ACKNOWLEDGE:
			if (in.annunciation_id)
				engine_confirm_annunciation(lw->e, in.annunciation_id);
			break;
		case VIEWER_ACTION_OPEN_PAIRING:
			run_air_pair_key(air);
			break;
		case VIEWER_ACTION_NONE:
			break;
		}
		lw->anchor_s = pacing_now_s();
		lw->anchor_min = now_min;
		lw->ui->set_run_state(lw->v, lw->speed, lw->paused);
	}
	return true;
}

bool live_window_pace(live_window *lw, const engine_row *row, run_air *air)
{
	/* Pace (or hold while paused) in slices, so the window stays alive. */
	while (!stop_request_signal()) {
		if (!handle_input(lw, air, row->t_min + 1))
			return false;
		double due = lw->speed > 0
		                 ? lw->anchor_s +
		                       (double)(row->t_min + 1 - lw->anchor_min) * 60.0 / lw->speed
		                 : 0;
		double wait_s = due - pacing_now_s();
		if (!lw->paused && wait_s <= 0)
			break;
		window_slice(lw, row, air, lw->paused ? 16 : (int)fmin(16.0, wait_s * 1000.0) + 1);
	}
	return true;
}

void live_window_hold(live_window *lw, const engine_row *row, run_air *air)
{
	/* The window stays for panning, zooming and screenshots. */
	viewer_pump_screen screen;
	fill_screen(lw, &screen, row);
	show_ble(lw);
	lw->ui->set_run_state(lw->v, lw->speed, true);
	lw->ui->draw(lw->v, lw->tr, &screen);
	while (!stop_request_signal()) {
		if (!handle_input(lw, air, row->t_min))
			break;
		window_slice(lw, row, air, 16);
	}
}

/* ---- the sink ------------------------------------------------------------------------ */

/* A frame when one is due (the window's frame rate, not every minute). */
static bool on_row(void *self, const engine_row *r, bool integrated, char *err, size_t cap)
{
	(void)integrated, (void)err, (void)cap;
	live_window *lw = self;
	if (lw->ui->frame_due(lw->v)) {
		viewer_pump_screen screen;
		fill_screen(lw, &screen, r);
		show_ble(lw);
		lw->ui->update(lw->v, lw->tr, &screen);
	}
	return true;
}

static void on_radio(void *self, int64_t t_min, const bluez_event *ev)
{
	(void)t_min;
	live_window *lw = self;
	if (bluez_status_apply(&lw->ble, ev))
		lw->ble_changed = true;
}

static void close_window(void *self)
{
	live_window *lw = self;
	if (lw->v)
		lw->ui->close(lw->v);
	lw->v = NULL;
}

static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	(void)end, (void)rep;
	close_window(self);
}

static void free_window(void *self)
{
	close_window(self);
	free(self);
}

static const run_sink_ops window_ops = {.row = on_row,
                                        .radio = on_radio,
                                        .finish = on_finish,
                                        .abandon = close_window,
                                        .free = free_window};

bool live_window_open(run_sinks *sinks, const viewer_api *ui, const run_options *opt,
                      const scenario *sc, engine *e, const trace *tr, double start_s,
                      live_window **out, run_report *rep)
{
	*out = NULL;
	char why[256], title[200];
	snprintf(title, sizeof title, "%s · %s", sc->name, sc->patient->name);
	viewer *v =
	    ui->open(&(viewer_options){.title = title, .quiet = opt->quiet}, why, sizeof why);
	if (!v) {
		if (!opt->quiet)
			fprintf(stderr, "fakepump: headless: %s\n", why);
		return true;
	}
	live_window *lw = calloc(1, sizeof *lw);
	if (!lw) {
		ui->close(v);
		run_copy_text(rep->message, sizeof rep->message, "out of memory for the window");
		return false;
	}
	*lw = (live_window){.ui = ui,
	                    .v = v,
	                    .e = e,
	                    .tr = tr,
	                    .speed = opt->speed,
	                    .anchor_s = start_s,
	                    .ble_changed = opt->ble};
	bluez_status_init(&lw->ble);
	ui->set_run_state(v, lw->speed, false);
	if (!run_sinks_add(sinks, RUN_SINK_WINDOW, &window_ops, lw, false, rep))
		return false;
	*out = lw;
	return true;
}
