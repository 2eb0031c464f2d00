/*
 * event_stream — JSON Lines of the run's events (see event_stream.h, docs/events.md).
 *
 * Must never: write half a line (each line is built in a bounded buffer and written with
 * one fwrite + fflush), emit invalid JSON, or hold a line back.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "controller_json.h"
#include "event_stream.h"

enum { LINE_MAX_BYTES = 4096 };

struct event_stream {
	FILE *out;
	bool owned;
	event_stream_line_fn line_fn; /* instead of out (event_stream_open_lines) */
	void *line_user_data;
	char type[48];
	char line[LINE_MAX_BYTES];
	size_t used; /* bytes in line */
	bool cut;    /* a field did not fit: the rest of the fields are dropped */
};

event_stream *event_stream_open(const char *path, char *err, size_t cap)
{
	const bool to_stdout = strcmp(path, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(path, "w");
	if (!f) {
		snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	event_stream *es = calloc(1, sizeof *es);
	if (!es) {
		if (!to_stdout)
			fclose(f);
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	es->out = f;
	es->owned = !to_stdout;
	return es;
}

event_stream *event_stream_open_lines(event_stream_line_fn fn, void *user_data)
{
	event_stream *es = calloc(1, sizeof *es);
	if (es) {
		es->line_fn = fn;
		es->line_user_data = user_data;
	}
	return es;
}

void event_stream_close(event_stream *es)
{
	if (!es)
		return;
	if (es->line_fn)
		; /* nothing of its own to close */
	else if (es->owned)
		fclose(es->out);
	else
		fflush(es->out);
	free(es);
}

/* Append printf output if it fits entirely (with room for the closing "}\n"). */
static bool append(event_stream *es, const char *fmt, ...)
{
	if (es->cut)
		return false;
	va_list ap;
	va_start(ap, fmt);
	const size_t room = sizeof es->line - es->used - 2;
	int n = vsnprintf(es->line + es->used, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > room) {
		es->cut = true;
		return false;
	}
	es->used += (size_t)n;
	return true;
}

/* A JSON string literal of `s` into out[cap]; false when it does not fit. */
static bool quote(const char *s, char *out, size_t cap)
{
	size_t w = 0;
	if (cap < 3)
		return false;
	out[w++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		size_t n;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			n = 2;
		} else if (*p == '\n' || *p == '\t' || *p == '\r') {
			esc[0] = '\\';
			esc[1] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
			n = 2;
		} else if (*p < 0x20) {
			n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p);
		} else {
			esc[0] = (char)*p;
			n = 1;
		}
		if (w + n + 2 > cap)
			return false;
		memcpy(out + w, esc, n);
		w += n;
	}
	out[w++] = '"';
	out[w] = '\0';
	return true;
}

void event_stream_begin(event_stream *es, int64_t t_min, const char *type)
{
	if (!es)
		return;
	es->used = 0;
	es->cut = false;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	time_t secs = tv.tv_sec;
	gmtime_r(&secs, &tm);
	char wall[40];
	strftime(wall, sizeof wall, "%Y-%m-%dT%H:%M:%S", &tm);
	append(es, "{\"t_min\":%" PRId64 ",\"wall\":\"%s.%03ldZ\"", t_min, wall,
	       (long)(tv.tv_usec / 1000));
	event_stream_str(es, "type", type);
	snprintf(es->type, sizeof es->type, "%s", type);
}

void event_stream_str(event_stream *es, const char *key, const char *value)
{
	if (!es)
		return;
	char q[LINE_MAX_BYTES];
	if (!value)
		append(es, ",\"%s\":null", key);
	else if (quote(value, q, sizeof q))
		append(es, ",\"%s\":%s", key, q);
	else
		es->cut = true;
}

void event_stream_num(event_stream *es, const char *key, double value)
{
	if (!es)
		return;
	if (isfinite(value))
		append(es, ",\"%s\":%.10g", key, value);
	else
		append(es, ",\"%s\":null", key);
}

void event_stream_int(event_stream *es, const char *key, int64_t value)
{
	if (es)
		append(es, ",\"%s\":%" PRId64, key, value);
}

void event_stream_bool(event_stream *es, const char *key, bool value)
{
	if (es)
		append(es, ",\"%s\":%s", key, value ? "true" : "false");
}

void event_stream_end(event_stream *es)
{
	if (!es)
		return;
	es->line[es->used++] = '}';
	if (es->line_fn) {
		es->line[es->used] = '\0';
		es->line_fn(es->type, es->line, es->line_user_data);
		es->used = 0;
		return;
	}
	es->line[es->used++] = '\n';
	fwrite(es->line, 1, es->used, es->out);
	fflush(es->out);
	es->used = 0;
}

static const char *source_name(pump_source s)
{
	switch (s) {
	case PUMP_SOURCE_PUMP:
		return "pump";
	case PUMP_SOURCE_PHONE:
		return "phone";
	case PUMP_SOURCE_AUTOMATION:
		return "automation";
	case PUMP_SOURCE_CONTROLLER:
		return "controller";
	}
	return "unknown";
}

static const char *annunciation_status_name(pump_annunciation_status s)
{
	switch (s) {
	case PUMP_ANN_PENDING:
		return "raised";
	case PUMP_ANN_SNOOZED:
		return "snoozed";
	case PUMP_ANN_CONFIRMED:
		return "confirmed";
	}
	return "unknown";
}

void event_stream_pump_event(event_stream *es, const pump_event *ev)
{
	if (!es)
		return;
	switch (ev->kind) {
	case PUMP_EV_COMMAND:
		event_stream_begin(es, ev->t_min, "command");
		event_stream_str(es, "source", source_name(ev->source));
		event_stream_str(es, "command", pump_command_name(ev->command));
		event_stream_str(es, "result", pump_result_name(ev->result));
		event_stream_int(es, "result_code", (int64_t)ev->result);
		event_stream_num(es, "value", ev->value);
		break;
	case PUMP_EV_BOLUS_STARTED:
		event_stream_begin(es, ev->t_min, "bolus_started");
		event_stream_str(es, "source", source_name(ev->source));
		event_stream_int(es, "bolus_id", ev->bolus_id);
		event_stream_num(es, "programmed_u", ev->value);
		event_stream_num(es, "extended_u", ev->value2);
		break;
	case PUMP_EV_BOLUS_ENDED:
		event_stream_begin(es, ev->t_min, "bolus_ended");
		event_stream_int(es, "bolus_id", ev->bolus_id);
		event_stream_num(es, "delivered_u", ev->value);
		event_stream_num(es, "programmed_u", ev->value2);
		event_stream_str(es, "how", ev->detail);
		break;
	case PUMP_EV_ANNUNCIATION:
		event_stream_begin(es, ev->t_min, "annunciation");
		event_stream_str(es, "annunciation", pump_annunciation_name(ev->annunciation.type));
		event_stream_int(es, "id", ev->annunciation.id);
		event_stream_str(es, "status", annunciation_status_name(ev->annunciation.status));
		event_stream_str(es, "detail", ev->detail);
		break;
	case PUMP_EV_THERAPY_STATE:
		event_stream_begin(es, ev->t_min, "therapy_state");
		event_stream_str(es, "state", pump_therapy_state_name(ev->state));
		event_stream_str(es, "why", ev->detail);
		break;
	case PUMP_EV_FAULT:
		event_stream_begin(es, ev->t_min, "fault");
		event_stream_str(es, "fault", pump_fault_name(ev->fault));
		event_stream_num(es, "value", ev->value);
		event_stream_str(es, "origin", ev->detail ? ev->detail : "scenario");
		break;
	default:
		event_stream_begin(es, ev->t_min, pump_event_kind_name(ev->kind));
		event_stream_num(es, "value", ev->value);
		break;
	}
	event_stream_end(es);
}

void event_stream_controller(event_stream *es, const controller_report *rep)
{
	if (!es)
		return;
	char json[1024];
	const size_t n = controller_json(rep, json, sizeof json);
	event_stream_begin(es, rep->t_min, "controller");
	if (n >= 2 && n < sizeof json) { /* its members after the line's own */
		json[n - 1] = '\0';
		append(es, ",%s", json + 1);
	}
	event_stream_end(es);
}

void event_stream_audit(event_stream *es, const ble_audit_event *ev)
{
	if (!es)
		return;
	const bool refused = ev->decision == BLE_DECISION_REFUSED;
	if (ev->kind == BLE_AUDIT_FAULT) {
		/* A fault shown to the phone on purpose: who, what, and where it acted. */
		event_stream_begin(es, ev->t_min, "ble_fault");
		event_stream_str(es, "fault", ev->reason);
		event_stream_str(es, "what", ev->answer);
		event_stream_str(es, "origin", ev->origin);
		event_stream_str(es, "link", ev->link_identity);
		event_stream_str(es, "characteristic", ev->char_name);
		event_stream_str(es, "detail", ev->detail);
		event_stream_end(es);
		return;
	}
	event_stream_begin(es, ev->t_min, refused ? "ble_refused" : "ble_accepted");
	event_stream_str(es, "kind", ble_audit_kind_name(ev->kind));
	event_stream_str(es, "link", ev->link_identity);
	event_stream_str(es, "security", ble_link_security_name(ev->link_security));
	event_stream_bool(es, "bonded", ev->link_bonded);
	event_stream_str(es, "characteristic", ev->char_name);
	event_stream_str(es, "reason", ev->reason);
	event_stream_int(es, "att_error", ev->att_error);
	if (ev->has_response) {
		event_stream_int(es, "request_opcode", ev->request_opcode);
		event_stream_int(es, "response_code", ev->response_code);
	}
	if (ev->pump_called)
		event_stream_str(es, "pump_result", pump_result_name(ev->pump_result));
	if (ev->count > 1 || ev->kind == BLE_AUDIT_ATTACK)
		event_stream_int(es, "count", ev->count);
	if (ev->answer)
		event_stream_str(es, "answer", ev->answer);
	event_stream_str(es, "detail", ev->detail);
	event_stream_str(es, "bytes", ev->raw_hex);
	event_stream_end(es);
}
