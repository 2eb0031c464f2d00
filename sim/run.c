/*
 * run — one scenario from start to end (see run.h). Owns the wall clock (pacing for
 * --speed), the outputs (CSV, database) and the verdict; the engine stays clock-free.
 *
 * Must never: start a run whose scenario or outputs are bad (bad input ends before the
 * first minute, with nothing written), or lose what was recorded before an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bluez_gateway.h"
#include "bluez_status.h"
#include "csv_writer.h"
#include "engine.h"
#include "event_stream.h"
#include "expect.h"
#include "output_check.h"
#include "recorder.h"
#include "run.h"
#include "run_end.h"
#include "run_record.h"
#include "scenario.h"
#include "stop_request.h"
#include "trace.h"
#include "viewer_plugin.h"

#ifndef FAKEPUMP_VERSION
#define FAKEPUMP_VERSION "unknown"
#endif

/* The pump key opens pairing for this long when --pair-window does not say. */
enum { DEFAULT_PAIR_WINDOW_S = 120 };

static const char *const status_names[] = {
	[RUN_PASSED] = "passed",
	[RUN_FAILED] = "failed",
	[RUN_EXPECTED_FAILURE] = "expected-failure",
	[RUN_UNEXPECTED_PASS] = "unexpected-pass",
	[RUN_BAD_INPUT] = "bad-input",
	[RUN_ERROR] = "error",
	[RUN_INTERRUPTED] = "interrupted",
};

const char *run_status_name(run_status s)
{
	return (unsigned)s < RUN_STATUS_COUNT ? status_names[s] : "unknown";
}

int run_status_exit_code(run_status s)
{
	switch (s) {
	case RUN_PASSED:
	case RUN_EXPECTED_FAILURE:
		return 0;
	case RUN_FAILED:
	case RUN_UNEXPECTED_PASS:
		return 1;
	case RUN_BAD_INPUT:
		return 2;
	case RUN_ERROR:
		return 3;
	case RUN_INTERRUPTED:
		return 128 + SIGINT;
	case RUN_STATUS_COUNT:
		break;
	}
	return 3;
}

int run_report_exit_code(const run_report *r)
{
	if (r->status == RUN_INTERRUPTED && r->stop_signal > 0)
		return 128 + r->stop_signal;
	return run_status_exit_code(r->status);
}

