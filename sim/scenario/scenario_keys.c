/*
 * scenario_keys — the top-level keys of a scenario file (see scenario_keys.h): their table,
 * and the keys that are one value each — name, patient, duration, start, seed, cgm,
 * security, e2e, expect_failure. pump:, events:, expect: and include: have files of their
 * own. The format is docs/scenarios.md.
 */
#include "scenario_keys.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "scenario_limits.h"
#include "walk_time.h"
#include "walk_values.h"

enum { MAX_NAME_BYTES = 255 };

static bool parse_name(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	const char *what = "a one-line name";
	const char *t;
	if (!walk_text(w, key, v, what, &t))
		return false;
	if (*t == '\0' || strlen(t) > MAX_NAME_BYTES)
		return walk_fail(w, v->start_mark, key,
		                 "expected a one-line name of 1 to %d bytes, got %s",
		                 MAX_NAME_BYTES, walk_show(v).text);
	char *copy = strdup(t);
	if (copy == NULL)
		return walk_fail(w, v->start_mark, key, "out of memory");
	free(s->name);
	s->name = copy;
	return true;
}

/*
 * The usual slips with patient names, "Adult#1" or "adult#01" for "adult#001": lower case,
 * number padded to three digits. NULL when that is no patient either.
 */
static const char *patient_by_loose_name(const char *t)
{
	char buf[32];
	size_t n = 0;
	for (; *t && *t != '#' && n < sizeof buf - 8; t++)
		buf[n++] = *t >= 'A' && *t <= 'Z' ? (char)(*t - 'A' + 'a') : *t;
	if (*t != '#')
		return NULL;
	t++;
	size_t digits = strspn(t, "0123456789");
	if (digits == 0 || t[digits] != '\0')
		return NULL;
	while (digits > 3 && *t == '0') {
		t++;
		digits--;
	}
	if (digits > 3)
		return NULL;
	buf[n++] = '#';
	for (size_t pad = digits; pad < 3; pad++)
		buf[n++] = '0';
	memcpy(buf + n, t, digits);
	buf[n + digits] = '\0';
	const patient_params *p = patient_params_find(buf);
	return p ? p->name : NULL;
}

static bool parse_patient(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	const char *t;
	if (!walk_text(w, key, v, "a patient name such as adult#001", &t))
		return false;
	const patient_params *found = patient_params_find(t);
	if (found != NULL) {
		if (!w->ls->ov) /* a trial's base: the trial's patient stays */
			s->patient = found;
		return true;
	}
	const char *maybe = patient_by_loose_name(t);
	if (maybe == NULL) {
		suggestion sug = suggest_begin(t);
		for (size_t i = 0; i < patient_params_count(); i++)
			suggest_consider(&sug, patient_params_at(i)->name);
		maybe = suggest_result(&sug);
	}
	return walk_fail(w, v->start_mark, key,
	                 "unknown patient '%s'%s (run 'fakepump patients' to list the valid names)",
	                 walk_show_bare(v).text, suggest_hint_of(maybe).text);
}

static bool parse_duration_key(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	int64_t minutes;
	if (!walk_duration(w, key, v, &minutes))
		return false;
	if (!w->ls->ov) /* a trial's base: the trial's duration stays */
		s->duration_min = minutes;
	return true;
}

static bool parse_start(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	int day;
	return walk_clock(w, key, v, false, &day, &s->start_min_of_day);
}

static bool parse_seed(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	uint64_t seed = 0;
	if (!walk_integer(w, key, v, 0, UINT32_MAX, &seed))
		return false;
	if (!w->ls->ov) /* a trial's base: each patient's own seed */
		s->seed = (uint32_t)seed;
	return true;
}

/* --- cgm ------------------------------------------------------------------------------ */

static bool parse_cgm_model(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	char names[128];
	size_t used = 0;
	names[0] = '\0';
	for (int m = 0; m < CGM_MODEL_COUNT; m++) {
		const cgm_params *p = cgm_params_for((cgm_model)m);
		if (p == NULL || p->name == NULL)
			continue;
		int n =
		    snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", p->name);
		if (n < 0 || (size_t)n >= sizeof names - used)
			break;
		used += (size_t)n;
	}
	char what[160];
	snprintf(what, sizeof what, "a CGM model (one of: %s)", names);
	const char *t;
	if (!walk_text(w, key, v, what, &t))
		return false;
	cgm_model model;
	if (cgm_model_from_name(t, &model)) {
		if (!(w->ls->ov && w->ls->ov->force_cgm_model)) /* --cgm wins over the base */
			s->cgm = model;
		return true;
	}
	suggestion sug = suggest_begin(t);
	for (int m = 0; m < CGM_MODEL_COUNT; m++) {
		const cgm_params *p = cgm_params_for((cgm_model)m);
		if (p != NULL && p->name != NULL)
			suggest_consider(&sug, p->name);
	}
	return walk_fail_choice(w, key, v, what, &sug);
}

