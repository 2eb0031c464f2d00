/*
 * shard_merge — see shard_merge.h. One shard is attached at a time (SQLite attaches ten at
 * most by default; a trial may have a thousand shards): checked, then its rows copied.
 * 'rows' tables keep their rows in item order by construction (item is the rowid); 'sum'
 * tables are gathered in a temporary table and written once, grouped and ordered by their
 * keys.
 */
#include "shard_merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_TABLES = 32, SQL_MAX = 4096 };

typedef struct table_def {
	char name[64];
	shard_table_merge how;
	char *sql;              /* CREATE TABLE … of the first shard */
	char keys[SQL_MAX / 2]; /* 'sum': the columns other than count, comma-separated */
} table_def;

typedef struct merge {
	sqlite3 *out;
	table_def tables[MAX_TABLES];
	size_t table_count;
	char *err;
	size_t errlen;
} merge;

static sqlite3 *open_shard(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* The registered tables of db and their schema. */
static bool read_tables(sqlite3 *db, table_def *t, size_t *count, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(
	        db,
	        "SELECT t.name, t.merge, m.sql FROM shard_tables t LEFT JOIN "
	        "sqlite_master m ON m.type = 'table' AND m.name = t.name ORDER BY t.name",
	        -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "no table list (%s)", sqlite3_errmsg(db));
		return false;
	}
	bool ok = true;
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *how = (const char *)sqlite3_column_text(st, 1);
		const char *sql = (const char *)sqlite3_column_text(st, 2);
		if (*count == MAX_TABLES || !name || !how || !sql ||
		    strlen(name) >= sizeof t->name) {
			snprintf(err, errlen, "table list names %s, which it does not hold",
			         name ? name : "a table");
			ok = false;
			break;
		}
		table_def *d = &t[(*count)++];
		memset(d, 0, sizeof *d);
		snprintf(d->name, sizeof d->name, "%s", name);
		d->how = strcmp(how, "sum") == 0 ? SHARD_TABLE_SUM : SHARD_TABLE_ROWS;
		d->sql = strdup(sql);
		ok = d->sql != NULL;
	}
	sqlite3_finalize(st);
	return ok;
}

static void free_tables(table_def *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].sql);
}

/* The columns of a table: 'rows' must start with item INTEGER PRIMARY KEY; 'sum' must have
 * count. Fills d->keys for 'sum'. */
static bool check_columns(sqlite3 *db, table_def *d, char *err, size_t errlen)
{
	char sql[160];
	snprintf(sql, sizeof sql, "PRAGMA table_info(\"%.63s\")", d->name);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "table %.63s: %s", d->name, sqlite3_errmsg(db));
		return false;
	}
	bool first_is_item = false, has_count = false;
	int col = 0;
	d->keys[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		const int pk = sqlite3_column_int(st, 5);
		if (col == 0 && name && strcmp(name, "item") == 0 && type &&
		    strcmp(type, "INTEGER") == 0 && pk == 1)
			first_is_item = true;
		if (name && strcmp(name, "count") == 0)
			has_count = true;
		else if (name) {
			const size_t len = strlen(d->keys);
			snprintf(d->keys + len, sizeof d->keys - len, "%s\"%s\"", len ? ", " : "",
			         name);
		}
		col++;
	}
	sqlite3_finalize(st);
	if (d->how == SHARD_TABLE_ROWS && !first_is_item) {
		snprintf(err, errlen,
		         "table %.63s: a 'rows' table must begin with item INTEGER PRIMARY KEY",
		         d->name);
		return false;
	}
	if (d->how == SHARD_TABLE_SUM && (!has_count || !d->keys[0])) {
		snprintf(err, errlen, "table %.63s: a 'sum' table needs a count column and keys",
		         d->name);
		return false;
	}
	return true;
}

/* A 'rows' table holds rows of the shard's own items only (a producer's mistake otherwise,
 * which would collide with another shard's rows). */
