/*
 * report_read — see report_read.h. Plain SQL; JSON (summary_json, settings_json, the audit
 * details) is read with SQLite's own JSON functions, so no JSON library is needed.
 */
#include "report_read.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "glucose_metrics.h"
#include "recorder.h"
#include "run_lock.h"

struct report_db {
	sqlite3 *db;
	char *path;
	int64_t version;
	int lock_fd;
};

enum { AUDIT_MAX = 4000, MARKERS_MAX = 200000 };

static int64_t query_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = NULL;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

report_db *report_db_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	/* read-write without CREATE: a reader may have to replay a killed writer's WAL */
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
		rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	const int64_t app = query_int(db, "PRAGMA application_id", -1);
	const int64_t version = query_int(db, "PRAGMA user_version", -1);
	/* `fakepump merge` writes a trial's shard tables alone: a trial, no runs (version 0) */
	const bool merged = app != RECORDER_APPLICATION_ID &&
	                    query_int(db,
	                              "SELECT count(*) FROM shard_manifest WHERE key = 'kind' AND "
	                              "value = 'trial'",
	                              0) == 1;
	if (app != RECORDER_APPLICATION_ID && !merged) {
		snprintf(err, errlen, "%s: not a fakepump database (no runs recorded here)", path);
		sqlite3_close(db);
		return NULL;
	}
	if (!merged && (version < 2 || version > RECORDER_SCHEMA_VERSION)) {
		snprintf(err, errlen,
		         "%s: schema version %" PRId64 " (this build reads 2 and %d; record a run "
		         "into the file to upgrade an older one)",
		         path, version, RECORDER_SCHEMA_VERSION);
		sqlite3_close(db);
		return NULL;
	}
	report_db *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path))) {
		free(r);
		sqlite3_close(db);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->db = db;
	r->version = merged ? 0 : version;
	r->lock_fd = run_lock_open(path, false);
	return r;
}

void report_db_close(report_db *db)
{
	if (!db)
		return;
	sqlite3_close(db->db);
	run_lock_close(db->lock_fd);
	free(db->path);
	free(db);
}

sqlite3 *report_db_handle(report_db *db)
{
	return db->db;
}

const char *report_db_path(const report_db *db)
{
	return db->path;
}

int64_t *report_db_run_ids(report_db *db, size_t *n, char *err, size_t errlen)
{
	*n = 0;
	if (db->version == 0) /* a merged trial's database: no runs */
		return calloc(1, sizeof(int64_t));
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->db, "SELECT id FROM runs ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->db));
		return NULL;
	}
	size_t cap = 16;
	int64_t *ids = malloc(cap * sizeof *ids);
	while (ids && sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			int64_t *g = realloc(ids, 2 * cap * sizeof *ids);
			if (!g) {
				free(ids);
				ids = NULL;
				break;
			}
			ids = g;
			cap *= 2;
		}
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (!ids)
		snprintf(err, errlen, "out of memory");
	return ids;
}

/* Column `c` of st as a string in the run's chunk (NULL for NULL). */
static const char *col_str(report_run *r, sqlite3_stmt *st, int c)
{
	return report_run_str(r, (const char *)sqlite3_column_text(st, c));
}

static double col_num(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
}

static sqlite3_stmt *prepare_id(report_db *db, const char *sql, int64_t id)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	return st;
}

/* The leading comment of a scenario file: its first '#' lines, without the '#'. */
static const char *leading_comment(report_run *r, const char *text)
{
	if (!text)
		return NULL;
	GString *s = g_string_new(NULL);
	for (const char *p = text; *p == '#';) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *q = p + 1;
		size_t ql = len - 1;
		if (ql > 0 && *q == ' ')
			q++, ql--;
		if (s->len)
			g_string_append_c(s, ' ');
		g_string_append_len(s, q, (gssize)ql);
		if (!end)
			break;
		p = end + 1;
	}
	const char *out = s->len ? report_run_str(r, s->str) : NULL;
	g_string_free(s, TRUE);
	return out;
}

