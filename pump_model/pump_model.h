/*
 * pump_model — the insulin pump as a pure, deterministic state machine: basal program,
 * temporary basal, boluses (normal, extended, multiwave) delivered in pulses, suspend /
 * resume / stop, priming, reservoir and battery, faults (occlusion, battery depletion,
 * reservoir empty), insulin on board, a bolus calculator, low-glucose protection, hard
 * safety limits checked for every command from any source, annunciations, and an audit
 * trail of everything it does.
 *
 * Never does I/O, keeps no globals, never allocates after pump_new; time is passed in as
 * whole minutes since the start of the run (`now_min`), and every call that changes the
 * pump reports what happened through the event callback of its config.
 *
 * Vocabulary follows the Bluetooth SIG Insulin Delivery Service (IDS v1.0.1): therapy
 * control states Run / Pause / Stop, annunciation types and states. The protocol layer
 * (ble_gateway) maps results and types to IDS codes; this library knows no bytes.
 */
#ifndef FAKEPUMP_PUMP_MODEL_H
#define FAKEPUMP_PUMP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PUMP_MAX_BASAL_SEGMENTS = 24 };

/* ---------------------------------------------------------------------------------- */
/* Configuration                                                                       */
/* ---------------------------------------------------------------------------------- */

typedef struct pump_basal_segment {
	int start_min_of_day; /* 0 … 1439, first segment at 0 */
	double rate_u_per_h;
} pump_basal_segment;

/* Hard limits: the pump's own, checked for every command from every source. */
typedef struct pump_limits {
	double max_bolus_u;         /* one bolus, immediate + extended parts */
	double max_basal_u_per_h;   /* any programmed or temporary rate */
	double max_daily_u;         /* delivered in any rolling 24 h + committed */
	double max_iob_u;           /* insulin on board after the bolus */
	int min_bolus_interval_min; /* since the last accepted bolus; 0 = none */
} pump_limits;

typedef struct pump_low_glucose_protection {
	bool enabled;
	double suspend_below_mgdl; /* suspend when a CGM reading is at or below (0 = off) */
	bool predictive;           /* suspend before low: trend predicts < predict_below */
	double predict_below_mgdl; /* default 80 */
	int horizon_min;           /* prediction horizon, default 30 */
	double resume_above_mgdl;  /* resume when CGM >= this and the prediction is too */
	int max_suspend_min;       /* resume anyway after this long; 0 = no limit */
} pump_low_glucose_protection;

/*
 * The battery, in % of a full charge (docs/pump.md "Battery and radio" gives the figures the
 * defaults come from: 100 % = 1,000 mAh at 3 V).
 */
typedef struct pump_battery_model {
	double drain_pct_per_h; /* idle drain (clock, display, sensor radio) */
	double drain_pct_per_u; /* motor: per unit pumped */
	/* BLE: one exchange (a request and its answer, a notification or indication, a
	 * connection set up or refused), reported with pump_radio_event … */
	double drain_pct_per_radio_event;
	/* … one connected link's connection events for a minute (pump_radio_link_minutes) … */
	double drain_pct_per_link_min;
	/* … and never more in one minute than the radio at full duty can draw (0 = no cap). */
	double radio_max_pct_per_min;
	double low_pct; /* "battery low" annunciation threshold */
} pump_battery_model;

typedef struct pump_event pump_event;
typedef void (*pump_event_fn)(const pump_event *ev, void *user_data);

typedef struct pump_config {
	int start_min_of_day;       /* clock time of t = 0 */
	size_t basal_segment_count; /* 1 … 24, sorted, first at 0 */
	pump_basal_segment basal_segments[PUMP_MAX_BASAL_SEGMENTS];
	/*
	 * When > 0, overrides the program with this exact rate in U/min (the patient's own
	 * steady-state basal, kept in U/min so that no unit conversion rounds it).
	 */
	double steady_basal_u_per_min;
	double bolus_speed_u_per_min; /* 0 = instant: the exact dose within one minute */
	double pulse_u;               /* bolus resolution, default 0.05 U */
	double reservoir_u;           /* initial fill */
	double reservoir_low_u;       /* "reservoir low" threshold */
	double battery_pct;           /* initial charge */
	pump_battery_model battery;
	double occlusion_threshold_u; /* missed insulin before the occlusion alarm */
	int insulin_action_min;       /* duration of insulin action (IOB curve), e.g. 300 */
	int insulin_peak_min;         /* peak of the exponential curve, e.g. 75 */
	double carb_ratio_g_per_u;    /* bolus calculator */
	double correction_factor_mgdl_per_u;
	double target_mgdl;
	pump_limits limits;
	pump_low_glucose_protection lgs;
	pump_event_fn on_event; /* may be NULL */
	void *user_data;
} pump_config;

