/*
 * recorder_read — see recorder_read.h. Plain SQL over the schema of record_schema.c; the CSV
 * export prints with the trace CSV's formats (sim/csv_writer.c) so a recorded run exports
 * byte for byte what `run --csv` wrote.
 */
#include "recorder_read.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "record_db.h"
#include "run_lock.h"

static const char *text_or(sqlite3_stmt *st, int col, const char *dflt)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : dflt;
}

int64_t recorder_run_sample_count(const char *db_path, int64_t run_id, char *err, size_t errlen)
{
	record_busy busy;
	sqlite3 *db = record_db_open_existing(db_path, &busy, err, errlen);
	if (!db)
		return -1;
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT sample_count FROM runs WHERE id = %" PRId64, run_id);
	int64_t n = -1;
	if (!record_db_query_int(db, sql, &n) && err && errlen > 0)
		snprintf(err, errlen, "%s: no run %" PRId64 " (see 'fakepump runs')", db_path,
		         run_id);
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
	record_busy busy;
	sqlite3 *db = record_db_open_existing(db_path, &busy, err, errlen);
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
	record_busy busy;
	sqlite3 *db = record_db_open_existing(db_path, &busy, err, errlen);
	if (!db)
		return -1;
	sqlite3_stmt *st = NULL;
	int rows = -1;
	int64_t start_min_of_day = 0;
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT start_min_of_day FROM runs WHERE id = %" PRId64, run_id);
	if (!record_db_query_int(db, sql, &start_min_of_day)) {
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
	if (!record_db_exec(db, "BEGIN") ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
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
		record_db_exec(db, "COMMIT");
	sqlite3_close(db);
	return rows;
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

/* `sql` prepared with ?1 bound to run_id; NULL when it cannot be (sqlite3_errmsg says why). */
static sqlite3_stmt *prepare_for_run(sqlite3 *db, int64_t run_id, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, run_id);
	return st;
}

/* The run's clock at t = 0 and its names (buffers of 128 bytes); false with err filled. */
static bool read_run_header(sqlite3 *db, const char *db_path, int64_t run_id, int *start_min_of_day,
                            char *scenario_name, char *patient, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(db,
	                       "SELECT start_min_of_day, scenario_name, patient FROM runs "
	                       "WHERE id = ?",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: not a fakepump database (%s)", db_path,
		         sqlite3_errmsg(db));
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
	ok = true;
out:
	sqlite3_finalize(st);
	return ok;
}

/* Every sample of the run, in time order, to on_sample (may be NULL). The number of
 * samples, or -1 when the query cannot be prepared (sqlite3_errmsg says why). */
static int64_t read_samples(sqlite3 *db, int64_t run_id, recorder_sample_fn on_sample,
                            void *user_data)
{
	sqlite3_stmt *st = prepare_for_run(
	    db, run_id,
	    "SELECT t_min, bg_mgdl, gsub_mgdl, cgm_mgdl, cho_g_per_min, meal_announced_g, "
	    "basal_u_per_min, bolus_u, insulin_u_per_min, basal_u_per_h, iob_u, reservoir_u, "
	    "battery_pct, therapy_state, annunciation FROM samples WHERE run_id = ?1 "
	    "ORDER BY t_min");
	if (!st)
		return -1;
	int64_t count = 0;
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
	return count;
}

/* Every event of the run, in order, to on_event (may be NULL). False when the query cannot
 * be prepared (sqlite3_errmsg says why). */
static bool read_events(sqlite3 *db, int64_t run_id, recorder_event_fn on_event, void *user_data)
{
	sqlite3_stmt *st = prepare_for_run(db, run_id,
	                                   "SELECT t_min, type, source, name, result, value, "
	                                   "value2, detail FROM events WHERE run_id = ?1 "
	                                   "ORDER BY seq");
	if (!st)
		return false;
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
	sqlite3_finalize(st);
	return true;
}

int64_t recorder_read_run(const char *db_path, int64_t run_id, int *start_min_of_day,
                          char *scenario_name, char *patient, recorder_sample_fn on_sample,
                          recorder_event_fn on_event, void *user_data, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int64_t count = -1;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", db_path,
		         db ? sqlite3_errmsg(db) : "?");
	} else if (read_run_header(db, db_path, run_id, start_min_of_day, scenario_name, patient,
	                           err, errlen)) {
		count = read_samples(db, run_id, on_sample, user_data);
		if (count < 0 || !read_events(db, run_id, on_event, user_data)) {
			snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
			count = -1;
		}
	}
	sqlite3_close(db);
	return count;
}
