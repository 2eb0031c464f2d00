/*
 * pacing — see pacing.h.
 */
#include "pacing.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "stop_request.h"

double pacing_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pacing_sleep_until(double when_s)
{
	struct timespec ts = {.tv_sec = (time_t)when_s,
	                      .tv_nsec = (long)((when_s - floor(when_s)) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
	       !stop_request_signal())
		;
}

void pacing_wait_until(bluez_gateway *gw, double when_s)
{
	if (!gw) {
		pacing_sleep_until(when_s);
		return;
	}
	for (;;) {
		double left_s = when_s - pacing_now_s();
		if (left_s <= 0 || stop_request_signal()) {
			bluez_gateway_poll(gw, 0);
			return;
		}
		bluez_gateway_poll(gw, (int)fmin(50.0, ceil(left_s * 1000.0)));
	}
}
