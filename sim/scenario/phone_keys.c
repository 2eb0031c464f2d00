/*
 * phone_keys — `phone:` events: what a (trusted) phone does through the pump's Bluetooth
 * server — the pump's own commands (bolus, temp_basal, suspend, …, each with from_phone
 * set), and the phone-only procedures: read, subscribe, set_cgm_interval; `context:` for a
 * temp basal's IDS delivery context. The engine plays them as bytes (engine_ble.c).
 *
 * To add a phone command: its parser (or the event kind's, event_draft.h) and a row in
 * phone_fields here.
 */
#include <stdint.h>
#include <stdio.h>

#include "event_draft.h"
#include "scenario_limits.h"
#include "walk_time.h"
#include "walk_values.h"

static const char *const phone_read_targets[] = {
    "status", "annunciations", "history", "features", "cgm", "battery", "device_info", "serial",
};
static const char *const phone_subscribe_targets[] = {"cgm", "status", "annunciations", "history"};

static bool parse_phone_read(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	size_t i = 0;
	d->event.kind = SCENARIO_EVENT_PHONE_READ;
	if (!walk_word(w, key, v, "what to read", phone_read_targets,
	               sizeof phone_read_targets / sizeof phone_read_targets[0], &i))
		return false;
	snprintf(d->event.phone_target, sizeof d->event.phone_target, "%s", phone_read_targets[i]);
	return true;
}

static bool parse_phone_subscribe(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	size_t i = 0;
	d->event.kind = SCENARIO_EVENT_PHONE_SUBSCRIBE;
	if (!walk_word(w, key, v, "what to subscribe to", phone_subscribe_targets,
	               sizeof phone_subscribe_targets / sizeof phone_subscribe_targets[0], &i))
		return false;
	snprintf(d->event.phone_target, sizeof d->event.phone_target, "%s",
	         phone_subscribe_targets[i]);
	return true;
}

static bool parse_phone_set_cgm_interval(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	d->event.kind = SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL;
	return walk_minutes(w, key, v, 1, MAX_CGM_INTERVAL_MIN, &d->event.duration_min);
}

/* context: the IDS Basal Delivery Context a phone's temp_basal declares (a closed loop's
 * is ap_controller: the pump checks its CGM is fresh, docs/ble.md). */
static bool parse_phone_context(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	static const char *const words[] = {"ap_controller", "remote_control", "device_based"};
	static const uint8_t codes[] = {0x55, 0x3C, 0x33}; /* IDS code words */
	size_t i = 0;
	d->context_node = v;
	if (!walk_word(w, key, v, "a delivery context", words, 3, &i))
		return false;
	d->event.tbr_context = codes[i];
	return true;
}

/* The commands a phone may send; the pump's own keys where they exist. */
static const field_spec phone_fields[] = {
    {.name = "bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_bolus},
    {.name = "temp_basal", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_temp_basal},
    {.name = "cancel_bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_cancel_bolus},
    {.name = "cancel_temp_basal",
     .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_event_cancel_temp_basal},
    {.name = "suspend", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_suspend},
    {.name = "resume", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_resume},
    {.name = "stop", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_stop},
    {.name = "prime", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_prime},
    {.name = "fill", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_fill},
    {.name = "confirm", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_confirm},
    {.name = "set_max_bolus", .one_of_group = EVENT_KIND_GROUP, .parse = parse_event_set_max_bolus},
    {.name = "read", .one_of_group = EVENT_KIND_GROUP, .parse = parse_phone_read},
    {.name = "subscribe", .one_of_group = EVENT_KIND_GROUP, .parse = parse_phone_subscribe},
    {.name = "set_cgm_interval",
     .one_of_group = EVENT_KIND_GROUP,
     .parse = parse_phone_set_cgm_interval},
    /* modifiers of the command, checked against it */
    {.name = "type", .parse = parse_event_type},
    {.name = "extended", .parse = parse_event_extended},
    {.name = "duration", .parse = parse_event_duration},
    {.name = "context", .parse = parse_phone_context},
};

static const mapping_spec phone_spec = {
    .what = "a phone command such as {bolus: 3}",
    FIELDS(phone_fields),
};

/*
 * phone: {COMMAND: value, modifiers}: the same event kinds as the pump's, from_phone set.
 * The command's modifiers are checked with the event's (event_check_modifiers).
 */
bool parse_event_phone(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	event_draft phone = {.item_node = v};
	if (!walk_mapping(w, key, v, &phone_spec, &phone))
		return false;
	if (phone.context_node && phone.event.kind != SCENARIO_EVENT_TEMP_BASAL) {
		char child[KEY_PATH_MAX];
		key_path_join(child, sizeof child, key, "context");
		return walk_fail(
		    w, phone.context_node->start_mark, child,
		    "'context' goes with a temp_basal (e.g. phone: {temp_basal: 150%%, "
		    "duration: 30m, context: ap_controller})");
	}
	d->event = phone.event;
	d->event.from_phone = true;
	d->phone_node = v;
	d->phone_type_node = phone.type_node;
	d->phone_extended_node = phone.extended_node;
	d->phone_duration_node = phone.duration_node;
	return true;
}
