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
 * The connection (record_db.c), the schema (record_schema.c) and the readers
 * (recorder_read.c) live apart; this file is the writer only.
 *
 * Follows: SQLite 3.40 C API (WAL mode, https://sqlite.org/wal.html; WITHOUT ROWID tables,
 * https://sqlite.org/withoutrowid.html). The scenario's SHA-256 (FIPS 180-4) is GLib's
 * GChecksum.
 */
#include "recorder.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <sqlite3.h>

#include "record_db.h"
#include "record_schema.h"
#include "run_lock.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

enum {
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

/* An event waiting for its batch: strings live in recorder.arena at these offsets. */
typedef struct pending_event {
	int64_t t_min;
	int64_t seq;
	double value, value2;
	size_t str_off[EVENT_STRINGS]; /* SIZE_MAX = NULL */
} pending_event;

struct recorder {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *insert_sample;  /* one row */
	sqlite3_stmt *insert_samples; /* ROWS_PER_INSERT rows */
	sqlite3_stmt *insert_event;
	sqlite3_stmt *update_count;
	record_busy busy;
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
/* Opening                                                                               */
/* ------------------------------------------------------------------------------------ */

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
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
		    !record_db_busy_wait(&r->busy, attempt))
			return false;
	}
}

/* The writer's statements, prepared once for the connection's life. */
static bool prepare_statements(recorder *r)
{
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
	return prepare(r, insert_sql, &r->insert_samples) &&
	       prepare(r, "INSERT INTO samples VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	               &r->insert_sample) &&
	       prepare(r,
	               "INSERT INTO events (run_id, t_min, seq, type, source, name, result, value, "
	               "value2, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	               &r->insert_event) &&
	       prepare(r, "UPDATE runs SET sample_count = ?2 WHERE id = ?1", &r->update_count);
}

bool recorder_open(const char *db_path, recorder **out, char *err, size_t errlen)
{
	*out = NULL;
	recorder *r = calloc(1, sizeof *r);
	if (!r) {
		record_copy_err(err, errlen, "recorder: out of memory");
		return false;
	}
	r->lock_fd = -1;
	r->batch = RECORDER_DEFAULT_BATCH;
	r->samples = malloc(r->batch * sizeof *r->samples);
	r->path = db_path ? strdup(db_path) : NULL;
	if (!r->samples || (db_path && !r->path)) {
		record_copy_err(err, errlen, "recorder: out of memory");
		free_recorder(r);
		return false;
	}
	r->db = record_db_open(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &r->busy, err,
	                       errlen);
	if (!r->db) {
		free_recorder(r);
		return false;
	}
	r->lock_fd = run_lock_open(db_path, true);

	if (!switch_to_wal(r)) {
		set_sqlite_error(r, "cannot switch to WAL");
		goto fail;
	}
	if (!record_db_exec(r->db, "PRAGMA synchronous = NORMAL")) {
		set_sqlite_error(r, "cannot set synchronous");
		goto fail;
	}
	char why[ERR_MAX];
	if (!record_schema_ensure(r->db, r->lock_fd, why, sizeof why)) {
		set_error(r, "%s", why);
		goto fail;
	}
	if (!prepare_statements(r))
		goto fail;
	*out = r;
	return true;
fail:
	record_copy_err(err, errlen, r->err);
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
	if (!record_db_exec(r->db, "BEGIN IMMEDIATE")) {
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
	if (ok && !record_db_exec(r->db, "COMMIT")) {
		set_sqlite_error(r, "cannot commit");
		ok = false;
	}
	if (!ok) {
		if (!sqlite3_get_autocommit(r->db))
			record_db_exec(r->db, "ROLLBACK");
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

/* Whether a run can begin with this info; false with the error set. */
static bool run_info_ok(recorder *r, const recorder_run_info *info)
{
	if (r->run_id) {
		set_error(r, "run %" PRId64 " is in progress; end it before beginning another",
		          r->run_id);
		return false;
	}
	if (!info || !info->scenario_name || !*info->scenario_name || !info->patient ||
	    !*info->patient) {
		set_error(r, "begin_run: scenario_name and patient are required");
		return false;
	}
	if (info->duration_min < 0 || info->start_min_of_day < 0 ||
	    info->start_min_of_day >= MIN_PER_DAY) {
		set_error(r,
		          "begin_run: expected duration_min >= 0 and start_min_of_day 0 to 1439, "
		          "got %" PRId64 " and %d",
		          info->duration_min, info->start_min_of_day);
		return false;
	}
	return true;
}

/*
 * The runs row and its writer's lock (run_lock.h) in one transaction: when other processes
 * see the run as 'running', it is already locked, and it stays listed from here on, even if
 * this process is killed next. The new run's id in *id; false with the error set.
 */
static bool insert_run(recorder *r, const recorder_run_info *info, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	char *sha = info->scenario_text
	                ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, info->scenario_text, -1)
	                : NULL;
	bool ok = false;
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
	sqlite3_bind_text(st, 4, sha, -1, SQLITE_STATIC); /* NULL without a text */
	sqlite3_bind_int64(st, 5, info->seed);
	sqlite3_bind_text(st, 6, info->patient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, info->duration_min);
	sqlite3_bind_int(st, 8, info->start_min_of_day);
	sqlite3_bind_text(st, 9, info->fakepump_version, -1, SQLITE_STATIC);
	if (!record_db_exec(r->db, "BEGIN IMMEDIATE")) {
		set_sqlite_error(r, "cannot lock the database");
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		set_sqlite_error(r, "cannot begin the run");
		record_db_exec(r->db, "ROLLBACK");
		goto out;
	}
	*id = sqlite3_last_insert_rowid(r->db);
	/* A file system without locks: the run is recorded all the same; readers then cannot
	 * tell it from an incomplete one (docs/database.md). */
	const bool locked = run_lock_take(r->lock_fd, *id);
	if (!record_db_exec(r->db, "COMMIT")) {
		set_sqlite_error(r, "cannot begin the run");
		record_db_exec(r->db, "ROLLBACK");
		if (locked)
			run_lock_drop(r->lock_fd, *id);
		goto out;
	}
	ok = true;
out:
	sqlite3_finalize(st);
	g_free(sha);
	return ok;
}

bool recorder_begin_run(recorder *r, const recorder_run_info *info, int64_t *out_run_id, char *err,
                        size_t errlen)
{
	int64_t id = 0;
	if (!run_info_ok(r, info) || !insert_run(r, info, &id)) {
		record_copy_err(err, errlen, r->err);
		return false;
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
	return true;
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
