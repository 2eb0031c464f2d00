/*
 * report_trial — see report_trial.h. The patients' rows go back into trial_patient_result
 * values (raw sums into the accumulator: trial_shard_result_of_row, as merge reads its
 * shards) and through trial_table_rows: the rows `fakepump trial` printed, recomputed by
 * the same code from the same numbers.
 */
#include "report_trial.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <sqlite3.h>

#include "shard_db.h"
#include "trial_shard.h"

static char *col_dup(sqlite3_stmt *st, int c)
{
	const unsigned char *s = sqlite3_column_text(st, c);
	return s ? g_strdup((const char *)s) : NULL;
}

static double real_or(sqlite3_stmt *st, int c, double none)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL ? none : sqlite3_column_double(st, c);
}

static bool has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool yes = sqlite3_prepare_v2(db,
	                              "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
	                              "name = ?1",
	                              -1, &st, NULL) == SQLITE_OK &&
	           sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
	           sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* A database `fakepump merge` wrote: the trial's manifest and results, no `trials` row. */
static bool merged_trial(sqlite3 *db)
{
	return !has_table(db, "trials") && has_table(db, "shard_manifest") &&
	       has_table(db, "trial_results");
}

enum { MERGED_TRIAL_ID = 1 };

int64_t *report_db_trial_ids(report_db *rdb, size_t *n, char *err, size_t errlen)
{
	sqlite3 *db = report_db_handle(rdb);
	*n = 0;
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	if (merged_trial(db)) {
		const int64_t one = MERGED_TRIAL_ID;
		g_array_append_val(ids, one);
	} else if (has_table(db, "trials")) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "SELECT id FROM trials ORDER BY id", -1, &st, NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", report_db_path(rdb), sqlite3_errmsg(db));
			g_array_free(ids, TRUE);
			return NULL;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			const int64_t id = sqlite3_column_int64(st, 0);
			g_array_append_val(ids, id);
		}
		sqlite3_finalize(st);
	}
	*n = ids->len;
	int64_t *out = malloc((ids->len ? ids->len : 1) * sizeof *out);
	if (!out)
		snprintf(err, errlen, "out of memory");
	else if (ids->len) /* an empty GArray's data may be NULL */
		memcpy(out, ids->data, ids->len * sizeof *out);
	g_array_free(ids, TRUE);
	return out;
}

/* "no trial 7 (its trials: 1, 2)" — the ids a user can give instead. */
static void no_such_trial(report_db *rdb, int64_t id, char *err, size_t errlen)
{
	size_t n = 0;
	char e[64];
	int64_t *ids = report_db_trial_ids(rdb, &n, e, sizeof e);
	GString *s = g_string_new(NULL);
	for (size_t i = 0; ids && i < n && i < 20; i++)
		g_string_append_printf(s, "%s%" PRId64, i ? ", " : "", ids[i]);
	if (n > 20)
		g_string_append(s, ", …");
	if (n)
		snprintf(err, errlen, "%s: no trial %" PRId64 " (its trials: %s)",
		         report_db_path(rdb), id, s->str);
	else
		snprintf(err, errlen,
		         "%s: no trial %" PRId64 " (it holds no trial: record one with 'fakepump "
		         "trial --days N --db %s')",
		         report_db_path(rdb), id, report_db_path(rdb));
	g_string_free(s, TRUE);
	free(ids);
}

