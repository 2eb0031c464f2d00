/*
 * attack_keys — `attack:` events: what a hostile phone does (docs/scenarios.md "Attacks"):
 * replay or tamper with a captured write, raw bytes to a characteristic, stale or wrong E2E
 * counters, out-of-range and special values, floods and subscription storms. Each kind's
 * options are checked against it here; an unknown characteristic is refused at load, never
 * an attack that silently sends nothing (engine_ble.c fails a run whose attack sent nothing).
 *
 * To add an attack: its kind in scenario.h and attack_names, its options here (and
 * check_attack), what it sends in sim/engine/engine_ble.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event_draft.h"
#include "gatt_keys.h" /* characteristic names */
#include "loader.h"
#include "walk_time.h"
#include "walk_values.h"

static const char *const attack_names[SCENARIO_ATTACK_COUNT] = {
    [SCENARIO_ATTACK_REPLAY] = "replay",
    [SCENARIO_ATTACK_TAMPER] = "tamper",
    [SCENARIO_ATTACK_RAW] = "raw",
    [SCENARIO_ATTACK_STALE_COUNTER] = "stale_counter",
    [SCENARIO_ATTACK_WRONG_COUNTER] = "wrong_counter",
    [SCENARIO_ATTACK_OUT_OF_RANGE] = "out_of_range",
    [SCENARIO_ATTACK_SPECIAL_VALUE] = "special_value",
    [SCENARIO_ATTACK_FLOOD] = "flood",
    [SCENARIO_ATTACK_SUBSCRIPTION_STORM] = "subscription_storm",
};

const char *scenario_attack_name(scenario_attack a)
{
	return (unsigned)a < SCENARIO_ATTACK_COUNT ? attack_names[a] : "attack";
}

/* What an attack mapping may say, and whether it said it (for the per-kind checks). */
typedef struct attack_draft {
	scenario_event *e;
	const yaml_node_t *kind_node, *of_node, *byte_node, *characteristic_node, *bytes_node,
	    *dose_node, *value_node, *count_node, *read_node;
} attack_draft;

static bool parse_attack_kind(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	size_t i = 0;
	a->kind_node = v;
	if (!walk_word(w, key, v, "an attack", attack_names, SCENARIO_ATTACK_COUNT, &i))
		return false;
	a->e->attack = (scenario_attack)i;
	return true;
}

static bool parse_attack_of(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	int day, min_of_day;
	a->of_node = v;
	if (!walk_clock(w, key, v, true, &day, &min_of_day))
		return false;
	a->e->has_attack_of = true;
	a->e->attack_of_min = run_min_of_clock(w->ls->s, day, min_of_day);
	return true;
}

static bool parse_attack_byte(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	uint64_t byte = 0;
	a->byte_node = v;
	if (!walk_integer(w, key, v, 0, 511, &byte))
		return false;
	a->e->attack_byte = (int)byte;
	return true;
}

/* A characteristic's name (ble_gateway/protocol/gatt_keys.c): an unknown one is refused here, at
 * load, with the closest name — never an attack that silently sends nothing. */
static bool walk_characteristic(walker *w, const char *key, yaml_node_t *v, char *out, size_t cap)
{
	const char *what = "a characteristic such as idd_command_cp or battery_level (docs/ble.md "
	                   "lists them)";
	const char *t;
	gatt_char_id id;
	if (!walk_text(w, key, v, what, &t))
		return false;
	if (gatt_char_from_key(t, &id)) {
		snprintf(out, cap, "%s", gatt_char_key(id));
		return true;
	}
	suggestion sug = suggest_begin(t);
	for (int i = 0; i < GATT_CHAR_COUNT; i++)
		suggest_consider(&sug, gatt_char_key((gatt_char_id)i));
	return walk_fail_choice(w, key, v, what, &sug);
}

static bool parse_attack_characteristic(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	a->characteristic_node = v;
	return walk_characteristic(w, key, v, a->e->attack_characteristic,
	                           sizeof a->e->attack_characteristic);
}

/* flood: {read: battery_level}: reads of that characteristic instead of writes. */
static bool parse_attack_read(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	a->read_node = v;
	a->e->attack_read = true;
	return walk_characteristic(w, key, v, a->e->attack_characteristic,
	                           sizeof a->e->attack_characteristic);
}

/* "0f 55 …": pairs of hex digits, spaces allowed between bytes. */
static bool parse_attack_bytes(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	const char *what = "bytes in hex such as \"4B 11 00 33\" (at most 64)";
	const char *t;
	a->bytes_node = v;
	if (!walk_text(w, key, v, what, &t))
		return false;
	size_t digits = 0, out = 0;
	for (const char *p = t; *p; p++) {
		if (*p == ' ')
			continue;
		bool hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		           (*p >= 'A' && *p <= 'F');
		if (!hex || out + 2 >= sizeof a->e->attack_hex)
			return walk_fail_expected(w, key, v, what);
		a->e->attack_hex[out++] = *p;
		digits++;
		if (digits % 2 == 0 && p[1] != '\0' && p[1] != ' ' &&
		    out + 1 < sizeof a->e->attack_hex)
			a->e->attack_hex[out++] = ' ';
	}
	a->e->attack_hex[out] = '\0';
	if (digits == 0 || digits % 2 != 0 || digits > 128)
		return walk_fail_expected(w, key, v, what);
	return true;
}