static bool rows_are_items(sqlite3 *db, const table_def *d, char *err, size_t errlen)
{
	if (d->how != SHARD_TABLE_ROWS)
		return true;
	char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE item NOT IN (SELECT item "
	                            "FROM shard_items)",
	                            d->name);
	sqlite3_stmt *st = NULL;
	const bool ran = sql && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	                 sqlite3_step(st) == SQLITE_ROW;
	const sqlite3_int64 stray = ran ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_free(sql);
	if (stray != 0)
		snprintf(err, errlen, "table %.63s: %lld rows of items this shard did not run",
		         d->name, (long long)stray);
	return stray == 0;
}

static bool same_tables(const table_def *a, size_t na, const table_def *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) != 0 || a[i].how != b[i].how ||
		    strcmp(a[i].sql, b[i].sql) != 0)
			return false;
	return true;
}

/* Checks one shard's items are exactly its slice of the trial. */
static bool check_items(sqlite3 *db, const shard_manifest *m, const char *path, char *err,
                        size_t errlen)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "SELECT count(*), coalesce(sum(item %% %u != %u OR item < 0 OR item >= %" PRIu64
	         "), 0) FROM shard_items",
	         m->shard.count, m->shard.index, m->item_count);
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	          sqlite3_step(st) == SQLITE_ROW;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot read its items (%s)", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return false;
	}
	const uint64_t have = (uint64_t)sqlite3_column_int64(st, 0);
	const uint64_t stray = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	const uint64_t want = shard_item_count(&m->shard, m->item_count);
	if (stray || have != want) {
		snprintf(err, errlen,
		         "%s: shard %u/%u should hold %" PRIu64
		         " items (numbers ≡ %u mod %u), holds %" PRIu64 " of which %" PRIu64
		         " are not its own",
		         path, m->shard.index, m->shard.count, want, m->shard.index, m->shard.count,
		         have, stray);
		return false;
	}
	return true;
}

/* The first line where two definitions differ, each into its buffer. */
static void first_difference(const char *x, const char *y, char *a, char *b, size_t cap)
{
	while (*x || *y) {
		const size_t lx = strcspn(x, "\n"), ly = strcspn(y, "\n");
		if (lx != ly || strncmp(x, y, lx) != 0) {
			snprintf(a, cap, "'%.*s'", (int)lx, x);
			snprintf(b, cap, "'%.*s'", (int)ly, y);
			return;
		}
		x += lx + (x[lx] == '\n');
		y += ly + (y[ly] == '\n');
	}
	snprintf(a, cap, "?");
	snprintf(b, cap, "?");
}