/* A merged trial's definition, from its shard manifest (trial_shard_definition's keys). */
static bool read_merged_definition(report_db *rdb, report_trial *t, char *err, size_t errlen)
{
	shard_manifest m;
	char why[256] = "";
	if (!shard_db_read(report_db_handle(rdb), &m, why, sizeof why)) {
		snprintf(err, errlen, "%s: %s", report_db_path(rdb), why);
		return false;
	}
	char *days = trial_shard_definition_value(m.definition, "days"),
	     *seed = trial_shard_definition_value(m.definition, "seed"),
	     *base = trial_shard_definition_value(m.definition, "base"),
	     *cgm = trial_shard_definition_value(m.definition, "cgm");
	t->id = MERGED_TRIAL_ID;
	t->hash = trial_shard_definition_value(m.definition, "hash");
	t->controller = trial_shard_definition_value(m.definition, "controller");
	t->meals = trial_shard_definition_value(m.definition, "meals");
	t->days = days ? atoi(days) : 0;
	t->seed = seed ? (uint32_t)strtoul(seed, NULL, 10) : 0;
	t->base_path = base && *base ? g_strdup(base) : NULL;
	t->cgm = cgm && *cgm ? g_strdup(cgm) : NULL;
	t->population = trial_shard_definition_value(m.definition, "population");
	if (t->population && !*t->population)
		g_clear_pointer(&t->population, g_free);
	t->build = m.version[0] ? g_strdup(m.version) : NULL;
	t->merged = true;
	t->wall_s = NAN;
	g_free(days);
	g_free(seed);
	g_free(base);
	g_free(cgm);
	shard_manifest_clear(&m);
	if (!t->hash || !t->controller || !t->meals) {
		snprintf(err, errlen, "%s: its shard manifest names no trial", report_db_path(rdb));
		return false;
	}
	return true;
}

