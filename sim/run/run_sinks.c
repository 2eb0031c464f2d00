/*
 * run_sinks — the list of a run's outputs (see run_sink.h): each hook called on every sink
 * that has it, in the list's order.
 */
#include "run_sink.h"

#include <stdio.h>

#include "clock.h"
#include "stop_request.h"

bool run_sinks_add(run_sinks *list, run_sink_place place, const run_sink_ops *ops, void *self,
                   bool detailed_rows, run_report *rep)
{
	if (list->count >= RUN_SINKS_MAX) {
		if (ops->abandon)
			ops->abandon(self);
		if (ops->free)
			ops->free(self);
		run_copy_text(rep->message, sizeof rep->message, "too many outputs for one run");
		return false;
	}
	size_t at = list->count;
	while (at > 0 && list->sink[at - 1].place > place) {
		list->sink[at] = list->sink[at - 1];
		at--;
	}
	list->sink[at].place = place;
	list->sink[at].ops = ops;
	list->sink[at].self = self;
	list->sink[at].detailed_rows = detailed_rows;
	list->count++;
	return true;
}

bool run_sinks_detailed_rows(const run_sinks *list)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].detailed_rows)
			return true;
	return false;
}

void run_sinks_start(run_sinks *list, const run_context *run)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->start)
			list->sink[i].ops->start(list->sink[i].self, run);
}

bool run_sinks_row(run_sinks *list, const engine_row *row, bool integrated, char *err, size_t cap)
{
	bool ok = true;
	for (size_t i = 0; i < list->count; i++) {
		const run_sink_ops *ops = list->sink[i].ops;
		if (!ops->row)
			continue;
		/* Every sink gets the row; the first that could not write it says why. */
		if (!ops->row(list->sink[i].self, row, integrated, ok ? err : NULL, ok ? cap : 0))
			ok = false;
	}
	return ok;
}

void run_sinks_pump_event(run_sinks *list, const pump_event *ev)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->pump_event)
			list->sink[i].ops->pump_event(list->sink[i].self, ev);
}

void run_sinks_controller(run_sinks *list, const controller_report *rep)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->controller)
			list->sink[i].ops->controller(list->sink[i].self, rep);
}

void run_sinks_audit(run_sinks *list, const ble_audit_event *ev)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->audit)
			list->sink[i].ops->audit(list->sink[i].self, ev);
}

void run_sinks_radio(run_sinks *list, int64_t t_min, const bluez_event *ev)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->radio)
			list->sink[i].ops->radio(list->sink[i].self, t_min, ev);
}

void run_sinks_notice(run_sinks *list, int64_t t_min, const char *type, const char *detail)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->notice)
			list->sink[i].ops->notice(list->sink[i].self, t_min, type, detail);
}

static void free_all(run_sinks *list)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->free)
			list->sink[i].ops->free(list->sink[i].self);
	list->count = 0;
}

void run_sinks_finish(run_sinks *list, const run_ending *end, run_report *rep)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->finish)
			list->sink[i].ops->finish(list->sink[i].self, end, rep);
	free_all(list);
}

void run_sinks_abandon(run_sinks *list)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->sink[i].ops->abandon)
			list->sink[i].ops->abandon(list->sink[i].self);
	free_all(list);
}

void run_report_fail(run_report *rep, const char *message)
{
	if (rep->status == RUN_ERROR && rep->message[0])
		return;
	rep->status = RUN_ERROR;
	run_copy_text(rep->message, sizeof rep->message, message);
}

void run_ending_words(const run_ending *end, char *buf, size_t cap)
{
	char at[CLOCK_TEXT_MAX];
	clock_format(end->cause->at_min + end->sc->start_min_of_day, at, sizeof at);
	if (end->cause->kind == RUN_END_INTERRUPTED)
		snprintf(buf, cap, "interrupted at %s", at);
	else if (end->cause->kind == RUN_END_ERROR)
		snprintf(buf, cap, "stopped by an error at %s", at);
	else
		buf[0] = '\0';
}

const char *run_ending_stopped_by(const run_end_cause *cause)
{
	return cause->from_window ? "q in the window" : stop_request_signal_name(cause->signal);
}
