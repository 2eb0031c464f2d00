/*
 * controller_json — one step of the pump's controller (controller_loop.h's report) as a JSON
 * object: what it decided, why (glucose, its trend and forecasts, insulin and carbs on
 * board, what the algorithm asked before the controller's own limits and which limits cut
 * it) and what the pump answered. The event stream's `controller` line (docs/events.md) and
 * the database's `controller` event (docs/database.md, its detail) are this object.
 *
 * Every key is always there; numbers not known (NaN) are null.
 */
#ifndef FAKEPUMP_CONTROLLER_JSON_H
#define FAKEPUMP_CONTROLLER_JSON_H

#include <stddef.h>

#include "controller_loop.h"

/* "keep", "set_temp", "cancel_temp". */
const char *controller_action_name(controller_action a);

/*
 * The report as a JSON object into buf[cap]; returns its length (cap or more: it was cut,
 * and buf holds no valid JSON — 1 KiB is always enough).
 */
size_t controller_json(const controller_report *rep, char *buf, size_t cap);

#endif