/* Sensible defaults (documented in docs/scenarios.md): 300 U reservoir, 0.05 U pulses,
 * 1.5 U/min bolus speed, limits 25 U bolus / 15 U/h basal / 150 U a day / 40 U IOB. */
void pump_config_defaults(pump_config *cfg);

/* ---------------------------------------------------------------------------------- */
/* States, results, annunciations                                                      */
/* ---------------------------------------------------------------------------------- */

typedef enum pump_therapy_state {
	PUMP_THERAPY_STOP = 0, /* no delivery; reservoir change, priming, after a stop alarm */
	PUMP_THERAPY_PAUSE,    /* suspended: no delivery, resumable */
	PUMP_THERAPY_RUN,
} pump_therapy_state;

/*
 * Who commands. Authority (docs/pump.md "Authority"): the person at the pump outranks the
 * pump's own protection, which outranks a phone. A phone may make therapy safer (stop,
 * pause, cancel, lower a limit) but never undo what the person or the protection did.
 */
typedef enum pump_source {
	PUMP_SOURCE_PUMP = 0,   /* the person at the pump (its UI; a scenario's person); also
	                           the pump's alarms, which only the person may clear */
	PUMP_SOURCE_PHONE,      /* a remote controller over BLE: never trusted */
	PUMP_SOURCE_AUTOMATION, /* the pump's own protection (low-glucose suspend) */
	/* The pump's closed-loop controller (controller_loop.h): only temp basals, their
	 * cancellation and boluses, each through every hard limit; it never resumes, stops,
	 * confirms or changes a limit, so it can undo neither the person nor the protection. */
	PUMP_SOURCE_CONTROLLER,
} pump_source;

/* "pump", "phone", "automation". */
const char *pump_source_name(pump_source s);

/* Why a command was accepted or refused. Every refusal changes nothing but the audit. */
typedef enum pump_result {
	PUMP_OK = 0,
	PUMP_REFUSED_INVALID_VALUE, /* NaN, infinite, zero or negative, malformed */
	PUMP_REFUSED_MAX_BOLUS,     /* above the bolus limit */
	PUMP_REFUSED_MAX_BASAL,     /* a rate above the basal limit */
	PUMP_REFUSED_MAX_DAILY,     /* would exceed the rolling 24 h total */
	PUMP_REFUSED_MAX_IOB,       /* would exceed insulin on board */
	PUMP_REFUSED_MIN_INTERVAL,  /* too soon after the last bolus */
	PUMP_REFUSED_BOLUS_ACTIVE,  /* another bolus is still being delivered */
	PUMP_REFUSED_NOT_RUNNING,   /* therapy is paused or stopped */
	PUMP_REFUSED_OCCLUSION,     /* occlusion alarm not yet confirmed */
	PUMP_REFUSED_RESERVOIR_EMPTY,
	PUMP_REFUSED_BATTERY_EMPTY,
	PUMP_REFUSED_NO_SUCH_BOLUS, /* cancel of a bolus that is not active */
	PUMP_REFUSED_NO_TEMP_BASAL,
	PUMP_REFUSED_NOT_APPLICABLE,   /* wrong state for this procedure (e.g. prime in Run) */
	PUMP_REFUSED_LIMIT_ABOVE_PUMP, /* a limit above the pump's, or a phone above the person's */
	PUMP_REFUSED_NO_SUCH_ANNUNCIATION,
	/* Only the person at the pump may do this: undo what the person or the pump's
	 * protection did, or a procedure done with the pump in hand (docs/pump.md "Authority"). */
	PUMP_REFUSED_NEEDS_PERSON,
	/* An extended part faster than the bolus speed (a programme may never beat it). */
	PUMP_REFUSED_BOLUS_RATE,
	PUMP_RESULT_COUNT,
} pump_result;

