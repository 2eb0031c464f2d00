/*
 * run_report — what a run's report says and how it travels: status names and exit codes,
 * and the report as "key\tvalue" lines across the pipe from a runner's child process
 * (tabs, newlines and backslashes escaped), read back into the same report.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static const char *const status_names[] = {
    [RUN_PASSED] = "passed",
    [RUN_FAILED] = "failed",
    [RUN_EXPECTED_FAILURE] = "expected-failure",
    [RUN_UNEXPECTED_PASS] = "unexpected-pass",
    [RUN_BAD_INPUT] = "bad-input",
    [RUN_ERROR] = "error",
    [RUN_INTERRUPTED] = "interrupted",
};

const char *run_status_name(run_status s)
{
	return (unsigned)s < RUN_STATUS_COUNT ? status_names[s] : "unknown";
}

int run_status_exit_code(run_status s)
{
	switch (s) {
	case RUN_PASSED:
	case RUN_EXPECTED_FAILURE:
		return 0;
	case RUN_FAILED:
	case RUN_UNEXPECTED_PASS:
		return 1;
	case RUN_BAD_INPUT:
		return 2;
	case RUN_ERROR:
		return 3;
	case RUN_INTERRUPTED:
		return 128 + SIGINT;
	case RUN_STATUS_COUNT:
		break;
	}
	return 3;
}

int run_report_exit_code(const run_report *r)
{
	if (r->status == RUN_INTERRUPTED && r->stop_signal > 0)
		return 128 + r->stop_signal;
	return run_status_exit_code(r->status);
}

void run_copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void run_report_free(run_report *r)
{
	free(r->expectations);
	r->expectations = NULL;
	r->expectation_count = 0;
}

/* ---- the report across a pipe: "key\tvalue" lines, tabs and newlines escaped -------- */

static void put(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s\t", key);
	for (const char *p = value; p && *p; p++) {
		if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p == '\\')
			fputs("\\\\", out);
		else
			fputc(*p, out);
	}
	fputc('\n', out);
}

static void put_number(FILE *out, const char *key, double v)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.17g", v);
	put(out, key, buf);
}

void run_report_write(const run_report *r, FILE *out)
{
	put(out, "name", r->name);
	put(out, "path", r->path);
	put(out, "patient", r->patient);
	put(out, "status", run_status_name(r->status));
	put(out, "message", r->message);
	put(out, "expect_failure", r->expect_failure);
	put_number(out, "wall_s", r->wall_s);
	put_number(out, "run_id", (double)r->run_id);
	put_number(out, "checks", (double)r->checks);
	put_number(out, "stop_signal", r->stop_signal);
	put(out, "stopped_at", r->stopped_at);
	put(out, "alarms", r->alarms);
	if (r->has_figures) {
		const summary_figures *f = &r->figures;
		const glucose_metrics *g = &f->glucose;
		const double v[] = {f->days,
		                    g->mean_mgdl,
		                    g->sd_mgdl,
		                    g->cv_pct,
		                    g->gmi_pct,
		                    g->min_mgdl,
		                    g->max_mgdl,
		                    g->tir_pct,
		                    g->tbr70_pct,
		                    g->tbr54_pct,
		                    g->tar180_pct,
		                    g->tar250_pct,
		                    g->lbgi,
		                    g->hbgi,
		                    f->insulin_u,
		                    f->basal_u,
		                    f->bolus_u,
		                    f->carbs_g,
		                    (double)f->annunciations,
		                    (double)f->commands,
		                    (double)f->refused};
		char buf[1024];
		size_t used = 0;
		for (size_t i = 0; i < sizeof v / sizeof v[0] && used < sizeof buf; i++)
			used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%.17g",
			                         i ? " " : "", v[i]);
		put(out, "figures", buf);
	}
	for (size_t i = 0; i < r->expectation_count; i++) {
		const run_expectation_line *l = &r->expectations[i];
		put(out, "expectation", l->passed ? "passed" : "failed");
		put(out, "text", l->text);
		put(out, "where", l->where);
		put(out, "measured", l->measured);
	}
	fflush(out);
}

