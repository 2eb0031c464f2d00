/*
 * report — text and JUnit output of runs (see report.h). JUnit follows the de-facto schema
 * of Ant/Surefire (testsuites > testsuite > testcase with failure/error/system-out), which
 * CI servers and the common parsers accept.
 */
#include <errno.h>
#include <string.h>

#include "report.h"

static const char *verdict(run_status s)
{
	switch (s) {
	case RUN_PASSED:
		return "PASS ";
	case RUN_EXPECTED_FAILURE:
		return "XFAIL";
	case RUN_FAILED:
		return "FAIL ";
	case RUN_UNEXPECTED_PASS:
		return "XPASS";
	case RUN_BAD_INPUT:
		return "BAD  ";
	case RUN_ERROR:
		return "ERROR";
	case RUN_INTERRUPTED:
		return "INTR ";
	case RUN_STATUS_COUNT:
		break;
	}
	return "?    ";
}

/* A run that passed without checking anything: the table and JUnit say so. */
static bool no_checks(const run_report *r)
{
	return r->checks == 0 && (r->status == RUN_PASSED || r->status == RUN_EXPECTED_FAILURE);
}

/* The table's status column. */
static const char *table_status(const run_report *r)
{
	if (no_checks(r))
		return "no checks";
	if (r->status == RUN_INTERRUPTED && !r->has_figures)
		return "not run";
	return run_status_name(r->status);
}

void report_line(const run_report *r, FILE *out)
{
	fprintf(out, "%s %s", verdict(r->status), r->name[0] ? r->name : r->path);
	if (r->has_figures)
		fprintf(
		    out, " (%s, %.1f d): mean %.0f mg/dL, TIR %.0f%%, <70 %.1f%%, insulin %.1f U",
		    r->patient, r->figures.days, r->figures.glucose.mean_mgdl,
		    r->figures.glucose.tir_pct, r->figures.glucose.tbr70_pct, r->figures.insulin_u);
	if (r->has_figures && r->alarms[0] && strcmp(r->alarms, "none") != 0)
		fprintf(out, ", alarms %s", r->alarms);
	if (r->expectation_count) {
		size_t failed = 0;
		for (size_t i = 0; i < r->expectation_count; i++)
			failed += !r->expectations[i].passed;
		fprintf(out, ", %zu/%zu expectations met", r->expectation_count - failed,
		        r->expectation_count);
	}
	if (no_checks(r))
		fputs(", no checks", out);
	fprintf(out, " [%.2f s]\n", r->wall_s);
	if (r->status == RUN_BAD_INPUT || r->status == RUN_ERROR ||
	    r->status == RUN_UNEXPECTED_PASS || r->status == RUN_INTERRUPTED)
		fprintf(out, "      %s\n", r->message);
	if (r->status == RUN_EXPECTED_FAILURE)
		fprintf(out, "      meant to fail: %s\n", r->expect_failure);
}

void report_expectations(const run_report *r, bool failed_only, FILE *out)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->expectation_count; i++) {
			const run_expectation_line *l = &r->expectations[i];
			if (l->passed != (pass == 1) || (failed_only && l->passed))
				continue;
			fprintf(out, "  %s %s: %s — measured %s\n", l->passed ? "met   " : "FAILED",
			        l->where, l->text, l->measured);
		}
}

void report_table(const run_report *reports, size_t n, FILE *out)
{
	fprintf(out,
	        "\n%-28s %-16s %6s %5s %5s %5s %6s %5s %5s %6s %5s %5s %5s %8s %7s %7s %6s %4s\n",
	        "scenario", "status", "mean", "SD", "CV%", "GMI%", "TIR%", "<70%", "<54%", ">180%",
	        ">250%", "LBGI", "HBGI", "insulin", "basal", "bolus", "carbs", "ann");
	size_t counts[RUN_STATUS_COUNT] = {0}, unchecked = 0, not_run = 0;
	for (size_t i = 0; i < n; i++) {
		const run_report *r = &reports[i];
		counts[r->status < RUN_STATUS_COUNT ? r->status : RUN_ERROR]++;
		unchecked += no_checks(r);
		not_run += r->status == RUN_INTERRUPTED && !r->has_figures;
		fprintf(out, "%-28.28s %-16s", r->name[0] ? r->name : r->path, table_status(r));
		if (r->has_figures) {
			const summary_figures *f = &r->figures;
			const glucose_metrics *g = &f->glucose;
			fprintf(out,
			        " %6.1f %5.1f %5.1f %5.2f %6.1f %5.1f %5.1f %6.1f %5.1f %5.2f "
			        "%5.2f %8.2f %7.2f "
			        "%7.2f %6.0f %4lld",
			        g->mean_mgdl, g->sd_mgdl, g->cv_pct, g->gmi_pct, g->tir_pct,
			        g->tbr70_pct, g->tbr54_pct, g->tar180_pct, g->tar250_pct, g->lbgi,
			        g->hbgi, f->insulin_u, f->basal_u, f->bolus_u, f->carbs_g,
			        (long long)f->annunciations);
		}
		fputc('\n', out);
	}
	fprintf(out,
	        "\n%zu scenario%s: %zu passed, %zu failed as expected, %zu failed, %zu passed "
	        "unexpectedly, %zu bad input, %zu errors",
	        n, n == 1 ? "" : "s", counts[RUN_PASSED], counts[RUN_EXPECTED_FAILURE],
	        counts[RUN_FAILED], counts[RUN_UNEXPECTED_PASS], counts[RUN_BAD_INPUT],
	        counts[RUN_ERROR]);
	if (counts[RUN_INTERRUPTED] > not_run)
		fprintf(out, ", %zu interrupted", counts[RUN_INTERRUPTED] - not_run);
	if (not_run)
		fprintf(out, ", %zu not run", not_run);
	if (unchecked)
		fprintf(out, " (%zu passed with no checks: no expect: list)", unchecked);
	fputc('\n', out);
}

