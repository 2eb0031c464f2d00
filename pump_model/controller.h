/*
 * controller — automated insulin dosing: given the CGM history, the insulin on board, the
 * carbs announced and the person's therapy settings, what the pump should do for the next
 * interval — a temporary basal (rate, duration) and/or a bolus — and why.
 *
 * Three algorithms behind one interface, one file each (docs/controllers.md):
 *   basal-bolus  the programmed basal and a calculator bolus for every announced meal, as
 *                simglucose's BBController does (the open reference; the baseline);
 *   pid-ifb      PID with insulin feedback (Steil et al.), the basal as offset, anti-windup;
 *   oref0        OpenAPS's reference design: predictions from IOB, carbs on board and
 *                deviations; temp basals within max-basal / max-IOB; optional micro-boluses.
 *
 * Rules every algorithm obeys (controller.c applies them around the algorithm):
 *   - CGM missing or stale (no reading in the last `cgm_stale_min`): the programmed basal
 *     (cancel the controller's temp), no automatic bolus, status CONTROLLER_CGM_STALE or
 *     CONTROLLER_CGM_MISSING — never a guess. An announced meal still gets its carb bolus
 *     (what the pump's calculator gives without a glucose: no correction).
 *   - The pump not delivering (paused by its protection or the person, stopped): nothing is
 *     asked at all (CONTROLLER_NOT_DELIVERING). The controller has no way to resume.
 *   - Never more than max_basal as a rate, never automatic insulin that takes net IOB above
 *     max_iob; the pump then checks its own hard limits again (source controller).
 *
 * Pure and deterministic: no I/O, no globals; allocates only in controller_new; a step
 * reads its input and the controller's own state (integral, carbs on board) and nothing
 * else. Units are in the names: mg/dL, U, U/h, g, minutes.
 */
#ifndef FAKEPUMP_CONTROLLER_H
#define FAKEPUMP_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum controller_algorithm {
	CONTROLLER_BASAL_BOLUS = 0,
	CONTROLLER_PID_IFB,
	CONTROLLER_OREF0,
	CONTROLLER_ALGORITHM_COUNT,
} controller_algorithm;

/* "basal-bolus", "pid-ifb", "oref0" (scenario and CLI names). */
const char *controller_algorithm_name(controller_algorithm a);
bool controller_algorithm_from_name(const char *name, controller_algorithm *out);

/* ---------------------------------------------------------------------------------- */
/* Settings                                                                            */
/* ---------------------------------------------------------------------------------- */

/* What a clinic knows of the person: the only inputs to controller_settings_for_therapy. */
typedef struct controller_therapy {
	double carb_ratio_g_per_u;
	double correction_factor_mgdl_per_u;
	double total_daily_insulin_u;
	double basal_u_per_h;
	double weight_kg;
	double age_years;
} controller_therapy;

typedef struct controller_basal_bolus_tuning {
	double correct_above_mgdl; /* correction only above this glucose (150) */
	double correct_to_mgdl;    /* … down to this one (140) */
} controller_basal_bolus_tuning;

typedef struct controller_pid_tuning {
	double kp_u_per_h_per_mgdl;        /* proportional gain */
	double ti_min;                     /* integral time */
	double td_min;                     /* derivative time */
	double ifb_gamma;                  /* insulin feedback fraction (0 = plain PID) */
	double ifb_tau1_min, ifb_tau2_min; /* PK model of plasma insulin (two compartments) */
	int slope_window_min;              /* least-squares slope of the CGM over this window */
	double meal_bolus_fraction;        /* of carbs / CR given on announcement (0 … 1) */
	double integral_low_u_per_h;       /* anti-windup: the integral term stays within */
	double integral_high_u_per_h;      /*   [−low, +high] of the basal */
} controller_pid_tuning;

