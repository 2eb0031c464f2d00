/*
 * recorder — runs, per-minute samples and events in one SQLite database (see recorder.h;
 * the schema is documented for users in docs/database.md).
 *
 * How: samples and events are copied into in-memory buffers; every batch-th sample the
 * whole buffer goes to SQLite in one BEGIN IMMEDIATE … COMMIT with prepared statements, and
 * runs.sample_count is updated in the same transaction. Holding the write lock only for that
 * burst (not while the simulation computes the next batch) lets several processes record into
 * one file; a transaction per batch is what makes a killed run keep exactly its committed
 * batches. The runs row is committed at begin_run (status 'running') and finished by
 * end_run in the same transaction as the last samples.
 *
 * Must never: depend on pump, patient or engine types; write a partial batch (a failed
 * commit rolls back and keeps the rows buffered); abort on bad input or a bad file.
 *
 * Follows: SQLite 3.40 C API (WAL mode, https://sqlite.org/wal.html; WITHOUT ROWID tables,
 * https://sqlite.org/withoutrowid.html); SHA-256 per FIPS 180-4 §4.1.2, §5.3.3, §6.2.
 */
#include "recorder.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "clock.h"
#include "run_lock.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

enum {
	/* PRAGMA user_version of the schema below; bump with a migration when it changes
	 * (1 → 2: the statuses 'interrupted' and 'incomplete'; see migrate_schema). */
	SCHEMA_VERSION = RECORDER_SCHEMA_VERSION,
	/* PRAGMA application_id: "FPmp", so `file runs.db` and we can tell our files apart. */
	APPLICATION_ID = RECORDER_APPLICATION_ID,
	BUSY_TIMEOUT_MS = 10000,
	ERR_MAX = 512,
	MIN_PER_DAY = 24 * 60,
	SAMPLE_COLUMNS = 16, /* run_id, t_min and the 14 values */
	EVENT_STRINGS = 5,   /* type, source, name, result, detail */
	/*
	 * Samples per INSERT statement in a batch. One statement with 32 VALUES rows inserts
	 * about 30 % more rows per second than 32 steps of a one-row statement (the per-step setup
	 * is shared; bench/bench_recorder.c, docs/database.md). 64 and 128 were no faster.
	 */
	ROWS_PER_INSERT = 32,
};

static const char *const VALID_STATUS[] = {"passed", "failed", "error", "done", "interrupted"};

/*
 * The schema. Units are in the column names (STYLE.md); docs/database.md describes every
 * column. samples is WITHOUT ROWID keyed by (run_id, t_min): the rows are stored in key
 * order, so one run's samples are one contiguous range, found without a second index
 * (bench/bench_recorder.c measures it against rowid tables; docs/database.md has the figures).
 */
#define RUNS_TABLE_SQL(name)                                                                   \
    "CREATE TABLE " name " (\n"                                                                \
    "  id               INTEGER PRIMARY KEY,\n"                                                \
    "  scenario_name    TEXT NOT NULL,\n"                                                      \
    "  scenario_path    TEXT,\n"                                                               \
    "  scenario_text    TEXT,\n"                                                               \
    "  scenario_sha256  TEXT,\n"                                                               \
    "  seed             INTEGER NOT NULL,\n"                                                   \
    "  patient          TEXT NOT NULL,\n"                                                      \
    "  duration_min     INTEGER NOT NULL,\n"                                                   \
    "  start_min_of_day INTEGER NOT NULL,\n"                                                   \
    "  fakepump_version TEXT,\n"                                                               \
    "  sqlite_version   TEXT NOT NULL,\n"                                                      \
    "  started_at       TEXT NOT NULL,\n"                                                      \
    "  ended_at         TEXT,\n"                                                               \
    "  status           TEXT NOT NULL DEFAULT 'running'\n"                                     \
    "                   CHECK (status IN ('running', 'passed', 'failed', 'error', 'done',\n"   \
    "                                     'interrupted', 'incomplete')),\n"                    \
    "  sample_count     INTEGER NOT NULL DEFAULT 0,\n"                                         \
    "  summary_json     TEXT\n"                                                                \
    ");\n"

static const char SCHEMA_SQL[] =
    RUNS_TABLE_SQL("runs")
    "CREATE TABLE samples (\n"
    "  run_id            INTEGER NOT NULL REFERENCES runs (id),\n"
    "  t_min             INTEGER NOT NULL,\n"
    "  bg_mgdl           REAL,\n"
    "  gsub_mgdl         REAL,\n"
    "  cgm_mgdl          REAL,\n"
    "  cho_g_per_min     REAL,\n"
    "  meal_announced_g  REAL,\n"
    "  basal_u_per_min   REAL,\n"
    "  bolus_u           REAL,\n"
    "  insulin_u_per_min REAL,\n"
    "  basal_u_per_h     REAL,\n"
    "  iob_u             REAL,\n"
    "  reservoir_u       REAL,\n"
    "  battery_pct       REAL,\n"
    "  therapy_state     INTEGER,\n"
    "  annunciation      INTEGER,\n"
    "  PRIMARY KEY (run_id, t_min)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE events (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
    "  t_min  INTEGER NOT NULL,\n"
    "  seq    INTEGER NOT NULL,\n"
    "  type   TEXT NOT NULL,\n"
    "  source TEXT,\n"
    "  name   TEXT,\n"
    "  result TEXT,\n"
    "  value  REAL,\n"
    "  value2 REAL,\n"
    "  detail TEXT,\n"
    "  PRIMARY KEY (run_id, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE codes (\n"
    "  kind TEXT NOT NULL,\n"
    "  code INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  PRIMARY KEY (kind, code)\n"
    ") WITHOUT ROWID;\n";

