/*
 * sink_events — the run's events as JSON Lines (--events FILE, '-' = stdout; docs/events.md,
 * event_stream.h), one flushed line each, for automation that follows a run live:
 * run_started, each CGM reading, every pump event, every decision of the pump's Bluetooth
 * server, what happened on the air (passkeys, connections, bonds), notices, and run_ended
 * with the run's final status.
 *
 * It is finished last of the outputs (run_outputs.c): run_ended says how the run ended,
 * including an output that failed before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event_stream.h"
#include "output_check.h"
#include "sinks.h"

typedef struct sink_events {
	event_stream *es;
	const char *path;
	bool existed; /* the file was there before the run (abandon keeps it) */
} sink_events;

static void on_start(void *self, const run_context *run)
{
	sink_events *s = self;
	event_stream_begin(s->es, 0, "run_started");
	event_stream_str(s->es, "scenario", run->sc->name);
	event_stream_str(s->es, "patient", run->sc->patient->name);
	event_stream_num(s->es, "speed", run->opt->speed);
	event_stream_bool(s->es, "ble", run->opt->ble);
	event_stream_end(s->es);
}

static bool on_row(void *self, const engine_row *r, bool integrated, char *err, size_t cap)
{
	(void)integrated, (void)err, (void)cap;
	sink_events *s = self;
	if (r->has_cgm) {
		event_stream_begin(s->es, r->t_min, "cgm");
		event_stream_num(s->es, "mgdl", r->cgm_mgdl);
		event_stream_end(s->es);
	}
	return true;
}

static void on_pump_event(void *self, const pump_event *ev)
{
	sink_events *s = self;
	event_stream_pump_event(s->es, ev);
}

static void on_controller(void *self, const controller_report *rep)
{
	sink_events *s = self;
	event_stream_controller(s->es, rep);
}

static void on_audit(void *self, const ble_audit_event *ev)
{
	sink_events *s = self;
	event_stream_audit(s->es, ev);
}

/* What happened on the air: the event's kind and what a QA rig needs of it. */
static void on_radio(void *self, int64_t t_min, const bluez_event *ev)
{
	sink_events *s = self;
	event_stream_begin(s->es, t_min, bluez_event_kind_name(ev->kind));
	if (ev->adapter && ev->adapter[0])
		event_stream_str(s->es, "adapter", ev->adapter);
	switch (ev->kind) {
	case BLUEZ_EV_PASSKEY_DISPLAYED: {
		char passkey[8];
		snprintf(passkey, sizeof passkey, "%06u", (unsigned)(ev->passkey % 1000000u));
		event_stream_str(s->es, "passkey", passkey);
		event_stream_str(s->es, "peer", ev->address);
		break;
	}
	case BLUEZ_EV_CONNECTED:
	case BLUEZ_EV_SECURITY_CHANGED:
		event_stream_str(s->es, "peer", ev->address);
		event_stream_str(s->es, "device", ev->device);
		event_stream_str(s->es, "security", ble_link_security_name(ev->security));
		event_stream_bool(s->es, "bonded", ev->bonded);
		break;
	case BLUEZ_EV_DISCONNECTED:
	case BLUEZ_EV_BOND_CREATED:
	case BLUEZ_EV_BOND_REMOVED:
	case BLUEZ_EV_PAIRING_REFUSED:
	case BLUEZ_EV_PAIRING_FAILED:
		event_stream_str(s->es, "peer", ev->address);
		event_stream_str(s->es, "device", ev->device);
		break;
	case BLUEZ_EV_ADVERTISING_STARTED:
		event_stream_str(s->es, "name", ev->name);
		break;
	case BLUEZ_EV_PAIRING_WINDOW_OPENED:
		event_stream_num(s->es, "seconds", ev->seconds);
		break;
	default:
		break;
	}
	if (ev->detail)
		event_stream_str(s->es, "detail", ev->detail);
	event_stream_end(s->es);
}

static void on_notice(void *self, int64_t t_min, const char *type, const char *detail)
{
	sink_events *s = self;
	event_stream_begin(s->es, t_min, type);
	if (detail)
		event_stream_str(s->es, "detail", detail);
	event_stream_end(s->es);
}

/* run_ended: the final status, where it stopped, what stopped it, and why it failed. */
static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	sink_events *s = self;
	char at[CLOCK_TEXT_MAX];
	clock_format(end->cause->at_min + end->sc->start_min_of_day, at, sizeof at);
	event_stream_begin(s->es, end->cause->at_min, "run_ended");
	event_stream_str(s->es, "status", run_status_name(rep->status));
	event_stream_bool(s->es, "interrupted", end->cause->kind == RUN_END_INTERRUPTED);
	event_stream_str(s->es, "at", at);
	if (end->cause->kind == RUN_END_INTERRUPTED)
		event_stream_str(s->es, "stopped_by", run_ending_stopped_by(end->cause));
	if (rep->status == RUN_ERROR || rep->status == RUN_FAILED ||
	    rep->status == RUN_UNEXPECTED_PASS)
		event_stream_str(s->es, "message", rep->message);
	event_stream_end(s->es);
	event_stream_close(s->es);
	s->es = NULL;
}

static void on_abandon(void *self)
{
	sink_events *s = self;
	event_stream_close(s->es);
	s->es = NULL;
	if (!s->existed && strcmp(s->path, "-") != 0)
		remove(s->path);
}

static const run_sink_ops events_ops = {
    .start = on_start,
    .row = on_row,
    .pump_event = on_pump_event,
    .controller = on_controller,
    .audit = on_audit,
    .radio = on_radio,
    .notice = on_notice,
    .finish = on_finish,
    .abandon = on_abandon,
    .free = free,
};

bool sink_events_add(run_sinks *sinks, event_stream *es, run_report *rep)
{
	sink_events *s = calloc(1, sizeof *s);
	if (!s) {
		event_stream_close(es);
		run_copy_text(rep->message, sizeof rep->message,
		              "out of memory for the live control");
		return false;
	}
	s->path = "-";
	s->existed = true;
	s->es = es;
	return run_sinks_add(sinks, RUN_SINK_EVENTS, &events_ops, s, false, rep);
}

bool sink_events_open(run_sinks *sinks, const char *path, run_report *rep)
{
	char msg[600];
	sink_events *s = calloc(1, sizeof *s);
	if (!s) {
		run_copy_text(rep->message, sizeof rep->message, "out of memory for --events");
		return false;
	}
	s->path = path;
	s->existed = output_exists(path);
	s->es = event_stream_open(path, msg, sizeof msg);
	if (!s->es) {
		rep->status = RUN_BAD_INPUT;
		snprintf(rep->message, sizeof rep->message, "--events: %s", msg);
		free(s);
		return false;
	}
	return run_sinks_add(sinks, RUN_SINK_EVENTS, &events_ops, s, false, rep);
}
