/*
 * support — see support.h. POSIX only (posix_spawn, mkdtemp, nftw).
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

extern char **environ;

const char *fakepump_path(void)
{
	const char *p = getenv("FAKEPUMP");
	return p && *p ? p : "build/fakepump";
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int ok = fwrite(text, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof tmpl, "%s/fakepump-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void remove_tree(const char *dir)
{
	if (dir)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

run_result run_fakepump(const char *const *args)
{
	run_result r = {.exit_status = -1};
	char *dir = make_temp_dir();
	if (!dir)
		return r;
	char out_path[600], err_path[600];
	snprintf(out_path, sizeof out_path, "%s/stdout", dir);
	snprintf(err_path, sizeof err_path, "%s/stderr", dir);

	size_t n = 0;
	while (args[n])
		n++;
	char **argv = calloc(n + 2, sizeof *argv);
	argv[0] = (char *)fakepump_path();
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC,
	                                 0600);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path, O_WRONLY | O_CREAT | O_TRUNC,
	                                 0600);
	pid_t pid;
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0) {
		int status = 0;
		while (waitpid(pid, &status, 0) < 0)
			;
		r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	r.out = read_file(out_path, NULL);
	r.err = read_file(err_path, NULL);
	if (!r.out)
		r.out = strdup("");
	if (!r.err)
		r.err = strdup("");
	remove_tree(dir);
	free(dir);
	return r;
}

void run_result_free(run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Split `line` (modified in place) at commas into at most `max` cells. */
static size_t split_commas(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		cells[n++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

int csv_load(const char *path, csv_table *t)
{
	memset(t, 0, sizeof *t);
	t->storage = read_file(path, NULL);
	if (!t->storage)
		return -1;
	size_t lines = 0;
	for (char *p = t->storage; *p; p++)
		if (*p == '\n')
			lines++;
	char *save = NULL;
	char *line = strtok_r(t->storage, "\r\n", &save);
	if (!line)
		return -1;
	size_t cols = 1;
	for (char *p = line; *p; p++)
		cols += *p == ',';
	t->cols = cols;
	t->header = calloc(cols, sizeof *t->header);
	split_commas(line, t->header, cols);
	t->cells = calloc(lines + 1, sizeof *t->cells);
	while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
		char **row = calloc(cols, sizeof *row);
		size_t got = split_commas(line, row, cols);
		for (size_t i = got; i < cols; i++)
			row[i] = "";
		t->cells[t->rows++] = row;
	}
	return 0;
}

int csv_column(const csv_table *t, const char *name)
{
	for (size_t i = 0; i < t->cols; i++)
		if (strcmp(t->header[i], name) == 0)
			return (int)i;
	return -1;
}

double csv_number(const csv_table *t, size_t row, int col)
{
	if (row >= t->rows || col < 0 || (size_t)col >= t->cols || !*t->cells[row][col])
		return NAN;
	return strtod(t->cells[row][col], NULL);
}

void csv_free(csv_table *t)
{
	for (size_t i = 0; i < t->rows; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->header);
	free(t->storage);
	memset(t, 0, sizeof *t);
}
