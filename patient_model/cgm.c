/*
 * cgm — the continuous glucose monitor of simglucose: a reading of subcutaneous glucose
 * plus the Breton & Kovatchev (2008) sensor noise, clipped to the sensor's range.
 *
 * Follows docs/patient-model.md "The CGM sensor" and simglucose v0.2.11 sensor/noise_gen.py
 * (CGMNoise, noise15_iter) and sensor/cgm.py (CGMSensor.measure):
 *   - every 15 min a knot e_0 = N(0,1), e_k = PACF * (e_{k-1} + N(0,1)), transformed by
 *     Johnson SU: eps_k = xi + lambda * sinh((e_k - gamma) / delta);
 *   - knots come in blocks of 10 new ones; each block, with the previous block's last knot
 *     in front (t = 0), is interpolated by its own not-a-knot cubic spline (scipy
 *     interp1d kind='cubic') at t = st, 2 st, ..., floor(150 / st) * st minutes, where st is
 *     the interval the sensor actually samples at. When st does not divide 150 the grid
 *     restarts at each block (4 min: t = 4 ... 148, then the next block's 4 ...), exactly
 *     as the reference does;
 *   - one noise value per sample; reading = Gsub + noise, then max(min), min(max).
 *
 * The "ideal" sensor (not in simglucose) adds no noise and only clips to [0, +inf); its
 * default sample time is 5 min, the interval of the usual CGMs (GuardianRT, Dexcom G6/G7,
 * Libre 3) that a pump sees.
 *
 * Must never: do I/O, keep globals (the parameter table is const), allocate after
 * cgm_sensor_new, or draw a random number outside the sensor's own rng stream.
 * Cost: one spline solve per 150-min block, then O(1) per sample.
 */
#include "patient_model.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
	CGM_KNOT_INTERVAL_MIN = 15, /* noise_gen.py MDL_SAMPLE_TIME */
	CGM_BLOCK_NEW_KNOTS = 10,   /* noise_gen.py PRECOMPUTE */
	CGM_BLOCK_MIN = CGM_KNOT_INTERVAL_MIN * CGM_BLOCK_NEW_KNOTS,
	CGM_IDEAL_SAMPLE_TIME_MIN = 5,
};

/* Intervals solved below: not-a-knot needs at least 4 spline intervals. */
_Static_assert(CGM_BLOCK_NEW_KNOTS >= 4, "not-a-knot spline needs >= 4 intervals");

/* sensor_params.csv (simglucose v0.2.11), by scenario name; ideal added here. */
static const cgm_params cgm_params_table[CGM_MODEL_COUNT] = {
    [CGM_IDEAL] = {.name = "ideal",
                   .pacf = 0.0,
                   .gamma = 0.0,
                   .lambda = 0.0,
                   .delta = 1.0,
                   .xi = 0.0,
                   .sample_time_min = CGM_IDEAL_SAMPLE_TIME_MIN,
                   .min_mgdl = 0.0,
                   .max_mgdl = INFINITY},
    [CGM_DEXCOM] = {.name = "dexcom",
                    .pacf = 0.7,
                    .gamma = -0.5444,
                    .lambda = 15.9574,
                    .delta = 1.6898,
                    .xi = -5.47,
                    .sample_time_min = 3,
                    .min_mgdl = 39.0,
                    .max_mgdl = 600.0},
    [CGM_GUARDIAN_RT] = {.name = "guardian",
                         .pacf = 0.7,
                         .gamma = -0.5444,
                         .lambda = 15.9574,
                         .delta = 1.6898,
                         .xi = -5.47,
                         .sample_time_min = 5,
                         .min_mgdl = 39.0,
                         .max_mgdl = 600.0},
    [CGM_NAVIGATOR] = {.name = "navigator",
                       .pacf = 0.7,
                       .gamma = -0.5444,
                       .lambda = 15.9574,
                       .delta = 1.6898,
                       .xi = -5.47,
                       .sample_time_min = 1,
                       .min_mgdl = 32.0,
                       .max_mgdl = 600.0},
};

struct cgm_sensor {
	const cgm_params *params;
	bool noisy;
	int interval_min;
	rng rng;
	double e;                    /* AR(1) state of the latest 15-min knot */
	double knot_last;            /* eps at the last knot drawn: t = 0 of the next block */
	int per_block;               /* noise values per block: floor(150 / interval) */
	int next;                    /* index of the next unused value in block[] */
	double block[CGM_BLOCK_MIN]; /* the current block's values at t = st, 2 st, ... */
};

const cgm_params *cgm_params_for(cgm_model model)
{
	if ((int)model < 0 || model >= CGM_MODEL_COUNT)
		return NULL;
	return &cgm_params_table[model];
}

bool cgm_model_from_name(const char *name, cgm_model *out)
{
	if (name == NULL)
		return false;
	for (int m = 0; m < CGM_MODEL_COUNT; m++) {
		if (strcmp(name, cgm_params_table[m].name) == 0) {
			if (out != NULL)
				*out = (cgm_model)m;
			return true;
		}
	}
	return false;
}

/* Johnson SU transform of an AR(1) knot (noise_gen.py johnson_transform_SU). */
static double johnson_su(const cgm_params *p, double e)
{
	return p->xi + p->lambda * sinh((e - p->gamma) / p->delta);
}

/* The next 15-min knot, in mg/dL (noise15_iter.__next__ after the first). */
static double next_knot(cgm_sensor *s)
{
	s->e = s->params->pacf * (s->e + rng_gauss(&s->rng));
	return johnson_su(s->params, s->e);
}

