/*
 * walk — see walk.h. Follows libyaml 0.2.5's document API (yaml_parser_load): the whole node
 * tree is built first, so every node keeps its start mark for the messages.
 */
#include "walk.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool walk_fail(walker *w, yaml_mark_t mark, const char *key, const char *fmt, ...)
{
	char *msg = w->err->message;
	size_t size = sizeof w->err->message;
	int n = snprintf(msg, size, "%s:%zu:%zu: %s%s", w->path, (size_t)mark.line + 1,
	                 (size_t)mark.column + 1, key, *key ? ": " : "");
	if (n >= 0 && (size_t)n < size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

yaml_node_t *walk_node(walker *w, int index)
{
	return yaml_document_get_node(w->doc, index);
}

bool node_is_scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE;
}

const char *node_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool node_is_plain(const yaml_node_t *n)
{
	return node_is_scalar(n) && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool text_is_null_word(const char *t)
{
	return strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
	       strcmp(t, "NULL") == 0;
}

/* At most SHOWN_MAX bytes of `t`, cut at a UTF-8 boundary, control characters as '?'. */
static shown show_text(const char *t, size_t len, const char *quote)
{
	shown out;
	char body[SHOWN_MAX + 1];
	size_t cut = len <= SHOWN_MAX ? len : SHOWN_MAX;
	while (cut < len && cut > 0 && ((unsigned char)t[cut] & 0xC0) == 0x80)
		cut--;
	for (size_t i = 0; i < cut; i++)
		body[i] = (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? '?' : t[i];
	body[cut] = '\0';
	snprintf(out.text, sizeof out.text, "%s%s%s%s", quote, body, cut < len ? "..." : "", quote);
	return out;
}

/* A scalar's text as is, without quotes: for names inside '...' in a message. */
shown walk_show_bare(const yaml_node_t *n)
{
	return show_text(node_text(n), n->data.scalar.length, "");
}

/* Plain scalars as written, quoted ones in double quotes, other nodes by their kind. */
shown walk_show(const yaml_node_t *n)
{
	shown out;
	if (n == NULL || n->type == YAML_NO_NODE) {
		snprintf(out.text, sizeof out.text, "nothing");
		return out;
	}
	if (n->type == YAML_MAPPING_NODE) {
		snprintf(out.text, sizeof out.text, "a mapping");
		return out;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		snprintf(out.text, sizeof out.text, "a list");
		return out;
	}
	if (node_is_plain(n) && n->data.scalar.length == 0) {
		snprintf(out.text, sizeof out.text, "nothing");
		return out;
	}
	if (node_is_plain(n) && text_is_null_word(node_text(n))) {
		snprintf(out.text, sizeof out.text, "null");
		return out;
	}
	return show_text(node_text(n), n->data.scalar.length, node_is_plain(n) ? "" : "\"");
}

bool walk_fail_expected(walker *w, const char *key, const yaml_node_t *n, const char *what)
{
	return walk_fail(w, n->start_mark, key, "expected %s, got %s", what, walk_show(n).text);
}

bool walk_fail_choice(walker *w, const char *key, const yaml_node_t *n, const char *what,
                      const suggestion *s)
{
	return walk_fail(w, n->start_mark, key, "expected %s, got %s%s", what, walk_show(n).text,
	                 suggest_hint_for(s).text);
}

/* Key paths are for messages only: one too long for the buffer ends in "...". */
void key_path_mark_cut(char *buf, size_t len, int written)
{
	if ((written < 0 || (size_t)written >= len) && len >= 4)
		memcpy(buf + len - 4, "...", 4);
}

void key_path_join(char *buf, size_t len, const char *parent, const char *name)
{
	key_path_mark_cut(buf, len, snprintf(buf, len, "%s%s%s", parent, *parent ? "." : "", name));
}

/* "a, b, c": the names of the fields, or of those in one group (group 0 = all). */
static void list_fields(const mapping_spec *spec, int group, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < spec->field_count; i++) {
		if (group != 0 && spec->fields[i].one_of_group != group)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
		                 spec->fields[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/*
 * Checks a mapping against its spec, then parses its values. Order of checks: each key in
 * file order (scalar, known, not a duplicate); required keys; one-of groups; then values in
 * TABLE order, so a parser may rely on fields listed before it (events on start, duration).
 */
bool walk_mapping(walker *w, const char *key, yaml_node_t *node, const mapping_spec *spec,
                  void *ctx)
{
	yaml_node_t *key_of[FIELDS_MAX] = {0}, *value_of[FIELDS_MAX] = {0};
	char names[512];

	assert(spec->field_count <= FIELDS_MAX);
	if (node->type != YAML_MAPPING_NODE)
		return walk_fail_expected(w, key, node, spec->what);

	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = walk_node(w, pair->key);
		yaml_node_t *v = walk_node(w, pair->value);
		if (!node_is_scalar(k))
			return walk_fail_expected(w, key, k, "a key name");
		const char *name = node_text(k);
		size_t i = 0;
		while (i < spec->field_count && (strcmp(spec->fields[i].name, name) != 0 ||
		                                 strlen(name) != k->data.scalar.length))
			i++; /* the length check: "patient\0x" is not 'patient' */
		if (i == spec->field_count) {
			suggestion sug = suggest_begin(name);
			for (size_t j = 0; j < spec->field_count; j++)
				suggest_consider(&sug, spec->fields[j].name);
			list_fields(spec, 0, names, sizeof names);
			return walk_fail(
			    w, k->start_mark, key, "unknown key '%s' (expected one of: %s)%s",
			    walk_show_bare(k).text, names, suggest_hint_for(&sug).text);
		}
		if (key_of[i] != NULL)
			return walk_fail(w, k->start_mark, key,
			                 "duplicate key '%s' (first given at line %zu, column %zu)",
			                 walk_show_bare(k).text,
			                 (size_t)key_of[i]->start_mark.line + 1,
			                 (size_t)key_of[i]->start_mark.column + 1);
		key_of[i] = k;
		value_of[i] = v;
	}

	for (size_t i = 0; i < spec->field_count; i++)
		if (spec->fields[i].required && key_of[i] == NULL)
			return walk_fail(w, node->start_mark, key, "missing required key '%s'",
			                 spec->fields[i].name);

	for (size_t i = 0; i < spec->field_count; i++) {
		int group = spec->fields[i].one_of_group;
		if (group == 0)
			continue;
		const yaml_node_t *first = NULL;
		size_t first_index = 0;
		for (size_t j = 0; j < spec->field_count; j++) {
			if (spec->fields[j].one_of_group != group || key_of[j] == NULL)
				continue;
			/* The later-written key of a pair is the one to point at. */
			if (first == NULL) {
				first = key_of[j];
				first_index = j;
				continue;
			}
			const yaml_node_t *a = first, *b = key_of[j];
			const char *a_name = spec->fields[first_index].name;
			const char *b_name = spec->fields[j].name;
			if (b->start_mark.index < a->start_mark.index) {
				const yaml_node_t *t = a;
				a = b;
				b = t;
				const char *tn = a_name;
				a_name = b_name;
				b_name = tn;
			}
			list_fields(spec, group, names, sizeof names);
			return walk_fail(
			    w, b->start_mark, key,
			    "'%s' cannot be combined with '%s' (give exactly one of: %s)", b_name,
			    a_name, names);
		}
		if (first == NULL) {
			list_fields(spec, group, names, sizeof names);
			return walk_fail(w, node->start_mark, key, "missing one of: %s", names);
		}
	}

	for (size_t i = 0; i < spec->field_count; i++) {
		if (key_of[i] == NULL)
			continue;
		char child[KEY_PATH_MAX];
		key_path_join(child, sizeof child, key, spec->fields[i].name);
		if (!spec->fields[i].parse(w, child, value_of[i], ctx))
			return false;
	}
	return true;
}

bool walk_sequence(walker *w, const char *key, const yaml_node_t *n, const char *what,
                   size_t *out_count)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return walk_fail_expected(w, key, n, what);
	*out_count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return true;
}

yaml_node_t *walk_item(walker *w, const yaml_node_t *n, size_t i)
{
	return walk_node(w, n->data.sequence.items.start[i]);
}

void key_path_item(char *buf, size_t len, const char *parent, size_t index)
{
	key_path_mark_cut(buf, len, snprintf(buf, len, "%s[%zu]", parent, index));
}

/* A compact one-line rendering of a node as written, into a bounded buffer. */
typedef struct text_out {
	char buf[512];
	size_t used;
	bool cut;
} text_out;

static void put_text(text_out *o, const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (o->used + 1 >= sizeof o->buf) {
			o->cut = true;
			return;
		}
		unsigned char c = (unsigned char)t[i];
		o->buf[o->used++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	o->buf[o->used] = '\0';
}

static void put_str(text_out *o, const char *t)
{
	put_text(o, t, strlen(t));
}

static void render_node(walker *w, const yaml_node_t *n, text_out *o, int depth)
{
	if (n == NULL || o->cut || depth > 8) {
		put_str(o, "...");
		return;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (node_is_plain(n)) {
			put_text(o, node_text(n), n->data.scalar.length);
		} else {
			put_str(o, "\"");
			put_text(o, node_text(n), n->data.scalar.length);
			put_str(o, "\"");
		}
		return;
	case YAML_SEQUENCE_NODE:
		put_str(o, "[");
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && !o->cut; it++) {
			if (it != n->data.sequence.items.start)
				put_str(o, ", ");
			render_node(w, walk_node(w, *it), o, depth + 1);
		}
		put_str(o, "]");
		return;
	case YAML_MAPPING_NODE:
		put_str(o, "{");
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top && !o->cut; p++) {
			if (p != n->data.mapping.pairs.start)
				put_str(o, ", ");
			render_node(w, walk_node(w, p->key), o, depth + 1);
			const yaml_node_t *value = walk_node(w, p->value);
			if (node_is_plain(value) && value->data.scalar.length == 0)
				continue; /* {at: "09:00", suspend} */
			put_str(o, ": ");
			render_node(w, value, o, depth + 1);
		}
		put_str(o, "}");
		return;
	case YAML_NO_NODE:
	default:
		return;
	}
}

/* The node as written, one line, at most len - 1 bytes (cut at a character, "..." added). */
void walk_render_one_line(walker *w, const yaml_node_t *n, char *out, size_t len)
{
	text_out o = {.used = 0, .cut = false};
	o.buf[0] = '\0';
	render_node(w, n, &o, 0);
	if (!o.cut && o.used < len) {
		memcpy(out, o.buf, o.used + 1);
		return;
	}
	size_t keep = len - 4;
	while (keep > 0 && ((unsigned char)o.buf[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(out, o.buf, keep);
	memcpy(out + keep, "...", 4);
}
