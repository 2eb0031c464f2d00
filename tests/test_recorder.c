/*
 * Tests for sim/record/ (recorder.h, recorder_read.h): the schema a new file gets, samples
 * and events read back bit for bit, many runs in one file, commits exactly at batch
 * boundaries (seen from a second connection), a run not ended stays 'running', the CSV
 * export and the runs table, errors with the path in them, and the stored scenario hash
 * against the FIPS 180-4 SHA-256 examples. The kill -9 test is tests/test_recorder_crash.c.
 *
 * Checks go through a separate SQLite connection, as a user's `sqlite3` shell would.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "record_facts.h"
#include "recorder.h"
#include "recorder_read.h"
#include "support.h"

static char *tmp;
static char db_path[600];

static void make_tmp(void)
{
	tmp = make_temp_dir();
	cr_assert_not_null(tmp);
	snprintf(db_path, sizeof db_path, "%s/runs.db", tmp);
}

static void drop_tmp(void)
{
	remove_tree(tmp);
	free(tmp);
}

TestSuite(recorder, .init = make_tmp, .fini = drop_tmp);

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */
/* ------------------------------------------------------------------------------------ */

static const char scenario_yaml[] = "name: day\npatient: adult#001\nduration: 1d\n";

static recorder_run_info run_info(const char *name)
{
	return (recorder_run_info){.scenario_name = name,
	                           .scenario_path = "scenarios/day.yaml",
	                           .scenario_text = scenario_yaml,
	                           .seed = 42,
	                           .patient = "adult#001",
	                           .duration_min = 1440,
	                           .start_min_of_day = 360,
	                           .fakepump_version = "0.1.0"};
}

static recorder *open_ok(void)
{
	char err[512];
	recorder *r = NULL;
	cr_assert(recorder_open(db_path, &r, err, sizeof err), "open %s: %s", db_path, err);
	cr_assert_not_null(r);
	return r;
}

static int64_t begin_ok(recorder *r, const char *name)
{
	char err[512];
	int64_t id = 0;
	const recorder_run_info info = run_info(name);
	cr_assert(recorder_begin_run(r, &info, &id, err, sizeof err), "begin_run: %s", err);
	cr_assert_gt(id, 0);
	return id;
}

/* Sample k of a test run: every value distinct, not integral, CGM every 5th minute. */
static recorder_sample sample_at(int64_t k)
{
	const double x = (double)k;
	return (recorder_sample){.t_min = k,
	                         .bg_mgdl = 100.0 + x / 3.0,
	                         .gsub_mgdl = 99.0 + x / 7.0,
	                         .cgm_mgdl = k % 5 == 0 ? 101.0 + x / 11.0 : NAN,
	                         .cho_g_per_min = x / 13.0,
	                         .meal_announced_g = k == 3 ? 60.0 : 0.0,
	                         .basal_u_per_min = 0.9 / 60.0,
	                         .bolus_u = x / 17.0,
	                         .insulin_u_per_min = 0.9 / 60.0 + x / 17.0,
	                         .basal_u_per_h = 0.9,
	                         .iob_u = x / 19.0,
	                         .reservoir_u = 300.0 - x / 23.0,
	                         .battery_pct = 100.0 - x / 29.0,
	                         .therapy_state = (int)(k % 3),
	                         .annunciation = (int)(k % 4)};
}

static void add_samples(recorder *r, int64_t from, int64_t to)
{
	for (int64_t k = from; k < to; k++) {
		const recorder_sample s = sample_at(k);
		cr_assert(recorder_add_sample(r, &s), "add_sample %lld: %s", (long long)k,
		          recorder_error(r));
	}
}

static sqlite3 *check_db(void)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

