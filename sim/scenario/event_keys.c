/*
 * event_keys — the kinds of event a scenario plays (`events:` items): meal, bolus,
 * calculated_bolus, temp_basal, cancel_*, suspend, resume, stop, prime, fill, refill,
 * change_battery, fault, confirm, set_max_bolus, the sensor faults, pairing_window, and what
 * the person tells the pump's controller (announce, controller); phone: and attack: have
 * files of their own. Here too: the event mapping's table (kinds, then the modifiers of
 * event_modifiers.c); the kinds' names are in event_kinds.c.
 *
 * To add an event kind: its parser and a row in event_fields here, its name in
 * event_kind_names (event_kinds.c), the kind in scenario.h — and what the engine does with it
 * (sim/engine/engine.c: apply_event, and person_command for a command at the pump).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "event_draft.h"
#include "loader.h"
#include "fault_spec.h"
#include "scenario_limits.h"
#include "walk_time.h"
#include "walk_values.h"

enum { MAX_PAIRING_WINDOW_MIN = 60 }; /* a window left open longer is a door left open */

static bool parse_event_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->at_node = v;
	if (node_is_scalar(v) && node_text(v)[0] == '+') {
		d->relative_at = true;
		return walk_relative_time(w, key, v, &d->offset_min);
	}
	return walk_clock(w, key, v, true, &d->day, &d->min_of_day);
}

static bool parse_event_meal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const number_range meal = {
	    .what = "grams of carbohydrate", .lo = 0.0, .hi = MAX_MEAL_G, .lo_open = true};
	d->event.kind = SCENARIO_EVENT_MEAL;
	return walk_number_in_range(w, key, v, &meal, &d->event.amount);
}

bool parse_event_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const number_range bolus = {
	    .what = "units of insulin", .lo = 0.0, .hi = MAX_BOLUS_U, .lo_open = true};
	d->event.kind = SCENARIO_EVENT_BOLUS;
	return walk_number_in_range(w, key, v, &bolus, &d->event.amount);
}

static bool parse_event_calculated_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_CALCULATED_BOLUS;
	return walk_number_between(w, key, v, 0.0, MAX_MEAL_G, false, "grams of carbohydrate",
	                           &d->event.amount);
}

/* "0.5" (U/h) or "50%" (of the programmed rate). */
bool parse_event_temp_basal(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_TEMP_BASAL;
	const char *what = "a rate in U/h (0 to 35) or a percentage such as 50%";
	/* A percentage is text: written plain (50%) or quoted ("50%"), both read the same. */
	if (node_is_scalar(v)) {
		const char *t = node_text(v);
		size_t len = strlen(t);
		if (len >= 2 && t[len - 1] == '%') {
			double pct;
			if (!percent_of_text(t, &pct))
				return walk_fail_expected(w, key, v, what);
			if (pct >= 0.0 && pct <= 250.0) {
				d->event.relative = true;
				d->event.amount = pct;
				return true;
			}
			return walk_fail_expected(w, key, v, "a percentage 0% to 250%");
		}
	}
	return walk_number_between(w, key, v, 0.0, MAX_BASAL_U_PER_H, false, what,
	                           &d->event.amount);
}

/* `linkage`: empty for the kinds a phone: mapping shares (event_draft.h), else static. */
#define EVENT_FLAG_PARSER(linkage, fn, kind_value)                                                 \
	linkage bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                     \
	{                                                                                          \
		event_draft *d = ctx;                                                              \
		d->event.kind = kind_value;                                                        \
		return walk_true(w, key, v);                                                       \
	}

EVENT_FLAG_PARSER(, parse_event_cancel_bolus, SCENARIO_EVENT_CANCEL_BOLUS)
EVENT_FLAG_PARSER(, parse_event_cancel_temp_basal, SCENARIO_EVENT_CANCEL_TEMP_BASAL)
EVENT_FLAG_PARSER(, parse_event_suspend, SCENARIO_EVENT_SUSPEND)
EVENT_FLAG_PARSER(, parse_event_resume, SCENARIO_EVENT_RESUME)
EVENT_FLAG_PARSER(, parse_event_stop, SCENARIO_EVENT_STOP)
EVENT_FLAG_PARSER(static, parse_event_change_battery, SCENARIO_EVENT_CHANGE_BATTERY)

#define EVENT_AMOUNT_PARSER(linkage, fn, kind_value, lo, hi, what)                                 \
	linkage bool fn(walker *w, const char *key, yaml_node_t *v, void *ctx)                     \
	{                                                                                          \
		event_draft *d = ctx;                                                              \
		d->event.kind = kind_value;                                                        \
		return walk_number_between(w, key, v, lo, hi, true, what, &d->event.amount);       \
	}

