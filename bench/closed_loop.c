/*
 * closed_loop — the closed-loop harness: patient_model + pump_model + a controller, without
 * sim/, to tune the controllers and to prove them over the virtual population (issue 14).
 *
 * Each run: one patient, D days from 00:00, the pump on the patient's own steady basal, a
 * Dexcom-noise CGM (seeded from the trial seed and the patient's name), the meals of a
 * meal plan (sim/trial/meal_plan.h) eaten by the patient and — separately — announced to the
 * controller; every minute: CGM reading → controller_loop_minute → pump_tick →
 * controller_loop_delivered → patient_step. Metrics on the true plasma glucose, one sample
 * a minute (sim/glucose_metrics.h). A patient whose glucose reaches 0 is `failed`.
 *
 *   build/bench/closed_loop --help
 *
 * Prints one row per controller × meals × seed × cohort (TIR, below 70, below 54, CV,
 * minimum, patients below 40 mg/dL, failed), the same over seeds, and with --speed the
 * patient-days per second of each controller on one core against the open loop.
 * Deterministic: the same arguments give the same table whatever -j.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agp.h"
#include "controller_loop.h"
#include "glucose_metrics.h"
#include "meal_plan.h"
#include "patient_model.h"
#include "population.h"
#include "pump_model.h"
#include "trial_figures.h"
#include "trial_seed.h"

enum { MAX_PATIENTS = 30, MAX_SEEDS = 64, MAX_SETS = 64, MAX_CONTROLLERS = 4 };

/* "none": the open loop (the programme and the harness's calculator bolus, no controller). */
#define OPEN_LOOP CONTROLLER_ALGORITHM_COUNT

typedef struct setting {
	char cohort[16]; /* "" = every patient, else only this cohort's */
	char name[48];
	double value;
} setting;

typedef struct options {
	const patient_params *patients[MAX_PATIENTS];
	size_t patient_count;
	int days;
	int controllers[MAX_CONTROLLERS];
	size_t controller_count;
	meal_plan_kind meals[MEAL_PLAN_KIND_COUNT];
	size_t meal_count;
	uint32_t seeds[MAX_SEEDS];
	size_t seed_count;
	cgm_model cgm;
	int jobs;
	setting sets[MAX_SETS];
	size_t set_count;
	bool per_patient;
	bool speed;
	bool lgs;
	const char *trace_path;   /* the first run's minutes as CSV */
	const char *figures_path; /* the trial pictures' data (sim/trial_figures.h) */
	uint32_t population;      /* drawn patients a cohort (patient_model/population.h) */
	population_patient *drawn;
	const patient_params **drawn_params;
	size_t drawn_count;
} options;

typedef struct result {
	glucose_metrics m;
	double tdd_u;
	bool failed;
	double seconds;
	unsigned refused; /* controller commands the pump refused */
	unsigned fallbacks;
} result;

typedef struct job job;
struct job {
	const options *o;
	const patient_params *pp;
	int controller;
	meal_plan_kind meals;
	uint32_t seed;
	const job *first;
	result r;
	agp *profile; /* true glucose by time of day, with --figures */
};

/* ---------------------------------------------------------------------------------- */
/* Seeds and settings                                                                  */
/* ---------------------------------------------------------------------------------- */

static const char *cohort_of(const patient_params *pp)
{
	return strncmp(pp->name, "adult", 5) == 0         ? "adult"
	       : strncmp(pp->name, "adolescent", 10) == 0 ? "adolescent"
	                                                  : "child";
}

static controller_therapy therapy_of(const patient_params *pp)
{
	return (controller_therapy){
	    .carb_ratio_g_per_u = pp->carb_ratio_g_per_u,
	    .correction_factor_mgdl_per_u = pp->correction_factor_mgdl_per_u,
	    .total_daily_insulin_u = pp->total_daily_insulin_u,
	    .basal_u_per_h = patient_basal_u_per_min(pp) * 60.0,
	    .weight_kg = pp->BW,
	    .age_years = pp->age_years,
	};
}

