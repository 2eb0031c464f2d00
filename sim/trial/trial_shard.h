/*
 * trial_shard — `fakepump trial --shard I/N` (docs/scale.md): a trial's shard database and
 * the merged trial's table read back from one.
 *
 * A shard database holds the manifest (sim/shard/shard_db.h) whose definition names the
 * trial (its hash, base, days, controller, meals, sensor, seed, population), and three
 * result tables, one row an item (its number in the whole trial) or summed counts:
 *
 *   trial_results   every field of the patient's trial_patient_result (status, minutes,
 *                   insulin, the glucose accumulator's raw sums), so that the table of the
 *                   merged trial is computed from the very numbers the unsharded run has;
 *   trial_glucose, trial_agp   the pictures' data (sim/trial_figures.h);
 *   population_patients        with --population: each drawn patient's parameters.
 *
 * trial_shard_write_csv/_json rebuild the plan and the results from such a database (in
 * item order) and write them with trial_table_csv/_json: an unsharded trial and the merge of
 * its shards print the same bytes.
 */
#ifndef FAKEPUMP_TRIAL_SHARD_H
#define FAKEPUMP_TRIAL_SHARD_H

#include <stdbool.h>
#include <stdio.h>

#include <sqlite3.h>

#include "population.h"
#include "shard_plan.h"
#include "trial.h"

/* The manifest's definition of the trial `p` names (p->hash must be the whole trial's);
 * malloc'd text. `population` is the --population spec, or NULL. */
char *trial_shard_definition(const trial_plan *p, const char *population);

/* What a shard writes. */
typedef struct trial_shard_out {
	const trial_plan *plan;              /* the shard's plan (its patients only) */
	const trial_patient_result *results; /* plan->def.patient_count of them */
	const uint64_t *items;               /* each patient's number in the whole trial */
	uint64_t item_count;                 /* patients in the whole trial */
	shard_spec shard;
	const char *scheduler, *build, *population;
	agp *const *figures;             /* the cohorts' profiles (adolescent, adult, child) */
	const population_patient *drawn; /* with --population: patient i's draw; else NULL */
} trial_shard_out;

/* Writes the shard tables into the (new) database at `path`. False with err. */
bool trial_shard_write(const char *path, const trial_shard_out *o, char *err, size_t cap);

/* The value of `key=` in a manifest's definition text (trial_shard_definition), malloc'd
 * (g_free), or NULL when absent. */
char *trial_shard_definition_value(const char *definition, const char *key);

/*
 * One patient's results from a row whose columns, from `first`, are trial_results' (and
 * trial_patients'): patient, status, why, minutes, insulin_u, samples, bg_sum, bg_sum_sq,
 * below54, below70, in_range, above180, above250, min_mgdl, max_mgdl, low_risk_sum,
 * high_risk_sum. The name is g_strdup'd into name_holder->name (the caller g_frees it);
 * out->patient points at name_holder. The accumulator comes back finished, as the run left
 * it: the table computed from it (trial_table_rows) is the run's.
 */
void trial_shard_result_of_row(sqlite3_stmt *st, int first, patient_params *name_holder,
                               trial_patient_result *out);

/* The merged (or any shard's) trial as the trial's CSV / JSON (fakepump merge). */
bool trial_shard_write_csv(sqlite3 *db, FILE *out, char *err, size_t cap);
bool trial_shard_write_json(sqlite3 *db, FILE *out, char *err, size_t cap);

#endif
