/*
 * record_facts — see record_facts.h. One BEGIN IMMEDIATE … COMMIT: the runs row's new
 * columns, then the run's expectations and files deleted and inserted again, so a second
 * write replaces the first.
 */
#include "record_facts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <sqlite3.h>

#include "record_db.h"
#include "record_schema.h"
#include "run_lock.h"

static void why(char *err, size_t errlen, const char *path, sqlite3 *db, const char *what)
{
	if (err && errlen > 0)
		snprintf(err, errlen, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "?");
}

static bool facts_ok(const record_facts *f, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < f->expectation_count; i++)
		if (!f->expectations[i].text) {
			snprintf(err, errlen, "%s: expectation %zu has no text", path, i + 1);
			return false;
		}
	for (size_t i = 0; i < f->file_count; i++) {
		const record_file *file = &f->files[i];
		if (!file->text || !file->role ||
		    (strcmp(file->role, "scenario") != 0 && strcmp(file->role, "include") != 0)) {
			snprintf(err, errlen, "%s: scenario file %zu needs its text and a role",
			         path, i + 1);
			return false;
		}
	}
	return true;
}

static bool step_done(sqlite3_stmt *st)
{
	const bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	return ok;
}

static bool write_rows(sqlite3 *db, int64_t run_id, const record_facts *f)
{
	sqlite3_stmt *run = NULL, *ex = NULL, *file = NULL;
	bool ok =
	    sqlite3_prepare_v2(db,
	                       "UPDATE runs SET build = ?2, host = ?3, settings_json = "
	                       "json(?4), expect_failure = ?5 WHERE id = ?1",
	                       -1, &run, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "INSERT INTO expectations VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
	                       &ex, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "INSERT INTO scenario_files VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
	                       &file, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_int64(run, 1, run_id);
		sqlite3_bind_text(run, 2, f->build, -1, SQLITE_STATIC);
		sqlite3_bind_text(run, 3, f->host, -1, SQLITE_STATIC);
		sqlite3_bind_text(run, 4, f->settings_json, -1, SQLITE_STATIC);
		sqlite3_bind_text(run, 5, f->expect_failure, -1, SQLITE_STATIC);
		ok = step_done(run);
	}
	for (size_t i = 0; ok && i < f->expectation_count; i++) {
		const record_expectation *e = &f->expectations[i];
		sqlite3_bind_int64(ex, 1, run_id);
		sqlite3_bind_int64(ex, 2, (int64_t)i);
		sqlite3_bind_int(ex, 3, e->passed ? 1 : 0);
		sqlite3_bind_text(ex, 4, e->text, -1, SQLITE_STATIC);
		sqlite3_bind_text(ex, 5, e->location, -1, SQLITE_STATIC);
		sqlite3_bind_text(ex, 6, e->measured, -1, SQLITE_STATIC);
		ok = step_done(ex);
	}
	for (size_t i = 0; ok && i < f->file_count; i++) {
		const record_file *r = &f->files[i];
		char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, r->text, -1);
		sqlite3_bind_int64(file, 1, run_id);
		sqlite3_bind_int64(file, 2, (int64_t)i);
		sqlite3_bind_text(file, 3, r->role, -1, SQLITE_STATIC);
		sqlite3_bind_text(file, 4, r->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(file, 5, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(file, 6, r->text, -1, SQLITE_STATIC);
		ok = sha && step_done(file);
		g_free(sha);
	}
	sqlite3_finalize(run);
	sqlite3_finalize(ex);
	sqlite3_finalize(file);
	return ok;
}

bool record_facts_write(const char *db_path, int64_t run_id, const record_facts *f, char *err,
                        size_t errlen)
{
	if (!facts_ok(f, db_path, err, errlen))
		return false;
	record_busy busy;
	sqlite3 *db =
	    record_db_open(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &busy, err, errlen);
	if (!db)
		return false;
	const int lock_fd = run_lock_open(db_path, true);
	char reason[512];
	bool ok = record_schema_ensure(db, lock_fd, reason, sizeof reason);
	if (!ok && err && errlen > 0)
		snprintf(err, errlen, "%s: %s", db_path, reason);
	if (ok && !record_db_exec(db, "BEGIN IMMEDIATE")) {
		why(err, errlen, db_path, db, "cannot lock the database");
		ok = false;
	} else if (ok) {
		char sql[160];
		int64_t exists = 0;
		snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id = %" PRId64, run_id);
		if (!record_db_query_int(db, sql, &exists) || exists != 1) {
			if (err && errlen > 0)
				snprintf(err, errlen, "%s: no run %" PRId64, db_path, run_id);
			ok = false;
		} else {
			snprintf(sql, sizeof sql,
			         "DELETE FROM expectations WHERE run_id = %" PRId64
			         "; DELETE FROM scenario_files WHERE run_id = %" PRId64,
			         run_id, run_id);
			ok = record_db_exec(db, sql) && write_rows(db, run_id, f) &&
			     record_db_exec(db, "COMMIT");
			if (!ok)
				why(err, errlen, db_path, db, "cannot record the run's facts");
		}
		if (!ok)
			record_db_exec(db, "ROLLBACK");
	}
	sqlite3_close(db);
	run_lock_close(lock_fd);
	return ok;
}