/* --set NAME=VALUE: tuning experiments on top of controller_settings_for_therapy. */
static bool apply_set(controller_settings *s, const controller_therapy *t, const setting *x)
{
	const double v = x->value, basal = t->basal_u_per_h;
#define IS(n) (strcmp(x->name, n) == 0)
	if (IS("target"))
		s->target_mgdl = v;
	else if (IS("low_suspend"))
		s->low_suspend_mgdl = v;
	else if (IS("max_iob_basal_h"))
		s->max_iob_u = v * basal;
	else if (IS("max_iob_tdi"))
		s->max_iob_u = v * t->total_daily_insulin_u;
	else if (IS("max_basal_x"))
		s->max_basal_u_per_h = v * basal;
	else if (IS("cf_scale"))
		s->correction_factor_mgdl_per_u *= v;
	else if (IS("cr_scale"))
		s->carb_ratio_g_per_u *= v;
	else if (IS("cf_tdi"))
		s->correction_factor_mgdl_per_u = v / t->total_daily_insulin_u;
	else if (IS("cr_tdi"))
		s->carb_ratio_g_per_u = v / t->total_daily_insulin_u;
	else if (IS("pid.kp_scale"))
		s->pid.kp_u_per_h_per_mgdl *= v;
	else if (IS("pid.ti"))
		s->pid.ti_min = v;
	else if (IS("pid.td"))
		s->pid.td_min = v;
	else if (IS("pid.gamma"))
		s->pid.ifb_gamma = v;
	else if (IS("pid.tau1"))
		s->pid.ifb_tau1_min = v;
	else if (IS("pid.tau2"))
		s->pid.ifb_tau2_min = v;
	else if (IS("pid.meal"))
		s->pid.meal_bolus_fraction = v;
	else if (IS("pid.window"))
		s->pid.slope_window_min = (int)v;
	else if (IS("pid.ilow_x"))
		s->pid.integral_low_u_per_h = v * basal;
	else if (IS("pid.ihigh_x"))
		s->pid.integral_high_u_per_h = v * basal;
	else if (IS("oref0.smb"))
		s->oref0.smb = v != 0.0;
	else if (IS("oref0.autosens"))
		s->oref0.autosens = v != 0.0;
	else if (IS("oref0.as_min"))
		s->oref0.autosens_min = v;
	else if (IS("oref0.as_max"))
		s->oref0.autosens_max = v;
	else if (IS("oref0.smb_uam"))
		s->oref0.smb_uam = v != 0.0;
	else if (IS("oref0.uam"))
		s->oref0.uam = v != 0.0;
	else if (IS("oref0.smb_min"))
		s->oref0.max_smb_basal_min = s->oref0.max_uam_smb_basal_min = v;
	else if (IS("oref0.smb_frac"))
		s->oref0.smb_fraction = v;
	else if (IS("oref0.min_ci"))
		s->oref0.min_5m_carbimpact_mgdl = v;
	else if (IS("oref0.carbs_time"))
		s->oref0.remaining_carbs_time_min = (int)v;
	else if (IS("oref0.meal"))
		s->oref0.meal_bolus_fraction = v;
	else if (IS("oref0.meal_iob"))
		s->oref0.meal_iob_fraction = v;
	else if (IS("dia"))
		s->insulin_action_min = (int)v;
	else if (IS("peak"))
		s->insulin_peak_min = (int)v;
	else if (IS("oref0.low_factor"))
		s->oref0.low_temp_factor = v;
	else if (IS("oref0.daily_x"))
		s->oref0.max_daily_safety_multiplier = v;
	else
		return false;
#undef IS
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* One patient                                                                         */
/* ---------------------------------------------------------------------------------- */

typedef struct run_state {
	controller_loop *loop;
	unsigned refused;
} run_state;

static void on_pump_event(const pump_event *ev, void *user_data)
{
	run_state *rs = user_data;
	if (ev->kind == PUMP_EV_COMMAND && ev->source == PUMP_SOURCE_CONTROLLER &&
	    ev->result != PUMP_OK)
		rs->refused++;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: a run's cost, whatever else the machine is doing. */
static double thread_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_patient(job *j)
{
	const options *o = j->o;
	const patient_params *pp = j->pp;
	const double t0 = thread_s();
	const controller_therapy therapy = therapy_of(pp);
	run_state rs = {0};
	j->r = (result){0};

	pump_config cfg;
	pump_config_defaults(&cfg);
	cfg.steady_basal_u_per_min = patient_basal_u_per_min(pp);
	cfg.carb_ratio_g_per_u = pp->carb_ratio_g_per_u;
	cfg.correction_factor_mgdl_per_u = pp->correction_factor_mgdl_per_u;
	cfg.reservoir_u = 5000.0; /* the harness changes no cartridges */
	cfg.battery.drain_pct_per_h = 0.0;
	cfg.lgs.enabled = o->lgs;
	cfg.on_event = on_pump_event;
	cfg.user_data = &rs;

	controller_settings cs;
	if (j->controller != OPEN_LOOP) {
		controller_settings_for_therapy((controller_algorithm)j->controller, &therapy, &cs);
		for (size_t i = 0; i < o->set_count; i++)
			if (!o->sets[i].cohort[0] || strcmp(o->sets[i].cohort, cohort_of(pp)) == 0)
				apply_set(&cs, &therapy, &o->sets[i]);
		rs.loop = controller_loop_new(&cs);
	}
	pump *p = pump_new(&cfg);
	patient *pt = patient_new(pp);
	cgm_sensor *cgm = cgm_sensor_new(o->cgm, 0, trial_patient_seed(j->seed, pp->name, 1));
	rng meal_rng;
	rng_seed(&meal_rng, trial_patient_seed(j->seed, pp->name, 2));
	if (!p || !pt || !cgm || (j->controller != OPEN_LOOP && !rs.loop)) {
		fprintf(stderr, "closed_loop: %s: out of memory or bad settings\n", pp->name);
		exit(1);
	}
	glucose_accumulator acc;
	glucose_accumulator_init(&acc);
	if (o->figures_path && !(j->profile = agp_new(0))) {
		fprintf(stderr, "closed_loop: out of memory\n");
		exit(1);
	}
	FILE *trace = NULL;
	if (o->trace_path && j == j->first) {
		trace = fopen(o->trace_path, "w");
		if (trace)
			fprintf(trace,
			        "t_min,bg,cgm,eaten_g,announced_g,basal_u,bolus_u,iob_u,status,"
			        "rate,bolus_asked,predicted,min_predicted,cob_g,ratio,why\n");
	}
	double delivered_u = 0.0, last_reading = NAN;
	meal_plan_meal day[MEAL_PLAN_MAX_PER_DAY];
	size_t day_count = 0;
	const int64_t end = (int64_t)o->days * 1440;
	for (int64_t k = 0; k < end; k++) {
		const int min_of_day = (int)(k % 1440);
		if (min_of_day == 0)
			day_count = meal_plan_day(j->meals, &meal_rng, day);
		const double bg = patient_bg_mgdl(pt);
		glucose_accumulator_add(&acc, bg);
		if (j->profile)
			agp_add(j->profile, k, bg, NAN, 0.0, 0.0);
		if (!(bg > 0.0)) {
			j->r.failed = true;
			break;
		}
		double reading = NAN;
		if (!cgm_sensor_read(cgm, k, patient_gsub_mgdl(pt), &reading))
			reading = NAN;
		else
			last_reading = reading;
		double eaten_g = 0.0, announced_g = 0.0;
		for (size_t i = 0; i < day_count; i++)
			if (day[i].min_of_day == min_of_day) {
				eaten_g += day[i].grams;
				if (day[i].announced)
					announced_g += day[i].grams;
			}
		controller_report rep;
		bool stepped = false;
		if (rs.loop) {
			stepped = controller_loop_minute(rs.loop, p, k, reading, announced_g, &rep);
			if (stepped && rep.fallback_began)
				j->r.fallbacks++;
		} else if (announced_g > 0.0) {
			/* The open loop: the person's calculator bolus (simglucose's rule). */
			double u = announced_g / pp->carb_ratio_g_per_u;
			if (last_reading > 150.0)
				u += (last_reading - 140.0) / pp->correction_factor_mgdl_per_u;
			const pump_bolus_request req = {.type = PUMP_BOLUS_NORMAL,
			                                .immediate_u = u};
			pump_bolus(p, k, PUMP_SOURCE_PUMP, &req, NULL);
		}
		const pump_delivery d = pump_tick(p, k, reading);
		if (rs.loop)
			controller_loop_delivered(rs.loop, p, k, &d);
		delivered_u += d.basal_u + d.bolus_u;
		if (trace) {
			fprintf(trace, "%lld,%.1f,%.1f,%g,%g,%.4f,%.3f,%.3f", (long long)k, bg,
			        reading, eaten_g, announced_g, d.basal_u, d.bolus_u,
			        rs.loop ? controller_loop_net_iob_u(rs.loop, k + 1) : NAN);
			if (stepped)
				fprintf(trace, ",%s,%.2f,%.2f,%.1f,%.1f,%.1f,%.2f,%s\n",
				        controller_status_name(rep.decision.status),
				        rep.decision.action == CONTROLLER_SET_TEMP
				            ? rep.decision.rate_u_per_h
				            : NAN,
				        rep.decision.bolus_u, rep.decision.predicted_mgdl,
				        rep.decision.min_predicted_mgdl, rep.decision.cob_g,
				        rep.decision.sensitivity_ratio,
				        rep.decision.why ? rep.decision.why : "");
			else
				fprintf(trace, ",,,,,,,,\n");
		}
		if (patient_step(pt, eaten_g, d.basal_u + d.bolus_u, NULL) != PATIENT_STEP_OK) {
			j->r.failed = true;
			break;
		}
	}
	if (trace)
		fclose(trace);
	glucose_metrics_of(&acc, &j->r.m);
	j->r.tdd_u = delivered_u / o->days;
	j->r.refused = rs.refused;
	j->r.seconds = thread_s() - t0;
	cgm_sensor_free(cgm);
	patient_free(pt);
	pump_free(p);
	controller_loop_free(rs.loop);
}

/* ---------------------------------------------------------------------------------- */
/* Jobs                                                                                */
/* ---------------------------------------------------------------------------------- */

typedef struct pool {
	job *jobs;
	size_t count;
	size_t next;
	pthread_mutex_t lock;
} pool;

static void *worker(void *arg)
{
	pool *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->lock);
		const size_t i = pl->next++;
		pthread_mutex_unlock(&pl->lock);
		if (i >= pl->count)
			return NULL;
		run_patient(&pl->jobs[i]);
	}
}

