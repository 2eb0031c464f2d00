/*
 * patient_batch — the batch engine's front: lanes, jobs, the caller's inputs, the choice
 * of kernel (AVX-512, AVX2, or the scalar engine lane by lane), and the run loop.
 *
 * The integration itself is batch_kernel.c's (vectors) or patient.c's (scalar); this file
 * only keeps the books: which lane has a job, which waits for inputs, what to report.
 * Allocates only in patient_batch_new (and patient_new per job for the scalar engine);
 * no I/O, no globals. The CPU is asked at run time (__builtin_cpu_supports), so one build
 * runs everywhere and uses AVX-512 where there is some.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch_lanes.h"
#include "ode_dopri5.h"
#include "patient_model.h"
#include "patient_rhs.h"

struct patient_batch {
	batch_lanes lanes; /* first: 64-byte aligned with the allocation */
	patient_batch_engine engine;
	unsigned lane_count;
	batch_kernel_fn kernel; /* NULL for the scalar engine */
	uint32_t has_job;
	const patient_params *params[PATIENT_BATCH_MAX_LANES];
	void *job[PATIENT_BATCH_MAX_LANES];
	patient *scalar[PATIENT_BATCH_MAX_LANES]; /* the scalar engine's patients */

	/* patient_batch_run: each lane's plan (patient_batch_source.minute), the next of its
	 * minutes to begin, and the minute ends it passed: plan_next − 1 of them, since every
	 * planned minute after the first begins at the end of the one before */
	patient_batch_inputs plan[PATIENT_BATCH_MAX_LANES][PATIENT_BATCH_MAX_PLAN];
	unsigned plan_next[PATIENT_BATCH_MAX_LANES], plan_count[PATIENT_BATCH_MAX_LANES];
	patient_batch_point passed[PATIENT_BATCH_MAX_LANES][PATIENT_BATCH_MAX_PLAN];
};

_Static_assert((int)PATIENT_BATCH_MAX_LANES == (int)BATCH_MAX_LANES, "one lane limit");

#if defined(FAKEPUMP_HAVE_BATCH_X86)
/*
 * A vector engine runs where the CPU has its instructions and where its exp gives the
 * scalar engine's bits (it follows glibc 2.36's libmvec; another libm would differ): then
 * the batch reproduces the scalar engine exactly, else AUTO falls back to it.
 */
static bool cpu_has_avx512(void)
{
	return __builtin_cpu_supports("avx512f") && batch_math_avx512_exp_matches_scalar();
}

static bool cpu_has_avx2(void)
{
	return __builtin_cpu_supports("avx2") && batch_math_avx2_exp_matches_scalar();
}
#else
static bool cpu_has_avx512(void)
{
	return false;
}

static bool cpu_has_avx2(void)
{
	return false;
}
#endif

bool patient_batch_engine_available(patient_batch_engine engine)
{
	switch (engine) {
	case PATIENT_BATCH_AUTO:
	case PATIENT_BATCH_SCALAR:
		return true;
	case PATIENT_BATCH_AVX2:
		return cpu_has_avx2();
	case PATIENT_BATCH_AVX512:
		return cpu_has_avx512();
	}
	return false;
}

patient_batch_engine patient_batch_engine_resolve(patient_batch_engine engine)
{
	if (engine != PATIENT_BATCH_AUTO)
		return engine;
	if (cpu_has_avx512())
		return PATIENT_BATCH_AVX512;
	if (cpu_has_avx2())
		return PATIENT_BATCH_AVX2;
	return PATIENT_BATCH_SCALAR;
}

static const char *const engine_names[] = {
    [PATIENT_BATCH_AUTO] = "auto",
    [PATIENT_BATCH_SCALAR] = "scalar",
    [PATIENT_BATCH_AVX2] = "avx2",
    [PATIENT_BATCH_AVX512] = "avx512",
};

const char *patient_batch_engine_name(patient_batch_engine engine)
{
	if ((unsigned)engine >= sizeof engine_names / sizeof engine_names[0])
		return NULL;
	return engine_names[engine];
}

bool patient_batch_engine_from_name(const char *name, patient_batch_engine *out)
{
	for (unsigned i = 0; name && i < sizeof engine_names / sizeof engine_names[0]; i++)
		if (strcmp(name, engine_names[i]) == 0) {
			*out = (patient_batch_engine)i;
			return true;
		}
	return false;
}

static unsigned default_lanes(patient_batch_engine engine)
{
	switch (engine) {
	case PATIENT_BATCH_AVX512:
		return 16;
	case PATIENT_BATCH_AVX2:
		return 8;
	default:
		return 1;
	}
}

