/*
 * run_air — see run_air.h.
 */
#include "run_air.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* The pump key opens pairing for this long when --pair-window does not say. */
enum { DEFAULT_PAIR_WINDOW_S = 120 };

struct run_air {
	engine *e;
	run_sinks *sinks;
	bluez_gateway *gw;
	double pair_window_s; /* the pump key opens a window this long */
	bool quiet;
};

/* What happened on the air: the pump hears of bonds and guessed passkeys first (what it
 * raises reaches the sinks as pump events), then the sinks hear of the radio event. */
static void observe_bluez(const bluez_event *ev, void *user_data)
{
	run_air *air = user_data;
	/* Every new bond is announced on the pump; a second phone waits for the person to
	 * confirm it there, which revokes the first (one controller, docs/ble.md). */
	if (ev->kind == BLUEZ_EV_BOND_CREATED)
		engine_bond_created(air->e, ev->device);
	if (ev->kind == BLUEZ_EV_BOND_REMOVED)
		engine_bond_removed(air->e, ev->device);
	if (ev->kind == BLUEZ_EV_PAIRING_WINDOW_CLOSED && ev->attempts > 0)
		/* Someone may be guessing passkeys: the person at the pump must know. */
		engine_pairing_attempts(air->e, (unsigned)ev->attempts);
	run_sinks_radio(air->sinks, engine_now_min(air->e), ev);
}

run_air *run_air_open(const run_options *opt, engine *e, run_sinks *sinks)
{
	run_air *air = calloc(1, sizeof *air);
	if (!air)
		return NULL;
	air->e = e;
	air->sinks = sinks;
	air->pair_window_s = opt->pair_window_s > 0 ? opt->pair_window_s : DEFAULT_PAIR_WINDOW_S;
	air->quiet = opt->quiet;
	if (!opt->ble)
		return air;
	GError *gerr = NULL;
	const bluez_options bo = {.adapter = opt->adapter,
	                          .pair_window_s = opt->pair_window_s,
	                          .quiet = opt->quiet,
	                          .on_event = observe_bluez,
	                          .user_data = air};
	air->gw = bluez_gateway_new(engine_server(e), &bo, &gerr);
	if (!air->gw) {
		/* No system bus: no bluetoothd either. One line; the run goes on headless. */
		fprintf(stderr,
		        "fakepump: bluetooth: no system D-Bus (%s); the simulation goes on without "
		        "Bluetooth\n",
		        gerr ? gerr->message : "cannot reach the system D-Bus");
		run_sinks_notice(sinks, 0, "bluetooth_notice",
		                 gerr ? gerr->message : "no system bus");
		g_clear_error(&gerr);
	} else {
		bluez_gateway_poll(air->gw, 0);
	}
	return air;
}

void run_air_close(run_air *air)
{
	if (!air)
		return;
	bluez_gateway_free(air->gw);
	free(air);
}

bluez_gateway *run_air_gateway(const run_air *air)
{
	return air ? air->gw : NULL;
}

void run_air_minute(run_air *air)
{
	bluez_gateway_set_now(air->gw, engine_now_min(air->e));
}

void run_air_pair_key(run_air *air)
{
	if (air && air->gw)
		bluez_gateway_open_pairing(air->gw, air->pair_window_s, "pump key");
	else if (!air || !air->quiet)
		fprintf(stderr, "fakepump: pair key: not on the air (run with --ble)\n");
}

void run_air_scenario_pair_key(int64_t t_min, int64_t window_min, void *user_data)
{
	run_air *air = user_data;
	if (air->gw) {
		bluez_gateway_open_pairing(air->gw, (double)window_min * 60.0, "scenario");
	} else if (!air->quiet) {
		fprintf(stderr,
		        "fakepump: t = %" PRId64 " min: pairing_window ignored: not on the air "
		        "(run with --ble)\n",
		        t_min);
	}
}