/* An event waiting for its batch: strings live in recorder.arena at these offsets. */
typedef struct pending_event {
	int64_t t_min;
	int64_t seq;
	double value, value2;
	size_t str_off[EVENT_STRINGS]; /* SIZE_MAX = NULL */
} pending_event;

/* The custom busy handler's state for one wait (see busy_wait). */
typedef struct busy_state {
	int timeout_ms;
	struct timespec start;
} busy_state;

struct recorder {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *insert_sample;  /* one row */
	sqlite3_stmt *insert_samples; /* ROWS_PER_INSERT rows */
	sqlite3_stmt *insert_event;
	sqlite3_stmt *update_count;
	busy_state busy;
	int lock_fd; /* run_lock.h: held on the run's byte while it is recorded; -1 = none */

	int64_t run_id; /* 0 = no run in progress */
	int64_t committed;
	int64_t next_seq;
	bool have_t;
	int64_t last_t_min;

	size_t batch;
	recorder_sample *samples; /* batch entries */
	size_t n_samples;
	pending_event *events;
	size_t n_events, cap_events;
	char *arena;
	size_t arena_used, arena_cap;

	char err[ERR_MAX];
};

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                                */
/* ------------------------------------------------------------------------------------ */

static void copy_err(char *dst, size_t len, const char *src)
{
	if (dst && len > 0)
		snprintf(dst, len, "%s", src);
}

PRINTF_LIKE(2, 3) static void set_error(recorder *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof r->err, "%s: ", r->path);
	if (n < 0 || (size_t)n >= sizeof r->err)
		return;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
	va_end(ap);
}

static void set_sqlite_error(recorder *r, const char *what)
{
	set_error(r, "%s: %s", what, sqlite3_errmsg(r->db));
}

/* ------------------------------------------------------------------------------------ */
/* Connection set-up, shared by the writer and the readers                               */
/* ------------------------------------------------------------------------------------ */

/*
 * Busy handler: poll with a short back-off (50 µs doubling to 2 ms) until timeout_ms.
 * Why not sqlite3_busy_timeout: its sleeps grow to 100 ms, long next to a batch commit of
 * about a millisecond, so processes recording into one file would sleep more than they write.
 */
static int busy_wait(void *user_data, int attempts)
{
	busy_state *b = user_data;
	struct timespec now;
	if (attempts == 0)
		clock_gettime(CLOCK_MONOTONIC, &b->start);
	clock_gettime(CLOCK_MONOTONIC, &now);
	const double waited_ms = (double)(now.tv_sec - b->start.tv_sec) * 1e3 +
	                         (double)(now.tv_nsec - b->start.tv_nsec) / 1e6;
	if (waited_ms >= b->timeout_ms)
		return 0;
	long sleep_us = 50L << (attempts < 6 ? attempts : 6);
	if (sleep_us > 2000)
		sleep_us = 2000;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = sleep_us * 1000L};
	nanosleep(&ts, NULL);
	return 1;
}

/* Runs SQL whose rows (if any) are not needed. False on error (sqlite3_errmsg says why). */
static bool exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* The single integer a statement like "PRAGMA user_version" returns, or false. */
static bool query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/*
 * Opens path with the given flags and our busy handler. On failure writes "path: why" to
 * err and returns NULL. A file that is not a database is caught here, by reading its header.
 */