EVENT_AMOUNT_PARSER(, parse_event_prime, SCENARIO_EVENT_PRIME, 0.0, 30.0, "units to prime")
EVENT_AMOUNT_PARSER(, parse_event_fill, SCENARIO_EVENT_FILL, 0.0, 1000.0, "units in the reservoir")
EVENT_AMOUNT_PARSER(static, parse_event_refill, SCENARIO_EVENT_REFILL, 0.0, 1000.0,
                    "units in the new reservoir")
EVENT_AMOUNT_PARSER(, parse_event_set_max_bolus, SCENARIO_EVENT_SET_MAX_BOLUS, 0.0, MAX_BOLUS_U,
                    "a bolus limit in U")
EVENT_AMOUNT_PARSER(static, parse_event_sensor_noise, SCENARIO_EVENT_SENSOR_NOISE, 0.0, 200.0,
                    "an extra noise SD in mg/dL")
EVENT_AMOUNT_PARSER(static, parse_event_compression_low, SCENARIO_EVENT_SENSOR_COMPRESSION, 0.0,
                    400.0, "a fall in mg/dL")

static bool parse_event_fault(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_FAULT;
	const char *t;
	const char *what = "a fault: a kind and its key=value words (occlusion, battery_dead, "
	                   "disconnect, \"drop_notifications nth=3 for=10m\", … docs/qa-guide.md)";
	if (!walk_text(w, key, v, what, &t))
		return false;
	/* The same words as `fakepump ctl fault` (fault_spec.h). */
	char err[300];
	fault_spec *s = &d->event.fault_spec;
	if (fault_spec_parse_text(t, s, err, sizeof err) && !s->clear) {
		d->event.fault = s->pump;
		if (!s->is_ble && isfinite(s->value))
			d->event.amount = s->value;
		return true;
	}
	if (fault_spec_kind_name(0) && strchr(t, ' ') == NULL && !s->clear) {
		suggestion sug = suggest_begin(t);
		for (size_t f = 0; fault_spec_kind_name(f); f++)
			suggest_consider(&sug, fault_spec_kind_name(f));
		return walk_fail_choice(w, key, v, what, &sug);
	}
	return walk_fail(w, v->start_mark, key, "%s", err);
}

bool parse_event_confirm(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_CONFIRM;
	const char *what = "an annunciation (occlusion, reservoir_low, battery_low, …) or all";
	const char *t;
	if (!walk_text(w, key, v, what, &t))
		return false;
	if (strcmp(t, "all") == 0) {
		d->event.confirm_all = true;
		return true;
	}
	if (pump_annunciation_from_name(t, &d->event.annunciation))
		return true;
	return walk_fail_expected(w, key, v, what);
}

/* sensor_dropout: 45m — the value is the fault's duration. */
static bool parse_event_sensor_dropout(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	int64_t minutes;
	d->event.kind = SCENARIO_EVENT_SENSOR_DROPOUT;
	if (!walk_duration(w, key, v, &minutes))
		return false;
	d->event.duration_min = (int)minutes; /* <= 3650 days, fits */
	return true;
}

/* sensor_drift: mg/dL per hour, either sign, never 0 (a drift of nothing is a mistake). */
static bool parse_event_sensor_drift(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	const char *what = "a drift in mg/dL per hour, -500 to 500 and not 0";
	double rate;
	d->event.kind = SCENARIO_EVENT_SENSOR_DRIFT;
	if (!walk_number(w, key, v, what, &rate))
		return false;
	if (rate == 0.0 || rate < -500.0 || rate > 500.0)
		return walk_fail_expected(w, key, v, what);
	d->event.amount = rate;
	return true;
}

static bool parse_event_pairing_window(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_PAIRING_WINDOW;
	return walk_minutes(w, key, v, 1, MAX_PAIRING_WINDOW_MIN, &d->event.duration_min);
}

/* What is said to the pump's controller needs a pump that has one. */
static bool needs_controller(walker *w, const char *key, const yaml_node_t *v)
{
	if (w->ls->s->has_controller)
		return true;
	return walk_fail(w, v->start_mark, key,
	                 "the pump has no controller to tell (add pump: {controller: {algorithm: "
	                 "oref0}}; without one, give the meal's insulin as a bolus: or "
	                 "calculated_bolus: event)");
}

/* announce: 60 — carbs announced to the pump's controller and not eaten (a meal eaten and
 * announced is `meal: 60, announce: true`). */
static bool parse_event_announce(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const number_range grams = {
	    .what = "grams of carbohydrate", .lo = 0.0, .hi = MAX_MEAL_G, .lo_open = true};
	d->event.kind = SCENARIO_EVENT_ANNOUNCE;
	return walk_number_in_range(w, key, v, &grams, &d->event.amount) &&
	       needs_controller(w, key, v);
}

/* meal: 60, announce: true — the meal is announced to the controller as it is eaten. */
static bool parse_event_meal_announce(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	if (!walk_bool(w, key, v, &d->event.announce))
		return false;
	return !d->event.announce || needs_controller(w, key, v);
}