bool patient_batch_lanes_supported(patient_batch_engine engine, unsigned lanes)
{
	engine = patient_batch_engine_resolve(engine);
	if (lanes == 0)
		return true;
	switch (engine) {
	case PATIENT_BATCH_AVX512:
		return lanes == 8 || lanes == 16;
	case PATIENT_BATCH_AVX2:
		return lanes == 4 || lanes == 8;
	case PATIENT_BATCH_SCALAR:
		return lanes <= PATIENT_BATCH_MAX_LANES;
	default:
		return false;
	}
}

static batch_kernel_fn kernel_for(patient_batch_engine engine, unsigned lanes)
{
#if defined(FAKEPUMP_HAVE_BATCH_X86)
	if (engine == PATIENT_BATCH_AVX512)
		return lanes == 8 ? batch_kernel_avx512_x1 : batch_kernel_avx512_x2;
	if (engine == PATIENT_BATCH_AVX2)
		return lanes == 4 ? batch_kernel_avx2_x1 : batch_kernel_avx2_x2;
#else
	(void)engine;
	(void)lanes;
#endif
	return NULL;
}

/* A lane's rows for a patient at its basal steady state, t = 0 (patient_new). */
static void lane_reset(batch_lanes *l, unsigned lane, const patient_params *p)
{
	const rhs_constants c = rhs_constants_of(p);
	const double row[BC_COUNT] = {
	    [BC_KMAX] = c.kmax,
	    [BC_KMIN] = c.kmin,
	    [BC_KABS] = c.kabs,
	    [BC_RA_PER_QGUT] = c.ra_per_qgut,
	    [BC_KP1] = c.kp1,
	    [BC_KP2] = c.kp2,
	    [BC_KP3] = c.kp3,
	    [BC_FSNC] = c.fsnc,
	    [BC_KE1] = c.ke1,
	    [BC_KE2] = c.ke2,
	    [BC_K1] = c.k1,
	    [BC_K2] = c.k2,
	    [BC_VM0] = c.vm0,
	    [BC_VMX] = c.vmx,
	    [BC_KM0] = c.km0,
	    [BC_P2U] = c.p2u,
	    [BC_IB] = c.ib,
	    [BC_INV_VI] = c.inv_vi,
	    [BC_KI] = c.ki,
	    [BC_M1] = c.m1,
	    [BC_M2] = c.m2,
	    [BC_M2_PLUS_M4] = c.m2_plus_m4,
	    [BC_M1_PLUS_M30] = c.m1_plus_m30,
	    [BC_KA1] = c.ka1,
	    [BC_KA2] = c.ka2,
	    [BC_KD] = c.kd,
	    [BC_KA1_PLUS_KD] = c.ka1_plus_kd,
	    [BC_KSC] = c.ksc,
	    [BC_KGUT_HALF_SPAN] = rhs_kgut_half_span(p),
	    [BC_AA_TIMES_DBAR] = rhs_aa_times_dbar(p),
	    [BC_CC_TIMES_DBAR] = rhs_cc_times_dbar(p),
	    [BC_B] = p->b,
	    [BC_D] = p->d,
	    [BC_BW_KG] = p->BW,
	    [BC_VG_DL_PER_KG] = p->Vg,
	};
	for (int i = 0; i < BC_COUNT; i++)
		l->c[i][lane] = row[i];
	for (int i = 0; i < PATIENT_STATE_COUNT; i++) {
		l->y[i][lane] = p->x0[i];
		l->k1[i][lane] = 0.0;
	}
	l->x_min[lane] = l->xend_min[lane] = 0.0;
	l->hmax_min[lane] = 1.0;
	l->h_min[lane] = 0.0;
	l->facold[lane] = DP_FACOLD_RESET;
	l->steps[lane] = l->evals[lane] = 0.0;
	l->planned_meal_g[lane] = 0.0;
	l->eat_rate_g_per_min[lane] = EAT_RATE_G_PER_MIN;
	l->last_eaten_g[lane] = 0.0;
	l->last_qsto_mg[lane] = p->x0[PATIENT_QSTO1_MG] + p->x0[PATIENT_QSTO2_MG];
	l->last_foodtaken_g[lane] = 0.0;
	l->meal_mg_per_min[lane] = l->insulin_pmol_per_kg_min[lane] = 0.0;
	l->two_aa[lane] = l->two_cc[lane] = l->b_dbar[lane] = l->d_dbar[lane] = 0.0;
	l->in_meal_g[lane] = l->in_insulin_u_per_min[lane] = 0.0;
	l->in_eat_rate_g_per_min[lane] = EAT_RATE_G_PER_MIN;
	l->eaten_g[lane] = 0.0;
	l->bg_mgdl[lane] = p->x0[PATIENT_GP_MG_PER_KG] / p->Vg;
	l->gsub_mgdl[lane] = p->x0[PATIENT_GS_MG_PER_KG] / p->Vg;
	const uint32_t bit = 1u << lane;
	l->active &= ~bit;
	l->setup &= ~bit;
	l->done &= ~bit;
	l->failed &= ~bit;
	l->has_f_end &= ~bit;
	l->has_last_inputs &= ~bit;
	l->has_dbar &= ~bit;
	l->is_eating &= ~bit;
	l->facold_reset |= bit;
	l->reject &= ~bit;
	l->last &= ~bit;
}

