/*
 * load — reads a scenario file (or text) into a plain, validated `scenario` value: the file
 * read whole (16 MiB at most), parsed by libyaml into one document, walked from its root
 * (scenario_keys.c and the files it names), then the pump resolved and the events sorted.
 * Errors name the place as `file:line:column`; libyaml's own ones (not YAML at all) too.
 *
 * Must never: return a partial scenario (on any error the scenario is freed and left zeroed),
 * or leak on an error path.
 *
 * Follows: libyaml 0.2.5 document API (yaml_parser_load).
 */
#include "scenario.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "scenario_keys.h"

enum {
	/* A file bigger than this is not a scenario someone wrote. */
	MAX_FILE_BYTES = 16 * 1024 * 1024,
};

/* The pump's own speed when the file does not say (pump issue: 1.5 U/min). */
static const double DEFAULT_BOLUS_SPEED_U_PER_MIN = 1.5;

void *load_grow_array(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return NULL;
		c *= 2;
	}
	void *bigger = realloc(array, c * elem);
	if (bigger != NULL)
		*cap = c;
	return bigger;
}

bool load_fail(scenario_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}

/* The place of a byte offset, as libyaml marks it (0-based line and column; columns count
 * characters, as libyaml does). */
static yaml_mark_t mark_of_offset(const char *text, size_t len, size_t offset)
{
	yaml_mark_t m = {.index = offset, .line = 0, .column = 0};
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

/* libyaml's own problem, at its mark: the file is not YAML at all. */
static bool fail_yaml(const yaml_parser_t *p, const char *path, const char *text, size_t len,
                      scenario_error *err)
{
	walker w = {.doc = NULL, .path = path, .err = err};
	const char *problem = p->problem ? p->problem : "unknown problem";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return load_fail(err, "%s: out of memory while reading YAML", path);
	case YAML_READER_ERROR: {
		const yaml_mark_t at = mark_of_offset(text, len, p->problem_offset);
		if (p->problem_value != -1)
			return walk_fail(&w, at, "", "not readable as YAML text: %s (byte 0x%02X)",
			                 problem, (unsigned)p->problem_value);
		return walk_fail(&w, at, "", "not readable as YAML text: %s", problem);
	}
	default:
		break;
	}
	/* libyaml says "found character that cannot start any token" for an indenting tab. */
	if (p->problem_mark.index < len && text[p->problem_mark.index] == '\t')
		return walk_fail(
		    &w, p->problem_mark, "",
		    "YAML syntax error: a tab character; YAML indents with spaces only "
		    "(libyaml: %s)",
		    problem);
	if (p->context != NULL)
		return walk_fail(&w, p->problem_mark, "",
		                 "YAML syntax error: %s (%s started at line %zu, column %zu)",
		                 problem, p->context, (size_t)p->context_mark.line + 1,
		                 (size_t)p->context_mark.column + 1);
	return walk_fail(&w, p->problem_mark, "", "YAML syntax error: %s", problem);
}

read_status load_read_file(const char *path, char **out, size_t *out_len, int *out_errno)
{
	*out = NULL;
	*out_len = 0;
	*out_errno = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*out_errno = errno;
		return READ_CANNOT_OPEN;
	}
	read_status st = READ_OK;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	if (buf == NULL) {
		st = READ_NO_MEMORY;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE_BYTES) {
				st = READ_TOO_LARGE;
				goto out;
			}
			char *bigger = realloc(buf, cap * 2 + 1);
			if (bigger == NULL) {
				st = READ_NO_MEMORY;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		*out_errno = errno;
		st = READ_CANNOT_READ;
	}
out:
	fclose(f);
	if (st != READ_OK) {
		free(buf);
		return st;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return READ_OK;
}

/* "cannot open: No such file or directory", … : why a file could not be read. */
const char *load_read_failure_text(read_status st, int error, char *buf, size_t len)
{
	switch (st) {
	case READ_CANNOT_OPEN:
		snprintf(buf, len, "cannot open: %s", strerror(error));
		break;
	case READ_CANNOT_READ:
		snprintf(buf, len, "cannot read: %s", strerror(error));
		break;
	case READ_TOO_LARGE:
		snprintf(buf, len, "too large for a scenario (%d MiB or more)",
		         MAX_FILE_BYTES / (1024 * 1024));
		break;
	case READ_NO_MEMORY:
		snprintf(buf, len, "out of memory");
		break;
	case READ_OK:
	default:
		snprintf(buf, len, "read");
		break;
	}
	return buf;
}

bool load_yaml_document(yaml_parser_t *parser, const char *text, size_t len, const char *path,
                        const char *what, const char *empty_message, scenario_error *err,
                        yaml_document_t *doc)
{
	yaml_document_t extra;
	if (!yaml_parser_load(parser, doc))
		return fail_yaml(parser, path, text, len, err);
	if (yaml_document_get_root_node(doc) == NULL) {
		yaml_document_delete(doc);
		walker w = {.doc = NULL, .path = path, .err = err};
		return walk_fail(&w, (yaml_mark_t){.index = 0, .line = 0, .column = 0}, "", "%s",
		                 empty_message);
	}
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(parser, &extra)) {
		yaml_document_delete(doc);
		return fail_yaml(parser, path, text, len, err);
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	yaml_mark_t extra_mark = extra.start_mark;
	yaml_document_delete(&extra);
	if (extra_root != NULL) {
		walker w = {.doc = NULL, .path = path, .err = err};
		yaml_document_delete(doc);
		return walk_fail(&w, extra_mark, "", "a %s holds one YAML document; found a second",
		                 what);
	}
	return true;
}

/* ---- the scenario ----------------------------------------------------------------- */