static double monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Sleeps until the monotonic time `when_s`, or until a stop is requested (a signal). */
static void sleep_until(double when_s)
{
	struct timespec ts = {.tv_sec = (time_t)when_s,
	                      .tv_nsec = (long)((when_s - floor(when_s)) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
	       !stop_request_signal())
		;
}

/* What the run's observers need from each pump event. */
typedef struct observers {
	summary *sum;
	expect_eval *expect;
	recorder *rec;
	trace *trace;
	event_stream *events; /* --events */
	/* on the air (run --ble) */
	engine *engine;
	bluez_gateway *gw;
	bluez_status ble;     /* the pump screen's Bluetooth line */
	bool ble_changed;     /* since the viewer was last told */
	unsigned bonds;       /* bonds made during the run */
	double pair_window_s; /* the pump key opens a window this long */
	bool quiet;
} observers;

static void observe_event(const pump_event *ev, void *user_data)
{
	observers *o = user_data;
	event_stream_pump_event(o->events, ev);
	summary_add_event(o->sum, ev);
	if (o->trace)
		trace_add_pump_event(o->trace, ev);
	if (o->expect)
		expect_eval_event(o->expect, ev);
	if (o->rec)
		run_record_pump_event(o->rec, ev);
}

/* The pump's Bluetooth server: what the phone (or an attacker) did, and the decision. */
static void observe_audit(const ble_audit_event *ev, void *user_data)
{
	observers *o = user_data;
	event_stream_audit(o->events, ev);
	const bool refused = ev->decision == BLE_DECISION_REFUSED;
	if (refused) {
		o->sum->refused_over_ble += ev->count;
		if (o->expect)
			expect_eval_refusal(o->expect, ev->t_min, ev->reason, ev->count);
	}
	/* What the scenario's phones did and saw (engine_ble.c), for expectations. */
	if (o->expect && ev->kind == BLE_AUDIT_ATTACK)
		expect_eval_attack(o->expect, ev->t_min, ev->reason, ev->answer);
	if (o->expect && ev->kind == BLE_AUDIT_PHONE && !refused &&
	    ev->char_id == GATT_IDD_HISTORY_DATA)
		expect_eval_history(o->expect, ev->t_min, ev->request_opcode, ev->count);
	if (o->rec)
		run_record_audit(o->rec, ev);
}

/* What happened on the air (pairing, bonds, connections) into the event stream. */
static void observe_bluez(const bluez_event *ev, void *user_data)
{
	observers *o = user_data;
	if (bluez_status_apply(&o->ble, ev))
		o->ble_changed = true;
	/* Every new bond is announced on the pump; a second phone waits for the person to
	 * confirm it there, which revokes the first (one controller, docs/ble.md). */
	if (ev->kind == BLUEZ_EV_BOND_CREATED && engine_bond_created(o->engine, ev->device))
		o->bonds++;
	if (ev->kind == BLUEZ_EV_BOND_REMOVED)
		engine_bond_removed(o->engine, ev->device);
	if (ev->kind == BLUEZ_EV_PAIRING_WINDOW_CLOSED && ev->attempts > 0)
		/* Someone may be guessing passkeys: the person at the pump must know. */
		engine_pairing_attempts(o->engine, (unsigned)ev->attempts);
	if (!o->events)
		return;
	event_stream_begin(o->events, engine_now_min(o->engine), bluez_event_kind_name(ev->kind));
	if (ev->adapter && ev->adapter[0])
		event_stream_str(o->events, "adapter", ev->adapter);
	switch (ev->kind) {
	case BLUEZ_EV_PASSKEY_DISPLAYED: {
		char passkey[8];
		snprintf(passkey, sizeof passkey, "%06u", (unsigned)(ev->passkey % 1000000u));
		event_stream_str(o->events, "passkey", passkey);
		event_stream_str(o->events, "peer", ev->address);
		break;
	}
	case BLUEZ_EV_CONNECTED:
	case BLUEZ_EV_SECURITY_CHANGED:
		event_stream_str(o->events, "peer", ev->address);
		event_stream_str(o->events, "device", ev->device);
		event_stream_str(o->events, "security", ble_link_security_name(ev->security));
		event_stream_bool(o->events, "bonded", ev->bonded);
		break;
	case BLUEZ_EV_DISCONNECTED:
	case BLUEZ_EV_BOND_CREATED:
	case BLUEZ_EV_BOND_REMOVED:
	case BLUEZ_EV_PAIRING_REFUSED:
	case BLUEZ_EV_PAIRING_FAILED:
		event_stream_str(o->events, "peer", ev->address);
		event_stream_str(o->events, "device", ev->device);
		break;
	case BLUEZ_EV_ADVERTISING_STARTED:
		event_stream_str(o->events, "name", ev->name);
		break;
	case BLUEZ_EV_PAIRING_WINDOW_OPENED:
		event_stream_num(o->events, "seconds", ev->seconds);
		break;
	default:
		break;
	}
	if (ev->detail)
		event_stream_str(o->events, "detail", ev->detail);
	event_stream_end(o->events);
}

/* The scenario pressed the pump's pair key (pairing_window: event). */
static void observe_pairing_key(int64_t t_min, int64_t window_min, void *user_data)
{
	observers *o = user_data;
	if (o->gw) {
		bluez_gateway_open_pairing(o->gw, (double)window_min * 60.0, "scenario");
	} else if (!o->quiet) {
		fprintf(stderr,
		        "fakepump: t = %" PRId64 " min: pairing_window ignored: not on the air "
		        "(run with --ble)\n",
		        t_min);
	}
}

/* Wait until the monotonic time `when_s`, serving Bluetooth meanwhile when it is on. */
static void wait_until(bluez_gateway *gw, double when_s)
{
	if (!gw) {
		sleep_until(when_s);
		return;
	}
	for (;;) {
		double left_s = when_s - monotonic_s();
		if (left_s <= 0 || stop_request_signal()) {
			bluez_gateway_poll(gw, 0);
			return;
		}
		bluez_gateway_poll(gw, (int)fmin(50.0, ceil(left_s * 1000.0)));
	}
}

void run_copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The pump's screen for the viewer: the row, and what only the pump knows. */
static void fill_screen(const viewer_api *ui, viewer_pump_screen *s, const engine_row *row,
                        engine *e)
{
	ui->screen_from_row(s, row);
	const pump *p = engine_pump(e);
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

/* The live window's keys. Returns false when the person asked to quit. */
typedef struct live {
	const viewer_api *ui;
	viewer *v;
	double speed;    /* current pacing, 0 = max */
	bool paused;
	double anchor_s; /* wall time of anchor_min at the current speed */
	int64_t anchor_min;
	observers *obs;  /* the radio (pair key) and the Bluetooth line */
} live;

/* Tell the window what the pump's screen says about Bluetooth, when that changed. */
static void show_ble(live *lv)
{
	observers *o = lv->obs;
	if (!lv->v || !o || !o->ble_changed)
		return;
	o->ble_changed = false;
	lv->ui->set_ble_state(lv->v, o->ble.state, o->ble.peer[0] ? o->ble.peer : NULL,
	                      o->ble.passkey[0] ? o->ble.passkey : NULL);
}

/* One slice of a live window's wait: redraw the pump's screen if due, serve Bluetooth,
 * then wait up to `wait_ms` for a key. */
static void window_slice(live *lv, engine *e, const engine_row *row, trace *tr,
                         bluez_gateway *gw, int wait_ms)
{
	viewer_pump_screen screen;
	fill_screen(lv->ui, &screen, row, e);
	show_ble(lv);
	lv->ui->update(lv->v, tr, &screen);
	if (gw)
		bluez_gateway_poll(gw, 0);
	lv->ui->wait(lv->v, wait_ms);
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

static bool handle_input(live *lv, engine *e, int64_t now_min)
{
	viewer_input in;
	while (lv->ui->poll(lv->v, &in)) {
		switch (in.action) {
		case VIEWER_ACTION_QUIT:
			return false;
		case VIEWER_ACTION_PAUSE:
			lv->paused = !lv->paused;
			break;
		case VIEWER_ACTION_FASTER:
		case VIEWER_ACTION_SLOWER:
			lv->speed = next_speed(lv->speed, in.action == VIEWER_ACTION_FASTER ? 1 : -1);
			break;
		case VIEWER_ACTION_ACKNOWLEDGE:
			if (in.annunciation_id)
				engine_confirm_annunciation(e, in.annunciation_id);
			break;
		case VIEWER_ACTION_OPEN_PAIRING:
			if (lv->obs && lv->obs->gw)
				bluez_gateway_open_pairing(lv->obs->gw, lv->obs->pair_window_s,
				                           "pump key");
			else if (!lv->obs || !lv->obs->quiet)
				fprintf(stderr, "fakepump: pair key: not on the air (run with --ble)\n");
			break;
		case VIEWER_ACTION_NONE:
			break;
		}
		lv->anchor_s = monotonic_s();
		lv->anchor_min = now_min;
		lv->ui->set_run_state(lv->v, lv->speed, lv->paused);
	}
	return true;
}

/* Removes a file a set-up that failed had created, so that a refused run leaves nothing. */
static void remove_created(const char *path, bool existed)
{
	if (path && !existed && strcmp(path, "-") != 0)
		remove(path);
}

/* Every output checked before anything is created (output_check.h). */
static bool check_outputs(const run_options *opt, run_report *rep)
{
	const output_path outputs[] = {
		{"--csv", opt->csv_path, OUTPUT_STREAM},   {"--events", opt->events_path, OUTPUT_STREAM},
		{"--png", opt->png_path, OUTPUT_FILE},     {"--junit", opt->junit_path, OUTPUT_FILE},
		{"--db", opt->db_path, OUTPUT_DATABASE},
	};
	if (output_check(outputs, sizeof outputs / sizeof outputs[0], rep->message,
	                 sizeof rep->message))
		return true;
	rep->status = RUN_BAD_INPUT;
	rep->outputs_refused = true;
	return false;
}

/* Opens the run database and begins the run. */
static bool begin_recording(const run_options *opt, const scenario *sc, recorder **rec,
                            run_report *rep)
{
	char msg[600];
	if (!recorder_open(opt->db_path, rec, msg, sizeof msg)) {
		rep->status = RUN_BAD_INPUT;
		rep->outputs_refused = true;
		snprintf(rep->message, sizeof rep->message, "--db: %s", msg);
		return false;
	}
	run_record_codes(*rec);
	recorder_run_info info = {
		.scenario_name = sc->name,
		.scenario_path = opt->scenario_text ? NULL : sc->path,
		.scenario_text = opt->scenario_text ? opt->scenario_text : sc->text,
		.seed = sc->seed,
		.patient = sc->patient->name,
		.duration_min = sc->duration_min,
		.start_min_of_day = sc->start_min_of_day,
		.fakepump_version = FAKEPUMP_VERSION,
	};
	if (!recorder_begin_run(*rec, &info, &rep->run_id, msg, sizeof msg)) {
		run_copy_text(rep->message, sizeof rep->message, msg);
		return false;
	}
	return true;
}

/* After the scenario's end: the window stays (demo) or the pump keeps serving (--hold)
 * until q, SIGINT or SIGTERM. The run is complete: ending this is not an interruption. */
static void hold_after_end(const run_options *opt, live *lv, engine *e, const engine_row *row,
                           trace *tr, bluez_gateway *gw, event_stream *events)
{
	if (opt->hold) {
		if (!opt->quiet)
			fprintf(stderr,
			        "fakepump: scenario over at t = %" PRId64 " min; holding (Ctrl-C to stop)\n",
			        row->t_min);
		if (events) {
			event_stream_begin(events, row->t_min, "holding");
			event_stream_end(events);
		}
	}
	if (lv->v) {
		/* The window stays for panning, zooming and screenshots. */
		viewer_pump_screen screen;
		fill_screen(lv->ui, &screen, row, e);
		show_ble(lv);
		lv->ui->set_run_state(lv->v, lv->speed, true);
		lv->ui->draw(lv->v, tr, &screen);
	}
	while (!stop_request_signal()) {
		if (lv->v) {
			if (!handle_input(lv, e, row->t_min))
				break;
			window_slice(lv, e, row, tr, gw, 16);
		} else if (gw) {
			bluez_gateway_poll(gw, 200);
		} else {
			sleep_until(monotonic_s() + 0.2);
		}
	}
}

void run_one(const run_options *opt, run_report *rep)
{
	*rep = (run_report){.status = RUN_ERROR};
	const double start_s = monotonic_s();
	run_copy_text(rep->path, sizeof rep->path, opt->scenario_path);

	scenario sc = {0};
	scenario_error err;
	bool loaded = opt->scenario_text
	                      ? scenario_load_string(opt->scenario_text, strlen(opt->scenario_text),
	                                             opt->scenario_path, &sc, &err)
	                      : scenario_load_file(opt->scenario_path, &sc, &err);
	if (!loaded) {
		rep->status = RUN_BAD_INPUT;
		run_copy_text(rep->message, sizeof rep->message, err.message);
		return;
	}
	run_copy_text(rep->name, sizeof rep->name, sc.name);
	run_copy_text(rep->patient, sizeof rep->patient, sc.patient->name);
	run_copy_text(rep->expect_failure, sizeof rep->expect_failure, sc.expect_failure);
	rep->checks = sc.expectation_count;
	if (!check_outputs(opt, rep)) {
		scenario_free(&sc);
		rep->wall_s = monotonic_s() - start_s;
		return;
	}

	run_end_outputs out = {0};
	engine *e = NULL;
	expect_eval *x = NULL;
	trace *tr = NULL;
	bluez_gateway *gw = NULL;
	live lv = {.speed = opt->speed};
	char msg[600];
	const bool csv_existed = output_exists(opt->csv_path),
	           events_existed = output_exists(opt->events_path);
	const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
	const bool has_display = (display && *display) || (wayland && *wayland);
	const bool wants_window = opt->interactive && !opt->headless && has_display;
	if (opt->interactive && !opt->headless && !has_display && !opt->quiet)
		fprintf(stderr, "fakepump: headless: no display (DISPLAY is not set)\n");
	/* Set-up, before the first minute: a failure here removes what it created. */
	bool set_up = false;
	if (wants_window || opt->png_path) {
		lv.ui = viewer_api_get(msg, sizeof msg);
		if (!lv.ui && opt->png_path) {
			snprintf(rep->message, sizeof rep->message, "--png: %s", msg);
			goto set_up_done;
		}
		if (!lv.ui && !opt->quiet)
			fprintf(stderr, "fakepump: headless: %s\n", msg);
	}
	if (opt->events_path) {
		out.events = event_stream_open(opt->events_path, msg, sizeof msg);
		if (!out.events) {
			rep->status = RUN_BAD_INPUT;
			snprintf(rep->message, sizeof rep->message, "--events: %s", msg);
			goto set_up_done;
		}
	}
	if (opt->csv_path) {
		out.csv = strcmp(opt->csv_path, "-") == 0 ? stdout : fopen(opt->csv_path, "w");
		if (!out.csv) {
			rep->status = RUN_BAD_INPUT;
			snprintf(rep->message, sizeof rep->message, "--csv: cannot write %s: %s",
			         opt->csv_path, strerror(errno));
			goto set_up_done;
		}
	}
	/* The database last: it may be shared with other processes, so a failure here never
	 * removes it (the outputs above are this run's own). */
	if (opt->db_path && !begin_recording(opt, &sc, &out.rec, rep))
		goto set_up_done;
	e = engine_new(&sc);
	x = expect_eval_new(&sc);
	if (!e || !x || (opt->ble && !engine_enable_ble(e))) {
		snprintf(rep->message, sizeof rep->message, "cannot set up the run (out of memory)");
		goto set_up_done;
	}
	if (lv.ui && wants_window) {
		char why[256], title[200];
		snprintf(title, sizeof title, "%s · %s", sc.name, sc.patient->name);
		lv.v = lv.ui->open(&(viewer_options){.title = title, .quiet = opt->quiet}, why,
		                   sizeof why);
		if (!lv.v && !opt->quiet)
			fprintf(stderr, "fakepump: headless: %s\n", why);
		if (lv.v)
			lv.ui->set_run_state(lv.v, lv.speed, false);
	}
	if (lv.v || opt->png_path) {
		tr = trace_new();
		if (!tr) {
			snprintf(rep->message, sizeof rep->message, "out of memory for the trace");
			goto set_up_done;
		}
	}
	set_up = true;
set_up_done:
	if (!set_up) {
		rep->outputs_refused = rep->status == RUN_BAD_INPUT;
		if (out.csv && out.csv != stdout)
			fclose(out.csv);
		event_stream_close(out.events);
		if (out.rec) /* begun, then the set-up failed: an error, not a dead writer */
			recorder_end_run(out.rec, "error", NULL);
		recorder_close(out.rec);
		remove_created(opt->csv_path, csv_existed);
		remove_created(opt->events_path, events_existed);
		if (lv.v)
			lv.ui->close(lv.v);
		trace_free(tr);
		expect_eval_free(x);
		engine_free(e);
		scenario_free(&sc);
		rep->run_id = 0;
		rep->wall_s = monotonic_s() - start_s;
		return;
	}
	out.tr = tr;
	out.ui = lv.ui;

	summary sum;
	summary_init(&sum);
	observers obs = {.sum = &sum,
	                 .expect = sc.expectation_count ? x : NULL,
	                 .rec = out.rec,
	                 .trace = tr,
	                 .events = out.events,
	                 .engine = e,
	                 .pair_window_s = opt->pair_window_s > 0 ? opt->pair_window_s
	                                                         : DEFAULT_PAIR_WINDOW_S,
	                 .quiet = opt->quiet};
	bluez_status_init(&obs.ble);
	obs.ble_changed = opt->ble;
	lv.obs = &obs;
	engine_on_event(e, observe_event, &obs);
	engine_on_pairing_window(e, observe_pairing_key, &obs);
	engine_on_ble_audit(e, observe_audit, &obs);
	if (out.events) {
		event_stream_begin(out.events, 0, "run_started");
		event_stream_str(out.events, "scenario", sc.name);
		event_stream_str(out.events, "patient", sc.patient->name);
		event_stream_num(out.events, "speed", opt->speed);
		event_stream_bool(out.events, "ble", opt->ble);
		event_stream_end(out.events);
	}
	/* From here on every ending goes through run_end (SIGINT/SIGTERM: the next minute). */
	stop_request_install();
	if (opt->ble) {
		GError *gerr = NULL;
		const bluez_options bo = {.adapter = opt->adapter,
		                          .pair_window_s = opt->pair_window_s,
		                          .quiet = opt->quiet,
		                          .on_event = observe_bluez,
		                          .user_data = &obs};
		gw = bluez_gateway_new(engine_server(e), &bo, &gerr);
		if (!gw) {
			/* No system bus: no bluetoothd either. One line; the run goes on headless. */
			fprintf(stderr, "fakepump: bluetooth: no system D-Bus (%s); the simulation goes on without "
			                "Bluetooth\n",
			        gerr ? gerr->message : "cannot reach the system D-Bus");
			if (out.events) {
				event_stream_begin(out.events, 0, "bluetooth_notice");
				event_stream_str(out.events, "detail", gerr ? gerr->message : "no system bus");
				event_stream_end(out.events);
			}
			g_clear_error(&gerr);
		} else {
			obs.gw = gw;
			bluez_gateway_poll(gw, 0);
		}
	}
	engine_set_detailed_rows(e, out.csv || out.rec || tr || sc.expectation_count);
	lv.anchor_s = start_s;

	double next_progress_s = start_s + 0.5;
	bool progress_shown = false;
	if (out.csv)
		csv_write_header(out.csv);
	run_end_cause cause = {.kind = RUN_END_COMPLETED, .at_min = sc.duration_min};
	engine_row row = {0};
	for (;;) {
		engine_status st = engine_next(e, &row);
		if (st == ENGINE_FAILED || st == ENGINE_DONE) {
			cause.kind = RUN_END_ERROR;
			cause.at_min = row.t_min;
			snprintf(cause.error, sizeof cause.error, "t = %" PRId64 " min: %s", row.t_min,
			         st == ENGINE_FAILED ? engine_error(e) : "the engine ended early");
			break;
		}
		const bool integrated = st == ENGINE_ROW;
		bluez_gateway_set_now(gw, engine_now_min(e));
		if (out.events && row.has_cgm) {
			event_stream_begin(out.events, row.t_min, "cgm");
			event_stream_num(out.events, "mgdl", row.cgm_mgdl);
			event_stream_end(out.events);
		}
		summary_add(&sum, &row, integrated);
		if (sc.expectation_count)
			expect_eval_row(x, &row, integrated);
		if (out.rec)
			run_record_row(out.rec, &row);
		if (tr) {
			trace_append_row(tr, &row);
			if (row.meal_announced_g > 0)
				trace_add_meal(tr, row.t_min, row.meal_announced_g);
		}
		/* The CSV last: when it cannot be written, every other output has this row too. */
		if (out.csv) {
			csv_write_row(out.csv, &row);
			if (ferror(out.csv)) {
				cause.kind = RUN_END_ERROR;
				cause.at_min = row.t_min + 1;
				snprintf(cause.error, sizeof cause.error,
				         "cannot write %s: %s (the run stopped at t = %" PRId64 " min)",
				         opt->csv_path, strerror(errno), cause.at_min);
				break;
			}
		}
		bool quit = false;
		if (lv.v) {
			if (lv.ui->frame_due(lv.v)) {
				viewer_pump_screen screen;
				fill_screen(lv.ui, &screen, &row, e);
				show_ble(&lv);
				lv.ui->update(lv.v, tr, &screen);
			}
			/* Pace (or hold while paused) in slices, so the window stays alive. */
			while (!stop_request_signal()) {
				if (!handle_input(&lv, e, row.t_min + 1)) {
					quit = true;
					break;
				}
				double due = lv.speed > 0 ? lv.anchor_s + (double)(row.t_min + 1 -
				                                                   lv.anchor_min) *
				                                                  60.0 / lv.speed
				                          : 0;
				double wait_s = due - monotonic_s();
				if (!lv.paused && wait_s <= 0)
					break;
				window_slice(&lv, e, &row, tr, gw,
				             lv.paused ? 16 : (int)fmin(16.0, wait_s * 1000.0) + 1);
			}
		} else if (opt->speed > 0.0) {
			wait_until(gw, start_s + (double)(row.t_min + 1) * 60.0 / opt->speed);
		} else if (gw) {
			bluez_gateway_poll(gw, 0);
		}
		if (!integrated) {
			cause.at_min = row.t_min;
			break;
		}
		if (quit || stop_request_signal()) {
			cause.kind = RUN_END_INTERRUPTED;
			cause.signal = quit ? SIGINT : stop_request_signal();
			cause.from_window = quit;
			cause.at_min = row.t_min + 1;
			break;
		}
		if (opt->progress && (row.t_min % 1440 == 0 || opt->speed > 0.0)) {
			double now = monotonic_s();
			if (now >= next_progress_s) {
				printf("\r  %s: day %d of %.0f (%.0f%%) ", sc.name, row.day,
				       ceil((double)sc.duration_min / 1440.0),
				       100.0 * (double)row.t_min / (double)sc.duration_min);
				fflush(stdout);
				progress_shown = true;
				next_progress_s = now + 0.5;
			}
		}
	}
	if (progress_shown) {
		printf("\r%60s\r", "");
		fflush(stdout);
	}
	if (cause.kind == RUN_END_COMPLETED &&
	    (opt->hold || (opt->keep_window && lv.v && !opt->png_path))) {
		/* The picture first: --png never waits for a person. */
		run_end_picture(opt, &sc, &out, &cause, rep);
		hold_after_end(opt, &lv, e, &row, tr, gw, out.events);
	}
	if (lv.v) {
		lv.ui->close(lv.v);
		lv.v = NULL;
	}
	run_end(opt, &sc, &out, &sum, sc.expectation_count ? x : NULL, &cause, rep);

	/* The handlers stay: a signal after the end is noted, a second one ends the process. */
	bluez_gateway_free(gw); /* before the engine whose server it serves */
	trace_free(tr);
	expect_eval_free(x);
	engine_free(e);
	scenario_free(&sc);
	rep->wall_s = monotonic_s() - start_s;
}

void run_report_free(run_report *r)
{
	free(r->expectations);
	r->expectations = NULL;
	r->expectation_count = 0;
}

/* ---- the report across a pipe: "key\tvalue" lines, tabs and newlines escaped -------- */

static void put(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s\t", key);
	for (const char *p = value; p && *p; p++) {
		if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p == '\\')
			fputs("\\\\", out);
		else
			fputc(*p, out);
	}
	fputc('\n', out);
}

static void put_number(FILE *out, const char *key, double v)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.17g", v);
	put(out, key, buf);
}

void run_report_write(const run_report *r, FILE *out)
{
	put(out, "name", r->name);
	put(out, "path", r->path);
	put(out, "patient", r->patient);
	put(out, "status", run_status_name(r->status));
	put(out, "message", r->message);
	put(out, "expect_failure", r->expect_failure);
	put_number(out, "wall_s", r->wall_s);
	put_number(out, "run_id", (double)r->run_id);
	put_number(out, "checks", (double)r->checks);
	put_number(out, "stop_signal", r->stop_signal);
	put(out, "stopped_at", r->stopped_at);
	put(out, "alarms", r->alarms);
	if (r->has_figures) {
		const summary_figures *f = &r->figures;
		const double v[] = {f->days, f->mean_mgdl, f->sd_mgdl, f->cv_pct, f->gmi_pct,
		                    f->min_mgdl, f->max_mgdl, f->tir_70_180_pct, f->below_70_pct,
		                    f->below_54_pct, f->above_180_pct, f->above_250_pct, f->lbgi,
		                    f->hbgi, f->insulin_u, f->basal_u, f->bolus_u, f->carbs_g,
		                    (double)f->annunciations, (double)f->commands, (double)f->refused};
		char buf[1024];
		size_t used = 0;
		for (size_t i = 0; i < sizeof v / sizeof v[0] && used < sizeof buf; i++)
			used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%.17g", i ? " " : "",
			                         v[i]);
		put(out, "figures", buf);
	}
	for (size_t i = 0; i < r->expectation_count; i++) {
		const run_expectation_line *l = &r->expectations[i];
		put(out, "expectation", l->passed ? "passed" : "failed");
		put(out, "text", l->text);
		put(out, "where", l->where);
		put(out, "measured", l->measured);
	}
	fflush(out);
}