/* The first column of the first row of sql, as an integer. */
static int64_t q_int(const char *sql)
{
	sqlite3 *db = check_db();
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
	             sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	const int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The first column of the first row of sql, as text (owned; "(null)" for NULL). */
static char *q_text(const char *sql)
{
	sqlite3 *db = check_db();
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
	             sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *v = strdup(t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void assert_text(const char *sql, const char *expected)
{
	char *v = q_text(sql);
	cr_assert_str_eq(v, expected, "%s", sql);
	free(v);
}

/* A double column equal bit for bit (NAN expected = SQL NULL). */
static void assert_real_col(sqlite3_stmt *st, int col, double expected, const char *what, int64_t k)
{
	if (isnan(expected)) {
		cr_assert_eq(sqlite3_column_type(st, col), SQLITE_NULL, "%s at %lld: not NULL",
		             what, (long long)k);
		return;
	}
	const double got = sqlite3_column_double(st, col);
	cr_assert(memcmp(&got, &expected, sizeof got) == 0, "%s at %lld: %.17g != %.17g", what,
	          (long long)k, got, expected);
}

/* Everything written to a FILE, via open_memstream. */
typedef struct capture {
	char *text;
	size_t len;
	FILE *f;
} capture;

/* In place: the stream keeps the addresses of c->text and c->len. */
static void capture_open(capture *c)
{
	*c = (capture){0};
	c->f = open_memstream(&c->text, &c->len);
	cr_assert_not_null(c->f);
}

static void capture_close(capture *c)
{
	fclose(c->f);
	c->f = NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Schema                                                                                */
/* ------------------------------------------------------------------------------------ */

Test(recorder, a_new_file_gets_the_schema_in_wal_mode)
{
	recorder_close(open_ok());
	cr_assert_eq(q_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
	                   "('runs', 'samples', 'events', 'codes')"),
	             4);
	cr_assert_eq(q_int("PRAGMA user_version"), 4);
	cr_assert_eq(q_int("PRAGMA application_id"), 0x46506d70);
	assert_text("PRAGMA journal_mode", "wal");
	cr_assert_eq(q_int("SELECT count(*) FROM sqlite_schema WHERE name IN ('samples', 'events', "
	                   "'codes') AND sql LIKE '%WITHOUT ROWID'"),
	             3);
	/* Every sample column the API has, with its unit in the name. */
	cr_assert_eq(q_int("SELECT count(*) FROM pragma_table_info('samples') WHERE name IN "
	                   "('run_id', 't_min', 'bg_mgdl', 'gsub_mgdl', 'cgm_mgdl', "
	                   "'cho_g_per_min', 'meal_announced_g', 'basal_u_per_min', 'bolus_u', "
	                   "'insulin_u_per_min', 'basal_u_per_h', 'iob_u', 'reservoir_u', "
	                   "'battery_pct', 'therapy_state', 'annunciation')"),
	             16);
	cr_assert_eq(q_int("SELECT count(*) FROM pragma_table_info('samples')"), 16);
	assert_text("PRAGMA integrity_check", "ok");
}

Test(recorder, reopening_keeps_the_schema_and_the_runs)
{
	recorder *r = open_ok();
	begin_ok(r, "first");
	cr_assert(recorder_end_run(r, "done", NULL));
	recorder_close(r);
	r = open_ok();
	cr_assert_eq(begin_ok(r, "second"), 2);
	cr_assert(recorder_end_run(r, "passed", NULL));
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM runs"), 2);
	assert_text("SELECT group_concat(scenario_name, ',') FROM runs ORDER BY id",
	            "first,second");
}

/* ------------------------------------------------------------------------------------ */
/* Round trips                                                                           */
/* ------------------------------------------------------------------------------------ */

Test(recorder, run_row_holds_the_info_the_scenario_hash_and_the_versions)
{
	recorder *r = open_ok();
	const int64_t id = begin_ok(r, "day");
	/* SHA-256 of scenario_yaml, from Python's hashlib */
	const char *sha = "56975b64275d992f48a5300e6f5d87e9b32d3b9958317d25a478f0d98c330bba";

	assert_text("SELECT scenario_name FROM runs WHERE id = 1", "day");
	assert_text("SELECT scenario_path FROM runs WHERE id = 1", "scenarios/day.yaml");
	assert_text("SELECT scenario_text FROM runs WHERE id = 1", scenario_yaml);
	assert_text("SELECT scenario_sha256 FROM runs WHERE id = 1", sha);
	cr_assert_eq(q_int("SELECT seed FROM runs WHERE id = 1"), 42);
	assert_text("SELECT patient FROM runs WHERE id = 1", "adult#001");
	cr_assert_eq(q_int("SELECT duration_min FROM runs WHERE id = 1"), 1440);
	cr_assert_eq(q_int("SELECT start_min_of_day FROM runs WHERE id = 1"), 360);
	assert_text("SELECT fakepump_version FROM runs WHERE id = 1", "0.1.0");
	assert_text("SELECT sqlite_version FROM runs WHERE id = 1", sqlite3_libversion());
	assert_text("SELECT status FROM runs WHERE id = 1", "running");
	assert_text("SELECT ended_at FROM runs WHERE id = 1", "(null)");
	/* ISO-8601 UTC with milliseconds, and a time SQLite itself can read back. */
	cr_assert_eq(q_int("SELECT started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
	                   "[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' AND "
	                   "julianday(started_at) IS NOT NULL FROM runs WHERE id = 1"),
	             1);

	add_samples(r, 0, 3);
	cr_assert(recorder_end_run(r, "failed", "{\"tir_pct\": 71.5, \"failures\": [\"bg\"]}"));
	assert_text("SELECT status FROM runs WHERE id = 1", "failed");
	cr_assert_eq(q_int("SELECT ended_at >= started_at FROM runs WHERE id = 1"), 1);
	assert_text("SELECT summary_json ->> '$.tir_pct' FROM runs WHERE id = 1", "71.5");
	cr_assert_eq(q_int("SELECT sample_count FROM runs WHERE id = 1"), 3);
	recorder_close(r);
	cr_assert_eq(id, 1);
}

Test(recorder, run_without_scenario_text_has_no_hash_and_no_path)
{
	recorder *r = open_ok();
	recorder_run_info info = run_info("builtin");
	info.scenario_text = NULL;
	info.scenario_path = NULL;
	info.fakepump_version = NULL;
	int64_t id;
	cr_assert(recorder_begin_run(r, &info, &id, NULL, 0));
	recorder_close(r);
	assert_text("SELECT quote(scenario_text) || quote(scenario_sha256) || quote(scenario_path) "
	            "|| quote(fakepump_version) FROM runs",
	            "NULLNULLNULLNULL");
}

Test(recorder, samples_read_back_bit_for_bit_with_nan_as_null)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 100)); /* 3 statements of 32 rows + 4 single rows */
	begin_ok(r, "round-trip");
	add_samples(r, 0, 250);
	cr_assert(recorder_end_run(r, "done", NULL));
	recorder_close(r);

	sqlite3 *db = check_db();
	sqlite3_stmt *st = NULL;
	cr_assert_eq(
	    sqlite3_prepare_v2(db,
	                       "SELECT t_min, bg_mgdl, gsub_mgdl, cgm_mgdl, cho_g_per_min, "
	                       "meal_announced_g, basal_u_per_min, bolus_u, "
	                       "insulin_u_per_min, basal_u_per_h, iob_u, reservoir_u, "
	                       "battery_pct, therapy_state, annunciation, run_id "
	                       "FROM samples ORDER BY t_min",
	                       -1, &st, NULL),
	    SQLITE_OK);
	int64_t k = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const recorder_sample s = sample_at(k);
		cr_assert_eq(sqlite3_column_int64(st, 0), k);
		assert_real_col(st, 1, s.bg_mgdl, "bg_mgdl", k);
		assert_real_col(st, 2, s.gsub_mgdl, "gsub_mgdl", k);
		assert_real_col(st, 3, s.cgm_mgdl, "cgm_mgdl", k);
		assert_real_col(st, 4, s.cho_g_per_min, "cho_g_per_min", k);
		assert_real_col(st, 5, s.meal_announced_g, "meal_announced_g", k);
		assert_real_col(st, 6, s.basal_u_per_min, "basal_u_per_min", k);
		assert_real_col(st, 7, s.bolus_u, "bolus_u", k);
		assert_real_col(st, 8, s.insulin_u_per_min, "insulin_u_per_min", k);
		assert_real_col(st, 9, s.basal_u_per_h, "basal_u_per_h", k);
		assert_real_col(st, 10, s.iob_u, "iob_u", k);
		assert_real_col(st, 11, s.reservoir_u, "reservoir_u", k);
		assert_real_col(st, 12, s.battery_pct, "battery_pct", k);
		cr_assert_eq(sqlite3_column_int(st, 13), s.therapy_state);
		cr_assert_eq(sqlite3_column_int(st, 14), s.annunciation);
		cr_assert_eq(sqlite3_column_int64(st, 15), 1);
		k++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	cr_assert_eq(k, 250);
}

