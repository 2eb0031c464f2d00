/*
 * bench_recorder — the recorder's insert path in isolation, next to bare SQLite inserts of the
 * same rows, as patient-days per second (1440 samples = one patient-day).
 *
 *   bench_recorder [--days D] [--runs R] [--batch N] [--rows K] [--mode MODE] [--sweep]
 *                  [--dir DIR]
 *
 * MODE is one of (default: all four):
 *   recorder             sim/record/recorder.c: buffered samples + ~10 events a day, WITHOUT ROWID
 *   bare-without-rowid   one prepared INSERT, samples (run_id, t_min) WITHOUT ROWID
 *   bare-rowid           one prepared INSERT, plain rowid table, no key on (run_id, t_min)
 *   bare-rowid-pk        rowid table with PRIMARY KEY (run_id, t_min), i.e. a second b-tree
 * The bare modes insert K rows per statement (--rows, default 1: the "one prepared
 * statement"; the recorder uses 32).
 * Every mode: a fresh file in DIR (default /tmp), WAL, synchronous=NORMAL, one transaction per
 * N samples (default 1440), timed from open to close (the close checkpoints the WAL).
 * --sweep times the recorder at batch sizes 60, 240, 1440 and 10080 instead.
 * Each mode runs R times (default 5); the median is reported, as wall time (what a user waits)
 * and as this process's CPU time (steadier when other work shares the machine). Not a test.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recorder.h"

enum { MIN_PER_DAY = 1440, MAX_RUNS = 101, MAX_ROWS_PER_INSERT = 1440 };

typedef struct bench_opts {
	int days;
	int runs;
	size_t batch;
	int rows_per_insert;
	const char *dir;
} bench_opts;

/* One day of plausible samples (glucose waves, CGM every 5 min, basal, meals, IOB decay). */
static recorder_sample day_samples[MIN_PER_DAY];

