/*
 * trial_definition — what a trial's command line names: its engines, controllers, cohorts,
 * the patients of --patients and each patient's seeds (see trial.h).
 */
#include <stdio.h>
#include <string.h>

#include "suggest.h"
#include "trial.h"

static const char *const engine_names[TRIAL_ENGINE_COUNT] = {"batch", "scalar", "avx512", "avx2"};

const char *trial_engine_name(trial_engine e)
{
	return (unsigned)e < TRIAL_ENGINE_COUNT ? engine_names[e] : NULL;
}

bool trial_engine_from_name(const char *name, trial_engine *out)
{
	for (int i = 0; i < TRIAL_ENGINE_COUNT; i++)
		if (strcmp(name, engine_names[i]) == 0) {
			*out = (trial_engine)i;
			return true;
		}
	return false;
}

const char *trial_controller_name(int algorithm)
{
	if (algorithm == TRIAL_CONTROLLER_NONE)
		return "none";
	return controller_algorithm_name((controller_algorithm)algorithm);
}

const char *trial_cohort_of(const patient_params *p)
{
	return strncmp(p->name, "adult", 5) == 0         ? "adult"
	       : strncmp(p->name, "adolescent", 10) == 0 ? "adolescent"
	                                                 : "child";
}

/* adult1, Adult#1, adult#0001 → adult#001; NULL when it is no patient's name. */
static const patient_params *loose_patient(const char *t, size_t len)
{
	char buf[32];
	size_t n = 0, i = 0;
	for (; i < len && (t[i] < '0' || t[i] > '9') && t[i] != '#' && n < 16; i++)
		buf[n++] = t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] - 'A' + 'a') : t[i];
	if (i < len && t[i] == '#')
		i++;
	while (i < len && t[i] == '0')
		i++;
	const size_t digits = len - i;
	if (n == 0 || digits == 0 || digits > 3 || strspn(t + i, "0123456789") < digits)
		return NULL;
	buf[n++] = '#';
	for (size_t pad = digits; pad < 3; pad++)
		buf[n++] = '0';
	memcpy(buf + n, t + i, digits);
	buf[n + digits] = '\0';
	return patient_params_find(buf);
}

static bool add_patient(trial_definition *d, const patient_params *p, char *err, size_t cap)
{
	for (size_t i = 0; i < d->patient_count; i++)
		if (d->patients[i] == p) {
			snprintf(err, cap, "--patients: %s is named twice", p->name);
			return false;
		}
	d->patients[d->patient_count++] = p;
	return true;
}

bool trial_parse_patients(const char *spec, trial_definition *d, char *err, size_t cap)
{
	d->patient_count = 0;
	const bool all = strcmp(spec, "all") == 0;
	if (all || strcmp(spec, "adult") == 0 || strcmp(spec, "adolescent") == 0 ||
	    strcmp(spec, "child") == 0) {
		for (size_t i = 0; i < patient_params_count(); i++) {
			const patient_params *p = patient_params_at(i);
			if (all || strcmp(trial_cohort_of(p), spec) == 0)
				d->patients[d->patient_count++] = p;
		}
		return true;
	}
	for (const char *t = spec;;) {
		const size_t len = strcspn(t, ",");
		if (len == 0 || len > SUGGEST_MAX_LEN) {
			snprintf(
			    err, cap,
			    "--patients: expected all, adult, adolescent, child or patient names "
			    "separated by commas, got '%s'",
			    spec);
			return false;
		}
		const patient_params *p = loose_patient(t, len);
		if (!p) {
			char word[SUGGEST_MAX_LEN + 1];
			memcpy(word, t, len);
			word[len] = '\0';
			suggestion sug = suggest_begin(word);
			for (size_t i = 0; i < patient_params_count(); i++)
				suggest_consider(&sug, patient_params_at(i)->name);
			snprintf(err, cap,
			         "--patients: no patient '%s'%s (all, adult, adolescent, child, or "
			         "names "
			         "from 'fakepump patients')",
			         word, suggest_hint_for(&sug).text);
			return false;
		}
		if (!add_patient(d, p, err, cap))
			return false;
		if (t[len] == '\0')
			return true;
		t += len + 1;
	}
}