static void run_all(job *jobs, size_t count, int threads)
{
	pool pl = {.jobs = jobs, .count = count};
	pthread_mutex_init(&pl.lock, NULL);
	pthread_t tid[64];
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, &pl);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&pl.lock);
}

/* ---------------------------------------------------------------------------------- */
/* Report                                                                              */
/* ---------------------------------------------------------------------------------- */

static const char *controller_label(int c)
{
	return c == OPEN_LOOP ? "none" : controller_algorithm_name((controller_algorithm)c);
}

typedef struct cohort_row {
	double tir, tbr70, tbr54, cv, min, mean;
	int below40, failed, n;
} cohort_row;

/* Means of the patients' figures; the minimum over them. */
static cohort_row cohort(const job *jobs, size_t count, int ctl, meal_plan_kind meals,
                         uint32_t seed, bool all_seeds, const char *which)
{
	cohort_row c = {.min = INFINITY};
	for (size_t i = 0; i < count; i++) {
		const job *j = &jobs[i];
		if (j->controller != ctl || j->meals != meals || (!all_seeds && j->seed != seed))
			continue;
		if (which && strcmp(cohort_of(j->pp), which) != 0)
			continue;
		c.n++;
		c.tir += j->r.m.tir_pct;
		c.tbr70 += j->r.m.tbr70_pct;
		c.tbr54 += j->r.m.tbr54_pct;
		c.cv += j->r.m.cv_pct;
		c.mean += j->r.m.mean_mgdl;
		c.min = fmin(c.min, j->r.m.min_mgdl);
		c.below40 += j->r.m.min_mgdl < 40.0;
		c.failed += j->r.failed;
	}
	if (c.n > 0) {
		c.tir /= c.n;
		c.tbr70 /= c.n;
		c.tbr54 /= c.n;
		c.cv /= c.n;
		c.mean /= c.n;
	}
	return c;
}

