/*
 * engine_ble — the engine's Bluetooth side (see engine_ble.c): the pump's GATT server and
 * the virtual phones that play `phone:` and `attack:` events through it as bytes.
 */
#ifndef FAKEPUMP_ENGINE_BLE_H
#define FAKEPUMP_ENGINE_BLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"
#include "scenario.h"

typedef struct engine_ble engine_ble;

/* Whether the scenario talks to the pump over Bluetooth at all. */
bool engine_ble_needed(const scenario *sc);
/* The server (profile and E2E from the scenario) bound to `p`; audit events go to on_audit. */
engine_ble *engine_ble_new(const scenario *sc, pump *p, ble_audit_fn on_audit, void *user_data);
void engine_ble_free(engine_ble *b);
ble_server *engine_ble_server(engine_ble *b);

void engine_ble_pump_event(engine_ble *b, const pump_event *ev);
void engine_ble_cgm(engine_ble *b, int64_t now_min, double mgdl);
void engine_ble_tick(engine_ble *b, int64_t now_min, const pump_delivery *delivered);
/* The run is over: aggregated audit (a flood in the last minutes) is reported now. */
void engine_ble_finish(engine_ble *b, int64_t now_min);

typedef enum engine_ble_step {
	ENGINE_BLE_NOT_MINE = 0, /* not a phone's event */
	ENGINE_BLE_PLAYED,       /* played (its refusals, if any, are in the audit) */
	ENGINE_BLE_FAILED,       /* it could not be played: the run fails (see err) */
} engine_ble_step;

/*
 * Play a phone's event (pump commands from the phone, reads, subscriptions, attacks). An
 * attack that has nothing to send — its capture is gone, no write to tamper with or to
 * replay — is FAILED with `file:line:column: …` in err[cap]: a security test that plays
 * nothing never passes. Every attack that played is reported in the audit
 * (BLE_AUDIT_ATTACK: what it sent, what it got).
 */
engine_ble_step engine_ble_apply(engine_ble *b, const scenario_event *ev, int64_t now_min,
                                 char *err, size_t cap);

#endif
