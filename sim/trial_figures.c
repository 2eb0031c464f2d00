/*
 * trial_figures — see trial_figures.h.
 */
#include "trial_figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shard_db.h"

static const char *const cohort_names[FIGURES_COHORT_COUNT] = {"adolescent", "adult", "child",
                                                               "all"};

const char *trial_figures_cohort_name(trial_figures_cohort c)
{
	return c >= 0 && c < FIGURES_COHORT_COUNT ? cohort_names[c] : "?";
}

bool trial_figures_cohort_of(const char *name, trial_figures_cohort *out)
{
	for (int c = 0; name && c < FIGURES_COHORT_COUNT; c++) {
		const size_t n = strlen(cohort_names[c]);
		if (strncmp(name, cohort_names[c], n) == 0 && (name[n] == '\0' || name[n] == '#')) {
			*out = (trial_figures_cohort)c;
			return true;
		}
	}
	return false;
}

bool trial_figures_patient_of(const agp *run, trial_figures_patient *out)
{
	double n = 0, b54 = 0, b70 = 0, in = 0, a180 = 0, a250 = 0;
	for (size_t i = 0; i < agp_day_count(run); i++) {
		const agp_day *d = agp_day_at(run, i);
		n += d->minutes;
		b54 += d->below_54;
		b70 += d->below_70;
		in += d->in_range;
		a180 += d->above_180;
		a250 += d->above_250;
	}
	if (n <= 0 || !agp_run_percentile(run, 2.5, &out->low_mgdl) ||
	    !agp_run_percentile(run, 97.5, &out->high_mgdl))
		return false;
	out->zone = cvga_zone_of(out->low_mgdl, out->high_mgdl);
	out->tbr54_pct = 100.0 * b54 / n;
	out->tbr70_pct = 100.0 * b70 / n;
	out->tir_pct = 100.0 * in / n;
	out->tar180_pct = 100.0 * a180 / n;
	out->tar250_pct = 100.0 * a250 / n;
	return true;
}

static bool exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	return shard_db_exec(db, sql, err, errlen);
}

bool trial_figures_create(sqlite3 *db, char *err, size_t errlen)
{
	if (!exec(db,
	          "CREATE TABLE trial_glucose (item INTEGER PRIMARY KEY, patient TEXT NOT NULL, "
	          "cohort TEXT NOT NULL, controller TEXT NOT NULL, low_mgdl REAL NOT NULL, "
	          "high_mgdl REAL NOT NULL, cvga_zone TEXT NOT NULL, tbr54_pct REAL NOT NULL, "
	          "tbr70_pct REAL NOT NULL, tir_pct REAL NOT NULL, tar180_pct REAL NOT NULL, "
	          "tar250_pct REAL NOT NULL);"
	          "CREATE TABLE trial_agp (controller TEXT NOT NULL, cohort TEXT NOT NULL, "
	          "slot INTEGER NOT NULL, mgdl INTEGER NOT NULL, count INTEGER NOT NULL);",
	          err, errlen))
		return false;
	sqlite3_stmt *st = NULL;
	const bool shard = sqlite3_prepare_v2(db, "SELECT 1 FROM shard_tables LIMIT 0", -1, &st,
	                                      NULL) == SQLITE_OK;
	sqlite3_finalize(st);
	return !shard || (shard_db_add_table(db, "trial_glucose", SHARD_TABLE_ROWS, err, errlen) &&
	                  shard_db_add_table(db, "trial_agp", SHARD_TABLE_SUM, err, errlen));
}

bool trial_figures_add_patient(sqlite3 *db, uint64_t item, const char *patient, const char *cohort,
                               const char *controller, const agp *run, char *err, size_t errlen)
{
	trial_figures_patient p;
	if (!trial_figures_patient_of(run, &p)) {
		snprintf(err, errlen, "%s: no glucose sample", patient);
		return false;
	}
	snprintf(p.patient, sizeof p.patient, "%s", patient);
	snprintf(p.cohort, sizeof p.cohort, "%s", cohort);
	snprintf(p.controller, sizeof p.controller, "%s", controller);
	return trial_figures_add_row(db, item, &p, err, errlen);
}

