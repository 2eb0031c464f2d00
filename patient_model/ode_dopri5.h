/*
 * ode_dopri5 — the Dormand–Prince 5(4) explicit Runge–Kutta integrator with the step-size
 * control of Hairer & Wanner's DOPRI5 (Hairer, Nørsett, Wanner, "Solving Ordinary
 * Differential Equations I", 2nd ed., §II.4–II.5 and IV.2), as scipy's `ode('dopri5')`
 * drives it: rtol 1e-6, atol 1e-12, safety 0.9, step factors in [0.2, 10], Lund
 * stabilisation beta 0.04, h_max = the length of the call, at most 500 steps per call.
 *
 * Why it is built this way: the reference (simglucose) re-enters the solver every minute
 * with new inputs, and only the step size survives from one call to the next (scipy keeps
 * it in its work array); the first derivative is recomputed on entry and the stabilisation
 * memory starts afresh. Reproducing that, and nothing else, is what makes the port match
 * the reference traces to their print rounding (docs/patient-model.md "Integration").
 *
 * Private to patient_model. Header-only so that the compiler can inline the right-hand
 * side into the stages (it is called ~7 times a simulated minute). Never allocates.
 */
#ifndef FAKEPUMP_ODE_DOPRI5_H
#define FAKEPUMP_ODE_DOPRI5_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

enum { ODE_DIM = 13 };

typedef void (*ode_rhs)(const double *y, double *dydt, const void *user_data);

typedef struct ode_dopri5 {
	double h; /* step size carried between calls; 0 = estimate on the next call */
	/*
	 * f(y) at the end of the last call (first-same-as-last stage). When the caller's
	 * inputs are unchanged, the next call's entry derivative is exactly this, so it is
	 * reused instead of evaluated again: same bits, one evaluation in seven saved.
	 */
	double f_end[ODE_DIM];
	bool has_f_end;
	double rtol, atol;
	unsigned rhs_evals;        /* of the last call */
	double pow_facold_initial; /* facold^beta for the reset facold, computed once */
} ode_dopri5;

typedef enum ode_result {
	ODE_OK = 0,
	ODE_TOO_MANY_STEPS,
	ODE_STEP_TOO_SMALL,
} ode_result;

/* Method constants (Dormand & Prince 1980). */
#define DP_C2 0.2
#define DP_C3 0.3
#define DP_C4 0.8
#define DP_C5 (8.0 / 9.0)
#define DP_A21 0.2
#define DP_A31 (3.0 / 40.0)
#define DP_A32 (9.0 / 40.0)
#define DP_A41 (44.0 / 45.0)
#define DP_A42 (-56.0 / 15.0)
#define DP_A43 (32.0 / 9.0)
#define DP_A51 (19372.0 / 6561.0)
#define DP_A52 (-25360.0 / 2187.0)
#define DP_A53 (64448.0 / 6561.0)
#define DP_A54 (-212.0 / 729.0)
#define DP_A61 (9017.0 / 3168.0)
#define DP_A62 (-355.0 / 33.0)
#define DP_A63 (46732.0 / 5247.0)
#define DP_A64 (49.0 / 176.0)
#define DP_A65 (-5103.0 / 18656.0)
#define DP_A71 (35.0 / 384.0)
#define DP_A73 (500.0 / 1113.0)
#define DP_A74 (125.0 / 192.0)
#define DP_A75 (-2187.0 / 6784.0)
#define DP_A76 (11.0 / 84.0)
#define DP_E1 (71.0 / 57600.0)
#define DP_E3 (-71.0 / 16695.0)
#define DP_E4 (71.0 / 1920.0)
#define DP_E5 (-17253.0 / 339200.0)
#define DP_E6 (22.0 / 525.0)
#define DP_E7 (-1.0 / 40.0)

/* Step-size control of DOPRI5 with its defaults. */
#define DP_SAFE 0.9
#define DP_FAC1 0.2  /* smallest h_new / h */
#define DP_FAC2 10.0 /* largest h_new / h */
#define DP_BETA 0.04
#define DP_EXPO1 (0.2 - DP_BETA * 0.75)
#define DP_UROUND 2.3e-16
#define DP_MAX_STEPS 500
#define DP_FACOLD_RESET 1e-4

static inline void ode_dopri5_init(ode_dopri5 *s, double rtol, double atol)
{
	s->h = 0.0;
	s->has_f_end = false;
	s->rtol = rtol;
	s->atol = atol;
	s->rhs_evals = 0;
	s->pow_facold_initial = pow(DP_FACOLD_RESET, DP_BETA);
}

/* Hairer's initial step guess (HINIT), for order 5. `f0` = f(y); uses two scratch rows. */
static inline double ode_dopri5_initial_step(const ode_dopri5 *s, ode_rhs f, const void *user,
                                             const double *y, const double *f0, double hmax,
                                             double *y1, double *f1)
{
	double dnf = 0.0, dny = 0.0;
	for (int i = 0; i < ODE_DIM; i++) {
		double sk = s->atol + s->rtol * fabs(y[i]);
		dnf += (f0[i] / sk) * (f0[i] / sk);
		dny += (y[i] / sk) * (y[i] / sk);
	}
	double h = (dnf <= 1e-10 || dny <= 1e-10) ? 1.0e-6 : sqrt(dny / dnf) * 0.01;
	h = fmin(h, hmax);
	for (int i = 0; i < ODE_DIM; i++)
		y1[i] = y[i] + h * f0[i];
	f(y1, f1, user);
	double der2 = 0.0;
	for (int i = 0; i < ODE_DIM; i++) {
		double sk = s->atol + s->rtol * fabs(y[i]);
		double q = (f1[i] - f0[i]) / sk;
		der2 += q * q;
	}
	der2 = sqrt(der2) / h;
	double der12 = fmax(fabs(der2), sqrt(dnf));
	double h1 = der12 <= 1e-15 ? fmax(1.0e-6, fabs(h) * 1.0e-3) : pow(0.01 / der12, 1.0 / 5.0);
	return fmin(fmin(100.0 * fabs(h), h1), hmax);
}

