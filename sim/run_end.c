/*
 * run_end — see run_end.h. Each output is finished even when an earlier one failed; the
 * report keeps the first failure.
 */
#include "run_end.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "png_note.h"
#include "stop_request.h"

/* The first failure wins: later ones do not replace the message. */
static void fail(run_report *rep, const char *message)
{
	if (rep->status == RUN_ERROR && rep->message[0])
		return;
	rep->status = RUN_ERROR;
	run_copy_text(rep->message, sizeof rep->message, message);
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

/* The database's vocabulary (docs/database.md). */
static const char *recorder_status_of(const run_report *rep, size_t expectations)
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

/* "interrupted at d1 04:03" or "stopped by an error at d1 04:03"; "" when completed. */
static void ending_words(const run_end_cause *cause, const scenario *sc, char *buf, size_t cap)
{
	char at[CLOCK_TEXT_MAX];
	clock_format(cause->at_min + sc->start_min_of_day, at, sizeof at);
	if (cause->kind == RUN_END_INTERRUPTED)
		snprintf(buf, cap, "interrupted at %s", at);
	else if (cause->kind == RUN_END_ERROR)
		snprintf(buf, cap, "stopped by an error at %s", at);
	else
		buf[0] = '\0';
}

static const char *stopped_by(const run_end_cause *cause)
{
	return cause->from_window ? "q in the window" : stop_request_signal_name(cause->signal);
}

bool run_end_picture(const run_options *opt, const scenario *sc, run_end_outputs *out,
                     const run_end_cause *cause, run_report *rep)
{
	if (!opt->png_path || !out->tr || !out->ui || out->png_written)
		return true;
	out->png_written = true;
	int64_t first, last;
	if (!trace_time_span(out->tr, &first, &last)) {
		fail(rep, "--png: the run ended before its first minute: nothing to draw");
		return false;
	}
	char words[64], title[300], msg[600];
	ending_words(cause, sc, words, sizeof words);
	snprintf(title, sizeof title, "%s · %s%s%s", sc->name, sc->patient->name,
	         words[0] ? " — " : "", words);
	if (!out->ui->write_png(out->tr, first, last + 1, 1600, 900, title, opt->png_path, msg,
	                        sizeof msg)) {
		fail(rep, msg);
		return false;
	}
	if (words[0]) {
		char note[128];
		snprintf(note, sizeof note, "%s (%s)", words,
		         cause->kind == RUN_END_INTERRUPTED ? stopped_by(cause) : "runtime error");
		if (!png_note_add(opt->png_path, "Comment", note, msg, sizeof msg)) {
			fail(rep, msg);
			return false;
		}
	}
	return true;
}

/* The summary's JSON with how the run ended (docs/database.md, summary_json). */
static void summary_with_ending(const summary *sum, const run_end_cause *cause, char *buf,
                                size_t cap)
{
	size_t n = summary_json(sum, buf, cap);
	if (n == 0 || n >= cap || buf[n - 1] != '}')
		return;
	static const char *const names[] = {"completed", "interrupted", "error"};
	snprintf(buf + n - 1, cap - (n - 1),
	         ",\"ended\":\"%s\",\"ended_at_min\":%" PRId64 "%s%s%s}", names[cause->kind],
	         cause->at_min, cause->kind == RUN_END_INTERRUPTED ? ",\"stopped_by\":\"" : "",
	         cause->kind == RUN_END_INTERRUPTED ? stopped_by(cause) : "",
	         cause->kind == RUN_END_INTERRUPTED ? "\"" : "");
}

static void end_event_stream(event_stream *es, const scenario *sc, const run_end_cause *cause,
                             const run_report *rep)
{
	char at[CLOCK_TEXT_MAX];
	clock_format(cause->at_min + sc->start_min_of_day, at, sizeof at);
	event_stream_begin(es, cause->at_min, "run_ended");
	event_stream_str(es, "status", run_status_name(rep->status));
	event_stream_bool(es, "interrupted", cause->kind == RUN_END_INTERRUPTED);
	event_stream_str(es, "at", at);
	if (cause->kind == RUN_END_INTERRUPTED)
		event_stream_str(es, "stopped_by", stopped_by(cause));
	if (rep->status == RUN_ERROR || rep->status == RUN_FAILED ||
	    rep->status == RUN_UNEXPECTED_PASS)
		event_stream_str(es, "message", rep->message);
	event_stream_end(es);
}

void run_end(const run_options *opt, const scenario *sc, run_end_outputs *out, const summary *sum,
             expect_eval *x, const run_end_cause *cause, run_report *rep)
{
	char msg[700], words[64], early[700] = "";
	/* a picture drawn before a --hold may already have failed: it stays the error */
	if (rep->status == RUN_ERROR && rep->message[0]) {
		run_copy_text(early, sizeof early, rep->message);
		rep->message[0] = '\0';
	}
	rep->checks = sc->expectation_count;
	if (sum->samples > 0) {
		summary_figures_of(sum, &rep->figures);
		rep->has_figures = true;
		summary_alarms_text(sum, sc->start_min_of_day, rep->alarms, sizeof rep->alarms);
	}
	ending_words(cause, sc, words, sizeof words);
	clock_format(cause->at_min + sc->start_min_of_day, rep->stopped_at, sizeof rep->stopped_at);
	switch (cause->kind) {
	case RUN_END_COMPLETED:
		rep->stopped_at[0] = '\0';
		if (x)
			expect_eval_finish(x);
		conclude(rep, sc, x);
		break;
	case RUN_END_INTERRUPTED:
		rep->status = RUN_INTERRUPTED;
		rep->stop_signal = cause->signal ? cause->signal : SIGINT;
		snprintf(rep->message, sizeof rep->message,
		         "%s by %s (t = %" PRId64 " of %" PRId64 " min)%s%s", words,
		         stopped_by(cause), cause->at_min, sc->duration_min,
		         sc->expectation_count ? "; expectations not judged" : "",
		         sc->expectation_count ? " on a partial run" : "");
		break;
	case RUN_END_ERROR:
		fail(rep, cause->error);
		break;
	}
	if (early[0])
		fail(rep, early);

	run_end_picture(opt, sc, out, cause, rep);
	if (out->csv) {
		FILE *f = out->csv;
		out->csv = NULL;
		const bool bad = f == stdout ? fflush(f) != 0 || ferror(f) : fclose(f) != 0;
		if (bad && cause->kind != RUN_END_ERROR) {
			snprintf(msg, sizeof msg, "cannot write %s: %s", opt->csv_path,
			         strerror(errno));
			fail(rep, msg);
		}
	}
	if (out->rec) {
		char json[1400];
		summary_with_ending(sum, cause, json, sizeof json);
		if (!recorder_end_run(out->rec, recorder_status_of(rep, sc->expectation_count),
		                      sum->samples > 0 ? json : NULL)) {
			snprintf(msg, sizeof msg, "%s", recorder_error(out->rec));
			fail(rep, msg);
		}
		recorder_close(out->rec);
		out->rec = NULL;
	}
	if (out->events) {
		end_event_stream(out->events, sc, cause, rep);
		event_stream_close(out->events);
		out->events = NULL;
	}
	if (opt->print_summary && sum->samples > 0) {
		const bool stdout_taken = (opt->csv_path && strcmp(opt->csv_path, "-") == 0) ||
		                          (opt->events_path && strcmp(opt->events_path, "-") == 0);
		FILE *o = stdout_taken ? stderr : stdout;
		summary_print_line(sum, sc->name, sc->patient->name, sc->start_min_of_day, o);
		if (words[0])
			fprintf(o, " — %s", words);
		if (cause->kind == RUN_END_INTERRUPTED)
			fprintf(o, " (%s)%s", stopped_by(cause),
			        sc->expectation_count ? "; expectations not judged" : "");
		fputc('\n', o);
		fflush(o);
	}
}
