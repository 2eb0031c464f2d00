/*
 * record_trial — a trial's rows in the run database (see record_trial.h). One transaction:
 * a trial is in the file whole or not at all.
 */
#include "record_trial.h"

#include <math.h>
#include <stdio.h>

#include "record_db.h"
#include "record_schema.h"
#include "run_lock.h"

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static bool insert_trial(sqlite3 *db, const record_trial *t, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO trials (definition_sha256, base_path, base_text, "
	                       "patients, days, controller, meals, cgm, seed, engine, threads, "
	                       "build, host, started_at, ended_at, wall_s) VALUES (?1, ?2, ?3, ?4, "
	                       "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	                       -1, &st, NULL) != SQLITE_OK)
		return false;
	bind_text(st, 1, t->definition_sha256);
	bind_text(st, 2, t->base_path);
	bind_text(st, 3, t->base_text);
	bind_text(st, 4, t->patients);
	sqlite3_bind_int(st, 5, t->days);
	bind_text(st, 6, t->controller);
	bind_text(st, 7, t->meals);
	bind_text(st, 8, t->cgm);
	sqlite3_bind_int64(st, 9, t->seed);
	bind_text(st, 10, t->engine);
	sqlite3_bind_int(st, 11, t->threads);
	bind_text(st, 12, t->build);
	bind_text(st, 13, t->host);
	bind_text(st, 14, t->started_at);
	bind_text(st, 15, t->ended_at);
	bind_real(st, 16, t->wall_s);
	const bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(db);
	return ok;
}

static bool insert_patients(sqlite3 *db, int64_t id, const record_trial_patient *p, size_t n)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
	        db,
	        "INSERT INTO trial_patients (trial_id, seq, patient, cohort, status, why, minutes, "
	        "insulin_u, mean_mgdl, sd_mgdl, cv_pct, gmi_pct, tir_pct, tbr70_pct, tbr54_pct, "
	        "tar180_pct, tar250_pct, min_mgdl, max_mgdl, lbgi, hbgi, tdd_u, samples, bg_sum, "
	        "bg_sum_sq, below54, below70, in_range, above180, above250, low_risk_sum, "
	        "high_risk_sum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	        "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, "
	        "?30, ?31, ?32)",
	        -1, &st, NULL) != SQLITE_OK)
		return false;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		const record_trial_patient *r = &p[i];
		sqlite3_reset(st);
		int c = 1;
		sqlite3_bind_int64(st, c++, id);
		sqlite3_bind_int64(st, c++, (int64_t)i + 1);
		bind_text(st, c++, r->patient);
		bind_text(st, c++, r->cohort);
		bind_text(st, c++, r->status);
		bind_text(st, c++, r->why);
		sqlite3_bind_int64(st, c++, r->minutes);
		bind_real(st, c++, r->insulin_u);
		const double m[] = {r->mean_mgdl,  r->sd_mgdl,   r->cv_pct,    r->gmi_pct,
		                    r->tir_pct,    r->tbr70_pct, r->tbr54_pct, r->tar180_pct,
		                    r->tar250_pct, r->min_mgdl,  r->max_mgdl,  r->lbgi,
		                    r->hbgi,       r->tdd_u};
		for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
			bind_real(st, c++, m[k]);
		sqlite3_bind_int64(st, c++, r->samples);
		sqlite3_bind_double(st, c++, r->bg_sum);
		sqlite3_bind_double(st, c++, r->bg_sum_sq);
		sqlite3_bind_int64(st, c++, r->below54);
		sqlite3_bind_int64(st, c++, r->below70);
		sqlite3_bind_int64(st, c++, r->in_range);
		sqlite3_bind_int64(st, c++, r->above180);
		sqlite3_bind_int64(st, c++, r->above250);
		sqlite3_bind_double(st, c++, r->low_risk_sum);
		sqlite3_bind_double(st, c++, r->high_risk_sum);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return ok;
}

bool record_trial_write(const char *path, const record_trial *t, const record_trial_patient *p,
                        size_t n, int64_t *id, char *err, size_t cap)
{
	record_busy busy;
	sqlite3 *db =
	    record_db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &busy, err, cap);
	if (!db)
		return false;
	const int lock_fd = run_lock_open(path, true);
	char why[256] = "cannot switch to WAL";
	bool ok = record_db_exec(db, "PRAGMA journal_mode = WAL") &&
	          record_schema_ensure(db, lock_fd, why, sizeof why);
	if (!ok) {
		snprintf(err, cap, "%s: %s", path, why);
	} else {
		ok = record_db_exec(db, "BEGIN IMMEDIATE") && insert_trial(db, t, id) &&
		     insert_patients(db, *id, p, n) && record_db_exec(db, "COMMIT");
		if (!ok) {
			snprintf(err, cap, "%s: cannot record the trial: %s", path,
			         sqlite3_errmsg(db));
			record_db_exec(db, "ROLLBACK");
		}
	}
	sqlite3_close(db);
	run_lock_close(lock_fd);
	return ok;
}
