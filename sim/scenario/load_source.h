/*
 * load_source — one file of the scenario (the scenario itself or an include: fragment) from
 * its path to its YAML document: read whole, 16 MiB at most, then parsed by libyaml into
 * exactly one document, libyaml's own errors (not YAML at all) placed as file:line:column.
 * And the message of what has no place in a file (it cannot be read, memory): load_fail.
 *
 * Must never: read a file without a size cap, accept a second YAML document in a file, or
 * leave anything allocated when it fails.
 *
 * Follows: libyaml 0.2.5 document API (yaml_parser_load).
 */
#ifndef FAKEPUMP_SCENARIO_LOAD_SOURCE_H
#define FAKEPUMP_SCENARIO_LOAD_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "scenario.h"
#include "walk.h"

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
