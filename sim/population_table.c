/*
 * population_table — see population_table.h.
 */
#include "population_table.h"

#include <stdlib.h>
#include <string.h>

#include "shard_db.h"

enum { FIXED_COLUMNS = 7 }; /* item patient cohort idx base param_seed rejected */

bool population_table_create(sqlite3 *db, char *err, size_t errlen)
{
	char sql[4096];
	size_t len =
	    (size_t)snprintf(sql, sizeof sql,
	                     "CREATE TABLE population_patients (item INTEGER PRIMARY KEY, "
	                     "patient TEXT NOT NULL, cohort TEXT NOT NULL, idx INTEGER NOT "
	                     "NULL, base TEXT NOT NULL, param_seed INTEGER NOT NULL, "
	                     "rejected INTEGER NOT NULL");
	for (size_t i = 0; i < population_param_count() && len < sizeof sql; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", \"%s\" REAL",
		                        population_param_name(i));
	if (len + 2 >= sizeof sql) {
		snprintf(err, errlen, "population table: too many columns");
		return false;
	}
	strcat(sql, ")");
	return shard_db_exec(db, sql, err, errlen) &&
	       shard_db_add_table(db, "population_patients", SHARD_TABLE_ROWS, err, errlen);
}

bool population_table_add(sqlite3 *db, uint64_t item, const char *cohort,
                          const population_patient *p, char *err, size_t errlen)
{
	char sql[1024];
	size_t len = (size_t)snprintf(
	    sql, sizeof sql, "INSERT INTO population_patients VALUES (?, ?, ?, ?, ?, ?, ?");
	for (size_t i = 0; i < population_param_count() && len < sizeof sql; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", ?");
	snprintf(sql + len, sizeof sql - len, ")");
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
	ok = ok && sqlite3_bind_int64(st, 1, (sqlite3_int64)item) == SQLITE_OK &&
	     sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_text(st, 3, cohort, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 4, p->index) == SQLITE_OK &&
	     sqlite3_bind_text(st, 5, p->base->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 6, p->param_seed) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 7, p->rejected) == SQLITE_OK;
	for (size_t i = 0; ok && i < population_param_count(); i++)
		ok = sqlite3_bind_double(st, (int)(FIXED_COLUMNS + 1 + i),
		                         population_param_value(&p->params, i)) == SQLITE_OK;
	ok = ok && sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		snprintf(err, errlen, "population table: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

/* One value as text: integers as they are, reals to 17 digits, text as is. */
static void value_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		snprintf(buf, cap, "%lld", (long long)sqlite3_column_int64(st, col));
		break;
	case SQLITE_FLOAT: {
		/* the shortest of 15, 16, 17 digits that reads back to the same double */
		const double v = sqlite3_column_double(st, col);
		for (int digits = 15; digits <= 17; digits++) {
			snprintf(buf, cap, "%.*g", digits, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		break;
	}
	case SQLITE_NULL:
		buf[0] = '\0';
		break;
	default:
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, col));
	}
}

static bool write_rows(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	/* every column but item, which is the row's place only */
	if (sqlite3_prepare_v2(db, "SELECT * FROM population_patients ORDER BY item", -1, &st,
	                       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "population table: %s", sqlite3_errmsg(db));
		return false;
	}
	const int cols = sqlite3_column_count(st);
	if (json)
		fputs("[", out);
	else
		for (int c = 1; c < cols; c++)
			fprintf(out, "%s%s", sqlite3_column_name(st, c), c + 1 < cols ? "," : "\n");
	bool first = true;
	int rc;
	char v[128];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json)
			fputs(first ? "\n  {" : ",\n  {", out);
		for (int c = 1; c < cols; c++) {
			value_text(st, c, v, sizeof v);
			if (json) {
				const bool text = sqlite3_column_type(st, c) == SQLITE_TEXT;
				fprintf(out, "%s\"%s\": %s%s%s", c > 1 ? ", " : "",
				        sqlite3_column_name(st, c), text ? "\"" : "", v,
				        text ? "\"" : "");
			} else
				fprintf(out, "%s%s", v, c + 1 < cols ? "," : "\n");
		}
		if (json)
			fputs("}", out);
		first = false;
	}
	if (json)
		fputs(first ? "]\n" : "\n]\n", out);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "population table: %s", sqlite3_errmsg(db));
		return false;
	}
	if (ferror(out)) {
		snprintf(err, errlen, "write error");
		return false;
	}
	return true;
}

bool population_table_write_csv(sqlite3 *db, FILE *out, char *err, size_t errlen)
{
	return write_rows(db, out, false, err, errlen);
}

bool population_table_write_json(sqlite3 *db, FILE *out, char *err, size_t errlen)
{
	return write_rows(db, out, true, err, errlen);
}
