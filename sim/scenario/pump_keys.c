/*
 * pump_keys — `pump:` in a scenario file: the basal (steady-state, a rate or a program of
 * segments), bolus speed, reservoir and battery, occlusion threshold, insulin action, the
 * bolus calculator, the hard limits, low-glucose protection and the controller
 * (controller_keys.c); then the pump configuration
 * resolved for the patient and checked by the pump model itself (pump_config_check).
 *
 * To add a pump key: a parser and a row in the table of its mapping, here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenario_keys.h"
#include "scenario_limits.h"
#include "walk_time.h"
#include "walk_values.h"

static const double MAX_BOLUS_SPEED_U_PER_MIN = 100.0;

static const number_range basal_rate_range = {
    .what = "a rate in U/h", .lo = 0.0, .hi = MAX_BASAL_U_PER_H, .lo_open = false};

/* One item of a basal program while it is read. */
typedef struct basal_draft {
	scenario_basal_segment segment;
	const yaml_node_t *at_node;
} basal_draft;

static bool parse_segment_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	basal_draft *d = ctx;
	int day;
	d->at_node = v;
	return walk_clock(w, key, v, false, &day, &d->segment.start_min_of_day);
}

static bool parse_segment_rate(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	basal_draft *d = ctx;
	return walk_number_in_range(w, key, v, &basal_rate_range, &d->segment.rate_u_per_h);
}

static const field_spec basal_segment_fields[] = {
    {.name = "at", .required = true, .parse = parse_segment_at},
    {.name = "rate", .required = true, .parse = parse_segment_rate},
};

static const mapping_spec basal_segment_spec = {
    .what = "a segment such as {at: \"06:00\", rate: 0.8}",
    FIELDS(basal_segment_fields),
};

static bool parse_basal_program(walker *w, const char *key, yaml_node_t *v, scenario *s)
{
	size_t count = 0;
	if (!walk_sequence(w, key, v, "a list of segments", &count))
		return false;
	if (count == 0)
		return walk_fail(
		    w, v->start_mark, key,
		    "expected 1 to %d segments, got an empty list (for no basal at all "
		    "write basal: 0)",
		    SCENARIO_MAX_BASAL_SEGMENTS);
	if (count > SCENARIO_MAX_BASAL_SEGMENTS)
		return walk_fail(w, walk_item(w, v, SCENARIO_MAX_BASAL_SEGMENTS)->start_mark, key,
		                 "expected at most %d segments, got %zu",
		                 SCENARIO_MAX_BASAL_SEGMENTS, count);
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX], at_key[KEY_PATH_MAX];
		key_path_item(item_key, sizeof item_key, key, i);
		basal_draft d = {.at_node = NULL};
		if (!walk_mapping(w, item_key, walk_item(w, v, i), &basal_segment_spec, &d))
			return false;
		key_path_join(at_key, sizeof at_key, item_key, "at");
		int start = d.segment.start_min_of_day;
		if (i == 0 && start != 0)
			return walk_fail(
			    w, d.at_node->start_mark, at_key,
			    "expected 00:00 for the first segment (a basal program covers the "
			    "whole day), got %s",
			    walk_show(d.at_node).text);
		if (i > 0 && start <= s->basal_segments[i - 1].start_min_of_day)
			return walk_fail(
			    w, d.at_node->start_mark, at_key,
			    "expected a time after %s (segments in increasing order), got %s",
			    clock_text_of(s->basal_segments[i - 1].start_min_of_day).text,
			    walk_show(d.at_node).text);
		s->basal_segments[i] = d.segment;
	}
	s->basal_kind = SCENARIO_BASAL_PROGRAM;
	s->basal_segment_count = count;
	return true;
}

static bool parse_basal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (v->type == YAML_SEQUENCE_NODE)
		return parse_basal_program(w, key, v, s);
	if (node_is_scalar(v) && strcmp(node_text(v), "steady-state") == 0) {
		s->basal_kind = SCENARIO_BASAL_STEADY_STATE;
		s->basal_segment_count = 0;
		return true;
	}
	if (number_syntax_of_node(v) != NOT_A_NUMBER) {
		double rate;
		if (!walk_number_in_range(w, key, v, &basal_rate_range, &rate))
			return false;
		s->basal_kind = SCENARIO_BASAL_PROGRAM;
		s->basal_segment_count = 1;
		s->basal_segments[0] =
		    (scenario_basal_segment){.start_min_of_day = 0, .rate_u_per_h = rate};
		return true;
	}
	const char *what = "steady-state, a rate in U/h (0 to 35) or a list of {at, rate}";
	if (node_is_quoted_number(v))
		return walk_fail(
		    w, v->start_mark, key,
		    "expected %s, got %s (a quoted string; write numbers without quotes)", what,
		    walk_show(v).text);
	if (node_is_scalar(v)) {
		suggestion sug = suggest_begin(node_text(v));
		suggest_consider(&sug, "steady-state");
		return walk_fail_choice(w, key, v, what, &sug);
	}
	return walk_fail_expected(w, key, v, what);
}

