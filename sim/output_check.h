/*
 * output_check — every file a run will write, checked before its first simulated minute:
 * the folder exists, the file can be written (or created), it is not a folder, and a run
 * database is new, empty or a FakePump database of a schema this build reads. A refused
 * output is bad input (exit status 2), named with its option and path; the check creates
 * nothing and changes nothing (it reads at most the first 100 bytes of a database).
 *
 * Why before: a run of a simulated year that fails to write its picture at the end has
 * wasted the year, and left the other outputs half-done.
 */
#ifndef FAKEPUMP_OUTPUT_CHECK_H
#define FAKEPUMP_OUTPUT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

typedef enum output_kind {
	OUTPUT_FILE,     /* a file written from scratch (--png, --junit) */
	OUTPUT_STREAM,   /* the same, or "-" for standard output (--csv, --events) */
	OUTPUT_DATABASE, /* a run database (--db): new, empty, or ours */
} output_kind;

typedef struct output_path {
	const char *option; /* "--csv", shown in the message */
	const char *path;   /* NULL: not asked for (skipped) */
	output_kind kind;
} output_path;

/*
 * Checks every output; false at the first refused one with err filled:
 * "--png: out/x.png: folder 'out' does not exist". Two options naming the same file are
 * refused too.
 */
bool output_check(const output_path *outputs, size_t n, char *err, size_t errlen);

/* Whether `path` exists now (to know, after a failed set-up, what the run created). */
bool output_exists(const char *path);

#endif
