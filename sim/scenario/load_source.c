/*
 * load_source — see load_source.h.
 */
#include "load_source.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	/* A file bigger than this is not a scenario someone wrote. */
	MAX_FILE_BYTES = 16 * 1024 * 1024,
};

bool load_fail(scenario_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}

/* The place of a byte offset, as libyaml marks it (0-based line and column; columns count
 * characters, as libyaml does). */
static yaml_mark_t mark_of_offset(const char *text, size_t len, size_t offset)
{
	yaml_mark_t m = {.index = offset, .line = 0, .column = 0};
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

/* libyaml's own problem, at its mark: the file is not YAML at all. */
static bool fail_yaml(const yaml_parser_t *p, const char *path, const char *text, size_t len,
                      scenario_error *err)
{
	walker w = {.doc = NULL, .path = path, .err = err};
	const char *problem = p->problem ? p->problem : "unknown problem";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return load_fail(err, "%s: out of memory while reading YAML", path);
	case YAML_READER_ERROR: {
		const yaml_mark_t at = mark_of_offset(text, len, p->problem_offset);
		if (p->problem_value != -1)
			return walk_fail(&w, at, "", "not readable as YAML text: %s (byte 0x%02X)",
			                 problem, (unsigned)p->problem_value);
		return walk_fail(&w, at, "", "not readable as YAML text: %s", problem);
	}
	default:
		break;
	}
	/* libyaml says "found character that cannot start any token" for an indenting tab. */
	if (p->problem_mark.index < len && text[p->problem_mark.index] == '\t')
		return walk_fail(
		    &w, p->problem_mark, "",
		    "YAML syntax error: a tab character; YAML indents with spaces only "
		    "(libyaml: %s)",
		    problem);
	if (p->context != NULL)
		return walk_fail(&w, p->problem_mark, "",
		                 "YAML syntax error: %s (%s started at line %zu, column %zu)",
		                 problem, p->context, (size_t)p->context_mark.line + 1,
		                 (size_t)p->context_mark.column + 1);
	return walk_fail(&w, p->problem_mark, "", "YAML syntax error: %s", problem);
}

read_status load_read_file(const char *path, char **out, size_t *out_len, int *out_errno)
{
	*out = NULL;
	*out_len = 0;
	*out_errno = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*out_errno = errno;
		return READ_CANNOT_OPEN;
	}
	read_status st = READ_OK;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	if (buf == NULL) {
		st = READ_NO_MEMORY;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE_BYTES) {
				st = READ_TOO_LARGE;
				goto out;
			}
			char *bigger = realloc(buf, cap * 2 + 1);
			if (bigger == NULL) {
				st = READ_NO_MEMORY;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		*out_errno = errno;
		st = READ_CANNOT_READ;
	}
out:
	fclose(f);
	if (st != READ_OK) {
		free(buf);
		return st;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return READ_OK;
}

/* "cannot open: No such file or directory", … : why a file could not be read. */
const char *load_read_failure_text(read_status st, int error, char *buf, size_t len)
{
	switch (st) {
	case READ_CANNOT_OPEN:
		snprintf(buf, len, "cannot open: %s", strerror(error));
		break;
	case READ_CANNOT_READ:
		snprintf(buf, len, "cannot read: %s", strerror(error));
		break;
	case READ_TOO_LARGE:
		snprintf(buf, len, "too large for a scenario (%d MiB or more)",
		         MAX_FILE_BYTES / (1024 * 1024));
		break;
	case READ_NO_MEMORY:
		snprintf(buf, len, "out of memory");
		break;
	case READ_OK:
	default:
		snprintf(buf, len, "read");
		break;
	}
	return buf;
}

bool load_yaml_document(yaml_parser_t *parser, const char *text, size_t len, const char *path,
                        const char *what, const char *empty_message, scenario_error *err,
                        yaml_document_t *doc)
{
	yaml_document_t extra;
	if (!yaml_parser_load(parser, doc))
		return fail_yaml(parser, path, text, len, err);
	if (yaml_document_get_root_node(doc) == NULL) {
		yaml_document_delete(doc);
		walker w = {.doc = NULL, .path = path, .err = err};
		return walk_fail(&w, (yaml_mark_t){.index = 0, .line = 0, .column = 0}, "", "%s",
		                 empty_message);
	}
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(parser, &extra)) {
		yaml_document_delete(doc);
		return fail_yaml(parser, path, text, len, err);
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	yaml_mark_t extra_mark = extra.start_mark;
	yaml_document_delete(&extra);
	if (extra_root != NULL) {
		walker w = {.doc = NULL, .path = path, .err = err};
		yaml_document_delete(doc);
		return walk_fail(&w, extra_mark, "", "a %s holds one YAML document; found a second",
		                 what);
	}
	return true;
}