static bool read_row(report_db *db, int64_t id, report_run *r, char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare_id(
	    db,
	    "SELECT id, scenario_name, scenario_path, patient, status, started_at, ended_at, "
	    "fakepump_version, sqlite_version, scenario_sha256, scenario_text, seed, duration_min, "
	    "start_min_of_day, sample_count, summary_json IS NOT NULL, "
	    "json_extract(summary_json, '$.days'), json_extract(summary_json, '$.bg_mean_mgdl'), "
	    "json_extract(summary_json, '$.bg_sd_mgdl'), json_extract(summary_json, "
	    "'$.bg_cv_pct'), "
	    "json_extract(summary_json, '$.gmi_pct'), json_extract(summary_json, '$.bg_min_mgdl'), "
	    "json_extract(summary_json, '$.bg_max_mgdl'), "
	    "json_extract(summary_json, '$.tir_70_180_pct'), "
	    "json_extract(summary_json, '$.below_70_pct'), "
	    "json_extract(summary_json, '$.below_54_pct'), "
	    "json_extract(summary_json, '$.above_180_pct'), "
	    "json_extract(summary_json, '$.above_250_pct'), json_extract(summary_json, '$.lbgi'), "
	    "json_extract(summary_json, '$.hbgi'), json_extract(summary_json, '$.insulin_u'), "
	    "json_extract(summary_json, '$.basal_u'), json_extract(summary_json, '$.bolus_u'), "
	    "json_extract(summary_json, '$.carbs_g'), "
	    "json_extract(summary_json, '$.annunciations'), "
	    "json_extract(summary_json, '$.commands'), json_extract(summary_json, '$.refused'), "
	    "json_extract(summary_json, '$.refused_over_ble'), "
	    "json_extract(summary_json, '$.ended'), json_extract(summary_json, '$.ended_at_min'), "
	    "json_extract(summary_json, '$.stopped_by') FROM runs WHERE id = ?1",
	    id);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: no run %" PRId64 " (see 'fakepump runs')", db->path, id);
		sqlite3_finalize(st);
		return false;
	}
	int c = 0;
	r->id = sqlite3_column_int64(st, c++);
	r->name = col_str(r, st, c++);
	r->path = col_str(r, st, c++);
	r->patient = col_str(r, st, c++);
	r->status = col_str(r, st, c++);
	r->started_at = col_str(r, st, c++);
	r->ended_at = col_str(r, st, c++);
	r->version = col_str(r, st, c++);
	r->sqlite_version = col_str(r, st, c++);
	r->scenario_sha256 = col_str(r, st, c++);
	r->scenario_comment = leading_comment(r, (const char *)sqlite3_column_text(st, c++));
	r->seed = (uint32_t)sqlite3_column_int64(st, c++);
	r->duration_min = sqlite3_column_int64(st, c++);
	r->start_min_of_day = sqlite3_column_int(st, c++);
	r->sample_count = sqlite3_column_int64(st, c++);
	report_summary *s = &r->summary;
	s->present = sqlite3_column_int(st, c++) != 0;
	double *nums[] = {&s->days,         &s->mean_mgdl,    &s->sd_mgdl,       &s->cv_pct,
	                  &s->gmi_pct,      &s->min_mgdl,     &s->max_mgdl,      &s->tir_pct,
	                  &s->below_70_pct, &s->below_54_pct, &s->above_180_pct, &s->above_250_pct,
	                  &s->lbgi,         &s->hbgi,         &s->insulin_u,     &s->basal_u,
	                  &s->bolus_u,      &s->carbs_g};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		*nums[i] = col_num(st, c++);
	s->annunciations = sqlite3_column_int64(st, c++);
	s->commands = sqlite3_column_int64(st, c++);
	s->refused = sqlite3_column_int64(st, c++);
	s->refused_over_ble = sqlite3_column_int64(st, c++);
	s->ended = col_str(r, st, c++);
	s->ended_at_min = sqlite3_column_int64(st, c++);
	s->stopped_by = col_str(r, st, c++);
	sqlite3_finalize(st);
	/* a 'running' run whose writer is gone is incomplete (docs/database.md) */
	if (r->status && strcmp(r->status, "running") == 0 &&
	    run_lock_probe(db->lock_fd, r->id) == RUN_LOCK_FREE)
		r->status = "incomplete";
	return true;
}