static void print_row(const char *ctl, const char *meals, const char *seed, const char *who,
                      const cohort_row *c)
{
	const bool ok = c->tbr70 < 4.0 && c->tbr54 < 1.0 && c->below40 == 0 && c->failed == 0;
	printf("%-12s %-12s %-5s %-11s %6.1f %6.2f %6.2f %5.1f %6.1f %6.1f %4d %4d  %s\n", ctl,
	       meals, seed, who, c->tir, c->tbr70, c->tbr54, c->cv, c->min, c->mean, c->below40,
	       c->failed, ok ? "" : "MISS");
}

static void report(const options *o, const job *jobs, size_t count)
{
	static const char *const cohorts[] = {"adult", "adolescent", "child", NULL};
	printf("%-12s %-12s %-5s %-11s %6s %6s %6s %5s %6s %6s %4s %4s\n", "controller", "meals",
	       "seed", "cohort", "TIR%", "<70%", "<54%", "CV%", "min", "mean", "<40", "fail");
	for (size_t ci = 0; ci < o->controller_count; ci++)
		for (size_t mi = 0; mi < o->meal_count; mi++) {
			const int ctl = o->controllers[ci];
			const meal_plan_kind mk = o->meals[mi];
			for (size_t si = 0; si <= o->seed_count; si++) {
				const bool all = si == o->seed_count;
				if (all && o->seed_count == 1)
					break;
				char seed[16];
				if (all)
					snprintf(seed, sizeof seed, "all");
				else
					snprintf(seed, sizeof seed, "%u", o->seeds[si]);
				for (size_t k = 0; k < 4; k++) {
					const cohort_row c =
					    cohort(jobs, count, ctl, mk, all ? 0 : o->seeds[si],
					           all, cohorts[k]);
					if (c.n == 0)
						continue;
					print_row(controller_label(ctl), meal_plan_kind_name(mk),
					          seed, cohorts[k] ? cohorts[k] : "all", &c);
				}
			}
		}
	if (!o->per_patient)
		return;
	printf("\n%-12s %-12s %-5s %-15s %6s %6s %6s %5s %6s %6s %6s %5s %4s\n", "controller",
	       "meals", "seed", "patient", "TIR%", "<70%", "<54%", "CV%", "min", "max", "TDD",
	       "refus", "fb");
	for (size_t i = 0; i < count; i++) {
		const job *j = &jobs[i];
		printf(
		    "%-12s %-12s %-5u %-15s %6.1f %6.2f %6.2f %5.1f %6.1f %6.1f %6.1f %5u %4u%s\n",
		    controller_label(j->controller), meal_plan_kind_name(j->meals), j->seed,
		    j->pp->name, j->r.m.tir_pct, j->r.m.tbr70_pct, j->r.m.tbr54_pct, j->r.m.cv_pct,
		    j->r.m.min_mgdl, j->r.m.max_mgdl, j->r.tdd_u, j->r.refused, j->r.fallbacks,
		    j->r.failed ? " FAILED" : "");
	}
}

