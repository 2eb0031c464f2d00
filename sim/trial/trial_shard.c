/*
 * trial_shard — see trial_shard.h.
 */
#include "trial_shard.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "population_table.h"
#include "shard_db.h"
#include "trial_table.h"

char *trial_shard_definition(const trial_plan *p, const char *population)
{
	/* the trial's own hash last: a merge refusing two trials names the first line that
	 * differs, and a person reads "controller=pid-ifb" better than two hashes */
	const trial_definition *d = &p->def;
	return g_strdup_printf("fakepump trial shard 1\nbase=%s\ndays=%d\ncontroller=%s\nmeals=%s\n"
	                       "cgm=%s\nseed=%u\npopulation=%s\nhash=%s\n",
	                       d->base_path ? d->base_path : "", d->days,
	                       trial_controller_name(d->controller), meal_plan_kind_name(d->meals),
	                       d->force_cgm ? cgm_params_for(d->cgm)->name : "", (unsigned)d->seed,
	                       population ? population : "", p->hash);
}

static bool exec(sqlite3 *db, const char *sql, char *err, size_t cap)
{
	return shard_db_exec(db, sql, err, cap);
}

static const char RESULTS_TABLE[] =
    "CREATE TABLE trial_results (item INTEGER PRIMARY KEY, patient TEXT NOT NULL, status TEXT "
    "NOT NULL, why TEXT NOT NULL, minutes INTEGER NOT NULL, insulin_u REAL NOT NULL, samples "
    "INTEGER NOT NULL, bg_sum REAL NOT NULL, bg_sum_sq REAL NOT NULL, below54 INTEGER NOT NULL, "
    "below70 INTEGER NOT NULL, in_range INTEGER NOT NULL, above180 INTEGER NOT NULL, above250 "
    "INTEGER NOT NULL, min_mgdl REAL, max_mgdl REAL, low_risk_sum REAL NOT NULL, "
    "high_risk_sum REAL NOT NULL)";

/* A double that may be infinite (an empty accumulator's extremes): NULL for those. */
static int bind_real(sqlite3_stmt *st, int col, double v)
{
	return isfinite(v) ? sqlite3_bind_double(st, col, v) : sqlite3_bind_null(st, col);
}

static bool write_result(sqlite3 *db, sqlite3_stmt *st, uint64_t item,
                         const trial_patient_result *r)
{
	const glucose_accumulator *a = &r->acc;
	sqlite3_reset(st);
	return sqlite3_bind_int64(st, 1, (sqlite3_int64)item) == SQLITE_OK &&
	       sqlite3_bind_text(st, 2, r->patient->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	       sqlite3_bind_text(st, 3, r->status == TRIAL_OK ? "ok" : "failed", -1,
	                         SQLITE_STATIC) == SQLITE_OK &&
	       sqlite3_bind_text(st, 4, r->why, -1, SQLITE_STATIC) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 5, r->minutes) == SQLITE_OK &&
	       sqlite3_bind_double(st, 6, r->insulin_u) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 7, (sqlite3_int64)a->n) == SQLITE_OK &&
	       sqlite3_bind_double(st, 8, a->sum) == SQLITE_OK &&
	       sqlite3_bind_double(st, 9, a->sum_sq) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 10, (sqlite3_int64)a->below54) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 11, (sqlite3_int64)a->below70) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 12, (sqlite3_int64)a->in_range) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 13, (sqlite3_int64)a->above180) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 14, (sqlite3_int64)a->above250) == SQLITE_OK &&
	       bind_real(st, 15, a->min) == SQLITE_OK && bind_real(st, 16, a->max) == SQLITE_OK &&
	       sqlite3_bind_double(st, 17, a->low_risk) == SQLITE_OK &&
	       sqlite3_bind_double(st, 18, a->high_risk) == SQLITE_OK &&
	       sqlite3_step(st) == SQLITE_DONE;
	(void)db;
}