static void unescape_into(char *dst, size_t cap, const char *src, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len && w + 1 < cap; i++) {
		if (src[i] == '\\' && i + 1 < len) {
			char c = src[++i];
			dst[w++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		} else {
			dst[w++] = src[i];
		}
	}
	dst[w] = '\0';
}

bool run_report_read(const char *text, run_report *r)
{
	*r = (run_report){.status = RUN_ERROR};
	size_t cap = 0;
	bool any = false;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *tab = memchr(line, '\t', len);
		if (tab) {
			const size_t klen = (size_t)(tab - line);
			const char *v = tab + 1;
			const size_t vlen = len - klen - 1;
			char value[1100];
			unescape_into(value, sizeof value, v, vlen);
			any = true;
#define KEY(k) (klen == strlen(k) && strncmp(line, k, klen) == 0)
			if (KEY("name"))
				run_copy_text(r->name, sizeof r->name, value);
			else if (KEY("path"))
				run_copy_text(r->path, sizeof r->path, value);
			else if (KEY("patient"))
				run_copy_text(r->patient, sizeof r->patient, value);
			else if (KEY("message"))
				run_copy_text(r->message, sizeof r->message, value);
			else if (KEY("expect_failure"))
				run_copy_text(r->expect_failure, sizeof r->expect_failure, value);
			else if (KEY("wall_s"))
				r->wall_s = strtod(value, NULL);
			else if (KEY("run_id"))
				r->run_id = (int64_t)strtod(value, NULL);
			else if (KEY("checks"))
				r->checks = (size_t)strtod(value, NULL);
			else if (KEY("stop_signal"))
				r->stop_signal = (int)strtod(value, NULL);
			else if (KEY("stopped_at"))
				run_copy_text(r->stopped_at, sizeof r->stopped_at, value);
			else if (KEY("alarms"))
				run_copy_text(r->alarms, sizeof r->alarms, value);
			else if (KEY("status")) {
				for (int s = RUN_PASSED; s < RUN_STATUS_COUNT; s++)
					if (strcmp(value, status_names[s]) == 0)
						r->status = (run_status)s;
			} else if (KEY("figures")) {
				summary_figures *f = &r->figures;
				double n[21] = {0};
				char *p = value;
				for (int i = 0; i < 21; i++)
					n[i] = strtod(p, &p);
				*f = (summary_figures){n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7],
				                       n[8], n[9], n[10], n[11], n[12], n[13], n[14],
				                       n[15], n[16], n[17], (int64_t)n[18],
				                       (int64_t)n[19], (int64_t)n[20]};
				r->has_figures = true;
			} else if (KEY("expectation")) {
				if (r->expectation_count == cap) {
					cap = cap ? 2 * cap : 8;
					run_expectation_line *grown =
						realloc(r->expectations, cap * sizeof *grown);
					if (!grown)
						return false;
					r->expectations = grown;
				}
				run_expectation_line *l = &r->expectations[r->expectation_count++];
				*l = (run_expectation_line){.passed = strcmp(value, "passed") == 0};
			} else if (r->expectation_count > 0) {
				run_expectation_line *l = &r->expectations[r->expectation_count - 1];
				if (KEY("text"))
					run_copy_text(l->text, sizeof l->text, value);
				else if (KEY("where"))
					run_copy_text(l->where, sizeof l->where, value);
				else if (KEY("measured"))
					run_copy_text(l->measured, sizeof l->measured, value);
			}
#undef KEY
		}
		line = end ? end + 1 : NULL;
	}
	return any;
}
