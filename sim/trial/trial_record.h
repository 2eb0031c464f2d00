/*
 * trial_record — `fakepump trial --db FILE`: the trial and each patient's row in the run
 * database (sim/record/record_trial.h; docs/database.md "trials", "trial_patients").
 */
#ifndef FAKEPUMP_TRIAL_RECORD_H
#define FAKEPUMP_TRIAL_RECORD_H

#include "trial.h"
#include "trial_table.h"

/* What the process knows about the trial beyond its definition. */
typedef struct trial_record_info {
	const trial_run_options *run;
	const char *build, *host;          /* may be NULL */
	const char *started_at, *ended_at; /* ISO-8601 UTC */
	double wall_s;
} trial_record_info;

/* The trial (patients' rows only: cohorts and all are sums of them). False with err. */
bool trial_record_write(const char *path, const trial_plan *p, const trial_record_info *info,
                        const trial_row *rows, char *err, size_t cap);

#endif