static sqlite3 *open_db(const char *path, int flags, busy_state *busy, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int64_t ignored;
	if (!path || !*path) {
		copy_err(err, errlen, "recorder: no database path");
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", path,
			         db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	busy->timeout_ms = BUSY_TIMEOUT_MS;
	sqlite3_busy_handler(db, busy_wait, busy);
	if (!query_int(db, "PRAGMA schema_version", &ignored)) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* ------------------------------------------------------------------------------------ */
/* Writer                                                                                */
/* ------------------------------------------------------------------------------------ */

/*
 * Version 1 → 2 in the open transaction: SQLite cannot change a CHECK constraint in place,
 * so the runs table is rebuilt with the new one ("Making Other Kinds Of Table Schema
 * Changes", https://sqlite.org/lang_altertable.html#otheralter); samples and events keep
 * referring to it by name.
 */
static bool migrate_schema(recorder *r)
{
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (!exec_sql(r->db, RUNS_TABLE_SQL("runs_v2")) ||
	    !exec_sql(r->db, "INSERT INTO runs_v2 SELECT * FROM runs") ||
	    !exec_sql(r->db, "DROP TABLE runs") ||
	    !exec_sql(r->db, "ALTER TABLE runs_v2 RENAME TO runs") || !exec_sql(r->db, pragma)) {
		set_sqlite_error(r, "cannot upgrade the schema from version 1");
		return false;
	}
	return true;
}

/*
 * Runs left 'running' by a writer that is gone (killed, crashed) become 'incomplete'. In
 * pages of ids (no update while the select walks the table); a run whose lock cannot be
 * probed stays as it is.
 */
static bool mark_incomplete_runs(recorder *r)
{
	int64_t after = 0;
	for (;;) {
		int64_t dead[64], last = after;
		size_t n = 0, seen = 0;
		char sql[128];
		snprintf(sql, sizeof sql,
		         "SELECT id FROM runs WHERE status = 'running' AND id > %" PRId64
		         " ORDER BY id LIMIT 64",
		         after);
		sqlite3_stmt *st = NULL;
		bool ok = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) == SQLITE_OK;
		while (ok && sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			seen++;
			if (run_lock_probe(r->lock_fd, last) == RUN_LOCK_FREE)
				dead[n++] = last;
		}
		sqlite3_finalize(st);
		for (size_t i = 0; ok && i < n; i++) {
			snprintf(sql, sizeof sql,
			         "UPDATE runs SET status = 'incomplete' WHERE id = %" PRId64, dead[i]);
			ok = exec_sql(r->db, sql);
		}
		if (!ok) {
			set_sqlite_error(r, "cannot mark incomplete runs");
			return false;
		}
		if (seen < 64)
			return true;
		after = last;
	}
}

/* Creates the schema in an empty file, or checks that an existing one is ours. */
static bool ensure_schema(recorder *r)
{
	int64_t version = 0, app_id = 0, objects = 0;
	bool ok = false;

	if (!exec_sql(r->db, "BEGIN IMMEDIATE")) {
		set_sqlite_error(r, "cannot lock the database");
		return false;
	}
	if (!query_int(r->db, "PRAGMA user_version", &version) ||
	    !query_int(r->db, "PRAGMA application_id", &app_id) ||
	    !query_int(r->db, "SELECT count(*) FROM sqlite_schema", &objects)) {
		set_sqlite_error(r, "cannot read the schema");
		goto out;
	}
	if (version == 0 && objects == 0) {
		char pragmas[96];
		snprintf(pragmas, sizeof pragmas,
		         "PRAGMA application_id = %d; PRAGMA user_version = %d", APPLICATION_ID,
		         SCHEMA_VERSION);
		if (!exec_sql(r->db, SCHEMA_SQL) || !exec_sql(r->db, pragmas)) {
			set_sqlite_error(r, "cannot create the schema");
			goto out;
		}
	} else if (app_id != APPLICATION_ID) {
		set_error(r, "not a fakepump database (it has other tables)");
		goto out;
	} else if (version == 1) {
		if (!migrate_schema(r))
			goto out;
	} else if (version != SCHEMA_VERSION) {
		set_error(r, "schema version %" PRId64 " is not the version %d this build reads%s",
		          version, SCHEMA_VERSION, version > SCHEMA_VERSION ? " (newer)" : "");
		goto out;
	}
	if (!mark_incomplete_runs(r))
		goto out;
	if (!exec_sql(r->db, "COMMIT")) {
		set_sqlite_error(r, "cannot create the schema");
		goto out;
	}
	ok = true;
out:
	if (!ok)
		exec_sql(r->db, "ROLLBACK");
	return ok;
}

static bool prepare(recorder *r, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
		set_sqlite_error(r, "cannot prepare a statement");
		return false;
	}
	return true;
}

static void free_recorder(recorder *r)
{
	sqlite3_finalize(r->insert_sample);
	sqlite3_finalize(r->insert_samples);
	sqlite3_finalize(r->insert_event);
	sqlite3_finalize(r->update_count);
	sqlite3_close(r->db);
	run_lock_close(r->lock_fd); /* after SQLite's own descriptors: see run_lock.h */
	free(r->samples);
	free(r->events);
	free(r->arena);
	free(r->path);
	free(r);
}

/*
 * PRAGMA journal_mode = WAL; it answers with the mode in force: "wal", or "memory" for
 * ":memory:". Switching needs the file to itself, and SQLite answers SQLITE_BUSY at once
 * (without the busy handler) when another process is creating the same new file — two
 * runner children, two CI jobs: retried like a busy commit, for up to the busy timeout.
 */
static bool switch_to_wal(recorder *r)
{
	for (int attempt = 0;; attempt++) {
		sqlite3_stmt *st = NULL;
		bool wal = false;
		int rc = sqlite3_prepare_v2(r->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *mode = (const char *)sqlite3_column_text(st, 0);
			wal = mode && (strcmp(mode, "wal") == 0 || strcmp(mode, "memory") == 0);
		}
		sqlite3_finalize(st);
		if (wal)
			return true;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || !busy_wait(&r->busy, attempt))
			return false;
	}
}

