/*
 * sink_verdict — how the run went: its statistics (summary.h) and its expectations
 * (expect.h), fed as the run goes; at the end the report's verdict, figures and messages.
 * It is the first sink finished (run_outputs.c): every other output records the verdict.
 *
 * A run stopped before its end is "interrupted": its expectations are not judged (a
 * partial run can neither pass nor fail them), and its exit status is 128 + the signal.
 *
 * The verdict is the scenario's: what happens after its end, while --hold keeps the pump
 * serving (a phone, `fakepump ctl`), is recorded by the other outputs but neither counts in
 * the statistics nor meets or breaks an expectation.
 *
 * Must never: judge expectations on a partial run, call an interrupted run passed or
 * failed, or let a verdict hide an output that already failed (a --hold run's picture).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "expect.h"
#include "sinks.h"

struct sink_verdict {
	int64_t end_min; /* the scenario's last minute: later events are after its end */
	summary sum;
	expect_eval *expect; /* NULL when the scenario has no expectations */
};

static bool on_row(void *self, const engine_row *r, bool integrated, char *err, size_t cap)
{
	(void)err, (void)cap;
	sink_verdict *v = self;
	summary_add(&v->sum, r, integrated);
	if (v->expect)
		expect_eval_row(v->expect, r, integrated);
	return true;
}

static void on_pump_event(void *self, const pump_event *ev)
{
	sink_verdict *v = self;
	if (ev->t_min > v->end_min)
		return;
	summary_add_event(&v->sum, ev);
	if (v->expect)
		expect_eval_event(v->expect, ev);
}

/* Refusals of the pump's Bluetooth server, and what the scenario's phones did and saw
 * (engine_ble.c): attacks played, history records received. */
static void on_audit(void *self, const ble_audit_event *ev)
{
	sink_verdict *v = self;
	if (ev->t_min > v->end_min)
		return;
	const bool refused = ev->decision == BLE_DECISION_REFUSED;
	if (refused) {
		v->sum.refused_over_ble += ev->count;
		if (v->expect)
			expect_eval_refusal(v->expect, ev->t_min, ev->reason, ev->count);
	}
	if (v->expect && ev->kind == BLE_AUDIT_ATTACK)
		expect_eval_attack(v->expect, ev->t_min, ev->reason, ev->answer);
	if (v->expect && ev->kind == BLE_AUDIT_PHONE && !refused &&
	    ev->char_id == GATT_IDD_HISTORY_DATA)
		expect_eval_history(v->expect, ev->t_min, ev->request_opcode, ev->count);
}

/* The verdict of a completed run and the report's expectation lines. */
static void conclude(run_report *rep, const scenario *sc, const expect_eval *x)
{
	rep->expectation_count = x ? expect_eval_count(x) : 0;
	rep->expectations =
	    calloc(rep->expectation_count ? rep->expectation_count : 1, sizeof *rep->expectations);
	const size_t failed = x ? expect_eval_failed(x) : 0;
	for (size_t i = 0; rep->expectations && i < rep->expectation_count; i++) {
		const expect_result *res = expect_eval_result(x, i);
		run_expectation_line *line = &rep->expectations[i];
		run_copy_text(line->text, sizeof line->text, res->expectation->text);
		snprintf(line->where, sizeof line->where, "%s:%d:%d",
		         res->expectation->file ? res->expectation->file : sc->path,
		         res->expectation->line, res->expectation->column);
		line->passed = res->passed;
		run_copy_text(line->measured, sizeof line->measured, res->measured);
		if (!res->passed && !rep->message[0])
			snprintf(rep->message, sizeof rep->message, "%s: expected %s, measured %s",
			         line->where, line->text, line->measured);
	}
	if (sc->expect_failure)
		rep->status = failed ? RUN_EXPECTED_FAILURE : RUN_UNEXPECTED_PASS;
	else
		rep->status = failed ? RUN_FAILED : RUN_PASSED;
	if (rep->status == RUN_UNEXPECTED_PASS)
		snprintf(rep->message, sizeof rep->message,
		         "meant to fail (%s) but every expectation was met", sc->expect_failure);
}

static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	sink_verdict *v = self;
	const scenario *sc = end->sc;
	const run_end_cause *cause = end->cause;
	char words[64], early[700] = "";
	/* a picture drawn before a --hold may already have failed: it stays the error */
	if (rep->status == RUN_ERROR && rep->message[0]) {
		run_copy_text(early, sizeof early, rep->message);
		rep->message[0] = '\0';
	}
	rep->checks = sc->expectation_count;
	if (v->sum.glucose.n > 0) {
		summary_figures_of(&v->sum, &rep->figures);
		rep->has_figures = true;
		summary_alarms_text(&v->sum, sc->start_min_of_day, rep->alarms, sizeof rep->alarms);
	}
	run_ending_words(end, words, sizeof words);
	clock_format(cause->at_min + sc->start_min_of_day, rep->stopped_at, sizeof rep->stopped_at);
	switch (cause->kind) {
	case RUN_END_COMPLETED:
		rep->stopped_at[0] = '\0';
		if (v->expect)
			expect_eval_finish(v->expect);
		conclude(rep, sc, v->expect);
		break;
	case RUN_END_INTERRUPTED:
		rep->status = RUN_INTERRUPTED;
		rep->stop_signal = cause->signal ? cause->signal : SIGINT;
		snprintf(rep->message, sizeof rep->message,
		         "%s by %s (t = %" PRId64 " of %" PRId64 " min)%s%s", words,
		         run_ending_stopped_by(cause), cause->at_min, sc->duration_min,
		         sc->expectation_count ? "; expectations not judged" : "",
		         sc->expectation_count ? " on a partial run" : "");
		break;
	case RUN_END_ERROR:
		run_report_fail(rep, cause->error);
		break;
	}
	if (early[0])
		run_report_fail(rep, early);
}

static void free_verdict(void *self)
{
	sink_verdict *v = self;
	expect_eval_free(v->expect);
	free(v);
}

static const run_sink_ops verdict_ops = {.row = on_row,
                                         .pump_event = on_pump_event,
                                         .audit = on_audit,
                                         .finish = on_finish,
                                         .free = free_verdict};

sink_verdict *sink_verdict_open(run_sinks *sinks, const scenario *sc, run_report *rep)
{
	sink_verdict *v = calloc(1, sizeof *v);
	if (v) {
		summary_init(&v->sum);
		v->end_min = sc->duration_min;
		v->expect = sc->expectation_count ? expect_eval_new(sc) : NULL;
	}
	if (!v || (sc->expectation_count && !v->expect)) {
		if (v)
			free_verdict(v);
		run_copy_text(rep->message, sizeof rep->message,
		              "cannot set up the run (out of memory)");
		return NULL;
	}
	return run_sinks_add(sinks, RUN_SINK_VERDICT, &verdict_ops, v, sc->expectation_count > 0,
	                     rep)
	           ? v
	           : NULL;
}

const summary *sink_verdict_summary(const sink_verdict *v)
{
	return &v->sum;
}