/* Every shard's manifest, checked against the first and against each other. */
static shard_merge_result check_shards(const char *const *paths, size_t n, const char **by_index,
                                       shard_manifest *first, table_def *tables, size_t *ntables,
                                       char *err, size_t errlen)
{
	char why[512];
	for (size_t i = 0; i < n; i++) {
		sqlite3 *db = open_shard(paths[i], err, errlen);
		if (!db)
			return SHARD_MERGE_REFUSED;
		shard_manifest m;
		shard_merge_result r = SHARD_MERGE_REFUSED;
		table_def t[MAX_TABLES];
		size_t nt = 0;
		if (!shard_db_read(db, &m, why, sizeof why)) {
			snprintf(err, errlen, "%s: %s", paths[i], why);
			sqlite3_close(db);
			return r;
		}
		if (!m.complete)
			snprintf(err, errlen,
			         "%s: shard %u/%u did not finish (its run was interrupted or "
			         "failed); run "
			         "it again",
			         paths[i], m.shard.index, m.shard.count);
		else if (i > 0 && strcmp(m.kind, first->kind) != 0)
			snprintf(err, errlen, "%s is a %s shard, %s a %s shard: not one trial",
			         paths[i], m.kind, paths[0], first->kind);
		else if (i > 0 && strcmp(m.sha256, first->sha256) != 0) {
			char a[160], b[160];
			first_difference(m.definition, first->definition, a, b, sizeof a);
			snprintf(
			    err, errlen,
			    "%s belongs to another trial than %s (definition SHA-256 %.12s… vs "
			    "%.12s…: %s vs %s)",
			    paths[i], paths[0], m.sha256, first->sha256, a, b);
		} else if (i > 0 && strcmp(m.version, first->version) != 0)
			snprintf(err, errlen,
			         "%s was run by fakepump %s, %s by fakepump %s: results of "
			         "different builds "
			         "are not merged",
			         paths[i], m.version, paths[0], first->version);
		else if (i > 0 && m.shard.count != first->shard.count)
			snprintf(err, errlen, "%s is shard %u of %u, %s a shard of %u", paths[i],
			         m.shard.index, m.shard.count, paths[0], first->shard.count);
		else if (by_index[m.shard.index])
			snprintf(err, errlen, "shard %u/%u given twice: %s and %s", m.shard.index,
			         m.shard.count, by_index[m.shard.index], paths[i]);
		else if (!check_items(db, &m, paths[i], err, errlen))
			;
		else if (!read_tables(db, t, &nt, why, sizeof why))
			snprintf(err, errlen, "%s: %s", paths[i], why);
		else if (i > 0 && !same_tables(t, nt, tables, *ntables))
			snprintf(err, errlen,
			         "%s holds other result tables than %s (another build?)", paths[i],
			         paths[0]);
		else {
			r = SHARD_MERGE_OK;
			for (size_t k = 0; k < nt && r == SHARD_MERGE_OK; k++)
				if ((i == 0 && !check_columns(db, &t[k], why, sizeof why)) ||
				    !rows_are_items(db, &t[k], why, sizeof why)) {
					snprintf(err, errlen, "%s: %s", paths[i], why);
					r = SHARD_MERGE_REFUSED;
				}
		}
		if (r == SHARD_MERGE_OK) {
			by_index[m.shard.index] = paths[i];
			if (i == 0) {
				*first = m;
				memcpy(tables, t, sizeof t[0] * nt);
				*ntables = nt;
				nt = 0; /* now owned by tables */
			} else
				shard_manifest_clear(&m);
		} else
			shard_manifest_clear(&m);
		free_tables(t, nt);
		sqlite3_close(db);
		if (r != SHARD_MERGE_OK)
			return r;
	}
	/* none missing */
	char missing[256] = "";
	uint32_t nmissing = 0;
	for (uint32_t k = 0; k < first->shard.count; k++)
		if (!by_index[k]) {
			if (nmissing < 16) {
				const size_t len = strlen(missing);
				snprintf(missing + len, sizeof missing - len, "%s%u",
				         nmissing ? ", " : "", k);
			}
			nmissing++;
		}
	if (nmissing) {
		snprintf(err, errlen, "%u of %u shards missing: %s%s (of 0 … %u); no merge",
		         nmissing, first->shard.count, missing, nmissing > 16 ? ", …" : "",
		         first->shard.count - 1);
		return SHARD_MERGE_REFUSED;
	}
	return SHARD_MERGE_OK;
}

static bool exec_out(merge *mg, const char *sql)
{
	return shard_db_exec(mg->out, sql, mg->err, mg->errlen);
}

static bool copy_shard(merge *mg, const char *path)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(mg->out, "ATTACH DATABASE ?1 AS shard", -1, &st, NULL) ==
	              SQLITE_OK &&
	          sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok) {
		snprintf(mg->err, mg->errlen, "%s: %s", path, sqlite3_errmsg(mg->out));
		return false;
	}
	ok = exec_out(mg, "BEGIN") &&
	     exec_out(mg, "INSERT INTO main.shard_items SELECT * FROM shard.shard_items");
	for (size_t i = 0; ok && i < mg->table_count; i++) {
		char sql[256];
		const table_def *d = &mg->tables[i];
		if (d->how == SHARD_TABLE_SUM) /* gathered, summed at the end */
			snprintf(sql, sizeof sql,
			         "INSERT INTO temp.\"sum_%s\" SELECT * FROM shard.\"%s\"", d->name,
			         d->name);
		else
			snprintf(sql, sizeof sql,
			         "INSERT INTO main.\"%s\" SELECT * FROM shard.\"%s\"", d->name,
			         d->name);
		ok = exec_out(mg, sql);
	}
	ok = ok && exec_out(mg, "COMMIT");
	if (!ok)
		sqlite3_exec(mg->out, "ROLLBACK", NULL, NULL, NULL);
	if (!exec_out(mg, "DETACH DATABASE shard"))
		ok = false;
	return ok;
}

