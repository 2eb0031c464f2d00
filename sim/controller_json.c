/*
 * controller_json — a controller step as JSON (see controller_json.h). Must never: write
 * invalid JSON into a buffer that holds the whole object (non-finite numbers are null, the
 * texts are static words and the algorithm's own sentences, which hold no quote).
 */
#include "controller_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

const char *controller_action_name(controller_action a)
{
	switch (a) {
	case CONTROLLER_KEEP:
		return "keep";
	case CONTROLLER_SET_TEMP:
		return "set_temp";
	case CONTROLLER_CANCEL_TEMP:
		return "cancel_temp";
	}
	return "unknown";
}

typedef struct json_out {
	char *buf;
	size_t cap, len;
} json_out;

static void put(json_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const size_t room = o->len < o->cap ? o->cap - o->len : 0;
	const int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void num(json_out *o, const char *key, double v)
{
	if (isfinite(v))
		put(o, ",\"%s\":%.10g", key, v);
	else
		put(o, ",\"%s\":null", key);
}

static void text(json_out *o, const char *key, const char *v)
{
	if (v)
		put(o, ",\"%s\":\"%s\"", key, v);
	else
		put(o, ",\"%s\":null", key);
}

size_t controller_json(const controller_report *rep, char *buf, size_t cap)
{
	const controller_decision *d = &rep->decision;
	const bool temp = d->action == CONTROLLER_SET_TEMP;
	json_out o = {.buf = buf, .cap = cap};
	put(&o, "{\"status\":\"%s\"", controller_status_name(d->status));
	text(&o, "action", controller_action_name(d->action));
	num(&o, "rate_u_per_h", temp ? d->rate_u_per_h : NAN);
	num(&o, "duration_min", temp ? d->duration_min : NAN);
	num(&o, "bolus_u", d->bolus_u);
	put(&o, ",\"meal_bolus\":%s", d->bolus_u > 0.0 && d->bolus_is_meal ? "true" : "false");
	num(&o, "bg_mgdl", d->bg_mgdl);
	num(&o, "delta_mgdl_per_5min", d->delta_mgdl_per_5min);
	num(&o, "predicted_mgdl", d->predicted_mgdl);
	num(&o, "min_predicted_mgdl", d->min_predicted_mgdl);
	num(&o, "iob_u", d->iob_u);
	num(&o, "cob_g", d->cob_g);
	num(&o, "insulin_req_u", d->insulin_req_u);
	num(&o, "sensitivity_ratio", d->sensitivity_ratio);
	num(&o, "requested_rate_u_per_h", d->requested_rate_u_per_h);
	num(&o, "requested_bolus_u", d->requested_bolus_u);
	put(&o, ",\"limits\":[%s%s%s%s%s]",
	    d->limits & CONTROLLER_LIMIT_MAX_BASAL ? "\"max_basal\"" : "",
	    (d->limits & CONTROLLER_LIMIT_MAX_BASAL) && (d->limits & ~CONTROLLER_LIMIT_MAX_BASAL)
	        ? ","
	        : "",
	    d->limits & CONTROLLER_LIMIT_MAX_IOB ? "\"max_iob\"" : "",
	    (d->limits & CONTROLLER_LIMIT_MAX_IOB) && (d->limits & CONTROLLER_LIMIT_BOLUS_ACTIVE)
	        ? ","
	        : "",
	    d->limits & CONTROLLER_LIMIT_BOLUS_ACTIVE ? "\"bolus_active\"" : "");
	text(&o, "temp_result", rep->temp_sent ? pump_result_name(rep->temp_result) : NULL);
	text(&o, "bolus_result", rep->bolus_sent ? pump_result_name(rep->bolus_result) : NULL);
	text(&o, "fallback", rep->fallback_began ? "began" : rep->fallback_ended ? "ended" : NULL);
	text(&o, "why", d->why);
	put(&o, "}");
	return o.len;
}
