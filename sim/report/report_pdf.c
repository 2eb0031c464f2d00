/*
 * report_pdf — see report_pdf.h. fork + exec in a process group of its own (Chromium
 * starts helpers), killed as a group on timeout; its output goes to a log in the temp dir.
 */
#define _DEFAULT_SOURCE /* realpath, mkdtemp */
#include "report_pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

bool report_pdf_browser(char *path, size_t cap)
{
	const char *env = getenv("FAKEPUMP_CHROMIUM");
	if (env && *env) {
		snprintf(path, cap, "%s", env);
		return access(env, X_OK) == 0;
	}
	static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		gchar *found = g_find_program_in_path(names[i]);
		if (found) {
			snprintf(path, cap, "%s", found);
			g_free(found);
			return true;
		}
	}
	return false;
}

/* The last lines of the browser's log (at most cap bytes), for a message. */
static void log_tail(const char *log, char *out, size_t cap)
{
	gchar *text = NULL;
	gsize len = 0;
	out[0] = '\0';
	if (!g_file_get_contents(log, &text, &len, NULL))
		return;
	const size_t keep = cap > 1 ? cap - 1 : 0;
	const char *from = len > keep ? text + len - keep : text;
	snprintf(out, cap, "%s", from);
	g_free(text);
}

static bool is_pdf(const char *path)
{
	char head[5] = "";
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	const size_t n = fread(head, 1, 4, f);
	fclose(f);
	return n == 4 && memcmp(head, "%PDF", 4) == 0;
}

bool report_pdf_print(const char *browser, const char *html_path, const char *pdf_path,
                      int timeout_s, char *err, size_t errlen)
{
	char tmpl[] = "/tmp/fakepump-pdf-XXXXXX";
	if (!mkdtemp(tmpl)) {
		snprintf(err, errlen, "cannot make a temporary folder: %s", strerror(errno));
		return false;
	}
	char html_abs[PATH_MAX], pdf_abs[PATH_MAX + 32], url[PATH_MAX + 16], profile[64], log[64],
	    out_arg[PATH_MAX + 48];
	if (!realpath(html_path, html_abs)) {
		snprintf(err, errlen, "%s: %s", html_path, strerror(errno));
		return false;
	}
	if (pdf_path[0] == '/') {
		snprintf(pdf_abs, sizeof pdf_abs, "%s", pdf_path);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			cwd[0] = '\0';
		snprintf(pdf_abs, sizeof pdf_abs, "%s/%s", cwd, pdf_path);
	}
	snprintf(url, sizeof url, "file://%s", html_abs);
	snprintf(profile, sizeof profile, "--user-data-dir=%s/profile", tmpl);
	snprintf(log, sizeof log, "%s/browser.log", tmpl);
	snprintf(out_arg, sizeof out_arg, "--print-to-pdf=%s", pdf_abs);
	remove(pdf_abs);
	const pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start %s: %s", browser, strerror(errno));
		return false;
	}
	if (pid == 0) {
		setpgid(0, 0);
		const int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		setenv("HOME", tmpl, 1);
		/* root needs --no-sandbox (Chromium refuses to run as root with its sandbox) */
		const char *sandbox = geteuid() == 0 ? "--no-sandbox" : "--disable-gpu";
		execl(browser, browser, "--headless=new", sandbox, "--disable-gpu",
		      "--no-first-run", "--disable-background-networking",
		      "--disable-component-update", "--disable-sync",
		      "--host-resolver-rules=MAP * ~NOTFOUND", profile, "--no-pdf-header-footer",
		      out_arg, url, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	bool done = false;
	for (int waited_ms = 0; waited_ms < timeout_s * 1000; waited_ms += 50) {
		const pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			done = true;
			break;
		}
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	if (!done) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	char tail[400];
	log_tail(log, tail, sizeof tail);
	gchar *argv_rm[] = {"rm", "-rf", tmpl, NULL};
	g_spawn_sync(NULL, argv_rm, NULL,
	             G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
	             NULL, NULL, NULL, NULL, NULL, NULL);
	if (!done) {
		snprintf(err, errlen, "%s did not finish within %d s", browser, timeout_s);
		return false;
	}
	/* Chromium's exit status says little (pitfall: 0 with nothing written): the file does */
	if (!is_pdf(pdf_abs)) {
		snprintf(err, errlen, "%s wrote no PDF (exit status %d); its last words: %s",
		         browser, WIFEXITED(status) ? WEXITSTATUS(status) : -1, tail);
		return false;
	}
	return true;
}
