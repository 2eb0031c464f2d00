/*
 * run_facts — after a recorded run has ended, the facts a report needs that the samples
 * and events do not hold (sim/record/record_facts.h): the build and machine, the
 * scenario's settings as loaded (sensor, sensor faults, pump settings and limits,
 * low-glucose protection, security profile), why it is meant to fail, the verdict of each
 * expectation with what was measured, and every scenario file with its text.
 *
 * Called by whoever judged the run (cmd_run.c for one scenario, the runner's child for
 * each of several) with the options the run was given and its report: the scenario is
 * loaded again from the same file or text (the loader is deterministic), so the run
 * itself needs no hook. If the file changed while the run ran, the recorded
 * scenario_text and the 'scenario' file's text differ, and the report says so.
 */
#ifndef FAKEPUMP_RUN_FACTS_H
#define FAKEPUMP_RUN_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"
#include "scenario.h"

/* The build: "0.1.0 (git 1a2b3c4d5e6f)", or "0.1.0 (not built from git)". Static. */
const char *run_facts_build(void);

/* The machine: "name (Linux 6.1.0-28-amd64 x86_64)" into buf. */
void run_facts_host(char *buf, size_t cap);

/*
 * The scenario's settings as one JSON object (docs/database.md, settings_json), malloc'd
 * (free it); NULL when memory is short. Pure: the same scenario gives the same text.
 */
char *run_facts_settings_json(const scenario *sc);

/*
 * Records the facts of the run `rep` describes (rep->run_id in opt->db_path). Does
 * nothing and returns true when the run was not recorded. False with the reason in err
 * (the scenario cannot be loaded again, the database cannot be written).
 */
bool run_facts_record(const run_options *opt, const run_report *rep, char *err, size_t errlen);

#endif
