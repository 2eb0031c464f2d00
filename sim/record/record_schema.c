/*
 * record_schema — see record_schema.h. The schema is documented for users, column by column,
 * in docs/database.md (tests/check_database_doc.py holds the two together).
 */
#include "record_schema.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "record_db.h"
#include "run_lock.h"

/*
 * The schema. Units are in the column names; docs/database.md describes every
 * column. samples is WITHOUT ROWID keyed by (run_id, t_min): the rows are stored in key
 * order, so one run's samples are one contiguous range, found without a second index
 * (bench/bench_recorder.c measures it against rowid tables; docs/database.md has the figures).
 */
#define RUNS_TABLE_SQL(name)                                                                       \
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
    RUNS_TABLE_SQL("runs") "CREATE TABLE samples (\n"
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

/* "what: SQLite's message" into why. */
static void sqlite_why(sqlite3 *db, const char *what, char *why, size_t cap)
{
	snprintf(why, cap, "%s: %s", what, sqlite3_errmsg(db));
}

/*
 * Version 2 → 3: what a report needs that version 2 did not keep (docs/database.md): the
 * build and machine that recorded a run, the scenario's settings as loaded, the reason a
 * scenario is meant to fail, each expectation with its verdict and measured value, and
 * every scenario file (includes too) with its SHA-256. Added columns are NULL in runs
 * recorded before; new files get the same statements, so their tables read the same.
 */
static const char SCHEMA_V3_SQL[] =
    "ALTER TABLE runs ADD COLUMN build TEXT;\n"
    "ALTER TABLE runs ADD COLUMN host TEXT;\n"
    "ALTER TABLE runs ADD COLUMN settings_json TEXT;\n"
    "ALTER TABLE runs ADD COLUMN expect_failure TEXT;\n"
    "CREATE TABLE expectations (\n"
    "  run_id   INTEGER NOT NULL REFERENCES runs (id),\n"
    "  seq      INTEGER NOT NULL,\n"
    "  passed   INTEGER NOT NULL CHECK (passed IN (0, 1)),\n"
    "  text     TEXT NOT NULL,\n"
    "  location TEXT,\n"
    "  measured TEXT,\n"
    "  PRIMARY KEY (run_id, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE scenario_files (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
    "  seq    INTEGER NOT NULL,\n"
    "  role   TEXT NOT NULL CHECK (role IN ('scenario', 'include')),\n"
    "  path   TEXT,\n"
    "  sha256 TEXT NOT NULL,\n"
    "  text   TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, seq)\n"
    ") WITHOUT ROWID;\n";

/*
 * Version 3 → 4: trials (`fakepump trial`, docs/trial.md): one row a trial with its
 * definition and the SHA-256 that names it, one row a patient with its metrics and the raw
 * sums they come from, so that the rows of several trials (shards of one definition) merge
 * by adding them. Runs are untouched.
 */
static const char SCHEMA_V4_SQL[] =
    "CREATE TABLE trials (\n"
    "  id                INTEGER PRIMARY KEY,\n"
    "  definition_sha256 TEXT NOT NULL,\n"
    "  base_path         TEXT,\n"
    "  base_text         TEXT,\n"
    "  patients          TEXT NOT NULL,\n"
    "  days              INTEGER NOT NULL,\n"
    "  controller        TEXT NOT NULL,\n"
    "  meals             TEXT NOT NULL,\n"
    "  cgm               TEXT,\n"
    "  seed              INTEGER NOT NULL,\n"
    "  engine            TEXT NOT NULL,\n"
    "  threads           INTEGER NOT NULL,\n"
    "  build             TEXT,\n"
    "  host              TEXT,\n"
    "  started_at        TEXT NOT NULL,\n"
    "  ended_at          TEXT NOT NULL,\n"
    "  wall_s            REAL\n"
    ");\n"
    "CREATE TABLE trial_patients (\n"
    "  trial_id      INTEGER NOT NULL REFERENCES trials (id),\n"
    "  seq           INTEGER NOT NULL,\n"
    "  patient       TEXT NOT NULL,\n"
    "  cohort        TEXT NOT NULL,\n"
    "  status        TEXT NOT NULL CHECK (status IN ('ok', 'failed')),\n"
    "  why           TEXT,\n"
    "  minutes       INTEGER NOT NULL,\n"
    "  insulin_u     REAL NOT NULL,\n"
    "  mean_mgdl     REAL,\n"
    "  sd_mgdl       REAL,\n"
    "  cv_pct        REAL,\n"
    "  gmi_pct       REAL,\n"
    "  tir_pct       REAL,\n"
    "  tbr70_pct     REAL,\n"
    "  tbr54_pct     REAL,\n"
    "  tar180_pct    REAL,\n"
    "  tar250_pct    REAL,\n"
    "  min_mgdl      REAL,\n"
    "  max_mgdl      REAL,\n"
    "  lbgi          REAL,\n"
    "  hbgi          REAL,\n"
    "  tdd_u         REAL,\n"
    "  samples       INTEGER NOT NULL,\n"
    "  bg_sum        REAL NOT NULL,\n"
    "  bg_sum_sq     REAL NOT NULL,\n"
    "  below54       INTEGER NOT NULL,\n"
    "  below70       INTEGER NOT NULL,\n"
    "  in_range      INTEGER NOT NULL,\n"
    "  above180      INTEGER NOT NULL,\n"
    "  above250      INTEGER NOT NULL,\n"
    "  low_risk_sum  REAL NOT NULL,\n"
    "  high_risk_sum REAL NOT NULL,\n"
    "  PRIMARY KEY (trial_id, seq)\n"
    ") WITHOUT ROWID;\n";

