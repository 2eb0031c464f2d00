/*
 * trial_figures — what the pictures trials are judged by need from a trial, kept in its
 * database so that the report reads them and `fakepump merge` puts shards together
 * (docs/trial-pictures.md):
 *
 *   trial_glucose  one row a patient (a 'rows' table of the shard): its controller and
 *                  cohort, the 2.5th and 97.5th percentiles of its true glucose and its
 *                  CVGA box, and its times below 54 / below 70 / in 70–180 / above 180 /
 *                  above 250 mg/dL (percent of its minutes, the consensus definitions:
 *                  Battelino 2019);
 *   trial_agp      the glucose profile by time of day of each controller × cohort: counts
 *                  of true glucose by 15-minute slot and 1 mg/dL (a 'sum' table: shards'
 *                  counts add up to the unsharded run's, exactly).
 *
 * The trial feeds each patient's minutes to an agp (sim/agp.h), hands it here when the
 * patient ends, merges it into its cohort's profile, and writes the profiles at the end.
 * Reading gives back, per controller, every patient and every cohort's profile, for the
 * pictures (sim/view/plot_trial.h). Errors come back as text in err.
 */
#ifndef FAKEPUMP_TRIAL_FIGURES_H
#define FAKEPUMP_TRIAL_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "agp.h"
#include "cvga.h"

/* The cohorts of a picture, in drawing order; FIGURES_COHORT_ALL is every patient. */
typedef enum trial_figures_cohort {
	FIGURES_COHORT_ADOLESCENT = 0,
	FIGURES_COHORT_ADULT,
	FIGURES_COHORT_CHILD,
	FIGURES_COHORT_ALL,
	FIGURES_COHORT_COUNT,
} trial_figures_cohort;

const char *trial_figures_cohort_name(trial_figures_cohort c);
/* "adult", "adolescent", "child", "all"; or a patient name starting with one of them. */
bool trial_figures_cohort_of(const char *name, trial_figures_cohort *out);

/* One patient's row of trial_glucose. */
typedef struct trial_figures_patient {
	char patient[64];
	char cohort[16];
	char controller[32];
	double low_mgdl, high_mgdl; /* 2.5th and 97.5th percentiles of true glucose */
	cvga_zone zone;
	double tbr54_pct, tbr70_pct, tir_pct, tar180_pct, tar250_pct;
} trial_figures_patient;

/* The row of a patient from its run's profile (pure). False when it has no sample. */
bool trial_figures_patient_of(const agp *run, trial_figures_patient *out);

/* Creates trial_glucose and trial_agp; registers them with the shard when `db` is one
 * (shard_db.h). */
bool trial_figures_create(sqlite3 *db, char *err, size_t errlen);
/* A patient's row: `item` is its number in the trial (the shard's item). */
bool trial_figures_add_patient(sqlite3 *db, uint64_t item, const char *patient, const char *cohort,
                               const char *controller, const agp *run, char *err, size_t errlen);
/* A patient's row already made (patient, cohort and controller filled). */
bool trial_figures_add_row(sqlite3 *db, uint64_t item, const trial_figures_patient *p, char *err,
                           size_t errlen);
/* A controller × cohort profile's counts (the non-zero ones: up to 96 × 601 rows; call it
 * inside a transaction). */
bool trial_figures_add_profile(sqlite3 *db, const char *controller, const char *cohort,
                               const agp *profile, char *err, size_t errlen);

/* One controller's data, for its column of the pictures. */
typedef struct trial_figures_column {
	char controller[48];
	agp *profile[FIGURES_COHORT_COUNT]; /* NULL: no patient of that cohort */
	trial_figures_patient *patients;    /* in trial order */
	size_t patient_count;
} trial_figures_column;

typedef struct trial_figures {
	trial_figures_column *columns;
	size_t column_count;
} trial_figures;

/*
 * Appends a column per controller found in db's tables (in name order) to f; a
 * controller already in f gets " (2)", " (3)" … so two trials of one controller stay
 * apart. False with the reason in err (f keeps what it had).
 */
bool trial_figures_read(sqlite3 *db, trial_figures *f, char *err, size_t errlen);
void trial_figures_clear(trial_figures *f);

#endif
