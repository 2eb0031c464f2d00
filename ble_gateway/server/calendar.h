/*
 * ble_gateway/server/calendar.h — civil dates for the server's clock: days from a
 * proleptic Gregorian date and back, a wall-clock minute as a Bluetooth Date Time.
 *
 * Pure: no state, no time zone, no leap seconds (the pump's clock has none), no I/O.
 * Must never return a Date Time outside the range the Date Time characteristic can carry
 * (years 1582 … 9999: it clamps).
 *
 * Follows Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms" (days_from_civil,
 * civil_from_days; public domain) and the Date Time / Day of Week formats of the Bluetooth
 * GATT Specification Supplement.
 */
#ifndef FAKEPUMP_BLE_CALENDAR_H
#define FAKEPUMP_BLE_CALENDAR_H

#include <stdint.h>

#include "gatt_values.h"

enum { CALENDAR_MIN_PER_DAY = 1440 };

/* Days since 1970-01-01 of year y, month m (1 … 12), day d (1 … 31); negative before. */
int64_t calendar_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Minutes since 1970-01-01 00:00 of a Date Time (seconds ignored). */
int64_t calendar_epoch_min(const ble_date_time *dt);
/* The Date Time of a minute since 1970 (seconds 0), its year clamped to 1582 … 9999;
 * *day_of_week (may be NULL) gets 1 = Monday … 7 = Sunday. */
ble_date_time calendar_date_time(int64_t epoch_min, uint8_t *day_of_week);

#endif