static bool write_tables(sqlite3 *db, const trial_shard_out *o, char *err, size_t cap)
{
	const trial_definition *d = &o->plan->def;
	const char *ctl = trial_controller_name(d->controller);
	sqlite3_stmt *st = NULL;
	bool ok = exec(db, RESULTS_TABLE, err, cap) &&
	          shard_db_add_table(db, "trial_results", SHARD_TABLE_ROWS, err, cap) &&
	          trial_figures_create(db, err, cap) &&
	          (!o->drawn || population_table_create(db, err, cap));
	if (ok &&
	    sqlite3_prepare_v2(db,
	                       "INSERT INTO trial_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	                       "?, ?, ?, ?, ?, ?, ?, ?)",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, cap, "trial_results: %s", sqlite3_errmsg(db));
		ok = false;
	}
	for (size_t i = 0; ok && i < d->patient_count; i++) {
		const trial_patient_result *r = &o->results[i];
		const char *cohort = trial_cohort_of(r->patient);
		ok = shard_db_add_item(db, o->items[i], r->patient->name, err, cap);
		if (ok && !write_result(db, st, o->items[i], r)) {
			snprintf(err, cap, "trial_results: %s", sqlite3_errmsg(db));
			ok = false;
		}
		if (ok && r->has_figures) {
			trial_figures_patient f = r->figures;
			snprintf(f.patient, sizeof f.patient, "%s", r->patient->name);
			snprintf(f.cohort, sizeof f.cohort, "%s", cohort);
			snprintf(f.controller, sizeof f.controller, "%s", ctl);
			ok = trial_figures_add_row(db, o->items[i], &f, err, cap);
		}
		if (ok && o->drawn)
			ok = population_table_add(db, o->items[i], cohort, &o->drawn[i], err, cap);
	}
	sqlite3_finalize(st);
	static const char *const cohorts[3] = {"adolescent", "adult", "child"};
	for (int k = 0; ok && o->figures && k < 3; k++)
		if (o->figures[k])
			ok =
			    trial_figures_add_profile(db, ctl, cohorts[k], o->figures[k], err, cap);
	return ok;
}

bool trial_shard_write(const char *path, const trial_shard_out *o, char *err, size_t cap)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, cap, "--db: %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return false;
	}
	char *def = trial_shard_definition(o->plan, o->population);
	shard_manifest m = {.definition = def, .shard = o->shard, .item_count = o->item_count};
	snprintf(m.kind, sizeof m.kind, "trial");
	snprintf(m.version, sizeof m.version, "%s", o->build ? o->build : "");
	snprintf(m.scheduler, sizeof m.scheduler, "%s", o->scheduler ? o->scheduler : "");
	char why[512] = "";
	bool ok = exec(db, "PRAGMA synchronous = OFF; BEGIN", why, sizeof why) &&
	          shard_db_begin(db, &m, why, sizeof why) && write_tables(db, o, why, sizeof why) &&
	          shard_db_finish(db, why, sizeof why) && exec(db, "COMMIT", why, sizeof why);
	if (!ok)
		snprintf(err, cap, "--db: %s: %s", path, why);
	g_free(def);
	sqlite3_close(db);
	return ok;
}

/* ---- reading a (merged) trial back ---------------------------------------------------- */

typedef struct read_back {
	trial_plan plan;
	patient_params *params; /* names only: the table needs a patient's name and cohort */
	trial_patient_result *results;
	const patient_params **many;
	size_t count;
	char *base;
} read_back;

static void read_back_free(read_back *b)
{
	for (size_t i = 0; i < b->count; i++)
		g_free((char *)b->params[i].name);
	g_free(b->params);
	g_free(b->results);
	g_free(b->many);
	g_free(b->base);
}

char *trial_shard_definition_value(const char *def, const char *key)
{
	const size_t klen = strlen(key);
	for (const char *line = def; line && *line;) {
		const size_t len = strcspn(line, "\n");
		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=')
			return g_strndup(line + klen + 1, len - klen - 1);
		line += len + (line[len] == '\n');
	}
	return NULL;
}

static bool read_definition(sqlite3 *db, read_back *b, char *err, size_t cap)
{
	shard_manifest m;
	if (!shard_db_read(db, &m, err, cap))
		return false;
	bool ok = strcmp(m.kind, "trial") == 0;
	trial_definition *d = &b->plan.def;
	char *v[8];
	static const char *const keys[8] = {"hash",  "base", "days", "controller",
	                                    "meals", "cgm",  "seed", "population"};
	for (int k = 0; k < 8; k++)
		v[k] = trial_shard_definition_value(m.definition, keys[k]);
	ok = ok && v[0] && v[2] && v[3] && v[4] && v[5] && v[6];
	if (ok) {
		snprintf(b->plan.hash, sizeof b->plan.hash, "%s", v[0]);
		if (v[1] && *v[1])
			d->base_path = b->base = g_strdup(v[1]);
		d->days = atoi(v[2]);
		controller_algorithm a;
		d->controller = strcmp(v[3], "none") == 0                  ? TRIAL_CONTROLLER_NONE
		                : controller_algorithm_from_name(v[3], &a) ? (int)a
		                                                           : -1;
		ok = d->controller >= 0 && meal_plan_kind_from_name(v[4], &d->meals);
		d->force_cgm = *v[5] != '\0';
		ok = ok && (!d->force_cgm || cgm_model_from_name(v[5], &d->cgm));
		d->seed = (uint32_t)strtoul(v[6], NULL, 10);
	}
	if (!ok)
		snprintf(err, cap, "not a trial's database (its manifest names no trial)");
	for (int k = 0; k < 8; k++)
		g_free(v[k]);
	shard_manifest_clear(&m);
	return ok;
}

