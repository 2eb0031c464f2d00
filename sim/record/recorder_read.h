/*
 * recorder_read — the runs of a database read back, for the command line: the list
 * (`fakepump runs`), one run as the trace CSV (`fakepump export`), one run's samples and
 * events for a picture (`fakepump plot`).
 *
 * Every reader opens db_path itself, never creates it, and closes it before returning.
 * Errors start with the path: "runs.db: no run 7 (see 'fakepump runs')". A reader never
 * changes what is recorded (opening a file read-write lets SQLite replay the WAL a killed
 * writer left).
 */
#ifndef FAKEPUMP_RECORDER_READ_H
#define FAKEPUMP_RECORDER_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "recorder.h"

/* The samples recorded for run_id (its sample_count), or -1 with err filled (no such run,
 * not a fakepump database). */
int64_t recorder_run_sample_count(const char *db_path, int64_t run_id, char *err, size_t errlen);

/* A table: id, scenario, patient, seed, started, ended, status, samples — oldest first. A
 * 'running' run whose writer is gone is listed as 'incomplete'. Returns the runs listed, or
 * -1 with err filled. */
int recorder_list_runs(const char *db_path, FILE *out, char *err, size_t errlen);

/*
 * The samples of run_id as CSV, with the same columns and number formats as the trace CSV
 * (sim/csv_writer.c): t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,
 * cho_g_per_min,insulin_u_per_min,basal_u_per_h,bolus_u,iob_u,reservoir_u,battery_pct,
 * therapy_state,annunciation. day and clock come from the run's start_min_of_day; the two
 * codes print as the names given to recorder_define_code (the number if none; annunciation 0
 * is empty). Missing values (NULL) are empty cells. All rows come from one snapshot, even
 * while a writer commits. Returns the samples written, or -1 with err filled (no such run,
 * a write error on out).
 */
int recorder_export_csv(const char *db_path, int64_t run_id, FILE *out, char *err, size_t errlen);

/*
 * Read one recorded run back: `on_sample` for every sample in time order, then `on_event`
 * for every event in order (either may be NULL). *start_min_of_day and the names are
 * filled first (name and patient buffers of at least 128 bytes). Returns the number of
 * samples, or -1 with `err` filled (no such run, not a fakepump database).
 */
typedef void (*recorder_sample_fn)(const recorder_sample *s, void *user_data);
typedef void (*recorder_event_fn)(const recorder_event *e, void *user_data);
int64_t recorder_read_run(const char *db_path, int64_t run_id, int *start_min_of_day,
                          char *scenario_name, char *patient, recorder_sample_fn on_sample,
                          recorder_event_fn on_event, void *user_data, char *err, size_t errlen);

#endif