static bool write_out(merge *mg, const shard_manifest *first, const char *const *by_index)
{
	shard_manifest whole = *first;
	whole.shard = (shard_spec){0, 1};
	snprintf(whole.scheduler, sizeof whole.scheduler, "merged from %u shards",
	         first->shard.count);
	if (!exec_out(mg, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN") ||
	    !shard_db_begin(mg->out, &whole, mg->err, mg->errlen))
		return false;
	for (size_t i = 0; i < mg->table_count; i++) {
		table_def *d = &mg->tables[i];
		char sql[256];
		if (!exec_out(mg, d->sql) ||
		    !shard_db_add_table(mg->out, d->name, d->how, mg->err, mg->errlen))
			return false;
		if (d->how == SHARD_TABLE_SUM) {
			snprintf(
			    sql, sizeof sql,
			    "CREATE TEMP TABLE \"sum_%s\" AS SELECT * FROM main.\"%s\" LIMIT 0",
			    d->name, d->name);
			if (!exec_out(mg, sql))
				return false;
		}
	}
	if (!exec_out(mg, "COMMIT"))
		return false;
	for (uint32_t k = 0; k < first->shard.count; k++) {
		if (!copy_shard(mg, by_index[k]))
			return false;
	}
	if (!exec_out(mg, "BEGIN"))
		return false;
	for (size_t i = 0; i < mg->table_count; i++) {
		const table_def *d = &mg->tables[i];
		if (d->how != SHARD_TABLE_SUM)
			continue;
		char *sql =
		    sqlite3_mprintf("INSERT INTO main.\"%w\" (%s, count) SELECT %s, sum(count) "
		                    "FROM temp.\"sum_%w\" GROUP BY %s ORDER BY %s",
		                    d->name, d->keys, d->keys, d->name, d->keys, d->keys);
		const bool ok = sql && exec_out(mg, sql);
		sqlite3_free(sql);
		if (!ok)
			return false;
	}
	return shard_db_finish(mg->out, mg->err, mg->errlen) && exec_out(mg, "COMMIT");
}

shard_merge_result shard_merge(const char *out_path, const char *const *shard_paths, size_t n,
                               shard_merge_info *info, char *err, size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "no shard given");
		return SHARD_MERGE_REFUSED;
	}
	struct stat sb;
	if (stat(out_path, &sb) == 0) {
		snprintf(err, errlen, "%s exists; merge writes a new database (remove it first)",
		         out_path);
		return SHARD_MERGE_REFUSED;
	}
	merge mg = {.err = err, .errlen = errlen};
	shard_manifest first;
	memset(&first, 0, sizeof first);
	/* by_index is sized after the first manifest; SHARD_MAX_COUNT bounds it */
	const char **by_index = calloc(SHARD_MAX_COUNT, sizeof *by_index);
	if (!by_index) {
		snprintf(err, errlen, "out of memory");
		return SHARD_MERGE_FAILED;
	}
	shard_merge_result r =
	    check_shards(shard_paths, n, by_index, &first, mg.tables, &mg.table_count, err, errlen);
	if (r == SHARD_MERGE_OK) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.merging-%ld", out_path, (long)getpid());
		unlink(tmp);
		r = SHARD_MERGE_FAILED;
		if (sqlite3_open_v2(tmp, &mg.out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		                    NULL) != SQLITE_OK)
			snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(mg.out));
		else if (write_out(&mg, &first, by_index)) {
			if (sqlite3_close(mg.out) == SQLITE_OK && rename(tmp, out_path) == 0)
				r = SHARD_MERGE_OK;
			else
				snprintf(err, errlen, "%s: cannot write it", out_path);
			mg.out = NULL;
		} else {
			char msg[512];
			snprintf(msg, sizeof msg, "%s", err);
			snprintf(err, errlen, "%s: %s", out_path, msg);
		}
		sqlite3_close(mg.out);
		if (r != SHARD_MERGE_OK)
			unlink(tmp);
	}
	if (r == SHARD_MERGE_OK && info) {
		snprintf(info->kind, sizeof info->kind, "%s", first.kind);
		snprintf(info->sha256, sizeof info->sha256, "%s", first.sha256);
		info->shard_count = first.shard.count;
		info->item_count = first.item_count;
	}
	free_tables(mg.tables, mg.table_count);
	shard_manifest_clear(&first);
	free(by_index);
	return r;
}
