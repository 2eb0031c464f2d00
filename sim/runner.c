/*
 * runner — several scenarios as child processes (see runner.h). Each child plays one
 * scenario with run_one and writes its report to a pipe; the parent reads all pipes with
 * poll() (a full pipe must never block a child) and reaps children as they end.
 *
 * Must never: let one scenario's crash take others with it (a child that dies without a
 * report is an error for that scenario only), or lose a report.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output_check.h"
#include "report.h"
#include "runner.h"
#include "run_facts.h"
#include "stop_request.h"

typedef struct path_list {
	char **items;
	size_t n, cap;
} path_list;

static bool push(path_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **grown = realloc(l->items, cap * sizeof *grown);
		if (!grown)
			return false;
		l->items = grown;
		l->cap = cap;
	}
	l->items[l->n] = strdup(path);
	return l->items[l->n++] != NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool walk(const char *dir, path_list *l, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: cannot read: %s", dir, strerror(errno));
		return false;
	}
	struct dirent *ent;
	bool ok = true;
	while (ok && (ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.' || ent->d_name[0] == '_')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (strcmp(ent->d_name, "fragments") != 0)
				ok = walk(path, l, err, errlen);
		} else if (ends_with(ent->d_name, ".yaml") || ends_with(ent->d_name, ".yml")) {
			ok = push(l, path);
		}
	}
	closedir(d);
	return ok;
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **runner_collect(const char *const *paths, size_t path_count, size_t *n, char *err,
                      size_t errlen)
{
	path_list l = {0};
	for (size_t i = 0; i < path_count; i++) {
		struct stat st;
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			size_t before = l.n;
			if (!walk(paths[i], &l, err, errlen)) {
				runner_free_paths(l.items, l.n);
				return NULL;
			}
			qsort(l.items + before, l.n - before, sizeof *l.items, compare_paths);
			if (l.n == before) {
				snprintf(err, errlen, "%s: no scenario files (*.yaml) in it",
				         paths[i]);
				runner_free_paths(l.items, l.n);
				return NULL;
			}
		} else if (!push(&l, paths[i])) {
			snprintf(err, errlen, "out of memory");
			runner_free_paths(l.items, l.n);
			return NULL;
		}
	}
	*n = l.n;
	return l.items;
}

void runner_free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

typedef struct child {
	pid_t pid;
	int fd;
	size_t index;
	char *buf;
	size_t len, cap;
} child;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool start_child(const runner_options *opt, const char *path, size_t index, child *c)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		/* A group of its own: a terminal's Ctrl-C reaches the runner only, which passes it
		 * on once (a second signal would end the child at once, stop_request.h). */
		setpgid(0, 0);
		close(fds[0]);
		run_options ro = opt->run;
		ro.scenario_path = path;
		ro.print_summary = false;
		ro.progress = false;
		ro.junit_path = NULL; /* the runner's own, checked and written by the parent */
		run_report rep;
		run_one(&ro, &rep);
		char facts_err[600];
		if (!run_facts_record(&ro, &rep, facts_err, sizeof facts_err))
			fprintf(stderr,
			        "fakepump: %s: --db: the run's settings and verdicts were not "
			        "recorded: "
			        "%s\n",
			        path, facts_err);
		FILE *out = fdopen(fds[1], "w");
		if (out) {
			run_report_write(&rep, out);
			fclose(out);
		}
		_exit(0);
	}
	close(fds[1]);
	*c = (child){.pid = pid, .fd = fds[0], .index = index};
	return true;
}

/* Read what is there; true at end of file. */
static bool drain(child *c)
{
	char chunk[4096];
	ssize_t got = read(c->fd, chunk, sizeof chunk);
	if (got < 0)
		return errno != EINTR && errno != EAGAIN;
	if (got == 0)
		return true;
	if (c->len + (size_t)got + 1 > c->cap) {
		size_t cap = (c->cap ? 2 * c->cap : 8192) + (size_t)got;
		char *grown = realloc(c->buf, cap);
		if (!grown)
			return true;
		c->buf = grown;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, chunk, (size_t)got);
	c->len += (size_t)got;
	c->buf[c->len] = '\0';
	return false;
}

static void finish_child(child *c, const char *path, run_report *rep)
{
	int status = 0;
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(c->fd);
	if (!c->buf || !run_report_read(c->buf, rep)) {
		*rep = (run_report){.status = RUN_ERROR};
		snprintf(rep->path, sizeof rep->path, "%s", path);
		if (WIFSIGNALED(status))
			snprintf(rep->message, sizeof rep->message, "crashed (signal %d)",
			         WTERMSIG(status));
		else
			snprintf(rep->message, sizeof rep->message, "ended without a report");
	}
	free(c->buf);
	c->buf = NULL;
}

