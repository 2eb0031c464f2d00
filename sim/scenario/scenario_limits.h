/*
 * scenario_limits — the sanity caps of the scenario format that more than one file of the
 * loader checks. Physical and bookkeeping sanity only: whether the pump accepts a dose is
 * its limits' business, at run time.
 */
#ifndef FAKEPUMP_SCENARIO_LIMITS_H
#define FAKEPUMP_SCENARIO_LIMITS_H

#include "clock.h"

enum {
	/* Sanity cap, not a model limit: ten years of minutes still fits every int used here. */
	MAX_DURATION_DAYS = 3650,
	MAX_DURATION_MIN = MAX_DURATION_DAYS * CLOCK_MIN_PER_DAY,
	/* With a start late in the day, events of the last day are written as day MAX + 1. */
	MAX_EVENT_DAY = MAX_DURATION_DAYS + 1,
	MAX_CGM_INTERVAL_MIN = 150,
	/* Events after repeats are expanded: a year of one event a minute is ~525,600. */
	MAX_EVENTS = 1000000,
};

static const double MAX_BASAL_U_PER_H = 35.0;
static const double MAX_BOLUS_U = 100.0;
static const double MAX_MEAL_G = 1000.0;

#endif
