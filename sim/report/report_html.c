/*
 * report_html — see report_html.h. Sections in the order a reader needs them: where it
 * came from, what passed, what the attacks did, then each run in detail.
 */
#include "report_html.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "report_svg.h"
#include "report_threats.h"
#include "report_trial_html.h"

#define E(text) report_esc(f, (text))

static const char CSS[] =
    "@page{size:%s;margin:13mm 11mm}\n"
    "body{font-family:'DejaVu Sans',sans-serif;font-size:10pt;color:#111;max-width:190mm;"
    "margin:0 auto;padding:0 4mm;line-height:1.35}\n"
    "h1{font-size:20pt;margin:4mm 0 2mm}h2{font-size:14pt;border-bottom:1px solid #999;"
    "margin-top:7mm}h3{font-size:11.5pt;margin:5mm 0 1mm;break-after:avoid}\n"
    ".long{break-inside:avoid}\n"
    "table{border-collapse:collapse;width:100%%;margin:2mm 0;font-size:8.5pt}\n"
    "table.provenance{table-layout:fixed}\n.nb{white-space:nowrap}\n"
    "th,td{border:1px solid #ccc;padding:1.2mm 1.5mm;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0}tr{break-inside:avoid}\n"
    "td.num{text-align:right;white-space:nowrap}\n"
    ".mono,code{font-family:'DejaVu Sans Mono',monospace;font-size:7.5pt;word-break:break-all}\n"
    ".ok{color:#05620f;font-weight:bold}.bad{color:#a40000;font-weight:bold}"
    ".warn{color:#8a5300;font-weight:bold}\n"
    "svg.chart{width:100%%;height:auto;break-inside:avoid;display:block;margin:2mm 0}\n"
    "section.run,section.trial{break-before:page}\n"
    "section.security,section.summary{break-before:page}\n"
    "tr.group td{font-weight:bold;background:#f7f7f7}\n"
    "pre.base{white-space:pre-wrap;border:1px solid #ccc;padding:1.5mm;max-height:none}\n"
    "h4{font-size:10pt;margin:3mm 0 0}\n"
    "table.patients{font-size:7pt}table.patients th,table.patients td{padding:0.6mm 0.7mm}\n"
    "article.threat{break-inside:avoid;border:1px solid #bbb;padding:2mm 3mm;margin:3mm 0}\n"
    ".pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:3mm}\n"
    ".side,td{overflow-wrap:anywhere}\n"
    ".side{border-top:3px solid #0072B2;padding-top:1mm}.side.legacy{border-top-color:#D55E00}\n"
    ".verdict{font-weight:bold;margin:1mm 0}.note{color:#444;font-size:8.5pt}\n"
    "dl.kv{display:grid;grid-template-columns:42mm 1fr;gap:0.5mm 3mm;margin:2mm 0}"
    "dl.kv dt{font-weight:bold}dl.kv dd{margin:0}\n"
    "footer{margin-top:8mm;color:#555;font-size:8pt}\n";

static void num(FILE *f, const char *fmt, double v)
{
	if (isnan(v))
		fputs("–", f);
	else
		fprintf(f, fmt, v);
}

static const char *verdict_class(const report_run *r)
{
	const char *v = report_verdict(r);
	if (report_verdict_ok(r))
		return "ok";
	if (strcmp(v, "interrupted") == 0 || strcmp(v, "running") == 0 ||
	    strcmp(v, "incomplete") == 0)
		return "warn";
	return "bad";
}

static void run_anchor(FILE *f, const report_run *r)
{
	fprintf(f, "<a href=\"#run-%lld\">", (long long)r->id);
	E(r->name);
	fprintf(f, "</a>");
}

const report_run *report_twin(const report_run *runs, size_t n, size_t i)
{
	char a[160], b[160];
	report_threat_stem(runs[i].name, a, sizeof a);
	if (strcmp(a, runs[i].name ? runs[i].name : "") == 0)
		return NULL; /* no profile suffix */
	const bool legacy = report_is_legacy(&runs[i]);
	for (size_t k = 0; k < n; k++)
		if (k != i && strcmp(report_threat_stem(runs[k].name, b, sizeof b), a) == 0 &&
		    report_is_legacy(&runs[k]) != legacy)
			return &runs[k];
	return NULL;
}

