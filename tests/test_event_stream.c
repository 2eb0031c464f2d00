/*
 * The event stream (sim/event_stream.c): every line one valid JSON object, flushed, with
 * t_min, wall and type first; strings escaped; non-finite numbers null; a line too long
 * for the buffer cut at a field boundary and still closed.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event_stream.h"

static char path[64];

static event_stream *open_tmp(void)
{
	snprintf(path, sizeof path, "/tmp/fakepump-events-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	char err[200];
	event_stream *es = event_stream_open(path, err, sizeof err);
	cr_assert_not_null(es, "%s", err);
	return es;
}

/* The file as it is now (the stream must have flushed it already). */
static char *slurp(void)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	static char buf[16384];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(event_stream, a_line_is_flushed_as_soon_as_it_ends_with_time_wall_and_type_first)
{
	event_stream *es = open_tmp();
	event_stream_begin(es, 42, "passkey_displayed");
	event_stream_str(es, "passkey", "012345");
	event_stream_end(es);
	const char *text = slurp(); /* before close */
	cr_assert(strncmp(text, "{\"t_min\":42,\"wall\":\"", 20) == 0, "%s", text);
	cr_assert(strstr(text, "Z\",\"type\":\"passkey_displayed\",\"passkey\":\"012345\"}\n"),
	          "%s", text);
	event_stream_close(es);
	unlink(path);
}

Test(event_stream, strings_are_escaped_and_non_finite_numbers_are_null)
{
	event_stream *es = open_tmp();
	event_stream_begin(es, 0, "x");
	event_stream_str(es, "s", "a\"b\\c\nd\x01");
	event_stream_num(es, "nan", NAN);
	event_stream_num(es, "inf", INFINITY);
	event_stream_num(es, "v", 2.5);
	event_stream_int(es, "i", -7);
	event_stream_bool(es, "b", true);
	event_stream_str(es, "none", NULL);
	event_stream_end(es);
	event_stream_close(es);
	const char *text = slurp();
	cr_assert(strstr(text, "\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"nan\":null,\"inf\":null,"
	                       "\"v\":2.5,\"i\":-7,\"b\":true,\"none\":null}\n"),
	          "%s", text);
	unlink(path);
}

Test(event_stream, a_line_too_long_is_cut_at_a_field_and_still_closed)
{
	event_stream *es = open_tmp();
	static char big[6000];
	memset(big, 'x', sizeof big - 1);
	event_stream_begin(es, 1, "big");
	event_stream_str(es, "small", "ok");
	event_stream_str(es, "huge", big);
	event_stream_str(es, "after", "dropped");
	event_stream_end(es);
	event_stream_begin(es, 2, "next");
	event_stream_end(es);
	event_stream_close(es);
	const char *text = slurp();
	cr_assert(strstr(text, "\"small\":\"ok\"}\n{\"t_min\":2,"), "%s", text);
	cr_assert_null(strstr(text, "dropped"));
	unlink(path);
}

Test(event_stream, a_refused_phone_write_carries_its_reason_and_att_error)
{
	event_stream *es = open_tmp();
	ble_audit_event ev = {.t_min = 5,
	                      .kind = BLE_AUDIT_WRITE,
	                      .link_identity = "/org/bluez/hci0/dev_AA",
	                      .link_security = GATT_SEC_SECURE,
	                      .char_name = "IDD Command Control Point",
	                      .decision = BLE_DECISION_REFUSED,
	                      .att_error = 0x82,
	                      .reason = "e2e: invalid counter",
	                      .raw_hex = "4B 11",
	                      .count = 1};
	event_stream_audit(es, &ev);
	event_stream_close(es);
	const char *text = slurp();
	cr_assert(strstr(text, "\"type\":\"ble_refused\",\"kind\":\"write\""), "%s", text);
	cr_assert(strstr(text, "\"reason\":\"e2e: invalid counter\",\"att_error\":130"), "%s",
	          text);
	unlink(path);
}

Test(event_stream, an_unwritable_path_is_an_error_naming_it)
{
	char err[200];
	cr_assert_null(event_stream_open("/nonexistent-dir/events.jsonl", err, sizeof err));
	cr_assert(strstr(err, "/nonexistent-dir/events.jsonl"), "%s", err);
}
