/*
 * loader — what the files of the scenario loader share about one load: the scenario being
 * filled, the capacities of its growing arrays (load_array.h grows them), and the stack of
 * files being read (the scenario at the bottom, then nested include: fragments; each read
 * into one YAML document by load_source.c).
 *
 * Must never: leave a partial scenario behind (load.c frees it on any error).
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

#endif
