/*
 * controller_keys — `pump: {controller: …}`: the pump closes the loop (pump_model/controller.h,
 * docs/controllers.md). `algorithm` picks basal-bolus, pid-ifb or oref0; every other key is a
 * setting with its unit, and what is not written keeps the default the algorithm takes for
 * this patient (controller_settings_for_therapy: the pump's carb ratio, correction factor and
 * basal, the patient's total daily insulin, age and weight).
 *
 * The keys are read into a draft (loader.h) and applied once the pump is resolved
 * (scenario_resolve_controller), so that the defaults are the patient's whatever the order
 * of the pump's keys; a trial (scenario_overrides) may replace the algorithm, and then each
 * algorithm's own block applies to that algorithm only.
 *
 * To add a setting: a row in one of the tables below (its name, field, unit, range); its line
 * in docs/scenarios.md's controller table.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"
#include "scenario_keys.h"
#include "walk_time.h"
#include "walk_values.h"

typedef enum tuning_kind {
	TUNE_NUMBER,    /* a double, lo … hi */
	TUNE_MINUTES,   /* an int field, a duration in whole minutes lo … hi */
	TUNE_MINUTES_D, /* a double field, a duration in whole minutes lo … hi (0 allowed if lo 0)
	                 */
	TUNE_BOOL,
} tuning_kind;

/* One setting: its key, where it goes in controller_settings, and what it accepts. */
typedef struct tuning_key {
	const char *name;
	size_t offset;
	tuning_kind kind;
	double lo, hi;
	bool lo_open;
	const char *what;
} tuning_key;

#define TUNING_ROW(key, field, kind, lo, hi, lo_open, what)                                        \
	{key, offsetof(controller_settings, field), kind, lo, hi, lo_open, what},
#define FIELD_ROW(key, field, kind, lo, hi, lo_open, what) {.name = key, .parse = parse_tuning},

/* Settings directly under controller: (docs/scenarios.md "The pump's controller"). */
#define COMMON_KEYS(X)                                                                             \
	X("target", target_mgdl, TUNE_NUMBER, 70, 200, false, "a glucose in mg/dL")                \
	X("carb_ratio", carb_ratio_g_per_u, TUNE_NUMBER, 0, 500, true, "a ratio in g/U")           \
	X("correction_factor", correction_factor_mgdl_per_u, TUNE_NUMBER, 0, 1000, true,           \
	  "a factor in mg/dL per U")                                                               \
	X("max_basal", max_basal_u_per_h, TUNE_NUMBER, 0, 35, false, "a rate in U/h")              \
	X("max_iob", max_iob_u, TUNE_NUMBER, 0, 200, false, "an amount in U")                      \
	X("low_suspend", low_suspend_mgdl, TUNE_NUMBER, 0, 200, false, "a glucose in mg/dL")       \
	X("interval", interval_min, TUNE_MINUTES, 1, 60, false, "")                                \
	X("temp_duration", temp_duration_min, TUNE_MINUTES, 1, 120, false, "")                     \
	X("cgm_stale", cgm_stale_min, TUNE_MINUTES, 1, 60, false, "")                              \
	X("basal_step", basal_step_u_per_h, TUNE_NUMBER, 0, 1, true, "a rate step in U/h")

#define INSULIN_ACTION_KEYS(X)                                                                     \
	X("duration", insulin_action_min, TUNE_MINUTES, 60, 1440, false, "")                       \
	X("peak", insulin_peak_min, TUNE_MINUTES, 1, 720, false, "")

#define BASAL_BOLUS_KEYS(X)                                                                        \
	X("correct_above", basal_bolus.correct_above_mgdl, TUNE_NUMBER, 40, 400, false,            \
	  "a glucose in mg/dL")                                                                    \
	X("correct_to", basal_bolus.correct_to_mgdl, TUNE_NUMBER, 40, 400, false,                  \
	  "a glucose in mg/dL")