bool recorder_open(const char *db_path, recorder **out, char *err, size_t errlen)
{
	*out = NULL;
	recorder *r = calloc(1, sizeof *r);
	if (!r) {
		copy_err(err, errlen, "recorder: out of memory");
		return false;
	}
	r->lock_fd = -1;
	r->batch = RECORDER_DEFAULT_BATCH;
	r->samples = malloc(r->batch * sizeof *r->samples);
	r->path = db_path ? strdup(db_path) : NULL;
	if (!r->samples || (db_path && !r->path)) {
		copy_err(err, errlen, "recorder: out of memory");
		free_recorder(r);
		return false;
	}
	r->db = open_db(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &r->busy, err, errlen);
	if (!r->db) {
		free_recorder(r);
		return false;
	}
	r->lock_fd = run_lock_open(db_path, true);

	if (!switch_to_wal(r)) {
		set_sqlite_error(r, "cannot switch to WAL");
		goto fail;
	}
	if (!exec_sql(r->db, "PRAGMA synchronous = NORMAL")) {
		set_sqlite_error(r, "cannot set synchronous");
		goto fail;
	}
	if (!ensure_schema(r))
		goto fail;
	/* "INSERT INTO samples VALUES (?,…16),(?,…16),…": numbered by position, 1 … 16 * rows. */
	static const char row_sql[] = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	static const char head_sql[] = "INSERT INTO samples VALUES ";
	char insert_sql[sizeof head_sql + ROWS_PER_INSERT * sizeof row_sql];
	size_t len = strlen(head_sql);
	memcpy(insert_sql, head_sql, len);
	for (int k = 0; k < ROWS_PER_INSERT; k++) {
		if (k)
			insert_sql[len++] = ',';
		memcpy(insert_sql + len, row_sql, sizeof row_sql - 1);
		len += sizeof row_sql - 1;
	}
	insert_sql[len] = '\0';
	if (!prepare(r, insert_sql, &r->insert_samples) ||
	    !prepare(r, "INSERT INTO samples VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	             &r->insert_sample) ||
	    !prepare(r,
	             "INSERT INTO events (run_id, t_min, seq, type, source, name, result, value, "
	             "value2, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	             &r->insert_event) ||
	    !prepare(r, "UPDATE runs SET sample_count = ?2 WHERE id = ?1", &r->update_count))
		goto fail;
	*out = r;
	return true;
fail:
	copy_err(err, errlen, r->err);
	free_recorder(r);
	return false;
}

/* Binds a double, NAN as NULL (SQLite would turn NaN into NULL too; this says so). */
static inline int bind_real(sqlite3_stmt *st, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

static int bind_arena_text(recorder *r, sqlite3_stmt *st, int i, size_t off)
{
	if (off == SIZE_MAX)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, r->arena + off, -1, SQLITE_STATIC);
}

/* Binds sample s as row `row` (0-based) of a multi-row INSERT: parameters 16*row+1 … +16. */
static inline void bind_sample(sqlite3_stmt *st, int row, int64_t run_id, const recorder_sample *s)
{
	const int b = row * SAMPLE_COLUMNS;
	sqlite3_bind_int64(st, b + 1, run_id);
	sqlite3_bind_int64(st, b + 2, s->t_min);
	bind_real(st, b + 3, s->bg_mgdl);
	bind_real(st, b + 4, s->gsub_mgdl);
	bind_real(st, b + 5, s->cgm_mgdl);
	bind_real(st, b + 6, s->cho_g_per_min);
	bind_real(st, b + 7, s->meal_announced_g);
	bind_real(st, b + 8, s->basal_u_per_min);
	bind_real(st, b + 9, s->bolus_u);
	bind_real(st, b + 10, s->insulin_u_per_min);
	bind_real(st, b + 11, s->basal_u_per_h);
	bind_real(st, b + 12, s->iob_u);
	bind_real(st, b + 13, s->reservoir_u);
	bind_real(st, b + 14, s->battery_pct);
	sqlite3_bind_int(st, b + 15, s->therapy_state);
	sqlite3_bind_int(st, b + 16, s->annunciation);
}

/* Chunks of ROWS_PER_INSERT through the multi-row statement, the rest one by one. */
static bool insert_samples(recorder *r)
{
	size_t i = 0;
	while (i < r->n_samples) {
		const bool multi = r->n_samples - i >= ROWS_PER_INSERT;
		sqlite3_stmt *st = multi ? r->insert_samples : r->insert_sample;
		const int rows = multi ? ROWS_PER_INSERT : 1;
		for (int k = 0; k < rows; k++)
			bind_sample(st, k, r->run_id, &r->samples[i + (size_t)k]);
		const int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			set_sqlite_error(r, "cannot insert a sample");
			return false;
		}
		i += (size_t)rows;
	}
	return true;
}

static bool insert_events(recorder *r)
{
	sqlite3_stmt *st = r->insert_event;
	for (size_t i = 0; i < r->n_events; i++) {
		const pending_event *e = &r->events[i];
		sqlite3_bind_int64(st, 1, r->run_id);
		sqlite3_bind_int64(st, 2, e->t_min);
		sqlite3_bind_int64(st, 3, e->seq);
		for (int k = 0; k < 4; k++)
			bind_arena_text(r, st, 4 + k, e->str_off[k]);
		bind_real(st, 8, e->value);
		bind_real(st, 9, e->value2);
		bind_arena_text(r, st, 10, e->str_off[4]);
		const int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			set_sqlite_error(r, "cannot insert an event");
			return false;
		}
	}
	return true;
}

/*
 * Writes everything buffered in one transaction; with end_status also ends the run in it.
 * On failure rolls back and keeps the buffers, so the next call retries the same rows.
 */
static bool flush(recorder *r, const char *end_status, const char *summary_json)
{
	if (r->n_samples == 0 && r->n_events == 0 && !end_status)
		return true;
	const int64_t new_count = r->committed + (int64_t)r->n_samples;
	if (!exec_sql(r->db, "BEGIN IMMEDIATE")) {
		set_sqlite_error(r, "cannot lock the database");
		return false;
	}
	bool ok = insert_samples(r) && insert_events(r);
	if (ok && r->n_samples > 0) {
		sqlite3_bind_int64(r->update_count, 1, r->run_id);
		sqlite3_bind_int64(r->update_count, 2, new_count);
		ok = sqlite3_step(r->update_count) == SQLITE_DONE;
		sqlite3_reset(r->update_count);
		if (!ok)
			set_sqlite_error(r, "cannot update the run");
	}
	if (ok && end_status) {
		sqlite3_stmt *st = NULL;
		ok = sqlite3_prepare_v2(r->db,
		                        "UPDATE runs SET status = ?2, summary_json = ?3, "
		                        "ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
		                        "WHERE id = ?1",
		                        -1, &st, NULL) == SQLITE_OK;
		if (ok) {
			sqlite3_bind_int64(st, 1, r->run_id);
			sqlite3_bind_text(st, 2, end_status, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, summary_json, -1, SQLITE_STATIC);
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		if (!ok)
			set_sqlite_error(r, "cannot end the run");
		sqlite3_finalize(st);
	}
	if (ok && !exec_sql(r->db, "COMMIT")) {
		set_sqlite_error(r, "cannot commit");
		ok = false;
	}
	if (!ok) {
		if (!sqlite3_get_autocommit(r->db))
			exec_sql(r->db, "ROLLBACK");
		return false;
	}
	r->committed = new_count;
	r->n_samples = 0;
	r->n_events = 0;
	r->arena_used = 0;
	return true;
}

bool recorder_define_code(recorder *r, const char *kind, int code, const char *name)
{
	if (!kind || !*kind || !name || !*name) {
		set_error(r, "define_code: kind and name are required");
		return false;
	}
	/* Autocommit: between batches no transaction is open (the rows wait in memory). */
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO codes VALUES (?1, ?2, ?3)", -1,
	                             &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, code);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	if (!ok)
		set_sqlite_error(r, "cannot define a code");
	sqlite3_finalize(st);
	return ok;
}