Test(recorder, events_read_back_in_order_with_seq_and_nulls)
{
	recorder *r = open_ok();
	begin_ok(r, "events");
	const recorder_event ev[] = {
	    {.t_min = 0, .type = "meal", .source = "scenario", .value = 60, .value2 = NAN},
	    {.t_min = 7,
	     .type = "command",
	     .source = "phone",
	     .name = "bolus",
	     .result = "max_bolus",
	     .value = 30.0,
	     .value2 = 25.0,
	     .detail = "{\"requested_u\": 30}"},
	    {.t_min = 7,
	     .type = "annunciation",
	     .source = "pump",
	     .name = "occlusion",
	     .value = NAN,
	     .value2 = NAN,
	     .detail = "line blocked"},
	};
	for (size_t i = 0; i < 3; i++)
		cr_assert(recorder_add_event(r, &ev[i]), "%s", recorder_error(r));
	cr_assert(recorder_end_run(r, "done", NULL));
	recorder_close(r);

	cr_assert_eq(q_int("SELECT count(*) FROM events WHERE run_id = 1"), 3);
	assert_text("SELECT group_concat(seq || ':' || t_min || ':' || type, ' ') FROM "
	            "(SELECT * FROM events ORDER BY seq)",
	            "0:0:meal 1:7:command 2:7:annunciation");
	assert_text("SELECT quote(name) || quote(result) || quote(value2) || quote(detail) FROM "
	            "events WHERE seq = 0",
	            "NULLNULLNULLNULL");
	assert_text(
	    "SELECT source || ' ' || name || ' ' || result || ' ' || value || ' ' || value2 "
	    "|| ' ' || detail FROM events WHERE seq = 1",
	    "phone bolus max_bolus 30.0 25.0 {\"requested_u\": 30}");
	assert_text("SELECT quote(value) || ' ' || detail FROM events WHERE seq = 2",
	            "NULL line blocked");
}

Test(recorder, many_runs_share_one_file_and_keep_their_own_rows)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 7));
	for (int run = 1; run <= 5; run++) {
		char name[16];
		snprintf(name, sizeof name, "run%d", run);
		cr_assert_eq(begin_ok(r, name), run);
		add_samples(r, 0, 10 * run);
		const recorder_event e = {.t_min = 1, .type = "meal", .value = run, .value2 = NAN};
		cr_assert(recorder_add_event(r, &e));
		cr_assert(recorder_end_run(r, run % 2 ? "passed" : "failed", NULL));
	}
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM runs"), 5);
	assert_text("SELECT group_concat(n, ',') FROM (SELECT count(*) AS n FROM samples "
	            "GROUP BY run_id ORDER BY run_id)",
	            "10,20,30,40,50");
	assert_text("SELECT group_concat(sample_count, ',') FROM runs", "10,20,30,40,50");
	/* seq restarts at 0 in each run */
	cr_assert_eq(q_int("SELECT count(*) FROM events WHERE seq = 0"), 5);
	assert_text("SELECT group_concat(status, ',') FROM runs",
	            "passed,failed,passed,failed,passed");
}

Test(recorder, two_recorders_on_one_file_take_turns)
{
	recorder *a = open_ok(), *b = open_ok();
	cr_assert(recorder_set_batch(a, 10));
	cr_assert(recorder_set_batch(b, 10));
	const int64_t ida = begin_ok(a, "a"), idb = begin_ok(b, "b");
	for (int64_t k = 0; k < 95; k++) {
		const recorder_sample s = sample_at(k);
		cr_assert(recorder_add_sample(a, &s), "%s", recorder_error(a));
		cr_assert(recorder_add_sample(b, &s), "%s", recorder_error(b));
	}
	cr_assert(recorder_end_run(a, "done", NULL));
	cr_assert(recorder_end_run(b, "done", NULL));
	recorder_close(a);
	recorder_close(b);
	cr_assert_neq(ida, idb);
	assert_text("SELECT group_concat(sample_count, ',') FROM runs", "95,95");
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 190);
}

/* ------------------------------------------------------------------------------------ */
/* Batches and incomplete runs                                                           */
/* ------------------------------------------------------------------------------------ */

Test(recorder, samples_commit_exactly_at_each_batch_boundary)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 10));
	begin_ok(r, "batches");
	cr_assert_eq(q_int("SELECT count(*) FROM runs"), 1, "the run is committed at begin");

	add_samples(r, 0, 9);
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 0);
	cr_assert_eq(recorder_committed_samples(r), 0);
	add_samples(r, 9, 10);
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 10);
	cr_assert_eq(q_int("SELECT sample_count FROM runs"), 10);
	cr_assert_eq(recorder_committed_samples(r), 10);
	add_samples(r, 10, 29);
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 20);
	cr_assert_eq(recorder_committed_samples(r), 20);
	cr_assert(recorder_end_run(r, "done", NULL));
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 29);
	cr_assert_eq(q_int("SELECT sample_count FROM runs"), 29);
	cr_assert_eq(recorder_committed_samples(r), 0, "no run in progress");
	recorder_close(r);
}

Test(recorder, events_commit_with_the_samples_batch)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 10));
	begin_ok(r, "events-batch");
	add_samples(r, 0, 5);
	const recorder_event e = {.t_min = 4, .type = "command", .value = NAN, .value2 = NAN};
	cr_assert(recorder_add_event(r, &e));
	cr_assert_eq(q_int("SELECT count(*) FROM events"), 0);
	add_samples(r, 5, 10);
	cr_assert_eq(q_int("SELECT count(*) FROM events"), 1);
	recorder_close(r);
}

