/*
 * fault_spec — see fault_spec.h. The keys each kind takes, their ranges and defaults are
 * the table of docs/qa-guide.md "Faults".
 */
#include "fault_spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

enum { MAX_WORDS = 8, MAX_FOR_MIN = 7 * 24 * 60 };

const char *fault_spec_kind_name(size_t i)
{
	if (i < PUMP_FAULT_COUNT)
		return pump_fault_name((pump_fault)i);
	i -= PUMP_FAULT_COUNT;
	return i < BLE_FAULT_COUNT ? ble_fault_name((ble_fault_kind)i) : NULL;
}

static bool number(const char *text, double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	const double v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* "800", "800ms", "2s", "1.5s": milliseconds. */
static bool millis(const char *text, double *out)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%s", text);
	size_t n = strlen(buf);
	double scale = 1.0;
	if (n > 2 && strcmp(buf + n - 2, "ms") == 0) {
		buf[n - 2] = '\0';
	} else if (n > 1 && buf[n - 1] == 's') {
		buf[n - 1] = '\0';
		scale = 1000.0;
	}
	double v;
	if (!number(buf, 0.0, 1e9, &v))
		return false;
	*out = v * scale;
	return true;
}

/* Which keys a kind takes. */
static const char *keys_of(const fault_spec *s)
{
	if (!s->is_ble) {
		switch (s->pump) {
		case PUMP_FAULT_OCCLUSION:
			return "missed";
		case PUMP_FAULT_BATTERY_DRAIN:
			return "drain";
		case PUMP_FAULT_ANNUNCIATION_BURST:
			return "count";
		default:
			return "";
		}
	}
	switch (s->ble.kind) {
	case BLE_FAULT_DROP_NOTIFICATIONS:
		return "nth for";
	case BLE_FAULT_DELAY:
		return "ms for";
	case BLE_FAULT_COUNTER_JUMP:
		return "by for";
	case BLE_FAULT_TIME_JUMP:
		return "by";
	case BLE_FAULT_DISCONNECT:
		return "";
	default:
		return "for";
	}
}