bool recorder_set_busy_timeout(recorder *r, int timeout_ms)
{
	if (timeout_ms < 0) {
		set_error(r, "busy timeout must be >= 0 ms, got %d", timeout_ms);
		return false;
	}
	r->busy.timeout_ms = timeout_ms;
	return true;
}

bool recorder_set_batch(recorder *r, size_t samples_per_commit)
{
	if (samples_per_commit == 0) {
		set_error(r, "batch size must be at least 1");
		return false;
	}
	if (r->run_id && !flush(r, NULL, NULL))
		return false;
	recorder_sample *s = realloc(r->samples, samples_per_commit * sizeof *s);
	if (!s) {
		set_error(r, "out of memory");
		return false;
	}
	r->samples = s;
	r->batch = samples_per_commit;
	return true;
}

bool recorder_begin_run(recorder *r, const recorder_run_info *info, int64_t *out_run_id, char *err,
                        size_t errlen)
{
	bool ok = false;
	sqlite3_stmt *st = NULL;
	if (r->run_id) {
		set_error(r, "run %" PRId64 " is in progress; end it before beginning another",
		          r->run_id);
		goto out;
	}
	if (!info || !info->scenario_name || !*info->scenario_name || !info->patient ||
	    !*info->patient) {
		set_error(r, "begin_run: scenario_name and patient are required");
		goto out;
	}
	if (info->duration_min < 0 || info->start_min_of_day < 0 ||
	    info->start_min_of_day >= MIN_PER_DAY) {
		set_error(r,
		          "begin_run: expected duration_min >= 0 and start_min_of_day 0 to 1439, "
		          "got %" PRId64 " and %d",
		          info->duration_min, info->start_min_of_day);
		goto out;
	}
	char sha[65];
	if (info->scenario_text)
		recorder_sha256_hex(info->scenario_text, strlen(info->scenario_text), sha);
	if (sqlite3_prepare_v2(r->db,
	                       "INSERT INTO runs (scenario_name, scenario_path, scenario_text, "
	                       "scenario_sha256, seed, patient, duration_min, start_min_of_day, "
	                       "fakepump_version, sqlite_version, started_at) VALUES (?1, ?2, ?3, "
	                       "?4, ?5, ?6, ?7, ?8, ?9, sqlite_version(), "
	                       "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
	                       -1, &st, NULL) != SQLITE_OK) {
		set_sqlite_error(r, "cannot begin the run");
		goto out;
	}
	sqlite3_bind_text(st, 1, info->scenario_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, info->scenario_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, info->scenario_text, -1, SQLITE_STATIC);
	if (info->scenario_text)
		sqlite3_bind_text(st, 4, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, info->seed);
	sqlite3_bind_text(st, 6, info->patient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, info->duration_min);
	sqlite3_bind_int(st, 8, info->start_min_of_day);
	sqlite3_bind_text(st, 9, info->fakepump_version, -1, SQLITE_STATIC);
	/*
	 * The row and its writer's lock (run_lock.h) in one transaction: when other processes
	 * see the run as 'running', it is already locked, and it stays listed from here on,
	 * even if this process is killed next.
	 */
	if (!exec_sql(r->db, "BEGIN IMMEDIATE")) {
		set_sqlite_error(r, "cannot lock the database");
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		set_sqlite_error(r, "cannot begin the run");
		exec_sql(r->db, "ROLLBACK");
		goto out;
	}
	const int64_t id = sqlite3_last_insert_rowid(r->db);
	/* A file system without locks: the run is recorded all the same; readers then cannot
	 * tell it from an incomplete one (docs/database.md). */
	const bool locked = run_lock_take(r->lock_fd, id);
	if (!exec_sql(r->db, "COMMIT")) {
		set_sqlite_error(r, "cannot begin the run");
		exec_sql(r->db, "ROLLBACK");
		if (locked)
			run_lock_drop(r->lock_fd, id);
		goto out;
	}
	r->run_id = id;
	r->committed = 0;
	r->next_seq = 0;
	r->have_t = false;
	r->n_samples = 0;
	r->n_events = 0;
	r->arena_used = 0;
	if (out_run_id)
		*out_run_id = r->run_id;
	r->err[0] = '\0';
	ok = true;
out:
	sqlite3_finalize(st);
	if (!ok)
		copy_err(err, errlen, r->err);
	return ok;
}

bool recorder_add_sample(recorder *r, const recorder_sample *s)
{
	if (!r->run_id) {
		set_error(r, "add_sample: no run in progress");
		return false;
	}
	/* A full buffer here means the last commit failed: retry it before taking more. */
	if (r->n_samples == r->batch && !flush(r, NULL, NULL))
		return false;
	if (r->have_t && s->t_min <= r->last_t_min) {
		set_error(r,
		          "add_sample: t_min %" PRId64
		          " does not follow the previous sample's %" PRId64,
		          s->t_min, r->last_t_min);
		return false;
	}
	r->samples[r->n_samples++] = *s;
	r->have_t = true;
	r->last_t_min = s->t_min;
	if (r->n_samples == r->batch)
		return flush(r, NULL, NULL);
	return true;
}