Test(recorder, many_events_without_samples_commit_on_their_own)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 4));
	begin_ok(r, "event-storm");
	const recorder_event e = {.t_min = 0, .type = "security", .value = NAN, .value2 = NAN};
	for (int i = 0; i < 9; i++)
		cr_assert(recorder_add_event(r, &e));
	cr_assert_eq(q_int("SELECT count(*) FROM events"), 8);
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM events"), 9);
}

Test(recorder, run_closed_without_end_stays_running_with_its_samples)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 10));
	begin_ok(r, "abandoned");
	add_samples(r, 0, 25);
	recorder_close(r); /* commits the last 5, does not end the run */
	assert_text("SELECT status FROM runs", "running");
	assert_text("SELECT quote(ended_at) FROM runs", "NULL");
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 25);
	cr_assert_eq(q_int("SELECT sample_count FROM runs"), 25);
}

Test(recorder, set_batch_mid_run_commits_what_is_pending)
{
	recorder *r = open_ok();
	begin_ok(r, "rebatch");
	add_samples(r, 0, 7);
	cr_assert(recorder_set_batch(r, 3));
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 7);
	add_samples(r, 7, 10);
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 10);
	cr_assert_not(recorder_set_batch(r, 0));
	cr_assert(strstr(recorder_error(r), "at least 1"), "%s", recorder_error(r));
	recorder_close(r);
}

Test(recorder, a_failed_commit_keeps_the_batch_and_the_next_call_retries_it)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 5));
	cr_assert(recorder_set_busy_timeout(r, 20));
	cr_assert_not(recorder_set_busy_timeout(r, -1));
	begin_ok(r, "locked-out");
	add_samples(r, 0, 4);

	/* Another writer holds the lock: the batch cannot commit. */
	sqlite3 *other = NULL;
	cr_assert_eq(sqlite3_open(db_path, &other), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	recorder_sample s = sample_at(4);
	cr_assert_not(recorder_add_sample(r, &s), "the 5th sample's commit must fail");
	cr_assert(strstr(recorder_error(r), "database is locked"), "%s", recorder_error(r));
	cr_assert_eq(recorder_committed_samples(r), 0);
	s = sample_at(5);
	cr_assert_not(recorder_add_sample(r, &s), "full buffer, still locked: refused");
	cr_assert_not(recorder_end_run(r, "done", NULL));
	cr_assert_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);

	/* Unlocked: the same sample again commits the kept batch, then is buffered itself. */
	cr_assert(recorder_add_sample(r, &s), "%s", recorder_error(r));
	cr_assert_eq(recorder_committed_samples(r), 5);
	cr_assert(recorder_end_run(r, "done", NULL), "%s", recorder_error(r));
	recorder_close(r);
	assert_text("SELECT status || ' ' || sample_count FROM runs", "done 6");
	assert_text("SELECT group_concat(t_min, ',') FROM samples", "0,1,2,3,4,5");
}

/* ------------------------------------------------------------------------------------ */
/* Misuse                                                                                */
/* ------------------------------------------------------------------------------------ */

Test(recorder, sample_time_must_increase)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 4));
	begin_ok(r, "time");
	add_samples(r, 0, 6);
	recorder_sample s = sample_at(5);
	cr_assert_not(recorder_add_sample(r, &s));
	cr_assert(strstr(recorder_error(r), "t_min 5 does not follow the previous sample's 5"),
	          "%s", recorder_error(r));
	s = sample_at(2);
	cr_assert_not(recorder_add_sample(r, &s));
	add_samples(r, 6, 8);
	cr_assert(recorder_end_run(r, "done", NULL));
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM samples"), 8);
}

Test(recorder, calls_without_a_run_fail_and_say_so)
{
	recorder *r = open_ok();
	const recorder_sample s = sample_at(0);
	const recorder_event e = {.type = "meal", .value = NAN, .value2 = NAN};
	cr_assert_not(recorder_add_sample(r, &s));
	cr_assert(strstr(recorder_error(r), "no run in progress"), "%s", recorder_error(r));
	cr_assert(strncmp(recorder_error(r), db_path, strlen(db_path)) == 0, "%s",
	          recorder_error(r));
	cr_assert_not(recorder_add_event(r, &e));
	cr_assert_not(recorder_end_run(r, "done", NULL));
	cr_assert_eq(recorder_committed_samples(r), 0);
	recorder_close(r);
}

Test(recorder, a_second_begin_while_running_is_refused)
{
	recorder *r = open_ok();
	begin_ok(r, "one");
	char err[256];
	int64_t id = -1;
	const recorder_run_info info = run_info("two");
	cr_assert_not(recorder_begin_run(r, &info, &id, err, sizeof err));
	cr_assert(strstr(err, "run 1 is in progress"), "%s", err);
	cr_assert_eq(id, -1);
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM runs"), 1);
}

Test(recorder, bad_run_info_is_refused)
{
	recorder *r = open_ok();
	char err[256];
	int64_t id;
	recorder_run_info info = run_info("x");
	info.patient = NULL;
	cr_assert_not(recorder_begin_run(r, &info, &id, err, sizeof err));
	cr_assert(strstr(err, "scenario_name and patient are required"), "%s", err);
	info = run_info("");
	cr_assert_not(recorder_begin_run(r, &info, &id, err, sizeof err));
	info = run_info("x");
	info.start_min_of_day = 1440;
	cr_assert_not(recorder_begin_run(r, &info, &id, err, sizeof err));
	cr_assert(strstr(err, "start_min_of_day 0 to 1439, got 1440 and 1440"), "%s", err);
	info = run_info("x");
	info.duration_min = -1;
	cr_assert_not(recorder_begin_run(r, &info, &id, err, sizeof err));
	cr_assert_not(recorder_begin_run(r, NULL, &id, NULL, 0));
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM runs"), 0);
}

Test(recorder, bad_status_or_json_leaves_the_run_open_to_end_properly)
{
	recorder *r = open_ok();
	begin_ok(r, "ending");
	add_samples(r, 0, 3);
	cr_assert_not(recorder_end_run(r, "ok", NULL));
	cr_assert(
	    strstr(recorder_error(r), "expected status passed, failed, error or done, got 'ok'"),
	    "%s", recorder_error(r));
	cr_assert_not(recorder_end_run(r, NULL, NULL));
	cr_assert_not(recorder_end_run(r, "passed", "{not json"));
	cr_assert(strstr(recorder_error(r), "not valid JSON"), "%s", recorder_error(r));
	assert_text("SELECT status FROM runs", "running");
	cr_assert(recorder_end_run(r, "passed", "{}"), "%s", recorder_error(r));
	recorder_close(r);
	assert_text("SELECT status || ' ' || sample_count FROM runs", "passed 3");
}

