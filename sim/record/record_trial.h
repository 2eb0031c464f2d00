/*
 * record_trial — a trial (`fakepump trial --db FILE`) in the run database: one `trials` row
 * with its definition, one `trial_patients` row a patient with its metrics and the raw sums
 * they come from (docs/database.md, schema 4). Knows no trial type: plain values in.
 */
#ifndef FAKEPUMP_RECORD_TRIAL_H
#define FAKEPUMP_RECORD_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct record_trial {
	const char *definition_sha256;
	const char *base_path, *base_text; /* NULL: no base */
	const char *patients;              /* comma-separated names */
	int days;
	const char *controller, *meals, *cgm; /* cgm NULL: the base's or Dexcom */
	uint32_t seed;
	const char *engine;
	int threads;
	const char *build, *host;
	const char *started_at, *ended_at; /* ISO-8601 UTC */
	double wall_s;
} record_trial;

typedef struct record_trial_patient {
	const char *patient, *cohort, *status, *why; /* why NULL when ok */
	int64_t minutes;
	double insulin_u;
	/* metrics (NaN: NULL) */
	double mean_mgdl, sd_mgdl, cv_pct, gmi_pct, tir_pct, tbr70_pct, tbr54_pct, tar180_pct,
	    tar250_pct, min_mgdl, max_mgdl, lbgi, hbgi, tdd_u;
	/* raw sums */
	int64_t samples, below54, below70, in_range, above180, above250;
	double bg_sum, bg_sum_sq, low_risk_sum, high_risk_sum;
} record_trial_patient;

/*
 * Open (creating if needed) the database at path — its schema created or upgraded as for a
 * run — and insert the trial and its patients in one transaction. The trial's id in *id.
 * False with "path: why" in err (nothing written).
 */
bool record_trial_write(const char *path, const record_trial *t, const record_trial_patient *p,
                        size_t n, int64_t *id, char *err, size_t cap);

#endif