static bool parse_bolus_speed(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	static const number_range speed = {.what = "instant or a speed in U/min",
	                                   .lo = 0.0,
	                                   .hi = MAX_BOLUS_SPEED_U_PER_MIN,
	                                   .lo_open = true};
	if (node_is_scalar(v) && strcmp(node_text(v), "instant") == 0) {
		s->bolus_speed_u_per_min = 0.0;
		return true;
	}
	return walk_number_in_range(w, key, v, &speed, &s->bolus_speed_u_per_min);
}

#define PUMP_NUMBER_PARSER(fn, field, lo, hi, lo_open, what)                                       \
	static bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                      \
	{                                                                                          \
		scenario *s = ctx;                                                                 \
		return walk_number_between(w, key, v, lo, hi, lo_open, what, &s->pump.field);      \
	}

PUMP_NUMBER_PARSER(parse_pulse, pulse_u, 0.0, 1.0, true, "a pulse in U")
PUMP_NUMBER_PARSER(parse_reservoir, reservoir_u, 0.0, 1000.0, false, "a fill in U")
PUMP_NUMBER_PARSER(parse_reservoir_low, reservoir_low_u, 0.0, 1000.0, false, "an amount in U")
PUMP_NUMBER_PARSER(parse_battery, battery_pct, 0.0, 100.0, false, "a charge in %")
PUMP_NUMBER_PARSER(parse_battery_low, battery.low_pct, 0.0, 100.0, false, "a charge in %")
PUMP_NUMBER_PARSER(parse_battery_drain, battery.drain_pct_per_h, 0.0, 100.0, false,
                   "a drain in %/h")
PUMP_NUMBER_PARSER(parse_occlusion_threshold, occlusion_threshold_u, 0.0, 50.0, true,
                   "missed insulin in U")
PUMP_NUMBER_PARSER(parse_carb_ratio, carb_ratio_g_per_u, 0.0, 500.0, true, "a ratio in g/U")
PUMP_NUMBER_PARSER(parse_correction_factor, correction_factor_mgdl_per_u, 0.0, 1000.0, true,
                   "a factor in mg/dL per U")
PUMP_NUMBER_PARSER(parse_target, target_mgdl, 40.0, 400.0, false, "a glucose in mg/dL")
PUMP_NUMBER_PARSER(parse_max_bolus, limits.max_bolus_u, 0.0, 100.0, true, "a dose in U")
PUMP_NUMBER_PARSER(parse_max_basal, limits.max_basal_u_per_h, 0.0, MAX_BASAL_U_PER_H, false,
                   "a rate in U/h")
PUMP_NUMBER_PARSER(parse_max_daily, limits.max_daily_u, 0.0, 500.0, true, "a total in U")
PUMP_NUMBER_PARSER(parse_max_iob, limits.max_iob_u, 0.0, 200.0, true, "an amount in U")
PUMP_NUMBER_PARSER(parse_lgs_suspend_below, lgs.suspend_below_mgdl, 0.0, 200.0, false,
                   "a glucose in mg/dL (0 = off)")
PUMP_NUMBER_PARSER(parse_lgs_predict_below, lgs.predict_below_mgdl, 0.0, 200.0, false,
                   "a glucose in mg/dL")
PUMP_NUMBER_PARSER(parse_lgs_resume_above, lgs.resume_above_mgdl, 0.0, 300.0, false,
                   "a glucose in mg/dL")

static bool parse_insulin_duration(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return walk_minutes(w, key, v, 60, 24 * 60, &s->pump.insulin_action_min);
}

static bool parse_insulin_peak(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return walk_minutes(w, key, v, 1, 12 * 60, &s->pump.insulin_peak_min);
}

static const field_spec insulin_action_fields[] = {
    {.name = "duration", .parse = parse_insulin_duration},
    {.name = "peak", .parse = parse_insulin_peak},
};

static const mapping_spec insulin_action_spec = {
    .what = "a mapping such as {duration: 5h, peak: 75m}",
    FIELDS(insulin_action_fields),
};

static bool parse_insulin_action(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &insulin_action_spec, ctx);
}

static const field_spec calculator_fields[] = {
    {.name = "carb_ratio", .parse = parse_carb_ratio},
    {.name = "correction_factor", .parse = parse_correction_factor},
    {.name = "target", .parse = parse_target},
};

static const mapping_spec calculator_spec = {
    .what = "a mapping such as {carb_ratio: 10, correction_factor: 50, target: 110}",
    FIELDS(calculator_fields),
};

static bool parse_bolus_calculator(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &calculator_spec, ctx);
}

static bool parse_min_bolus_interval(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (number_syntax_of_node(v) == NUMBER_FINITE && number_from_text(node_text(v)) == 0.0) {
		s->pump.limits.min_bolus_interval_min = 0;
		return true;
	}
	return walk_minutes(w, key, v, 1, 24 * 60, &s->pump.limits.min_bolus_interval_min);
}

