/*
 * bench_batch — the batch engine's workload (issue 18): every virtual patient for a year,
 * 50/70/80 g meals at 07:00/12:00/18:30 with a calculator bolus (grams / carb ratio, given
 * in the meal's minute on top of the patient's own basal), no pump, no sensor. Not a test:
 * bench/batch.sh times the whole process over several runs.
 *
 *   bench_batch [--engine auto|avx512|avx2|scalar] [--lanes N] [--days D] [--patients N]
 *
 * Prints the engine, the in-process rate, the right-hand-side evaluations per patient-
 * minute, and a checksum of the glucose (mean and minimum of bg over every patient-minute)
 * so that engines can be compared on the same run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "patient_model.h"

typedef struct job {
	const patient_params *params;
	double basal_u_per_min;
	patient *shadow;       /* --check: the scalar engine on the same inputs */
	unsigned shadow_evals; /* its RHS count for the minute it last stepped */
} job;

typedef struct workload {
	job jobs[64];
	size_t count, next;
	int64_t minutes;
	double bg_sum_mgdl, bg_min_mgdl;
	unsigned long long rhs_evals, patient_minutes;
	bool check;
	double check_max_mgdl;
	unsigned long long check_count_mismatches;
} workload;

static bool next_job(void *user_data, const patient_params **params, void **handle)
{
	workload *w = user_data;
	if (w->next == w->count)
		return false;
	job *j = &w->jobs[w->next++];
	*params = j->params;
	*handle = j;
	return true;
}

static double meal_at(int64_t minute_of_day)
{
	switch (minute_of_day) {
	case 7 * 60:
		return 50.0;
	case 12 * 60:
		return 70.0;
	case 18 * 60 + 30:
		return 80.0;
	default:
		return 0.0;
	}
}

/* Minute by minute (*count stays 1): the patient alone, nothing to plan ahead. */
static bool minute(void *user_data, const patient_batch_ready *r, patient_batch_inputs *in,
                   unsigned *count)
{
	(void)count;
	workload *w = user_data;
	job *j = r->job;
	if (r->status != PATIENT_STEP_OK) {
		fprintf(stderr, "%s: integrator failed at minute %lld\n", j->params->name,
		        (long long)r->t_min);
		return false;
	}
	if (w->check) {
		const double d = fmax(fabs(r->bg_mgdl - patient_bg_mgdl(j->shadow)),
		                      fabs(r->gsub_mgdl - patient_gsub_mgdl(j->shadow)));
		if (!(d <= w->check_max_mgdl))
			w->check_max_mgdl = d;
		if (r->t_min > 0 && r->last.rhs_evals != j->shadow_evals)
			w->check_count_mismatches++;
	}
	w->bg_sum_mgdl += r->bg_mgdl;
	if (r->bg_mgdl < w->bg_min_mgdl)
		w->bg_min_mgdl = r->bg_mgdl;
	w->rhs_evals += r->last.rhs_evals;
	if (r->t_min >= w->minutes)
		return false;
	w->patient_minutes++;
	const double meal_g = meal_at(r->t_min % 1440);
	in->meal_announced_g = meal_g;
	in->eat_rate_g_per_min = 5.0;
	in->insulin_u_per_min =
	    j->basal_u_per_min + (meal_g > 0 ? meal_g / j->params->carb_ratio_g_per_u : 0.0);
	if (w->check) {
		patient_step_info info;
		patient_step_eating(j->shadow, in->meal_announced_g, in->eat_rate_g_per_min,
		                    in->insulin_u_per_min, &info);
		j->shadow_evals = info.rhs_evals;
	}
	return true;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_batch [--engine auto|avx512|avx2|scalar] [--lanes N] "
	             "[--days D] [--patients N] [--check]\n"
	             "  --check  run the scalar engine alongside (not timed): the largest bg/gsub\n"
	             "           difference and the minutes with another RHS count\n");
}

int main(int argc, char **argv)
{
	patient_batch_engine engine = PATIENT_BATCH_AUTO;
	unsigned lanes = 0;
	long days = 365, patients = (long)patient_params_count();
	workload w = {.bg_min_mgdl = INFINITY};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(arg, "--check") == 0) {
			w.check = true;
		} else if (strcmp(arg, "--engine") == 0 && val &&
		           patient_batch_engine_from_name(val, &engine)) {
			i++;
		} else if (strcmp(arg, "--lanes") == 0 && val) {
			lanes = (unsigned)strtoul(val, NULL, 10);
			i++;
		} else if (strcmp(arg, "--days") == 0 && val &&
		           (days = strtol(val, NULL, 10)) > 0) {
			i++;
		} else if (strcmp(arg, "--patients") == 0 && val &&
		           (patients = strtol(val, NULL, 10)) > 0 && patients <= 64) {
			i++;
		} else {
			fprintf(stderr, "bench_batch: bad argument '%s'\n", arg);
			usage(stderr);
			return 2;
		}
	}
	if (!patient_batch_engine_available(engine) ||
	    !patient_batch_lanes_supported(engine, lanes)) {
		fprintf(stderr, "bench_batch: engine %s with %u lanes does not run here\n",
		        patient_batch_engine_name(engine), lanes);
		return 1;
	}
	w.minutes = days * 1440;
	for (long i = 0; i < patients; i++) {
		const patient_params *p = patient_params_at((size_t)i % patient_params_count());
		w.jobs[w.count++] =
		    (job){p, patient_basal_u_per_min(p), w.check ? patient_new(p) : NULL, 0};
	}
	patient_batch *b = patient_batch_new(engine, lanes);
	if (!b) {
		fprintf(stderr, "bench_batch: out of memory\n");
		return 1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const patient_batch_source source = {next_job, minute, &w};
	const patient_batch_result r = patient_batch_run(b, &source);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const double seconds =
	    (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	const double patient_days = (double)w.patient_minutes / 1440.0;
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	printf("engine %s, %u lanes: %ld patients x %ld days in %.3f s = %.0f patient-days/s; "
	       "%.3f RHS/patient-minute; bg mean %.9f min %.9f mg/dL; peak RSS %ld KiB; "
	       "cpu %.3f s\n",
	       patient_batch_engine_name(patient_batch_engine_of(b)), patient_batch_lane_count(b),
	       patients, days, seconds, patient_days / seconds,
	       (double)w.rhs_evals / (double)w.patient_minutes,
	       w.bg_sum_mgdl / (double)(w.patient_minutes + (unsigned long long)w.count),
	       w.bg_min_mgdl, usage.ru_maxrss,
	       (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
	           (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec);
	if (w.check)
		printf(
		    "check against the scalar engine: largest difference %.3g mg/dL, %llu of %llu "
		    "patient-minutes with another RHS count\n",
		    w.check_max_mgdl, w.check_count_mismatches, w.patient_minutes);
	for (size_t i = 0; i < w.count; i++)
		patient_free(w.jobs[i].shadow);
	patient_batch_free(b);
	return r == PATIENT_BATCH_OK ? 0 : 1;
}