/* Patient-days per second of each controller on one core, against the open loop. */
static void report_speed(const options *o, const job *jobs, size_t count)
{
	printf(
	    "\nspeed (CPU time of the thread running it; median over the runs of its seconds per "
	    "patient-day)\n");
	double open_loop = NAN;
	for (size_t ci = 0; ci < o->controller_count; ci++) {
		const int ctl = o->controllers[ci];
		double *per_day = malloc(count * sizeof *per_day);
		size_t n = 0;
		for (size_t i = 0; i < count; i++)
			if (jobs[i].controller == ctl)
				per_day[n++] = jobs[i].r.seconds / o->days;
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0 && per_day[b - 1] > per_day[b]; b--) {
				const double t = per_day[b];
				per_day[b] = per_day[b - 1];
				per_day[b - 1] = t;
			}
		const double median =
		    n % 2 ? per_day[n / 2] : (per_day[n / 2 - 1] + per_day[n / 2]) / 2;
		free(per_day);
		const double speed = 1.0 / median;
		if (ctl == OPEN_LOOP)
			open_loop = speed;
		printf("  %-12s %8.0f patient-days/s per core", controller_label(ctl), speed);
		if (ctl != OPEN_LOOP && isfinite(open_loop))
			printf("  (%.0f %% of the open loop's)", 100.0 * speed / open_loop);
		printf("\n");
	}
}

