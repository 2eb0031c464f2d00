/*
 * meal_plan — the day's meals of a closed-loop trial (issue 14): what the patient eats, and
 * what of it is announced to the pump, separately, so that a meal eaten and not announced
 * is expressible.
 *
 *   standard     50 / 70 / 80 g at 07:00 / 12:00 / 18:30, every day, all announced;
 *   variable     each size × U(0.7, 1.3), each time ± U(30 min), a 20 g (± 30 %) snack at
 *                15:30 (± 30 min), and each meal left unannounced with probability 0.1;
 *   unannounced  the standard meals, none announced.
 *
 * Pure: the randomness comes from the rng passed in (one stream per patient).
 */
#ifndef FAKEPUMP_MEAL_PLAN_H
#define FAKEPUMP_MEAL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "patient_model.h"

typedef enum meal_plan_kind {
	MEAL_PLAN_STANDARD = 0,
	MEAL_PLAN_VARIABLE,
	MEAL_PLAN_UNANNOUNCED,
	MEAL_PLAN_KIND_COUNT,
} meal_plan_kind;

enum { MEAL_PLAN_MAX_PER_DAY = 4 };

typedef struct meal_plan_meal {
	int min_of_day; /* 0 … 1439 */
	double grams;
	bool announced;
} meal_plan_meal;

const char *meal_plan_kind_name(meal_plan_kind k);
bool meal_plan_kind_from_name(const char *name, meal_plan_kind *out);

/* One day's meals in time order; returns how many (≤ MEAL_PLAN_MAX_PER_DAY). Consumes
 * random numbers only for the variable plan. */
size_t meal_plan_day(meal_plan_kind kind, rng *r, meal_plan_meal out[MEAL_PLAN_MAX_PER_DAY]);

#endif
