/*
 * scenario — loads a YAML scenario file (libyaml) into a plain, validated value.
 *
 * Every error names the place as `file:line:column: what was expected, what was found`
 * (1-based line and column, pointing at the offending node). Nothing partial is ever
 * returned: on error the scenario is left empty.
 *
 * The format is documented in docs/scenarios.md; its section "For developers" says which
 * file of sim/scenario/ reads which key (one concept a file: the YAML walker, times, the
 * top-level keys, pump, events, phone and attack events, expectations, includes, loading).
 */
#ifndef FAKEPUMP_SCENARIO_H
#define FAKEPUMP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller.h"
#include "fault_spec.h"
#include "patient_model.h"
#include "pump_model.h"

enum { SCENARIO_MAX_BASAL_SEGMENTS = 24 };

/* Security level of the phone's link (a phone: event's `link:`). */
typedef enum scenario_link {
	SCENARIO_LINK_AUTHENTICATED = 0, /* LE Secure Connections with MITM (default) */
	SCENARIO_LINK_ENCRYPTED,         /* encrypted, unauthenticated key (Just Works) */
	SCENARIO_LINK_UNENCRYPTED,
} scenario_link;

/* ---- expectations (`expect:`) ------------------------------------------------------- */

typedef enum scenario_expect_kind {
	SCENARIO_EXPECT_BG,                /* {bg: {min_above, max_below, mean_between}} */
	SCENARIO_EXPECT_TIME_IN_RANGE,     /* {time_in_range: {low, high, at_least, at_most}} */
	SCENARIO_EXPECT_ANNUNCIATION,      /* {annunciation: NAME, within, after} or never */
	SCENARIO_EXPECT_COMMAND,           /* {command: NAME, result, code, source, count} */
	SCENARIO_EXPECT_INSULIN_DELIVERED, /* {insulin_delivered: {between | at_least | at_most}} */
	SCENARIO_EXPECT_CARBS,             /* {carbs_eaten: {between …}} */
	SCENARIO_EXPECT_THERAPY_STATE,     /* {therapy_state: run|pause|stop, at: "HH:MM"} */
	SCENARIO_EXPECT_REFUSED,           /* {refused: any|REASON, count}: BLE refusals audited */
	SCENARIO_EXPECT_ATTACK,            /* {attack: KIND|any, answer, count}: attacks played */
	SCENARIO_EXPECT_HISTORY,           /* {history: EVENT, count}: IDS history records a
	                                      phone's read: history received */
	SCENARIO_EXPECT_KIND_COUNT,
} scenario_expect_kind;

typedef enum scenario_command_outcome {
	SCENARIO_OUTCOME_ANY = 0,
	SCENARIO_OUTCOME_ACCEPTED,
	SCENARIO_OUTCOME_REJECTED,
} scenario_command_outcome;

/* A closed interval with optional ends: has_lo/has_hi say which bounds apply. */
typedef struct scenario_bounds {
	bool has_lo, has_hi;
	double lo, hi;
	bool lo_open, hi_open; /* min_above (>) vs at_least (>=) */
} scenario_bounds;

typedef struct scenario_expectation {
	scenario_expect_kind kind;
	const char *file; /* where it was written */
	int line, column;
	char text[200]; /* the expectation as written, one line, for reports */
	/* window: the whole run unless given (minutes from t = 0, [from, to)) */
	bool has_window;
	int64_t window_from_min, window_to_min;
	/* BG (plasma glucose, mg/dL): each bound applies to every sample in the window */
	scenario_bounds bg; /* min_above → lo (open), max_below → hi (open) */
	scenario_bounds bg_mean;
	/* time in range */
	double tir_low_mgdl, tir_high_mgdl;
	scenario_bounds tir_pct; /* at_least / at_most, in % */
	/* annunciation */
	pump_annunciation_type annunciation;
	bool never; /* must not be raised (in the window) */
	bool has_after;
	int64_t after_min; /* raised at or after this run minute */
	int within_min;    /* … and within this many minutes of it (0 = any time) */
	/* command */
	pump_command command;
	bool any_command; /* `command: any` */
	scenario_command_outcome outcome;
	char code[48];         /* a pump result name or an IDS response code name; "" = any */
	int source;            /* -1 any, else pump_source */
	scenario_bounds count; /* how many matching commands (default: at least 1) */
	/* insulin delivered / carbs eaten, in U / g */
	scenario_bounds amount;
	/* therapy state at a moment */
	pump_therapy_state therapy;
	int64_t at_min;
	/* attack: its kind (-1 any); `code` holds the answer's name ("" any) */
	int attack;
	/* history: the IDS history event type */
	uint16_t history_event;
} scenario_expectation;

