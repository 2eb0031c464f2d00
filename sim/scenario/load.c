/*
 * load — reads a scenario file (or text) into a plain, validated `scenario` value: the file
 * read whole (16 MiB at most) and parsed by libyaml into one document (load_source.c), walked
 * from its root (scenario_keys.c and the files it names), then the pump resolved and the
 * events sorted.
 * Errors name the place as `file:line:column`; libyaml's own ones (not YAML at all) too.
 *
 * Must never: return a partial scenario (on any error the scenario is freed and left zeroed),
 * or leak on an error path.
 *
 * Follows: libyaml 0.2.5 document API (yaml_parser_load).
 */
#include "scenario.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load_source.h"
#include "loader.h"
#include "scenario_keys.h"

/* The pump's own speed when the file does not say (pump issue: 1.5 U/min). */
static const double DEFAULT_BOLUS_SPEED_U_PER_MIN = 1.5;

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
