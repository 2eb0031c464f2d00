/*
 * run_air — a run on the air (run --ble): the BlueZ gateway serving the engine's GATT
 * server to real phones, between minutes (engine.h); what BlueZ reports about pairing and
 * bonds, announced on the pump (engine_bond_created, engine_pairing_attempts) and handed
 * to the run's sinks; and the pump's pair key (the window's p key, a scenario's
 * pairing_window event), which opens pairing for a while.
 *
 * Without a system bus the gateway cannot start: one line on stderr and a
 * "bluetooth_notice", and the run goes on without Bluetooth.
 */
#ifndef FAKEPUMP_RUN_AIR_H
#define FAKEPUMP_RUN_AIR_H

#include <stdint.h>

#include "bluez_gateway.h"
#include "engine.h"
#include "run.h"
#include "run_sink.h"

typedef struct run_air run_air;

/* The run's radio side; NULL when memory is short. With opt->ble it starts the gateway
 * (the engine's server must exist: engine_enable_ble). The engine and the sinks must
 * outlive it. */
run_air *run_air_open(const run_options *opt, engine *e, run_sinks *sinks);
/* Free the gateway (before the engine whose server it serves), then the rest. NULL: no-op. */
void run_air_close(run_air *air);

/* The gateway, or NULL when the run is not on the air. */
bluez_gateway *run_air_gateway(const run_air *air);
/* A minute has passed: the gateway stamps what it hands the server with engine_now_min. */
void run_air_minute(run_air *air);

/* The pump's pair key was pressed (the window's p): pairing for the --pair-window
 * duration (2 minutes when not given), or a notice when not on the air. */
void run_air_pair_key(run_air *air);
/* A scenario's pairing_window event (an engine_pairing_fn; user_data is the run_air). */
void run_air_scenario_pair_key(int64_t t_min, int64_t window_min, void *user_data);

#endif