patient_batch *patient_batch_new(patient_batch_engine engine, unsigned lanes)
{
	engine = patient_batch_engine_resolve(engine);
	if (!patient_batch_engine_available(engine) ||
	    !patient_batch_lanes_supported(engine, lanes) || engine_names[engine] == NULL)
		return NULL;
	if (lanes == 0)
		lanes = default_lanes(engine);
	/* aligned_alloc wants a multiple of the alignment */
	const size_t size = (sizeof(patient_batch) + 63) / 64 * 64;
	patient_batch *b = aligned_alloc(64, size);
	if (!b)
		return NULL;
	memset(b, 0, size);
	b->engine = engine;
	b->lane_count = lanes;
	b->kernel = kernel_for(engine, lanes);
	b->lanes.pow_facold_initial = pow(DP_FACOLD_RESET, DP_BETA);
	/* next step h / fac >= 0.991 for h = 1 when fac = err^expo1 / facold^beta / safe is at
	 * most 1 / 0.991; a millionth below, for the rounding of pow */
	b->lanes.quick_err_max =
	    pow(DP_SAFE * b->lanes.pow_facold_initial / 0.991, 1.0 / DP_EXPO1) * (1.0 - 1e-6);
	/* Free lanes hold a real patient: the kernels compute on every lane of a vector,
	 * and ordinary numbers there keep them from slow paths (NaN, subnormals). */
	for (unsigned lane = 0; lane < BATCH_MAX_LANES; lane++)
		lane_reset(&b->lanes, lane, patient_params_at(0));
	return b;
}

void patient_batch_free(patient_batch *b)
{
	if (!b)
		return;
	for (unsigned lane = 0; lane < b->lane_count; lane++)
		patient_free(b->scalar[lane]);
	free(b);
}

patient_batch_engine patient_batch_engine_of(const patient_batch *b)
{
	return b->engine;
}

unsigned patient_batch_lane_count(const patient_batch *b)
{
	return b->lane_count;
}

patient_batch_result patient_batch_start(patient_batch *b, unsigned lane,
                                         const patient_params *params, void *job)
{
	if (lane >= b->lane_count || !params)
		return PATIENT_BATCH_BAD_LANE;
	const uint32_t bit = 1u << lane;
	if (b->has_job & bit)
		return PATIENT_BATCH_LANE_BUSY;
	if (!b->kernel) {
		b->scalar[lane] = patient_new(params);
		if (!b->scalar[lane])
			return PATIENT_BATCH_NO_MEMORY;
	}
	lane_reset(&b->lanes, lane, params);
	b->params[lane] = params;
	b->job[lane] = job;
	b->has_job |= bit;
	return PATIENT_BATCH_OK;
}

patient_batch_result patient_batch_end(patient_batch *b, unsigned lane)
{
	if (lane >= b->lane_count)
		return PATIENT_BATCH_BAD_LANE;
	const uint32_t bit = 1u << lane;
	if (!(b->has_job & bit))
		return PATIENT_BATCH_NO_JOB;
	b->has_job &= ~bit;
	b->lanes.active &= ~bit;
	b->lanes.setup &= ~bit;
	b->lanes.done &= ~bit;
	b->lanes.failed &= ~bit;
	patient_free(b->scalar[lane]);
	b->scalar[lane] = NULL;
	b->job[lane] = NULL;
	return PATIENT_BATCH_OK;
}

/* patient_step_eating's checks (NaN fails every comparison), so that the kernels never see
 * what it refuses. */
static inline bool inputs_valid(double meal_g, double eat_rate_g_per_min, double insulin_u_per_min)
{
	return meal_g >= 0.0 && meal_g <= DBL_MAX && insulin_u_per_min >= 0.0 &&
	       insulin_u_per_min <= DBL_MAX && eat_rate_g_per_min > 0.0 &&
	       eat_rate_g_per_min <= DBL_MAX;
}

