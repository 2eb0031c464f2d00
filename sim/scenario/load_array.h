/*
 * load_array — the loader's growing arrays (the scenario's events and expectations, whose
 * capacities load_state keeps): room for more, doubling, so that appending n items costs
 * O(n) in all.
 *
 * Must never: overflow a size computation (a request too big is refused, as out of memory).
 */
#ifndef FAKEPUMP_SCENARIO_LOAD_ARRAY_H
#define FAKEPUMP_SCENARIO_LOAD_ARRAY_H

#include <stddef.h>

/* Room for `need` elements of `elem` bytes (doubling *cap); the new array, or NULL (the old
 * one untouched). */
void *load_grow_array(void *array, size_t *cap, size_t need, size_t elem);

#endif