static void unescape_into(char *dst, size_t cap, const char *src, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len && w + 1 < cap; i++) {
		if (src[i] == '\\' && i + 1 < len) {
			char c = src[++i];
			dst[w++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		} else {
			dst[w++] = src[i];
		}
	}
	dst[w] = '\0';
}

bool run_report_read(const char *text, run_report *r)
{
	*r = (run_report){.status = RUN_ERROR};
	size_t cap = 0;
	bool any = false;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *tab = memchr(line, '\t', len);
		if (tab) {
			const size_t klen = (size_t)(tab - line);
			const char *v = tab + 1;
			const size_t vlen = len - klen - 1;
			char value[1100];
			unescape_into(value, sizeof value, v, vlen);
			any = true;
#define KEY(k) (klen == strlen(k) && strncmp(line, k, klen) == 0)
			if (KEY("name"))
				run_copy_text(r->name, sizeof r->name, value);
			else if (KEY("path"))
				run_copy_text(r->path, sizeof r->path, value);
			else if (KEY("patient"))
				run_copy_text(r->patient, sizeof r->patient, value);
			else if (KEY("message"))
				run_copy_text(r->message, sizeof r->message, value);
			else if (KEY("expect_failure"))
				run_copy_text(r->expect_failure, sizeof r->expect_failure, value);
			else if (KEY("wall_s"))
				r->wall_s = strtod(value, NULL);
			else if (KEY("run_id"))
				r->run_id = (int64_t)strtod(value, NULL);
			else if (KEY("checks"))
				r->checks = (size_t)strtod(value, NULL);
			else if (KEY("stop_signal"))
				r->stop_signal = (int)strtod(value, NULL);
			else if (KEY("stopped_at"))
				run_copy_text(r->stopped_at, sizeof r->stopped_at, value);
			else if (KEY("alarms"))
				run_copy_text(r->alarms, sizeof r->alarms, value);
			else if (KEY("status")) {
				for (int s = RUN_PASSED; s < RUN_STATUS_COUNT; s++)
					if (strcmp(value, status_names[s]) == 0)
						r->status = (run_status)s;
			} else if (KEY("figures")) {
				summary_figures *f = &r->figures;
				double n[21] = {0};
				char *p = value;
				for (int i = 0; i < 21; i++)
					n[i] = strtod(p, &p);
				*f = (summary_figures){.days = n[0],
				                       .glucose = {.mean_mgdl = n[1],
				                                   .sd_mgdl = n[2],
				                                   .cv_pct = n[3],
				                                   .gmi_pct = n[4],
				                                   .min_mgdl = n[5],
				                                   .max_mgdl = n[6],
				                                   .tir_pct = n[7],
				                                   .tbr70_pct = n[8],
				                                   .tbr54_pct = n[9],
				                                   .tar180_pct = n[10],
				                                   .tar250_pct = n[11],
				                                   .lbgi = n[12],
				                                   .hbgi = n[13]},
				                       .insulin_u = n[14],
				                       .basal_u = n[15],
				                       .bolus_u = n[16],
				                       .carbs_g = n[17],
				                       .annunciations = (int64_t)n[18],
				                       .commands = (int64_t)n[19],
				                       .refused = (int64_t)n[20]};
				r->has_figures = true;
			} else if (KEY("expectation")) {
				if (r->expectation_count == cap) {
					cap = cap ? 2 * cap : 8;
					run_expectation_line *grown =
					    realloc(r->expectations, cap * sizeof *grown);
					if (!grown)
						return false;
					r->expectations = grown;
				}
				run_expectation_line *l = &r->expectations[r->expectation_count++];
				*l = (run_expectation_line){.passed = strcmp(value, "passed") == 0};
			} else if (r->expectation_count > 0) {
				run_expectation_line *l =
				    &r->expectations[r->expectation_count - 1];
				if (KEY("text"))
					run_copy_text(l->text, sizeof l->text, value);
				else if (KEY("where"))
					run_copy_text(l->where, sizeof l->where, value);
				else if (KEY("measured"))
					run_copy_text(l->measured, sizeof l->measured, value);
			}
#undef KEY
		}
		line = end ? end + 1 : NULL;
	}
	return any;
}