static void read_settings(report_db *db, report_run *r)
{
	sqlite3_stmt *st = prepare_id(
	    db,
	    "SELECT build, host, expect_failure, settings_json IS NOT NULL, "
	    "json_extract(settings_json, '$.sensor.model'), "
	    "json_extract(settings_json, '$.sensor.interval_min'), "
	    "json_extract(settings_json, '$.security.profile'), "
	    "json_extract(settings_json, '$.security.e2e'), "
	    "json_extract(settings_json, '$.pump.limits.max_bolus_u'), "
	    "json_extract(settings_json, '$.pump.limits.max_basal_u_per_h'), "
	    "json_extract(settings_json, '$.pump.limits.max_daily_u'), "
	    "json_extract(settings_json, '$.pump.limits.max_iob_u'), "
	    "json_extract(settings_json, '$.pump.limits.min_bolus_interval_min'), "
	    "json_extract(settings_json, '$.pump.reservoir_u'), "
	    "json_extract(settings_json, '$.pump.bolus_speed_u_per_min'), "
	    "json_extract(settings_json, '$.pump.basal.steady_state_u_per_h'), "
	    "(SELECT group_concat(json_extract(value, '$.at') || ' ' || "
	    "  json_extract(value, '$.rate_u_per_h') || ' U/h', ', ') "
	    "  FROM json_each(settings_json, '$.pump.basal') WHERE type = 'object'), "
	    "json_extract(settings_json, '$.pump.low_glucose_protection.enabled'), "
	    "json_extract(settings_json, '$.pump.low_glucose_protection.suspend_below_mgdl'), "
	    "json_extract(settings_json, '$.pump.low_glucose_protection.predictive'), "
	    "json_extract(settings_json, '$.pump.low_glucose_protection.predict_below_mgdl'), "
	    "(SELECT count(*) FROM scenario_files f WHERE f.run_id = runs.id AND f.seq = 0 "
	    "  AND f.sha256 <> runs.scenario_sha256) "
	    "FROM runs WHERE id = ?1",
	    r->id);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return;
	}
	int c = 0;
	r->build = col_str(r, st, c++);
	r->host = col_str(r, st, c++);
	r->expect_failure = col_str(r, st, c++);
	r->has_facts = sqlite3_column_int(st, c++) != 0;
	r->sensor_model = col_str(r, st, c++);
	r->sensor_interval_min = sqlite3_column_int(st, c++);
	r->security_profile = col_str(r, st, c++);
	r->e2e = sqlite3_column_int(st, c++) != 0;
	r->max_bolus_u = col_num(st, c++);
	r->max_basal_u_per_h = col_num(st, c++);
	r->max_daily_u = col_num(st, c++);
	r->max_iob_u = col_num(st, c++);
	r->min_bolus_interval_min = sqlite3_column_int64(st, c++);
	r->reservoir_u = col_num(st, c++);
	r->bolus_speed = col_num(st, c++);
	const double steady = col_num(st, c++);
	const char *program = (const char *)sqlite3_column_text(st, c++);
	char buf[400];
	if (!isnan(steady))
		snprintf(buf, sizeof buf, "the patient's steady state, %.2f U/h", steady);
	else
		snprintf(buf, sizeof buf, "program %s", program ? program : "?");
	r->basal_text = r->has_facts ? report_run_str(r, buf) : NULL;
	const bool lgs = sqlite3_column_int(st, c++) != 0;
	const double below = col_num(st, c++);
	const bool predictive = sqlite3_column_int(st, c++) != 0;
	const double predict = col_num(st, c++);
	if (lgs && predictive)
		snprintf(buf, sizeof buf,
		         "on: suspend at or below %.0f mg/dL, or predicted below %.0f", below,
		         predict);
	else if (lgs)
		snprintf(buf, sizeof buf, "on: suspend at or below %.0f mg/dL", below);
	else
		snprintf(buf, sizeof buf, "off");
	r->lgs_text = r->has_facts ? report_run_str(r, buf) : NULL;
	r->scenario_changed = sqlite3_column_int(st, c++) != 0;
	sqlite3_finalize(st);
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? 2 * *cap : 32;
	void *p = realloc(*items, c * size);
	if (!p)
		return false;
	*items = p;
	*cap = c;
	return true;
}

