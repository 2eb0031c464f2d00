/*
 * meal_plan — standard, variable and unannounced meal days (see meal_plan.h).
 */
#include <math.h>
#include <string.h>

#include "meal_plan.h"

static const char *const names[MEAL_PLAN_KIND_COUNT] = {"standard", "variable", "unannounced"};

const char *meal_plan_kind_name(meal_plan_kind k)
{
	return (unsigned)k < MEAL_PLAN_KIND_COUNT ? names[k] : "unknown";
}

bool meal_plan_kind_from_name(const char *name, meal_plan_kind *out)
{
	for (int i = 0; i < MEAL_PLAN_KIND_COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (meal_plan_kind)i;
			return true;
		}
	return false;
}

static const struct {
	int min_of_day;
	double grams;
} standard[3] = {{7 * 60, 50.0}, {12 * 60, 70.0}, {18 * 60 + 30, 80.0}};

enum { SNACK_MIN = 15 * 60 + 30, SHIFT_MIN = 30 };
#define SNACK_G 20.0
#define SIZE_SPREAD 0.3
#define UNANNOUNCED_P 0.1

static meal_plan_meal varied(rng *r, int min_of_day, double grams)
{
	/* Always four draws a meal, in this order, so that days stay aligned. */
	const double size = 1.0 + SIZE_SPREAD * (2.0 * rng_uniform(r) - 1.0);
	const int shift = (int)floor((2 * SHIFT_MIN + 1) * rng_uniform(r)) - SHIFT_MIN;
	const bool unannounced = rng_uniform(r) < UNANNOUNCED_P;
	(void)rng_uniform(r); /* spare draw: room for one more trait without shifting seeds */
	return (meal_plan_meal){.min_of_day = min_of_day + shift,
	                        .grams = round(grams * size),
	                        .announced = !unannounced};
}

size_t meal_plan_day(meal_plan_kind kind, rng *r, meal_plan_meal out[MEAL_PLAN_MAX_PER_DAY])
{
	if (kind == MEAL_PLAN_VARIABLE) {
		out[0] = varied(r, standard[0].min_of_day, standard[0].grams);
		out[1] = varied(r, standard[1].min_of_day, standard[1].grams);
		out[2] = varied(r, SNACK_MIN, SNACK_G);
		out[3] = varied(r, standard[2].min_of_day, standard[2].grams);
		return 4;
	}
	for (size_t i = 0; i < 3; i++)
		out[i] = (meal_plan_meal){.min_of_day = standard[i].min_of_day,
		                          .grams = standard[i].grams,
		                          .announced = kind == MEAL_PLAN_STANDARD};
	return 3;
}