static bool parse_attack_dose(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	a->dose_node = v;
	return walk_number_between(w, key, v, -1000.0, 100000.0, false, "units (any, to attack)",
	                           &a->e->attack_dose_u);
}

static bool parse_attack_value(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	static const char *const specials[] = {"nan", "nres", "+inf", "-inf", "reserved"};
	size_t i = 0;
	a->value_node = v;
	if (!walk_word(w, key, v, "an SFLOAT special", specials, 5, &i))
		return false;
	snprintf(a->e->attack_value, sizeof a->e->attack_value, "%s", specials[i]);
	return true;
}

static bool parse_attack_count(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	attack_draft *a = ctx;
	uint64_t n = 0;
	a->count_node = v;
	if (!walk_integer(w, key, v, 1, 100000, &n))
		return false;
	a->e->attack_count = (int)n;
	return true;
}

static const field_spec attack_fields[] = {
    {.name = "kind", .required = true, .parse = parse_attack_kind},
    {.name = "of", .parse = parse_attack_of},
    {.name = "byte", .parse = parse_attack_byte},
    {.name = "characteristic", .parse = parse_attack_characteristic},
    {.name = "bytes", .parse = parse_attack_bytes},
    {.name = "dose", .parse = parse_attack_dose},
    {.name = "value", .parse = parse_attack_value},
    {.name = "count", .parse = parse_attack_count},
    {.name = "read", .parse = parse_attack_read},
};

static const mapping_spec attack_spec = {
    .what = "an attack such as replay, or {kind: flood, count: 1000}",
    FIELDS(attack_fields),
};

/* Options that an attack kind takes, and the ones it needs. */
static bool check_attack(walker *w, const char *key, const attack_draft *a)
{
	const scenario_attack k = a->e->attack;
	const struct {
		const yaml_node_t *node;
		const char *name;
		bool allowed;
	} options[] = {
	    {a->of_node, "of", k == SCENARIO_ATTACK_REPLAY || k == SCENARIO_ATTACK_TAMPER},
	    {a->byte_node, "byte", k == SCENARIO_ATTACK_TAMPER},
	    {a->characteristic_node, "characteristic", k == SCENARIO_ATTACK_RAW},
	    {a->bytes_node, "bytes", k == SCENARIO_ATTACK_RAW},
	    {a->dose_node, "dose", k == SCENARIO_ATTACK_OUT_OF_RANGE},
	    {a->value_node, "value", k == SCENARIO_ATTACK_SPECIAL_VALUE},
	    {a->count_node, "count",
	     k == SCENARIO_ATTACK_FLOOD || k == SCENARIO_ATTACK_SUBSCRIPTION_STORM},
	    {a->read_node, "read", k == SCENARIO_ATTACK_FLOOD},
	};
	char child[KEY_PATH_MAX];
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		if (options[i].node && !options[i].allowed) {
			key_path_join(child, sizeof child, key, options[i].name);
			return walk_fail(w, options[i].node->start_mark, child,
			                 "'%s' does not go with attack %s", options[i].name,
			                 attack_names[k]);
		}
	if (k == SCENARIO_ATTACK_RAW && (!a->characteristic_node || !a->bytes_node))
		return walk_fail(w, a->kind_node->start_mark, key,
		                 "attack raw needs characteristic and bytes (e.g. {kind: raw, "
		                 "characteristic: idd_command_cp, bytes: \"4B 11\"})");
	return true;
}

/* attack: WORD, or attack: {kind: WORD, options}. */
bool parse_event_attack(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	event_draft *d = ctx;
	scenario_event *e = &d->event;
	e->kind = SCENARIO_EVENT_ATTACK;
	e->from_phone = true;
	e->attack_byte = -1;
	e->attack_count = 1000;
	e->attack_dose_u = 1000.0;
	snprintf(e->attack_value, sizeof e->attack_value, "nan");
	attack_draft a = {.e = e};
	if (v->type == YAML_MAPPING_NODE)
		return walk_mapping(w, key, v, &attack_spec, &a) && check_attack(w, key, &a);
	size_t i = 0;
	if (!walk_word(w, key, v, "an attack", attack_names, SCENARIO_ATTACK_COUNT, &i))
		return false;
	e->attack = (scenario_attack)i;
	if (e->attack == SCENARIO_ATTACK_RAW)
		return walk_fail(w, v->start_mark, key,
		                 "attack raw needs characteristic and bytes (e.g. {kind: raw, "
		                 "characteristic: idd_command_cp, bytes: \"4B 11\"})");
	return true;
}
