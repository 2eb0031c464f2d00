/*
 * controller_internal — what controller.c shares with the algorithm files
 * (controller_basal_bolus.c, controller_pid_ifb.c, controller_oref0.c): the controller's
 * state, the glucose status read from the CGM history, and each algorithm's three hooks.
 * Not a public header: nothing outside pump_model includes it.
 */
#ifndef FAKEPUMP_CONTROLLER_INTERNAL_H
#define FAKEPUMP_CONTROLLER_INTERNAL_H

#include "controller.h"

/* The CGM history as oref0's glucose status describes it (OpenAPS docs, determine-basal). */
typedef struct controller_glucose {
	bool any;                   /* at least one reading */
	bool fresh;                 /* the newest is at most cgm_stale_min old */
	double bg_mgdl;             /* newest reading */
	int64_t age_min;            /* now − its time */
	double delta_mgdl_per_5min; /* vs the readings 2.5 … 7.5 min before it */
	double short_avgdelta;      /* vs 2.5 … 17.5 min before, per 5 min */
	double long_avgdelta;       /* vs 17.5 … 42.5 min before, per 5 min */
	double slope_mgdl_per_min;  /* least squares over the PID's window */
} controller_glucose;

enum { OREF0_DEVIATION_HISTORY = 16, OREF0_AUTOSENS_HISTORY = 288 /* 24 h of 5-min steps */ };

typedef struct pid_state {
	bool started;
	double integral_u_per_h;         /* the I term */
	double pk1_u_per_h, pk2_u_per_h; /* insulin feedback: the PK model's compartments */
} pid_state;

typedef struct oref0_state {
	double cob_g;           /* carbs on board */
	double carbs_in_play_g; /* announced and not yet all absorbed */
	int64_t last_smb_min;
	bool has_smb;
	/* recent deviations (mg/dL per 5 min) for the UAM slope */
	double deviation[OREF0_DEVIATION_HISTORY];
	int64_t deviation_t_min[OREF0_DEVIATION_HISTORY];
	size_t deviation_count, deviation_head;
	/* autosens: deviations outside meals, the last 24 h */
	float autosens_deviation[OREF0_AUTOSENS_HISTORY];
	int64_t autosens_t_min[OREF0_AUTOSENS_HISTORY];
	size_t autosens_count, autosens_head;
	double autosens_ratio;
	int64_t autosens_t_computed_min;
	bool autosens_valid;
} oref0_state;

struct controller {
	controller_settings s;
	bool stepped;
	int64_t last_step_min;
	/* fraction of a dose remaining at k forecast steps, for the zero-temp forecast */
	double remaining_at_step[CONTROLLER_FORECAST_MAX + 1];
	int remaining_step_min;
	pid_state pid;
	oref0_state oref0;
};

/* Every algorithm: the meal bolus for in->carbs_g (glucose NaN = unknown: no correction),
 * what it keeps up to date every step (dt_min since the previous one), and its decision
 * when it may dose (fresh CGM, pump delivering, no person's temp). */
typedef struct controller_algorithm_ops {
	double (*meal_bolus_u)(const controller *c, const controller_input *in, double bg_mgdl);
	void (*observe)(controller *c, const controller_input *in, const controller_glucose *g,
	                double dt_min);
	void (*decide)(controller *c, const controller_input *in, const controller_glucose *g,
	               double dt_min, controller_decision *out);
} controller_algorithm_ops;

extern const controller_algorithm_ops controller_basal_bolus_ops;
extern const controller_algorithm_ops controller_pid_ifb_ops;
extern const controller_algorithm_ops controller_oref0_ops;

/* Fraction of a dose remaining k forecast steps after it (k ≤ CONTROLLER_FORECAST_MAX). */
double controller_remaining_at_step(const controller *c, size_t k, int step_min);

#endif