typedef enum scenario_event_kind {
	SCENARIO_EVENT_MEAL,             /* amount: grams announced */
	SCENARIO_EVENT_BOLUS,            /* amount: U (the immediate part for multiwave,
	                                    the whole for extended); bolus_type, extended_u,
	                                    duration_min */
	SCENARIO_EVENT_CALCULATED_BOLUS, /* amount: grams of carbs for the bolus calculator */
	SCENARIO_EVENT_TEMP_BASAL,       /* amount: U/h, or % when relative; duration_min */
	SCENARIO_EVENT_CANCEL_BOLUS,
	SCENARIO_EVENT_CANCEL_TEMP_BASAL,
	SCENARIO_EVENT_SUSPEND,
	SCENARIO_EVENT_RESUME,
	SCENARIO_EVENT_STOP,
	SCENARIO_EVENT_PRIME,  /* amount: U */
	SCENARIO_EVENT_FILL,   /* amount: U (new reservoir; pump must be stopped) */
	SCENARIO_EVENT_REFILL, /* amount: U (stop, new reservoir, resume) */
	SCENARIO_EVENT_CHANGE_BATTERY,
	SCENARIO_EVENT_FAULT,   /* fault; amount: drain %/h for battery_drain */
	SCENARIO_EVENT_CONFIRM, /* annunciation (or confirm_all) */
	/* sensor faults, each lasting duration_min */
	SCENARIO_EVENT_SENSOR_DROPOUT,     /* no readings */
	SCENARIO_EVENT_SENSOR_DRIFT,       /* amount: mg/dL per hour, growing from 0 */
	SCENARIO_EVENT_SENSOR_NOISE,       /* amount: extra noise SD, mg/dL (a noise burst) */
	SCENARIO_EVENT_SENSOR_COMPRESSION, /* amount: mg/dL the reading falls (compression low) */
	/* phone-only procedures (the phone's pump commands are the pump kinds with
	 * from_phone set); the BLE issue routes them through the protocol layer */
	SCENARIO_EVENT_PHONE_READ,      /* phone_target: status, history, annunciations, … */
	SCENARIO_EVENT_PHONE_SUBSCRIBE, /* phone_target: cgm, status, … */
	SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL, /* duration_min */
	SCENARIO_EVENT_SET_MAX_BOLUS,          /* amount: U, the pump's new bolus limit
	                                          (a phone's `set_max_bolus`, or the person's) */
	SCENARIO_EVENT_ATTACK,         /* a hostile phone: attack, with the link of the event */
	SCENARIO_EVENT_PAIRING_WINDOW, /* the pump's "pair" key: pairing allowed for
	                                  duration_min of wall-clock time (on the air) */
	SCENARIO_EVENT_ANNOUNCE,       /* amount: grams of carbs announced to the pump's
	                                  controller, not eaten (a meal: with `announce` set) */
	SCENARIO_EVENT_CONTROLLER,     /* the pump's controller switched on (controller_on) or
	                                  off by the person at the pump */
	SCENARIO_EVENT_KIND_COUNT,
} scenario_event_kind;

