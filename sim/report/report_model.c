/*
 * report_model — see report_model.h: the run's lifetime and its verdict in words.
 */
#include "report_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_run_init(report_run *r)
{
	memset(r, 0, sizeof *r);
	r->strings = g_string_chunk_new(4096);
	r->lowest_bg_mgdl = NAN;
	r->last_min = -1;
}

void report_run_clear(report_run *r)
{
	if (r->strings)
		g_string_chunk_free(r->strings);
	agp_free(r->profile);
	free(r->expectations);
	free(r->files);
	free(r->markers);
	free(r->sensor_faults);
	free(r->audit);
	memset(r, 0, sizeof *r);
}

const char *report_run_str(report_run *r, const char *text)
{
	return text ? g_string_chunk_insert_const(r->strings, text) : NULL;
}

int report_column_of(int64_t t_min, int64_t first_min, int64_t span_min)
{
	if (span_min <= 0)
		return 0;
	int64_t c = (t_min - first_min) * REPORT_COLUMNS / span_min;
	return c < 0 ? 0 : c >= REPORT_COLUMNS ? REPORT_COLUMNS - 1 : (int)c;
}

static bool is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

const char *report_verdict(const report_run *r)
{
	const bool meant_to_fail = r->expect_failure && r->expect_failure[0];
	if (is(r->status, "passed"))
		return meant_to_fail ? "failed as meant to" : "passed";
	if (is(r->status, "failed"))
		return meant_to_fail ? "passed but meant to fail" : "failed";
	if (is(r->status, "done"))
		return "done (no checks)";
	return r->status ? r->status : "unknown";
}

bool report_verdict_ok(const report_run *r)
{
	return is(r->status, "passed") || is(r->status, "done");
}

void report_run_footer(const report_run *r, const char *db_path, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "run %lld of %s · recorded %s by fakepump %s%s%s\n%s",
	                 (long long)r->id, db_path, r->started_at ? r->started_at : "?",
	                 r->build     ? r->build
	                 : r->version ? r->version
	                              : "?",
	                 r->host ? " on " : "", r->host ? r->host : "",
	                 r->path ? r->path : "built-in scenario");
	if (n < 0 || (size_t)n >= cap)
		return;
	size_t used = (size_t)n;
	used += (size_t)snprintf(buf + used, cap - used, " (SHA-256 %.12s…) · %s · seed %u",
	                         r->scenario_sha256 ? r->scenario_sha256 : "?",
	                         r->patient ? r->patient : "?", r->seed);
	if (used >= cap)
		return;
	if (!r->has_facts) {
		snprintf(buf + used, cap - used, " · settings not recorded");
		return;
	}
	snprintf(buf + used, cap - used,
	         " · %s every %d min\nlimits bolus %.3g U, basal %.3g U/h, daily %.4g U, IOB "
	         "%.3g U · low-glucose suspend %s · %s, E2E %s",
	         r->sensor_model ? r->sensor_model : "?", r->sensor_interval_min, r->max_bolus_u,
	         r->max_basal_u_per_h, r->max_daily_u, r->max_iob_u,
	         r->lgs_text && strncmp(r->lgs_text, "on", 2) == 0 ? "on" : "off",
	         r->security_profile ? r->security_profile : "?", r->e2e ? "on" : "off");
}