static void read_lists(report_db *db, report_run *r)
{
	sqlite3_stmt *st = prepare_id(
	    db,
	    "SELECT passed, text, location, measured FROM expectations WHERE run_id = ?1 "
	    "ORDER BY seq",
	    r->id);
	size_t cap = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW &&
	       grow((void **)&r->expectations, &cap, r->expectation_count, sizeof *r->expectations))
		r->expectations[r->expectation_count++] =
		    (report_expectation){.passed = sqlite3_column_int(st, 0) != 0,
		                         .text = col_str(r, st, 1),
		                         .location = col_str(r, st, 2),
		                         .measured = col_str(r, st, 3)};
	sqlite3_finalize(st);
	st = prepare_id(
	    db, "SELECT role, path, sha256 FROM scenario_files WHERE run_id = ?1 ORDER BY seq",
	    r->id);
	cap = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW &&
	       grow((void **)&r->files, &cap, r->file_count, sizeof *r->files))
		r->files[r->file_count++] = (report_file){.role = col_str(r, st, 0),
		                                          .path = col_str(r, st, 1),
		                                          .sha256 = col_str(r, st, 2)};
	sqlite3_finalize(st);
	st = prepare_id(db,
	                "SELECT json_extract(value, '$.kind'), json_extract(value, '$.at_min'), "
	                "json_extract(value, '$.duration_min'), json_extract(value, '$.amount') "
	                "FROM runs, json_each(runs.settings_json, '$.sensor_faults') "
	                "WHERE runs.id = ?1",
	                r->id);
	cap = 0;
	while (
	    st && sqlite3_step(st) == SQLITE_ROW &&
	    grow((void **)&r->sensor_faults, &cap, r->sensor_fault_count, sizeof *r->sensor_faults))
		r->sensor_faults[r->sensor_fault_count++] =
		    (report_sensor_fault){.kind = col_str(r, st, 0),
		                          .at_min = sqlite3_column_int64(st, 1),
		                          .duration_min = sqlite3_column_int64(st, 2),
		                          .amount = sqlite3_column_double(st, 3)};
	sqlite3_finalize(st);
}