/* The lane's inputs for its next minute; the caller marks it active and to set up. */
static inline void store_inputs(batch_lanes *l, unsigned lane, const patient_batch_inputs *in)
{
	l->in_meal_g[lane] = in->meal_announced_g;
	l->in_eat_rate_g_per_min[lane] = in->eat_rate_g_per_min;
	l->in_insulin_u_per_min[lane] = in->insulin_u_per_min;
}

patient_batch_result patient_batch_set_inputs(patient_batch *b, unsigned lane,
                                              double meal_announced_g, double eat_rate_g_per_min,
                                              double insulin_u_per_min)
{
	if (lane >= b->lane_count)
		return PATIENT_BATCH_BAD_LANE;
	const uint32_t bit = 1u << lane;
	if (!(b->has_job & bit))
		return PATIENT_BATCH_NO_JOB;
	if (b->lanes.failed & bit)
		return PATIENT_BATCH_LANE_FAILED;
	if (b->lanes.active & bit)
		return PATIENT_BATCH_LANE_BUSY;
	if (!inputs_valid(meal_announced_g, eat_rate_g_per_min, insulin_u_per_min))
		return PATIENT_BATCH_BAD_INPUT;
	const patient_batch_inputs in = {meal_announced_g, eat_rate_g_per_min, insulin_u_per_min};
	store_inputs(&b->lanes, lane, &in);
	b->lanes.active |= bit;
	b->lanes.setup |= bit;
	return PATIENT_BATCH_OK;
}

/* The scalar engine: every lane with inputs steps its patient one minute. */
static void advance_scalar(patient_batch *b)
{
	batch_lanes *l = &b->lanes;
	for (uint32_t m = l->active; m; m &= m - 1) {
		const unsigned lane = (unsigned)__builtin_ctz(m);
		const uint32_t bit = 1u << lane;
		patient *p = b->scalar[lane];
		patient_step_info info = {0};
		const patient_step_result r =
		    patient_step_eating(p, l->in_meal_g[lane], l->in_eat_rate_g_per_min[lane],
		                        l->in_insulin_u_per_min[lane], &info);
		l->x_min[lane] = patient_time_min(p);
		l->eaten_g[lane] = info.eaten_g;
		l->evals[lane] = info.rhs_evals;
		l->bg_mgdl[lane] = patient_bg_mgdl(p);
		l->gsub_mgdl[lane] = patient_gsub_mgdl(p);
		if (r == PATIENT_STEP_OK)
			l->done |= bit;
		else
			l->failed |= bit;
	}
	l->active = 0;
	l->setup = 0;
}

/* Integrate until a lane ends its minute or fails, or none is left integrating. */
static void integrate(patient_batch *b)
{
	batch_lanes *l = &b->lanes;
	if (!l->active)
		return;
	if (!b->kernel) {
		advance_scalar(b);
		return;
	}
	const uint32_t failed_before = l->failed;
	l->done = 0;
	do
		b->kernel(l);
	while (l->active && !l->done && l->failed == failed_before);
}

/* Where a lane that ended a minute (or failed) stands, and that minute's figures. */
static inline patient_batch_point lane_point(const batch_lanes *l, unsigned lane)
{
	return (patient_batch_point){
	    .t_min = (int64_t)l->x_min[lane],
	    .bg_mgdl = l->bg_mgdl[lane],
	    .gsub_mgdl = l->gsub_mgdl[lane],
	    .last = {.eaten_g = l->eaten_g[lane], .rhs_evals = (unsigned)l->evals[lane]},
	};
}

/* What the caller is told about a waiting lane. */
static inline patient_batch_ready lane_ready(const patient_batch *b, unsigned lane)
{
	const batch_lanes *l = &b->lanes;
	const bool failed = (l->failed & (1u << lane)) != 0;
	const patient_batch_point at = lane_point(l, lane);
	const bool at_start = l->x_min[lane] == 0.0 && !failed;
	return (patient_batch_ready){
	    .lane = lane,
	    .job = b->job[lane],
	    .t_min = at.t_min,
	    .bg_mgdl = at.bg_mgdl,
	    .gsub_mgdl = at.gsub_mgdl,
	    .status = failed ? PATIENT_STEP_SOLVER_FAILED : PATIENT_STEP_OK,
	    .last = at_start ? (patient_step_info){0} : at.last,
	};
}

size_t patient_batch_advance(patient_batch *b, patient_batch_ready *ready, size_t cap)
{
	integrate(b);
	size_t n = 0;
	for (uint32_t m = b->has_job & ~b->lanes.active; m && n < cap; m &= m - 1)
		ready[n++] = lane_ready(b, (unsigned)__builtin_ctz(m));
	return n;
}

