/*
 * event_kinds — what the loader knows of an event's kind apart from how it is written: its
 * name (scenario_event_kind_name, declared in scenario.h because the run's outputs print it
 * too) and the groups of kinds that the keys' checks ask about. Both the kinds' parsers
 * (event_keys.c) and the modifiers' checks (event_modifiers.c) build on it, so neither needs
 * the other for it.
 *
 * Must never: read a file or know a key's syntax; a kind is a value of scenario.h.
 */
#ifndef FAKEPUMP_SCENARIO_EVENT_KINDS_H
#define FAKEPUMP_SCENARIO_EVENT_KINDS_H

#include <stdbool.h>

#include "scenario.h"

/* sensor_dropout, sensor_drift, sensor_noise, compression_low: what the CGM suffers, each
 * for duration_min (which, unlike a pump-side kind's, may be longer than a day). */
bool event_is_sensor_fault(scenario_event_kind k);

#endif