static void fold_sample(report_run *r, sqlite3_stmt *st, int64_t span, double *cgm_sum)
{
	const int64_t t = sqlite3_column_int64(st, 0);
	const double bg = col_num(st, 1), cgm = col_num(st, 2), iob = col_num(st, 3);
	const double basal = col_num(st, 4), insulin = col_num(st, 5), carbs = col_num(st, 6);
	const int state = sqlite3_column_int(st, 7);
	if (r->last_min < r->first_min)
		r->first_min = t;
	r->last_min = t;
	report_column *col = &r->cols[report_column_of(t, 0, span)];
	if (!isnan(bg)) {
		const float b = (float)bg;
		col->bg_min = col->rows ? fminf(col->bg_min, b) : b;
		col->bg_max = col->rows ? fmaxf(col->bg_max, b) : b;
		r->minutes++;
		r->minutes_below_54 += bg < GLUCOSE_BELOW_VERY_LOW_MGDL;
		r->minutes_below_70 += bg < GLUCOSE_RANGE_LOW_MGDL;
		if (isnan(r->lowest_bg_mgdl) || bg < r->lowest_bg_mgdl) {
			r->lowest_bg_mgdl = bg;
			r->lowest_bg_min = t;
		}
	}
	if (!isnan(cgm)) {
		const float g = (float)cgm;
		col->cgm_min = col->cgm_n ? fminf(col->cgm_min, g) : g;
		col->cgm_max = col->cgm_n ? fmaxf(col->cgm_max, g) : g;
		col->cgm_n++;
		r->cgm_readings++;
		*cgm_sum += cgm;
		r->cgm_below_70_pct += cgm < GLUCOSE_RANGE_LOW_MGDL; /* a count until the end */
	}
	const float i = isnan(iob) ? 0.0f : (float)iob, b = isnan(basal) ? 0.0f : (float)basal;
	col->iob_max = col->rows ? fmaxf(col->iob_max, i) : i;
	col->basal_min = col->rows ? fminf(col->basal_min, b) : b;
	col->basal_max = col->rows ? fmaxf(col->basal_max, b) : b;
	col->zero_basal |= state != 2 || !(basal > 0.0);
	col->rows++;
	r->iob_max_u = fmax(r->iob_max_u, i);
	r->basal_max_u_per_h = fmax(r->basal_max_u_per_h, b);
	agp_add(r->profile, t, bg, cgm, insulin, carbs);
}

static bool read_samples(report_db *db, report_run *r)
{
	r->profile = agp_new(r->start_min_of_day);
	if (!r->profile)
		return false;
	sqlite3_stmt *st =
	    prepare_id(db,
	               "SELECT t_min, bg_mgdl, cgm_mgdl, iob_u, basal_u_per_h, insulin_u_per_min, "
	               "cho_g_per_min, therapy_state FROM samples WHERE run_id = ?1 ORDER BY t_min",
	               r->id);
	const int64_t span = r->duration_min + 1;
	double cgm_sum = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW)
		fold_sample(r, st, span, &cgm_sum);
	sqlite3_finalize(st);
	if (r->cgm_readings) {
		r->cgm_below_70_pct = 100.0 * r->cgm_below_70_pct / (double)r->cgm_readings;
		r->cgm_mean_mgdl = cgm_sum / (double)r->cgm_readings;
	}
	return true;
}

static void add_marker(report_run *r, size_t *cap, int64_t t, report_marker_kind k, double amount,
                       const char *name)
{
	if (r->marker_count >= MARKERS_MAX ||
	    !grow((void **)&r->markers, cap, r->marker_count, sizeof *r->markers))
		return;
	r->markers[r->marker_count++] = (report_marker){
	    .t_min = t, .kind = k, .amount = amount, .name = report_run_str(r, name)};
}

static bool same_audit(const report_audit *a, const report_audit *b)
{
#define SAME(f) ((a->f == NULL && b->f == NULL) || (a->f && b->f && strcmp(a->f, b->f) == 0))
	return SAME(type) && SAME(name) && SAME(result) && SAME(answer) && SAME(security) &&
	       a->att_error == b->att_error && a->response_code == b->response_code &&
	       (a->value == b->value || (isnan(a->value) && isnan(b->value)));
#undef SAME
}

/* Folds `a` into one of the last few rows when they say the same (a refused command is
 * two rows, the pump's and the server's, so a flood alternates them), else appends it. */
static void add_audit(report_run *r, size_t *cap, const report_audit *a)
{
	for (size_t back = 1; back <= 3 && back <= r->audit_count; back++) {
		report_audit *prev = &r->audit[r->audit_count - back];
		if (!same_audit(prev, a))
			continue;
		prev->repeat++;
		prev->count += a->count;
		prev->last_t_min = a->t_min;
		return;
	}
	if (r->audit_count >= AUDIT_MAX ||
	    !grow((void **)&r->audit, cap, r->audit_count, sizeof *r->audit))
		return;
	r->audit[r->audit_count++] = *a;
}

