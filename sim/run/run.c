/*
 * run — one scenario from start to end (see run.h): load it, check every output, set up the
 * engine and the outputs (run_outputs.c), then minute by minute: the engine's row to every
 * output (run_sink.h), the air served and the clock paced between minutes; at the end every
 * output finished, however the run ended. Owns the wall clock (pacing.h); the engine stays
 * clock-free.
 *
 * Must never: start a run whose scenario or outputs are bad (bad input ends before the
 * first minute, with nothing written), or lose what was recorded before an error.
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "engine.h"
#include "output_check.h"
#include "pacing.h"
#include "run.h"
#include "run_air.h"
#include "run_ctl.h"
#include "run_outputs.h"
#include "scenario.h"
#include "stop_request.h"

/* Every output checked before anything is created (output_check.h). */
static bool check_outputs(const run_options *opt, run_report *rep)
{
	const output_path outputs[] = {
	    {"--csv", opt->csv_path, OUTPUT_STREAM}, {"--events", opt->events_path, OUTPUT_STREAM},
	    {"--png", opt->png_path, OUTPUT_FILE},   {"--junit", opt->junit_path, OUTPUT_FILE},
	    {"--db", opt->db_path, OUTPUT_DATABASE},
	};
	if (output_check(outputs, sizeof outputs / sizeof outputs[0], rep->message,
	                 sizeof rep->message))
		return true;
	rep->status = RUN_BAD_INPUT;
	rep->outputs_refused = true;
	return false;
}

static bool load(const run_options *opt, scenario *sc, run_report *rep)
{
	scenario_error err;
	const bool loaded = opt->scenario_text ? scenario_load_string(opt->scenario_text,
	                                                              strlen(opt->scenario_text),
	                                                              opt->scenario_path, sc, &err)
	                                       : scenario_load_file(opt->scenario_path, sc, &err);
	if (!loaded) {
		rep->status = RUN_BAD_INPUT;
		run_copy_text(rep->message, sizeof rep->message, err.message);
		return false;
	}
	run_copy_text(rep->name, sizeof rep->name, sc->name);
	run_copy_text(rep->patient, sizeof rep->patient, sc->patient->name);
	run_copy_text(rep->expect_failure, sizeof rep->expect_failure, sc->expect_failure);
	rep->checks = sc->expectation_count;
	return true;
}

/* The engine's events reach every output as they happen. */
static void forward_pump_event(const pump_event *ev, void *user_data)
{
	run_sinks_pump_event(user_data, ev);
}

static void forward_controller(const controller_report *rep, void *user_data)
{
	run_sinks_controller(user_data, rep);
}

static void forward_audit(const ble_audit_event *ev, void *user_data)
{
	run_sinks_audit(user_data, ev);
}

/* "  normal-day: day 3 of 7 (28%)" on a terminal, every half second at most. */
typedef struct progress {
	double next_s;
	bool shown;
} progress;

static void show_progress(progress *p, const run_options *opt, const scenario *sc,
                          const engine_row *row)
{
	if (!opt->progress || !(row->t_min % CLOCK_MIN_PER_DAY == 0 || opt->speed > 0.0))
		return;
	const double now = pacing_now_s();
	if (now < p->next_s)
		return;
	printf("\r  %s: day %d of %.0f (%.0f%%) ", sc->name, row->day,
	       ceil((double)sc->duration_min / CLOCK_MIN_PER_DAY),
	       100.0 * (double)row->t_min / (double)sc->duration_min);
	fflush(stdout);
	p->shown = true;
	p->next_s = now + 0.5;
}

/* Minute by minute until the end, a stop request, q, or an error; how it ended. */
static void play(const run_options *opt, const scenario *sc, engine *e, run_outputs *out,
                 run_air *air, run_ctl *ctl, double start_s, engine_row *row, run_end_cause *cause)
{
	bluez_gateway *gw = run_air_gateway(air); /* NULL: not on the air */
	progress prog = {.next_s = start_s + 0.5, .shown = false};
	*cause = (run_end_cause){.kind = RUN_END_COMPLETED, .at_min = sc->duration_min};
	for (;;) {
		engine_status st = engine_next(e, row);
		if (st == ENGINE_FAILED || st == ENGINE_DONE) {
			cause->kind = RUN_END_ERROR;
			cause->at_min = row->t_min;
			snprintf(cause->error, sizeof cause->error, "t = %" PRId64 " min: %s",
			         row->t_min,
			         st == ENGINE_FAILED ? engine_error(e) : "the engine ended early");
			break;
		}
		const bool integrated = st == ENGINE_ROW;
		if (gw)
			run_air_minute(air);
		if (!run_sinks_row(&out->sinks, row, integrated, cause->error,
		                   sizeof cause->error)) {
			cause->kind = RUN_END_ERROR;
			cause->at_min = row->t_min + 1;
			break;
		}
		bool quit = false;
		if (out->window)
			quit = !live_window_pace(out->window, row, air);
		else if (ctl)
			run_ctl_wait(ctl, gw, row); /* `fakepump ctl` may change the pace */
		else if (opt->speed > 0.0)
			pacing_wait_until(gw,
			                  start_s + (double)(row->t_min + 1) * 60.0 / opt->speed);
		else if (gw)
			bluez_gateway_poll(gw, 0);
		if (!integrated) {
			cause->at_min = row->t_min;
			break;
		}
		if (quit || stop_request_signal()) {
			cause->kind = RUN_END_INTERRUPTED;
			cause->signal = quit ? SIGINT : stop_request_signal();
			cause->from_window = quit;
			cause->at_min = row->t_min + 1;
			break;
		}
		show_progress(&prog, opt, sc, row);
	}
	if (prog.shown) {
		printf("\r%60s\r", "");
		fflush(stdout);
	}
}

