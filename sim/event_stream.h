/*
 * event_stream — the run's events for automation (`fakepump run … --events FILE|-`): one
 * JSON object per line, flushed as it is written, so that a QA rig (Appium and the like) or
 * the e2e test can follow a run live — read the pairing passkey, see each command and its
 * result, each refusal and its reason. The format is docs/events.md.
 *
 * Every line has "t_min" (the simulated minute), "wall" (ISO-8601 UTC, milliseconds) and
 * "type"; the other keys depend on the type. Must never: buffer a line, write a partial
 * line, or emit invalid JSON (strings are escaped; numbers that are not finite become null).
 */
#ifndef FAKEPUMP_EVENT_STREAM_H
#define FAKEPUMP_EVENT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ble_server.h"
#include "controller_loop.h"
#include "pump_model.h"

typedef struct event_stream event_stream;

/* Open `path` ("-" = stdout) for writing, truncating it. NULL with a message in err[cap]
 * ("cannot write PATH: reason") when it cannot be opened. */
event_stream *event_stream_open(const char *path, char *err, size_t cap);
/* Each line handed to `fn` instead (type: the line's "type"; line: the JSON object, no
 * newline; both valid during the call): the live control's Event signal. NULL when out of
 * memory. */
typedef void (*event_stream_line_fn)(const char *type, const char *line, void *user_data);
event_stream *event_stream_open_lines(event_stream_line_fn fn, void *user_data);
/* Flush and close (stdout is flushed, not closed). NULL is fine. */
void event_stream_close(event_stream *es);

/* One line, built in steps: begin, any number of fields, end (which writes and flushes).
 * A line longer than the internal buffer (4 KiB) is cut at a field boundary and still
 * closed properly. */
void event_stream_begin(event_stream *es, int64_t t_min, const char *type);
void event_stream_str(event_stream *es, const char *key, const char *value); /* NULL → null */
void event_stream_num(event_stream *es, const char *key, double value);
void event_stream_int(event_stream *es, const char *key, int64_t value);
void event_stream_bool(event_stream *es, const char *key, bool value);
void event_stream_end(event_stream *es);

/* The pump's own events: "command" (source, command, result, value), "bolus_started",
 * "bolus_ended", "annunciation", "therapy_state", "fault", … */
void event_stream_pump_event(event_stream *es, const pump_event *ev);
/* A step of the pump's controller: "controller" with controller_json's keys. */
void event_stream_controller(event_stream *es, const controller_report *rep);
/* The BLE server's audit: "ble_refused" (with "reason", "att_error", …) or "ble_accepted". */
void event_stream_audit(event_stream *es, const ble_audit_event *ev);

#endif
