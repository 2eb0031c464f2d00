/*
 * shard_db — see shard_db.h.
 */
#include "shard_db.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool shard_db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return false;
}

void shard_definition_sha256(const char *definition, char out[65])
{
	char *hex =
	    g_compute_checksum_for_string(G_CHECKSUM_SHA256, definition ? definition : "", -1);
	snprintf(out, 65, "%s", hex ? hex : "");
	g_free(hex);
}

static bool put(sqlite3 *db, const char *key, const char *value, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db,
	                             "INSERT INTO shard_manifest(key, value) VALUES (?1, ?2) "
	                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	                             -1, &st, NULL) == SQLITE_OK &&
	          sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		snprintf(err, errlen, "shard manifest: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

static bool put_u64(sqlite3 *db, const char *key, uint64_t v, char *err, size_t errlen)
{
	char b[32];
	snprintf(b, sizeof b, "%" PRIu64, v);
	return put(db, key, b, err, errlen);
}

bool shard_db_begin(sqlite3 *db, const shard_manifest *m, char *err, size_t errlen)
{
	char sha[65];
	shard_definition_sha256(m->definition, sha);
	return shard_db_exec(
	           db,
	           "CREATE TABLE shard_manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	           "CREATE TABLE shard_items (item INTEGER PRIMARY KEY, patient TEXT NOT "
	           "NULL);"
	           "CREATE TABLE shard_tables (name TEXT PRIMARY KEY, merge TEXT NOT NULL "
	           "CHECK (merge IN ('rows', 'sum')));",
	           err, errlen) &&
	       put(db, "kind", m->kind, err, errlen) &&
	       put(db, "definition", m->definition ? m->definition : "", err, errlen) &&
	       put(db, "definition_sha256", sha, err, errlen) &&
	       put(db, "version", m->version, err, errlen) &&
	       put(db, "scheduler", m->scheduler, err, errlen) &&
	       put_u64(db, "shard_index", m->shard.index, err, errlen) &&
	       put_u64(db, "shard_count", m->shard.count, err, errlen) &&
	       put_u64(db, "item_count", m->item_count, err, errlen) &&
	       put(db, "complete", "0", err, errlen);
}

bool shard_db_add_item(sqlite3 *db, uint64_t item, const char *patient, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, "INSERT INTO shard_items(item, patient) VALUES (?1, ?2)",
	                             -1, &st, NULL) == SQLITE_OK &&
	          sqlite3_bind_int64(st, 1, (sqlite3_int64)item) == SQLITE_OK &&
	          sqlite3_bind_text(st, 2, patient, -1, SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		snprintf(err, errlen, "shard items: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

bool shard_db_add_table(sqlite3 *db, const char *name, shard_table_merge how, char *err,
                        size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, "INSERT INTO shard_tables(name, merge) VALUES (?1, ?2)",
	                             -1, &st, NULL) == SQLITE_OK &&
	          sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_bind_text(st, 2, how == SHARD_TABLE_SUM ? "sum" : "rows", -1,
	                            SQLITE_STATIC) == SQLITE_OK &&
	          sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		snprintf(err, errlen, "shard tables: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

bool shard_db_finish(sqlite3 *db, char *err, size_t errlen)
{
	return put(db, "complete", "1", err, errlen);
}

void shard_manifest_clear(shard_manifest *m)
{
	free(m->definition);
	memset(m, 0, sizeof *m);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || s[0] == '-')
		return false;
	*out = v;
	return true;
}

bool shard_db_read(sqlite3 *db, shard_manifest *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT key, value FROM shard_manifest", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "not a fakepump shard (no manifest: %s)", sqlite3_errmsg(db));
		return false;
	}
	uint64_t index = UINT64_MAX, count = 0, items = UINT64_MAX, complete = 0;
	bool have_sha = false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (!k || !v)
			continue;
		if (strcmp(k, "kind") == 0)
			snprintf(out->kind, sizeof out->kind, "%s", v);
		else if (strcmp(k, "definition") == 0) {
			free(out->definition);
			out->definition = strdup(v);
		} else if (strcmp(k, "definition_sha256") == 0) {
			snprintf(out->sha256, sizeof out->sha256, "%s", v);
			have_sha = true;
		} else if (strcmp(k, "version") == 0)
			snprintf(out->version, sizeof out->version, "%s", v);
		else if (strcmp(k, "scheduler") == 0)
			snprintf(out->scheduler, sizeof out->scheduler, "%s", v);
		else if (strcmp(k, "shard_index") == 0)
			parse_u64(v, &index);
		else if (strcmp(k, "shard_count") == 0)
			parse_u64(v, &count);
		else if (strcmp(k, "item_count") == 0)
			parse_u64(v, &items);
		else if (strcmp(k, "complete") == 0)
			parse_u64(v, &complete);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || !have_sha || !out->definition || count == 0 ||
	    count > SHARD_MAX_COUNT || index >= count || items == UINT64_MAX) {
		snprintf(err, errlen,
		         "not a fakepump shard (its manifest is incomplete or damaged)");
		shard_manifest_clear(out);
		return false;
	}
	char sha[65];
	shard_definition_sha256(out->definition, sha);
	if (strcmp(sha, out->sha256) != 0) {
		snprintf(err, errlen,
		         "its manifest's definition does not match its SHA-256 (edited by hand?)");
		shard_manifest_clear(out);
		return false;
	}
	out->shard.index = (uint32_t)index;
	out->shard.count = (uint32_t)count;
	out->item_count = items;
	out->complete = complete == 1;
	return true;
}
