/*
 * output_check — see output_check.h. access(2) answers for the real user, as the later
 * open will; a database is recognised by its 100-byte header (https://sqlite.org/fileformat.html
 * §1.3: the magic string, the schema cookie at 40, user_version at 60, application_id at 68).
 *
 * Known limit: the header of a database in WAL mode that a killed writer never checkpointed
 * may still look empty; the recorder's own open then decides, still before the first minute.
 */
#include "output_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder.h"

bool output_exists(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0;
}

/* The folder part of `path` ("." when there is none) into dir[cap]. */
static void folder_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(dir, cap, ".");
		return;
	}
	const size_t len = slash == path ? 1 : (size_t)(slash - path);
	snprintf(dir, cap, "%.*s", (int)len, path);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An existing regular file as a run database: empty, or SQLite that is new or ours. */
static bool check_database_header(const output_path *o, char *err, size_t errlen)
{
	int fd = open(o->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s: cannot read: %s", o->option, o->path,
		         strerror(errno));
		return false;
	}
	unsigned char h[100];
	const ssize_t got = read(fd, h, sizeof h);
	close(fd);
	if (got == 0)
		return true; /* an empty file is an empty database to SQLite */
	if (got < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0) {
		snprintf(err, errlen, "%s: %s: not a database (not an SQLite file)", o->option,
		         o->path);
		return false;
	}
	const uint32_t schema_cookie = be32(h + 40), user_version = be32(h + 60),
	               application_id = be32(h + 68);
	if (application_id == RECORDER_APPLICATION_ID) {
		if (user_version > RECORDER_SCHEMA_VERSION) {
			snprintf(
			    err, errlen,
			    "%s: %s: schema version %u is newer than this build's %d (use a newer "
			    "fakepump or another file)",
			    o->option, o->path, user_version, RECORDER_SCHEMA_VERSION);
			return false;
		}
		return true;
	}
	if (application_id == 0 && schema_cookie == 0)
		return true; /* an SQLite file without tables */
	snprintf(err, errlen, "%s: %s: not a fakepump database (an SQLite file with other tables)",
	         o->option, o->path);
	return false;
}

static bool check_one(const output_path *o, char *err, size_t errlen)
{
	if (o->kind == OUTPUT_STREAM && strcmp(o->path, "-") == 0)
		return true;
	if (!*o->path) {
		snprintf(err, errlen, "%s: expected a file name, got an empty one", o->option);
		return false;
	}
	struct stat st;
	if (stat(o->path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: %s: is a folder, not a file", o->option,
			         o->path);
			return false;
		}
		if (access(o->path, W_OK) != 0) {
			snprintf(err, errlen, "%s: %s: cannot write: %s", o->option, o->path,
			         strerror(errno));
			return false;
		}
		if (o->kind != OUTPUT_DATABASE)
			return true;
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: %s: not a regular file", o->option, o->path);
			return false;
		}
		if (!check_database_header(o, err, errlen))
			return false;
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s: %s", o->option, o->path, strerror(errno));
		return false;
	}
	/* A new file needs its folder; a database also needs room for its -wal and -shm. */
	char dir[4096];
	folder_of(o->path, dir, sizeof dir);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s: folder '%s' does not exist", o->option, o->path,
		         dir);
		return false;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%s: %s: cannot create a file in '%s': %s", o->option,
		         o->path, dir, strerror(errno));
		return false;
	}
	return true;
}

bool output_check(const output_path *outputs, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const output_path *o = &outputs[i];
		if (!o->path)
			continue;
		if (!check_one(o, err, errlen))
			return false;
		for (size_t j = 0; j < i; j++)
			if (outputs[j].path && strcmp(outputs[j].path, o->path) == 0 &&
			    strcmp(o->path, "-") != 0) {
				snprintf(err, errlen, "%s and %s name the same file %s",
				         outputs[j].option, o->option, o->path);
				return false;
			}
	}
	return true;
}
