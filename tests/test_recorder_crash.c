/*
 * The recorder's crash guarantee (issue 4): a run killed at any moment (kill -9) leaves a
 * database that opens, passes PRAGMA integrity_check, keeps that run's row as 'running' (until
 * the next writer opens the file and stores 'incomplete'; `fakepump runs` lists it as
 * 'incomplete' at once, issue 11), and keeps every sample up to the last committed batch.
 *
 * How: a child process records a long run into one shared file with a small batch (BATCH
 * samples, not a multiple of the recorder's 32-row INSERT, so both statements are in play),
 * an event every EVENT_EVERY_MIN minutes, and writes its committed sample count to a pipe
 * after each commit. The parent kills it with SIGKILL at a seeded moment (after k batches,
 * then d microseconds); a few kills come right after fork or 1-3 ms later (in recorder_open),
 * one right after begin_run. Then, as a user's sqlite3 shell would, it checks the file; the
 * next child reopens the same file, so WAL recovery after a crash is exercised too.
 *
 * Timing is the one non-deterministic input: the seed fixes k and d, not where in SQLite the
 * signal lands. The seed is printed on failure.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recorder.h"
#include "recorder_read.h"
#include "support.h"

enum {
	KILLS = 20,
	BATCH = 97,
	RUN_MIN = 200 * 1440, /* far more than is ever reached before the kill */
	EVENT_EVERY_MIN = 60,
	MAX_TARGET_BATCHES = 30,
	MAX_DELAY_US = 5000,
};

static const uint32_t CRASH_SEED = 20261125u;

static char *tmp;
static char db_path[600];

static void make_tmp(void)
{
	tmp = make_temp_dir();
	cr_assert_not_null(tmp);
	snprintf(db_path, sizeof db_path, "%s/crash.db", tmp);
}

static void drop_tmp(void)
{
	remove_tree(tmp);
	free(tmp);
}

TestSuite(recorder_crash, .init = make_tmp, .fini = drop_tmp, .timeout = 300);

/* xorshift32: a fixed sequence from CRASH_SEED. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		const ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* 1 = one value read, 0 = end of file, -1 = error. */
static int read_value(int fd, int64_t *out)
{
	char *p = (char *)out;
	size_t got = 0;
	while (got < sizeof *out) {
		const ssize_t n = read(fd, p + got, sizeof *out - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)n;
	}
	return 1;
}

/*
 * The child: records until killed. Writes 0 to fd after begin_run, then the committed
 * sample count after every commit. Exit codes say what failed (it is never meant to exit).
 */
static void child_records(int fd)
{
	recorder *r = NULL;
	char err[512];
	if (!recorder_open(db_path, &r, err, sizeof err)) {
		fprintf(stderr, "crash child: %s\n", err);
		_exit(10);
	}
	if (!recorder_set_batch(r, BATCH))
		_exit(11);
	const recorder_run_info info = {.scenario_name = "crash",
	                                .scenario_text = "name: crash\n",
	                                .patient = "adult#001",
	                                .seed = CRASH_SEED,
	                                .duration_min = RUN_MIN,
	                                .fakepump_version = "test"};
	int64_t id;
	if (!recorder_begin_run(r, &info, &id, err, sizeof err)) {
		fprintf(stderr, "crash child: %s\n", err);
		_exit(12);
	}
	int64_t reported = 0;
	if (!write_full(fd, &reported, sizeof reported))
		_exit(13);
	for (int64_t t = 0; t < RUN_MIN; t++) {
		if (t % EVENT_EVERY_MIN == 0) {
			const recorder_event e = {.t_min = t,
			                          .type = "command",
			                          .source = "phone",
			                          .name = "bolus",
			                          .result = "ok",
			                          .value = 1.5,
			                          .value2 = NAN,
			                          .detail = "{\"crash\": true}"};
			if (!recorder_add_event(r, &e))
				_exit(14);
		}
		const recorder_sample s = {.t_min = t,
		                           .bg_mgdl = 100.0 + (double)(t % 97) / 3.0,
		                           .gsub_mgdl = 99.5,
		                           .cgm_mgdl = t % 5 == 0 ? 101.25 : NAN,
		                           .basal_u_per_min = 0.015,
		                           .insulin_u_per_min = 0.015,
		                           .basal_u_per_h = 0.9,
		                           .reservoir_u = 300.0 - (double)t / 1e4,
		                           .battery_pct = 90.0,
		                           .therapy_state = 2};
		if (!recorder_add_sample(r, &s)) {
			fprintf(stderr, "crash child: %s\n", recorder_error(r));
			_exit(15);
		}
		const int64_t committed = recorder_committed_samples(r);
		if (committed != reported) {
			reported = committed;
			if (!write_full(fd, &reported, sizeof reported))
				_exit(16);
		}
	}
	_exit(17); /* finished: the parent waited too long */
}