static double real_or(sqlite3_stmt *st, int col, double none)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? none : sqlite3_column_double(st, col);
}

void trial_shard_result_of_row(sqlite3_stmt *st, int first, patient_params *name_holder,
                               trial_patient_result *out)
{
	const int c = first;
	name_holder->name = g_strdup((const char *)sqlite3_column_text(st, c));
	memset(out, 0, sizeof *out);
	out->patient = name_holder;
	const char *status = (const char *)sqlite3_column_text(st, c + 1);
	out->status = status && strcmp(status, "ok") == 0 ? TRIAL_OK : TRIAL_FAILED;
	const char *why = (const char *)sqlite3_column_text(st, c + 2);
	snprintf(out->why, sizeof out->why, "%s", why ? why : "");
	out->minutes = sqlite3_column_int64(st, c + 3);
	out->insulin_u = sqlite3_column_double(st, c + 4);
	glucose_accumulator *a = &out->acc;
	glucose_accumulator_init(a);
	a->n = (size_t)sqlite3_column_int64(st, c + 5);
	a->sum = sqlite3_column_double(st, c + 6);
	a->sum_sq = sqlite3_column_double(st, c + 7);
	a->below54 = (size_t)sqlite3_column_int64(st, c + 8);
	a->below70 = (size_t)sqlite3_column_int64(st, c + 9);
	a->in_range = (size_t)sqlite3_column_int64(st, c + 10);
	a->above180 = (size_t)sqlite3_column_int64(st, c + 11);
	a->above250 = (size_t)sqlite3_column_int64(st, c + 12);
	/* an empty accumulator's extremes are infinite, NULL in the row */
	a->min = real_or(st, c + 13, a->min);
	a->max = real_or(st, c + 14, a->max);
	a->low_risk = sqlite3_column_double(st, c + 15);
	a->high_risk = sqlite3_column_double(st, c + 16);
}

static bool read_results(sqlite3 *db, read_back *b, char *err, size_t cap)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM trial_results", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, cap, "no trial results here (%s)", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return false;
	}
	const size_t n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	b->params = g_new0(patient_params, n ? n : 1);
	b->results = g_new0(trial_patient_result, n ? n : 1);
	b->many = g_new0(const patient_params *, n ? n : 1);
	if (sqlite3_prepare_v2(db, "SELECT * FROM trial_results ORDER BY item", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, cap, "trial_results: %s", sqlite3_errmsg(db));
		return false;
	}
	while (b->count < n && sqlite3_step(st) == SQLITE_ROW) {
		const size_t i = b->count++;
		trial_shard_result_of_row(st, 1, &b->params[i], &b->results[i]); /* 0: item */
		b->many[i] = &b->params[i];
	}
	sqlite3_finalize(st);
	b->plan.def.many = b->many;
	b->plan.def.patient_count = b->count;
	return true;
}

static bool write_back(sqlite3 *db, FILE *out, bool json, char *err, size_t cap)
{
	read_back b;
	memset(&b, 0, sizeof b);
	bool ok = read_definition(db, &b, err, cap) && read_results(db, &b, err, cap);
	if (ok) {
		trial_row *rows = g_new0(trial_row, b.count + 4);
		const size_t n = trial_table_rows(&b.plan, b.results, rows);
		const int bad = json ? trial_table_json(out, &b.plan, rows, n)
		                     : trial_table_csv(out, &b.plan, rows, n);
		g_free(rows);
		if (bad) {
			snprintf(err, cap, "write error");
			ok = false;
		}
	}
	read_back_free(&b);
	return ok;
}

bool trial_shard_write_csv(sqlite3 *db, FILE *out, char *err, size_t cap)
{
	return write_back(db, out, false, err, cap);
}

bool trial_shard_write_json(sqlite3 *db, FILE *out, char *err, size_t cap)
{
	return write_back(db, out, true, err, cap);
}