typedef struct controller_oref0_tuning {
	double max_daily_safety_multiplier;     /* max safe basal ≤ this × the basal (3) */
	double current_basal_safety_multiplier; /* … and ≤ this × the current basal (4) */
	double min_5m_carbimpact_mgdl;          /* assumed carb absorption when none is seen (8) */
	int remaining_carbs_time_min;           /* carbs not yet seen absorb over this (180) */
	double max_cob_g;                       /* carbs on board are capped here (120) */
	bool smb;                               /* super micro-boluses while carbs are on board */
	bool uam;                               /* unannounced-meal prediction (oref1) */
	bool smb_uam;                           /* … and micro-boluses on a UAM rise too */
	double max_smb_basal_min;          /* a micro-bolus ≤ this many minutes of basal (30) */
	double max_uam_smb_basal_min;      /* … without carbs on board, after a UAM rise (30) */
	double smb_fraction;               /* of the insulin required given as a micro-bolus */
	int smb_interval_min;              /* between micro-boluses (3) */
	double low_temp_factor;            /* below target: rate = basal + factor·req (2) */
	bool autosens;                     /* sensitivity from deviations outside meals */
	double autosens_min, autosens_max; /* the ratio's bounds (0.7, 1.2) */
	double meal_bolus_fraction;        /* of carbs / CR in the meal bolus (1) */
	double meal_iob_fraction;          /* of the net IOB the meal bolus subtracts (1) */
} controller_oref0_tuning;

typedef struct controller_settings {
	controller_algorithm algorithm;
	/* the person's settings */
	double target_mgdl;
	double carb_ratio_g_per_u;
	double correction_factor_mgdl_per_u; /* ISF */
	double total_daily_insulin_u;
	/* the controller's own limits, below the pump's hard limits */
	double max_basal_u_per_h; /* the highest temp basal it asks */
	double max_iob_u;         /* no automatic insulin beyond this net IOB */
	double low_suspend_mgdl;  /* zero temp when the glucose (or its forecast) is below */
	/* timing and resolution */
	int insulin_action_min; /* the controller's own action curve (net IOB, forecasts) */
	int insulin_peak_min;
	int interval_min;          /* one decision every … (5) */
	int temp_duration_min;     /* temp basals last this long, renewed each step (30) */
	int cgm_stale_min;         /* no reading for this long: fallback (15) */
	double basal_step_u_per_h; /* rates are rounded to this (0.05) */
	double pulse_u;            /* boluses are rounded down to this (0.05) */
	controller_basal_bolus_tuning basal_bolus;
	controller_pid_tuning pid;
	controller_oref0_tuning oref0;
} controller_settings;

/*
 * Settings for `algorithm` from what a clinic knows of the person (docs/controllers.md says
 * each rule and why): basal-bolus takes the person's CR and CF as they are (the reference);
 * the closed-loop algorithms use ISF = 1800 / TDI, the person's CR (under 13 years of age
 * the less aggressive of it and 500 / TDI), a target of 100 mg/dL (110 under 13), and every
 * tuning parameter at its documented default.
 */
void controller_settings_for_therapy(controller_algorithm algorithm,
                                     const controller_therapy *therapy, controller_settings *out);
/* Why settings are unusable, or NULL when they are fine. */
const char *controller_settings_check(const controller_settings *s);

/* ---------------------------------------------------------------------------------- */
/* One step                                                                            */
/* ---------------------------------------------------------------------------------- */

typedef struct controller_reading {
	int64_t t_min;
	double mgdl;
} controller_reading;

enum { CONTROLLER_FORECAST_MAX = 48 }; /* 4 h of 5-minute steps */

/* Insulin as the pump delivered it (insulin_ledger.h computes it). */
typedef struct controller_insulin {
	double net_iob_u;          /* boluses + basal deviations from the programme */
	double activity_u_per_min; /* net insulin acting now */
	/* activity of the insulin given so far at now + k·forecast_step_min (the programme from
	 * now on); count 0 = none (oref0 then extrapolates the current activity's decay). */
	const double *forecast_activity_u_per_min;
	size_t forecast_count;
	int forecast_step_min;
	double delivered_u; /* delivered since the previous step (insulin feedback) */
} controller_insulin;