/*
 * Second derivatives m[0..n] of the not-a-knot cubic spline through y[0..n] at uniformly
 * spaced x (spacing h, n >= 4 intervals). With equal spacing the not-a-knot conditions
 * m0 = 2 m1 - m2 and m_n = 2 m_{n-1} - m_{n-2} turn the first and last moment equations
 * into 6 m1 = d1 and 6 m_{n-1} = d_{n-1}; the rest is the (1, 4, 1) tridiagonal system,
 * solved by the Thomas algorithm. `work` has n + 1 elements.
 */
static void spline_not_a_knot_uniform(const double *y, int n, double h, double *m, double *work)
{
	const double scale = 6.0 / (h * h);
	double *d = work;
	for (int i = 1; i < n; i++)
		d[i] = scale * (y[i - 1] - 2.0 * y[i] + y[i + 1]);
	m[1] = d[1] / 6.0;
	m[n - 1] = d[n - 1] / 6.0;
	d[2] -= m[1];
	d[n - 2] -= m[n - 1];
	/* Forward sweep over rows 2 .. n-2 (diagonal 4, off-diagonals 1); c' kept in m[]. */
	double diag = 4.0;
	m[2] = 1.0 / diag; /* c'_2 */
	d[2] /= diag;
	for (int i = 3; i <= n - 2; i++) {
		diag = 4.0 - m[i - 1];
		m[i] = 1.0 / diag;
		d[i] = (d[i] - d[i - 1]) / diag;
	}
	/* Back substitution; m[i] turns from c'_i into the moment. */
	m[n - 2] = d[n - 2];
	for (int i = n - 3; i >= 2; i--)
		m[i] = d[i] - m[i] * m[i + 1];
	m[0] = 2.0 * m[1] - m[2];
	m[n] = 2.0 * m[n - 1] - m[n - 2];
}

/* Draw 10 new knots and fill block[] with the spline at t = st, ..., per_block * st. */
static void refill_block(cgm_sensor *s)
{
	enum { N = CGM_BLOCK_NEW_KNOTS };
	const double h = CGM_KNOT_INTERVAL_MIN;
	double y[N + 1], m[N + 1], work[N + 1];

	y[0] = s->knot_last;
	for (int i = 1; i <= N; i++)
		y[i] = next_knot(s);
	s->knot_last = y[N];

	spline_not_a_knot_uniform(y, N, h, m, work);

	for (int j = 0; j < s->per_block; j++) {
		int t_min = (j + 1) * s->interval_min;
		int i = t_min / CGM_KNOT_INTERVAL_MIN;
		if (i >= N)
			i = N - 1; /* t = 150 lies on the last interval's right end */
		double a = (double)((i + 1) * CGM_KNOT_INTERVAL_MIN - t_min); /* x_{i+1} - t */
		double b = (double)(t_min - i * CGM_KNOT_INTERVAL_MIN);       /* t - x_i */
		s->block[j] = (m[i] * a * a * a + m[i + 1] * b * b * b) / (6.0 * h) +
		              (y[i] / h - m[i] * h / 6.0) * a +
		              (y[i + 1] / h - m[i + 1] * h / 6.0) * b;
	}
	s->next = 0;
}

cgm_sensor *cgm_sensor_new(cgm_model model, int interval_min, uint32_t seed)
{
	const cgm_params *p = cgm_params_for(model);
	if (p == NULL || interval_min < 0 || interval_min > CGM_BLOCK_MIN)
		return NULL;
	cgm_sensor *s = malloc(sizeof *s);
	if (s == NULL)
		return NULL;
	s->params = p;
	s->noisy = model != CGM_IDEAL;
	s->interval_min = interval_min == 0 ? p->sample_time_min : interval_min;
	s->per_block = CGM_BLOCK_MIN / s->interval_min;
	rng_seed(&s->rng, seed);
	/* The first knot e_0 = N(0,1) is drawn at creation (noise_gen.py CGMNoise.__init__). */
	s->e = 0.0;
	s->knot_last = 0.0;
	if (s->noisy) {
		s->e = rng_gauss(&s->rng);
		s->knot_last = johnson_su(p, s->e);
	}
	s->next = s->per_block; /* empty: the first sample fills a block */
	return s;
}

void cgm_sensor_free(cgm_sensor *s)
{
	free(s);
}

int cgm_sensor_interval_min(const cgm_sensor *s)
{
	assert(s != NULL);
	return s->interval_min;
}

double cgm_sensor_next_noise(cgm_sensor *s)
{
	assert(s != NULL);
	if (!s->noisy)
		return 0.0;
	if (s->next >= s->per_block)
		refill_block(s);
	return s->block[s->next++];
}

bool cgm_sensor_read(cgm_sensor *s, int64_t now_min, double gsub_mgdl, double *reading_mgdl)
{
	assert(s != NULL);
	if (now_min % s->interval_min != 0)
		return false;
	double cgm_mgdl = gsub_mgdl + cgm_sensor_next_noise(s);
	/* cgm.py: max(CGM, min) then min(CGM, max); written so a NaN passes through as there. */
	if (s->params->min_mgdl > cgm_mgdl)
		cgm_mgdl = s->params->min_mgdl;
	if (s->params->max_mgdl < cgm_mgdl)
		cgm_mgdl = s->params->max_mgdl;
	if (reading_mgdl != NULL)
		*reading_mgdl = cgm_mgdl;
	return true;
}