/* controller: on | off — the person switches the pump's controller on or off. */
static bool parse_event_controller(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_CONTROLLER;
	return walk_bool(w, key, v, &d->event.controller_on) && needs_controller(w, key, v);
}

/*
 * Table order is parse order: the kind comes before the modifiers that depend on it.
 * `announce` is a kind of its own (`announce: 60`, carbs told and not eaten) except next to
 * `meal:`, where it says the meal is announced too (`meal: 60, announce: true`): two tables,
 * the same but for that row.
 */
#define EVENT_FIELDS(announce_group, announce_parse)                                               \
	{.name = "at", .required = true, .parse = parse_event_at},                                 \
	    {.name = "meal", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_meal},         \
	    {.name = "bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_bolus},       \
	    {.name = "calculated_bolus",                                                           \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_calculated_bolus},                                               \
	    {.name = "temp_basal",                                                                 \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_temp_basal},                                                     \
	    {.name = "cancel_bolus",                                                               \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_cancel_bolus},                                                   \
	    {.name = "cancel_temp_basal",                                                          \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_cancel_temp_basal},                                              \
	    {.name = "suspend", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_suspend},   \
	    {.name = "resume", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_resume},     \
	    {.name = "stop", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_stop},         \
	    {.name = "prime", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_prime},       \
	    {.name = "fill", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_fill},         \
	    {.name = "refill", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_refill},     \
	    {.name = "change_battery",                                                             \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_change_battery},                                                 \
	    {.name = "fault", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_fault},       \
	    {.name = "confirm", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_confirm},   \
	    {.name = "set_max_bolus",                                                              \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_set_max_bolus},                                                  \
	    {.name = "sensor_dropout",                                                             \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_sensor_dropout},                                                 \
	    {.name = "sensor_drift",                                                               \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_sensor_drift},                                                   \
	    {.name = "sensor_noise",                                                               \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_sensor_noise},                                                   \
	    {.name = "compression_low",                                                            \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_compression_low},                                                \
	    {.name = "phone", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_phone},       \
	    {.name = "attack", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_attack},     \
	    {.name = "pairing_window",                                                             \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_pairing_window},                                                 \
	    {.name = "controller",                                                                 \
	     .one_of_group = EVENT_KIND_GROUP,                                                     \
	     .parse = parse_event_controller},                                                     \
	    {.name = "announce",                                                                   \
	     .one_of_group = announce_group,                                                       \
	     .parse = announce_parse}, /* modifiers, checked against the kind after parsing */     \
	    {.name = "type", .parse = parse_event_type},                                           \
	    {.name = "extended", .parse = parse_event_extended},                                   \
	    {.name = "duration", .parse = parse_event_duration},                                   \
	    {.name = "drain", .parse = parse_event_drain},                                         \
	    {.name = "eat_rate", .parse = parse_event_eat_rate},                                   \
	    {.name = "link", .parse = parse_event_link},                                           \
	    {.name = "every", .parse = parse_event_every},                                         \
	    {.name = "until", .parse = parse_event_until},                                         \
	    {.name = "count", .parse = parse_event_count},

static const field_spec event_fields[] = {EVENT_FIELDS(EVENT_KIND_GROUP, parse_event_announce)};
static const field_spec meal_event_fields[] = {EVENT_FIELDS(0, parse_event_meal_announce)};

static const mapping_spec event_spec = {
    .what = "an event such as {at: \"07:00\", meal: 50}",
    FIELDS(event_fields),
};

static const mapping_spec meal_event_spec = {
    .what = "an event such as {at: \"07:00\", meal: 50}",
    FIELDS(meal_event_fields),
};

/* Whether the event mapping has a `meal:` key. */
static bool has_meal_key(walker *w, const yaml_node_t *item)
{
	if (item->type != YAML_MAPPING_NODE)
		return false;
	for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = walk_node(w, p->key);
		if (node_is_scalar(k) && strcmp(node_text(k), "meal") == 0)
			return true;
	}
	return false;
}

void event_describe(const scenario_event *e, char *buf, size_t len)
{
	const char *phone = e->from_phone ? "phone " : "";
	switch (e->kind) {
	case SCENARIO_EVENT_MEAL:
		snprintf(buf, len, "meal of %g g%s", e->amount, e->announce ? " (announced)" : "");
		return;
	case SCENARIO_EVENT_ANNOUNCE:
		snprintf(buf, len, "announcement of %g g", e->amount);
		return;
	case SCENARIO_EVENT_BOLUS:
		snprintf(buf, len, "%sbolus of %g U", phone, e->amount + e->extended_u);
		return;
	default:
		snprintf(buf, len, "%s%s", phone, scenario_event_kind_name(e->kind));
		return;
	}
}

bool event_read(walker *w, const char *item_key, yaml_node_t *item, event_draft *d)
{
	const mapping_spec *spec = has_meal_key(w, item) ? &meal_event_spec : &event_spec;
	return walk_mapping(w, item_key, item, spec, d) && event_check_modifiers(w, item_key, d);
}