/* Copies a string into the arena; *off = SIZE_MAX for NULL. False when out of memory. */
static bool arena_add(recorder *r, const char *text, size_t *off)
{
	if (!text) {
		*off = SIZE_MAX;
		return true;
	}
	const size_t len = strlen(text) + 1;
	if (len > SIZE_MAX / 2 - r->arena_used)
		return false;
	if (r->arena_used + len > r->arena_cap) {
		size_t cap = r->arena_cap ? r->arena_cap : 4096;
		while (cap < r->arena_used + len)
			cap *= 2;
		char *a = realloc(r->arena, cap);
		if (!a)
			return false;
		r->arena = a;
		r->arena_cap = cap;
	}
	memcpy(r->arena + r->arena_used, text, len);
	*off = r->arena_used;
	r->arena_used += len;
	return true;
}

bool recorder_add_event(recorder *r, const recorder_event *e)
{
	if (!r->run_id) {
		set_error(r, "add_event: no run in progress");
		return false;
	}
	if (!e->type || !*e->type) {
		set_error(r, "add_event: type is required");
		return false;
	}
	/* Events between sample batches are bounded too: many of them commit on their own. */
	if (r->n_events >= r->batch && !flush(r, NULL, NULL))
		return false;
	if (r->n_events == r->cap_events) {
		const size_t cap = r->cap_events ? 2 * r->cap_events : 64;
		pending_event *ev = realloc(r->events, cap * sizeof *ev);
		if (!ev) {
			set_error(r, "out of memory");
			return false;
		}
		r->events = ev;
		r->cap_events = cap;
	}
	pending_event *p = &r->events[r->n_events];
	const size_t arena_before = r->arena_used;
	const char *strs[EVENT_STRINGS] = {e->type, e->source, e->name, e->result, e->detail};
	for (int k = 0; k < EVENT_STRINGS; k++) {
		if (!arena_add(r, strs[k], &p->str_off[k])) {
			r->arena_used = arena_before;
			set_error(r, "out of memory");
			return false;
		}
	}
	p->t_min = e->t_min;
	p->seq = r->next_seq++;
	p->value = e->value;
	p->value2 = e->value2;
	r->n_events++;
	return true;
}

bool recorder_end_run(recorder *r, const char *status, const char *summary_json)
{
	if (!r->run_id) {
		set_error(r, "end_run: no run in progress");
		return false;
	}
	const char *valid = NULL;
	for (size_t i = 0; status && i < sizeof VALID_STATUS / sizeof VALID_STATUS[0]; i++)
		if (strcmp(status, VALID_STATUS[i]) == 0)
			valid = VALID_STATUS[i];
	if (!valid) {
		set_error(r, "end_run: expected status passed, failed, error or done, got '%s'",
		          status ? status : "(null)");
		return false;
	}
	if (summary_json) {
		int64_t is_json = 0;
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(r->db, "SELECT json_valid(?1)", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(st, 1, summary_json, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				is_json = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		if (!is_json) {
			set_error(r, "end_run: summary_json is not valid JSON");
			return false;
		}
	}
	if (!flush(r, valid, summary_json))
		return false;
	run_lock_drop(r->lock_fd, r->run_id);
	r->run_id = 0;
	r->err[0] = '\0';
	return true;
}

int64_t recorder_committed_samples(const recorder *r)
{
	return r->run_id ? r->committed : 0;
}

void recorder_close(recorder *r)
{
	if (!r)
		return;
	if (r->run_id)
		flush(r, NULL, NULL);
	free_recorder(r);
}

const char *recorder_error(const recorder *r)
{
	return r->err;
}

/* ------------------------------------------------------------------------------------ */
/* Readers                                                                               */
/* ------------------------------------------------------------------------------------ */

/*
 * Opens an existing database for reading. Read-write when allowed (a reader may have to
 * replay the WAL of a killed writer), read-only otherwise; never creates the file.
 */
static sqlite3 *open_existing(const char *path, busy_state *busy, char *err, size_t errlen)
{
	sqlite3 *db = open_db(path, SQLITE_OPEN_READWRITE, busy, err, errlen);
	if (!db)
		db = open_db(path, SQLITE_OPEN_READONLY, busy, err, errlen);
	if (!db)
		return NULL;
	int64_t app_id = 0;
	if (!query_int(db, "PRAGMA application_id", &app_id) || app_id != APPLICATION_ID) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: not a fakepump database (no runs recorded here)",
			         path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static const char *text_or(sqlite3_stmt *st, int col, const char *dflt)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : dflt;
}

int64_t recorder_run_sample_count(const char *db_path, int64_t run_id, char *err,
                                  size_t errlen)
{
	busy_state busy;
	sqlite3 *db = open_existing(db_path, &busy, err, errlen);
	if (!db)
		return -1;
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT sample_count FROM runs WHERE id = %" PRId64, run_id);
	int64_t n = -1;
	if (!query_int(db, sql, &n) && err && errlen > 0)
		snprintf(err, errlen, "%s: no run %" PRId64 " (see 'fakepump runs')", db_path, run_id);
	sqlite3_close(db);
	return n;
}

enum { LIST_COLUMNS = 8, LIST_STATUS_COLUMN = 6 };

/* A cell of `fakepump runs`; a 'running' run whose writer is gone shows as 'incomplete'. */
static const char *list_cell(sqlite3_stmt *st, int col, int lock_fd)
{
	const char *text = text_or(st, col, "-");
	if (col == LIST_STATUS_COLUMN && strcmp(text, "running") == 0 &&
	    run_lock_probe(lock_fd, sqlite3_column_int64(st, 0)) == RUN_LOCK_FREE)
		return "incomplete";
	return text;
}

int recorder_list_runs(const char *db_path, FILE *out, char *err, size_t errlen)
{
	static const char *const header[LIST_COLUMNS] = {
	    "id", "scenario", "patient", "seed", "started", "ended", "status", "samples"};
	static const bool right[LIST_COLUMNS] = {true,  false, false, true,
	                                         false, false, false, true};
	busy_state busy;
	sqlite3 *db = open_existing(db_path, &busy, err, errlen);
	if (!db)
		return -1;
	const int lock_fd = run_lock_open(db_path, false);
	sqlite3_stmt *st = NULL;
	int rows = -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT id, scenario_name, patient, seed, "
	                       "strftime('%Y-%m-%dT%H:%M:%SZ', started_at), "
	                       "strftime('%Y-%m-%dT%H:%M:%SZ', ended_at), status, sample_count "
	                       "FROM runs ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	/* Two passes over a small table: the first sizes the columns, the second prints. */
	int width[LIST_COLUMNS];
	for (int c = 0; c < LIST_COLUMNS; c++)
		width[c] = (int)strlen(header[c]);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int c = 0; c < LIST_COLUMNS; c++) {
			const int w = (int)strlen(list_cell(st, c, lock_fd));
			if (w > width[c])
				width[c] = w;
		}
	if (rc != SQLITE_DONE) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_reset(st);
	for (int c = 0; c < LIST_COLUMNS; c++)
		fprintf(out, c ? "  %*s" : "%*s", right[c] ? width[c] : -width[c], header[c]);
	fputc('\n', out);
	int n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < LIST_COLUMNS; c++)
			fprintf(out, c ? "  %*s" : "%*s", right[c] ? width[c] : -width[c],
			        list_cell(st, c, lock_fd));
		fputc('\n', out);
		n++;
	}
	if (rc != SQLITE_DONE) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	rows = n;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	run_lock_close(lock_fd); /* after SQLite's own descriptors: see run_lock.h */
	return rows;
}