/* One run as the parent last saw it. */
typedef struct run_state {
	int64_t id;
	char status[16];
	int64_t sample_count;
	int64_t samples;
	int64_t events;
} run_state;

enum { MAX_RUNS = KILLS + 2 };

static int64_t q_int(sqlite3 *db, const char *sql, int64_t bind)
{
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
	             sqlite3_errmsg(db));
	if (strchr(sql, '?'))
		sqlite3_bind_int64(st, 1, bind);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	const int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Reads every run's state; returns how many runs there are. */
static size_t read_runs(sqlite3 *db, run_state *runs)
{
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db,
	                                "SELECT id, status, sample_count, "
	                                "(SELECT count(*) FROM samples WHERE run_id = runs.id), "
	                                "(SELECT count(*) FROM events WHERE run_id = runs.id) "
	                                "FROM runs ORDER BY id",
	                                -1, &st, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cr_assert_lt(n, (size_t)MAX_RUNS);
		run_state *r = &runs[n++];
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->status, sizeof r->status, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		r->sample_count = sqlite3_column_int64(st, 2);
		r->samples = sqlite3_column_int64(st, 3);
		r->events = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return n;
}

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

Test(recorder_crash, a_run_killed_at_any_moment_keeps_its_committed_batches)
{
	uint32_t rng = CRASH_SEED;
	run_state before[MAX_RUNS];
	size_t n_before = 0;
	int begun_kills = 0;

	for (int kill_no = 0; kill_no < KILLS; kill_no++) {
		/*
		 * The moment. Kills 0, 2 and 3 do not wait for the child: right after fork, then
		 * 1 ms and 3 ms after (in recorder_open: creating the file and its schema, or
		 * replaying the WAL of the run killed before). Kill 1 right after begin_run. The
		 * others after a seeded number of committed batches plus a seeded delay.
		 */
		static const long no_wait_us[] = {0, -1, 1000, 3000};
		const bool waits = kill_no >= 4 || no_wait_us[kill_no] < 0;
		const int target_batches =
		    kill_no < 4 ? 0 : (int)(next_random(&rng) % (MAX_TARGET_BATCHES + 1));
		const long delay_us = kill_no < 4 ? (waits ? 0 : no_wait_us[kill_no])
		                                  : (long)(next_random(&rng) % (MAX_DELAY_US + 1));
		char where[160];
		snprintf(where, sizeof where, "seed %u, kill %d (%s, then %d batches + %ld us)",
		         CRASH_SEED, kill_no, waits ? "after begin_run" : "after fork",
		         target_batches, delay_us);

		int fds[2];
		cr_assert_eq(pipe(fds), 0);
		fflush(NULL);
		const pid_t pid = fork();
		cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			child_records(fds[1]);
		}
		close(fds[1]);

		int64_t reported = -1, v = 0; /* -1: begin_run not reported */
		if (waits) {
			cr_assert_eq(read_value(fds[0], &reported), 1, "%s: child died early",
			             where);
			while (reported < (int64_t)target_batches * BATCH) {
				cr_assert_eq(read_value(fds[0], &v), 1, "%s: child died early",
				             where);
				reported = v;
			}
		}
		if (delay_us)
			sleep_us(delay_us);
		cr_assert_eq(kill(pid, SIGKILL), 0);
		int status = 0;
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		          "%s: the child was not killed (exit %d)", where,
		          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		int rc;
		while ((rc = read_value(fds[0], &v)) == 1)
			reported = v;
		cr_assert_eq(rc, 0, "%s: pipe", where);
		close(fds[0]);

		FILE *exists = fopen(db_path, "rb");
		if (!exists) {
			/* Killed before SQLite created the file: nothing to check yet. */
			cr_assert(!waits && n_before == 0, "%s: no database file", where);
			cr_log_info("%s: killed before the file was created", where);
			continue;
		}
		fclose(exists);

		/* As a user would: open (replaying the WAL), integrity check, look at the run. */
		sqlite3 *db = NULL;
		cr_assert_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK,
		             "%s: open: %s", where, sqlite3_errmsg(db));
		sqlite3_stmt *st = NULL;
		cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
		             SQLITE_OK, "%s: %s", where, sqlite3_errmsg(db));
		cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", where);
		cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok", "%s", where);
		sqlite3_finalize(st);

		if (q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'", 0) == 0) {
			/* Killed after SQLite created the file, before the schema was committed:
			 * an empty database (it opened and checked above); the next child's
			 * recorder_open must create the schema in it. */
			cr_assert(!waits && n_before == 0, "%s: the schema is gone", where);
			cr_log_info("%s: killed before the schema was committed", where);
			sqlite3_close(db);
			continue;
		}
		run_state now[MAX_RUNS];
		const size_t n_now = read_runs(db, now);
		/* The earlier runs are exactly as they were. */
		cr_assert_geq(n_now, n_before, "%s: runs lost", where);
		for (size_t i = 0; i < n_before; i++) {
			cr_assert_eq(now[i].id, before[i].id, "%s", where);
			/* a killed run: 'running' until a writer opened the file after it */
			cr_assert(strcmp(now[i].status, before[i].status) == 0 ||
			              (strcmp(before[i].status, "running") == 0 &&
			               strcmp(now[i].status, "incomplete") == 0),
			          "%s: run %lld went from %s to %s", where, (long long)now[i].id,
			          before[i].status, now[i].status);
			cr_assert_eq(now[i].samples, before[i].samples, "%s: run %lld changed",
			             where, (long long)now[i].id);
			cr_assert_eq(now[i].events, before[i].events, "%s", where);
		}
		if (reported < 0) {
			/* Killed before begin_run reported: the run may or may not be there. */
			cr_assert_leq(n_now, n_before + 1, "%s", where);
		} else {
			cr_assert_eq(n_now, n_before + 1, "%s: the killed run is missing", where);
		}
		if (n_now == n_before + 1) {
			const run_state *k = &now[n_now - 1];
			cr_assert_str_eq(k->status, "running", "%s", where);
			cr_assert_eq(
			    q_int(db, "SELECT ended_at IS NULL FROM runs WHERE id = ?", k->id), 1,
			    "%s", where);
			cr_assert_geq(k->samples, reported, "%s: committed %lld, found %lld", where,
			              (long long)reported, (long long)k->samples);
			cr_assert_eq(k->samples % BATCH, 0, "%s: %lld samples, not whole batches",
			             where, (long long)k->samples);
			cr_assert_eq(k->sample_count, k->samples, "%s: sample_count", where);
			/* Contiguous from t = 0, and the events committed with those batches. */
			if (k->samples > 0)
				cr_assert_eq(
				    q_int(db,
				          "SELECT max(t_min) - min(t_min) + 1 FROM samples "
				          "WHERE run_id = ?",
				          k->id),
				    k->samples, "%s", where);
			cr_assert_eq(k->events,
			             (k->samples + EVENT_EVERY_MIN - 1) / EVENT_EVERY_MIN,
			             "%s: events", where);
			if (reported >= 0)
				begun_kills++;
			cr_log_info("%s: reported %lld committed, found %lld samples, %lld events",
			            where, (long long)reported, (long long)k->samples,
			            (long long)k->events);
		}
		if (n_now == n_before)
			cr_log_info("%s: killed before its run was committed", where);
		sqlite3_close(db);

		/* The readers cope with the crashed file too. */
		char err[512] = "";
		FILE *devnull = fopen("/dev/null", "w");
		cr_assert_not_null(devnull);
		cr_assert_eq(recorder_list_runs(db_path, devnull, err, sizeof err), (int)n_now,
		             "%s: %s", where, err);
		/* and `fakepump runs` never calls a dead writer's run 'running' */
		char *listing = NULL;
		size_t listing_len = 0;
		FILE *list = open_memstream(&listing, &listing_len);
		cr_assert_not_null(list);
		cr_assert_eq(recorder_list_runs(db_path, list, err, sizeof err), (int)n_now);
		fclose(list);
		cr_assert_null(strstr(listing, " running "), "%s: %s", where, listing);
		free(listing);
		if (n_now > 0)
			cr_assert_eq(recorder_export_csv(db_path, now[n_now - 1].id, devnull, err,
			                                 sizeof err),
			             (int)now[n_now - 1].samples, "%s: %s", where, err);
		fclose(devnull);

		memcpy(before, now, sizeof now[0] * n_now);
		n_before = n_now;
	}
	cr_assert_geq(begun_kills, KILLS - 3, "every kill after begin_run left a running run");

	/* After all that, the file takes a normal run. */
	recorder *r = NULL;
	char err[512];
	cr_assert(recorder_open(db_path, &r, err, sizeof err), "%s", err);
	const recorder_run_info info = {.scenario_name = "after", .patient = "adult#002"};
	int64_t id;
	cr_assert(recorder_begin_run(r, &info, &id, err, sizeof err), "%s", err);
	for (int64_t t = 0; t < 10; t++) {
		const recorder_sample s = {.t_min = t, .bg_mgdl = 110, .cgm_mgdl = NAN};
		cr_assert(recorder_add_sample(r, &s));
	}
	cr_assert(recorder_end_run(r, "done", NULL), "%s", recorder_error(r));
	recorder_close(r);
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(q_int(db, "SELECT count(*) FROM runs WHERE status = 'running'", 0), 0);
	cr_assert_eq(q_int(db, "SELECT count(*) FROM runs WHERE status = 'incomplete'", 0),
	             (int64_t)n_before, "the next writer marked every killed run");
	cr_assert_eq(q_int(db, "SELECT sample_count FROM runs WHERE id = ?", id), 10);
	sqlite3_close(db);
}