static void xml_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\n':
			fputs("&#10;", out);
			break;
		default:
			/* XML 1.0 has no place for other control characters */
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, out);
		}
	}
}

bool report_write_junit(const run_report *reports, size_t n, double wall_s, const char *path,
                        char *err, size_t errlen)
{
	FILE *out = fopen(path, "w");
	if (!out) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	size_t failures = 0, errors = 0, skipped = 0;
	for (size_t i = 0; i < n; i++) {
		const run_report *r = &reports[i];
		const bool not_run = r->status == RUN_INTERRUPTED && !r->has_figures;
		failures += r->status == RUN_FAILED || r->status == RUN_UNEXPECTED_PASS;
		errors += r->status == RUN_BAD_INPUT || r->status == RUN_ERROR ||
		          (r->status == RUN_INTERRUPTED && !not_run);
		skipped += not_run;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
	        "<testsuites name=\"fakepump\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	        "time=\"%.3f\">\n",
	        n, failures, errors, wall_s);
	fprintf(out,
	        "  <testsuite name=\"fakepump scenarios\" tests=\"%zu\" failures=\"%zu\" "
	        "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
	        n, failures, errors, skipped, wall_s);
	for (size_t i = 0; i < n; i++) {
		const run_report *r = &reports[i];
		fprintf(out, "    <testcase classname=\"fakepump.scenarios\" name=\"");
		xml_text(out, r->name[0] ? r->name : r->path);
		fprintf(out, "\" file=\"");
		xml_text(out, r->path);
		fprintf(out, "\" time=\"%.3f\">\n", r->wall_s);
		if (r->status == RUN_FAILED || r->status == RUN_UNEXPECTED_PASS) {
			fprintf(out, "      <failure type=\"%s\" message=\"",
			        r->status == RUN_FAILED ? "expectation" : "unexpected-pass");
			xml_text(out, r->message);
			fprintf(out, "\">");
			for (size_t k = 0; k < r->expectation_count; k++) {
				const run_expectation_line *l = &r->expectations[k];
				if (l->passed)
					continue;
				xml_text(out, l->where);
				fputs(": expected ", out);
				xml_text(out, l->text);
				fputs(", measured ", out);
				xml_text(out, l->measured);
				fputs("&#10;", out);
			}
			fprintf(out, "</failure>\n");
		} else if (r->status == RUN_INTERRUPTED && !r->has_figures) {
			/* never started: the run was interrupted before its turn */
			fprintf(out, "      <skipped message=\"");
			xml_text(out, r->message);
			fprintf(out, "\"/>\n");
		} else if (r->status == RUN_BAD_INPUT || r->status == RUN_ERROR ||
		           r->status == RUN_INTERRUPTED) {
			fprintf(out, "      <error type=\"%s\" message=\"",
			        run_status_name(r->status));
			xml_text(out, r->message);
			fprintf(out, "\"/>\n");
		}
		fprintf(out, "      <system-out>");
		if (r->has_figures) {
			const summary_figures *f = &r->figures;
			const glucose_metrics *g = &f->glucose;
			fprintf(
			    out,
			    "patient %s, %.2f d: mean %.1f mg/dL, SD %.1f, CV %.1f%%, GMI %.2f%%, "
			    "TIR %.1f%%, below 70 %.1f%%, below 54 %.1f%%, above 180 %.1f%%, above "
			    "250 "
			    "%.1f%%, LBGI %.2f, HBGI %.2f, insulin %.2f U (basal %.2f, bolus "
			    "%.2f), "
			    "carbs %.0f g, alarms ",
			    r->patient, f->days, g->mean_mgdl, g->sd_mgdl, g->cv_pct, g->gmi_pct,
			    g->tir_pct, g->tbr70_pct, g->tbr54_pct, g->tar180_pct, g->tar250_pct,
			    g->lbgi, g->hbgi, f->insulin_u, f->basal_u, f->bolus_u, f->carbs_g);
			xml_text(out, r->alarms[0] ? r->alarms : "none");
			fputs("&#10;", out);
		}
		if (no_checks(r))
			fputs("no checks: the scenario has no expectations (expect:); it passes "
			      "unless "
			      "it fails to run&#10;",
			      out);
		if (r->status == RUN_EXPECTED_FAILURE) {
			fputs("meant to fail: ", out);
			xml_text(out, r->expect_failure);
			fputs("&#10;", out);
		}
		for (size_t k = 0; k < r->expectation_count; k++) {
			const run_expectation_line *l = &r->expectations[k];
			fputs(l->passed ? "met: " : "FAILED: ", out);
			xml_text(out, l->text);
			fputs(" — measured ", out);
			xml_text(out, l->measured);
			fputs("&#10;", out);
		}
		fprintf(out, "</system-out>\n    </testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
	if (fclose(out) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}