/* ---- cover ------------------------------------------------------------------------- */

static void settings_cell(FILE *f, const report_run *r)
{
	if (!r->has_facts) {
		fprintf(f,
		        "<td class=\"note\">settings not recorded (a run recorded before schema 3, "
		        "or its process was killed)</td>");
		return;
	}
	fprintf(f, "<td><b>Security</b> <span class=\"%s\">", report_is_legacy(r) ? "bad" : "ok");
	E(r->security_profile);
	fprintf(f, "</span>, E2E %s · <b>Sensor</b> ", r->e2e ? "on" : "off");
	E(r->sensor_model);
	fprintf(f, ", a reading every %d min", r->sensor_interval_min);
	for (size_t i = 0; i < r->sensor_fault_count; i++) {
		char at[CLOCK_TEXT_MAX];
		clock_format(r->sensor_faults[i].at_min + r->start_min_of_day, at, sizeof at);
		fprintf(f, "; %s at %s for %lld min", r->sensor_faults[i].kind, at,
		        (long long)r->sensor_faults[i].duration_min);
	}
	fprintf(f, "<br><b>Basal</b> ");
	E(r->basal_text);
	fprintf(f, " · <b>Bolus</b> %s", r->bolus_speed > 0 ? "" : "instant");
	if (r->bolus_speed > 0)
		fprintf(f, "%.2g U/min", r->bolus_speed);
	fprintf(f,
	        " · <b>Reservoir</b> %.0f U<br><b>Limits</b> bolus %.3g U, basal %.3g U/h, "
	        "daily %.4g U, IOB %.3g U, bolus interval %lld min · <b>Low-glucose "
	        "protection</b> ",
	        r->reservoir_u, r->max_bolus_u, r->max_basal_u_per_h, r->max_daily_u, r->max_iob_u,
	        (long long)r->min_bolus_interval_min);
	E(r->lgs_text);
	fprintf(f, "</td>");
}

static void distinct(FILE *f, const report_run *runs, size_t n, size_t offset)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		const char *v = *(const char *const *)((const char *)&runs[i] + offset);
		if (!v)
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			const char *w = *(const char *const *)((const char *)&runs[k] + offset);
			seen = w && strcmp(v, w) == 0;
		}
		if (seen)
			continue;
		fprintf(f, "%s", any ? "<br>" : "");
		E(v);
		any = true;
	}
	if (!any)
		fprintf(f, "not recorded");
}

static void runs_table(FILE *f, const report_run *runs, size_t n);

/* "3 runs and 1 trial" */
static void counted(FILE *f, size_t runs, size_t trials)
{
	if (runs || !trials)
		fprintf(f, "%zu run%s", runs, runs == 1 ? "" : "s");
	if (runs && trials)
		fprintf(f, " and ");
	if (trials)
		fprintf(f, "%zu trial%s", trials, trials == 1 ? "" : "s");
}

static void cover(FILE *f, const report_options *opt, const report_run *runs, size_t n,
                  const report_trial *trials, size_t nt)
{
	fprintf(f, "<header class=\"cover\">\n<h1>FakePump HIL — simulation report</h1>\n");
	fprintf(f, "<p>");
	counted(f, n, nt);
	fprintf(f, " from <code>");
	E(opt->db_path);
	fprintf(f,
	        "</code>. Every figure below was computed by the simulator from the "
	        "recorded %s; nothing was entered by hand.</p>\n<dl class=\"kv\">\n",
	        n && nt ? "runs and trials"
	        : nt    ? "trials"
	                : "runs");
	fprintf(f, "<dt>Report generated</dt><dd>");
	E(opt->generated_at);
	fprintf(f, " by fakepump ");
	E(opt->generator);
	fprintf(f, "</dd>\n");
	if (n) {
		fprintf(f, "<dt>Runs recorded by</dt><dd>");
		distinct(f, runs, n, offsetof(report_run, build));
		fprintf(f, "</dd>\n<dt>Machines</dt><dd>");
		distinct(f, runs, n, offsetof(report_run, host));
		fprintf(f, "</dd>\n<dt>Runs started</dt><dd>");
		E(runs[0].started_at), fprintf(f, " … "), E(runs[n - 1].started_at);
		fprintf(f, " (UTC)</dd>\n");
	}
	const char *first = NULL, *last = NULL; /* a merged trial does not say when */
	for (size_t i = 0; i < nt; i++)
		if (trials[i].started_at) {
			first = first ? first : trials[i].started_at;
			last = trials[i].started_at;
		}
	if (first) {
		fprintf(f, "<dt>Trials started</dt><dd>");
		E(first), fprintf(f, " … "), E(last);
		fprintf(f, " (UTC)</dd>\n");
	}
	fprintf(f, "<dt>Models</dt><dd>patient: UVA/Padova S2008 (30 virtual "
	           "patients); sensor: CGM noise after Breton &amp; Kovatchev 2008; pump: "
	           "FakePump's own model, hard limits on the pump</dd>\n</dl>\n");
	if (n)
		runs_table(f, runs, n);
	report_html_trials_cover(f, trials, nt);
	fprintf(f, "</header>\n");
}