/* Base name without directories and without its last extension: "a/meal-day.yaml" -> "meal-day". */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (len == 0)
		return strdup("scenario");
	char *name = malloc(len + 1);
	if (name != NULL) {
		memcpy(name, base, len);
		name[len] = '\0';
	}
	return name;
}

/* Fills `s` from the parser's first document; false with `err` filled otherwise. */
static bool load_document(yaml_parser_t *parser, const char *text, size_t len, const char *path,
                          const scenario_overrides *ov, scenario *s, scenario_error *err)
{
	yaml_document_t doc;
	if (!load_yaml_document(parser, text, len, path, "scenario file",
	                        "empty scenario (expected a mapping with at least the keys "
	                        "patient and duration)",
	                        err, &doc))
		return false;

	load_state ls = {.s = s, .ov = ov, .depth = 1};
	ls.id[0] = load_identify_file(path);
	ls.shown[0] = s->path;
	walker w = {.doc = &doc, .path = path, .err = err, .ls = &ls, .file = s->path};
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	ls.controller.mark = root->start_mark;
	if (ov) {
		/* What the trial sets, before the file is read: the pump and the events are
		 * resolved for this patient and duration. */
		s->patient = ov->patient;
		s->duration_min = ov->duration_min;
		s->seed = ov->seed;
		s->cgm = ov->cgm_model;
		/* A trial changes no cartridges: a reservoir that lasts and a battery that does
		 * not drain, unless the base says otherwise (docs/trial.md). */
		s->pump.reservoir_u = SCENARIO_TRIAL_RESERVOIR_U;
		s->pump.battery.drain_pct_per_h = 0.0; /* idle, motor and radio */
		s->pump.battery.drain_pct_per_u = 0.0;
		s->pump.battery.drain_pct_per_radio_event = 0.0;
		s->pump.battery.drain_pct_per_link_min = 0.0;
		s->has_controller =
		    ov->controller >= 0 && ov->controller < CONTROLLER_ALGORITHM_COUNT;
		if (s->has_controller)
			ls.controller.algorithm = (controller_algorithm)ov->controller;
	}
	bool ok = scenario_keys_walk(&w, root, s);
	if (ok && !s->pump_resolved) {
		const char *problem = scenario_resolve_pump(s);
		if (problem)
			ok = walk_fail(&w, root->start_mark, "pump",
			               "inconsistent pump settings: %s", problem);
	}
	if (ok && s->has_controller)
		ok = scenario_resolve_controller(&w, s);
	if (ok && !scenario_sort_events(s->events, s->event_count))
		ok = load_fail(err, "%s: out of memory sorting %zu events", path, s->event_count);
	if (ok && s->event_count > 0 && s->event_count < ls.events_cap) {
		scenario_event *fit = realloc(s->events, s->event_count * sizeof *fit);
		if (fit != NULL)
			s->events = fit;
	}
	yaml_document_delete(&doc);
	return ok;
}

bool scenario_load_string(const char *text, size_t len, const char *path, scenario *out,
                          scenario_error *err)
{
	return scenario_load_string_for(text, len, path, NULL, out, err);
}

bool scenario_load_string_for(const char *text, size_t len, const char *path,
                              const scenario_overrides *ov, scenario *out, scenario_error *err)
{
	assert(out != NULL && err != NULL);
	if (path == NULL)
		path = "<string>";
	if (text == NULL) {
		assert(len == 0);
		text = "";
	}
	err->message[0] = '\0';
	memset(out, 0, sizeof *out);

	scenario s = {
	    .start_min_of_day = 0,
	    .seed = 0,
	    .cgm = CGM_IDEAL,
	    .cgm_interval_min = 0,
	    .basal_kind = SCENARIO_BASAL_STEADY_STATE,
	    .e2e = true,
	    .bolus_speed_u_per_min = DEFAULT_BOLUS_SPEED_U_PER_MIN,
	    .controller_enabled = true,
	};
	pump_config_defaults(&s.pump);
	/* Unless the file says otherwise, the bolus calculator uses the patient's own. */
	s.pump.carb_ratio_g_per_u = NAN;
	s.pump.correction_factor_mgdl_per_u = NAN;
	/* The path first: events and expectations point at it. */
	s.path = strdup(path);
	s.text = malloc(len + 1);
	if (s.path == NULL || s.text == NULL) {
		scenario_free(&s);
		return load_fail(err, "%s: out of memory", path);
	}
	memcpy(s.text, text, len);
	s.text[len] = '\0';
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		scenario_free(&s);
		return load_fail(err, "%s: out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	bool ok = load_document(&parser, text, len, path, ov, &s, err);
	yaml_parser_delete(&parser);

	if (ok && s.name == NULL) {
		s.name = default_name(path);
		if (s.name == NULL)
			ok = load_fail(err, "%s: out of memory", path);
	}
	if (!ok) {
		scenario_free(&s);
		return false;
	}
	*out = s;
	return true;
}

bool scenario_load_file(const char *path, scenario *out, scenario_error *err)
{
	assert(path != NULL && out != NULL && err != NULL);
	memset(out, 0, sizeof *out);
	err->message[0] = '\0';

	char *text = NULL;
	size_t len = 0;
	int error = 0;
	read_status st = load_read_file(path, &text, &len, &error);
	if (st != READ_OK) {
		char why[160];
		return load_fail(err, "%s: %s", path,
		                 load_read_failure_text(st, error, why, sizeof why));
	}
	bool ok = scenario_load_string(text, len, path, out, err);
	free(text);
	return ok;
}

void scenario_free(scenario *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->path);
	free(s->events);
	free(s->expectations);
	free(s->expect_failure);
	free(s->text);
	for (size_t i = 0; i < s->included_count; i++)
		free(s->included_files[i]);
	free(s->included_files);
	memset(s, 0, sizeof *s);
}
