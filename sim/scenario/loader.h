/*
 * loader — what the files of the scenario loader share about one load: the scenario being
 * filled, the capacities of its growing arrays, the stack of files being read (the scenario
 * at the bottom, then nested include: fragments), and reading a file into one YAML document.
 *
 * Must never: leave a partial scenario behind (load.c frees it on any error), read a file
 * without a size cap, or accept a second YAML document in a file.
 */
#ifndef FAKEPUMP_SCENARIO_LOADER_H
#define FAKEPUMP_SCENARIO_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <yaml.h>

#include "scenario.h"
#include "walk.h"

/* include: nesting (the scenario itself is level 0). */
enum { MAX_INCLUDE_DEPTH = 16 };

/* Which file a path names (device and inode), for finding include cycles. */
typedef struct file_identity {
	bool known; /* false: no such file (a scenario loaded from a string) */
	dev_t dev;
	ino_t ino;
} file_identity;

file_identity load_identify_file(const char *path);

/* One key of `pump: {controller: …}` as written: applied after the defaults for the patient
 * (controller_keys.c). */
typedef struct controller_given {
	size_t offset; /* in controller_settings */
	char type;     /* 'd' double, 'i' int, 'b' bool */
	double value;
} controller_given;

enum { CONTROLLER_GIVEN_MAX = 64 };

/* `pump: {controller: …}` while the scenario is read. */
typedef struct controller_draft {
	bool written;     /* the file has the key */
	yaml_mark_t mark; /* of its mapping, for the settings' own check */
	controller_algorithm algorithm;
	double total_daily_insulin_u; /* NaN: the patient's */
	controller_given given[CONTROLLER_GIVEN_MAX];
	size_t given_count;
} controller_draft;

/* The whole load. */
typedef struct load_state {
	scenario *s;
	const scenario_overrides *ov; /* a trial's base scenario; NULL otherwise */
	controller_draft controller;
	size_t events_cap, expectations_cap;
	size_t depth;                             /* files on the stack */
	file_identity id[MAX_INCLUDE_DEPTH + 1];  /* of each, for cycles */
	const char *shown[MAX_INCLUDE_DEPTH + 1]; /* as named in messages */
	size_t inclusions;                        /* fragments read so far */
} load_state;

/* Room for `need` elements of `elem` bytes (doubling *cap); the new array, or NULL (the old
 * one untouched). */
void *load_grow_array(void *array, size_t *cap, size_t need, size_t elem);

/* `path: message` into err, for what has no place in the file (it cannot be read, memory);
 * every message with a place goes through walk_fail. Returns false. */
PRINTF_LIKE(2, 3)
bool load_fail(scenario_error *err, const char *fmt, ...);

typedef enum read_status {
	READ_OK,
	READ_CANNOT_OPEN,
	READ_CANNOT_READ,
	READ_TOO_LARGE,
	READ_NO_MEMORY,
} read_status;

/*
 * The whole file into *out (owned by the caller, NUL-terminated, *out_len bytes before the
 * NUL), at most 16 MiB. On failure nothing is allocated and *out_errno says why (for OPEN
 * and READ).
 */
read_status load_read_file(const char *path, char **out, size_t *out_len, int *out_errno);
/* "cannot open: No such file or directory", … : why a file could not be read. Returns buf. */
const char *load_read_failure_text(read_status st, int error, char *buf, size_t len);

/*
 * The parser's one document into *doc, with a root node. False with `err` filled (and no
 * document left to delete) when it is not YAML, empty (`empty_message` at 1:1), or followed
 * by a second document (`what` names the file then: "scenario file", "fragment").
 */
bool load_yaml_document(yaml_parser_t *parser, const char *text, size_t len, const char *path,
                        const char *what, const char *empty_message, scenario_error *err,
                        yaml_document_t *doc);

#endif
