/*
 * pacing — the run's wall clock (the engine has none): monotonic time, and waiting for the
 * moment a minute is due (--speed), serving Bluetooth meanwhile when the run is on the air.
 * A stop request (SIGINT, SIGTERM) ends a wait early.
 */
#ifndef FAKEPUMP_PACING_H
#define FAKEPUMP_PACING_H

#include "bluez_gateway.h"

/* Seconds of CLOCK_MONOTONIC. */
double pacing_now_s(void);
/* Sleep until the monotonic time `when_s`, or until a stop is requested. */
void pacing_sleep_until(double when_s);
/* Wait until `when_s`, polling the gateway (NULL: none) so that a phone is answered. */
void pacing_wait_until(bluez_gateway *gw, double when_s);

#endif