static bool takes(const fault_spec *s, const char *key)
{
	const char *keys = keys_of(s);
	const size_t n = strlen(key);
	for (const char *p = keys; (p = strstr(p, key)) != NULL; p += n)
		if ((p == keys || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

static bool fail(char *err, size_t cap, const char *kind, const char *fmt, const char *a,
                 const char *b)
{
	char what[200];
	snprintf(what, sizeof what, fmt, a, b);
	snprintf(err, cap, "%s: %s", kind, what);
	return false;
}

static bool set_key(fault_spec *s, const char *kind, const char *key, const char *val, char *err,
                    size_t cap)
{
	double v;
	if (!takes(s, key)) {
		const char *keys = keys_of(s);
		return fail(err, cap, kind, "takes no '%s' (%s)", key,
		            keys[0] ? keys : "it takes no arguments");
	}
	if (strcmp(key, "for") == 0) {
		int64_t m;
		if (duration_parse(val, 60, MAX_FOR_MIN, &m) != DURATION_PARSED)
			return fail(err, cap, kind,
			            "for: expected a duration of whole minutes up to 7d (10m, 2h), "
			            "got '%s'%s",
			            val, "");
		s->for_min = m;
	} else if (strcmp(key, "nth") == 0) {
		if (!number(val, 2, BLE_FAULT_NTH_MAX, &v) || v != floor(v))
			return fail(err, cap, kind,
			            "nth: expected a whole number 2 … 1000, got '%s'%s", val, "");
		s->ble.nth = (uint32_t)v;
	} else if (strcmp(key, "ms") == 0) {
		if (!millis(val, &v) || v < 1 || v > BLE_FAULT_DELAY_MAX_MS)
			return fail(err, cap, kind,
			            "ms: expected 1 ms … 20 s (800, 800ms, 2s), got '%s'%s", val,
			            "");
		s->ble.delay_ms = (uint32_t)v;
	} else if (strcmp(key, "by") == 0) {
		const bool time = s->ble.kind == BLE_FAULT_TIME_JUMP;
		if (!number(val, time ? -MAX_FOR_MIN : 1, time ? MAX_FOR_MIN : 254, &v) ||
		    v != floor(v) || v == 0)
			return fail(
			    err, cap, kind,
			    time ? "by: expected minutes, -10080 … 10080 and not 0, got '%s'%s"
			         : "by: expected a whole number 1 … 254, got '%s'%s",
			    val, "");
		s->ble.by = (int32_t)v;
	} else if (strcmp(key, "missed") == 0) {
		if (!number(val, 0, 1000, &v))
			return fail(err, cap, kind, "missed: expected U, 0 … 1000, got '%s'%s", val,
			            "");
		s->value = v;
	} else if (strcmp(key, "drain") == 0) {
		if (!number(val, 0, 1000, &v))
			return fail(err, cap, kind, "drain: expected %%/h, 0 … 1000, got '%s'%s",
			            val, "");
		s->value = v;
	} else if (strcmp(key, "count") == 0) {
		if (!number(val, 1, PUMP_ANNUNCIATION_BURST_MAX, &v) || v != floor(v))
			return fail(err, cap, kind,
			            "count: expected a whole number 1 … 20, got '%s'%s", val, "");
		s->value = v;
	}
	return true;
}

static bool kind_of(const char *name, fault_spec *s)
{
	pump_fault pf;
	ble_fault_kind bk;
	if (pump_fault_from_name(name, &pf)) {
		s->pump = pf;
		return true;
	}
	if (ble_fault_from_name(name, &bk)) {
		s->is_ble = true;
		s->ble.kind = bk;
		return true;
	}
	return false;
}

bool fault_spec_parse(const char *const *words, size_t n, fault_spec *out, char *err, size_t cap)
{
	fault_spec s = {.value = NAN, .ble = {.nth = 2, .delay_ms = 1000, .by = 5, .origin = NULL}};
	if (n == 0 || !words[0] || !words[0][0]) {
		snprintf(err, cap,
		         "a fault needs a kind (occlusion, disconnect, … — fakepump ctl "
		         "--help)");
		return false;
	}
	size_t first = 0;
	if (strcmp(words[0], "clear") == 0) {
		s.clear = true;
		first = 1;
		if (n == 1) {
			s.clear_all = s.is_ble = true;
			*out = s;
			return true;
		}
	}
	if (!kind_of(words[first], &s)) {
		snprintf(err, cap,
		         "unknown fault '%s' (fakepump ctl --help lists them: occlusion, "
		         "disconnect, drop_notifications, …)",
		         words[first]);
		return false;
	}
	if (s.clear) {
		if (!s.is_ble || n > 2) {
			snprintf(err, cap,
			         "clear: only a fault shown to the phone can be cleared, with no "
			         "arguments ('%s' is %s)",
			         words[first], s.is_ble ? "given arguments" : "the pump's");
			return false;
		}
		*out = s;
		return true;
	}
	if (s.is_ble && s.ble.kind == BLE_FAULT_TIME_JUMP)
		s.ble.by = 60;
	for (size_t i = first + 1; i < n; i++) {
		const char *eq = strchr(words[i], '=');
		if (!eq || eq == words[i] || !eq[1]) {
			snprintf(err, cap, "%s: expected key=value, got '%s'", words[first],
			         words[i]);
			return false;
		}
		char key[16];
		snprintf(key, sizeof key, "%.*s", (int)(eq - words[i]), words[i]);
		if (!set_key(&s, words[first], key, eq + 1, err, cap))
			return false;
	}
	*out = s;
	return true;
}

bool fault_spec_parse_text(const char *text, fault_spec *out, char *err, size_t cap)
{
	char buf[256];
	if (strlen(text) >= sizeof buf) {
		snprintf(err, cap,
		         "a fault is a kind and a few key=value words, not %zu characters",
		         strlen(text));
		return false;
	}
	snprintf(buf, sizeof buf, "%s", text);
	const char *words[MAX_WORDS];
	size_t n = 0;
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_WORDS) {
			snprintf(err, cap, "too many words in a fault (at most %d)", MAX_WORDS);
			return false;
		}
		words[n++] = w;
	}
	return fault_spec_parse(words, n, out, err, cap);
}
