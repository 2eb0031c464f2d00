/*
 * include — `include: PATH` or `include: [PATH, …]`: fragments (events, expect, include)
 * read into the scenario, each path relative to the file that names it. Each fragment has a
 * walker of its own, so its messages name the fragment; its events and expectations are
 * appended to the scenario's (the engine sorts nothing: event_list.c sorts once, stably).
 *
 * Must never: follow a cycle (the same file, by device and inode whatever the path that
 * names it), nest deeper than MAX_INCLUDE_DEPTH, or read more than MAX_INCLUSIONS files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load_source.h"
#include "loader.h"
#include "scenario_keys.h"
#include "walk_values.h"

/* Fragments read in all, by one scenario. */
enum { MAX_INCLUSIONS = 256 };

/* Which file a path names (device and inode); unknown when there is no such file. */
file_identity load_identify_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return (file_identity){.known = false};
	return (file_identity){.known = true, .dev = st.st_dev, .ino = st.st_ino};
}

/* Table order is parse order: a fragment's own events come before those it includes. */
static const field_spec fragment_fields[] = {
    {.name = "events", .parse = scenario_key_events},
    {.name = "expect", .parse = scenario_key_expect},
    {.name = "include", .parse = scenario_key_include},
};

static const mapping_spec fragment_spec = {
    .what = "a fragment: a mapping with events, expect or include",
    FIELDS(fragment_fields),
};

/* `rel` next to the file `including` (as named in messages); absolute paths stay. Owned. */
static char *resolve_include_path(const char *including, const char *rel)
{
	size_t dir_len = 0;
	if (rel[0] != '/') {
		const char *slash = strrchr(including, '/');
		dir_len = slash ? (size_t)(slash - including) + 1 : 0;
	}
	size_t rel_len = strlen(rel);
	char *out = malloc(dir_len + rel_len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, including, dir_len);
	memcpy(out + dir_len, rel, rel_len + 1);
	return out;
}

/* The scenario's own copy of an included file's name (one per name); NULL if out of memory. */
static const char *register_included(scenario *s, const char *name)
{
	for (size_t i = 0; i < s->included_count; i++)
		if (strcmp(s->included_files[i], name) == 0)
			return s->included_files[i];
	char *copy = strdup(name);
	char **grown = realloc(s->included_files, (s->included_count + 1) * sizeof *grown);
	if (copy == NULL || grown == NULL) {
		free(copy);
		if (grown != NULL)
			s->included_files = grown;
		return NULL;
	}
	s->included_files = grown;
	s->included_files[s->included_count++] = copy;
	return copy;
}

/* "a.yaml -> b.yaml -> a.yaml": the include stack from `from` on, then `again`. */
static void describe_cycle(const load_state *ls, size_t from, const char *again, char *buf,
                           size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = from; i <= ls->depth; i++) {
		const char *name = i < ls->depth ? ls->shown[i] : again;
		int n = snprintf(buf + used, len - used, "%s%s", used ? " -> " : "", name);
		if (n < 0 || (size_t)n >= len - used) {
			key_path_mark_cut(buf, len, n);
			return;
		}
		used += (size_t)n;
	}
}

/* Reads one fragment, named by node `n` in the including file, into the scenario. */
static bool include_one(walker *w, const char *key, const yaml_node_t *n)
{
	load_state *ls = w->ls;
	const char *rel;
	if (!walk_text(w, key, n, "a fragment file such as fragments/meals.yaml", &rel))
		return false;
	if (ls->depth > MAX_INCLUDE_DEPTH)
		return walk_fail(
		    w, n->start_mark, key,
		    "expected includes nested at most %d deep, got %s one level deeper",
		    MAX_INCLUDE_DEPTH, walk_show(n).text);
	if (ls->inclusions >= MAX_INCLUSIONS)
		return walk_fail(w, n->start_mark, key,
		                 "expected at most %d fragments in all, got more", MAX_INCLUSIONS);

	bool ok = false, parser_ready = false;
	char *path = resolve_include_path(w->path, rel);
	char *text = NULL;
	size_t len = 0;
	yaml_parser_t parser;
	if (path == NULL) {
		walk_fail(w, n->start_mark, key, "out of memory");
		goto out;
	}
	int error = 0;
	read_status st = load_read_file(path, &text, &len, &error);
	if (st != READ_OK) {
		char why[160];
		walk_fail(w, n->start_mark, key,
		          "expected a readable fragment file, got %s (%s: %s)", walk_show(n).text,
		          path, load_read_failure_text(st, error, why, sizeof why));
		goto out;
	}
	/* The same file, whatever the path that names it (../x.yaml, a link); by name when a
	 * file on the stack is not on disk. */
	file_identity id = load_identify_file(path);
	for (size_t i = 0; i < ls->depth; i++) {
		const file_identity *o = &ls->id[i];
		bool same = id.known && o->known ? id.dev == o->dev && id.ino == o->ino
		                                 : strcmp(ls->shown[i], path) == 0;
		if (!same)
			continue;
		char chain[320];
		describe_cycle(ls, i, path, chain, sizeof chain);
		walk_fail(
		    w, n->start_mark, key,
		    "expected a file that is not already being included, got %s (include cycle: "
		    "%s)",
		    walk_show(n).text, chain);
		goto out;
	}
	const char *file = register_included(ls->s, path);
	if (file == NULL || !yaml_parser_initialize(&parser)) {
		walk_fail(w, n->start_mark, key, "out of memory");
		goto out;
	}
	parser_ready = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yaml_document_t doc;
	if (!load_yaml_document(
	        &parser, text, len, file, "fragment",
	        "empty fragment (expected a mapping with events, expect or include)", w->err, &doc))
		goto out;
	walker fw = {.doc = &doc, .path = file, .err = w->err, .ls = ls, .file = file};
	ls->id[ls->depth] = id;
	ls->shown[ls->depth] = file;
	ls->depth++;
	ls->inclusions++;
	ok = walk_mapping(&fw, "", yaml_document_get_root_node(&doc), &fragment_spec, ls->s);
	ls->depth--;
	yaml_document_delete(&doc);
out:
	if (parser_ready)
		yaml_parser_delete(&parser);
	free(text);
	free(path);
	return ok;
}

/* include: PATH or [PATH, …], each relative to the file that names it. */
bool scenario_key_include(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	(void)ctx;
	if (v->type != YAML_SEQUENCE_NODE)
		return include_one(w, key, v);
	size_t count = 0;
	if (!walk_sequence(w, key, v, "a list of fragment files", &count))
		return false;
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX];
		key_path_item(item_key, sizeof item_key, key, i);
		if (!include_one(w, item_key, walk_item(w, v, i)))
			return false;
	}
	return true;
}