/*
 * A fresh file killed while recorder_open creates it (the file, WAL mode, the schema): at
 * every delay the file is either absent or opens, passes the integrity check, and takes a
 * new recorder. Delays step through the first 4 ms after fork, which on the development VM
 * covers "no file yet", "file without schema" and "schema done" (logged with --verbose).
 */
Test(recorder_crash, a_file_killed_while_being_created_still_opens)
{
	int absent = 0, no_schema = 0, schema = 0;
	for (long delay_us = 0; delay_us < 4000; delay_us += 100) {
		char path[700];
		snprintf(path, sizeof path, "%s/fresh-%ld.db", tmp, delay_us);
		const pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			recorder *r = NULL;
			char err[512];
			if (!recorder_open(path, &r, err, sizeof err))
				_exit(10);
			for (;;)
				pause();
		}
		sleep_us(delay_us);
		cr_assert_eq(kill(pid, SIGKILL), 0);
		int status = 0;
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSIGNALED(status), "at %ld us: child exited %d", delay_us,
		          WIFEXITED(status) ? WEXITSTATUS(status) : -1);

		FILE *f = fopen(path, "rb");
		if (!f) {
			absent++;
			continue;
		}
		fclose(f);
		sqlite3 *db = NULL;
		cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		sqlite3_stmt *st = NULL;
		cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
		             SQLITE_OK, "at %ld us: %s", delay_us, sqlite3_errmsg(db));
		cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
		cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok", "at %ld us",
		                 delay_us);
		sqlite3_finalize(st);
		const int64_t tables = q_int(db, "SELECT count(*) FROM sqlite_schema", 0);
		cr_assert(tables == 0 || tables == 8, "at %ld us: %lld tables: half a schema",
		          delay_us, (long long)tables);
		if (tables == 0)
			no_schema++;
		else
			schema++;
		sqlite3_close(db);

		recorder *r = NULL;
		char err[512];
		cr_assert(recorder_open(path, &r, err, sizeof err), "at %ld us: %s", delay_us, err);
		const recorder_run_info info = {.scenario_name = "after", .patient = "adult#001"};
		int64_t id;
		cr_assert(recorder_begin_run(r, &info, &id, err, sizeof err), "%s", err);
		cr_assert_eq(id, 1);
		cr_assert(recorder_end_run(r, "done", NULL));
		recorder_close(r);
	}
	cr_log_info("killed in recorder_open: %d before the file existed, %d with the file but "
	            "no schema, %d with the schema",
	            absent, no_schema, schema);
}
