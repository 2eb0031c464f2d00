/*
 * run_facts — see run_facts.h. The settings JSON is built with GString; numbers with %.10g
 * (exact for the decimal values a scenario states), names as the scenario file writes them.
 */
#include "run_facts.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <glib.h>

#include "build_info.h"
#include "clock.h"
#include "record_facts.h"

const char *run_facts_build(void)
{
	static char text[160];
	if (!text[0]) {
		const char *vcs = build_info_vcs();
		snprintf(text, sizeof text, "%s (%s%s)", build_info_version(),
		         vcs[0] ? "git " : "not built from git", vcs);
	}
	return text;
}

void run_facts_host(char *buf, size_t cap)
{
	struct utsname u;
	if (uname(&u) != 0)
		snprintf(buf, cap, "unknown");
	else
		snprintf(buf, cap, "%s (%s %s %s)", u.nodename, u.sysname, u.release, u.machine);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(GString *s, const char *text)
{
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(s, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(s, "\\u%04x", *p);
		else
			g_string_append_c(s, (char)*p);
	}
	g_string_append_c(s, '"');
}

static void json_num(GString *s, const char *key, double v, bool comma)
{
	g_string_append_printf(s, "\"%s\":%.10g%s", key, v, comma ? "," : "");
}

static void sensor_json(GString *s, const scenario *sc)
{
	const cgm_params *cp = cgm_params_for(sc->cgm);
	g_string_append(s, "\"sensor\":{\"model\":");
	json_str(s, cp ? cp->name : "?");
	g_string_append_printf(s, ",\"interval_min\":%d},\"sensor_faults\":[",
	                       sc->cgm_interval_min > 0 ? sc->cgm_interval_min
	                       : cp                     ? cp->sample_time_min
	                                                : 0);
	bool first = true;
	for (size_t i = 0; i < sc->event_count; i++) {
		const scenario_event *e = &sc->events[i];
		if (e->kind < SCENARIO_EVENT_SENSOR_DROPOUT ||
		    e->kind > SCENARIO_EVENT_SENSOR_COMPRESSION)
			continue;
		g_string_append(s, first ? "{\"kind\":" : ",{\"kind\":");
		first = false;
		json_str(s, scenario_event_kind_name(e->kind));
		g_string_append_printf(s, ",\"at_min\":%lld,\"duration_min\":%d,\"amount\":%.10g}",
		                       (long long)e->at_min, e->duration_min,
		                       e->kind == SCENARIO_EVENT_SENSOR_DROPOUT ? 0.0 : e->amount);
	}
	g_string_append(s, "]");
}

static void pump_json(GString *s, const scenario *sc)
{
	const pump_config *p = &sc->pump;
	g_string_append(s, "\"pump\":{\"basal\":");
	if (p->steady_basal_u_per_min > 0) {
		g_string_append_printf(s, "{\"steady_state_u_per_h\":%.10g}",
		                       p->steady_basal_u_per_min * 60.0);
	} else {
		g_string_append(s, "[");
		for (size_t i = 0; i < p->basal_segment_count; i++) {
			char at[16];
			clock_format_hhmm(p->basal_segments[i].start_min_of_day, at, sizeof at);
			g_string_append_printf(s, "%s{\"at\":\"%s\",\"rate_u_per_h\":%.10g}",
			                       i ? "," : "", at, p->basal_segments[i].rate_u_per_h);
		}
		g_string_append(s, "]");
	}
	g_string_append(s, ",");
	json_num(s, "bolus_speed_u_per_min", p->bolus_speed_u_per_min, true);
	json_num(s, "reservoir_u", p->reservoir_u, true);
	json_num(s, "reservoir_low_u", p->reservoir_low_u, true);
	json_num(s, "battery_pct", p->battery_pct, true);
	json_num(s, "occlusion_threshold_u", p->occlusion_threshold_u, true);
	json_num(s, "insulin_action_min", p->insulin_action_min, true);
	json_num(s, "carb_ratio_g_per_u", p->carb_ratio_g_per_u, true);
	json_num(s, "correction_factor_mgdl_per_u", p->correction_factor_mgdl_per_u, true);
	json_num(s, "target_mgdl", p->target_mgdl, true);
	g_string_append(s, "\"limits\":{");
	json_num(s, "max_bolus_u", p->limits.max_bolus_u, true);
	json_num(s, "max_basal_u_per_h", p->limits.max_basal_u_per_h, true);
	json_num(s, "max_daily_u", p->limits.max_daily_u, true);
	json_num(s, "max_iob_u", p->limits.max_iob_u, true);
	json_num(s, "min_bolus_interval_min", p->limits.min_bolus_interval_min, false);
	g_string_append_printf(s, "},\"low_glucose_protection\":{\"enabled\":%s,",
	                       p->lgs.enabled ? "true" : "false");
	json_num(s, "suspend_below_mgdl", p->lgs.suspend_below_mgdl, true);
	g_string_append_printf(s, "\"predictive\":%s,", p->lgs.predictive ? "true" : "false");
	json_num(s, "predict_below_mgdl", p->lgs.predict_below_mgdl, true);
	json_num(s, "horizon_min", p->lgs.horizon_min, true);
	json_num(s, "resume_above_mgdl", p->lgs.resume_above_mgdl, true);
	json_num(s, "max_suspend_min", p->lgs.max_suspend_min, false);
	g_string_append(s, "}}");
}

char *run_facts_settings_json(const scenario *sc)
{
	GString *s = g_string_new("{\"patient\":");
	json_str(s, sc->patient ? sc->patient->name : "");
	char start[16];
	clock_format_hhmm(sc->start_min_of_day, start, sizeof start);
	g_string_append_printf(s, ",\"seed\":%u,\"duration_min\":%lld,\"start\":\"%s\",",
	                       (unsigned)sc->seed, (long long)sc->duration_min, start);
	sensor_json(s, sc);
	g_string_append(s, ",");
	pump_json(s, sc);
	g_string_append_printf(
	    s, ",\"security\":{\"profile\":\"%s\",\"e2e\":%s}}",
	    sc->security == SCENARIO_SECURITY_LEGACY_VULNERABLE ? "legacy-vulnerable" : "hardened",
	    sc->e2e ? "true" : "false");
	/* malloc'd for the caller (g_string_free's buffer is g_malloc'd) */
	char *out = strdup(s->str);
	g_string_free(s, TRUE);
	return out;
}

bool run_facts_record(const run_options *opt, const run_report *rep, char *err, size_t errlen)
{
	if (!opt->db_path || rep->run_id <= 0)
		return true;
	scenario sc = {0};
	scenario_error serr;
	const bool loaded =
	    opt->scenario_text
	        ? scenario_load_string(opt->scenario_text, strlen(opt->scenario_text),
	                               opt->scenario_path, &sc, &serr)
	        : scenario_load_file(opt->scenario_path, &sc, &serr);
	if (!loaded) {
		snprintf(err, errlen, "cannot load the scenario again: %s", serr.message);
		return false;
	}
	char host[300];
	run_facts_host(host, sizeof host);
	char *settings = run_facts_settings_json(&sc);
	const size_t n_files = 1 + sc.included_count;
	record_file *files = calloc(n_files, sizeof *files);
	char **texts = calloc(n_files, sizeof *texts);
	record_expectation *ex = calloc(rep->expectation_count + 1, sizeof *ex);
	bool ok = settings && files && texts && ex;
	size_t nf = 0;
	if (ok) {
		files[nf++] = (record_file){.role = "scenario",
		                            .path = opt->scenario_text ? NULL : sc.path,
		                            .text = sc.text ? sc.text : ""};
		for (size_t i = 0; i < sc.included_count; i++) {
			gchar *text = NULL;
			if (!g_file_get_contents(sc.included_files[i], &text, NULL, NULL))
				continue; /* gone since the run read it: the others are still told
				           */
			texts[nf] = text;
			files[nf++] = (record_file){
			    .role = "include", .path = sc.included_files[i], .text = text};
		}
		for (size_t i = 0; i < rep->expectation_count; i++) {
			const run_expectation_line *l = &rep->expectations[i];
			ex[i] = (record_expectation){.passed = l->passed,
			                             .text = l->text,
			                             .location = l->where,
			                             .measured = l->measured};
		}
		const record_facts facts = {.build = run_facts_build(),
		                            .host = host,
		                            .settings_json = settings,
		                            .expect_failure = sc.expect_failure,
		                            .expectations = ex,
		                            .expectation_count = rep->expectation_count,
		                            .files = files,
		                            .file_count = nf};
		ok = record_facts_write(opt->db_path, rep->run_id, &facts, err, errlen);
	} else {
		snprintf(err, errlen, "out of memory");
	}
	for (size_t i = 0; texts && i < n_files; i++)
		g_free(texts[i]);
	free(texts);
	free(files);
	free(ex);
	free(settings);
	scenario_free(&sc);
	return ok;
}