/* The cover's table of runs: files, patient, seed, settings as loaded. */
static void runs_table(FILE *f, const report_run *runs, size_t n)
{
	fprintf(f, "<h2>What was run</h2>\n<table class=\"provenance\"><colgroup><col "
	           "style=\"width:21%%\"><col style=\"width:37%%\"><col style=\"width:42%%\">"
	           "</colgroup><tr><th>Run, patient, seed</th><th>Scenario files and their "
	           "SHA-256</th><th>Settings as loaded: security, sensor, pump</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const report_run *r = &runs[i];
		fprintf(f, "<tr><td>%lld ", (long long)r->id);
		run_anchor(f, r);
		fprintf(f, "<br>");
		E(r->patient);
		fprintf(f, ", seed %u</td><td>", r->seed);
		if (r->file_count == 0) {
			E(r->path ? r->path : "(built in)");
			fprintf(f, "<br><span class=\"mono\">");
			E(r->scenario_sha256 ? r->scenario_sha256 : "no text recorded");
			fprintf(f, "</span>");
		}
		for (size_t k = 0; k < r->file_count; k++) {
			fprintf(f, "%s%s", k ? "<br>" : "", k ? "include " : "");
			E(r->files[k].path ? r->files[k].path : "(built in)");
			fprintf(f, "<br><span class=\"mono\">");
			E(r->files[k].sha256);
			fprintf(f, "</span>");
		}
		if (r->scenario_changed)
			fprintf(f,
			        "<br><span class=\"bad\">the file changed while the run ran: these "
			        "settings may not be the run's</span>");
		fprintf(f, "</td>");
		settings_cell(f, r);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
}

/* ---- summary ----------------------------------------------------------------------- */

static void expectation_list(FILE *f, const report_run *r)
{
	if (r->expectation_count == 0) {
		const bool judged = r->status && (strcmp(r->status, "passed") == 0 ||
		                                  strcmp(r->status, "failed") == 0);
		fprintf(f, "<span class=\"note\">%s</span>",
		        strcmp(report_verdict(r), "done (no checks)") == 0 ? "no expectations"
		        : judged ? "verdicts not recorded (schema 2)"
		                 : "not judged: the run did not end");
		return;
	}
	fprintf(f, "<ul class=\"expectations\">");
	for (size_t i = 0; i < r->expectation_count; i++) {
		const report_expectation *e = &r->expectations[i];
		fprintf(f, "<li><span class=\"%s\">%s</span> <code>", e->passed ? "ok" : "bad",
		        e->passed ? "met" : "NOT MET");
		E(e->text);
		fprintf(f, "</code> — measured: ");
		E(e->measured);
		fprintf(f, "</li>");
	}
	fprintf(f, "</ul>");
	if (r->expect_failure) {
		fprintf(f, "<p class=\"note\">Meant to fail: ");
		E(r->expect_failure);
		fprintf(f, "</p>");
	}
}

static void summary(FILE *f, const report_run *runs, size_t n)
{
	size_t ok = 0, failed = 0, interrupted = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		const char *v = report_verdict(&runs[i]);
		if (report_verdict_ok(&runs[i]))
			ok++;
		else if (strcmp(v, "interrupted") == 0)
			interrupted++;
		else if (strcmp(v, "failed") == 0 || strcmp(v, "passed but meant to fail") == 0)
			failed++;
		else
			other++;
	}
	fprintf(f,
	        "<section class=\"summary\">\n<h2>Summary of runs</h2>\n<p><span class=\"ok\">%zu "
	        "passed</span> · <span class=\"bad\">%zu failed</span> · <span class=\"warn\">%zu "
	        "interrupted</span> · %zu other (error, incomplete, running). A run passes when "
	        "every expectation its scenario states is met; one meant to fail passes when "
	        "it fails.</p>\n",
	        ok, failed, interrupted, other);
	fprintf(f, "<table><tr><th>Run</th><th>Verdict</th><th>Days</th><th>Every expectation, "
	           "with what was measured</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const report_run *r = &runs[i];
		fprintf(f, "<tr><td>%lld ", (long long)r->id);
		run_anchor(f, r);
		fprintf(f, "</td><td class=\"%s\">", verdict_class(r));
		E(report_verdict(r));
		if (r->summary.present && r->summary.ended &&
		    strcmp(r->summary.ended, "completed")) {
			char at[CLOCK_TEXT_MAX];
			clock_format(r->summary.ended_at_min + r->start_min_of_day, at, sizeof at);
			fprintf(f, " at %s", at);
		}
		fprintf(f, "</td><td class=\"num\">");
		num(f, "%.2f", r->summary.present ? r->summary.days : NAN);
		fprintf(f, "</td><td>");
		expectation_list(f, r);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n</section>\n");
}

/* ---- the security story ------------------------------------------------------------ */

static void hex(FILE *f, const char *what, int code)
{
	if (code)
		fprintf(f, "%s0x%02X", what, (unsigned)code);
}

/* What a run's first attack (or first refusal) sent and got, in a few lines. */
static void sent_and_answered(FILE *f, const report_run *r)
{
	size_t shown = 0, attacks_left = r->attacks;
	for (size_t i = 0; i < r->audit_count && shown < 3; i++) {
		const report_audit *a = &r->audit[i];
		const bool attack = strcmp(a->type, "ble_attack") == 0;
		const bool refusal = strcmp(a->type, "ble_refused") == 0;
		if (!attack && !(refusal && shown == 0 && r->attacks == 0))
			continue;
		if (attack)
			attacks_left -= a->repeat <= attacks_left ? a->repeat : attacks_left;
		char at[CLOCK_TEXT_MAX];
		clock_format(a->t_min + r->start_min_of_day, at, sizeof at);
		fprintf(f, "<p><b>Sent</b> at %s: ", at);
		if (attack) {
			E(a->result);
			fprintf(f, " attack, %u request%s to ", a->count * a->repeat,
			        a->count * a->repeat == 1 ? "" : "s");
		} else {
			fprintf(f, "a request to ");
		}
		E(a->name);
		fprintf(f, " over a link ");
		E(a->security);
		fprintf(f, ", from ");
		E(a->link);
		if (a->bytes && a->bytes[0]) {
			fprintf(f, "; bytes <code>");
			E(a->bytes);
			fprintf(f, "</code>");
		}
		fprintf(f, ".<br><b>Answered</b>: ");
		E(attack ? (a->answer && a->answer[0] ? a->answer : "—") : a->result);
		hex(f, " (ATT error ", a->att_error);
		if (a->att_error)
			fputc(')', f);
		hex(f, " (IDS response code ", a->response_code);
		if (a->response_code)
			fputc(')', f);
		fprintf(f, ".</p>\n");
		shown++;
	}
	if (shown == 3 && attacks_left > 0)
		fprintf(f,
		        "<p class=\"note\">… and %zu more attack%s like these (the run's audit "
		        "below).</p>\n",
		        attacks_left, attacks_left == 1 ? "" : "s");
	if (shown == 0) {
		/* a phone command on a weaker link or an authority refusal: the first refusal */
		for (size_t i = 0; i < r->audit_count; i++) {
			const report_audit *a = &r->audit[i];
			if (strcmp(a->type, "command") != 0 || !a->result ||
			    strcmp(a->result, "ok") == 0)
				continue;
			fprintf(f, "<p><b>Sent</b>: a phone command ");
			E(a->name);
			fprintf(f, ".<br><b>Answered</b>: the pump refused it: ");
			E(a->result);
			fprintf(f, ".</p>\n");
			break;
		}
	}
}

static void delivered(FILE *f, const report_run *r, const report_run *twin)
{
	fprintf(f, "<p><b>Delivered</b>: ");
	num(f, "%.2f U", r->summary.present ? r->summary.insulin_u : NAN);
	fprintf(f, " of insulin in the run (");
	num(f, "%.2f U", r->phone_bolus_u);
	fprintf(f, " programmed by boluses the phone started)");
	if (twin && twin->summary.present && r->summary.present)
		fprintf(f, "; the %s twin: %.2f U", report_is_legacy(twin) ? "legacy" : "hardened",
		        twin->summary.insulin_u);
	fprintf(f, ".</p>\n");
}

static void side(FILE *f, const report_run *r, const report_run *twin)
{
	char sentence[1400];
	const report_outcome o = report_outcome_of(r, twin, sentence, sizeof sentence);
	fprintf(f, "<div class=\"side%s\"><h4>", report_is_legacy(r) ? " legacy" : "");
	run_anchor(f, r);
	fprintf(f, " (%s)</h4>\n", report_is_legacy(r) ? "legacy-vulnerable" : "hardened");
	sent_and_answered(f, r);
	delivered(f, r, twin);
	fprintf(f, "<p class=\"verdict %s\" data-run=\"",
	        o == REPORT_REFUSED ? "ok"
	        : o == REPORT_HARM  ? "bad"
	                            : "warn");
	E(r->name);
	fprintf(f, "\" data-outcome=\"%s\"><span class=\"nb\">", report_outcome_name(o));
	E(r->name);
	fprintf(f, " — verdict: %s.</span> ", report_outcome_name(o));
	E(sentence);
	fprintf(f, "</p>\n");
	if (r->scenario_comment) {
		fprintf(f, "<p class=\"note\">The scenario: ");
		E(r->scenario_comment);
		fprintf(f, "</p>\n");
	}
	fprintf(f, "</div>\n");
}

static void security(FILE *f, const report_run *runs, size_t n)
{
	size_t shown = 0;
	for (size_t i = 0; i < n; i++)
		shown += report_threat_of(&runs[i]) != NULL;
	if (shown == 0)
		return;
	fprintf(f,
	        "<section class=\"security\">\n<h2>The security story</h2>\n<p>Each hostile-phone "
	        "case below was played by the simulator's virtual phone through the same "
	        "Bluetooth server a real phone reaches: what it sent (bytes, the link's "
	        "security, the source), what the pump answered (ATT error or IDS response "
	        "code), what was delivered and what it did to the patient's true glucose. The "
	        "<b>hardened</b> pump is the product; the <b>legacy-vulnerable</b> profile exists "
	        "only to show, side by side, what the same attack does to a pump without those "
	        "defences. Hypoglycaemia levels after the international consensus (Battelino et "
	        "al., Diabetes Care 2019): level 1 below 70 mg/dL, level 2 below 54 mg/dL.</p>\n");
	for (size_t i = 0; i < n; i++) {
		const report_run *r = &runs[i];
		const report_threat *t = report_threat_of(r);
		const report_run *twin = report_twin(runs, n, i);
		if (!t || (twin && twin < r && report_threat_of(twin)))
			continue; /* shown with its twin */
		char stem[160];
		report_threat_stem(r->name, stem, sizeof stem);
		fprintf(f, "<article class=\"threat\">\n<h3>");
		E(stem);
		fprintf(f, ": ");
		E(t->title);
		fprintf(f,
		        "</h3>\n<p class=\"note\">Catalogue row%s %s · STRIDE: <b>%s</b> · control "
		        "demonstrated: %s</p>\n<div class=\"pair\">\n",
		        strchr(t->rows, ',') ? "s" : "", t->rows, t->stride, t->control);
		const report_run *hardened = report_is_legacy(r) ? twin : r;
		const report_run *legacy = report_is_legacy(r) ? r : twin;
		if (hardened)
			side(f, hardened, legacy);
		else
			fprintf(f, "<div class=\"side\"><p class=\"note\">no hardened run in this "
			           "report</p></div>\n");
		if (legacy)
			side(f, legacy, hardened);
		else
			fprintf(
			    f,
			    "<div class=\"side legacy\"><p class=\"note\">no legacy-vulnerable "
			    "twin: the pump's own rules refuse this on every profile</p></div>\n");
		fprintf(f, "</div>\n</article>\n");
	}
	fprintf(f, "</section>\n");
}

void report_html_begin(FILE *f, const report_options *opt, const report_run *runs, size_t n,
                       const report_trial *trials, size_t nt)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	           "<meta name=\"generator\" content=\"fakepump ");
	E(opt->generator);
	fprintf(f, "\">\n<title>FakePump report: ");
	counted(f, n, nt);
	fprintf(f, "</title>\n<style>\n");
	fprintf(f, CSS, opt->paper && strcmp(opt->paper, "letter") == 0 ? "letter" : "A4");
	fprintf(f, "</style>\n</head>\n<body>\n");
	cover(f, opt, runs, n, trials, nt);
	if (n)
		summary(f, runs, n);
	report_html_trials_summary(f, trials, nt);
	security(f, runs, n);
}