/*
 * Integrate y' = f(y) (autonomous, inputs held in `user`) from *x to xend > *x. On ODE_OK,
 * *x == xend and y holds the solution; s->h holds the step size proposed for the next call.
 * `same_inputs`: the inputs in `user` are exactly those of the previous call and y is
 * unchanged since (so f(y) is known). On failure y and *x hold the last accepted point.
 */
static inline ode_result ode_dopri5_integrate(ode_dopri5 *s, ode_rhs f, const void *user,
                                              bool same_inputs, double *x, double *y, double xend)
{
	double k1[ODE_DIM], k2[ODE_DIM], k3[ODE_DIM], k4[ODE_DIM], k5[ODE_DIM], k6[ODE_DIM];
	double y1[ODE_DIM], ysti[ODE_DIM];
	const double hmax = xend - *x;
	const double rtol = s->rtol, atol = s->atol;
	double facold = DP_FACOLD_RESET;
	bool facold_is_reset = true;
	bool reject = false, last = false;
	unsigned evals = 0, steps = 0;
	double h = s->h;

	if (same_inputs && s->has_f_end) {
		for (int i = 0; i < ODE_DIM; i++)
			k1[i] = s->f_end[i];
	} else {
		f(y, k1, user);
		evals++;
	}
	s->has_f_end = false;
	if (h == 0.0) {
		h = ode_dopri5_initial_step(s, f, user, y, k1, hmax, k2, k3);
		evals++;
	}
	for (;;) {
		if (steps > DP_MAX_STEPS) {
			s->rhs_evals = evals;
			return ODE_TOO_MANY_STEPS;
		}
		if (0.1 * fabs(h) <= fabs(*x) * DP_UROUND) {
			s->rhs_evals = evals;
			return ODE_STEP_TOO_SMALL;
		}
		if (*x + 1.01 * h - xend > 0.0) {
			h = xend - *x;
			last = true;
		}
		steps++;
		for (int i = 0; i < ODE_DIM; i++)
			y1[i] = y[i] + h * DP_A21 * k1[i];
		f(y1, k2, user);
		for (int i = 0; i < ODE_DIM; i++)
			y1[i] = y[i] + h * (DP_A31 * k1[i] + DP_A32 * k2[i]);
		f(y1, k3, user);
		for (int i = 0; i < ODE_DIM; i++)
			y1[i] = y[i] + h * (DP_A41 * k1[i] + DP_A42 * k2[i] + DP_A43 * k3[i]);
		f(y1, k4, user);
		for (int i = 0; i < ODE_DIM; i++)
			y1[i] = y[i] + h * (DP_A51 * k1[i] + DP_A52 * k2[i] + DP_A53 * k3[i] +
			                    DP_A54 * k4[i]);
		f(y1, k5, user);
		for (int i = 0; i < ODE_DIM; i++)
			ysti[i] = y[i] + h * (DP_A61 * k1[i] + DP_A62 * k2[i] + DP_A63 * k3[i] +
			                      DP_A64 * k4[i] + DP_A65 * k5[i]);
		f(ysti, k6, user);
		for (int i = 0; i < ODE_DIM; i++)
			y1[i] = y[i] + h * (DP_A71 * k1[i] + DP_A73 * k3[i] + DP_A74 * k4[i] +
			                    DP_A75 * k5[i] + DP_A76 * k6[i]);
		f(y1, k2, user);
		evals += 6;

		/* Error estimate: RMS of the embedded 4th-order difference, scaled per state. */
		double err = 0.0;
		for (int i = 0; i < ODE_DIM; i++) {
			double e = (DP_E1 * k1[i] + DP_E3 * k3[i] + DP_E4 * k4[i] + DP_E5 * k5[i] +
			            DP_E6 * k6[i] + DP_E7 * k2[i]) *
			           h;
			const double ay = fabs(y[i]), ay1 = fabs(y1[i]);
			double sk = atol + rtol * (ay > ay1 ? ay : ay1);
			err += (e / sk) * (e / sk);
		}
		err = sqrt(err / ODE_DIM);

		double fac11 = pow(err, DP_EXPO1);
		double fac =
		    fac11 / (facold_is_reset ? s->pow_facold_initial : pow(facold, DP_BETA));
		fac = fac / DP_SAFE;
		fac = fac < 1.0 / DP_FAC1 ? fac : 1.0 / DP_FAC1;
		fac = fac > 1.0 / DP_FAC2 ? fac : 1.0 / DP_FAC2;
		double hnew = h / fac;
		if (err <= 1.0) {
			facold = err > DP_FACOLD_RESET ? err : DP_FACOLD_RESET;
			facold_is_reset = false;
			for (int i = 0; i < ODE_DIM; i++) {
				k1[i] = k2[i];
				y[i] = y1[i];
			}
			*x = last ? xend : *x + h;
			if (last) {
				s->h = hnew;
				for (int i = 0; i < ODE_DIM; i++)
					s->f_end[i] = k1[i];
				s->has_f_end = true;
				s->rhs_evals = evals;
				return ODE_OK;
			}
			if (fabs(hnew) > hmax)
				hnew = hmax;
			if (reject)
				hnew = fmin(fabs(hnew), fabs(h));
			reject = false;
		} else {
			hnew = h / fmin(1.0 / DP_FAC1, fac11 / DP_SAFE);
			reject = true;
			last = false;
		}
		h = hnew;
	}
}

#endif