/* "ok", "max_bolus", … : stable names for CSV, SQLite and scenario expectations. */
const char *pump_result_name(pump_result r);
bool pump_result_from_name(const char *name, pump_result *out);

/* Annunciation types: the IDS names (values are the IDS v1.0.1 code words, docs/ble.md). */
typedef enum pump_annunciation_type {
	PUMP_ANN_OCCLUSION = 0x003C,
	PUMP_ANN_RESERVOIR_EMPTY = 0x005A,
	PUMP_ANN_RESERVOIR_LOW = 0x0066,
	PUMP_ANN_BATTERY_EMPTY = 0x00AA,
	PUMP_ANN_BATTERY_LOW = 0x00C3,
	PUMP_ANN_BOLUS_CANCELED = 0x030C,
	PUMP_ANN_TBR_OVER = 0x0330,
	PUMP_ANN_TBR_CANCELED = 0x033F,
	PUMP_ANN_MAX_DELIVERY = 0x0356,
	/*
	 * Low-glucose protection has no IDS type; these use the pump's own range (IDS leaves
	 * types outside its table to the manufacturer — the gateway maps them, see
	 * ble_gateway). Values chosen not to collide with any IDS code word.
	 */
	PUMP_ANN_LOW_GLUCOSE_SUSPEND = 0xF00F,
	PUMP_ANN_LOW_GLUCOSE_RESUME = 0xF033,
	/* A phone was bonded to the pump (pump_announce_new_bond): the person sees that a new
	 * device can now command it, and confirms. Security requirement: every new bond is
	 * announced on the pump. */
	PUMP_ANN_NEW_BOND = 0xF03C,
	/* Pairing was closed after too many passkey attempts without a bond
	 * (pump_announce_pairing_attempts): someone may be guessing. */
	PUMP_ANN_PAIRING_ATTEMPTS = 0xF055,
	/* The closed-loop controller lost the CGM (no reading, or the newest too old): the pump
	 * gives the programmed basal, never a guess (pump_announce_controller_fallback,
	 * controller_loop.h). The person must know the loop is open. */
	PUMP_ANN_CONTROLLER_FALLBACK = 0xF05A,
} pump_annunciation_type;

/* "occlusion", "reservoir_low", … */
const char *pump_annunciation_name(pump_annunciation_type t);
/*
 * Annunciations only the person at the pump may confirm or snooze: therapy stopped or
 * paused by the pump (occlusion, reservoir or battery empty, low-glucose suspend, maximum
 * delivery) and security news (a new bond, pairing attempts). A phone acknowledging them
 * would hide from the person what the person must act on.
 */
bool pump_annunciation_needs_person(pump_annunciation_type t);
bool pump_annunciation_from_name(const char *name, pump_annunciation_type *out);
/* Every annunciation type, in the order above; returns the count. */
size_t pump_annunciation_types(const pump_annunciation_type **out);

typedef enum pump_annunciation_status {
	PUMP_ANN_PENDING = 0,
	PUMP_ANN_SNOOZED,
	PUMP_ANN_CONFIRMED,
} pump_annunciation_status;

typedef struct pump_annunciation {
	uint16_t id; /* instance id, unique in the run */
	pump_annunciation_type type;
	pump_annunciation_status status;
	int64_t raised_min;
	double aux; /* e.g. units delivered of a canceled bolus */
} pump_annunciation;

/* ---------------------------------------------------------------------------------- */
/* Audit trail                                                                         */
/* ---------------------------------------------------------------------------------- */

typedef enum pump_command {
	PUMP_CMD_BOLUS = 0,
	PUMP_CMD_CANCEL_BOLUS,
	PUMP_CMD_TEMP_BASAL,
	PUMP_CMD_CANCEL_TEMP_BASAL,
	PUMP_CMD_SUSPEND,
	PUMP_CMD_RESUME,
	PUMP_CMD_STOP,
	PUMP_CMD_PRIME,
	PUMP_CMD_FILL_RESERVOIR,
	PUMP_CMD_SET_MAX_BOLUS,
	PUMP_CMD_CONFIRM_ANNUNCIATION,
	PUMP_CMD_SNOOZE_ANNUNCIATION,
	PUMP_CMD_CHANGE_BATTERY,
	PUMP_COMMAND_COUNT,
} pump_command;