/* A scenario the runner never started because the run was interrupted. */
static void not_started(run_report *r, const char *path, int sig)
{
	*r = (run_report){.status = RUN_INTERRUPTED, .stop_signal = sig};
	snprintf(r->path, sizeof r->path, "%s", path);
	/* its name is in the file, which was never read: the file's base name stands in */
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(r->name, sizeof r->name, "%.*s", (int)strcspn(base, "."), base);
	snprintf(r->message, sizeof r->message, "not started: the run was interrupted by %s",
	         stop_request_signal_name(sig));
}

int runner_run(const runner_options *opt)
{
	char err[600];
	size_t n = 0;
	/* Outputs first: refused before any scenario starts, nothing created (exit 2). */
	const output_path outputs[] = {{"--junit", opt->junit_path, OUTPUT_FILE},
	                               {"--db", opt->run.db_path, OUTPUT_DATABASE}};
	if (!output_check(outputs, sizeof outputs / sizeof outputs[0], err, sizeof err)) {
		fprintf(stderr, "fakepump run: %s\n", err);
		return 2;
	}
	char **paths = runner_collect(opt->paths, opt->path_count, &n, err, sizeof err);
	if (!paths) {
		fprintf(stderr, "fakepump run: %s\n", err);
		return 2;
	}
	run_report *reports = calloc(n ? n : 1, sizeof *reports);
	child *running = calloc((size_t)opt->jobs, sizeof *running);
	if (!reports || !running) {
		fprintf(stderr, "fakepump run: out of memory\n");
		runner_free_paths(paths, n);
		free(reports);
		free(running);
		return 3;
	}
	const double t0 = now_s();
	const bool tty = isatty(STDOUT_FILENO) && !opt->run.quiet;
	size_t next = 0, done = 0, active = 0;
	int forwarded = 0; /* the signal passed on to the children, once */
	stop_request_install();
	while (done < n) {
		const int sig = stop_request_signal();
		if (sig && !forwarded) {
			/* SIGINT/SIGTERM: the running scenarios stop at their next minute and
			 * report; the others are not started. A second signal ends the runner at
			 * once. */
			forwarded = sig;
			for (int j = 0; j < opt->jobs; j++)
				if (running[j].pid != 0)
					kill(running[j].pid, sig);
			for (; next < n; next++, done++)
				not_started(&reports[next], paths[next], sig);
			if (done >= n)
				break;
		}
		while (active < (size_t)opt->jobs && next < n) {
			child *slot = NULL;
			for (int j = 0; j < opt->jobs && !slot; j++)
				if (running[j].pid == 0)
					slot = &running[j];
			if (!start_child(opt, paths[next], next, slot)) {
				reports[next] = (run_report){.status = RUN_ERROR};
				snprintf(reports[next].path, sizeof reports[next].path, "%s",
				         paths[next]);
				snprintf(reports[next].message, sizeof reports[next].message,
				         "cannot start a process: %s", strerror(errno));
				done++;
			} else {
				active++;
			}
			next++;
		}
		struct pollfd pfd[64];
		int map[64], m = 0;
		for (int j = 0; j < opt->jobs && m < 64; j++)
			if (running[j].pid != 0) {
				pfd[m] = (struct pollfd){.fd = running[j].fd, .events = POLLIN};
				map[m++] = j;
			}
		if (m == 0)
			continue;
		if (poll(pfd, (nfds_t)m, 500) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < m; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			child *c = &running[map[k]];
			if (!drain(c))
				continue;
			finish_child(c, paths[c->index], &reports[c->index]);
			if (tty)
				printf("\r%70s\r", "");
			report_line(&reports[c->index], stdout);
			report_expectations(&reports[c->index], !opt->verbose, stdout);
			c->pid = 0;
			active--;
			done++;
		}
		if (tty) {
			printf("\r  %zu of %zu done, %zu running, %.0f s", done, n, active,
			       now_s() - t0);
			fflush(stdout);
		}
	}
	if (tty)
		printf("\r%70s\r", "");
	const double wall = now_s() - t0;
	report_table(reports, n, stdout);
	printf("wall time %.2f s with -j %d\n", wall, opt->jobs);

	int worst = 0;
	for (size_t i = 0; i < n; i++) {
		int code = run_status_exit_code(reports[i].status);
		if (code == 3 || (code == 2 && worst != 3) || (code == 1 && worst == 0))
			worst = code;
	}
	if (forwarded) {
		printf("Stopped by %s: scenarios marked 'interrupted' stopped before their end, "
		       "those marked 'not run' never started\n",
		       stop_request_signal_name(forwarded));
		worst = 128 + forwarded;
	}
	if (opt->junit_path &&
	    !report_write_junit(reports, n, wall, opt->junit_path, err, sizeof err)) {
		fprintf(stderr, "fakepump run: %s\n", err);
		worst = 3;
	}
	for (size_t i = 0; i < n; i++)
		run_report_free(&reports[i]);
	free(reports);
	free(running);
	runner_free_paths(paths, n);
	stop_request_restore();
	return worst;
}
