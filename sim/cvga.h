/*
 * cvga — the Control-Variability Grid Analysis (Magni L et al., "Evaluating the efficacy
 * of closed-loop glucose regulation via control-variability grid analysis", J Diabetes Sci
 * Technol 2008;2(4):630–635): each patient is one point, x its low extreme of glucose, y
 * its high extreme; the grid's nine boxes say how well the glucose was controlled, from A
 * (accurate) to E (erroneous). Trials report the share of patients in A + B.
 *
 * The extremes are the 2.5th and 97.5th percentiles of the patient's true glucose over the
 * trial (Magni's robust variant; the raw minimum and maximum give one bad minute too much
 * weight). The boxes, x = low extreme (drawn from 110 on the left to 50 on the right), y =
 * high extreme (110 at the bottom to 400 at the top):
 *
 *                 low >= 90       70 <= low < 90     low < 70
 *   high > 300    upper C         upper D            E
 *   180 < high    upper B         B                  lower D
 *   high <= 180   A               lower B            lower C
 *
 * Pure: no I/O, no state.
 */
#ifndef FAKEPUMP_CVGA_H
#define FAKEPUMP_CVGA_H

#include <stdbool.h>

typedef enum cvga_zone {
	CVGA_A = 0,
	CVGA_LOWER_B,
	CVGA_UPPER_B,
	CVGA_B,
	CVGA_LOWER_C,
	CVGA_UPPER_C,
	CVGA_LOWER_D,
	CVGA_UPPER_D,
	CVGA_E,
	CVGA_ZONE_COUNT,
} cvga_zone;

/* Where the grid draws its axes and its boxes' edges, mg/dL. */
#define CVGA_X_LEFT_MGDL 110.0
#define CVGA_X_RIGHT_MGDL 50.0
#define CVGA_Y_BOTTOM_MGDL 110.0
#define CVGA_Y_TOP_MGDL 400.0

/* The box of a patient whose low and high extremes are these (mg/dL). NAN lands in E. */
cvga_zone cvga_zone_of(double low_mgdl, double high_mgdl);
/* "A", "lower B", "upper B", "B", "lower C", "upper C", "lower D", "upper D", "E". */
const char *cvga_zone_name(cvga_zone z);
/* The letter of the zone's grade: 'A' … 'E'. */
char cvga_zone_letter(cvga_zone z);
/* Whether a zone counts in the trial's "A + B" share. */
bool cvga_zone_is_a_or_b(cvga_zone z);
/* The inverse of cvga_zone_name; false for an unknown name. */
bool cvga_zone_from_name(const char *name, cvga_zone *out);

#endif