/* What a hostile phone does (docs/scenarios.md "Attacks"). */
typedef enum scenario_attack {
	SCENARIO_ATTACK_REPLAY = 0,         /* a captured write again (attack_of_min: at/before) */
	SCENARIO_ATTACK_TAMPER,             /* a captured write with one byte flipped */
	SCENARIO_ATTACK_RAW,                /* raw bytes to a characteristic */
	SCENARIO_ATTACK_STALE_COUNTER,      /* a valid command with an old E2E counter */
	SCENARIO_ATTACK_WRONG_COUNTER,      /* a valid command with a counter ahead */
	SCENARIO_ATTACK_OUT_OF_RANGE,       /* Set Bolus of attack_dose_u, whatever the limits */
	SCENARIO_ATTACK_SPECIAL_VALUE,      /* Set Bolus with an SFLOAT special (attack_value) */
	SCENARIO_ATTACK_FLOOD,              /* attack_count writes within the minute */
	SCENARIO_ATTACK_SUBSCRIPTION_STORM, /* attack_count CCCD toggles within the minute */
	SCENARIO_ATTACK_COUNT,
} scenario_attack;

const char *scenario_attack_name(scenario_attack a);

typedef enum scenario_security {
	SCENARIO_SECURITY_HARDENED = 0,
	SCENARIO_SECURITY_LEGACY_VULNERABLE, /* for side-by-side demos only */
} scenario_security;

/* "meal", "bolus", … : the event's key in the file. */
const char *scenario_event_kind_name(scenario_event_kind k);

typedef struct scenario_event {
	int64_t at_min; /* minutes from t = 0 */
	scenario_event_kind kind;
	double amount; /* see the kind */
	pump_bolus_type bolus_type;
	double extended_u; /* multiwave: the extended part */
	int duration_min;  /* extended / multiwave bolus, temp basal */
	bool relative;     /* temp basal in % */
	pump_fault fault;
	fault_spec fault_spec; /* FAULT: the fault as written (a pump's or the phone's) */
	pump_annunciation_type annunciation;
	bool confirm_all;
	double eat_rate_g_per_min; /* meal: its own eating rate (default 5) */
	bool announce;             /* meal: announced to the pump's controller as it is eaten */
	bool controller_on;        /* CONTROLLER: on (true) or off */
	bool from_phone;           /* a phone: event (source PUMP_SOURCE_PHONE) */
	scenario_link link;        /* phone events: the link's security level */
	char phone_target[24];     /* PHONE_READ / PHONE_SUBSCRIBE: what */
	scenario_attack attack;    /* ATTACK */
	bool has_attack_of;
	int64_t attack_of_min;          /* replay / tamper: the captured write at or before this */
	int attack_byte;                /* tamper: byte index (0-based; -1 = the operand's first) */
	int attack_count;               /* flood / storm: how many */
	double attack_dose_u;           /* out_of_range */
	char attack_value[12];          /* special_value: nan, nres, +inf, -inf, reserved */
	char attack_characteristic[40]; /* raw: the characteristic's name (a gatt_keys key);
	                                   flood with attack_read: the one it reads */
	bool attack_read;               /* flood: reads of attack_characteristic, not writes */
	uint8_t tbr_context;            /* phone temp_basal: an IDS Basal Delivery Context code, 0
	                                   when not given (`context: ap_controller`) */
	char attack_hex[200];           /* raw: the bytes, hex */
	const char *file; /* the file it was written in (an include: or the scenario) */
	int line, column; /* where it was written (1-based) */
} scenario_event;

typedef struct scenario_basal_segment {
	int start_min_of_day; /* clock minute (0 … 1439) at which the rate starts */
	double rate_u_per_h;
} scenario_basal_segment;

typedef enum scenario_basal_kind {
	SCENARIO_BASAL_STEADY_STATE, /* the patient's own steady-state basal */
	SCENARIO_BASAL_PROGRAM,      /* basal_segments (a plain number is one segment at 00:00) */
} scenario_basal_kind;

