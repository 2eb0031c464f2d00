/*
 * scenario — loads a YAML scenario file (libyaml) into a plain, validated value.
 *
 * Every error names the place as `file:line:column: what was expected, what was found`
 * (1-based line and column, pointing at the offending node). Nothing partial is ever
 * returned: on error the scenario is left empty.
 *
 * The format is documented in docs/scenarios.md.
 */
#ifndef FAKEPUMP_SCENARIO_H
#define FAKEPUMP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patient_model.h"
#include "pump_model.h"

enum { SCENARIO_MAX_BASAL_SEGMENTS = 24 };

typedef enum scenario_event_kind {
	SCENARIO_EVENT_MEAL,              /* amount: grams announced */
	SCENARIO_EVENT_BOLUS,             /* amount: U (the immediate part for multiwave,
	                                     the whole for extended); bolus_type, extended_u,
	                                     duration_min */
	SCENARIO_EVENT_CALCULATED_BOLUS,  /* amount: grams of carbs for the bolus calculator */
	SCENARIO_EVENT_TEMP_BASAL,        /* amount: U/h, or % when relative; duration_min */
	SCENARIO_EVENT_CANCEL_BOLUS,
	SCENARIO_EVENT_CANCEL_TEMP_BASAL,
	SCENARIO_EVENT_SUSPEND,
	SCENARIO_EVENT_RESUME,
	SCENARIO_EVENT_STOP,
	SCENARIO_EVENT_PRIME,             /* amount: U */
	SCENARIO_EVENT_FILL,              /* amount: U (new reservoir; pump must be stopped) */
	SCENARIO_EVENT_REFILL,            /* amount: U (stop, new reservoir, resume) */
	SCENARIO_EVENT_CHANGE_BATTERY,
	SCENARIO_EVENT_FAULT,             /* fault; amount: drain %/h for battery_drain */
	SCENARIO_EVENT_CONFIRM,           /* annunciation (or confirm_all) */
	SCENARIO_EVENT_KIND_COUNT,
} scenario_event_kind;

/* "meal", "bolus", … : the event's key in the file. */
const char *scenario_event_kind_name(scenario_event_kind k);

typedef struct scenario_event {
	int64_t at_min;            /* minutes from t = 0 */
	scenario_event_kind kind;
	double amount;             /* see the kind */
	pump_bolus_type bolus_type;
	double extended_u;         /* multiwave: the extended part */
	int duration_min;          /* extended / multiwave bolus, temp basal */
	bool relative;             /* temp basal in % */
	pump_fault fault;
	pump_annunciation_type annunciation;
	bool confirm_all;
	int line, column;          /* where it was written (1-based) */
} scenario_event;

typedef struct scenario_basal_segment {
	int start_min_of_day;      /* clock minute (0 … 1439) at which the rate starts */
	double rate_u_per_h;
} scenario_basal_segment;

typedef enum scenario_basal_kind {
	SCENARIO_BASAL_STEADY_STATE, /* the patient's own steady-state basal */
	SCENARIO_BASAL_PROGRAM,      /* basal_segments (a plain number is one segment at 00:00) */
} scenario_basal_kind;

typedef struct scenario {
	char *name;                        /* defaults to the file's base name */
	char *path;                        /* the file it was loaded from */
	const patient_params *patient;     /* never NULL once loaded */
	int64_t duration_min;              /* > 0 */
	int start_min_of_day;              /* clock time of t = 0, 0 … 1439 */
	uint32_t seed;                     /* default 0 */
	cgm_model cgm;                     /* default CGM_IDEAL */
	int cgm_interval_min;              /* 0 = the sensor's own */
	scenario_basal_kind basal_kind;
	size_t basal_segment_count;        /* sorted by start, first at 0 when a program */
	scenario_basal_segment basal_segments[SCENARIO_MAX_BASAL_SEGMENTS];
	double bolus_speed_u_per_min;      /* 0 = instant (whole bolus within one step) */
	/*
	 * The pump as configured: defaults, then the file's pump keys, with the basal and
	 * the bolus calculator resolved for the patient. Ready for pump_new (on_event unset).
	 */
	pump_config pump;
	bool pump_resolved;                /* loader bookkeeping */
	size_t event_count;
	scenario_event *events;            /* sorted by at_min, stable (file order kept) */
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
 * Parse helpers, exposed for the CLI and tests. All return false on bad syntax.
 * Durations: an integer (or decimal) number and a unit s, m, h or d ("90m", "1.5h", "2d");
 * the result must be a whole, positive number of minutes.
 * Clock times: "HH:MM" (day 1) or "dN HH:MM" (day N, N >= 1); *day is 1-based.
 */
bool scenario_parse_duration_min(const char *text, int64_t *out_min);
bool scenario_parse_clock(const char *text, int *out_day, int *out_min_of_day);

#endif