Test(recorder, an_event_needs_a_type)
{
	recorder *r = open_ok();
	begin_ok(r, "typeless");
	const recorder_event e = {.t_min = 0, .type = NULL, .value = NAN, .value2 = NAN};
	cr_assert_not(recorder_add_event(r, &e));
	cr_assert(strstr(recorder_error(r), "type is required"), "%s", recorder_error(r));
	recorder_close(r);
}

/* ------------------------------------------------------------------------------------ */
/* Bad files                                                                             */
/* ------------------------------------------------------------------------------------ */

Test(recorder, a_path_that_cannot_be_opened_is_an_error_with_the_path)
{
	char err[512] = "";
	recorder *r = (recorder *)1;
	cr_assert_not(recorder_open("/nonexistent-dir/x/runs.db", &r, err, sizeof err));
	cr_assert_null(r);
	cr_assert(strstr(err, "/nonexistent-dir/x/runs.db: unable to open database file"), "%s",
	          err);
	cr_assert_not(recorder_open("", &r, err, sizeof err));
	cr_assert_not(recorder_open(NULL, &r, NULL, 0));
}

Test(recorder, a_file_that_is_not_a_database_is_refused)
{
	cr_assert_eq(write_file(db_path, "name: not a database, a scenario\n"
	                                 "patient: adult#001\nduration: 1d\n"),
	             0);
	char err[512] = "";
	recorder *r = NULL;
	cr_assert_not(recorder_open(db_path, &r, err, sizeof err));
	cr_assert(strstr(err, "file is not a database"), "%s", err);
	cr_assert(strncmp(err, db_path, strlen(db_path)) == 0, "%s", err);
	cr_assert_eq(recorder_list_runs(db_path, stdout, err, sizeof err), -1);
	cr_assert(strstr(err, "file is not a database"), "%s", err);
}

Test(recorder, a_database_with_other_tables_is_refused)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "CREATE TABLE runs (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char err[512] = "";
	recorder *r = NULL;
	cr_assert_not(recorder_open(db_path, &r, err, sizeof err));
	cr_assert(strstr(err, "not a fakepump database"), "%s", err);
	cr_assert_eq(recorder_list_runs(db_path, stdout, err, sizeof err), -1);
	cr_assert(strstr(err, "not a fakepump database"), "%s", err);
	cr_assert_eq(q_int("SELECT count(*) FROM sqlite_schema"), 1, "left as it was");
}

Test(recorder, a_newer_schema_is_refused)
{
	recorder_close(open_ok());
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 5", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char err[512] = "";
	recorder *r = NULL;
	cr_assert_not(recorder_open(db_path, &r, err, sizeof err));
	cr_assert(strstr(err, "schema version 5 is not the version 4 this build reads (newer)"),
	          "%s", err);
}

Test(recorder, readers_never_create_a_file)
{
	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_eq(recorder_list_runs(db_path, c.f, err, sizeof err), -1);
	cr_assert(strstr(err, "unable to open database file"), "%s", err);
	cr_assert_eq(recorder_export_csv(db_path, 1, c.f, err, sizeof err), -1);
	capture_close(&c);
	cr_assert_eq(c.len, 0);
	free(c.text);
	FILE *f = fopen(db_path, "r");
	cr_assert_null(f, "the reader created %s", db_path);
}

/* ------------------------------------------------------------------------------------ */
/* Reading side                                                                          */
/* ------------------------------------------------------------------------------------ */

Test(recorder, export_writes_the_trace_csv_columns_formats_and_code_names)
{
	recorder *r = open_ok();
	cr_assert(recorder_define_code(r, "therapy_state", 2, "run"));
	cr_assert(recorder_define_code(r, "annunciation", 0x3C, "occlusion"));
	recorder_run_info info = run_info("export");
	info.start_min_of_day = 1438; /* 23:58: the third sample is day 2, 00:00 */
	int64_t id;
	cr_assert(recorder_begin_run(r, &info, &id, NULL, 0));
	recorder_sample s = {.t_min = 0,
	                     .bg_mgdl = 120.5,
	                     .gsub_mgdl = 118.25,
	                     .cgm_mgdl = 121,
	                     .meal_announced_g = 60,
	                     .cho_g_per_min = 0.1,
	                     .basal_u_per_min = 0.015,
	                     .bolus_u = 6,
	                     .insulin_u_per_min = 6.015,
	                     .basal_u_per_h = 0.9,
	                     .iob_u = 6.123456789,
	                     .reservoir_u = 293.123456,
	                     .battery_pct = 87.654321,
	                     .therapy_state = 2,
	                     .annunciation = 0};
	cr_assert(recorder_add_sample(r, &s));
	s.t_min = 1;
	s.cgm_mgdl = NAN;
	s.meal_announced_g = 0;
	s.bolus_u = 0;
	s.insulin_u_per_min = 0.015;
	s.iob_u = 5.9;
	s.reservoir_u = 293;
	s.battery_pct = 87.5;
	s.therapy_state = 1;   /* no name defined: the number */
	s.annunciation = 0x3C; /* occlusion */
	cr_assert(recorder_add_sample(r, &s));
	s.t_min = 2;
	s.bg_mgdl = 1.0 / 3.0;
	s.iob_u = NAN;
	s.therapy_state = 2;
	s.annunciation = 0xAA; /* no name defined */
	cr_assert(recorder_add_sample(r, &s));
	cr_assert(recorder_end_run(r, "done", NULL));
	/* a second run, not exported */
	begin_ok(r, "other");
	add_samples(r, 0, 5);
	recorder_close(r);

	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_eq(recorder_export_csv(db_path, id, c.f, err, sizeof err), 3, "%s", err);
	capture_close(&c);
	/* The header is sim/csv_writer.c's, byte for byte. */
	cr_assert_str_eq(
	    c.text, "t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,cho_g_per_min,"
	            "insulin_u_per_min,basal_u_per_h,bolus_u,iob_u,reservoir_u,battery_pct,"
	            "therapy_state,annunciation\n"
	            "0,1,23:58,120.5,118.25,121,60,0.1,6.015,0.9,6,6.12346,293.123,87.6543,run,\n"
	            "1,1,23:59,120.5,118.25,,0,0.1,0.015,0.9,0,5.9,293,87.5000,1,occlusion\n"
	            "2,2,00:00,0.3333333333,118.25,,0,0.1,0.015,0.9,0,,293,87.5000,run,170\n");
	free(c.text);
}