typedef struct scenario {
	char *name;                    /* defaults to the file's base name */
	char *path;                    /* the file it was loaded from */
	const patient_params *patient; /* never NULL once loaded */
	int64_t duration_min;          /* > 0 */
	int start_min_of_day;          /* clock time of t = 0, 0 … 1439 */
	uint32_t seed;                 /* default 0 */
	cgm_model cgm;                 /* default CGM_IDEAL */
	int cgm_interval_min;          /* 0 = the sensor's own */
	scenario_basal_kind basal_kind;
	size_t basal_segment_count; /* sorted by start, first at 0 when a program */
	scenario_basal_segment basal_segments[SCENARIO_MAX_BASAL_SEGMENTS];
	double bolus_speed_u_per_min; /* 0 = instant (whole bolus within one step) */
	/*
	 * The pump as configured: defaults, then the file's pump keys, with the basal and
	 * the bolus calculator resolved for the patient. Ready for pump_new (on_event unset).
	 */
	pump_config pump;
	bool pump_resolved; /* loader bookkeeping */
	/*
	 * `pump: {controller: …}`: the pump closes the loop (controller_loop.h). The settings
	 * are resolved for the patient: controller_settings_for_therapy from the pump's carb
	 * ratio, correction factor and basal and the patient's TDI, age and weight, then the
	 * keys the file gives. Valid when has_controller.
	 */
	bool has_controller;
	controller_settings controller;
	bool controller_enabled; /* at t = 0 (`enabled:`, default true) */
	size_t event_count;
	scenario_event *events; /* sorted by at_min, stable (file order kept) */
	size_t expectation_count;
	scenario_expectation *expectations;
	/*
	 * `expect_failure: "why"`: the scenario is meant to fail its expectations (a known
	 * weakness shown on purpose); the runner counts it as passed when it fails. NULL if not.
	 */
	char *expect_failure;
	char *text;                 /* the scenario file's text, as read (for records) */
	scenario_security security; /* `security:` hardened (default) | legacy-vulnerable */
	bool e2e;                   /* `e2e:` the pump's E2E protection (default true) */
	char **included_files;      /* files pulled in by include:, owned */
	size_t included_count;
} scenario;

/* Error text, always `path:line:column: message` (or `path: message` for I/O errors). */
typedef struct scenario_error {
	char message[512];
} scenario_error;

/* Load and validate a scenario file. Returns false and fills `err` on any error. */
bool scenario_load_file(const char *path, scenario *out, scenario_error *err);
/* Same, from text in memory; `path` names it in messages. */
bool scenario_load_string(const char *text, size_t len, const char *path, scenario *out,
                          scenario_error *err);
/* Release what a loaded scenario owns; leaves it zeroed. Safe on a zeroed scenario. */
void scenario_free(scenario *s);

/*
 * A base scenario read for one patient of a trial (sim/trial/): the loader reads the file
 * as if these were written in it. `patient:` and `duration:` are then optional (and
 * replaced when given), `seed:` is replaced, the sensor model is `cgm_model` when forced
 * (--cgm) or when the file names none, and the controller is the file's, another
 * algorithm (its common keys and that algorithm's own block apply), or none. The pump's
 * reservoir starts at SCENARIO_TRIAL_RESERVOIR_U and its battery does not drain (idle, motor
 * or radio) unless the file says otherwise (a trial changes no cartridges).
 */
#define SCENARIO_TRIAL_RESERVOIR_U 1e6
enum { SCENARIO_CONTROLLER_AS_WRITTEN = -1, SCENARIO_CONTROLLER_NONE = CONTROLLER_ALGORITHM_COUNT };
typedef struct scenario_overrides {
	const patient_params *patient; /* required */
	int64_t duration_min;          /* > 0 */
	uint32_t seed;
	cgm_model cgm_model;
	bool force_cgm_model; /* else only when the file names no model */
	int controller;       /* SCENARIO_CONTROLLER_AS_WRITTEN, _NONE, or a controller_algorithm */
} scenario_overrides;

bool scenario_load_string_for(const char *text, size_t len, const char *path,
                              const scenario_overrides *ov, scenario *out, scenario_error *err);

/*
 * Add events to a loaded scenario (each 0 <= at_min < duration, `file` static or the
 * scenario's), keeping the list sorted by time and stable: they come after the file's own
 * events of the same minute. False (nothing added) when out of memory or an event is outside
 * the run.
 */
bool scenario_add_events(scenario *s, const scenario_event *events, size_t count);

#endif
