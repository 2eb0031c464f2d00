/*
 * glucose_risk — Kovatchev's symmetrised blood-glucose scale, the one formula both the
 * build-time table (glucose_risk_table_gen.c) and glucose_metrics.c evaluate:
 *
 *   f(BG) = 1.509 × ((ln BG)^1.084 − 5.381),   BG in mg/dL; risk r = 10 f²
 *
 * f < 0 below about 112.5 mg/dL (the low-risk side), f > 0 above it. A BG at or below
 * 1 mg/dL counts as 1 (f = −8.12, r = 659.7): ln BG must stay >= 0 for the power, and the
 * simulated patient may reach 0. Sources: Kovatchev BP, Cox DJ, Gonder-Frederick LA,
 * Clarke W. Diabetes Care 1997;20:1655–1658 (the scale); Kovatchev BP, Straume M, Cox DJ,
 * Farhy LS. J Theor Med 2000;3:1–10 (LBGI/HBGI). Header-only and pure: no state, no I/O.
 */
#ifndef FAKEPUMP_GLUCOSE_RISK_H
#define FAKEPUMP_GLUCOSE_RISK_H

#include <math.h>

/* f(BG), exactly as written (pow and log of the C library). */
static inline double glucose_risk_f_exact(double bg_mgdl)
{
	return 1.509 * (pow(log(fmax(bg_mgdl, 1.0)), 1.084) - 5.381);
}

/* df/dBG for BG > 1 mg/dL (per mg/dL): 1.509 × 1.084 × (ln BG)^0.084 / BG. */
static inline double glucose_risk_df_exact(double bg_mgdl)
{
	return 1.509 * 1.084 * pow(log(bg_mgdl), 0.084) / bg_mgdl;
}

#endif
