/*
 * pump_names — the stable names of results, commands, faults, events, annunciations,
 * sources and therapy states (pump_model.h), as scenarios, CSV, events and the recorder
 * spell them. They are an interface: renaming one breaks recorded runs and scenarios.
 */
#include <string.h>

#include "pump_internal.h"

static const char *const result_names[PUMP_RESULT_COUNT] = {
    [PUMP_OK] = "ok",
    [PUMP_REFUSED_INVALID_VALUE] = "invalid_value",
    [PUMP_REFUSED_MAX_BOLUS] = "max_bolus",
    [PUMP_REFUSED_MAX_BASAL] = "max_basal",
    [PUMP_REFUSED_MAX_DAILY] = "max_daily",
    [PUMP_REFUSED_MAX_IOB] = "max_iob",
    [PUMP_REFUSED_MIN_INTERVAL] = "min_bolus_interval",
    [PUMP_REFUSED_BOLUS_ACTIVE] = "bolus_active",
    [PUMP_REFUSED_NOT_RUNNING] = "not_running",
    [PUMP_REFUSED_OCCLUSION] = "occlusion",
    [PUMP_REFUSED_RESERVOIR_EMPTY] = "reservoir_empty",
    [PUMP_REFUSED_BATTERY_EMPTY] = "battery_empty",
    [PUMP_REFUSED_NO_SUCH_BOLUS] = "no_such_bolus",
    [PUMP_REFUSED_NO_TEMP_BASAL] = "no_temp_basal",
    [PUMP_REFUSED_NOT_APPLICABLE] = "not_applicable",
    [PUMP_REFUSED_LIMIT_ABOVE_PUMP] = "limit_above_pump",
    [PUMP_REFUSED_NO_SUCH_ANNUNCIATION] = "no_such_annunciation",
    [PUMP_REFUSED_NEEDS_PERSON] = "needs_person",
    [PUMP_REFUSED_BOLUS_RATE] = "bolus_rate",
};

static const char *const command_names[PUMP_COMMAND_COUNT] = {
    [PUMP_CMD_BOLUS] = "bolus",
    [PUMP_CMD_CANCEL_BOLUS] = "cancel_bolus",
    [PUMP_CMD_TEMP_BASAL] = "temp_basal",
    [PUMP_CMD_CANCEL_TEMP_BASAL] = "cancel_temp_basal",
    [PUMP_CMD_SUSPEND] = "suspend",
    [PUMP_CMD_RESUME] = "resume",
    [PUMP_CMD_STOP] = "stop",
    [PUMP_CMD_PRIME] = "prime",
    [PUMP_CMD_FILL_RESERVOIR] = "fill_reservoir",
    [PUMP_CMD_SET_MAX_BOLUS] = "set_max_bolus",
    [PUMP_CMD_CONFIRM_ANNUNCIATION] = "confirm_annunciation",
    [PUMP_CMD_SNOOZE_ANNUNCIATION] = "snooze_annunciation",
    [PUMP_CMD_CHANGE_BATTERY] = "change_battery",
};

static const char *const fault_names[PUMP_FAULT_COUNT] = {
    [PUMP_FAULT_OCCLUSION] = "occlusion",
    [PUMP_FAULT_OCCLUSION_CLEARED] = "occlusion_cleared",
    [PUMP_FAULT_BATTERY_DRAIN] = "battery_drain",
    [PUMP_FAULT_RESERVOIR_EMPTY] = "reservoir_empty",
    [PUMP_FAULT_RESERVOIR_LOW] = "reservoir_low",
    [PUMP_FAULT_BATTERY_LOW] = "battery_low",
    [PUMP_FAULT_BATTERY_DEAD] = "battery_dead",
    [PUMP_FAULT_BOLUS_INTERRUPTED] = "bolus_interrupted",
    [PUMP_FAULT_ANNUNCIATION_BURST] = "annunciation_burst",
};

static const char *const event_kind_names[PUMP_EVENT_KIND_COUNT] = {
    [PUMP_EV_COMMAND] = "command",
    [PUMP_EV_BOLUS_STARTED] = "bolus_started",
    [PUMP_EV_BOLUS_ENDED] = "bolus_ended",
    [PUMP_EV_BASAL_CHANGED] = "basal_changed",
    [PUMP_EV_THERAPY_STATE] = "therapy_state",
    [PUMP_EV_ANNUNCIATION] = "annunciation",
    [PUMP_EV_FAULT] = "fault",
    [PUMP_EV_PRIMED] = "primed",
    [PUMP_EV_RESERVOIR_FILLED] = "reservoir_filled",
};

