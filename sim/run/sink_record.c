/*
 * sink_record — the run in its database (--db FILE; docs/database.md): the run begun before
 * the first minute (a database that cannot take it is refused then), every row as a sample,
 * every pump event and Bluetooth decision as an event (run_record.h says which columns each
 * fills), and at the end the run's status, end time and summary (with how it ended).
 *
 * Must never: leave a run 'running' (a set-up that fails after the run began ends it as
 * 'error'), or remove the database: it may be shared with other runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "recorder.h"
#include "run_record.h"
#include "sinks.h"

#ifndef FAKEPUMP_VERSION
#define FAKEPUMP_VERSION "unknown"
#endif

static bool on_row(void *self, const engine_row *r, bool integrated, char *err, size_t cap)
{
	(void)integrated, (void)err, (void)cap;
	run_record_row(self, r);
	return true;
}

static void on_pump_event(void *self, const pump_event *ev)
{
	run_record_pump_event(self, ev);
}

static void on_controller(void *self, const controller_report *rep)
{
	run_record_controller(self, rep);
}

static void on_audit(void *self, const ble_audit_event *ev)
{
	run_record_audit(self, ev);
}

/* The database's vocabulary (docs/database.md). */
static const char *status_of(const run_report *rep, size_t expectations)
{
	switch (rep->status) {
	case RUN_PASSED:
	case RUN_EXPECTED_FAILURE:
		return expectations ? "passed" : "done";
	case RUN_FAILED:
	case RUN_UNEXPECTED_PASS:
		return "failed";
	case RUN_INTERRUPTED:
		return "interrupted";
	default:
		return "error";
	}
}

/* The summary's JSON with how the run ended (docs/database.md, summary_json). */
static void summary_with_ending(const summary *sum, const run_end_cause *cause, char *buf,
                                size_t cap)
{
	size_t n = summary_json(sum, buf, cap);
	if (n == 0 || n >= cap || buf[n - 1] != '}')
		return;
	static const char *const names[] = {"completed", "interrupted", "error"};
	const bool interrupted = cause->kind == RUN_END_INTERRUPTED;
	snprintf(buf + n - 1, cap - (n - 1),
	         ",\"ended\":\"%s\",\"ended_at_min\":%" PRId64 "%s%s%s}", names[cause->kind],
	         cause->at_min, interrupted ? ",\"stopped_by\":\"" : "",
	         interrupted ? run_ending_stopped_by(cause) : "", interrupted ? "\"" : "");
}

static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	recorder *rec = self;
	char json[1400];
	summary_with_ending(end->sum, end->cause, json, sizeof json);
	if (!recorder_end_run(rec, status_of(rep, end->sc->expectation_count),
	                      end->sum->glucose.n > 0 ? json : NULL))
		run_report_fail(rep, recorder_error(rec));
}

/* Begun, then the set-up failed: an error, not a dead writer. */
static void on_abandon(void *self)
{
	recorder_end_run(self, "error", NULL);
}

static void close_recorder(void *self)
{
	recorder_close(self);
}

static const run_sink_ops record_ops = {
    .row = on_row,
    .pump_event = on_pump_event,
    .controller = on_controller,
    .audit = on_audit,
    .finish = on_finish,
    .abandon = on_abandon,
    .free = close_recorder,
};

bool sink_record_open(run_sinks *sinks, const run_options *opt, const scenario *sc, run_report *rep)
{
	char msg[600];
	recorder *rec = NULL;
	if (!recorder_open(opt->db_path, &rec, msg, sizeof msg)) {
		rep->status = RUN_BAD_INPUT;
		rep->outputs_refused = true;
		snprintf(rep->message, sizeof rep->message, "--db: %s", msg);
		return false;
	}
	run_record_codes(rec);
	const recorder_run_info info = {
	    .scenario_name = sc->name,
	    .scenario_path = opt->scenario_text ? NULL : sc->path,
	    .scenario_text = opt->scenario_text ? opt->scenario_text : sc->text,
	    .seed = sc->seed,
	    .patient = sc->patient->name,
	    .duration_min = sc->duration_min,
	    .start_min_of_day = sc->start_min_of_day,
	    .fakepump_version = FAKEPUMP_VERSION,
	};
	if (!recorder_begin_run(rec, &info, &rep->run_id, msg, sizeof msg)) {
		run_copy_text(rep->message, sizeof rep->message, msg);
		on_abandon(rec);
		recorder_close(rec);
		return false;
	}
	return run_sinks_add(sinks, RUN_SINK_DATABASE, &record_ops, rec, true, rep);
}