/*
 * The trace CSV's columns after t_min, day and clock (sim/csv_writer.c: same names, same
 * printf formats; NULL prints as an empty cell). fmt NULL: the text as it is.
 */
static const struct export_column {
	const char *header;
	const char *expr; /* over samples s, codes ts (therapy_state) and an (annunciation) */
	const char *fmt;
} EXPORT_COLUMNS[] = {
    {"bg_mgdl", "s.bg_mgdl", "%.10g"},
    {"gsub_mgdl", "s.gsub_mgdl", "%.10g"},
    {"cgm_mgdl", "s.cgm_mgdl", "%.10g"},
    {"meal_announced_g", "s.meal_announced_g", "%.10g"},
    {"cho_g_per_min", "s.cho_g_per_min", "%.10g"},
    {"insulin_u_per_min", "s.insulin_u_per_min", "%.10g"},
    {"basal_u_per_h", "s.basal_u_per_h", "%.10g"},
    {"bolus_u", "s.bolus_u", "%.10g"},
    {"iob_u", "s.iob_u", "%.6g"},
    {"reservoir_u", "s.reservoir_u", "%.6g"},
    {"battery_pct", "s.battery_pct", "%.4f"},
    /* names from the codes table; the number when the writer defined none */
    {"therapy_state", "coalesce(ts.name, s.therapy_state)", NULL},
    {"annunciation",
     "CASE WHEN s.annunciation = 0 THEN NULL "
     "ELSE coalesce(an.name, s.annunciation) END",
     NULL},
};

enum { EXPORT_COLUMN_COUNT = sizeof EXPORT_COLUMNS / sizeof EXPORT_COLUMNS[0] };

int recorder_export_csv(const char *db_path, int64_t run_id, FILE *out, char *err, size_t errlen)
{
	busy_state busy;
	sqlite3 *db = open_existing(db_path, &busy, err, errlen);
	if (!db)
		return -1;
	sqlite3_stmt *st = NULL;
	int rows = -1;
	int64_t start_min_of_day = 0;
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT start_min_of_day FROM runs WHERE id = %" PRId64, run_id);
	if (!query_int(db, sql, &start_min_of_day)) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: no run %" PRId64 " (see 'fakepump runs')",
			         db_path, run_id);
		goto out;
	}
	size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT s.t_min");
	for (int c = 0; c < EXPORT_COLUMN_COUNT; c++)
		len +=
		    (size_t)snprintf(sql + len, sizeof sql - len, ", %s", EXPORT_COLUMNS[c].expr);
	snprintf(sql + len, sizeof sql - len,
	         " FROM samples s"
	         " LEFT JOIN codes ts ON ts.kind = 'therapy_state' AND ts.code = s.therapy_state"
	         " LEFT JOIN codes an ON an.kind = 'annunciation' AND an.code = s.annunciation"
	         " WHERE s.run_id = ?1 ORDER BY s.t_min");
	/* A transaction: all rows from one snapshot, even while a writer commits batches. */
	if (!exec_sql(db, "BEGIN") || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	fputs("t_min,day,clock", out);
	for (int c = 0; c < EXPORT_COLUMN_COUNT; c++)
		fprintf(out, ",%s", EXPORT_COLUMNS[c].header);
	fputc('\n', out);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const int64_t t = sqlite3_column_int64(st, 0);
		int64_t day;
		int min_of_day;
		char hhmm[CLOCK_TEXT_MAX];
		clock_split(t + start_min_of_day, &day, &min_of_day);
		fprintf(out, "%" PRId64 ",%" PRId64 ",%s", t, day,
		        clock_format_hhmm(min_of_day, hhmm, sizeof hhmm));
		for (int c = 0; c < EXPORT_COLUMN_COUNT; c++) {
			fputc(',', out);
			if (sqlite3_column_type(st, c + 1) == SQLITE_NULL)
				continue;
			if (EXPORT_COLUMNS[c].fmt)
				fprintf(out, EXPORT_COLUMNS[c].fmt,
				        sqlite3_column_double(st, c + 1));
			else
				fputs((const char *)sqlite3_column_text(st, c + 1), out);
		}
		fputc('\n', out);
		n++;
	}
	if (rc != SQLITE_DONE) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	if (ferror(out)) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: export: cannot write: %s", db_path,
			         strerror(errno));
		goto out;
	}
	rows = n;