static const struct {
	pump_annunciation_type type;
	const char *name;
} annunciation_names[] = {
    {PUMP_ANN_OCCLUSION, "occlusion"},
    {PUMP_ANN_RESERVOIR_EMPTY, "reservoir_empty"},
    {PUMP_ANN_RESERVOIR_LOW, "reservoir_low"},
    {PUMP_ANN_BATTERY_EMPTY, "battery_empty"},
    {PUMP_ANN_BATTERY_LOW, "battery_low"},
    {PUMP_ANN_BOLUS_CANCELED, "bolus_canceled"},
    {PUMP_ANN_TBR_OVER, "tbr_over"},
    {PUMP_ANN_TBR_CANCELED, "tbr_canceled"},
    {PUMP_ANN_MAX_DELIVERY, "max_delivery"},
    {PUMP_ANN_LOW_GLUCOSE_SUSPEND, "low_glucose_suspend"},
    {PUMP_ANN_LOW_GLUCOSE_RESUME, "low_glucose_resume"},
    {PUMP_ANN_NEW_BOND, "new_bond"},
    {PUMP_ANN_PAIRING_ATTEMPTS, "pairing_attempts"},
    {PUMP_ANN_CONTROLLER_FALLBACK, "controller_fallback"},
};

static const pump_annunciation_type annunciation_types[] = {
    PUMP_ANN_OCCLUSION,          PUMP_ANN_RESERVOIR_EMPTY,
    PUMP_ANN_RESERVOIR_LOW,      PUMP_ANN_BATTERY_EMPTY,
    PUMP_ANN_BATTERY_LOW,        PUMP_ANN_BOLUS_CANCELED,
    PUMP_ANN_TBR_OVER,           PUMP_ANN_TBR_CANCELED,
    PUMP_ANN_MAX_DELIVERY,       PUMP_ANN_LOW_GLUCOSE_SUSPEND,
    PUMP_ANN_LOW_GLUCOSE_RESUME, PUMP_ANN_NEW_BOND,
    PUMP_ANN_PAIRING_ATTEMPTS,   PUMP_ANN_CONTROLLER_FALLBACK,
};
_Static_assert(sizeof annunciation_types / sizeof annunciation_types[0] ==
                   sizeof annunciation_names / sizeof annunciation_names[0],
               "every annunciation type has a name");

size_t pump_annunciation_types(const pump_annunciation_type **out)
{
	*out = annunciation_types;
	return sizeof annunciation_types / sizeof annunciation_types[0];
}

static bool name_lookup(const char *const *names, int count, const char *name, int *out)
{
	if (!name)
		return false;
	for (int i = 0; i < count; i++)
		if (names[i] && strcmp(names[i], name) == 0) {
			*out = i;
			return true;
		}
	return false;
}

const char *pump_result_name(pump_result r)
{
	return (unsigned)r < PUMP_RESULT_COUNT ? result_names[r] : "unknown";
}

bool pump_result_from_name(const char *name, pump_result *out)
{
	int i;
	if (!name_lookup(result_names, PUMP_RESULT_COUNT, name, &i))
		return false;
	*out = (pump_result)i;
	return true;
}

const char *pump_command_name(pump_command c)
{
	return (unsigned)c < PUMP_COMMAND_COUNT ? command_names[c] : "unknown";
}

bool pump_command_from_name(const char *name, pump_command *out)
{
	int i;
	if (!name_lookup(command_names, PUMP_COMMAND_COUNT, name, &i))
		return false;
	*out = (pump_command)i;
	return true;
}

const char *pump_fault_name(pump_fault f)
{
	return (unsigned)f < PUMP_FAULT_COUNT ? fault_names[f] : "unknown";
}

bool pump_fault_from_name(const char *name, pump_fault *out)
{
	int i;
	if (!name_lookup(fault_names, PUMP_FAULT_COUNT, name, &i))
		return false;
	*out = (pump_fault)i;
	return true;
}

const char *pump_event_kind_name(pump_event_kind k)
{
	return (unsigned)k < PUMP_EVENT_KIND_COUNT ? event_kind_names[k] : "unknown";
}

const char *pump_annunciation_name(pump_annunciation_type t)
{
	for (size_t i = 0; i < sizeof annunciation_names / sizeof annunciation_names[0]; i++)
		if (annunciation_names[i].type == t)
			return annunciation_names[i].name;
	return "unknown";
}

bool pump_annunciation_from_name(const char *name, pump_annunciation_type *out)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof annunciation_names / sizeof annunciation_names[0]; i++)
		if (strcmp(annunciation_names[i].name, name) == 0) {
			*out = annunciation_names[i].type;
			return true;
		}
	return false;
}

const char *pump_source_name(pump_source s)
{
	switch (s) {
	case PUMP_SOURCE_PUMP:
		return "pump";
	case PUMP_SOURCE_PHONE:
		return "phone";
	case PUMP_SOURCE_AUTOMATION:
		return "automation";
	case PUMP_SOURCE_CONTROLLER:
		return "controller";
	}
	return "unknown";
}

const char *pump_therapy_state_name(pump_therapy_state s)
{
	switch (s) {
	case PUMP_THERAPY_STOP:
		return "stop";
	case PUMP_THERAPY_PAUSE:
		return "pause";
	case PUMP_THERAPY_RUN:
		return "run";
	}
	return "unknown";
}
