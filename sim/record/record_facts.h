/*
 * record_facts — what a report needs about a run beyond its samples and events, recorded
 * once the run has ended: the build and machine, the scenario's settings as loaded, why
 * it is meant to fail, each expectation's verdict with what was measured, and every
 * scenario file (includes too) with its text and SHA-256 (docs/database.md, schema 3).
 *
 * Written by whoever judged the run (sim/run_facts.c), in one transaction of its own
 * after the recorder ended the run; a run whose facts never came (a killed process, a
 * file written by an older fakepump) simply has none, and readers say so.
 *
 * Knows no pump, patient or scenario type: plain strings, like the recorder.
 */
#ifndef FAKEPUMP_RECORD_FACTS_H
#define FAKEPUMP_RECORD_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct record_expectation {
	bool passed;
	const char *text;     /* the expectation as written, required */
	const char *location; /* "file:line:column", may be NULL */
	const char *measured; /* what was measured, may be NULL */
} record_expectation;

typedef struct record_file {
	const char *role; /* "scenario" or "include" */
	const char *path; /* may be NULL (a built-in scenario) */
	const char *text; /* the file's text, required; its SHA-256 is stored with it */
} record_file;

typedef struct record_facts {
	const char *build;          /* "0.1.0 (git 1a2b3c4d5e6f)", may be NULL */
	const char *host;           /* the machine: "name (Linux 6.1.0 x86_64)", may be NULL */
	const char *settings_json;  /* a JSON object (docs/database.md), may be NULL */
	const char *expect_failure; /* why the scenario is meant to fail, NULL if it is not */
	const record_expectation *expectations;
	size_t expectation_count;
	const record_file *files;
	size_t file_count;
} record_facts;

/*
 * Stores `facts` for run `run_id` of the database at db_path (created or upgraded as the
 * recorder does), replacing any stored before, in one transaction. False with "path: why"
 * in err: no such run, settings_json not valid JSON, a file or role missing, a database
 * that cannot be written.
 */
bool record_facts_write(const char *db_path, int64_t run_id, const record_facts *facts, char *err,
                        size_t errlen);

#endif
