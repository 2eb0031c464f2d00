/*
 * record_db — see record_db.h. Follows the SQLite 3.40 C API (https://sqlite.org/c3ref/).
 */
#include "record_db.h"

#include <stdio.h>

void record_copy_err(char *dst, size_t len, const char *src)
{
	if (dst && len > 0)
		snprintf(dst, len, "%s", src);
}

/*
 * Why not sqlite3_busy_timeout: its sleeps grow to 100 ms, long next to a batch commit of
 * about a millisecond, so processes recording into one file would sleep more than they write.
 */
int record_db_busy_wait(void *busy, int attempts)
{
	record_busy *b = busy;
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

bool record_db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

bool record_db_query_int(sqlite3 *db, const char *sql, int64_t *out)
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

sqlite3 *record_db_open(const char *path, int flags, record_busy *busy, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int64_t ignored;
	if (!path || !*path) {
		record_copy_err(err, errlen, "recorder: no database path");
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", path,
			         db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	busy->timeout_ms = RECORD_BUSY_TIMEOUT_MS;
	sqlite3_busy_handler(db, record_db_busy_wait, busy);
	/* The first read of the header: "file is not a database" shows here, not later. */
	if (!record_db_query_int(db, "PRAGMA schema_version", &ignored)) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *record_db_open_existing(const char *path, record_busy *busy, char *err, size_t errlen)
{
	sqlite3 *db = record_db_open(path, SQLITE_OPEN_READWRITE, busy, err, errlen);
	if (!db)
		db = record_db_open(path, SQLITE_OPEN_READONLY, busy, err, errlen);
	if (!db)
		return NULL;
	int64_t app_id = 0;
	if (!record_db_query_int(db, "PRAGMA application_id", &app_id) ||
	    app_id != RECORD_APPLICATION_ID) {
		if (err && errlen > 0)
			snprintf(err, errlen, "%s: not a fakepump database (no runs recorded here)",
			         path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}