static bool parse_cgm_interval(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	int64_t minutes;
	if (!walk_duration(w, key, v, &minutes))
		return false;
	if (minutes > MAX_CGM_INTERVAL_MIN)
		return walk_fail(w, v->start_mark, key, "expected 1m to %dm, got %s",
		                 MAX_CGM_INTERVAL_MIN, walk_show(v).text);
	s->cgm_interval_min = (int)minutes;
	return true;
}

static const field_spec cgm_fields[] = {
    {.name = "model", .parse = parse_cgm_model},
    {.name = "interval", .parse = parse_cgm_interval},
};

static const mapping_spec cgm_spec = {
    .what = "a mapping such as {model: dexcom, interval: 5m}",
    FIELDS(cgm_fields),
};

static bool parse_cgm(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &cgm_spec, ctx);
}

/* --- expect_failure ------------------------------------------------------------------- */

/* Words a YAML reader would take for something other than text. */
static bool is_non_text_word(const yaml_node_t *n)
{
	static const char *const words[] = {"true", "false", "yes", "no", "on", "off"};
	if (!node_is_plain(n))
		return false;
	const char *t = node_text(n);
	if (text_is_null_word(t) || number_syntax_of_text(t) != NOT_A_NUMBER)
		return true;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (text_equal_nocase(t, words[i]))
			return true;
	return false;
}

static bool parse_expect_failure(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	const char *what = "the reason as one line of text (e.g. expect_failure: \"the late bolus "
	                   "is not caught\")";
	const char *t;
	if (is_non_text_word(v))
		return walk_fail_expected(w, key, v, what);
	if (!walk_text(w, key, v, what, &t))
		return false;
	char *copy = strdup(t);
	if (copy == NULL)
		return walk_fail(w, v->start_mark, key, "out of memory");
	free(s->expect_failure);
	s->expect_failure = copy;
	return true;
}

/* --- security ------------------------------------------------------------------------ */

static bool parse_security(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	static const char *const profiles[] = {"hardened", "legacy-vulnerable"};
	size_t i = 0;
	if (!walk_word(w, key, v, "a security profile", profiles, 2, &i))
		return false;
	s->security = i == 0 ? SCENARIO_SECURITY_HARDENED : SCENARIO_SECURITY_LEGACY_VULNERABLE;
	return true;
}

static bool parse_e2e(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return walk_bool(w, key, v, &s->e2e);
}

/* --- the document --------------------------------------------------------------------- */

/*
 * Table order is parse order: events come after start and duration, which they use;
 * include comes after the file's own events and expectations (merge order, see docs).
 */
/* The keys, `required` for patient and duration (a trial's base has neither: the trial gives
 * both). */
#define SCENARIO_FIELDS(required_in_file)                                                          \
	{.name = "name", .parse = parse_name},                                                     \
	    {.name = "patient", .required = required_in_file, .parse = parse_patient},             \
	    {.name = "duration", .required = required_in_file, .parse = parse_duration_key},       \
	    {.name = "start", .parse = parse_start}, {.name = "seed", .parse = parse_seed},        \
	    {.name = "cgm", .parse = parse_cgm}, {.name = "pump", .parse = scenario_key_pump},     \
	    {.name = "security", .parse = parse_security}, {.name = "e2e", .parse = parse_e2e},    \
	    {.name = "events", .parse = scenario_key_events},                                      \
	    {.name = "expect", .parse = scenario_key_expect},                                      \
	    {.name = "include", .parse = scenario_key_include},                                    \
	    {.name = "expect_failure", .parse = parse_expect_failure},

static const field_spec scenario_fields[] = {SCENARIO_FIELDS(true)};
static const field_spec base_fields[] = {SCENARIO_FIELDS(false)};

static const mapping_spec scenario_spec = {
    .what = "a mapping of scenario keys (patient, duration, ...)",
    FIELDS(scenario_fields),
};

static const mapping_spec base_spec = {
    .what = "a mapping of scenario keys (pump, cgm, events, ...)",
    FIELDS(base_fields),
};

bool scenario_keys_walk(walker *w, yaml_node_t *root, scenario *s)
{
	return walk_mapping(w, "", root, w->ls->ov ? &base_spec : &scenario_spec, s);
}
