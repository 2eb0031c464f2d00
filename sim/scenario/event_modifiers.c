/*
 * event_modifiers — the keys that qualify an event's kind: type, extended and duration (a
 * bolus, a temp basal, a sensor fault), drain (a battery fault), eat_rate (a meal), link (a
 * phone's or attacker's link security), every / until / count (a repeat); and the checks that
 * each goes with its kind (a modifier of another kind is refused, at the modifier).
 *
 * To add a modifier: its parser and its check here, and a row in event_keys.c's table.
 */
#include <stdio.h>

#include "event_draft.h"
#include "event_kinds.h"
#include "scenario_limits.h"
#include "walk_time.h"
#include "walk_values.h"

static const double MAX_EAT_RATE_G_PER_MIN = 100.0;

bool parse_event_type(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	const char *t;
	const char *what = "a bolus type: normal, extended or multiwave";
	if (!walk_text(w, key, v, what, &t))
		return false;
	if (strcmp(t, "normal") == 0)
		d->event.bolus_type = PUMP_BOLUS_NORMAL;
	else if (strcmp(t, "extended") == 0)
		d->event.bolus_type = PUMP_BOLUS_EXTENDED;
	else if (strcmp(t, "multiwave") == 0 || strcmp(t, "dual") == 0)
		d->event.bolus_type = PUMP_BOLUS_MULTIWAVE;
	else
		return walk_fail_expected(w, key, v, what);
	d->type_node = v;
	return true;
}

bool parse_event_extended(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->extended_node = v;
	return walk_number_between(w, key, v, 0.0, MAX_BOLUS_U, true, "units of insulin",
	                           &d->event.extended_u);
}

/* Parsed after the kind (table order): sensor faults may last longer than a day. */
bool parse_event_duration(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->duration_node = v;
	if (event_is_sensor_fault(d->event.kind)) {
		int64_t minutes;
		if (!walk_duration(w, key, v, &minutes))
			return false;
		d->event.duration_min = (int)minutes; /* <= 3650 days, fits */
		return true;
	}
	return walk_minutes(w, key, v, 1, 24 * 60, &d->event.duration_min);
}

bool parse_event_drain(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->drain_node = v;
	return walk_number_between(w, key, v, 0.0, 1000.0, true, "a drain in %/h",
	                           &d->event.amount);
}

bool parse_event_eat_rate(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->eat_rate_node = v;
	return walk_number_between(w, key, v, 0.0, MAX_EAT_RATE_G_PER_MIN, true,
	                           "an eating rate in g/min", &d->event.eat_rate_g_per_min);
}

bool parse_event_link(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const char *const links[] = {
	    [SCENARIO_LINK_AUTHENTICATED] = "authenticated",
	    [SCENARIO_LINK_ENCRYPTED] = "encrypted",
	    [SCENARIO_LINK_UNENCRYPTED] = "unencrypted",
	};
	size_t i = 0;
	d->link_node = v;
	if (!walk_word(w, key, v, "a link security level", links, sizeof links / sizeof links[0],
	               &i))
		return false;
	d->event.link = (scenario_link)i;
	return true;
}

bool parse_event_every(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->every_node = v;
	return walk_duration(w, key, v, &d->every_min);
}

bool parse_event_until(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->until_node = v;
	return walk_clock(w, key, v, true, &d->until_day, &d->until_min_of_day);
}

bool parse_event_count(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->count_node = v;
	return walk_integer(w, key, v, 1, MAX_EVENTS, &d->repeat_count);
}

/* A phone's command modifiers belong inside phone: (then checked there, with the phone
 * mapping as the item); elsewhere link goes with an attack, type with a bolus, extended
 * with a multiwave bolus. */
static bool check_placement(walker *w, const char *item_key, const event_draft *d)
{
	const scenario_event *e = &d->event;
	const char *kind = scenario_event_kind_name(e->kind);
	char key[KEY_PATH_MAX];
	const bool is_bolus = e->kind == SCENARIO_EVENT_BOLUS;
	if (e->from_phone) {
		const yaml_node_t *inside[] = {d->type_node, d->extended_node, d->duration_node};
		static const char *const names[] = {"type", "extended", "duration"};
		for (size_t i = 0; i < 3; i++) {
			if (inside[i] == NULL)
				continue;
			key_path_join(key, sizeof key, item_key, names[i]);
			return walk_fail(
			    w, inside[i]->start_mark, key,
			    "'%s' goes inside phone:, next to its command (e.g. phone: "
			    "{bolus: 4, type: extended, duration: 2h})",
			    names[i]);
		}
		event_draft command = {
		    .event = *e,
		    .item_node = d->phone_node,
		    .type_node = d->phone_type_node,
		    .extended_node = d->phone_extended_node,
		    .duration_node = d->phone_duration_node,
		};
		command.event.from_phone = false;
		key_path_join(key, sizeof key, item_key, "phone");
		return event_check_modifiers(w, key, &command);
	}
	if (d->link_node && e->kind != SCENARIO_EVENT_ATTACK) {
		key_path_join(key, sizeof key, item_key, "link");
		return walk_fail(w, d->link_node->start_mark, key,
		                 "'link' goes with a phone: or attack: event (the security of "
		                 "the phone's link), not a %s",
		                 kind);
	}
	if (d->type_node && !is_bolus) {
		key_path_join(key, sizeof key, item_key, "type");
		return walk_fail(w, d->type_node->start_mark, key,
		                 "'type' goes with a bolus, not a %s", kind);
	}
	if (d->extended_node && !(is_bolus && e->bolus_type == PUMP_BOLUS_MULTIWAVE)) {
		key_path_join(key, sizeof key, item_key, "extended");
		return walk_fail(w, d->extended_node->start_mark, key,
		                 "'extended' goes with a bolus of type multiwave (the extended "
		                 "part)");
	}
	return true;
}