/* ---------------------------------------------------------------------------------- */
/* Command line                                                                        */
/* ---------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: closed_loop [options]\n"
	           "  --patients all|adult|adolescent|child|NAME[,NAME…]   (all)\n"
	           "  --days N                                              (14)\n"
	           "  --controller basal-bolus|pid-ifb|oref0|none|all[,…]   (all)\n"
	           "  --meals standard|variable|unannounced|all[,…]         (standard)\n"
	           "  --seeds A[-B][,…]                                     (1)\n"
	           "  --cgm ideal|dexcom|guardian|navigator                 (dexcom)\n"
	           "  -j N                                                  (2)\n"
	           "  --set NAME=VALUE   a tuning experiment (closed_loop.c apply_set)\n"
	           "  --lgs              the pump's low-glucose protection on\n"
	           "  --per-patient      a row per patient run too\n"
	           "  --speed            patient-days/s per core of each controller\n"
	           "  --trace FILE       the first run's minutes as CSV\n"
	           "  --population N     N patients a cohort drawn from the cohorts of --patients\n"
	           "                     (docs/population.md), trial seed the first of --seeds\n"
	           "  --figures FILE     the AGP, CVGA and strip pictures' data as a database\n"
	           "                     (draw them with fakepump figures FILE)\n");
}

static bool add_patients(options *o, const char *arg)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		bool any = false;
		for (size_t i = 0; i < patient_params_count(); i++) {
			const patient_params *pp = patient_params_at(i);
			if (strcmp(tok, "all") == 0 || strcmp(tok, pp->name) == 0 ||
			    strcmp(tok, cohort_of(pp)) == 0) {
				bool dup = false;
				for (size_t k = 0; k < o->patient_count; k++)
					dup |= o->patients[k] == pp;
				if (!dup && o->patient_count < MAX_PATIENTS)
					o->patients[o->patient_count++] = pp;
				any = true;
			}
		}
		if (!any) {
			fprintf(stderr, "closed_loop: --patients: no patient or cohort '%s'\n",
			        tok);
			return false;
		}
	}
	return true;
}

static bool add_controllers(options *o, const char *arg)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		controller_algorithm a;
		if (strcmp(tok, "all") == 0) {
			for (int i = 0; i < CONTROLLER_ALGORITHM_COUNT &&
			                o->controller_count < MAX_CONTROLLERS;
			     i++)
				o->controllers[o->controller_count++] = i;
		} else if (strcmp(tok, "none") == 0 && o->controller_count < MAX_CONTROLLERS) {
			o->controllers[o->controller_count++] = OPEN_LOOP;
		} else if (controller_algorithm_from_name(tok, &a) &&
		           o->controller_count < MAX_CONTROLLERS) {
			o->controllers[o->controller_count++] = (int)a;
		} else {
			fprintf(stderr, "closed_loop: --controller: unknown '%s'\n", tok);
			return false;
		}
	}
	return true;
}

static bool add_meals(options *o, const char *arg)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		meal_plan_kind k;
		if (strcmp(tok, "all") == 0) {
			for (int i = 0; i < MEAL_PLAN_KIND_COUNT; i++)
				o->meals[o->meal_count++] = (meal_plan_kind)i;
		} else if (meal_plan_kind_from_name(tok, &k) &&
		           o->meal_count < MEAL_PLAN_KIND_COUNT) {
			o->meals[o->meal_count++] = k;
		} else {
			fprintf(stderr, "closed_loop: --meals: unknown '%s'\n", tok);
			return false;
		}
	}
	return true;
}

static bool add_seeds(options *o, const char *arg)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		char *end;
		unsigned long a = strtoul(tok, &end, 10), b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (*end || b < a || b - a >= MAX_SEEDS) {
			fprintf(stderr, "closed_loop: --seeds: bad '%s'\n", tok);
			return false;
		}
		for (unsigned long s = a; s <= b && o->seed_count < MAX_SEEDS; s++)
			o->seeds[o->seed_count++] = (uint32_t)s;
	}
	return true;
}

static bool add_set(options *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *whole = arg;
	if (colon && colon - arg < 16) {
		memcpy(o->sets[o->set_count].cohort, arg, (size_t)(colon - arg));
		o->sets[o->set_count].cohort[colon - arg] = '\0';
		arg = colon + 1;
	}
	const char *eq = strchr(arg, '=');
	char *end;
	if (!eq || o->set_count == MAX_SETS || (size_t)(eq - arg) >= sizeof o->sets[0].name)
		goto bad;
	setting *x = &o->sets[o->set_count];
	memcpy(x->name, arg, (size_t)(eq - arg));
	x->name[eq - arg] = '\0';
	errno = 0;
	x->value = strtod(eq + 1, &end);
	if (errno || *end || end == eq + 1)
		goto bad;
	controller_settings s;
	const controller_therapy t = {10, 40, 40, 1, 70, 30};
	controller_settings_for_therapy(CONTROLLER_OREF0, &t, &s);
	if (!apply_set(&s, &t, x))
		goto bad;
	o->set_count++;
	return true;
bad:
	fprintf(stderr, "closed_loop: --set: expected [COHORT:]NAME=VALUE, got '%s'\n", whole);
	return false;
}

static void load(const char *when)
{
	FILE *f = fopen("/proc/loadavg", "r");
	char buf[128] = "?";
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			snprintf(buf, sizeof buf, "?\n");
		fclose(f);
	}
	fprintf(stderr, "load average %s: %s", when, buf);
}

/* --population N: N patients a cohort drawn around the cohorts of --patients' patients
 * (patient_model/population.h), trial seed the first --seeds value. */
