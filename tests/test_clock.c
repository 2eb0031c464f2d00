/*
 * Tests of clock (sim/clock.h): the one "dN HH:MM" formatter, the one duration grammar and
 * the one clock-time grammar (the scenario loader and the command line use them).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"

Test(clock_format, writes_day_and_time_with_days_counted_from_one)
{
	char buf[CLOCK_TEXT_MAX];
	cr_assert_str_eq(clock_format(0, buf, sizeof buf), "d1 00:00");
	cr_assert_str_eq(clock_format(7 * 60 + 5, buf, sizeof buf), "d1 07:05");
	cr_assert_str_eq(clock_format(1439, buf, sizeof buf), "d1 23:59");
	cr_assert_str_eq(clock_format(1440, buf, sizeof buf), "d2 00:00");
	cr_assert_str_eq(clock_format(9 * 1440 + 13 * 60 + 40, buf, sizeof buf), "d10 13:40");
}

Test(clock_format, counts_negative_minutes_back_from_day_one)
{
	char buf[CLOCK_TEXT_MAX];
	cr_assert_str_eq(clock_format(-1, buf, sizeof buf), "d0 23:59");
	cr_assert_str_eq(clock_format(-1441, buf, sizeof buf), "d-1 23:59");
	int64_t day = 0;
	int min = -1;
	clock_split(-1440, &day, &min);
	cr_assert(day == 0 && min == 0, "got day %lld minute %d", (long long)day, min);
}

Test(clock_format, fits_the_extremes_in_clock_text_max)
{
	char buf[CLOCK_TEXT_MAX];
	clock_format(INT64_MAX, buf, sizeof buf);
	cr_assert_str_eq(buf, "d6405119470038039 18:07");
	clock_format(INT64_MIN, buf, sizeof buf);
	cr_assert_eq(buf[0], 'd');
	cr_assert_lt(strlen(buf), sizeof buf - 1, "'%s' was cut", buf);
}

Test(clock_format, truncates_to_the_buffer_like_snprintf)
{
	char buf[5];
	cr_assert_str_eq(clock_format(1440 + 60, buf, sizeof buf), "d2 0");
}

Test(clock_format_short, leaves_out_day_one)
{
	char buf[CLOCK_TEXT_MAX];
	cr_assert_str_eq(clock_format_short(7 * 60, buf, sizeof buf), "07:00");
	cr_assert_str_eq(clock_format_short(1440 + 7 * 60, buf, sizeof buf), "d2 07:00");
}

Test(clock_format_hhmm, writes_the_time_of_day_of_any_day)
{
	char buf[CLOCK_TEXT_MAX];
	cr_assert_str_eq(clock_format_hhmm(0, buf, sizeof buf), "00:00");
	cr_assert_str_eq(clock_format_hhmm(3 * 1440 + 23 * 60 + 59, buf, sizeof buf), "23:59");
	cr_assert_str_eq(clock_format_hhmm(-30, buf, sizeof buf), "23:30");
}

/* Minutes, at most 3650 days: what a scenario's durations allow. */
static duration_result minutes(const char *text, int64_t *out)
{
	return duration_parse(text, 60, 3650LL * 1440, out);
}

Test(duration_parse, reads_s_m_h_d_and_decimals_exactly)
{
	static const struct {
		const char *text;
		int64_t min;
	} ok[] = {
	    {"90m", 90},   {"1.5h", 90},  {"2d", 2880},        {"120s", 2},        {"0.25h", 15},
	    {"1m", 1},     {"24h", 1440}, {"0.5d", 720},       {"3650d", 5256000}, {"007m", 7},
	    {"1.50h", 90}, {"60.0s", 1},  {"87600h", 5256000}, {"0.1h", 6},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t min = -1;
		cr_assert_eq(minutes(ok[i].text, &min), DURATION_PARSED, "'%s' refused",
		             ok[i].text);
		cr_assert_eq(min, ok[i].min, "'%s' gave %lld", ok[i].text, (long long)min);
	}
}

Test(duration_parse, says_why_a_text_is_refused)
{
	static const struct {
		const char *text;
		duration_result why;
	} bad[] = {
	    {"90", DURATION_BAD_SYNTAX},
	    {"1.5", DURATION_BAD_SYNTAX},
	    {"-5m", DURATION_BAD_SYNTAX},
	    {"+5m", DURATION_BAD_SYNTAX},
	    {" 24h", DURATION_BAD_SYNTAX},
	    {"24h ", DURATION_BAD_SYNTAX},
	    {"24 h", DURATION_BAD_SYNTAX},
	    {"24hr", DURATION_BAD_SYNTAX},
	    {"24H", DURATION_BAD_SYNTAX},
	    {"2min", DURATION_BAD_SYNTAX},
	    {"1.h", DURATION_BAD_SYNTAX},
	    {".5h", DURATION_BAD_SYNTAX},
	    {"1e3m", DURATION_BAD_SYNTAX},
	    {"0x10m", DURATION_BAD_SYNTAX},
	    {"1,5h", DURATION_BAD_SYNTAX},
	    {"", DURATION_BAD_SYNTAX},
	    /* the syntax is judged before the value, even past a nanosecond */
	    {"1.0000000001x", DURATION_BAD_SYNTAX},
	    {"90s", DURATION_NOT_WHOLE},
	    {"0.5m", DURATION_NOT_WHOLE},
	    {"1.0000000001m", DURATION_NOT_WHOLE},
	    {"0m", DURATION_ZERO},
	    {"0.000h", DURATION_ZERO},
	    {"3651d", DURATION_OVER_MAX},
	    {"5256001m", DURATION_OVER_MAX},
	    {"3650.5d", DURATION_OVER_MAX},
	    {"9999999999999999999999m", DURATION_OVER_MAX},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t min = -1;
		const duration_result r = minutes(bad[i].text, &min);
		cr_assert_eq(r, bad[i].why, "'%s': result %d, expected %d", bad[i].text, (int)r,
		             (int)bad[i].why);
		cr_assert_eq(min, -1, "'%s' wrote %lld", bad[i].text, (long long)min);
	}
	int64_t min = -1;
	cr_assert_eq(minutes(NULL, &min), DURATION_BAD_SYNTAX);
}