Test(recorder, codes_are_stored_once_for_the_file_and_can_be_renamed)
{
	recorder *r = open_ok();
	cr_assert(recorder_define_code(r, "annunciation", 0x3C, "occlusion"));
	cr_assert(recorder_define_code(r, "annunciation", 0x3C, "occlusion_detected"));
	cr_assert(recorder_define_code(r, "therapy_state", 0, "stop"));
	cr_assert_not(recorder_define_code(r, "annunciation", 1, NULL));
	cr_assert(strstr(recorder_error(r), "kind and name are required"), "%s", recorder_error(r));
	cr_assert_not(recorder_define_code(r, "", 1, "x"));
	recorder_close(r);
	cr_assert_eq(q_int("SELECT count(*) FROM codes"), 2);
	assert_text("SELECT name FROM codes WHERE kind = 'annunciation' AND code = 60",
	            "occlusion_detected");
}

Test(recorder, export_of_an_incomplete_run_has_its_committed_rows)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 10));
	const int64_t id = begin_ok(r, "incomplete");
	add_samples(r, 0, 15);
	/* still open: a reader sees the 10 committed rows */
	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_eq(recorder_export_csv(db_path, id, c.f, err, sizeof err), 10, "%s", err);
	capture_close(&c);
	free(c.text);
	recorder_close(r);
}

Test(recorder, export_of_an_unknown_run_says_which)
{
	recorder *r = open_ok();
	begin_ok(r, "only");
	recorder_close(r);
	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_eq(recorder_export_csv(db_path, 7, c.f, err, sizeof err), -1);
	capture_close(&c);
	cr_assert_eq(c.len, 0, "nothing written: %s", c.text);
	free(c.text);
	char expected[700];
	snprintf(expected, sizeof expected, "%s: no run 7 (see 'fakepump runs')", db_path);
	cr_assert_str_eq(err, expected);
}

Test(recorder, list_prints_one_aligned_row_per_run)
{
	recorder *r = open_ok();
	cr_assert(recorder_set_batch(r, 5));
	begin_ok(r, "normal-day");
	add_samples(r, 0, 12);
	cr_assert(recorder_end_run(r, "passed", NULL));
	recorder_run_info info = run_info("a-much-longer-scenario-name");
	info.seed = 123456;
	int64_t id;
	cr_assert(recorder_begin_run(r, &info, &id, NULL, 0));
	add_samples(r, 0, 7);
	recorder_close(r); /* second run left 'running', its writer gone */

	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_eq(recorder_list_runs(db_path, c.f, err, sizeof err), 2, "%s", err);
	capture_close(&c);

	char *line[3] = {0};
	char *save = NULL;
	line[0] = strtok_r(c.text, "\n", &save);
	line[1] = strtok_r(NULL, "\n", &save);
	line[2] = strtok_r(NULL, "\n", &save);
	cr_assert_null(strtok_r(NULL, "\n", &save), "three lines");
	cr_assert_not_null(line[2]);
	/* Header, then rows; every column starts where its header does. */
	static const char *const cols[] = {"scenario", "patient", "seed",   "started",
	                                   "ended",    "status",  "samples"};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		cr_assert_not_null(strstr(line[0], cols[i]), "header: %s", line[0]);
	const size_t at_status = (size_t)(strstr(line[0], "status") - line[0]);
	cr_assert(strncmp(line[1] + at_status, "passed", 6) == 0, "%s", line[1]);
	cr_assert(strncmp(line[2] + at_status, "incomplete", 10) == 0, "writer gone: %s", line[2]);
	const size_t at_scenario = (size_t)(strstr(line[0], "scenario") - line[0]);
	cr_assert(strncmp(line[2] + at_scenario, "a-much-longer-scenario-name", 27) == 0);
	cr_assert_eq(strlen(line[0]), strlen(line[1]), "right-aligned samples column");
	cr_assert_eq(strlen(line[1]), strlen(line[2]));
	cr_assert(line[1][strlen(line[1]) - 1] == '2' && line[1][strlen(line[1]) - 2] == '1',
	          "12 samples: %s", line[1]);
	cr_assert(strstr(line[2], "123456"), "%s", line[2]);
	/* ended: an ISO time for the ended run, '-' for the running one */
	const size_t at_ended = (size_t)(strstr(line[0], "ended") - line[0]);
	cr_assert(line[1][at_ended + 4] == '-' && line[1][at_ended + 10] == 'T', "%s", line[1]);
	cr_assert(line[2][at_ended] == '-' && line[2][at_ended + 1] == ' ', "%s", line[2]);
	free(c.text);
}

Test(recorder, list_of_an_empty_database_is_the_header_only)
{
	recorder_close(open_ok());
	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_eq(recorder_list_runs(db_path, c.f, err, sizeof err), 0, "%s", err);
	capture_close(&c);
	cr_assert_str_eq(c.text, "id  scenario  patient  seed  started  ended  status  samples\n");
	free(c.text);
}

/* ------------------------------------------------------------------------------------ */
/* The scenario's hash                                                                   */
/* ------------------------------------------------------------------------------------ */

/* Begins a run whose scenario text is `text` and checks the hash stored with it. */
static void assert_stored_sha(const char *text, const char *expected)
{
	recorder *r = open_ok();
	recorder_run_info info = run_info("hashed");
	info.scenario_text = text;
	char err[512];
	int64_t id = 0;
	cr_assert(recorder_begin_run(r, &info, &id, err, sizeof err), "begin_run: %s", err);
	cr_assert(recorder_end_run(r, "done", NULL));
	recorder_close(r);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT scenario_sha256 FROM runs WHERE id = %lld",
	         (long long)id);
	assert_text(sql, expected);
}

