/*
 * Tests for sim/summary.c's alarms: the summary line names how many were raised, the first
 * and the worst (an alarm that stops therapy over a warning over a notice), with their clock
 * times; confirmations and snoozes are not new alarms; summary_json carries the same.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

static void raise_at(summary *s, int64_t t_min, pump_annunciation_type type, const char *how)
{
	const pump_event ev = {.t_min = t_min,
	                       .kind = PUMP_EV_ANNUNCIATION,
	                       .annunciation = {.type = type},
	                       .detail = how};
	summary_add_event(s, &ev);
}

Test(summary, no_alarm_says_none)
{
	summary s;
	summary_init(&s);
	char text[160];
	summary_alarms_text(&s, 0, text, sizeof text);
	cr_assert_str_eq(text, "none");
	char json[1400];
	summary_json(&s, json, sizeof json);
	cr_assert(strstr(json, "\"first_alarm\":null,\"first_alarm_min\":null"), "%s", json);
}

Test(summary, the_first_and_the_worst_alarm_are_named_with_their_clock_time)
{
	summary s;
	summary_init(&s);
	raise_at(&s, 100, PUMP_ANN_BOLUS_CANCELED, "raised");   /* a notice, first */
	raise_at(&s, 200, PUMP_ANN_RESERVOIR_LOW, "raised");    /* a warning */
	raise_at(&s, 250, PUMP_ANN_RESERVOIR_LOW, "confirmed"); /* not a new alarm */
	raise_at(&s, 300, PUMP_ANN_RESERVOIR_EMPTY, "raised");  /* an alarm: the worst */
	raise_at(&s, 400, PUMP_ANN_OCCLUSION, "raised");        /* as bad, but later */
	raise_at(&s, 500, PUMP_ANN_TBR_OVER, "raised");
	char text[160];
	summary_alarms_text(&s, 6 * 60, text, sizeof text); /* the run starts at 06:00 */
	cr_assert_str_eq(text,
	                 "5 (first bolus_canceled at d1 07:40, worst reservoir_empty at d1 11:00)");
	char json[1400];
	summary_json(&s, json, sizeof json);
	cr_assert(strstr(json, "\"annunciations\":5,"), "%s", json);
	cr_assert(strstr(json, "\"first_alarm\":\"bolus_canceled\",\"first_alarm_min\":100,"
	                       "\"worst_alarm\":\"reservoir_empty\",\"worst_alarm_min\":300"),
	          "%s", json);
}

Test(summary, one_alarm_is_named_once_and_the_line_ends_with_it)
{
	summary s;
	summary_init(&s);
	raise_at(&s, 1500, PUMP_ANN_OCCLUSION, "raised");
	char text[160];
	summary_alarms_text(&s, 0, text, sizeof text);
	cr_assert_str_eq(text, "1 (occlusion at d2 01:00)");
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	summary_print_line(&s, "day", "adult#001", 0, f);
	fclose(f);
	const char *tail = ", alarms 1 (occlusion at d2 01:00)";
	cr_assert(len > strlen(tail) && strcmp(line + len - strlen(tail), tail) == 0, "%s", line);
	free(line);
}