bool trial_figures_add_row(sqlite3 *db, uint64_t item, const trial_figures_patient *p, char *err,
                           size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool ok =
	    sqlite3_prepare_v2(
	        db, "INSERT INTO trial_glucose VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
	        &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 1, (sqlite3_int64)item) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, p->patient, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, p->cohort, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 4, p->controller, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_double(st, 5, p->low_mgdl) == SQLITE_OK &&
	    sqlite3_bind_double(st, 6, p->high_mgdl) == SQLITE_OK &&
	    sqlite3_bind_text(st, 7, cvga_zone_name(p->zone), -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_double(st, 8, p->tbr54_pct) == SQLITE_OK &&
	    sqlite3_bind_double(st, 9, p->tbr70_pct) == SQLITE_OK &&
	    sqlite3_bind_double(st, 10, p->tir_pct) == SQLITE_OK &&
	    sqlite3_bind_double(st, 11, p->tar180_pct) == SQLITE_OK &&
	    sqlite3_bind_double(st, 12, p->tar250_pct) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		snprintf(err, errlen, "trial_glucose: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

bool trial_figures_add_profile(sqlite3 *db, const char *controller, const char *cohort,
                               const agp *profile, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO trial_agp VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "trial_agp: %s", sqlite3_errmsg(db));
		return false;
	}
	bool ok = sqlite3_bind_text(st, 1, controller, -1, SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_bind_text(st, 2, cohort, -1, SQLITE_STATIC) == SQLITE_OK;
	for (int s = 0; ok && s < AGP_SLOTS; s++)
		for (int v = 0; ok && v <= AGP_MAX_MGDL; v++) {
			const uint32_t c = agp_slot_count(profile, s, v);
			if (!c)
				continue;
			ok = sqlite3_bind_int(st, 3, s) == SQLITE_OK &&
			     sqlite3_bind_int(st, 4, v) == SQLITE_OK &&
			     sqlite3_bind_int64(st, 5, c) == SQLITE_OK &&
			     sqlite3_step(st) == SQLITE_DONE && sqlite3_reset(st) == SQLITE_OK;
		}
	if (!ok)
		snprintf(err, errlen, "trial_agp: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

/* ---- reading -------------------------------------------------------------------------- */

static void column_free(trial_figures_column *c)
{
	for (int k = 0; k < FIGURES_COHORT_COUNT; k++)
		agp_free(c->profile[k]);
	free(c->patients);
	memset(c, 0, sizeof *c);
}

void trial_figures_clear(trial_figures *f)
{
	for (size_t i = 0; i < f->column_count; i++)
		column_free(&f->columns[i]);
	free(f->columns);
	f->columns = NULL;
	f->column_count = 0;
}

static bool read_patients(sqlite3 *db, const char *controller, trial_figures_column *c, char *err,
                          size_t errlen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
	        db,
	        "SELECT patient, cohort, low_mgdl, high_mgdl, cvga_zone, tbr54_pct, "
	        "tbr70_pct, tir_pct, tar180_pct, tar250_pct FROM trial_glucose WHERE "
	        "controller = ?1 ORDER BY item",
	        -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, controller, -1, SQLITE_STATIC) != SQLITE_OK) {
		snprintf(err, errlen, "trial_glucose: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return false;
	}
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->patient_count == cap) {
			cap = cap ? 2 * cap : 64;
			trial_figures_patient *p = realloc(c->patients, cap * sizeof *p);
			if (!p) {
				sqlite3_finalize(st);
				snprintf(err, errlen, "out of memory");
				return false;
			}
			c->patients = p;
		}
		trial_figures_patient *p = &c->patients[c->patient_count++];
		memset(p, 0, sizeof *p);
		snprintf(p->patient, sizeof p->patient, "%s",
		         (const char *)sqlite3_column_text(st, 0));
		snprintf(p->cohort, sizeof p->cohort, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		snprintf(p->controller, sizeof p->controller, "%s", controller);
		p->low_mgdl = sqlite3_column_double(st, 2);
		p->high_mgdl = sqlite3_column_double(st, 3);
		if (!cvga_zone_from_name((const char *)sqlite3_column_text(st, 4), &p->zone))
			p->zone = cvga_zone_of(p->low_mgdl, p->high_mgdl);
		p->tbr54_pct = sqlite3_column_double(st, 5);
		p->tbr70_pct = sqlite3_column_double(st, 6);
		p->tir_pct = sqlite3_column_double(st, 7);
		p->tar180_pct = sqlite3_column_double(st, 8);
		p->tar250_pct = sqlite3_column_double(st, 9);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "trial_glucose: %s", sqlite3_errmsg(db));
		return false;
	}
	return true;
}

static bool read_profiles(sqlite3 *db, const char *controller, trial_figures_column *c, char *err,
                          size_t errlen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
	        db, "SELECT cohort, slot, mgdl, count FROM trial_agp WHERE controller = ?1", -1,
	        &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, controller, -1, SQLITE_STATIC) != SQLITE_OK) {
		snprintf(err, errlen, "trial_agp: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return false;
	}
	bool ok = true;
	int rc;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		trial_figures_cohort k;
		if (!trial_figures_cohort_of((const char *)sqlite3_column_text(st, 0), &k) ||
		    k == FIGURES_COHORT_ALL)
			continue;
		for (int target = 0; ok && target < 2; target++) {
			const trial_figures_cohort t = target ? FIGURES_COHORT_ALL : k;
			if (!c->profile[t] && !(c->profile[t] = agp_new(0))) {
				ok = false;
				break;
			}
			ok = agp_add_count(c->profile[t], sqlite3_column_int(st, 1),
			                   sqlite3_column_int(st, 2),
			                   (uint64_t)sqlite3_column_int64(st, 3));
		}
	}
	sqlite3_finalize(st);
	if (!ok)
		snprintf(err, errlen, "trial_agp: a count out of range, or out of memory");
	return ok;
}

bool trial_figures_read(sqlite3 *db, trial_figures *f, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT DISTINCT controller FROM trial_glucose ORDER BY controller",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "no trial pictures' data here (%s)", sqlite3_errmsg(db));
		return false;
	}
	const size_t had = f->column_count;
	bool ok = true;
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		trial_figures_column *cols =
		    realloc(f->columns, (f->column_count + 1) * sizeof *cols);
		if (!cols) {
			ok = false;
			snprintf(err, errlen, "out of memory");
			break;
		}
		f->columns = cols;
		trial_figures_column *c = &cols[f->column_count];
		memset(c, 0, sizeof *c);
		unsigned same = 1;
		for (size_t i = 0; i < f->column_count; i++)
			same += strncmp(cols[i].controller, name, strlen(name)) == 0;
		if (same > 1)
			snprintf(c->controller, sizeof c->controller, "%s (%u)", name, same);
		else
			snprintf(c->controller, sizeof c->controller, "%s", name);
		f->column_count++;
		ok = read_patients(db, name, c, err, errlen) &&
		     read_profiles(db, name, c, err, errlen);
	}
	sqlite3_finalize(st);
	if (!ok) {
		while (f->column_count > had)
			column_free(&f->columns[--f->column_count]);
	}
	return ok;
}