#define PID_KEYS(X)                                                                                \
	X("kp", pid.kp_u_per_h_per_mgdl, TUNE_NUMBER, 0, 1, false, "a gain in U/h per mg/dL")      \
	X("ti", pid.ti_min, TUNE_MINUTES_D, 1, 7 * 1440, false, "")                                \
	X("td", pid.td_min, TUNE_MINUTES_D, 0, 600, false, "")                                     \
	X("ifb_gamma", pid.ifb_gamma, TUNE_NUMBER, 0, 5, false, "a fraction")                      \
	X("ifb_tau1", pid.ifb_tau1_min, TUNE_MINUTES_D, 1, 600, false, "")                         \
	X("ifb_tau2", pid.ifb_tau2_min, TUNE_MINUTES_D, 1, 600, false, "")                         \
	X("slope_window", pid.slope_window_min, TUNE_MINUTES, 5, 60, false, "")                    \
	X("meal_bolus_fraction", pid.meal_bolus_fraction, TUNE_NUMBER, 0, 1, false, "a fraction")  \
	X("integral_low", pid.integral_low_u_per_h, TUNE_NUMBER, 0, 35, false, "a rate in U/h")    \
	X("integral_high", pid.integral_high_u_per_h, TUNE_NUMBER, 0, 35, false, "a rate in U/h")

#define OREF0_KEYS(X)                                                                              \
	X("max_daily_safety_multiplier", oref0.max_daily_safety_multiplier, TUNE_NUMBER, 0, 10,    \
	  true, "a multiple of the basal")                                                         \
	X("current_basal_safety_multiplier", oref0.current_basal_safety_multiplier, TUNE_NUMBER,   \
	  0, 10, true, "a multiple of the basal")                                                  \
	X("min_5m_carbimpact", oref0.min_5m_carbimpact_mgdl, TUNE_NUMBER, 0, 100, false,           \
	  "mg/dL per 5 minutes")                                                                   \
	X("remaining_carbs_time", oref0.remaining_carbs_time_min, TUNE_MINUTES, 30, 600, false,    \
	  "")                                                                                      \
	X("max_cob", oref0.max_cob_g, TUNE_NUMBER, 0, 1000, false, "grams of carbohydrate")        \
	X("smb", oref0.smb, TUNE_BOOL, 0, 0, false, "")                                            \
	X("uam", oref0.uam, TUNE_BOOL, 0, 0, false, "")                                            \
	X("smb_uam", oref0.smb_uam, TUNE_BOOL, 0, 0, false, "")                                    \
	X("max_smb_basal", oref0.max_smb_basal_min, TUNE_MINUTES_D, 0, 120, false, "")             \
	X("max_uam_smb_basal", oref0.max_uam_smb_basal_min, TUNE_MINUTES_D, 0, 120, false, "")     \
	X("smb_fraction", oref0.smb_fraction, TUNE_NUMBER, 0, 1, false, "a fraction")              \
	X("smb_interval", oref0.smb_interval_min, TUNE_MINUTES, 1, 60, false, "")                  \
	X("low_temp_factor", oref0.low_temp_factor, TUNE_NUMBER, 0, 10, false, "a factor")         \
	X("autosens", oref0.autosens, TUNE_BOOL, 0, 0, false, "")                                  \
	X("autosens_min", oref0.autosens_min, TUNE_NUMBER, 0, 1, true, "a ratio")                  \
	X("autosens_max", oref0.autosens_max, TUNE_NUMBER, 1, 3, false, "a ratio")                 \
	X("meal_bolus_fraction", oref0.meal_bolus_fraction, TUNE_NUMBER, 0, 1, false,              \
	  "a fraction")                                                                            \
	X("meal_iob_fraction", oref0.meal_iob_fraction, TUNE_NUMBER, 0, 1, false, "a fraction")

static const tuning_key common_keys[] = {COMMON_KEYS(TUNING_ROW)};
static const tuning_key insulin_action_keys[] = {INSULIN_ACTION_KEYS(TUNING_ROW)};
static const tuning_key basal_bolus_keys[] = {BASAL_BOLUS_KEYS(TUNING_ROW)};
static const tuning_key pid_keys[] = {PID_KEYS(TUNING_ROW)};
static const tuning_key oref0_keys[] = {OREF0_KEYS(TUNING_ROW)};

/* What every parser of the controller's mappings gets: the draft and the table of its
 * mapping. */
typedef struct tuning_block {
	scenario *s;
	controller_draft *d;
	const tuning_key *keys;
	size_t key_count;
} tuning_block;

/* The key's own name: the last part of its path ("pump.controller.pid.ti" -> "ti"). */
static const char *own_name(const char *key)
{
	const char *dot = strrchr(key, '.');
	return dot ? dot + 1 : key;
}