/* ---- one run ----------------------------------------------------------------------- */

static void stats(FILE *f, const report_run *r)
{
	const report_summary *s = &r->summary;
	fprintf(f, "<table class=\"stats\"><tr><th colspan=\"4\">Computed on TRUE (plasma) "
	           "glucose, every simulated minute (what the patient's body had)</th></tr>\n");
	fprintf(f, "<tr><td>mean</td><td class=\"num\">");
	num(f, "%.1f mg/dL", s->present ? s->mean_mgdl : NAN);
	fprintf(f, "</td><td>SD / CV</td><td class=\"num\">");
	num(f, "%.1f mg/dL", s->present ? s->sd_mgdl : NAN);
	fprintf(f, " / ");
	num(f, "%.1f %%", s->present ? s->cv_pct : NAN);
	fprintf(f, "</td></tr>\n<tr><td>time in range 70–180</td><td class=\"num\">");
	num(f, "%.1f %%", s->present ? s->tir_pct : NAN);
	fprintf(f, "</td><td>GMI</td><td class=\"num\">");
	num(f, "%.2f %%", s->present ? s->gmi_pct : NAN);
	fprintf(f, "</td></tr>\n<tr><td>below 70 / below 54</td><td class=\"num\">");
	num(f, "%.1f %%", s->present ? s->below_70_pct : NAN);
	fprintf(f, " / ");
	num(f, "%.1f %%", s->present ? s->below_54_pct : NAN);
	fprintf(f, "</td><td>above 180 / above 250</td><td class=\"num\">");
	num(f, "%.1f %%", s->present ? s->above_180_pct : NAN);
	fprintf(f, " / ");
	num(f, "%.1f %%", s->present ? s->above_250_pct : NAN);
	char at[CLOCK_TEXT_MAX] = "–";
	if (!isnan(r->lowest_bg_mgdl))
		clock_format(r->lowest_bg_min + r->start_min_of_day, at, sizeof at);
	fprintf(f, "</td></tr>\n<tr><td>lowest</td><td class=\"num\">");
	num(f, "%.1f mg/dL", r->lowest_bg_mgdl + 0.0);
	fprintf(f, " at %s</td><td>LBGI / HBGI</td><td class=\"num\">", at);
	num(f, "%.2f", s->present ? s->lbgi : NAN);
	fprintf(f, " / ");
	num(f, "%.2f", s->present ? s->hbgi : NAN);
	fprintf(f,
	        "</td></tr>\n<tr><th colspan=\"4\">Computed on CGM readings (what the pump and "
	        "the phone saw)</th></tr>\n<tr><td>readings</td><td class=\"num\">%lld</td>"
	        "<td>mean / below 70</td><td class=\"num\">",
	        (long long)r->cgm_readings);
	num(f, "%.1f mg/dL", r->cgm_readings ? r->cgm_mean_mgdl : NAN);
	fprintf(f, " / ");
	num(f, "%.1f %%", r->cgm_readings ? r->cgm_below_70_pct : NAN);
	fprintf(f,
	        "</td></tr>\n<tr><th colspan=\"4\">Delivered and eaten</th></tr>\n<tr><td>insulin "
	        "(basal + bolus)</td><td class=\"num\">");
	num(f, "%.2f U", s->present ? s->insulin_u : NAN);
	fprintf(f, " (");
	num(f, "%.2f", s->present ? s->basal_u : NAN);
	fprintf(f, " + ");
	num(f, "%.2f", s->present ? s->bolus_u : NAN);
	fprintf(f, ")</td><td>carbohydrate</td><td class=\"num\">");
	num(f, "%.0f g", s->present ? s->carbs_g : NAN);
	fprintf(f,
	        "</td></tr>\n<tr><td>pump commands / refused</td><td class=\"num\">%lld / %lld</td>"
	        "<td>Bluetooth requests refused</td><td class=\"num\">%lld</td></tr>\n</table>\n",
	        (long long)s->commands, (long long)s->refused, (long long)s->refused_over_ble);
}

