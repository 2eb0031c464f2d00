/*
 * walk — the YAML walker of the scenario loader: a libyaml document checked node by node,
 * with every error written as `path:line:column: key: expected …, got …` pointing AT the
 * offending node (the value for a bad value, the key for an unknown or duplicate key).
 *
 * A mapping is described by a table (mapping_spec): one row per key, with its parser;
 * walk_mapping checks the keys (known, not repeated, the required ones there, one of each
 * one-of group) and then calls the parsers in TABLE order. The typed accessors for scalars
 * are in walk_values.h, those for times and durations in walk_time.h. Every accessor that
 * fails writes the message and returns false, so callers just return false in turn.
 *
 * Must never: point a message anywhere but at the node it is about, or write past the
 * scenario_error's buffer (long messages are cut).
 */
#ifndef FAKEPUMP_SCENARIO_WALK_H
#define FAKEPUMP_SCENARIO_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "scenario.h"
#include "suggest.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

enum {
	KEY_PATH_MAX = 128, /* "events[12].phone.duration" and the like, for messages */
	SHOWN_MAX = 48,     /* bytes of a value quoted in a message */
	FIELDS_MAX = 48,    /* most keys any one mapping of the format may have */
};

struct load_state; /* loader.h: the whole load (scenario, include stack, capacities) */

/* One file being read: its document, its name in messages, where errors go. */
typedef struct walker {
	yaml_document_t *doc;
	const char *path; /* names the file in messages */
	scenario_error *err;
	struct load_state *ls; /* the whole load: the scenario, include stack, capacities */
	const char *file;      /* `path` as owned by the scenario (event.file, expectation.file) */
} walker;

/*
 * Writes `path:line:column: key: message` (no `key: ` when key is empty) and returns false,
 * so that every failing check is `return walk_fail(...)`.
 */
PRINTF_LIKE(4, 5)
bool walk_fail(walker *w, yaml_mark_t mark, const char *key, const char *fmt, ...);
/* "key: expected <what>, got <node>" at the node. */
bool walk_fail_expected(walker *w, const char *key, const yaml_node_t *n, const char *what);
/* "key: expected <what>, got <node>; did you mean 'x'?" (no hint when nothing is close). */
bool walk_fail_choice(walker *w, const char *key, const yaml_node_t *n, const char *what,
                      const suggestion *s);

yaml_node_t *walk_node(walker *w, int index);
bool node_is_scalar(const yaml_node_t *n);
bool node_is_plain(const yaml_node_t *n);
/* A scalar's text (owned by the document). Only on scalars. */
const char *node_text(const yaml_node_t *n);
/* "~", "null", "Null", "NULL": what YAML reads as no value. */
bool text_is_null_word(const char *t);

/* A node as a message shows it after "got": the value itself, or what kind of node. */
typedef struct shown {
	char text[SHOWN_MAX + 16];
} shown;
/* Plain scalars as written, quoted ones in double quotes, other nodes by their kind; at most
 * SHOWN_MAX bytes, cut at a UTF-8 boundary, control characters as '?'. */
shown walk_show(const yaml_node_t *n);
/* A scalar's text as is, without quotes: for names inside '...' in a message. */
shown walk_show_bare(const yaml_node_t *n);

/* ---- mappings and lists ----------------------------------------------------------- */

/*
 * Parses one key's value into `ctx` (the struct the mapping fills). `key` is the dotted path
 * for messages ("events[2].meal"). Returns false after writing the error.
 */
typedef bool (*field_parser)(walker *w, const char *key, yaml_node_t *value, void *ctx);

typedef struct field_spec {
	const char *name;
	bool required;
	/* Keys sharing a nonzero group: exactly one of them must be given. */
	int one_of_group;
	field_parser parse;
} field_spec;

typedef struct mapping_spec {
	const char *what; /* "expected <what>" when the node is not a mapping */
	const field_spec *fields;
	size_t field_count;
} mapping_spec;

#define FIELDS(table) (table), (sizeof(table) / sizeof((table)[0]))

/*
 * Checks a mapping against its spec, then parses its values. Order of checks: each key in
 * file order (scalar, known, not a duplicate); required keys; one-of groups; then values in
 * TABLE order, so a parser may rely on fields listed before it (events on start, duration).
 */
bool walk_mapping(walker *w, const char *key, yaml_node_t *node, const mapping_spec *spec,
                  void *ctx);
/* A list; *out_count its length. */
bool walk_sequence(walker *w, const char *key, const yaml_node_t *n, const char *what,
                   size_t *out_count);
/* Item i of a list (i < its length). */
yaml_node_t *walk_item(walker *w, const yaml_node_t *n, size_t i);

/* Key paths, for messages only: "parent.name", "parent[3]"; one too long ends in "...". */
void key_path_join(char *buf, size_t len, const char *parent, const char *name);
void key_path_item(char *buf, size_t len, const char *parent, size_t index);
/* After snprintf wrote `written` into buf[len]: a cut text ends in "...". */
void key_path_mark_cut(char *buf, size_t len, int written);

/* The node as written, one line, at most len - 1 bytes (cut at a character, "..." added):
 * an expectation's text in reports. */
void walk_render_one_line(walker *w, const yaml_node_t *n, char *out, size_t len);

#endif