/* After the scenario's end: the window stays (demo) or the pump keeps serving (--hold)
 * until q, SIGINT or SIGTERM. The run is complete: ending this is not an interruption. */
static void hold_after_end(const run_options *opt, run_outputs *out, run_air *air,
                           const engine_row *row)
{
	if (opt->hold) {
		if (!opt->quiet)
			fprintf(stderr,
			        "fakepump: scenario over at t = %" PRId64
			        " min; holding (Ctrl-C to stop)\n",
			        row->t_min);
		run_sinks_notice(&out->sinks, row->t_min, "holding", NULL);
	}
	if (out->window) {
		live_window_hold(out->window, row, air);
		return;
	}
	/* The default context serves the gateway and the live control (run_ctl.h). */
	while (!stop_request_signal())
		bluez_gateway_poll(run_air_gateway(air), 200);
}

void run_one(const run_options *opt, run_report *rep)
{
	*rep = (run_report){.status = RUN_ERROR};
	const double start_s = pacing_now_s();
	run_copy_text(rep->path, sizeof rep->path, opt->scenario_path);

	scenario sc = {0};
	if (!load(opt, &sc, rep))
		return;
	if (!check_outputs(opt, rep)) {
		scenario_free(&sc);
		rep->wall_s = pacing_now_s() - start_s;
		return;
	}

	/* Set-up, before the first minute: a failure here removes what it created. */
	run_outputs out;
	engine *e = engine_new(&sc);
	bool set_up = e && (!opt->ble || engine_enable_ble(e));
	if (!set_up)
		run_copy_text(rep->message, sizeof rep->message,
		              "cannot set up the run (out of memory)");
	else
		set_up = run_outputs_open(&out, opt, &sc, e, start_s, rep);
	if (!set_up) {
		rep->outputs_refused = rep->status == RUN_BAD_INPUT;
		engine_free(e);
		scenario_free(&sc);
		rep->run_id = 0;
		rep->wall_s = pacing_now_s() - start_s;
		return;
	}
	/* The live control of a run a person or a rig can reach while it runs (run_ctl.h). */
	run_ctl *ctl = NULL;
	if (opt->name || opt->hold || opt->ble || opt->speed > 0.0 || out.window) {
		char name[RUN_CTL_NAME_MAX + 1];
		run_ctl_default_name(sc.name, name, sizeof name);
		/* The server is there for faults shown to a phone, even before one connects. */
		if (engine_enable_ble(e))
			ctl = run_ctl_open(opt->name ? opt->name : name, opt, &sc, e, &out.sinks,
			                   rep);
		if (!ctl) {
			run_sinks_abandon(&out.sinks);
			rep->outputs_refused = rep->status == RUN_BAD_INPUT;
			engine_free(e);
			scenario_free(&sc);
			rep->wall_s = pacing_now_s() - start_s;
			return;
		}
		if (out.window)
			run_ctl_window_paces(ctl);
	}
	engine_on_event(e, forward_pump_event, &out.sinks);
	engine_on_ble_audit(e, forward_audit, &out.sinks);
	engine_on_controller(e, forward_controller, &out.sinks);
	engine_set_detailed_rows(e, run_sinks_detailed_rows(&out.sinks));
	run_sinks_start(&out.sinks, &(run_context){.opt = opt, .sc = &sc});
	/* From here on every ending goes through the sinks' finish (SIGINT/SIGTERM: the next
	 * minute). */
	stop_request_install();
	run_air *air = run_air_open(opt, e, &out.sinks);
	run_end_cause cause = {.kind = RUN_END_ERROR};
	engine_row row = {0};
	if (!air) {
		snprintf(cause.error, sizeof cause.error, "cannot set up the run (out of memory)");
	} else {
		engine_on_pairing_window(e, run_air_scenario_pair_key, air);
		run_ctl_set_air(ctl, air);
		play(opt, &sc, e, &out, air, ctl, start_s, &row, &cause);
	}

	const run_ending ending = {
	    .opt = opt, .sc = &sc, .sum = sink_verdict_summary(out.verdict), .cause = &cause};
	if (cause.kind == RUN_END_COMPLETED &&
	    (opt->hold || (opt->keep_window && out.window && !opt->png_path))) {
		/* The picture first: --png never waits for a person. */
		if (out.trace)
			sink_trace_picture(out.trace, &ending, rep);
		hold_after_end(opt, &out, air, &row);
	}
	run_sinks_finish(&out.sinks, &ending, rep);
	run_ctl_close(ctl); /* after the sinks: run_ended went out as its last Event */

	/* The handlers stay: a signal after the end is noted, a second one ends the process. */
	run_air_close(air); /* before the engine whose server it serves */
	engine_free(e);
	scenario_free(&sc);
	rep->wall_s = pacing_now_s() - start_s;
}