static void alarms(FILE *f, const report_run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->marker_count; i++)
		n += r->markers[i].kind == REPORT_MARK_ALARM ||
		     r->markers[i].kind == REPORT_MARK_FAULT;
	if (n == 0 && r->sensor_fault_count == 0) {
		fprintf(f, "<p>No alarm was raised and no fault was injected.</p>\n");
		return;
	}
	fprintf(f,
	        "<h3>Alarms and faults</h3>\n<table class=\"alarms\"><tr><th>When</th><th>What</th>"
	        "<th>Kind</th></tr>\n");
	size_t shown = 0;
	for (size_t i = 0; i < r->marker_count && shown < 200; i++) {
		const report_marker *m = &r->markers[i];
		if (m->kind != REPORT_MARK_ALARM && m->kind != REPORT_MARK_FAULT)
			continue;
		char at[CLOCK_TEXT_MAX];
		clock_format(m->t_min + r->start_min_of_day, at, sizeof at);
		fprintf(f, "<tr><td>%s</td><td>", at);
		E(m->name);
		fprintf(f, "</td><td>%s</td></tr>\n",
		        m->kind == REPORT_MARK_ALARM ? "annunciation raised by the pump"
		                                     : "pump fault injected by the scenario");
		shown++;
	}
	for (size_t i = 0; i < r->sensor_fault_count; i++) {
		char at[CLOCK_TEXT_MAX];
		clock_format(r->sensor_faults[i].at_min + r->start_min_of_day, at, sizeof at);
		fprintf(f, "<tr><td>%s</td><td>", at);
		E(r->sensor_faults[i].kind);
		fprintf(
		    f,
		    " for %lld min</td><td>sensor fault injected by the scenario (shaded on the "
		    "chart)</td></tr>\n",
		    (long long)r->sensor_faults[i].duration_min);
	}
	if (shown < n)
		fprintf(f, "<tr><td colspan=\"3\" class=\"note\">… and %zu more</td></tr>\n",
		        n - shown);
	fprintf(f, "</table>\n");
}

