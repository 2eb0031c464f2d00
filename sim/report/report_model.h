/*
 * report_model — one recorded run as `fakepump report` shows it: who and what was run
 * (provenance), how it ended and each expectation's verdict, the traces folded into a
 * fixed number of time columns, the glucose profile by time of day and by day (agp.h), the
 * alarms, faults, meals and boluses, and what the phone and any attacker sent and got.
 *
 * Plain data: report_read.c fills it from a run database, the writers (report_html.h)
 * only read it, and tests build one by hand. Memory is bounded whatever the run's length:
 * REPORT_COLUMNS columns, one agp, the markers and audit rows the run recorded (the audit
 * grouped where it repeats). Strings live in the run's string chunk.
 */
#ifndef FAKEPUMP_REPORT_MODEL_H
#define FAKEPUMP_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "agp.h"

enum { REPORT_COLUMNS = 600 };

/* A time column of the trace chart: the extremes of its minutes. */
typedef struct report_column {
	uint32_t rows;
	float bg_min, bg_max;
	uint32_t cgm_n;
	float cgm_min, cgm_max;
	float iob_max;
	float basal_min, basal_max;
	bool zero_basal; /* some minute delivered no basal (suspended, stopped, 0 %) */
} report_column;

typedef enum report_marker_kind {
	REPORT_MARK_ALARM = 0, /* an annunciation raised: name */
	REPORT_MARK_FAULT,     /* a pump fault the scenario injected: name */
	REPORT_MARK_MEAL,      /* amount g */
	REPORT_MARK_BOLUS,     /* amount U programmed */
} report_marker_kind;

typedef struct report_marker {
	int64_t t_min;
	report_marker_kind kind;
	double amount;
	const char *name;
} report_marker;

/* A sensor fault the scenario injected (settings_json.sensor_faults). */
typedef struct report_sensor_fault {
	const char *kind; /* sensor_dropout, sensor_drift, sensor_noise, sensor_compression */
	int64_t at_min, duration_min;
	double amount;
} report_sensor_fault;

/* An audit row: a Bluetooth decision or attack (ble_*) or a command from the phone, with
 * `repeat` identical rows folded into it (a flood's thousand refusals are one row). */
typedef struct report_audit {
	int64_t t_min, last_t_min;
	const char *type;   /* ble_attack, ble_refused, ble_accepted, ble_phone, command */
	const char *name;   /* the characteristic, or the command */
	const char *result; /* the reason / the attack's kind / the pump's result */
	const char *link, *security, *answer, *bytes, *detail; /* from the JSON detail */
	int att_error, response_code;
	double value;    /* command: U or U/h asked for */
	uint32_t count;  /* requests it stands for */
	uint32_t repeat; /* rows folded into it, >= 1 */
} report_audit;

typedef struct report_expectation {
	bool passed;
	const char *text, *location, *measured;
} report_expectation;

typedef struct report_file {
	const char *role, *path, *sha256;
} report_file;

/* summary_json (docs/database.md), as far as recorded. */
typedef struct report_summary {
	bool present;
	double days, mean_mgdl, sd_mgdl, cv_pct, gmi_pct, min_mgdl, max_mgdl;
	double tir_pct, below_70_pct, below_54_pct, above_180_pct, above_250_pct, lbgi, hbgi;
	double insulin_u, basal_u, bolus_u, carbs_g;
	int64_t annunciations, commands, refused, refused_over_ble;
	const char *ended; /* completed, interrupted, error */
	int64_t ended_at_min;
	const char *stopped_by; /* interrupted runs */
} report_summary;

typedef struct report_run {
	GStringChunk *strings;
	int64_t id;
	const char *name, *path, *patient, *status, *started_at, *ended_at;
	const char *version, *build, *host, *sqlite_version;
	const char *scenario_sha256, *scenario_comment; /* comment: the file's leading # lines */
	uint32_t seed;
	int64_t duration_min, sample_count;
	int start_min_of_day;
	bool has_facts;        /* schema 3 facts recorded (settings, verdicts, files) */
	bool scenario_changed; /* the file changed while the run ran (see docs/database.md) */
	const char *expect_failure;
	/* settings (NULL / 0 without facts) */
	const char *sensor_model, *security_profile, *basal_text, *lgs_text;
	int sensor_interval_min;
	bool e2e;
	double max_bolus_u, max_basal_u_per_h, max_daily_u, max_iob_u, reservoir_u, bolus_speed;
	int64_t min_bolus_interval_min;
	report_summary summary;
	/* from the samples */
	int64_t first_min, last_min; /* minutes with samples; last < first when none */
	double lowest_bg_mgdl;
	int64_t lowest_bg_min;
	int64_t minutes, minutes_below_54, minutes_below_70;
	double cgm_mean_mgdl, cgm_below_70_pct; /* on readings */
	int64_t cgm_readings;
	double iob_max_u, basal_max_u_per_h;
	report_column cols[REPORT_COLUMNS];
	agp *profile;
	/* lists */
	report_expectation *expectations;
	size_t expectation_count;
	report_file *files;
	size_t file_count;
	report_marker *markers;
	size_t marker_count;
	report_sensor_fault *sensor_faults;
	size_t sensor_fault_count;
	report_audit *audit;
	size_t audit_count;
	size_t attacks;       /* ble_attack rows (before folding) */
	double phone_bolus_u; /* delivered of boluses the phone started */
} report_run;

/* An empty run (its string chunk made); free with report_run_clear. */
void report_run_init(report_run *r);
void report_run_clear(report_run *r);
/* A copy of text (NULL stays NULL) in the run's chunk. */
const char *report_run_str(report_run *r, const char *text);

/* The column of run minute t (0 … REPORT_COLUMNS - 1) for a run of span_min minutes. */
int report_column_of(int64_t t_min, int64_t first_min, int64_t span_min);

/*
 * A picture's provenance footer, three lines (one line would run off a 1600-pixel picture):
 * "run 3 of runs.db · recorded 2026-… by fakepump 0.1.0 (git …) on host", "scenarios/x.yaml
 * (SHA-256 1a2b3c4d5e6f…) · adult#001 · seed 41 · dexcom every 3 min" and "limits bolus …,
 * basal …, daily …, IOB … · low-glucose suspend on · hardened, E2E on". A run recorded
 * without its settings has two, the second ending "· settings not recorded".
 */
void report_run_footer(const report_run *r, const char *db_path, char *buf, size_t cap);

/* The verdict in words: "passed", "failed", "failed as meant to", "passed but meant to
 * fail", "interrupted", "error", "incomplete", "done (no checks)", "running". */
const char *report_verdict(const report_run *r);
/* True for verdicts that count as a pass (passed, failed as meant to, done). */
bool report_verdict_ok(const report_run *r);

#endif