/* "bolus", "cancel_bolus", "temp_basal", … */
const char *pump_command_name(pump_command c);
bool pump_command_from_name(const char *name, pump_command *out);

/*
 * Faults the pump suffers (a scenario's fault: events, `fakepump ctl fault`). None of them
 * changes a limit or an authority rule: they change what the pump has (line, reservoir,
 * battery, the bolus under way) and the pump reacts as it always does.
 */
typedef enum pump_fault {
	PUMP_FAULT_OCCLUSION = 0,      /* the infusion line blocks; value: U already missed (0:
	                                  the pump notices after occlusion_threshold_u of missed
	                                  insulin; at or above it: the alarm at once) */
	PUMP_FAULT_OCCLUSION_CLEARED,  /* the line is free again (e.g. set changed) */
	PUMP_FAULT_BATTERY_DRAIN,      /* battery drains fast (value: %/h) */
	PUMP_FAULT_RESERVOIR_EMPTY,    /* reservoir found empty (leak, misread) */
	PUMP_FAULT_RESERVOIR_LOW,      /* a leak: the reservoir drops to its low threshold and
	                                  reservoir_low is raised at once */
	PUMP_FAULT_BATTERY_LOW,        /* the charge drops to the low threshold: battery_low now */
	PUMP_FAULT_BATTERY_DEAD,       /* the battery dies: therapy stops (a bolus under way ends
	                                  uncertain) and battery_empty is raised at once */
	PUMP_FAULT_BOLUS_INTERRUPTED,  /* the motor loses count mid-bolus: the bolus under way
	                                  ends "uncertain" with what it delivered (bolus_canceled
	                                  raised); basal goes on. Nothing when no bolus runs */
	PUMP_FAULT_ANNUNCIATION_BURST, /* value: that many advisory annunciations raised at once
	                                  (1 … PUMP_ANNUNCIATION_BURST_MAX; 0 or NaN: 5) */
	PUMP_FAULT_COUNT,
} pump_fault;

enum { PUMP_ANNUNCIATION_BURST_MAX = 20 };

const char *pump_fault_name(pump_fault f);
bool pump_fault_from_name(const char *name, pump_fault *out);

typedef enum pump_event_kind {
	PUMP_EV_COMMAND = 0,      /* any command: source, command, result, values */
	PUMP_EV_BOLUS_STARTED,    /* bolus_id, value = programmed U, value2 = extended U */
	PUMP_EV_BOLUS_ENDED,      /* bolus_id, value = delivered U, value2 = programmed U;
	                             detail: "completed", "canceled", "uncertain" */
	PUMP_EV_BASAL_CHANGED,    /* value = delivered basal rate now, U/h */
	PUMP_EV_THERAPY_STATE,    /* state = new therapy state; detail: why */
	PUMP_EV_ANNUNCIATION,     /* annunciation (raised, snoozed, confirmed) */
	PUMP_EV_FAULT,            /* fault injected; detail: who injected it (origin), or NULL */
	PUMP_EV_PRIMED,           /* value = U primed (not delivered to the patient) */
	PUMP_EV_RESERVOIR_FILLED, /* value = U */
	PUMP_EVENT_KIND_COUNT,
} pump_event_kind;

const char *pump_event_kind_name(pump_event_kind k);

struct pump_event {
	int64_t t_min;
	pump_event_kind kind;
	pump_source source;
	pump_command command;           /* PUMP_EV_COMMAND */
	pump_result result;             /* PUMP_EV_COMMAND */
	pump_fault fault;               /* PUMP_EV_FAULT */
	pump_therapy_state state;       /* PUMP_EV_THERAPY_STATE */
	pump_annunciation annunciation; /* PUMP_EV_ANNUNCIATION */
	uint16_t bolus_id;
	double value, value2, value3;
	const char *detail; /* static text, may be NULL */
};

