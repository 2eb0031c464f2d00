/*
 * batch_lanes — the batch engine's lanes as structure of arrays, and the vector kernels
 * that advance them (batch_kernel.c, compiled once per instruction set and width).
 *
 * Private to patient_model: patient_batch.c owns the lanes and talks to the caller; the
 * kernels only integrate. Every per-lane quantity is one row of BATCH_MAX_LANES doubles
 * (64-byte aligned), so lane l of a kernel of W lanes a vector sits in vector l / W.
 * Flags are bit masks, bit l = lane l.
 */
#ifndef FAKEPUMP_BATCH_LANES_H
#define FAKEPUMP_BATCH_LANES_H

#include <stdbool.h>
#include <stdint.h>

#include "patient_model.h"

enum { BATCH_MAX_LANES = 16 };

/* The per-patient constants, one row each (patient_rhs.h folds them). */
typedef enum batch_constant {
	BC_KMAX = 0,
	BC_KMIN,
	BC_KABS,
	BC_RA_PER_QGUT,
	BC_KP1,
	BC_KP2,
	BC_KP3,
	BC_FSNC,
	BC_KE1,
	BC_KE2,
	BC_K1,
	BC_K2,
	BC_VM0,
	BC_VMX,
	BC_KM0,
	BC_P2U,
	BC_IB,
	BC_INV_VI,
	BC_KI,
	BC_M1,
	BC_M2,
	BC_M2_PLUS_M4,
	BC_M1_PLUS_M30,
	BC_KA1,
	BC_KA2,
	BC_KD,
	BC_KA1_PLUS_KD,
	BC_KSC,
	BC_KGUT_HALF_SPAN,
	BC_AA_TIMES_DBAR,
	BC_CC_TIMES_DBAR,
	BC_B,
	BC_D,
	BC_BW_KG,
	BC_VG_DL_PER_KG,
	BC_COUNT,
} batch_constant;

typedef struct batch_lanes {
	_Alignas(64) double c[BC_COUNT][BATCH_MAX_LANES];

	/* DOPRI5 (ode_dopri5.h, per lane): the accepted point, f there (first same as last) */
	_Alignas(64) double y[PATIENT_STATE_COUNT][BATCH_MAX_LANES];
	_Alignas(64) double k1[PATIENT_STATE_COUNT][BATCH_MAX_LANES];
	_Alignas(64) double x_min[BATCH_MAX_LANES];    /* time of y */
	_Alignas(64) double xend_min[BATCH_MAX_LANES]; /* end of the current minute */
	_Alignas(64) double hmax_min[BATCH_MAX_LANES]; /* the call's length, as scipy's */
	_Alignas(64) double h_min[BATCH_MAX_LANES];    /* next step; 0 = estimate it */
	_Alignas(64) double facold[BATCH_MAX_LANES];   /* Lund stabilisation memory */
	_Alignas(64) double steps[BATCH_MAX_LANES];    /* attempts this minute */
	_Alignas(64) double evals[BATCH_MAX_LANES];    /* RHS evaluations this minute */

	/* the meal state machine (docs/patient-model.md "Inputs") */
	_Alignas(64) double planned_meal_g[BATCH_MAX_LANES];
	_Alignas(64) double eat_rate_g_per_min[BATCH_MAX_LANES];
	_Alignas(64) double last_eaten_g[BATCH_MAX_LANES];
	_Alignas(64) double last_qsto_mg[BATCH_MAX_LANES];
	_Alignas(64) double last_foodtaken_g[BATCH_MAX_LANES];

	/* the inputs held over the current minute (and compared with the next minute's) */
	_Alignas(64) double meal_mg_per_min[BATCH_MAX_LANES];
	_Alignas(64) double insulin_pmol_per_kg_min[BATCH_MAX_LANES];
	/* twice the reference's aa and cc (exact), so that the kernel gets 2u and 2v */
	_Alignas(64) double two_aa[BATCH_MAX_LANES], two_cc[BATCH_MAX_LANES];
	_Alignas(64) double b_dbar[BATCH_MAX_LANES], d_dbar[BATCH_MAX_LANES];

	/* what the caller gave for the next minute (patient_batch_set_inputs) */
	_Alignas(64) double in_meal_g[BATCH_MAX_LANES];
	_Alignas(64) double in_eat_rate_g_per_min[BATCH_MAX_LANES];
	_Alignas(64) double in_insulin_u_per_min[BATCH_MAX_LANES];

	/* the last minute's outputs, written for lanes that end a minute */
	_Alignas(64) double eaten_g[BATCH_MAX_LANES];
	_Alignas(64) double bg_mgdl[BATCH_MAX_LANES];
	_Alignas(64) double gsub_mgdl[BATCH_MAX_LANES];

	/* lane flags */
	uint32_t active;          /* integrating its current minute */
	uint32_t setup;           /* has new inputs: begin its minute on the next attempt */
	uint32_t done;            /* ended its minute (set by the kernel, cleared by the caller) */
	uint32_t failed;          /* the integrator gave up (set by the kernel) */
	uint32_t has_f_end;       /* k1 is f(y) of the last minute's end */
	uint32_t has_last_inputs; /* the held inputs are valid for comparison */
	uint32_t has_dbar;        /* held inputs: Dbar > 0 */
	uint32_t is_eating;
	uint32_t facold_reset;
	uint32_t reject;
	uint32_t last;

	double pow_facold_initial; /* pow(1e-4, 0.04) from libm, as the scalar engine's */
	/*
	 * The largest error of a whole-minute first step after which the next step is
	 * surely over 0.991 minute (batch_kernel.c, step control).
	 */
	double quick_err_max;
} batch_lanes;

/*
 * One DOPRI5 attempt for every active lane (the minute's set-up first for lanes flagged
 * `setup`): each lane its own step size, accept/reject and end of minute. Lanes that end
 * their minute get their `done` bit and lose `active`; lanes whose integrator fails get
 * `failed` and lose `active`. Lanes 0 … kernel width - 1 only.
 */
typedef void (*batch_kernel_fn)(batch_lanes *b);

/* The kernels: instruction set × vectors a group (x1 = one vector, x2 = two interleaved). */
void batch_kernel_avx512_x1(batch_lanes *b); /* 8 lanes */
void batch_kernel_avx512_x2(batch_lanes *b); /* 16 lanes */
void batch_kernel_avx2_x1(batch_lanes *b);   /* 4 lanes */
void batch_kernel_avx2_x2(batch_lanes *b);   /* 8 lanes */

/*
 * The kernels' exp over n doubles <= 0 or NaN (n a multiple of the vector width), and
 * whether it gives the scalar engine's bits (patient_exp_pair) on a sample of 4,096 values:
 * a kernel runs only where it does (patient_batch.c).
 */
void batch_math_avx512_exp(const double *in, double *out, unsigned n);
void batch_math_avx2_exp(const double *in, double *out, unsigned n);
bool batch_math_avx512_exp_matches_scalar(void);
bool batch_math_avx2_exp_matches_scalar(void);

#endif
