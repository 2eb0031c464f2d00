/*
 * event_kinds — see event_kinds.h. A kind's name is its key as a file writes it (the rows of
 * event_keys.c's table), so a message, a report or a picture names it as the user wrote it.
 */
#include "event_kinds.h"

static const char *const event_kind_names[SCENARIO_EVENT_KIND_COUNT] = {
    [SCENARIO_EVENT_MEAL] = "meal",
    [SCENARIO_EVENT_BOLUS] = "bolus",
    [SCENARIO_EVENT_CALCULATED_BOLUS] = "calculated_bolus",
    [SCENARIO_EVENT_TEMP_BASAL] = "temp_basal",
    [SCENARIO_EVENT_CANCEL_BOLUS] = "cancel_bolus",
    [SCENARIO_EVENT_CANCEL_TEMP_BASAL] = "cancel_temp_basal",
    [SCENARIO_EVENT_SUSPEND] = "suspend",
    [SCENARIO_EVENT_RESUME] = "resume",
    [SCENARIO_EVENT_STOP] = "stop",
    [SCENARIO_EVENT_PRIME] = "prime",
    [SCENARIO_EVENT_FILL] = "fill",
    [SCENARIO_EVENT_REFILL] = "refill",
    [SCENARIO_EVENT_CHANGE_BATTERY] = "change_battery",
    [SCENARIO_EVENT_FAULT] = "fault",
    [SCENARIO_EVENT_CONFIRM] = "confirm",
    [SCENARIO_EVENT_SENSOR_DROPOUT] = "sensor_dropout",
    [SCENARIO_EVENT_SENSOR_DRIFT] = "sensor_drift",
    [SCENARIO_EVENT_SENSOR_NOISE] = "sensor_noise",
    [SCENARIO_EVENT_SENSOR_COMPRESSION] = "compression_low",
    [SCENARIO_EVENT_PHONE_READ] = "read",
    [SCENARIO_EVENT_PHONE_SUBSCRIBE] = "subscribe",
    [SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL] = "set_cgm_interval",
    [SCENARIO_EVENT_SET_MAX_BOLUS] = "set_max_bolus",
    [SCENARIO_EVENT_ATTACK] = "attack",
    [SCENARIO_EVENT_PAIRING_WINDOW] = "pairing_window",
    [SCENARIO_EVENT_ANNOUNCE] = "announce",
    [SCENARIO_EVENT_CONTROLLER] = "controller",
};

const char *scenario_event_kind_name(scenario_event_kind k)
{
	return (unsigned)k < SCENARIO_EVENT_KIND_COUNT && event_kind_names[k] ? event_kind_names[k]
	                                                                      : "event";
}

bool event_is_sensor_fault(scenario_event_kind k)
{
	return k == SCENARIO_EVENT_SENSOR_DROPOUT || k == SCENARIO_EVENT_SENSOR_DRIFT ||
	       k == SCENARIO_EVENT_SENSOR_NOISE || k == SCENARIO_EVENT_SENSOR_COMPRESSION;
}