/* Of a pump-side event: a duration where the kind has one and none where it has not (the
 * three kinds whose value is a duration say so); a multiwave bolus has its extended part. */
static bool check_duration(walker *w, const char *item_key, const event_draft *d)
{
	const scenario_event *e = &d->event;
	char key[KEY_PATH_MAX];
	const bool is_bolus = e->kind == SCENARIO_EVENT_BOLUS;
	const bool timed_bolus = is_bolus && e->bolus_type != PUMP_BOLUS_NORMAL;
	const bool timed_fault =
	    event_is_sensor_fault(e->kind) && e->kind != SCENARIO_EVENT_SENSOR_DROPOUT;
	const bool needs_duration =
	    timed_bolus || timed_fault || e->kind == SCENARIO_EVENT_TEMP_BASAL;
	if (d->duration_node && !needs_duration) {
		key_path_join(key, sizeof key, item_key, "duration");
		if (e->kind == SCENARIO_EVENT_SENSOR_DROPOUT)
			return walk_fail(w, d->duration_node->start_mark, key,
			                 "'duration' does not go with sensor_dropout: its value is "
			                 "the duration (e.g. sensor_dropout: 45m)");
		if (e->kind == SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL)
			return walk_fail(
			    w, d->duration_node->start_mark, key,
			    "'duration' does not go with set_cgm_interval: its value is "
			    "the interval (e.g. set_cgm_interval: 5m)");
		if (e->kind == SCENARIO_EVENT_PAIRING_WINDOW)
			return walk_fail(
			    w, d->duration_node->start_mark, key,
			    "'duration' does not go with pairing_window: its value is "
			    "how long the window stays open (e.g. pairing_window: 2m)");
		return walk_fail(w, d->duration_node->start_mark, key,
		                 "'duration' goes with a temp_basal, an extended or multiwave "
		                 "bolus, or a sensor_drift, sensor_noise or compression_low");
	}
	if (needs_duration && !d->duration_node)
		return walk_fail(w, d->item_node->start_mark, item_key,
		                 "a%s %s needs a duration (e.g. duration: 2h)",
		                 timed_bolus && e->bolus_type == PUMP_BOLUS_EXTENDED ? "n" : "",
		                 timed_bolus
		                     ? (e->bolus_type == PUMP_BOLUS_EXTENDED ? "extended bolus"
		                                                             : "multiwave bolus")
		                     : scenario_event_kind_name(e->kind));
	if (is_bolus && e->bolus_type == PUMP_BOLUS_MULTIWAVE && !d->extended_node)
		return walk_fail(w, d->item_node->start_mark, item_key,
		                 "a multiwave bolus needs its extended part (e.g. extended: 3)");
	return true;
}

/* until and count go with every, and not both. */
static bool check_repeat(walker *w, const char *item_key, const event_draft *d)
{
	char key[KEY_PATH_MAX];
	if (!d->every_node) {
		if (d->until_node) {
			key_path_join(key, sizeof key, item_key, "until");
			return walk_fail(
			    w, d->until_node->start_mark, key,
			    "'until' goes with 'every' (e.g. every: 1d, until: \"d7 00:00\")");
		}
		if (d->count_node) {
			key_path_join(key, sizeof key, item_key, "count");
			return walk_fail(w, d->count_node->start_mark, key,
			                 "'count' goes with 'every' (e.g. every: 8h, count: 3)");
		}
	} else if (d->until_node && d->count_node) {
		const bool count_later =
		    d->count_node->start_mark.index > d->until_node->start_mark.index;
		key_path_join(key, sizeof key, item_key, count_later ? "count" : "until");
		return walk_fail(
		    w, (count_later ? d->count_node : d->until_node)->start_mark, key,
		    "'%s' cannot be combined with '%s' (a repeat ends at a time or after a "
		    "number of times, not both)",
		    count_later ? "count" : "until", count_later ? "until" : "count");
	}
	return true;
}

/* In this order, so that the first mistake of an item is the one reported. */
bool event_check_modifiers(walker *w, const char *item_key, const event_draft *d)
{
	const scenario_event *e = &d->event;
	char key[KEY_PATH_MAX];
	if (!check_placement(w, item_key, d))
		return false;
	if (d->drain_node &&
	    !(e->kind == SCENARIO_EVENT_FAULT && e->fault == PUMP_FAULT_BATTERY_DRAIN)) {
		key_path_join(key, sizeof key, item_key, "drain");
		return walk_fail(w, d->drain_node->start_mark, key,
		                 "'drain' goes with fault: battery_drain");
	}
	if (!e->from_phone && !check_duration(w, item_key, d))
		return false;
	if (d->eat_rate_node && e->kind != SCENARIO_EVENT_MEAL) {
		key_path_join(key, sizeof key, item_key, "eat_rate");
		return walk_fail(w, d->eat_rate_node->start_mark, key,
		                 "'eat_rate' goes with a meal, not a %s",
		                 scenario_event_kind_name(e->kind));
	}
	return check_repeat(w, item_key, d);
}
