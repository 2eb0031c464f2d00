/*
 * trial_plan — each patient's scenario of a trial, made and checked before anything runs
 * (see trial.h): the base read for the patient, the meal plan's meals added as events, and
 * the definition's hash. Must never: start a run, or leave a half-made plan to free.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "trial.h"

/* Where the meal plan's events say they were written (scenario_event.file). */
static const char MEAL_PLAN_FILE[] = "(trial meal plan)";

/* The base text for a trial without one: no keys at all. */
static const char EMPTY_BASE[] = "{}\n";

static bool load_for(const trial_definition *d, const patient_params *p, int algorithm,
                     scenario *out, char *err, size_t cap)
{
	const scenario_overrides ov = {
	    .patient = p,
	    .duration_min = (int64_t)d->days * 1440,
	    .seed = trial_patient_seed(d->seed, p->name, 1),
	    .cgm_model = d->force_cgm ? d->cgm : CGM_DEXCOM,
	    .force_cgm_model = d->force_cgm,
	    .controller = algorithm,
	};
	const char *text = d->base_text ? d->base_text : EMPTY_BASE;
	const char *path = d->base_path ? d->base_path : "(no base scenario)";
	scenario_error e;
	if (!scenario_load_string_for(text, strlen(text), path, &ov, out, &e)) {
		snprintf(err, cap, "%s", e.message);
		return false;
	}
	return true;
}

/* The meal plan's days as events: eaten, and announced when the plan says so and the pump
 * has a controller to tell. */
static bool add_meals(const trial_definition *d, const patient_params *p, scenario *s, char *err,
                      size_t cap)
{
	rng r;
	rng_seed(&r, trial_patient_seed(d->seed, p->name, 2));
	const size_t room = (size_t)d->days * MEAL_PLAN_MAX_PER_DAY;
	scenario_event *events = g_new0(scenario_event, room);
	size_t n = 0;
	for (int day = 0; day < d->days; day++) {
		meal_plan_meal meals[MEAL_PLAN_MAX_PER_DAY];
		const size_t count = meal_plan_day(d->meals, &r, meals);
		for (size_t i = 0; i < count; i++) {
			const int64_t at =
			    (int64_t)day * 1440 + meals[i].min_of_day - s->start_min_of_day;
			if (at < 0 || at >= s->duration_min)
				continue;
			events[n++] = (scenario_event){
			    .kind = SCENARIO_EVENT_MEAL,
			    .at_min = at,
			    .amount = meals[i].grams,
			    .eat_rate_g_per_min = 5.0,
			    .announce = meals[i].announced && s->has_controller,
			    .file = MEAL_PLAN_FILE,
			    .line = 1,
			    .column = 1,
			};
		}
	}
	const bool ok = scenario_add_events(s, events, n);
	g_free(events);
	if (!ok)
		snprintf(err, cap, "%s: out of memory adding %zu meals", p->name, n);
	return ok;
}

/* SHA-256 of the definition as text: the base's text, then every choice that shapes the
 * results (not the engine, lanes or threads: they do not). */
void trial_definition_hash(const trial_definition *d, char out[65])
{
	GString *t = g_string_new("fakepump trial 1\n");
	g_string_append_printf(t, "base_sha256=");
	if (d->base_text) {
		gchar *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, d->base_text, -1);
		g_string_append(t, h);
		g_free(h);
	}
	if (d->population)
		g_string_append_printf(t, "\npopulation=%s", d->population);
	else
		g_string_append(t, "\npatients=");
	for (size_t i = 0; !d->population && i < d->patient_count; i++)
		g_string_append_printf(t, "%s%s", i ? "," : "", trial_patient(d, i)->name);
	g_string_append_printf(t, "\ndays=%d\ncontroller=%s\nmeals=%s\ncgm=%s\nseed=%u\n", d->days,
	                       trial_controller_name(d->controller), meal_plan_kind_name(d->meals),
	                       d->force_cgm ? cgm_params_for(d->cgm)->name : "base-or-dexcom",
	                       (unsigned)d->seed);
	gchar *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, t->str, (gssize)t->len);
	snprintf(out, 65, "%s", h);
	g_free(h);
	g_string_free(t, TRUE);
}

bool trial_plan_make(const trial_definition *d, trial_plan *out, char *err, size_t cap)
{
	memset(out, 0, sizeof *out);
	out->def = *d;
	const size_t most = d->many ? TRIAL_MAX_POPULATION : TRIAL_MAX_PATIENTS;
	if (d->patient_count == 0 || d->patient_count > most || d->days < 1 ||
	    d->days > TRIAL_MAX_DAYS) {
		snprintf(err, cap, "a trial needs 1 to %zu patients and 1 to %d days", most,
		         TRIAL_MAX_DAYS);
		return false;
	}
	/* A population's scenarios are checked here one by one and made again when each
	 * patient starts (trial_plan_scenario): a year's meals for 10,000 patients would hold
	 * gigabytes. The 30 keep theirs. */
	const bool lazy = d->many != NULL;
	scenario one;
	out->scenarios = lazy ? NULL : g_try_new0(scenario, d->patient_count);
	if (!lazy && !out->scenarios) {
		snprintf(err, cap, "out of memory for %zu patients' scenarios", d->patient_count);
		return false;
	}
	/* Without --controller: the base's, else basal-bolus (the reference). */
	int algorithm = d->controller < 0 ? SCENARIO_CONTROLLER_AS_WRITTEN : d->controller;
	for (size_t i = 0; i < d->patient_count; i++) {
		scenario *s = lazy ? &one : &out->scenarios[i];
		memset(s, 0, sizeof *s);
		if (!load_for(d, trial_patient(d, i), algorithm, s, err, cap)) {
			trial_plan_free(out);
			return false;
		}
		if (i == 0 && d->controller < 0) {
			if (s->has_controller) {
				out->def.controller = (int)s->controller.algorithm;
			} else {
				out->def.controller = CONTROLLER_BASAL_BOLUS;
				algorithm = CONTROLLER_BASAL_BOLUS;
				scenario_free(s);
				if (!load_for(d, trial_patient(d, i), algorithm, s, err, cap)) {
					trial_plan_free(out);
					return false;
				}
			}
		}
		if (!add_meals(d, trial_patient(d, i), s, err, cap)) {
			if (lazy)
				scenario_free(s);
			trial_plan_free(out);
			return false;
		}
		if (lazy)
			scenario_free(s);
	}
	out->load_algorithm = algorithm;
	trial_definition_hash(&out->def, out->hash);
	return true;
}

bool trial_plan_scenario(const trial_plan *p, size_t i, scenario *out, char *err, size_t cap)
{
	memset(out, 0, sizeof *out);
	const patient_params *pp = trial_patient(&p->def, i);
	if (!load_for(&p->def, pp, p->load_algorithm, out, err, cap))
		return false;
	if (!add_meals(&p->def, pp, out, err, cap)) {
		scenario_free(out);
		return false;
	}
	return true;
}

void trial_plan_free(trial_plan *p)
{
	for (size_t i = 0; p->scenarios && i < p->def.patient_count; i++)
		scenario_free(&p->scenarios[i]);
	g_free(p->scenarios);
	p->scenarios = NULL;
}