Test(recorder, the_stored_hash_is_the_sha256_of_the_scenario_text_fips_180_examples)
{
	assert_stored_sha("abc",
	                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_stored_sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_stored_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_stored_sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	                  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	char *million = malloc(1000001);
	cr_assert_not_null(million);
	memset(million, 'a', 1000000);
	million[1000000] = '\0';
	assert_stored_sha(million,
	                  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* ------------------------------------------------------------------------------------ */
/* Runs whose writer is gone                                                            */
/* ------------------------------------------------------------------------------------ */

/* The status column of `fakepump runs` for the run on the table's last line. */
static char *listed_status(void)
{
	char err[512] = "";
	capture c;
	capture_open(&c);
	cr_assert_geq(recorder_list_runs(db_path, c.f, err, sizeof err), 1, "%s", err);
	capture_close(&c);
	const char *header_status = strstr(c.text, "status");
	cr_assert_not_null(header_status);
	const size_t at = (size_t)(header_status - c.text);
	const char *last = c.text + strlen(c.text) - 1;
	while (last > c.text && last[-1] != '\n')
		last--;
	char *word = strndup(last + at, strcspn(last + at, " "));
	free(c.text);
	return word;
}

Test(recorder, a_run_is_listed_running_while_its_writer_lives_and_incomplete_after)
{
	recorder *r = open_ok();
	begin_ok(r, "live");
	add_samples(r, 0, 3);
	char *status = listed_status();
	cr_assert_str_eq(status, "running");
	free(status);
	recorder_close(r); /* the writer goes without ending the run */
	status = listed_status();
	cr_assert_str_eq(status, "incomplete");
	free(status);
	assert_text("SELECT status FROM runs", "running"); /* nobody has written since */
}

Test(recorder, the_next_writer_stores_incomplete_and_leaves_live_runs_alone)
{
	recorder *dead = open_ok();
	begin_ok(dead, "killed");
	recorder_close(dead);
	recorder *live = open_ok();
	const int64_t live_id = begin_ok(live, "live");
	recorder *next = open_ok();
	assert_text("SELECT status FROM runs WHERE id = 1", "incomplete");
	assert_text("SELECT quote(ended_at) FROM runs WHERE id = 1", "NULL");
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id = %lld", (long long)live_id);
	assert_text(sql, "running");
	cr_assert(recorder_end_run(live, "interrupted", "{\"interrupted\":true}"), "%s",
	          recorder_error(live));
	assert_text(sql, "interrupted");
	recorder_close(live);
	recorder_close(next);
	recorder_close(open_ok());
	assert_text(sql, "interrupted");
}

/* A file written by the first schema (no 'interrupted' status) is upgraded in place. */
Test(recorder, a_version_1_file_is_upgraded_and_keeps_its_runs)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	static const char v1[] =
	    "PRAGMA journal_mode = WAL;"
	    "CREATE TABLE runs (id INTEGER PRIMARY KEY, scenario_name TEXT NOT NULL,"
	    " scenario_path TEXT, scenario_text TEXT, scenario_sha256 TEXT,"
	    " seed INTEGER NOT NULL, patient TEXT NOT NULL, duration_min INTEGER NOT NULL,"
	    " start_min_of_day INTEGER NOT NULL, fakepump_version TEXT,"
	    " sqlite_version TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT,"
	    " status TEXT NOT NULL DEFAULT 'running'"
	    "  CHECK (status IN ('running', 'passed', 'failed', 'error', 'done')),"
	    " sample_count INTEGER NOT NULL DEFAULT 0, summary_json TEXT);"
	    "CREATE TABLE samples (run_id INTEGER NOT NULL REFERENCES runs (id),"
	    " t_min INTEGER NOT NULL, bg_mgdl REAL, gsub_mgdl REAL, cgm_mgdl REAL,"
	    " cho_g_per_min REAL, meal_announced_g REAL, basal_u_per_min REAL, bolus_u REAL,"
	    " insulin_u_per_min REAL, basal_u_per_h REAL, iob_u REAL, reservoir_u REAL,"
	    " battery_pct REAL, therapy_state INTEGER, annunciation INTEGER,"
	    " PRIMARY KEY (run_id, t_min)) WITHOUT ROWID;"
	    "CREATE TABLE events (run_id INTEGER NOT NULL REFERENCES runs (id),"
	    " t_min INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, source TEXT,"
	    " name TEXT, result TEXT, value REAL, value2 REAL, detail TEXT,"
	    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	    "CREATE TABLE codes (kind TEXT NOT NULL, code INTEGER NOT NULL, name TEXT NOT NULL,"
	    " PRIMARY KEY (kind, code)) WITHOUT ROWID;"
	    "INSERT INTO runs (scenario_name, seed, patient, duration_min, start_min_of_day,"
	    " sqlite_version, started_at, ended_at, status, sample_count)"
	    " VALUES ('old', 1, 'adult#001', 10, 0, '3.40.1', '2026-01-01T00:00:00.000Z',"
	    " '2026-01-01T00:00:01.000Z', 'passed', 1);"
	    "INSERT INTO samples (run_id, t_min, bg_mgdl) VALUES (1, 0, 120.5);"
	    "PRAGMA application_id = 1179676016; PRAGMA user_version = 1;";
	cr_assert_eq(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);

	recorder *r = open_ok();
	cr_assert_eq(q_int("PRAGMA user_version"), 4);
	assert_text("SELECT scenario_name || ' ' || status FROM runs WHERE id = 1", "old passed");
	cr_assert_eq(q_int("SELECT count(*) FROM runs WHERE id = 1 AND build IS NULL AND "
	                   "settings_json IS NULL AND expect_failure IS NULL"),
	             1, "the old run has no facts");
	cr_assert_eq(q_int("SELECT count(*) FROM expectations"), 0);
	cr_assert_eq(q_int("SELECT count(*) FROM samples WHERE run_id = 1"), 1);
	begin_ok(r, "new");
	cr_assert(recorder_end_run(r, "interrupted", NULL), "%s", recorder_error(r));
	recorder_close(r);
	assert_text("SELECT status FROM runs WHERE id = 2", "interrupted");
	assert_text("PRAGMA integrity_check", "ok");
	cr_assert_eq(q_int("SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

/* ------------------------------------------------------------------------------------ */
/* Facts (record_facts.h)                                                               */
/* ------------------------------------------------------------------------------------ */

/* A version 2 file (before the facts) gets the new columns and tables; its runs stay. */
Test(recorder, a_version_2_file_is_upgraded_to_hold_facts)
{
	recorder *r = open_ok();
	begin_ok(r, "before");
	cr_assert(recorder_end_run(r, "passed", NULL), "%s", recorder_error(r));
	recorder_close(r);
	/* back to what a version 2 build wrote */
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "DROP TABLE expectations; DROP TABLE scenario_files;"
	                          "DROP TABLE trial_patients; DROP TABLE trials;"
	                          "ALTER TABLE runs DROP COLUMN build; ALTER TABLE runs DROP "
	                          "COLUMN host; ALTER TABLE runs DROP COLUMN settings_json;"
	                          "ALTER TABLE runs DROP COLUMN expect_failure;"
	                          "PRAGMA user_version = 2",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);

	const record_facts facts = {.build = "0.1.0 (git abc)", .host = "h (Linux)"};
	char err[512] = "";
	cr_assert(record_facts_write(db_path, 1, &facts, err, sizeof err), "%s", err);
	cr_assert_eq(q_int("PRAGMA user_version"), 4);
	assert_text("SELECT scenario_name || ' ' || status || ' ' || build FROM runs WHERE id = 1",
	            "before passed 0.1.0 (git abc)");
	assert_text("PRAGMA integrity_check", "ok");
}

Test(recorder, facts_are_stored_with_each_file_hash_and_replaced_when_written_again)
{
	recorder *r = open_ok();
	begin_ok(r, "judged");
	cr_assert(recorder_end_run(r, "failed", NULL), "%s", recorder_error(r));
	recorder_close(r);
	const record_expectation ex[] = {
	    {.passed = true,
	     .text = "bg: min_above 54",
	     .location = "a.yaml:9:5",
	     .measured = "min 61.3 mg/dL"},
	    {.passed = false, .text = "insulin_delivered: at_most 40", .measured = "42.4 U"},
	};
	const record_file files[] = {{.role = "scenario", .path = "a.yaml", .text = "name: a\n"},
	                             {.role = "include", .path = "f.yaml", .text = "events: []\n"}};
	record_facts facts = {.build = "b",
	                      .host = "h",
	                      .settings_json = "{\"security\": {\"profile\": \"hardened\"}}",
	                      .expect_failure = "a known weakness",
	                      .expectations = ex,
	                      .expectation_count = 2,
	                      .files = files,
	                      .file_count = 2};
	char err[512] = "";
	cr_assert(record_facts_write(db_path, 1, &facts, err, sizeof err), "%s", err);
	assert_text("SELECT json_extract(settings_json, '$.security.profile') FROM runs",
	            "hardened");
	assert_text("SELECT expect_failure FROM runs", "a known weakness");
	assert_text("SELECT group_concat(passed || ':' || text || ':' || coalesce(measured, '-'), "
	            "'|') FROM (SELECT * FROM expectations ORDER BY seq)",
	            "1:bg: min_above 54:min 61.3 mg/dL|0:insulin_delivered: at_most 40:42.4 U");
	/* SHA-256("name: a\n"), as sha256sum prints it */
	assert_text("SELECT sha256 FROM scenario_files WHERE seq = 0",
	            "1e7e5f3c45fc71cc0d92ffd6a4136ce35256118f2cb9a940b09a9e336022a571");
	assert_text("SELECT role || ' ' || path FROM scenario_files WHERE seq = 1",
	            "include f.yaml");

	facts.expectation_count = 1;
	facts.file_count = 1;
	cr_assert(record_facts_write(db_path, 1, &facts, err, sizeof err), "%s", err);
	cr_assert_eq(q_int("SELECT count(*) FROM expectations"), 1, "replaced, not added");
	cr_assert_eq(q_int("SELECT count(*) FROM scenario_files"), 1);
}

Test(recorder, facts_with_bad_json_or_for_no_run_change_nothing)
{
	recorder *r = open_ok();
	begin_ok(r, "judged");
	cr_assert(recorder_end_run(r, "passed", NULL), "%s", recorder_error(r));
	recorder_close(r);
	const record_expectation ex[] = {{.passed = true, .text = "t"}};
	record_facts facts = {
	    .settings_json = "{not json", .expectations = ex, .expectation_count = 1};
	char err[512] = "";
	cr_assert_not(record_facts_write(db_path, 1, &facts, err, sizeof err));
	cr_assert(strstr(err, "malformed JSON"), "%s", err);
	cr_assert_eq(q_int("SELECT count(*) FROM expectations"), 0, "rolled back");
	facts.settings_json = NULL;
	cr_assert_not(record_facts_write(db_path, 7, &facts, err, sizeof err));
	cr_assert(strstr(err, "no run 7"), "%s", err);
	cr_assert_eq(q_int("SELECT count(*) FROM expectations"), 0);
}

/* A version 3 file (before trials) gets the trial tables; its runs stay. */
Test(recorder, a_version_3_file_is_upgraded_to_hold_trials)
{
	recorder *r = open_ok();
	begin_ok(r, "before");
	cr_assert(recorder_end_run(r, "passed", NULL), "%s", recorder_error(r));
	recorder_close(r);
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "DROP TABLE trial_patients; DROP TABLE trials;"
	                          "PRAGMA user_version = 3",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	recorder_close(open_ok());
	cr_assert_eq(q_int("PRAGMA user_version"), 4);
	cr_assert_eq(q_int("SELECT count(*) FROM trials"), 0);
	cr_assert_eq(q_int("SELECT count(*) FROM trial_patients"), 0);
	assert_text("SELECT scenario_name || ' ' || status FROM runs WHERE id = 1",
	            "before passed");
	assert_text("PRAGMA integrity_check", "ok");
}
