/*
 * load_array — see load_array.h.
 */
#include "load_array.h"

#include <stdint.h>
#include <stdlib.h>

void *load_grow_array(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return NULL;
		c *= 2;
	}
	void *bigger = realloc(array, c * elem);
	if (bigger != NULL)
		*cap = c;
	return bigger;
}