/* The pump as it stands, before the step. */
typedef struct controller_pump {
	bool delivering;          /* therapy Run: false when paused or stopped */
	bool temp_active;         /* a temp basal is running … */
	bool temp_is_controllers; /* … the controller set it … */
	bool temp_is_persons;     /* … or the person at the pump did (left alone) */
	double temp_u_per_h;      /* its absolute rate */
	int temp_remaining_min;
	bool bolus_active; /* a bolus is being delivered */
} controller_pump;

typedef struct controller_input {
	int64_t now_min;
	const controller_reading *cgm; /* oldest first, strictly increasing times, ≤ now */
	size_t cgm_count;
	controller_insulin insulin;
	double scheduled_basal_u_per_h; /* the programme now */
	double carbs_g;                 /* announced since the previous step */
	controller_pump pump;
} controller_input;

typedef enum controller_action {
	CONTROLLER_KEEP = 0,    /* leave the basal as it is */
	CONTROLLER_SET_TEMP,    /* temp basal of rate_u_per_h for duration_min */
	CONTROLLER_CANCEL_TEMP, /* end the controller's temp: the programmed basal */
} controller_action;

/* Why the controller did what it did. */
typedef enum controller_status {
	CONTROLLER_DOSING = 0,     /* the algorithm decided */
	CONTROLLER_CGM_MISSING,    /* no reading yet: programmed basal */
	CONTROLLER_CGM_STALE,      /* newest reading too old: programmed basal */
	CONTROLLER_NOT_DELIVERING, /* paused or stopped: nothing asked */
	CONTROLLER_PERSON_TEMP,    /* a temp basal set by the person runs: left alone */
	CONTROLLER_LOW_SUSPEND,    /* glucose (or its forecast) below low_suspend: zero temp */
	CONTROLLER_STATUS_COUNT,
} controller_status;

const char *controller_status_name(controller_status s);

/* Which of the controller's own limits cut what the algorithm asked (bits). */
enum {
	CONTROLLER_LIMIT_MAX_BASAL = 1u << 0,
	CONTROLLER_LIMIT_MAX_IOB = 1u << 1,
	CONTROLLER_LIMIT_BOLUS_ACTIVE = 1u << 2, /* a bolus was asked while one runs */
};

typedef struct controller_decision {
	controller_status status;
	controller_action action;
	double rate_u_per_h; /* SET_TEMP */
	int duration_min;    /* SET_TEMP */
	double bolus_u;      /* 0 = none; rounded down to the pulse */
	bool bolus_is_meal;  /* a meal bolus (else a correction / micro-bolus) */
	/* the reasons, for the event stream and the database (NaN when not known) */
	double bg_mgdl; /* newest reading */
	double delta_mgdl_per_5min;
	double predicted_mgdl;         /* eventual glucose (oref0), 30-min forecast (pid-ifb) */
	double min_predicted_mgdl;     /* lowest forecast (oref0) */
	double iob_u;                  /* net IOB the step saw */
	double cob_g;                  /* carbs on board after the step */
	double insulin_req_u;          /* oref0's insulinReq; PID: the command before limits */
	double sensitivity_ratio;      /* oref0's autosens ratio (1 = as the profile says) */
	double requested_rate_u_per_h; /* what the algorithm asked before the controller limits */
	double requested_bolus_u;
	unsigned limits; /* CONTROLLER_LIMIT_* bits */
	const char *why; /* a short static sentence */
} controller_decision;

typedef struct controller controller;

/* NULL when the settings are unusable (controller_settings_check) or memory is short. */
controller *controller_new(const controller_settings *s);
void controller_free(controller *c);
const controller_settings *controller_get_settings(const controller *c);

/*
 * Decide for the step at in->now_min (call at most once a minute, times increasing).
 * Always fills *out. Never allocates, never reads a clock.
 */
void controller_step(controller *c, const controller_input *in, controller_decision *out);

#endif