static void audit(FILE *f, const report_run *r)
{
	if (r->audit_count == 0)
		return;
	fprintf(f,
	        "<h3>Audit trail excerpt: what the phone and any attacker sent, and the pump's "
	        "decisions</h3>\n<table class=\"audit\"><tr><th>When</th><th>Event</th><th>On</th>"
	        "<th>Decision / kind</th><th>Link</th><th>Answer</th><th>Requests</th></tr>\n");
	const size_t cap = 40;
	for (size_t i = 0; i < r->audit_count && i < cap; i++) {
		const report_audit *a = &r->audit[i];
		char at[CLOCK_TEXT_MAX], last[CLOCK_TEXT_MAX];
		clock_format(a->t_min + r->start_min_of_day, at, sizeof at);
		clock_format(a->last_t_min + r->start_min_of_day, last, sizeof last);
		fprintf(f, "<tr><td>%s%s%s</td><td>", at,
		        a->repeat > 1 && a->last_t_min != a->t_min ? "–" : "",
		        a->repeat > 1 && a->last_t_min != a->t_min ? last : "");
		E(a->type);
		fprintf(f, "</td><td>");
		E(a->name);
		if (a->bytes && a->bytes[0]) {
			fprintf(f, "<br><code>");
			E(a->bytes);
			fprintf(f, "</code>");
		}
		fprintf(f, "</td><td>");
		E(a->result);
		if (!isnan(a->value))
			fprintf(f, " (%.3g)", a->value);
		fprintf(f, "</td><td>");
		E(a->security ? a->security : strcmp(a->type, "command") == 0 ? "pump" : "");
		fprintf(f, "</td><td>");
		E(a->answer);
		hex(f, " ATT ", a->att_error);
		hex(f, " IDS ", a->response_code);
		fprintf(f, "</td><td class=\"num\">%u%s</td></tr>\n",
		        a->count * (strcmp(a->type, "command") ? 1 : a->repeat),
		        a->repeat > 1 ? " (rows folded)" : "");
	}
	if (r->audit_count > cap)
		fprintf(f,
		        "<tr><td colspan=\"7\" class=\"note\">… %zu more rows in the database "
		        "(events of run %lld)</td></tr>\n",
		        r->audit_count - cap, (long long)r->id);
	fprintf(f, "</table>\n");
}

