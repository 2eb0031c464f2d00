/*
 * insulin_curve — the exponential insulin-action curve: how much of a subcutaneous dose is
 * still to act t minutes after it, for a duration of action td and a peak tp.
 *
 * The form is the "exponential" model of Loop and OpenAPS (oref0 iob/calculate.js
 * description; LoopKit ExponentialInsulinModel): with τ = tp(1 − tp/td)/(1 − 2tp/td),
 * a = 2τ/td and S = 1/(1 − a + (1 + a)e^(−td/τ)), the activity is (S/τ²)·t(1 − t/td)e^(−t/τ)
 * and the fraction remaining is its tail integral, reaching 0 at td (docs/pump.md). Pure.
 */
#ifndef FAKEPUMP_INSULIN_CURVE_H
#define FAKEPUMP_INSULIN_CURVE_H

/* Fraction of a dose still on board t_min after it: 1 at t ≤ 0, 0 at t ≥ action_min.
 * Requires 0 < 2·peak_min < action_min (pump_config_check enforces it). */
double insulin_curve_remaining(double t_min, double action_min, double peak_min);

#endif
