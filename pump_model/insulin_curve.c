/*
 * insulin_curve — the exponential insulin-action curve (see insulin_curve.h). Pure.
 */
#include <math.h>

#include "insulin_curve.h"

double insulin_curve_remaining(double t, double td, double tp)
{
	if (t <= 0.0)
		return 1.0;
	if (t >= td)
		return 0.0;
	const double tau = tp * (1.0 - tp / td) / (1.0 - 2.0 * tp / td);
	const double a = 2.0 * tau / td;
	const double s = 1.0 / (1.0 - a + (1.0 + a) * exp(-td / tau));
	return 1.0 - s * (1.0 - a) *
	                 ((t * t / (tau * td * (1.0 - a)) - t / tau - 1.0) * exp(-t / tau) + 1.0);
}