static void make_day(void)
{
	for (int t = 0; t < MIN_PER_DAY; t++) {
		const double bg = 120.0 + 40.0 * sin(t / 180.0) + 5.0 * sin(t / 7.0);
		const bool meal = t == 420 || t == 720 || t == 1110;
		day_samples[t] = (recorder_sample){
		    .t_min = t,
		    .bg_mgdl = bg,
		    .gsub_mgdl = bg - 3.0 * cos(t / 180.0),
		    .cgm_mgdl = t % 5 == 0 ? bg + 4.0 * sin(t * 1.3) : NAN,
		    .cho_g_per_min = (t >= 420 && t < 435) ? 50.0 / 15 : 0.0,
		    .meal_announced_g = meal ? 60.0 : 0.0,
		    .basal_u_per_min = 0.9 / 60.0,
		    .bolus_u = meal ? 6.0 : 0.0,
		    .insulin_u_per_min = 0.9 / 60.0 + (meal ? 6.0 : 0.0),
		    .basal_u_per_h = 0.9,
		    .iob_u = 6.0 * exp(-(t % 300) / 90.0),
		    .reservoir_u = 300.0 - t * 0.02,
		    .battery_pct = 100.0 - t * 0.001,
		    .therapy_state = 2,
		    .annunciation = 0,
		};
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's CPU time (user + system): less disturbed than wall time on a busy machine. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void remove_db(const char *path)
{
	char side[1100];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* Seconds for one run through the recorder API, or -1. */
static double run_recorder(const bench_opts *o, const char *path, size_t batch)
{
	char err[512];
	recorder *r;
	int64_t run_id;
	const recorder_run_info info = {.scenario_name = "bench",
	                                .scenario_text = "name: bench\n",
	                                .patient = "adult#001",
	                                .duration_min = (int64_t)o->days * MIN_PER_DAY,
	                                .fakepump_version = "bench"};
	const double t0 = now_s();
	if (!recorder_open(path, &r, err, sizeof err)) {
		fprintf(stderr, "bench_recorder: %s\n", err);
		return -1;
	}
	if (!recorder_set_batch(r, batch) ||
	    !recorder_begin_run(r, &info, &run_id, err, sizeof err))
		goto fail;
	for (int d = 0; d < o->days; d++) {
		for (int m = 0; m < MIN_PER_DAY; m++) {
			recorder_sample s = day_samples[m];
			s.t_min += (int64_t)d * MIN_PER_DAY;
			if (!recorder_add_sample(r, &s))
				goto fail;
			if (m % 144 == 0) {
				const recorder_event e = {.t_min = s.t_min,
				                          .type = "command",
				                          .source = "phone",
				                          .name = "bolus",
				                          .result = "ok",
				                          .value = 2.5,
				                          .value2 = NAN};
				if (!recorder_add_event(r, &e))
					goto fail;
			}
		}
	}
	if (!recorder_end_run(r, "done", "{\"bench\":true}"))
		goto fail;
	recorder_close(r);
	return now_s() - t0;
fail:
	fprintf(stderr, "bench_recorder: %s\n", recorder_error(r));
	recorder_close(r);
	return -1;
}

static const char *const BARE_SCHEMA[] = {
    /* bare-without-rowid */
    "CREATE TABLE samples (run_id INTEGER NOT NULL, t_min INTEGER NOT NULL, bg_mgdl REAL, "
    "gsub_mgdl REAL, cgm_mgdl REAL, cho_g_per_min REAL, meal_announced_g REAL, "
    "basal_u_per_min REAL, bolus_u REAL, insulin_u_per_min REAL, basal_u_per_h REAL, "
    "iob_u REAL, reservoir_u REAL, battery_pct REAL, therapy_state INTEGER, annunciation "
    "INTEGER, PRIMARY KEY (run_id, t_min)) WITHOUT ROWID",
    /* bare-rowid */
    "CREATE TABLE samples (run_id INTEGER NOT NULL, t_min INTEGER NOT NULL, bg_mgdl REAL, "
    "gsub_mgdl REAL, cgm_mgdl REAL, cho_g_per_min REAL, meal_announced_g REAL, "
    "basal_u_per_min REAL, bolus_u REAL, insulin_u_per_min REAL, basal_u_per_h REAL, "
    "iob_u REAL, reservoir_u REAL, battery_pct REAL, therapy_state INTEGER, annunciation "
    "INTEGER)",
    /* bare-rowid-pk */
    "CREATE TABLE samples (run_id INTEGER NOT NULL, t_min INTEGER NOT NULL, bg_mgdl REAL, "
    "gsub_mgdl REAL, cgm_mgdl REAL, cho_g_per_min REAL, meal_announced_g REAL, "
    "basal_u_per_min REAL, bolus_u REAL, insulin_u_per_min REAL, basal_u_per_h REAL, "
    "iob_u REAL, reservoir_u REAL, battery_pct REAL, therapy_state INTEGER, annunciation "
    "INTEGER, PRIMARY KEY (run_id, t_min))",
};

static inline void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* Seconds for one run of bare inserts into schema `kind` (index into BARE_SCHEMA), or -1. */
static double run_bare(const bench_opts *o, const char *path, int kind, size_t batch)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const int rows = o->rows_per_insert;
	char sql[64 + MAX_ROWS_PER_INSERT * 34];
	int len = snprintf(sql, sizeof sql, "INSERT INTO samples VALUES ");
	for (int k = 0; k < rows; k++)
		len += snprintf(sql + len, sizeof sql - (size_t)len,
		                "%s(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", k ? "," : "");
	const double t0 = now_s();
	if (sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL,
	                 NULL) != SQLITE_OK ||
	    sqlite3_exec(db, BARE_SCHEMA[kind], NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	size_t in_txn = 0;
	int in_stmt = 0;
	for (int d = 0; d < o->days; d++) {
		for (int m = 0; m < MIN_PER_DAY; m++) {
			const recorder_sample *s = &day_samples[m];
			const int b = in_stmt * 16;
			if (in_txn == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
				goto fail;
			sqlite3_bind_int64(st, b + 1, 1);
			sqlite3_bind_int64(st, b + 2, s->t_min + (int64_t)d * MIN_PER_DAY);
			bind_real(st, b + 3, s->bg_mgdl);
			bind_real(st, b + 4, s->gsub_mgdl);
			bind_real(st, b + 5, s->cgm_mgdl);
			bind_real(st, b + 6, s->cho_g_per_min);
			bind_real(st, b + 7, s->meal_announced_g);
			bind_real(st, b + 8, s->basal_u_per_min);
			bind_real(st, b + 9, s->bolus_u);
			bind_real(st, b + 10, s->insulin_u_per_min);
			bind_real(st, b + 11, s->basal_u_per_h);
			bind_real(st, b + 12, s->iob_u);
			bind_real(st, b + 13, s->reservoir_u);
			bind_real(st, b + 14, s->battery_pct);
			sqlite3_bind_int(st, b + 15, s->therapy_state);
			sqlite3_bind_int(st, b + 16, s->annunciation);
			in_txn++;
			if (++in_stmt == rows) {
				if (sqlite3_step(st) != SQLITE_DONE)
					goto fail;
				sqlite3_reset(st);
				in_stmt = 0;
			}
			/* Commit on statement boundaries: a batch that is a multiple of K. */
			if (in_txn >= batch && in_stmt == 0) {
				if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
					goto fail;
				in_txn = 0;
			}
		}
	}
	if (in_txn && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return now_s() - t0;
fail:
	fprintf(stderr, "bench_recorder: %s\n", db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of n sorted values. */
static double median(const double *sorted, int n)
{
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Times `mode` R times, prints one line; false on a failed run. */
static bool bench_mode(const bench_opts *o, const char *mode, size_t batch)
{
	static const char *const bare_modes[] = {"bare-without-rowid", "bare-rowid",
	                                         "bare-rowid-pk"};
	double t[MAX_RUNS], cpu[MAX_RUNS];
	double mb = 0;
	char path[1024];
	snprintf(path, sizeof path, "%s/bench_recorder_%ld.db", o->dir, (long)getpid());
	for (int i = 0; i < o->runs; i++) {
		remove_db(path);
		const double cpu0 = cpu_s();
		if (strcmp(mode, "recorder") == 0) {
			t[i] = run_recorder(o, path, batch);
		} else {
			int kind = -1;
			for (int k = 0; k < 3; k++)
				if (strcmp(mode, bare_modes[k]) == 0)
					kind = k;
			if (kind < 0) {
				fprintf(stderr, "bench_recorder: unknown mode '%s'\n", mode);
				return false;
			}
			t[i] = run_bare(o, path, kind, batch);
		}
		cpu[i] = cpu_s() - cpu0;
		struct stat st;
		if (stat(path, &st) == 0)
			mb = (double)st.st_size / 1e6;
		remove_db(path);
		if (t[i] < 0)
			return false;
	}
	qsort(t, (size_t)o->runs, sizeof t[0], cmp_double);
	qsort(cpu, (size_t)o->runs, sizeof cpu[0], cmp_double);
	const double med = median(t, o->runs), med_cpu = median(cpu, o->runs);
	const double samples = (double)o->days * MIN_PER_DAY;
	char label[48];
	if (strcmp(mode, "recorder") == 0)
		snprintf(label, sizeof label, "%s", mode);
	else
		snprintf(label, sizeof label, "%s x%d", mode, o->rows_per_insert);
	printf("%-23s batch %6zu: median %.3f s wall (min %.3f, max %.3f; CPU %.3f s) over %d "
	       "runs = %8.0f samples/s = %5.0f patient-days/s (CPU: %5.0f), file %.1f MB\n",
	       label, batch, med, t[0], t[o->runs - 1], med_cpu, o->runs, samples / med,
	       samples / med / MIN_PER_DAY, samples / med_cpu / MIN_PER_DAY, mb);
	fflush(stdout);
	return true;
}

int main(int argc, char **argv)
{
	bench_opts o = {.days = 365,
	                .runs = 5,
	                .batch = RECORDER_DEFAULT_BATCH,
	                .rows_per_insert = 1,
	                .dir = "/tmp"};
	const char *mode = NULL;
	bool sweep = false;
	for (int i = 1; i < argc; i++) {
		const bool has_value = i + 1 < argc;
		if (strcmp(argv[i], "--days") == 0 && has_value)
			o.days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && has_value)
			o.runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--batch") == 0 && has_value)
			o.batch = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--rows") == 0 && has_value)
			o.rows_per_insert = atoi(argv[++i]);
		else if (strcmp(argv[i], "--mode") == 0 && has_value)
			mode = argv[++i];
		else if (strcmp(argv[i], "--dir") == 0 && has_value)
			o.dir = argv[++i];
		else if (strcmp(argv[i], "--sweep") == 0)
			sweep = true;
		else {
			fprintf(stderr, "usage: bench_recorder [--days D] [--runs R] [--batch N] "
			                "[--rows K] [--mode MODE] [--sweep] [--dir DIR]\n");
			return 2;
		}
	}
	if (o.days < 1 || o.runs < 1 || o.runs > MAX_RUNS || o.batch < 1 || o.rows_per_insert < 1 ||
	    o.rows_per_insert > MAX_ROWS_PER_INSERT || MIN_PER_DAY % o.rows_per_insert != 0) {
		fprintf(stderr,
		        "bench_recorder: need --days >= 1, 1 <= --runs <= %d, --batch >= 1, "
		        "--rows a divisor of 1440\n",
		        MAX_RUNS);
		return 2;
	}
	make_day();
	printf("SQLite %s, %d patient-days (%d samples) per run, files in %s\n",
	       sqlite3_libversion(), o.days, o.days * MIN_PER_DAY, o.dir);
	if (sweep) {
		static const size_t batches[] = {60, 240, 1440, 10080};
		for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
			if (!bench_mode(&o, "recorder", batches[i]))
				return 1;
		return 0;
	}
	if (mode)
		return bench_mode(&o, mode, o.batch) ? 0 : 1;
	static const char *const all[] = {"bare-rowid", "bare-without-rowid", "bare-rowid-pk",
	                                  "recorder"};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!bench_mode(&o, all[i], o.batch))
			return 1;
	return 0;
}