static bool draw_population(options *o)
{
	static const char *const cohorts[] = {"adolescent", "adult", "child"};
	bool wanted[3] = {false, false, false};
	for (size_t i = 0; i < o->patient_count; i++)
		for (size_t k = 0; k < 3; k++)
			wanted[k] = wanted[k] || strcmp(cohort_of(o->patients[i]), cohorts[k]) == 0;
	const uint32_t seed = o->seed_count ? o->seeds[0] : 1;
	o->drawn = calloc(3 * (size_t)o->population, sizeof *o->drawn);
	o->drawn_params = calloc(3 * (size_t)o->population, sizeof *o->drawn_params);
	if (!o->drawn || !o->drawn_params)
		return false;
	for (size_t k = 0; k < 3; k++)
		for (uint32_t i = 0; wanted[k] && i < o->population; i++) {
			population_patient *p = &o->drawn[o->drawn_count];
			if (population_draw(cohorts[k], i, seed, p) != POPULATION_OK) {
				fprintf(stderr, "closed_loop: %s %u: no plausible draw\n",
				        cohorts[k], i);
				return false;
			}
			o->drawn_params[o->drawn_count++] = &p->params;
		}
	return true;
}

/* --figures FILE: each run's row and each controller × cohort's profile (the AGP, CVGA and
 * strip pictures' data: sim/trial_figures.h; `fakepump figures FILE` draws them). */
static bool write_figures(const options *o, const job *jobs, size_t count)
{
	sqlite3 *db = NULL;
	char err[256] = "";
	remove(o->figures_path);
	bool ok = sqlite3_open(o->figures_path, &db) == SQLITE_OK &&
	          sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	          trial_figures_create(db, err, sizeof err);
	agp *groups[4 * 3 * MEAL_PLAN_KIND_COUNT][3] = {{NULL}};
	char labels[4 * 3 * MEAL_PLAN_KIND_COUNT][48];
	for (size_t i = 0; ok && i < count; i++) {
		const job *j = &jobs[i];
		char label[48], name[96];
		snprintf(label, sizeof label, "%s%s%s", controller_label(j->controller),
		         o->meal_count > 1 ? " · " : "",
		         o->meal_count > 1 ? meal_plan_kind_name(j->meals) : "");
		snprintf(name, sizeof name, "%s s%u", j->pp->name, j->seed);
		const char *cohort = cohort_of(j->pp);
		ok = trial_figures_add_patient(db, i, name, cohort, label, j->profile, err,
		                               sizeof err);
		const size_t g = (size_t)(j->controller == OPEN_LOOP ? 3 : j->controller) *
		                     MEAL_PLAN_KIND_COUNT +
		                 (size_t)j->meals;
		const size_t k = strcmp(cohort, "adolescent") == 0 ? 0
		                 : strcmp(cohort, "adult") == 0    ? 1
		                                                   : 2;
		snprintf(labels[g], sizeof labels[g], "%s", label);
		if (ok && !groups[g][k])
			ok = (groups[g][k] = agp_new(0)) != NULL;
		ok = ok && agp_merge_profile(groups[g][k], j->profile);
	}
	static const char *const cohorts[] = {"adolescent", "adult", "child"};
	for (size_t g = 0; g < 4 * 3 * MEAL_PLAN_KIND_COUNT; g++)
		for (size_t k = 0; k < 3; k++) {
			if (ok && groups[g][k])
				ok = trial_figures_add_profile(db, labels[g], cohorts[k],
				                               groups[g][k], err, sizeof err);
			agp_free(groups[g][k]);
		}
	ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	if (!ok)
		fprintf(stderr, "closed_loop: --figures %s: %s%s\n", o->figures_path, err,
		        err[0] ? "" : sqlite3_errmsg(db));
	sqlite3_close(db);
	return ok;
}