Test(duration_parse, counts_seconds_for_the_pairing_window)
{
	int64_t s = -1;
	cr_assert_eq(duration_parse("90s", 1, 86400, &s), DURATION_PARSED);
	cr_assert_eq(s, 90);
	cr_assert_eq(duration_parse("0.5m", 1, 86400, &s), DURATION_PARSED);
	cr_assert_eq(s, 30);
	cr_assert_eq(duration_parse("1d", 1, 86400, &s), DURATION_PARSED);
	cr_assert_eq(s, 86400);
	cr_assert_eq(duration_parse("24.001h", 1, 86400, &s), DURATION_NOT_WHOLE);
	cr_assert_eq(duration_parse("25h", 1, 86400, &s), DURATION_OVER_MAX);
	cr_assert_eq(duration_parse("1.5s", 1, 86400, &s), DURATION_NOT_WHOLE);
}

Test(clock_minute, is_the_inverse_of_clock_split)
{
	cr_assert_eq(clock_minute(1, 0), 0);
	cr_assert_eq(clock_minute(1, 7 * 60), 420);
	cr_assert_eq(clock_minute(2, 7 * 60), 1440 + 420);
	cr_assert_eq(clock_minute(0, 23 * 60 + 59), -1);
	for (int64_t m = -3000; m <= 3000; m += 7) {
		int64_t day;
		int min_of_day;
		clock_split(m, &day, &min_of_day);
		cr_assert_eq(clock_minute(day, min_of_day), m, "minute %lld", (long long)m);
	}
}

/* As a scenario reads them: days up to 3651 (a 3650-day run that starts late in the day). */
static clock_time_result clock_time(const char *text, int *day, int *min_of_day)
{
	return clock_time_parse(text, 3651, day, min_of_day);
}

Test(clock_time_parse, reads_day_one_and_later_days)
{
	static const struct {
		const char *text;
		int day, min_of_day;
	} ok[] = {
	    {"00:00", 1, 0},      {"07:00", 1, 420},     {"23:59", 1, 1439},
	    {"7:05", 1, 425},     {"d1 07:00", 1, 420},  {"d2 07:00", 2, 420},
	    {"d10 00:00", 10, 0}, {"d2  12:30", 2, 750}, {"d3651 23:59", 3651, 1439},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int day = -1, min = -1;
		cr_assert_eq(clock_time(ok[i].text, &day, &min), CLOCK_TIME_PARSED, "'%s' refused",
		             ok[i].text);
		cr_assert_eq(day, ok[i].day, "'%s' day %d", ok[i].text, day);
		cr_assert_eq(min, ok[i].min_of_day, "'%s' minute %d", ok[i].text, min);
	}
}

Test(clock_time_parse, says_why_a_time_is_refused_and_writes_nothing)
{
	static const struct {
		const char *text;
		clock_time_result why;
	} bad[] = {
	    {"24:00", CLOCK_TIME_BAD_HOUR},
	    {"25:00", CLOCK_TIME_BAD_HOUR},
	    {"07:60", CLOCK_TIME_BAD_MINUTE},
	    {"d0 07:00", CLOCK_TIME_DAY_ZERO},
	    {"d3652 00:00", CLOCK_TIME_DAY_OVER_MAX},
	    {"7", CLOCK_TIME_BAD_SYNTAX},
	    {"07:0", CLOCK_TIME_BAD_SYNTAX},
	    {"07:000", CLOCK_TIME_BAD_SYNTAX},
	    {"d2", CLOCK_TIME_BAD_SYNTAX},
	    {"d207:00", CLOCK_TIME_BAD_SYNTAX},
	    {"D2 07:00", CLOCK_TIME_BAD_SYNTAX},
	    {" 07:00", CLOCK_TIME_BAD_SYNTAX},
	    {"07:00 ", CLOCK_TIME_BAD_SYNTAX},
	    {"-1:00", CLOCK_TIME_BAD_SYNTAX},
	    {"d-1 07:00", CLOCK_TIME_BAD_SYNTAX},
	    {"07h00", CLOCK_TIME_BAD_SYNTAX},
	    {"", CLOCK_TIME_BAD_SYNTAX},
	    {"d 07:00", CLOCK_TIME_BAD_SYNTAX},
	    {"d2 ", CLOCK_TIME_BAD_SYNTAX},
	    {"123:00", CLOCK_TIME_BAD_SYNTAX},
	    {"07.00", CLOCK_TIME_BAD_SYNTAX},
	    {"d123456789 07:00", CLOCK_TIME_BAD_SYNTAX},
	    /* the syntax is judged before the values */
	    {"99:99 ", CLOCK_TIME_BAD_SYNTAX},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int day = -1, min = -1;
		const clock_time_result r = clock_time(bad[i].text, &day, &min);
		cr_assert_eq(r, bad[i].why, "'%s': result %d, expected %d", bad[i].text, (int)r,
		             (int)bad[i].why);
		cr_assert(day == -1 && min == -1, "'%s' wrote day %d minute %d", bad[i].text, day,
		          min);
	}
	int day = -1, min = -1;
	cr_assert_eq(clock_time(NULL, &day, &min), CLOCK_TIME_BAD_SYNTAX);
}