out:
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(db))
		exec_sql(db, "COMMIT");
	sqlite3_close(db);
	return rows;
}

/* ------------------------------------------------------------------------------------ */
/* SHA-256 (FIPS 180-4)                                                                  */
/* ------------------------------------------------------------------------------------ */

/* §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* §6.2.2: one 64-byte block into the hash value h. */
static void sha256_block(uint32_t h[8], const uint8_t block[64])
{
	uint32_t w[64];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
		       (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		const uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
		const uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (int t = 0; t < 64; t++) {
		const uint32_t t1 = k + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) +
		                    ((e & f) ^ (~e & g)) + SHA256_K[t] + w[t];
		const uint32_t t2 =
		    (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

void recorder_sha256_hex(const void *data, size_t len, char hex[65])
{
	/* §5.3.3: the initial hash value. */
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const uint8_t *p = data;
	size_t left = len;
	for (; left >= 64; left -= 64, p += 64)
		sha256_block(h, p);
	/* §5.1.1 padding: 0x80, zeros, then the length in bits as 64-bit big-endian. */
	uint8_t tail[128] = {0};
	memcpy(tail, p, left);
	tail[left] = 0x80;
	const size_t tail_len = left + 1 + 8 <= 64 ? 64 : 128;
	const uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[tail_len - 1 - (size_t)i] = (uint8_t)(bits >> (8 * i));
	sha256_block(h, tail);
	if (tail_len == 128)
		sha256_block(h, tail + 64);
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		const uint8_t byte = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
		hex[2 * i] = digits[byte >> 4];
		hex[2 * i + 1] = digits[byte & 0xf];
	}
	hex[64] = '\0';
}

static double column_or_nan(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
}

static const char *column_text_or_null(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL ? NULL
	                                                 : (const char *)sqlite3_column_text(st, c);
}

int64_t recorder_read_run(const char *db_path, int64_t run_id, int *start_min_of_day,
                          char *scenario_name, char *patient, recorder_sample_fn on_sample,
                          recorder_event_fn on_event, void *user_data, char *err,
                          size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t count = -1;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", db_path, db ? sqlite3_errmsg(db) : "?");
		goto out;
	}
	if (sqlite3_prepare_v2(db,
	                       "SELECT start_min_of_day, scenario_name, patient FROM runs "
	                       "WHERE id = ?",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: not a fakepump database (%s)", db_path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: no run %" PRId64, db_path, run_id);
		goto out;
	}
	*start_min_of_day = sqlite3_column_int(st, 0);
	snprintf(scenario_name, 128, "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(patient, 128, "%s", (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	st = NULL;

	if (sqlite3_prepare_v2(db,
	                       "SELECT t_min, bg_mgdl, gsub_mgdl, cgm_mgdl, cho_g_per_min, "
	                       "meal_announced_g, basal_u_per_min, bolus_u, insulin_u_per_min, "
	                       "basal_u_per_h, iob_u, reservoir_u, battery_pct, therapy_state, "
	                       "annunciation FROM samples WHERE run_id = ? ORDER BY t_min",
	                       -1, &st, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(st, 1, run_id);
	count = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		recorder_sample s = {
			.t_min = sqlite3_column_int64(st, 0),
			.bg_mgdl = column_or_nan(st, 1),
			.gsub_mgdl = column_or_nan(st, 2),
			.cgm_mgdl = column_or_nan(st, 3),
			.cho_g_per_min = column_or_nan(st, 4),
			.meal_announced_g = column_or_nan(st, 5),
			.basal_u_per_min = column_or_nan(st, 6),
			.bolus_u = column_or_nan(st, 7),
			.insulin_u_per_min = column_or_nan(st, 8),
			.basal_u_per_h = column_or_nan(st, 9),
			.iob_u = column_or_nan(st, 10),
			.reservoir_u = column_or_nan(st, 11),
			.battery_pct = column_or_nan(st, 12),
			.therapy_state = sqlite3_column_int(st, 13),
			.annunciation = sqlite3_column_int(st, 14),
		};
		if (on_sample)
			on_sample(&s, user_data);
		count++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT t_min, type, source, name, result, value, value2, detail "
	                       "FROM events WHERE run_id = ? ORDER BY seq",
	                       -1, &st, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		recorder_event e = {
			.t_min = sqlite3_column_int64(st, 0),
			.type = column_text_or_null(st, 1),
			.source = column_text_or_null(st, 2),
			.name = column_text_or_null(st, 3),
			.result = column_text_or_null(st, 4),
			.value = column_or_nan(st, 5),
			.value2 = column_or_nan(st, 6),
			.detail = column_text_or_null(st, 7),
		};
		if (on_event)
			on_event(&e, user_data);
	}
	goto out;
sql_error:
	snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
	count = -1;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return count;
}
