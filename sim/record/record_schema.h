/*
 * record_schema — the tables of a run database and keeping a file's schema current: create it
 * in an empty file, upgrade a version 1 or 2 file, refuse a file of another program or a newer
 * schema, and mark runs whose writer is gone 'incomplete'. Internal to sim/record/ (the
 * writer calls it when it opens a file); users read docs/database.md.
 */
#ifndef FAKEPUMP_RECORD_SCHEMA_H
#define FAKEPUMP_RECORD_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/*
 * In one BEGIN IMMEDIATE … COMMIT: creates the schema in an empty file, or checks that an
 * existing one is ours and current (upgrading versions 1 and 2), then marks the 'running' runs
 * whose lock (run_lock.h, on `lock_fd`) is free as 'incomplete'. False (rolled back) with
 * the reason in `why` ("cannot lock the database: database is locked", "not a fakepump
 * database (it has other tables)", …; without the path).
 */
bool record_schema_ensure(sqlite3 *db, int lock_fd, char *why, size_t cap);

#endif
