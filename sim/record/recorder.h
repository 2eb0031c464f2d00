/*
 * recorder — writes simulation runs into one SQLite database (many runs per file); the
 * readers (`fakepump runs`, `export`, `plot`) are in recorder_read.h. The schema and example
 * queries are in docs/database.md.
 *
 * Decoupled on purpose: it takes plain values (numbers and strings), never a pump, patient or
 * engine type, so the models stay free of SQLite and the recorder free of the models.
 *
 * Durability: WAL, synchronous=NORMAL. Samples and events are buffered in memory and written
 * in one transaction per batch (default 1440 samples = one simulated day). A process killed
 * at any moment (kill -9) leaves a database that opens, passes `PRAGMA integrity_check`,
 * keeps its run with status 'running' (listed as 'incomplete': its writer's lock is gone,
 * run_lock.h; the next writer to open the file stores 'incomplete'), and holds every sample
 * and event up to the last committed batch. (A power cut may additionally lose the last
 * batches since the last WAL checkpoint; synchronous=NORMAL trades that for speed.)
 *
 * Threads: a recorder is used by one thread at a time (the connection is opened without
 * SQLite's per-call mutex). Several processes may record into the same file at once; they
 * take turns for the write lock (busy timeout, see recorder_open).
 *
 * Errors: functions that can fail return false (or -1) and leave a message that starts with
 * the database path: `runs.db: database is locked`.
 */
#ifndef FAKEPUMP_RECORDER_H
#define FAKEPUMP_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct recorder recorder;

/* PRAGMA user_version of the schema this build writes, and PRAGMA application_id ("FPmp"):
 * how a file is known to be ours (docs/database.md). */
#define RECORDER_SCHEMA_VERSION 4
#define RECORDER_APPLICATION_ID 0x46506d70

/* What is known about a run before it starts. Strings are copied; NULL where noted. */
typedef struct recorder_run_info {
	const char *scenario_name; /* required */
	const char *scenario_path; /* may be NULL (built-in scenario) */
	const char *scenario_text; /* the YAML as loaded; may be NULL. Its SHA-256 (lowercase
	                              hex) is stored too, to find runs of the same scenario. */
	uint32_t seed;
	const char *patient;  /* required, e.g. "adult#001" */
	int64_t duration_min; /* >= 0 */
	int start_min_of_day; /* clock time of t = 0, 0 … 1439 (for day/clock in exports) */
	const char *fakepump_version; /* may be NULL */
} recorder_run_info;

/*
 * One per-minute sample: the state at t = t_min and what was delivered or eaten over
 * [t_min, t_min + 1). NAN in any double means "no value" and is stored as NULL (cgm_mgdl is
 * NAN between sensor readings).
 */
typedef struct recorder_sample {
	int64_t t_min;
	double bg_mgdl;           /* plasma glucose */
	double gsub_mgdl;         /* subcutaneous glucose */
	double cgm_mgdl;          /* sensor reading; NAN = none this minute */
	double cho_g_per_min;     /* carbohydrate eaten over the minute */
	double meal_announced_g;  /* meal announced at this minute */
	double basal_u_per_min;   /* basal delivered over the minute */
	double bolus_u;           /* bolus delivered over the minute */
	double insulin_u_per_min; /* basal + bolus */
	double basal_u_per_h;     /* basal rate in force */
	double iob_u;             /* insulin on board */
	double reservoir_u;
	double battery_pct;
	int therapy_state; /* pump_therapy_state: 0 stop, 1 pause, 2 run */
	int annunciation;  /* newest active annunciation type, 0 none */
} recorder_sample;

/* One event. Strings are copied; every string but type may be NULL; NAN values = none. */
typedef struct recorder_event {
	int64_t t_min;
	const char *type;   /* "command", "bolus_started", "annunciation", "fault", "security",
	                       "meal", ... */
	const char *source; /* "pump", "phone", "automation", "scenario" or NULL */
	const char *name;   /* command/annunciation/fault name or NULL */
	const char *result; /* "ok", "max_bolus", … or NULL */
	double value, value2;
	const char *detail; /* free text or JSON, may be NULL */
} recorder_event;

/* Samples per transaction unless recorder_set_batch says otherwise: one simulated day. */
#define RECORDER_DEFAULT_BATCH 1440

/*
 * Opens (creating if needed) the database at db_path and its schema (upgrading a version 1 or 2
 * file); sets WAL, synchronous=NORMAL and a busy timeout of 10 s (waiting for another
 * process's commit); marks runs whose writer is gone 'incomplete'. On success
 * *out owns the recorder (free with recorder_close). On failure *out is NULL and err (if errlen >
 * 0) says why: a path that cannot be opened, a file that is not a database, a schema newer than
 * this build.
 */
bool recorder_open(const char *db_path, recorder **out, char *err, size_t errlen);

/*
 * How long a commit waits for another process's write lock before failing with "database is
 * locked", in ms (>= 0; 10 000 after recorder_open). False (nothing changed) when negative.
 */
bool recorder_set_busy_timeout(recorder *r, int timeout_ms);

/*
 * Samples per transaction, >= 1. Commits what is pending first. Use small values in tests;
 * each commit costs a WAL append, so larger is faster (see docs/database.md).
 * False (nothing changed) on 0 or out of memory.
 */
bool recorder_set_batch(recorder *r, size_t samples_per_commit);

/*
 * Inserts a run with status 'running', started_at = now (ISO-8601 UTC), the scenario text
 * and its SHA-256, and commits it at once, so a run killed before its first batch is still
 * listed. One run at a time per recorder: false if one is in progress or on bad info.
 */
bool recorder_begin_run(recorder *r, const recorder_run_info *info, int64_t *out_run_id, char *err,
                        size_t errlen);

/*
 * Buffers one sample of the current run; every batch-th sample commits the batch (with the
 * events recorded so far). t_min must increase from sample to sample. False when there is no
 * run, t_min does not increase (the sample is not recorded), or a commit fails (the pending
 * rows stay buffered and the commit is retried at the next call); see recorder_error.
 */
bool recorder_add_sample(recorder *r, const recorder_sample *s);

/* Buffers one event of the current run, committed with the samples. Same errors as above;
 * type is required. Events are numbered 0, 1, 2 … per run in the order recorded (seq). */
bool recorder_add_event(recorder *r, const recorder_event *e);

/*
 * Commits what is pending and ends the run in the same transaction: status ("passed",
 * "failed", "error", "done" or "interrupted"), ended_at = now, summary_json (NULL or valid JSON).
 * False on a bad status or invalid JSON (nothing changes; the run can still be ended) or a failed
 * commit.
 */
bool recorder_end_run(recorder *r, const char *status, const char *summary_json);

/*
 * Names a code for readers: kind "therapy_state" or "annunciation" (any kind is stored), the
 * integer as recorded in samples, its name (e.g. pump_therapy_state_name). Stored in the
 * codes table at once, for all runs in the file; defining a code again replaces its name.
 * The writer defines them (the recorder knows no pump types); exports print the names.
 */
bool recorder_define_code(recorder *r, const char *kind, int code, const char *name);

/* Samples of the current run known to be committed (0 with no run). */
int64_t recorder_committed_samples(const recorder *r);

/*
 * Commits what is pending (a run not ended stays 'running') and frees r. NULL is fine. If that
 * last commit fails, the pending rows are lost; call recorder_end_run first to know.
 */
void recorder_close(recorder *r);

/* The last error message ("" if none). Owned by r, valid until the next call on r. */
const char *recorder_error(const recorder *r);

#endif
