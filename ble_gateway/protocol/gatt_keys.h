/*
 * gatt_keys — short, stable names for the characteristics ("idd_command_cp",
 * "cgm_measurement"), for scenarios, logs and the event stream.
 */
#ifndef FAKEPUMP_GATT_KEYS_H
#define FAKEPUMP_GATT_KEYS_H

#include <stdbool.h>

#include "gatt_model.h"

const char *gatt_char_key(gatt_char_id id);
bool gatt_char_from_key(const char *key, gatt_char_id *out);

#endif
