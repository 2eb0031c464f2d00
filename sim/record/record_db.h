/*
 * record_db — the SQLite connection as the recorder's writer and readers open it: our busy
 * handler, the check that a file is a database at all, the one that it is ours, and two
 * small query helpers. Internal to sim/record/ (recorder.c, recorder_read.c,
 * record_schema.c); nothing else includes it.
 *
 * Errors are written as "path: why" into the caller's buffer (err may be NULL or errlen 0).
 */
#ifndef FAKEPUMP_RECORD_DB_H
#define FAKEPUMP_RECORD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "recorder.h"

enum {
	/* PRAGMA user_version of the schema (record_schema.c) and PRAGMA application_id ("FPmp").
	 */
	RECORD_SCHEMA_VERSION = RECORDER_SCHEMA_VERSION,
	RECORD_APPLICATION_ID = RECORDER_APPLICATION_ID,
	/* How long a statement waits for another process's write lock, unless set otherwise. */
	RECORD_BUSY_TIMEOUT_MS = 10000,
};

/* The busy handler's state for one connection (see record_db_busy_wait). */
typedef struct record_busy {
	int timeout_ms;
	struct timespec start;
} record_busy;

/*
 * SQLite busy handler: poll with a short back-off (50 µs doubling to 2 ms) until
 * busy->timeout_ms have passed since the first attempt. Returns 1 to retry, 0 to give up.
 */
int record_db_busy_wait(void *busy, int attempts);

/*
 * Opens path with SQLite `flags` (SQLITE_OPEN_NOMUTEX added) and the busy handler, whose
 * state `busy` must outlive the connection; reads the header, so a file that is not a
 * database fails here. NULL with "path: why" in err.
 */
sqlite3 *record_db_open(const char *path, int flags, record_busy *busy, char *err, size_t errlen);

/*
 * Opens an existing fakepump database for reading: read-write when allowed (a reader may have
 * to replay the WAL of a killed writer), read-only otherwise; never creates the file. NULL
 * with "path: why" in err, "path: not a fakepump database (no runs recorded here)" for a
 * database of another program.
 */
sqlite3 *record_db_open_existing(const char *path, record_busy *busy, char *err, size_t errlen);

/* Runs SQL whose rows (if any) are not needed. False on error (sqlite3_errmsg says why). */
bool record_db_exec(sqlite3 *db, const char *sql);

/* The single integer a statement like "PRAGMA user_version" returns, or false. */
bool record_db_query_int(sqlite3 *db, const char *sql, int64_t *out);

/* snprintf(dst, len, "%s", src) when there is a buffer. */
void record_copy_err(char *dst, size_t len, const char *src);

#endif
