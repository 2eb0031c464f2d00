/*
 * cvga — see cvga.h.
 */
#include "cvga.h"

#include <math.h>
#include <string.h>

static const char *const names[CVGA_ZONE_COUNT] = {
    "A", "lower B", "upper B", "B", "lower C", "upper C", "lower D", "upper D", "E",
};

/* [row: high extreme][column: low extreme] as in the grid of cvga.h */
static const cvga_zone grid[3][3] = {
    {CVGA_A, CVGA_LOWER_B, CVGA_LOWER_C},
    {CVGA_UPPER_B, CVGA_B, CVGA_LOWER_D},
    {CVGA_UPPER_C, CVGA_UPPER_D, CVGA_E},
};

cvga_zone cvga_zone_of(double low_mgdl, double high_mgdl)
{
	if (isnan(low_mgdl) || isnan(high_mgdl))
		return CVGA_E;
	const int col = low_mgdl >= 90.0 ? 0 : low_mgdl >= 70.0 ? 1 : 2;
	const int row = high_mgdl <= 180.0 ? 0 : high_mgdl <= 300.0 ? 1 : 2;
	return grid[row][col];
}

const char *cvga_zone_name(cvga_zone z)
{
	return z >= 0 && z < CVGA_ZONE_COUNT ? names[z] : "?";
}

char cvga_zone_letter(cvga_zone z)
{
	const char *n = cvga_zone_name(z);
	return n[strlen(n) - 1];
}

bool cvga_zone_is_a_or_b(cvga_zone z)
{
	return z == CVGA_A || z == CVGA_LOWER_B || z == CVGA_UPPER_B || z == CVGA_B;
}

bool cvga_zone_from_name(const char *name, cvga_zone *out)
{
	for (int z = 0; name && z < CVGA_ZONE_COUNT; z++)
		if (strcmp(name, names[z]) == 0) {
			*out = (cvga_zone)z;
			return true;
		}
	return false;
}