int main(int argc, char **argv)
{
	static options o = {.days = 14, .cgm = CGM_DEXCOM, .jobs = 2};
	enum {
		OPT_PATIENTS = 256,
		OPT_DAYS,
		OPT_CONTROLLER,
		OPT_MEALS,
		OPT_SEEDS,
		OPT_CGM,
		OPT_SET,
		OPT_PER_PATIENT,
		OPT_SPEED,
		OPT_LGS,
		OPT_TRACE,
		OPT_FIGURES,
		OPT_POPULATION
	};
	static const struct option longs[] = {
	    {"patients", required_argument, NULL, OPT_PATIENTS},
	    {"days", required_argument, NULL, OPT_DAYS},
	    {"controller", required_argument, NULL, OPT_CONTROLLER},
	    {"meals", required_argument, NULL, OPT_MEALS},
	    {"seeds", required_argument, NULL, OPT_SEEDS},
	    {"seed", required_argument, NULL, OPT_SEEDS},
	    {"cgm", required_argument, NULL, OPT_CGM},
	    {"set", required_argument, NULL, OPT_SET},
	    {"per-patient", no_argument, NULL, OPT_PER_PATIENT},
	    {"speed", no_argument, NULL, OPT_SPEED},
	    {"lgs", no_argument, NULL, OPT_LGS},
	    {"trace", required_argument, NULL, OPT_TRACE},
	    {"figures", required_argument, NULL, OPT_FIGURES},
	    {"population", required_argument, NULL, OPT_POPULATION},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "j:h", longs, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case OPT_PATIENTS:
			ok = add_patients(&o, optarg);
			break;
		case OPT_DAYS:
			o.days = atoi(optarg);
			ok = o.days >= 1 && o.days <= 3650;
			break;
		case OPT_CONTROLLER:
			ok = add_controllers(&o, optarg);
			break;
		case OPT_MEALS:
			ok = add_meals(&o, optarg);
			break;
		case OPT_SEEDS:
			ok = add_seeds(&o, optarg);
			break;
		case OPT_CGM:
			ok = cgm_model_from_name(optarg, &o.cgm);
			break;
		case OPT_SET:
			ok = add_set(&o, optarg);
			break;
		case OPT_PER_PATIENT:
			o.per_patient = true;
			break;
		case OPT_SPEED:
			o.speed = true;
			break;
		case OPT_LGS:
			o.lgs = true;
			break;
		case OPT_TRACE:
			o.trace_path = optarg;
			break;
		case OPT_FIGURES:
			o.figures_path = optarg;
			break;
		case OPT_POPULATION:
			o.population = (uint32_t)atoi(optarg);
			ok = o.population >= 1 && o.population <= 1000000;
			break;
		case 'j':
			o.jobs = atoi(optarg);
			ok = o.jobs >= 1 && o.jobs <= 64;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			ok = false;
		}
		if (!ok) {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (o.patient_count == 0)
		add_patients(&o, "all");
	if (o.population && !draw_population(&o))
		return 1;
	const patient_params *const *patients = o.population ? o.drawn_params : o.patients;
	const size_t patient_count = o.population ? o.drawn_count : o.patient_count;
	if (o.controller_count == 0)
		add_controllers(&o, o.speed ? "none,all" : "all");
	if (o.meal_count == 0)
		add_meals(&o, "standard");
	if (o.seed_count == 0)
		add_seeds(&o, "1");

	const size_t count = patient_count * o.controller_count * o.meal_count * o.seed_count;
	job *jobs = calloc(count, sizeof *jobs);
	if (!jobs)
		return 1;
	size_t n = 0;
	for (size_t ci = 0; ci < o.controller_count; ci++)
		for (size_t mi = 0; mi < o.meal_count; mi++)
			for (size_t si = 0; si < o.seed_count; si++)
				for (size_t pi = 0; pi < patient_count; pi++)
					jobs[n++] = (job){.o = &o,
					                  .pp = patients[pi],
					                  .controller = o.controllers[ci],
					                  .meals = o.meals[mi],
					                  .seed = o.seeds[si],
					                  .first = jobs};
	load("at start");
	const double t0 = now_s();
	run_all(jobs, count, o.jobs);
	const double wall = now_s() - t0;
	load("at end");
	report(&o, jobs, count);
	if (o.speed)
		report_speed(&o, jobs, count);
	fprintf(stderr, "%zu runs of %d days in %.2f s wall with -j %d\n", count, o.days, wall,
	        o.jobs);
	const bool figures_ok = !o.figures_path || write_figures(&o, jobs, count);
	for (size_t i = 0; i < count; i++)
		agp_free(jobs[i].profile);
	free(jobs);
	free(o.drawn);
	free(o.drawn_params);
	return figures_ok ? 0 : 1;
}
