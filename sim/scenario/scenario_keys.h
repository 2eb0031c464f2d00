/*
 * scenario_keys — the top-level keys of a scenario file. Their table, and the simple keys
 * (name, patient, duration, start, seed, cgm, security, e2e, expect_failure), live in
 * scenario_keys.c; the keys with a format of their own each live in their own file, whose
 * parsers are declared here.
 *
 * To add a top-level key: a parser and a row in scenario_keys.c's table (and the field in
 * scenario.h); docs/scenarios.md says what it means.
 */
#ifndef FAKEPUMP_SCENARIO_KEYS_H
#define FAKEPUMP_SCENARIO_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"
#include "walk.h"

/* The document's root mapping into s (ctx of every top-level parser is the scenario). */
bool scenario_keys_walk(walker *w, yaml_node_t *root, scenario *s);

/* pump: (pump_keys.c) */
bool scenario_key_pump(walker *w, const char *key, yaml_node_t *v, void *ctx);
/*
 * The pump as it will run: the written basal and speed, the patient's own carb ratio and
 * correction factor unless given; then the pump's own consistency check. NULL when the
 * settings are consistent, else what is wrong. Called once, by pump: or at the end.
 */
const char *scenario_resolve_pump(scenario *s);

/* pump.controller (controller_keys.c): into the load's draft (loader.h). */
bool scenario_key_controller(walker *w, const char *key, yaml_node_t *v, void *ctx);
/*
 * The controller's settings for the patient, once the pump is resolved: the algorithm's
 * defaults for the patient's therapy, then the keys written. False with the message at
 * pump.controller when they do not hold together (controller_settings_check).
 */
bool scenario_resolve_controller(walker *w, scenario *s);

/* events: (event_list.c); also a fragment's */
bool scenario_key_events(walker *w, const char *key, yaml_node_t *v, void *ctx);
/* Stable sort by time, O(n log n); false when out of memory (the events are untouched). */
bool scenario_sort_events(scenario_event *events, size_t count);

/* expect: (expect_keys.c); also a fragment's */
bool scenario_key_expect(walker *w, const char *key, yaml_node_t *v, void *ctx);

/* include: (include.c); also a fragment's */
bool scenario_key_include(walker *w, const char *key, yaml_node_t *v, void *ctx);

#endif