static bool read_definition(report_db *rdb, int64_t id, report_trial *t, char *err, size_t errlen)
{
	sqlite3 *db = report_db_handle(rdb);
	sqlite3_stmt *st = NULL;
	if (merged_trial(db)) {
		if (id == MERGED_TRIAL_ID)
			return read_merged_definition(rdb, t, err, errlen);
		no_such_trial(rdb, id, err, errlen);
		return false;
	}
	if (!has_table(db, "trials") ||
	    sqlite3_prepare_v2(db,
	                       "SELECT id, definition_sha256, base_path, base_text, patients, "
	                       "days, controller, meals, cgm, seed, engine, threads, build, host, "
	                       "started_at, ended_at, wall_s FROM trials WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, id) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		no_such_trial(rdb, id, err, errlen);
		return false;
	}
	int c = 0;
	t->id = sqlite3_column_int64(st, c++);
	t->hash = col_dup(st, c++);
	t->base_path = col_dup(st, c++);
	t->base_text = col_dup(st, c++);
	t->patients_text = col_dup(st, c++);
	t->days = sqlite3_column_int(st, c++);
	t->controller = col_dup(st, c++);
	t->meals = col_dup(st, c++);
	t->cgm = col_dup(st, c++);
	t->seed = (uint32_t)sqlite3_column_int64(st, c++);
	t->engine = col_dup(st, c++);
	t->threads = sqlite3_column_int(st, c++);
	t->build = col_dup(st, c++);
	t->host = col_dup(st, c++);
	t->started_at = col_dup(st, c++);
	t->ended_at = col_dup(st, c++);
	t->wall_s = real_or(st, c++, NAN);
	sqlite3_finalize(st);
	return true;
}

/* The patients' rows as trial results: what trial_table_rows takes. */
typedef struct patients {
	size_t count;
	patient_params *params; /* names only: the table needs a name and its cohort */
	trial_patient_result *results;
} patients;

static void patients_free(patients *p)
{
	for (size_t i = 0; i < p->count; i++)
		g_free((char *)p->params[i].name);
	g_free(p->params);
	g_free(p->results);
}

/* How many rows trial `id` has in trial_patients (0 when unreadable). */
static size_t patient_rows(sqlite3 *db, int64_t id, bool merged)
{
	sqlite3_stmt *st = NULL;
	int64_t k = 0;
	if (sqlite3_prepare_v2(db,
	                       merged ? "SELECT count(*) FROM trial_results WHERE ?1 = ?1"
	                              : "SELECT count(*) FROM trial_patients WHERE trial_id = ?1",
	                       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 1, id) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		k = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return k > 0 ? (size_t)k : 0;
}

static bool read_patients(report_db *rdb, int64_t id, bool merged, patients *p, char *err,
                          size_t errlen)
{
	sqlite3 *db = report_db_handle(rdb);
	sqlite3_stmt *st = NULL;
	const size_t n = patient_rows(db, id, merged);
	p->params = g_try_new0(patient_params, n ? n : 1);
	p->results = g_try_new0(trial_patient_result, n ? n : 1);
	if (!p->params || !p->results) {
		snprintf(err, errlen, "%s: trial %" PRId64 ": out of memory for %zu patients",
		         report_db_path(rdb), id, n);
		return false;
	}
	/* the same columns in both: a merged trial's are every field of its results
	 * (sim/trial/trial_shard.h), its `why` '' when ok */
	static const char *const sql[2] = {
	    "SELECT patient, status, why, minutes, insulin_u, samples, bg_sum, bg_sum_sq, "
	    "below54, below70, in_range, above180, above250, min_mgdl, max_mgdl, low_risk_sum, "
	    "high_risk_sum FROM trial_patients WHERE trial_id = ?1 ORDER BY seq",
	    "SELECT patient, status, why, minutes, insulin_u, samples, bg_sum, bg_sum_sq, "
	    "below54, below70, in_range, above180, above250, min_mgdl, max_mgdl, low_risk_sum, "
	    "high_risk_sum FROM trial_results WHERE ?1 = ?1 ORDER BY item"};
	if (sqlite3_prepare_v2(db, sql[merged], -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
		snprintf(err, errlen, "%s: trial_patients: %s", report_db_path(rdb),
		         sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return false;
	}
	while (p->count < n && sqlite3_step(st) == SQLITE_ROW) {
		const size_t i = p->count++;
		trial_shard_result_of_row(st, 0, &p->params[i], &p->results[i]);
	}
	sqlite3_finalize(st);
	if (p->count == 0) {
		snprintf(err, errlen, "%s: trial %" PRId64 " has no patient rows (trial_patients)",
		         report_db_path(rdb), id);
		return false;
	}
	return true;
}

/* The rows, the failures, and (light) only the groups kept. */
static bool make_table(report_trial *t, patients *p, bool full, char *err, size_t errlen)
{
	trial_plan plan;
	memset(&plan, 0, sizeof plan);
	plan.def.patient_count = p->count;
	trial_row *rows = g_try_new0(trial_row, p->count + 4);
	if (!rows) {
		snprintf(err, errlen, "out of memory for %zu patients' rows", p->count);
		return false;
	}
	const size_t n = trial_table_rows(&plan, p->results, rows);
	t->patient_count = p->count;
	for (size_t i = 0; i < p->count; i++)
		t->failure_count += p->results[i].status != TRIAL_OK;
	t->failures = g_new0(report_trial_failure, t->failure_count ? t->failure_count : 1);
	size_t k = 0;
	for (size_t i = 0; i < p->count; i++) {
		if (p->results[i].status == TRIAL_OK) {
			rows[i].why = NULL;
			continue;
		}
		t->failures[k].patient = g_strdup(p->params[i].name);
		t->failures[k].why = g_strdup(p->results[i].why);
		rows[i].why = t->failures[k++].why;
	}
	if (full) {
		t->rows = rows;
		t->row_count = n;
	} else {
		t->row_count = n - p->count;
		t->rows = g_new0(trial_row, t->row_count);
		memcpy(t->rows, rows + p->count, t->row_count * sizeof *rows);
		g_free(rows);
	}
	return true;
}

/* The pictures' data, when this database's shard manifest is the trial's. */
static void read_figures(report_db *rdb, report_trial *t, bool full)
{
	sqlite3 *db = report_db_handle(rdb);
	static const char how[] =
	    "Run the same trial again with --shard 0/1 --db NEW.db (the same options: it writes "
	    "the whole trial, the same table, with the pictures' data) and report that "
	    "database; or draw them as PNG with 'fakepump figures NEW.db'.";
	if (!has_table(db, "shard_manifest") || !has_table(db, "trial_agp")) {
		snprintf(t->figures_missing, sizeof t->figures_missing,
		         "Not in this database: the AGP and CVGA need each patient's glucose by "
		         "time of day, which 'fakepump trial --db' does not keep. %s",
		         how);
		return;
	}
	shard_manifest m;
	char why[256] = "";
	if (!shard_db_read(db, &m, why, sizeof why)) {
		snprintf(t->figures_missing, sizeof t->figures_missing,
		         "Not readable in this database (%s). %s", why, how);
		return;
	}
	char *hash = trial_shard_definition_value(m.definition, "hash");
	const bool ours =
	    strcmp(m.kind, "trial") == 0 && hash && t->hash && strcmp(hash, t->hash) == 0;
	if (ours && m.shard.count > 1) {
		t->shard_index = m.shard.index;
		t->shard_count = m.shard.count;
	}
	if (!ours)
		snprintf(
		    t->figures_missing, sizeof t->figures_missing,
		    "Not in this database: its pictures' data are of another trial (%.12s). %s",
		    hash ? hash : "?", how);
	else if (!m.complete)
		snprintf(t->figures_missing, sizeof t->figures_missing,
		         "Not usable: this shard did not finish (its manifest is not marked "
		         "complete). %s",
		         how);
	g_free(hash);
	shard_manifest_clear(&m);
	if (t->figures_missing[0] || !full)
		return;
	trial_figures f = {0};
	if (!trial_figures_read(db, &f, why, sizeof why)) {
		snprintf(t->figures_missing, sizeof t->figures_missing, "Not readable (%s). %s",
		         why, how);
		return;
	}
	/* keep the trial's controller's column (a shard database holds one) */
	for (size_t i = 0; i < f.column_count && !t->has_figures; i++) {
		if (!t->controller || strcmp(f.columns[i].controller, t->controller) != 0)
			continue;
		t->figures.columns =
		    calloc(1, sizeof *t->figures.columns); /* trial_figures_clear */
		if (!t->figures.columns)
			break;
		t->figures.columns[0] = f.columns[i];
		t->figures.column_count = 1;
		memset(&f.columns[i], 0, sizeof f.columns[i]);
		t->has_figures = true;
	}
	trial_figures_clear(&f);
	if (!t->has_figures)
		snprintf(t->figures_missing, sizeof t->figures_missing,
		         "Not in this database: its pictures' data have no column for %s. %s",
		         t->controller ? t->controller : "the trial's controller", how);
}

bool report_db_read_trial(report_db *db, int64_t id, bool full, report_trial *t, char *err,
                          size_t errlen)
{
	patients p = {0};
	bool ok = read_definition(db, id, t, err, errlen) &&
	          read_patients(db, id, t->merged, &p, err, errlen) &&
	          make_table(t, &p, full, err, errlen);
	if (ok && t->merged && p.count <= 100) { /* the names, as a trials row has them */
		GString *names = g_string_new(NULL);
		for (size_t i = 0; i < p.count; i++)
			g_string_append_printf(names, "%s%s", i ? "," : "", p.params[i].name);
		t->patients_text = g_string_free(names, FALSE);
	}
	patients_free(&p);
	if (ok)
		read_figures(db, t, full);
	else
		report_trial_clear(t);
	return ok;
}

void report_trial_clear(report_trial *t)
{
	char **strings[] = {&t->population,    &t->hash,       &t->base_path, &t->base_text,
	                    &t->patients_text, &t->controller, &t->meals,     &t->cgm,
	                    &t->engine,        &t->build,      &t->host,      &t->started_at,
	                    &t->ended_at};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		g_free(*strings[i]);
	for (size_t i = 0; i < t->failure_count; i++) {
		g_free(t->failures[i].patient);
		g_free(t->failures[i].why);
	}
	g_free(t->failures);
	g_free(t->rows);
	if (t->figures.columns)
		trial_figures_clear(&t->figures);
	memset(t, 0, sizeof *t);
}

const trial_row *report_trial_row(const report_trial *t, const char *name)
{
	for (size_t i = 0; i < t->row_count; i++)
		if (strcmp(t->rows[i].patient, name) == 0)
			return &t->rows[i];
	return NULL;
}