void report_html_run(FILE *f, const report_run *r, const report_run *twin)
{
	fprintf(f, "<section class=\"run\" id=\"run-%lld\">\n<h2>Run %lld: ", (long long)r->id,
	        (long long)r->id);
	E(r->name);
	fprintf(f, "</h2>\n<p class=\"verdict %s\">Verdict: ", verdict_class(r));
	E(report_verdict(r));
	if (r->summary.present && r->summary.ended && strcmp(r->summary.ended, "completed")) {
		char at[CLOCK_TEXT_MAX];
		clock_format(r->summary.ended_at_min + r->start_min_of_day, at, sizeof at);
		fprintf(f, " at %s", at);
		if (r->summary.stopped_by) {
			fprintf(f, " (");
			E(r->summary.stopped_by);
			fprintf(f, ")");
		}
		fprintf(f, ": expectations not judged on a partial run");
	}
	fprintf(f, "</p>\n<p class=\"note\">");
	E(r->patient);
	fprintf(f, ", %.2f days from ", (double)r->duration_min / 1440.0);
	char start[CLOCK_TEXT_MAX];
	clock_format(r->start_min_of_day, start, sizeof start);
	fprintf(f, "%s, seed %u, ", start, r->seed);
	E(r->sensor_model ? r->sensor_model : "sensor not recorded");
	fprintf(f, " sensor, ");
	E(r->security_profile ? r->security_profile : "profile not recorded");
	fprintf(f, " pump · file ");
	E(r->path ? r->path : "(built in)");
	fprintf(f, " · started ");
	E(r->started_at);
	fprintf(f, " · recorded by ");
	E(r->build ? r->build : r->version);
	fprintf(f, "</p>\n");
	if (r->scenario_comment) {
		fprintf(f, "<p>");
		E(r->scenario_comment);
		fprintf(f, "</p>\n");
	}
	expectation_list(f, r);
	if (report_threat_of(r)) {
		char sentence[1400];
		const report_outcome o = report_outcome_of(r, twin, sentence, sizeof sentence);
		fprintf(f, "<p><b>Security outcome: %s.</b> ", report_outcome_name(o));
		E(sentence);
		fprintf(f, "</p>\n");
	}
	stats(f, r);
	if (r->last_min >= r->first_min)
		report_svg_trace(f, r);
	else
		fprintf(f, "<p class=\"bad\">No samples were recorded for this run.</p>\n");
	if (r->duration_min >= 3 * 1440 && r->profile && agp_day_count(r->profile) >= 2) {
		fprintf(f, "<div class=\"long\"><h3>Glucose by time of day (AGP) and day by "
		           "day</h3>\n");
		report_svg_agp(f, r);
		report_svg_days(f, r);
		fprintf(f, "</div>\n");
	}
	alarms(f, r);
	audit(f, r);
	fprintf(f, "</section>\n");
}

void report_html_end(FILE *f)
{
	fprintf(f, "<footer id=\"end\">End of report. Made by fakepump from the database; "
	           "no script, no external resource.</footer>\n</body>\n</html>\n");
}