static const field_spec limits_fields[] = {
    {.name = "max_bolus", .parse = parse_max_bolus},
    {.name = "max_basal", .parse = parse_max_basal},
    {.name = "max_daily", .parse = parse_max_daily},
    {.name = "max_iob", .parse = parse_max_iob},
    {.name = "min_bolus_interval", .parse = parse_min_bolus_interval},
};

static const mapping_spec limits_spec = {
    .what = "a mapping such as {max_bolus: 10, max_basal: 3, max_daily: 80}",
    FIELDS(limits_fields),
};

static bool parse_limits(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	return walk_mapping(w, key, v, &limits_spec, ctx);
}

static bool parse_lgs_predictive(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return walk_bool(w, key, v, &s->pump.lgs.predictive);
}

static bool parse_lgs_horizon(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return walk_minutes(w, key, v, 5, 120, &s->pump.lgs.horizon_min);
}

static bool parse_lgs_max_suspend(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	return walk_minutes(w, key, v, 15, 24 * 60, &s->pump.lgs.max_suspend_min);
}

static const field_spec lgs_fields[] = {
    {.name = "suspend_below", .parse = parse_lgs_suspend_below},
    {.name = "predictive", .parse = parse_lgs_predictive},
    {.name = "predict_below", .parse = parse_lgs_predict_below},
    {.name = "horizon", .parse = parse_lgs_horizon},
    {.name = "resume_above", .parse = parse_lgs_resume_above},
    {.name = "max_suspend", .parse = parse_lgs_max_suspend},
};

static const mapping_spec lgs_spec = {
    .what = "on, off, or a mapping such as {suspend_below: 70, predictive: true}",
    FIELDS(lgs_fields),
};

static bool parse_low_glucose_protection(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (v->type == YAML_MAPPING_NODE) {
		s->pump.lgs.enabled = true;
		return walk_mapping(w, key, v, &lgs_spec, ctx);
	}
	if (node_is_scalar(v)) {
		bool on;
		if (!walk_bool(w, key, v, &on))
			return false;
		s->pump.lgs.enabled = on;
		return true;
	}
	return walk_fail_expected(w, key, v, lgs_spec.what);
}

static const field_spec pump_fields[] = {
    {.name = "basal", .parse = parse_basal},
    {.name = "bolus_speed", .parse = parse_bolus_speed},
    {.name = "pulse", .parse = parse_pulse},
    {.name = "reservoir", .parse = parse_reservoir},
    {.name = "reservoir_low", .parse = parse_reservoir_low},
    {.name = "battery", .parse = parse_battery},
    {.name = "battery_low", .parse = parse_battery_low},
    {.name = "battery_drain", .parse = parse_battery_drain},
    {.name = "occlusion_threshold", .parse = parse_occlusion_threshold},
    {.name = "insulin_action", .parse = parse_insulin_action},
    {.name = "bolus_calculator", .parse = parse_bolus_calculator},
    {.name = "limits", .parse = parse_limits},
    {.name = "low_glucose_protection", .parse = parse_low_glucose_protection},
    {.name = "controller", .parse = scenario_key_controller},
};

static const mapping_spec pump_spec = {
    .what = "a mapping such as {basal: steady-state, bolus_speed: instant}",
    FIELDS(pump_fields),
};

const char *scenario_resolve_pump(scenario *s)
{
	pump_config *c = &s->pump;
	c->start_min_of_day = s->start_min_of_day;
	c->bolus_speed_u_per_min = s->bolus_speed_u_per_min;
	if (s->basal_kind == SCENARIO_BASAL_STEADY_STATE) {
		c->steady_basal_u_per_min = patient_basal_u_per_min(s->patient);
		c->basal_segment_count = 0;
	} else {
		c->steady_basal_u_per_min = 0.0;
		c->basal_segment_count = s->basal_segment_count;
		for (size_t i = 0; i < s->basal_segment_count; i++) {
			c->basal_segments[i].start_min_of_day =
			    s->basal_segments[i].start_min_of_day;
			c->basal_segments[i].rate_u_per_h = s->basal_segments[i].rate_u_per_h;
		}
	}
	if (isnan(c->carb_ratio_g_per_u))
		c->carb_ratio_g_per_u = s->patient->carb_ratio_g_per_u;
	if (isnan(c->correction_factor_mgdl_per_u))
		c->correction_factor_mgdl_per_u = s->patient->correction_factor_mgdl_per_u;
	s->pump_resolved = true;
	return pump_config_check(c);
}

bool scenario_key_pump(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	if (!walk_mapping(w, key, v, &pump_spec, ctx))
		return false;
	const char *problem = scenario_resolve_pump(s);
	if (problem)
		return walk_fail(w, v->start_mark, key, "inconsistent pump settings: %s", problem);
	return true;
}