static bool give(walker *w, const char *key, yaml_node_t *v, controller_draft *d,
                 const tuning_key *t, double value)
{
	if (d->given_count ==
	    CONTROLLER_GIVEN_MAX) /* more keys than the tables have: not reached */
		return walk_fail(w, v->start_mark, key, "too many controller settings");
	d->given[d->given_count++] = (controller_given){.offset = t->offset,
	                                                .type = t->kind == TUNE_BOOL      ? 'b'
	                                                        : t->kind == TUNE_MINUTES ? 'i'
	                                                                                  : 'd',
	                                                .value = value};
	return true;
}

static bool parse_tuning(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	const char *name = own_name(key);
	const tuning_key *t = NULL;
	for (size_t i = 0; i < b->key_count && !t; i++)
		if (strcmp(b->keys[i].name, name) == 0)
			t = &b->keys[i];
	if (!t) /* the mapping's table and its tuning table have the same names: not reached */
		return walk_fail(w, v->start_mark, key, "no such controller setting");
	switch (t->kind) {
	case TUNE_BOOL: {
		bool on;
		return walk_bool(w, key, v, &on) && give(w, key, v, b->d, t, on ? 1.0 : 0.0);
	}
	case TUNE_MINUTES:
	case TUNE_MINUTES_D: {
		int minutes = 0;
		/* 0 where the setting allows it ("td: 0": no derivative), written as a number */
		if (!(t->lo == 0 && number_syntax_of_node(v) == NUMBER_FINITE &&
		      number_from_text(node_text(v)) == 0.0) &&
		    !walk_minutes(w, key, v, t->lo > 0 ? (int64_t)t->lo : 1, (int64_t)t->hi,
		                  &minutes))
			return false;
		return give(w, key, v, b->d, t, minutes);
	}
	case TUNE_NUMBER: {
		double value;
		return walk_number_between(w, key, v, t->lo, t->hi, t->lo_open, t->what, &value) &&
		       give(w, key, v, b->d, t, value);
	}
	}
	return false;
}

static const field_spec insulin_action_fields[] = {INSULIN_ACTION_KEYS(FIELD_ROW)};
static const field_spec basal_bolus_fields[] = {BASAL_BOLUS_KEYS(FIELD_ROW)};
static const field_spec pid_fields[] = {PID_KEYS(FIELD_ROW)};
static const field_spec oref0_fields[] = {OREF0_KEYS(FIELD_ROW)};

static const mapping_spec insulin_action_spec = {
    .what = "a mapping such as {duration: 7h, peak: 100m}", FIELDS(insulin_action_fields)};
static const mapping_spec basal_bolus_spec = {
    .what = "a mapping such as {correct_above: 150, correct_to: 140}", FIELDS(basal_bolus_fields)};
static const mapping_spec pid_spec = {.what = "a mapping such as {ti: 450m, ifb_gamma: 0.5}",
                                      FIELDS(pid_fields)};
static const mapping_spec oref0_spec = {.what = "a mapping such as {smb: true, max_cob: 120}",
                                        FIELDS(oref0_fields)};

#define KEYS(table) (table), (sizeof(table) / sizeof((table)[0]))

static bool parse_algorithm(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	static const char *const names[CONTROLLER_ALGORITHM_COUNT] = {"basal-bolus", "pid-ifb",
	                                                              "oref0"};
	size_t i = 0;
	if (!walk_word(w, key, v, "a controller algorithm", names, CONTROLLER_ALGORITHM_COUNT, &i))
		return false;
	const scenario_overrides *ov = w->ls->ov;
	if (!ov || ov->controller == SCENARIO_CONTROLLER_AS_WRITTEN) {
		b->d->algorithm = (controller_algorithm)i;
		b->s->has_controller = true;
	}
	return true;
}

static bool parse_enabled(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	return walk_bool(w, key, v, &b->s->controller_enabled);
}

static bool parse_total_daily_insulin(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	return walk_number_between(w, key, v, 0.0, 500.0, true, "a total in U",
	                           &b->d->total_daily_insulin_u);
}

static bool parse_insulin_action(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	tuning_block inner = {b->s, b->d, KEYS(insulin_action_keys)};
	return walk_mapping(w, key, v, &insulin_action_spec, &inner);
}

/* One algorithm's own settings: refused under another algorithm in a scenario (a slip), kept
 * aside in a trial's base (the trial may run each algorithm with its block). */
