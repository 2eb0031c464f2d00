/*
 * cvga: the nine boxes of the Control-Variability Grid (Magni et al. 2008), their edges,
 * their grades and names.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "cvga.h"

Test(cvga, each_box_of_the_grid_from_its_extremes)
{
	cr_assert_eq(cvga_zone_of(100, 150), CVGA_A);
	cr_assert_eq(cvga_zone_of(80, 150), CVGA_LOWER_B);
	cr_assert_eq(cvga_zone_of(60, 150), CVGA_LOWER_C);
	cr_assert_eq(cvga_zone_of(100, 250), CVGA_UPPER_B);
	cr_assert_eq(cvga_zone_of(80, 250), CVGA_B);
	cr_assert_eq(cvga_zone_of(60, 250), CVGA_LOWER_D);
	cr_assert_eq(cvga_zone_of(100, 350), CVGA_UPPER_C);
	cr_assert_eq(cvga_zone_of(80, 350), CVGA_UPPER_D);
	cr_assert_eq(cvga_zone_of(60, 350), CVGA_E);
}

Test(cvga, edges_belong_to_the_better_box)
{
	cr_assert_eq(cvga_zone_of(90, 180), CVGA_A, "90 and 180 are A's");
	cr_assert_eq(cvga_zone_of(89.9, 180), CVGA_LOWER_B);
	cr_assert_eq(cvga_zone_of(90, 180.1), CVGA_UPPER_B);
	cr_assert_eq(cvga_zone_of(70, 300), CVGA_B);
	cr_assert_eq(cvga_zone_of(69.9, 300.1), CVGA_E);
	cr_assert_eq(cvga_zone_of(20, 120), CVGA_LOWER_C, "beyond the drawn axis still counts");
	cr_assert_eq(cvga_zone_of(NAN, 120), CVGA_E, "no glucose is no control");
}

Test(cvga, grades_names_and_the_a_plus_b_share)
{
	int ab = 0;
	for (int z = 0; z < CVGA_ZONE_COUNT; z++) {
		cvga_zone back;
		cr_assert(cvga_zone_from_name(cvga_zone_name((cvga_zone)z), &back));
		cr_assert_eq(back, z);
		ab += cvga_zone_is_a_or_b((cvga_zone)z);
	}
	cr_assert_eq(ab, 4, "A, lower B, upper B, B");
	cr_assert_eq(cvga_zone_letter(CVGA_UPPER_D), 'D');
	cr_assert_eq(cvga_zone_letter(CVGA_A), 'A');
	cr_assert_str_eq(cvga_zone_name(CVGA_LOWER_C), "lower C");
	cvga_zone z;
	cr_assert_not(cvga_zone_from_name("F", &z));
}
