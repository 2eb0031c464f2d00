/*
 * calendar.c — civil dates (calendar.h), after Howard Hinnant's public-domain algorithms.
 */
#include "calendar.h"

int64_t calendar_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t calendar_epoch_min(const ble_date_time *dt)
{
	return calendar_days_from_civil(dt->year, dt->month, dt->day) * CALENDAR_MIN_PER_DAY +
	       dt->hours * 60 + dt->minutes;
}

ble_date_time calendar_date_time(int64_t epoch_min, uint8_t *day_of_week)
{
	int64_t e = epoch_min;
	int64_t days = e >= 0 ? e / CALENDAR_MIN_PER_DAY
	                      : -((-e + CALENDAR_MIN_PER_DAY - 1) / CALENDAR_MIN_PER_DAY);
	int64_t mod = e - days * CALENDAR_MIN_PER_DAY;
	int64_t y = 0;
	unsigned m = 0, d = 0;
	civil_from_days(days, &y, &m, &d);
	ble_date_time dt = {(uint16_t)(y < 1582   ? 1582
	                               : y > 9999 ? 9999
	                                          : y),
	                    (uint8_t)m,
	                    (uint8_t)d,
	                    (uint8_t)(mod / 60),
	                    (uint8_t)(mod % 60),
	                    0};
	if (day_of_week) {
		int64_t w = (days % 7 + 7 + 4) % 7; /* 0 = Sunday (1970-01-01 was a Thursday) */
		*day_of_week = (uint8_t)(w == 0 ? 7 : w);
	}
	return dt;
}