/* ---------------------------------------------------------------------------------- */
/* Commands                                                                            */
/* ---------------------------------------------------------------------------------- */

typedef enum pump_bolus_type {
	PUMP_BOLUS_NORMAL = 0, /* all now (IDS "fast") */
	PUMP_BOLUS_EXTENDED,   /* all over duration */
	PUMP_BOLUS_MULTIWAVE,  /* immediate part now + extended part over duration */
} pump_bolus_type;

typedef struct pump_bolus_request {
	pump_bolus_type type;
	double immediate_u; /* NORMAL and MULTIWAVE */
	double extended_u;  /* EXTENDED and MULTIWAVE */
	int duration_min;   /* EXTENDED and MULTIWAVE: PUMP_EXTENDED_MIN_MIN … MAX_MIN */
} pump_bolus_request;

/* Extended and multiwave durations: at least 15 minutes (a shorter "extended" bolus is a
 * fast bolus by another name), at most 12 hours. */
enum { PUMP_EXTENDED_MIN_MIN = 15, PUMP_EXTENDED_MAX_MIN = 12 * 60 };

typedef enum pump_temp_basal_type {
	PUMP_TBR_ABSOLUTE = 0, /* value in U/h */
	PUMP_TBR_RELATIVE,     /* value in % of the programmed rate (0 … 250) */
} pump_temp_basal_type;

typedef struct pump pump;

/* NULL when the config is invalid (see pump_config_check) or memory is short. */
pump *pump_new(const pump_config *cfg);
void pump_free(pump *p);
/* Why a config is invalid, or NULL when it is fine. */
const char *pump_config_check(const pump_config *cfg);

pump_result pump_bolus(pump *p, int64_t now_min, pump_source src, const pump_bolus_request *req,
                       uint16_t *out_bolus_id);
/* Cancel the active bolus (`bolus_id` 0 = whichever is active). */
pump_result pump_cancel_bolus(pump *p, int64_t now_min, pump_source src, uint16_t bolus_id);
pump_result pump_temp_basal(pump *p, int64_t now_min, pump_source src, pump_temp_basal_type type,
                            double value, int duration_min);
pump_result pump_cancel_temp_basal(pump *p, int64_t now_min, pump_source src);
pump_result pump_suspend(pump *p, int64_t now_min, pump_source src);
pump_result pump_resume(pump *p, int64_t now_min, pump_source src);
pump_result pump_stop(pump *p, int64_t now_min, pump_source src);
/* Priming fills the line: only in Stop; consumes reservoir, never reaches the patient. */
pump_result pump_prime(pump *p, int64_t now_min, pump_source src, double amount_u);
/* New reservoir: only in Stop. */
pump_result pump_fill_reservoir(pump *p, int64_t now_min, pump_source src, double amount_u);
/* A new max bolus: the person up to the configured limit, a phone up to the person's
 * value (it may lower it and restore it, never raise it above). */
pump_result pump_set_max_bolus(pump *p, int64_t now_min, pump_source src, double max_bolus_u);
pump_result pump_confirm_annunciation(pump *p, int64_t now_min, pump_source src, uint16_t id);
pump_result pump_snooze_annunciation(pump *p, int64_t now_min, pump_source src, uint16_t id);
pump_result pump_change_battery(pump *p, int64_t now_min, pump_source src);
/* Inject a fault; `value` is used by PUMP_FAULT_OCCLUSION (U missed), BATTERY_DRAIN (%/h)
 * and ANNUNCIATION_BURST (how many); see pump_fault. */
void pump_inject_fault(pump *p, int64_t now_min, pump_fault f, double value);
/* The same, saying who injected it: `origin` (static text, e.g. "scenario", "ctl"; NULL:
 * not said) is the fault event's detail, so that the audit trail tells a fault played on
 * purpose from one the pump found. */
void pump_inject_fault_by(pump *p, int64_t now_min, pump_fault f, double value, const char *origin);
/* A new bond with a phone was made (the radio's news): raise PUMP_ANN_NEW_BOND, whose
 * AuxInfo is `bond_number` (1 = the first bond of the run). Returns the annunciation id. */