patient_batch_result patient_batch_get_state(const patient_batch *b, unsigned lane,
                                             double out[PATIENT_STATE_COUNT])
{
	if (lane >= b->lane_count)
		return PATIENT_BATCH_BAD_LANE;
	if (!(b->has_job & (1u << lane)))
		return PATIENT_BATCH_NO_JOB;
	if (b->scalar[lane]) {
		patient_get_state(b->scalar[lane], out);
		return PATIENT_BATCH_OK;
	}
	for (int i = 0; i < PATIENT_STATE_COUNT; i++)
		out[i] = b->lanes.y[i][lane];
	return PATIENT_BATCH_OK;
}

/* Give a free lane the next job; false when there is none (or no memory: *result). */
static bool take_job(patient_batch *b, unsigned lane, const patient_batch_source *src,
                     patient_batch_result *result)
{
	const patient_params *params = NULL;
	void *job = NULL;
	if (!src->next_job(src->user_data, &params, &job))
		return false;
	*result = patient_batch_start(b, lane, params, job);
	return *result == PATIENT_BATCH_OK;
}

/* Whether every planned minute is one patient_step_eating would take. */
static bool plan_valid(const patient_batch_inputs *in, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!inputs_valid(in[i].meal_announced_g, in[i].eat_rate_g_per_min,
		                  in[i].insulin_u_per_min))
			return false;
	return true;
}

/*
 * The same loop as a caller of patient_batch_advance would write, without the list: the
 * waiting lanes straight from the bit mask (the engine's overhead a lane-minute is what a
 * vector lane-minute costs, so it is kept to a few dozen instructions). A lane that ends a
 * minute with planned minutes left notes where it is and begins the next at once; the
 * kernel sees the same set-up as for inputs just given, so the bits are the same.
 */
patient_batch_result patient_batch_run(patient_batch *b, const patient_batch_source *source)
{
	if (b->has_job)
		return PATIENT_BATCH_LANE_BUSY;
	patient_batch_result result = PATIENT_BATCH_OK;
	bool jobs_left = true;
	for (unsigned lane = 0; lane < b->lane_count; lane++)
		b->plan_next[lane] = b->plan_count[lane] = 0;
	for (unsigned lane = 0; lane < b->lane_count && jobs_left; lane++)
		jobs_left = take_job(b, lane, source, &result);
	batch_lanes *l = &b->lanes;
	while (result == PATIENT_BATCH_OK && b->has_job) {
		integrate(b);
		uint32_t answered = 0; /* lanes given their next minute, flagged after the loop */
		for (uint32_t m = b->has_job & ~l->active; m; m &= m - 1) {
			const unsigned lane = (unsigned)__builtin_ctz(m);
			if (b->plan_next[lane] < b->plan_count[lane] &&
			    !(l->failed & (1u << lane))) {
				/* a minute's end inside a plan (never t = 0: a plan begins there)
				 */
				const unsigned next = b->plan_next[lane]++;
				b->passed[lane][next - 1] = lane_point(l, lane);
				store_inputs(l, lane, &b->plan[lane][next]);
				answered |= 1u << lane;
				continue;
			}
			patient_batch_ready r = lane_ready(b, lane);
			r.passed = b->passed[lane];
			r.passed_count = b->plan_next[lane] ? b->plan_next[lane] - 1 : 0;
			b->plan_next[lane] = b->plan_count[lane] = 0;
			patient_batch_inputs *in = b->plan[lane];
			in[0] = (patient_batch_inputs){0.0, EAT_RATE_G_PER_MIN, 0.0};
			unsigned count = 1;
			bool more = source->minute(source->user_data, &r, in, &count);
			if (more && r.status == PATIENT_STEP_OK) {
				if (count >= 1 && count <= PATIENT_BATCH_MAX_PLAN &&
				    plan_valid(in, count)) {
					store_inputs(l, lane, &in[0]);
					b->plan_next[lane] = 1;
					b->plan_count[lane] = count;
					answered |= 1u << lane;
					continue;
				}
				r.status = PATIENT_STEP_BAD_INPUT;
				r.passed_count = 0;
				count = 1;
				source->minute(source->user_data, &r, in, &count);
			}
			patient_batch_end(b, lane);
			if (jobs_left && result == PATIENT_BATCH_OK)
				jobs_left = take_job(b, lane, source, &result);
		}
		l->active |= answered;
		l->setup |= answered;
	}
	for (unsigned lane = 0; lane < b->lane_count; lane++)
		if (b->has_job & (1u << lane))
			patient_batch_end(b, lane);
	return result;
}