static void read_events(report_db *db, report_run *r)
{
	sqlite3_stmt *st = prepare_id(db,
	                              "SELECT t_min, type, source, name, result, value, value2, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.link') END, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.security') END, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.answer') END, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.bytes') END, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.detail') END, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.att_error') END, "
	                              "CASE WHEN type LIKE 'ble_%' AND json_valid(detail) THEN "
	                              "json_extract(detail, '$.response_code') END "
	                              "FROM events WHERE run_id = ?1 ORDER BY seq",
	                              r->id);
	size_t mcap = 0, acap = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const int64_t t = sqlite3_column_int64(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		const char *source = (const char *)sqlite3_column_text(st, 2);
		const char *name = (const char *)sqlite3_column_text(st, 3);
		const char *result = (const char *)sqlite3_column_text(st, 4);
		const double value = col_num(st, 5), value2 = col_num(st, 6);
		if (!type)
			continue;
		if (strcmp(type, "annunciation") == 0 && result && strcmp(result, "raised") == 0) {
			add_marker(r, &mcap, t, REPORT_MARK_ALARM, 0, name);
			agp_add_alarm(r->profile, t);
		} else if (strcmp(type, "fault") == 0) {
			add_marker(r, &mcap, t, REPORT_MARK_FAULT, 0, name);
		} else if (strcmp(type, "meal") == 0) {
			add_marker(r, &mcap, t, REPORT_MARK_MEAL, value, NULL);
		} else if (strcmp(type, "bolus_started") == 0) {
			add_marker(r, &mcap, t, REPORT_MARK_BOLUS, value, NULL);
			if (source && strcmp(source, "phone") == 0 && !isnan(value))
				r->phone_bolus_u += value;
		}
		const bool ble = strncmp(type, "ble_", 4) == 0;
		const bool phone_command =
		    strcmp(type, "command") == 0 && source && strcmp(source, "phone") == 0;
		if (!ble && !phone_command)
			continue;
		if (strcmp(type, "ble_attack") == 0)
			r->attacks++;
		/* connections and subscriptions of the patient's own phone are routine */
		if (ble && strcmp(type, "ble_accepted") == 0 && result &&
		    (strcmp(result, "connected") == 0 || strcmp(result, "subscribed") == 0))
			continue;
		report_audit a = {
		    .t_min = t,
		    .last_t_min = t,
		    .type = report_run_str(r, type),
		    .name = report_run_str(r, name),
		    .result = report_run_str(r, result),
		    .value = phone_command ? value : NAN,
		    .count = ble && !isnan(value2) ? (uint32_t)value2 : 1,
		    .repeat = 1,
		};
		if (ble) {
			a.link = col_str(r, st, 7);
			a.security = col_str(r, st, 8);
			a.answer = col_str(r, st, 9);
			a.bytes = col_str(r, st, 10);
			a.detail = col_str(r, st, 11);
			a.att_error = sqlite3_column_int(st, 12);
			a.response_code = sqlite3_column_int(st, 13);
		}
		add_audit(r, &acap, &a);
	}
	sqlite3_finalize(st);
}

bool report_db_read_run(report_db *db, int64_t id, report_run *r, char *err, size_t errlen)
{
	if (!read_row(db, id, r, err, errlen))
		return false;
	if (db->version >= 3) {
		read_settings(db, r);
		read_lists(db, r);
	}
	if (!read_samples(db, r)) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	read_events(db, r);
	return true;
}

bool report_db_read_facts(report_db *db, int64_t id, report_run *r, char *err, size_t errlen)
{
	if (!read_row(db, id, r, err, errlen))
		return false;
	if (db->version >= 3) {
		read_settings(db, r);
		read_lists(db, r);
	}
	return true;
}