static bool parse_block(walker *w, const char *key, yaml_node_t *v, tuning_block *b,
                        controller_algorithm owner, const mapping_spec *spec,
                        const tuning_key *keys, size_t key_count)
{
	if (!w->ls->ov && b->d->algorithm != owner)
		return walk_fail(w, v->start_mark, key,
		                 "'%s' goes with algorithm: %s (this controller is %s)",
		                 own_name(key), controller_algorithm_name(owner),
		                 controller_algorithm_name(b->d->algorithm));
	const size_t before = b->d->given_count;
	tuning_block inner = {b->s, b->d, keys, key_count};
	if (!walk_mapping(w, key, v, spec, &inner))
		return false;
	if (b->d->algorithm != owner) /* a trial running another algorithm: read, not used */
		b->d->given_count = before;
	return true;
}

static bool parse_basal_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	return parse_block(w, key, v, b, CONTROLLER_BASAL_BOLUS, &basal_bolus_spec,
	                   KEYS(basal_bolus_keys));
}

static bool parse_pid(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	return parse_block(w, key, v, b, CONTROLLER_PID_IFB, &pid_spec, KEYS(pid_keys));
}

static bool parse_oref0(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	tuning_block *b = ctx;
	return parse_block(w, key, v, b, CONTROLLER_OREF0, &oref0_spec, KEYS(oref0_keys));
}

/* Table order is parse order: the algorithm before the blocks that depend on it. */
static const field_spec controller_fields[] = {
    {.name = "algorithm", .required = true, .parse = parse_algorithm},
    {.name = "enabled", .parse = parse_enabled},
    {.name = "total_daily_insulin", .parse = parse_total_daily_insulin},
    COMMON_KEYS(FIELD_ROW){.name = "insulin_action", .parse = parse_insulin_action},
    {.name = "basal_bolus", .parse = parse_basal_bolus},
    {.name = "pid", .parse = parse_pid},
    {.name = "oref0", .parse = parse_oref0},
};

static const mapping_spec controller_spec = {
    .what = "a mapping such as {algorithm: oref0, target: 110}",
    FIELDS(controller_fields),
};

bool scenario_key_controller(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	controller_draft *d = &w->ls->controller;
	d->written = true;
	d->mark = v->start_mark;
	tuning_block b = {s, d, KEYS(common_keys)};
	if (!walk_mapping(w, key, v, &controller_spec, &b))
		return false;
	if (w->ls->ov && w->ls->ov->controller == SCENARIO_CONTROLLER_NONE)
		s->has_controller = false; /* a trial of the open loop: the file's is not used */
	return true;
}

/* The programme's mean rate over a day, U/h: what "the basal" is for the defaults. */
static double mean_basal_u_per_h(const scenario *s)
{
	const pump_config *c = &s->pump;
	if (c->basal_segment_count == 0)
		return c->steady_basal_u_per_min * 60.0;
	double units = 0.0;
	for (size_t i = 0; i < c->basal_segment_count; i++) {
		const int end = i + 1 < c->basal_segment_count
		                    ? c->basal_segments[i + 1].start_min_of_day
		                    : 24 * 60;
		units += c->basal_segments[i].rate_u_per_h *
		         (end - c->basal_segments[i].start_min_of_day);
	}
	return units / (24 * 60);
}

bool scenario_resolve_controller(walker *w, scenario *s)
{
	const controller_draft *d = &w->ls->controller;
	const patient_params *pp = s->patient;
	const controller_therapy therapy = {
	    .carb_ratio_g_per_u = s->pump.carb_ratio_g_per_u,
	    .correction_factor_mgdl_per_u = s->pump.correction_factor_mgdl_per_u,
	    .total_daily_insulin_u = d->total_daily_insulin_u > 0.0 ? d->total_daily_insulin_u
	                                                            : pp->total_daily_insulin_u,
	    .basal_u_per_h = mean_basal_u_per_h(s),
	    .weight_kg = pp->BW,
	    .age_years = pp->age_years,
	};
	controller_settings *cs = &s->controller;
	controller_settings_for_therapy(d->algorithm, &therapy, cs);
	cs->pulse_u = s->pump.pulse_u; /* boluses the pump can deliver */
	for (size_t i = 0; i < d->given_count; i++) {
		char *field = (char *)cs + d->given[i].offset;
		if (d->given[i].type == 'b')
			*(bool *)(void *)field = d->given[i].value != 0.0;
		else if (d->given[i].type == 'i')
			*(int *)(void *)field = (int)d->given[i].value;
		else
			*(double *)(void *)field = d->given[i].value;
	}
	const char *problem = controller_settings_check(cs);
	if (problem)
		return walk_fail(w, d->mark, "pump.controller",
		                 "inconsistent controller settings: %s", problem);
	return true;
}