uint16_t pump_announce_new_bond(pump *p, int64_t now_min, unsigned bond_number);
/* The radio closed pairing after `attempts` passkey attempts without a bond: raise
 * PUMP_ANN_PAIRING_ATTEMPTS (AuxInfo = attempts). Returns the annunciation id. */
uint16_t pump_announce_pairing_attempts(pump *p, int64_t now_min, unsigned attempts);
/* The closed-loop controller fell back to the programmed basal: raise
 * PUMP_ANN_CONTROLLER_FALLBACK (AuxInfo = minutes since the last CGM reading, 0 when there
 * was none). Returns the annunciation id. */
uint16_t pump_announce_controller_fallback(pump *p, int64_t now_min,
                                           unsigned minutes_since_reading);
/* A BLE exchange happened (battery cost of the radio, capped per minute). */
void pump_radio_event(pump *p, int64_t now_min);
/* `links` connections were up during minute `now_min` (their connection events). */
void pump_radio_link_minutes(pump *p, int64_t now_min, unsigned links);

/* Bolus calculator: carbs / CR + (glucose − target) / CF − IOB, never negative; glucose
 * NaN means "unknown" (no correction). Rounded down to the pulse. */
double pump_bolus_advice_u(const pump *p, int64_t now_min, double carbs_g, double glucose_mgdl);

/* ---------------------------------------------------------------------------------- */
/* The minute                                                                          */
/* ---------------------------------------------------------------------------------- */

/* What the pump delivered to the patient over one minute [t, t+1). */
typedef struct pump_delivery {
	double basal_u;
	double bolus_u;
} pump_delivery;

/*
 * Deliver minute [now_min, now_min + 1); call once per minute, in order, after the
 * minute's commands. `cgm_mgdl` is the reading of this minute (NaN when none): it drives
 * low-glucose protection.
 */
pump_delivery pump_tick(pump *p, int64_t now_min, double cgm_mgdl);

/* ---------------------------------------------------------------------------------- */
/* Status                                                                              */
/* ---------------------------------------------------------------------------------- */

typedef struct pump_status {
	pump_therapy_state therapy;
	bool suspended_by_lgs;
	double basal_rate_u_per_h; /* delivering now (0 when not running) */
	double programmed_basal_u_per_h;
	bool temp_basal_active;
	pump_temp_basal_type temp_basal_type;
	double temp_basal_value;
	int64_t temp_basal_end_min;
	bool bolus_active;
	uint16_t bolus_id;
	pump_bolus_type bolus_type;
	double bolus_programmed_u;
	double bolus_delivered_u;
	double reservoir_u;
	double battery_pct;
	double delivered_total_u; /* to the patient since t = 0 (not priming) */
	double primed_total_u;
	double discarded_u;        /* left in replaced or failed reservoirs */
	double delivered_24h_u;    /* rolling 24 h */
	bool occluded;             /* the line is blocked (truth, not what the pump knows) */
	double max_bolus_u;        /* in force (may be lowered by the phone) */
	double max_bolus_person_u; /* set at the pump: the most a phone may set */
	size_t annunciation_count; /* active (not confirmed) */
	/* Authority: who paused or stopped therapy (the highest since it last ran; valid when
	 * therapy is not Run) and who set the temp basal (valid while one runs). */
	pump_source halted_by;
	pump_source temp_basal_set_by;
} pump_status;

void pump_get_status(const pump *p, pump_status *out);
/* Insulin on board from boluses really delivered (exponential curve), U. */
double pump_iob_u(const pump *p, int64_t now_min);
/* The newest active (pending or snoozed) annunciation; false when there is none. */
bool pump_newest_annunciation(const pump *p, pump_annunciation *out);
/* Active annunciations, newest first; returns how many were written. */
size_t pump_active_annunciations(const pump *p, pump_annunciation *out, size_t cap);
const pump_config *pump_get_config(const pump *p);

const char *pump_therapy_state_name(pump_therapy_state s);

/* A copy of the whole pump (what-if checks, tests); NULL when memory is short. */
pump *pump_clone(const pump *p);
/* True when two pumps are in exactly the same state (every field, bit for bit). */
bool pump_state_equal(const pump *a, const pump *b);

#endif