/*
 * Version 1 → 2 in the open transaction: SQLite cannot change a CHECK constraint in place,
 * so the runs table is rebuilt with the new one ("Making Other Kinds Of Table Schema
 * Changes", https://sqlite.org/lang_altertable.html#otheralter); samples and events keep
 * referring to it by name.
 */
static bool migrate_v1(sqlite3 *db, char *why, size_t cap)
{
	if (!record_db_exec(db, RUNS_TABLE_SQL("runs_v2")) ||
	    !record_db_exec(db, "INSERT INTO runs_v2 SELECT * FROM runs") ||
	    !record_db_exec(db, "DROP TABLE runs") ||
	    !record_db_exec(db, "ALTER TABLE runs_v2 RENAME TO runs")) {
		sqlite_why(db, "cannot upgrade the schema from version 1", why, cap);
		return false;
	}
	return true;
}

/* Version 2 → 3 (SCHEMA_V3_SQL) and the version number, in the open transaction. */
static bool migrate_v2(sqlite3 *db, int64_t from, char *why, size_t cap)
{
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", RECORD_SCHEMA_VERSION);
	if (!record_db_exec(db, SCHEMA_V3_SQL) || !record_db_exec(db, SCHEMA_V4_SQL) ||
	    !record_db_exec(db, pragma)) {
		char what[64];
		snprintf(what, sizeof what, "cannot upgrade the schema from version %d", (int)from);
		sqlite_why(db, what, why, cap);
		return false;
	}
	return true;
}

/* Version 3 → 4 (SCHEMA_V4_SQL) and the version number, in the open transaction. */
static bool migrate_v3(sqlite3 *db, char *why, size_t cap)
{
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", RECORD_SCHEMA_VERSION);
	if (!record_db_exec(db, SCHEMA_V4_SQL) || !record_db_exec(db, pragma)) {
		sqlite_why(db, "cannot upgrade the schema from version 3", why, cap);
		return false;
	}
	return true;
}

/*
 * Runs left 'running' by a writer that is gone (killed, crashed) become 'incomplete'. In
 * pages of ids (no update while the select walks the table); a run whose lock cannot be
 * probed stays as it is.
 */
static bool mark_incomplete_runs(sqlite3 *db, int lock_fd, char *why, size_t cap)
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
		bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
		while (ok && sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			seen++;
			if (run_lock_probe(lock_fd, last) == RUN_LOCK_FREE)
				dead[n++] = last;
		}
		sqlite3_finalize(st);
		for (size_t i = 0; ok && i < n; i++) {
			snprintf(sql, sizeof sql,
			         "UPDATE runs SET status = 'incomplete' WHERE id = %" PRId64,
			         dead[i]);
			ok = record_db_exec(db, sql);
		}
		if (!ok) {
			sqlite_why(db, "cannot mark incomplete runs", why, cap);
			return false;
		}
		if (seen < 64)
			return true;
		after = last;
	}
}

/* Creates the schema in an empty file, or checks that an existing one is ours. */
bool record_schema_ensure(sqlite3 *db, int lock_fd, char *why, size_t cap)
{
	int64_t version = 0, app_id = 0, objects = 0;
	bool ok = false;

	if (!record_db_exec(db, "BEGIN IMMEDIATE")) {
		sqlite_why(db, "cannot lock the database", why, cap);
		return false;
	}
	if (!record_db_query_int(db, "PRAGMA user_version", &version) ||
	    !record_db_query_int(db, "PRAGMA application_id", &app_id) ||
	    !record_db_query_int(db, "SELECT count(*) FROM sqlite_schema", &objects)) {
		sqlite_why(db, "cannot read the schema", why, cap);
		goto out;
	}
	if (version == 0 && objects == 0) {
		char pragmas[96];
		snprintf(pragmas, sizeof pragmas,
		         "PRAGMA application_id = %d; PRAGMA user_version = %d",
		         RECORD_APPLICATION_ID, RECORD_SCHEMA_VERSION);
		if (!record_db_exec(db, SCHEMA_SQL) || !record_db_exec(db, SCHEMA_V3_SQL) ||
		    !record_db_exec(db, SCHEMA_V4_SQL) || !record_db_exec(db, pragmas)) {
			sqlite_why(db, "cannot create the schema", why, cap);
			goto out;
		}
	} else if (app_id != RECORD_APPLICATION_ID) {
		snprintf(why, cap, "not a fakepump database (it has other tables)");
		goto out;
	} else if (version == 1 || version == 2) {
		if ((version == 1 && !migrate_v1(db, why, cap)) ||
		    !migrate_v2(db, version, why, cap))
			goto out;
	} else if (version == 3) {
		if (!migrate_v3(db, why, cap))
			goto out;
	} else if (version != RECORD_SCHEMA_VERSION) {
		snprintf(why, cap,
		         "schema version %" PRId64 " is not the version %d this build reads%s",
		         version, RECORD_SCHEMA_VERSION,
		         version > RECORD_SCHEMA_VERSION ? " (newer)" : "");
		goto out;
	}
	if (!mark_incomplete_runs(db, lock_fd, why, cap))
		goto out;
	if (!record_db_exec(db, "COMMIT")) {
		sqlite_why(db, "cannot create the schema", why, cap);
		goto out;
	}
	ok = true;
out:
	if (!ok)
		record_db_exec(db, "ROLLBACK");
	return ok;
}
