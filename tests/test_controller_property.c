/*
 * Controller property test: random simulated days — a random virtual patient, algorithm,
 * sensor, meals (eaten and announced, eaten and not, announced and not eaten), sensor
 * faults (dropouts, noise bursts, compression lows), pump limits, low-glucose protection on
 * or off, and commands from the person at the pump and from a phone — with the closed
 * loop's invariants checked on every command and every step:
 *  - the controller only sends temp basals, their cancellation and boluses; it never
 *    resumes, stops, suspends or changes a limit;
 *  - it sends nothing while the pump is not delivering (paused by the person or by the
 *    low-glucose protection, stopped), so nothing of its is accepted then;
 *  - every command of its the pump accepts is within every hard limit (max basal, max
 *    bolus in force, max IOB, max daily, the minimum bolus interval) and within the
 *    controller's own max-basal and max-IOB;
 *  - whenever its newest reading is older than cgm_stale_min at a step, the fallback has
 *    engaged: status cgm_stale / cgm_missing, no temp set, no automatic bolus, and its
 *    own temp basal no longer runs.
 * CONTROLLER_PROPERTY_DAYS (default 10,000) days in total over four tests that Criterion
 * runs side by side; CONTROLLER_PROPERTY_SEED (default 20261214); the seed, part, run and
 * minute are printed on a failure.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "controller_loop.h"
#include "patient_model.h"
#include "pump_model.h"

enum { DAY = 1440, PARTS = 4, MAX_MEALS = 8, MAX_FAULTS = 6 };
#define EPS 1e-6

typedef struct fault {
	int64_t start, end;
	int kind; /* 0 dropout, 1 noise burst, 2 compression low */
	double size;
} fault;

typedef struct world {
	rng r;
	uint32_t seed;
	int part, run;
	int64_t now;
	pump *p;
	pump_config cfg;
	controller_settings cs;
	controller_loop *loop;
	/* what the test knows independently */
	bool has_reading;
	int64_t last_reading_min;
	bool own_temp;
	double own_temp_u_per_h;
	int64_t own_temp_end_min;
	bool has_bolus;
	int64_t last_bolus_min;
	double minute_u[DAY];
	unsigned long checks;
	char violation[256]; /* the first one seen inside a pump callback */
} world;

#define FAIL(w, ...)                                                                               \
	do {                                                                                       \
		char msg_[300];                                                                    \
		snprintf(msg_, sizeof msg_, __VA_ARGS__);                                          \
		cr_assert_fail("seed %u part %d run %d minute %lld: %s", (w)->seed, (w)->part,     \
		               (w)->run, (long long)(w)->now, msg_);                               \
	} while (0)

/* Inside the pump's event callback a failure is noted, and reported once the pump's call
 * has returned (an assertion must not jump out of the middle of pump code). */
#define NOTE(w, ...)                                                                               \
	do {                                                                                       \
		if (!(w)->violation[0])                                                            \
			snprintf((w)->violation, sizeof(w)->violation, __VA_ARGS__);               \
		return;                                                                            \
	} while (0)

static void check_notes(world *w)
{
	if (w->violation[0])
		FAIL(w, "%s", w->violation);
}

static double uniform(world *w, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(&w->r);
}

static int pick(world *w, int n)
{
	return (int)(rng_uniform(&w->r) * n);
}

/* Delivered in minutes now − 1439 … now − 1 (the slot of now still holds now − 1440). */
static double delivered_24h(const world *w)
{
	double s = 0.0;
	for (int i = 0; i < DAY; i++)
		if (i != (int)(w->now % DAY))
			s += w->minute_u[i];
	return s;
}

/* Every command the pump hears: the controller's are checked against the limits. */
static void on_event(const pump_event *ev, void *user_data)
{
	world *w = user_data;
	if (ev->kind != PUMP_EV_COMMAND)
		return;
	if (ev->result == PUMP_OK && ev->command == PUMP_CMD_BOLUS) {
		w->has_bolus = true;
		w->last_bolus_min = ev->t_min;
	}
	if (ev->source != PUMP_SOURCE_CONTROLLER) {
		if (ev->result == PUMP_OK && (ev->command == PUMP_CMD_TEMP_BASAL ||
		                              ev->command == PUMP_CMD_CANCEL_TEMP_BASAL))
			w->own_temp = false; /* someone else's temp replaced or ended it */
		return;
	}
	w->checks++;
	if (ev->command != PUMP_CMD_TEMP_BASAL && ev->command != PUMP_CMD_CANCEL_TEMP_BASAL &&
	    ev->command != PUMP_CMD_BOLUS)
		NOTE(w, "the controller sent %s", pump_command_name(ev->command));
	pump_status st;
	pump_get_status(w->p, &st);
	if (st.therapy != PUMP_THERAPY_RUN)
		NOTE(w, "the controller sent %s while the pump was %s",
		     pump_command_name(ev->command), pump_therapy_state_name(st.therapy));
	if (ev->result != PUMP_OK)
		return;
	if (st.suspended_by_lgs)
		NOTE(w, "a controller %s accepted while suspended by protection",
		     pump_command_name(ev->command));
	if (ev->command == PUMP_CMD_TEMP_BASAL) {
		/* values: rate, type, duration; status is already the new temp */
		if (ev->value2 != PUMP_TBR_ABSOLUTE)
			NOTE(w, "a relative temp from the controller");
		if (ev->value > w->cfg.limits.max_basal_u_per_h + EPS)
			NOTE(w, "temp %g U/h above the pump's max basal %g", ev->value,
			     w->cfg.limits.max_basal_u_per_h);
		if (ev->value > w->cs.max_basal_u_per_h + EPS)
			NOTE(w, "temp %g U/h above the controller's max basal %g", ev->value,
			     w->cs.max_basal_u_per_h);
		w->own_temp = true;
		w->own_temp_u_per_h = ev->value;
		w->own_temp_end_min = ev->t_min + (int64_t)ev->value3;
	} else if (ev->command == PUMP_CMD_CANCEL_TEMP_BASAL) {
		w->own_temp = false;
	} else {
		const double u = ev->value;
		if (u > st.max_bolus_u + EPS)
			NOTE(w, "bolus %g U above the max bolus in force %g", u, st.max_bolus_u);
		/* IOB counts delivered insulin: nothing of this bolus yet */
		if (pump_iob_u(w->p, ev->t_min) + u > w->cfg.limits.max_iob_u + EPS)
			NOTE(w, "bolus %g U takes IOB above max %g", u, w->cfg.limits.max_iob_u);
		if (delivered_24h(w) + u > w->cfg.limits.max_daily_u + EPS)
			NOTE(w, "bolus %g U takes the 24 h total above max %g", u,
			     w->cfg.limits.max_daily_u);
	}
}

static void random_limits(world *w, double basal_u_per_h)
{
	pump_limits *l = &w->cfg.limits;
	l->max_basal_u_per_h = uniform(w, basal_u_per_h * 1.05, basal_u_per_h * 6.0);
	l->max_bolus_u = uniform(w, 0.5, 25.0);
	l->max_iob_u = uniform(w, 1.0, 30.0);
	l->max_daily_u = uniform(w, 30.0, 150.0);
	l->min_bolus_interval_min = pick(w, 3) == 0 ? pick(w, 60) : 0;
}

/* A person's or a phone's command, now and then: sensible and wild values. */
static void someone_acts(world *w)
{
	const pump_source src = pick(w, 2) ? PUMP_SOURCE_PHONE : PUMP_SOURCE_PUMP;
	const int64_t t = w->now;
	switch (pick(w, 6)) {
	case 0:
		pump_temp_basal(w->p, t, src, PUMP_TBR_ABSOLUTE, uniform(w, 0.0, 8.0),
		                5 + pick(w, 180));
		break;
	case 1: {
		const pump_bolus_request req = {.type = PUMP_BOLUS_NORMAL,
		                                .immediate_u = uniform(w, 0.1, 6.0)};
		pump_bolus(w->p, t, src, &req, NULL);
		break;
	}
	case 2:
		pump_suspend(w->p, t, src);
		break;
	case 3:
		pump_resume(w->p, t, src);
		break;
	case 4:
		pump_cancel_temp_basal(w->p, t, src);
		break;
	default:
		pump_temp_basal(w->p, t, src, PUMP_TBR_RELATIVE, uniform(w, 0.0, 250.0),
		                5 + pick(w, 120));
		break;
	}
}

/* One run: a patient for `days` days with everything random. */
static void run_once(world *w, int days)
{
	const patient_params *pp = patient_params_at((size_t)pick(w, (int)patient_params_count()));
	const double basal_u_per_h = patient_basal_u_per_min(pp) * 60.0;
	pump_config_defaults(&w->cfg);
	w->cfg.steady_basal_u_per_min = patient_basal_u_per_min(pp);
	w->cfg.reservoir_u = 1000.0;
	w->cfg.battery.drain_pct_per_h = 0.0;
	w->cfg.lgs.enabled = pick(w, 2);
	w->cfg.bolus_speed_u_per_min = pick(w, 4) == 0 ? 0.0 : 1.5;
	random_limits(w, basal_u_per_h);
	w->cfg.on_event = on_event;
	w->cfg.user_data = w;
	const controller_therapy th = {pp->carb_ratio_g_per_u,
	                               pp->correction_factor_mgdl_per_u,
	                               pp->total_daily_insulin_u,
	                               basal_u_per_h,
	                               pp->BW,
	                               pp->age_years};
	controller_settings_for_therapy((controller_algorithm)pick(w, CONTROLLER_ALGORITHM_COUNT),
	                                &th, &w->cs);
	/* the controller's own limits: sometimes above the pump's, to be cut by them */
	w->cs.max_basal_u_per_h = uniform(w, 0.0, 6.0 * basal_u_per_h);
	w->cs.max_iob_u = uniform(w, 0.0, 10.0);
	w->cs.cgm_stale_min = 10 + pick(w, 21);
	w->loop = NULL;
	w->p = pump_new(&w->cfg);
	cr_assert_not_null(w->p, "%s", pump_config_check(&w->cfg));
	w->loop = controller_loop_new(&w->cs);
	cr_assert_not_null(w->loop, "%s", controller_settings_check(&w->cs));
	patient *pt = patient_new(pp);
	const cgm_model models[] = {CGM_DEXCOM, CGM_GUARDIAN_RT, CGM_NAVIGATOR};
	cgm_sensor *cgm = cgm_sensor_new(models[pick(w, 3)], 0, rng_next_u32(&w->r));
	w->has_reading = w->own_temp = w->has_bolus = false;
	for (int i = 0; i < DAY; i++)
		w->minute_u[i] = 0.0;

	for (int day = 0; day < days; day++) {
		/* meals: eaten, announced, or both */
		struct {
			int minute;
			double eaten_g, announced_g;
		} meals[MAX_MEALS];
		const int meal_count = 2 + pick(w, MAX_MEALS - 1);
		for (int i = 0; i < meal_count; i++) {
			const double g = uniform(w, 5.0, 100.0);
			const int how = pick(w, 10);
			meals[i].minute = pick(w, DAY);
			meals[i].eaten_g = how == 9 ? 0.0 : g; /* announced, not eaten */
			meals[i].announced_g =
			    how == 8 || how == 7 ? 0.0 : g; /* eaten, not announced */
		}
		fault faults[MAX_FAULTS];
		const int fault_count = pick(w, MAX_FAULTS + 1);
		for (int i = 0; i < fault_count; i++) {
			faults[i].start = (int64_t)day * DAY + pick(w, DAY);
			faults[i].end = faults[i].start + 5 + pick(w, 150);
			faults[i].kind = pick(w, 3);
			faults[i].size = uniform(w, 20.0, 80.0);
		}
		for (int m = 0; m < DAY; m++) {
			w->now = (int64_t)day * DAY + m;
			double eaten = 0.0, announced = 0.0;
			for (int i = 0; i < meal_count; i++)
				if (meals[i].minute == m) {
					eaten += meals[i].eaten_g;
					announced += meals[i].announced_g;
				}
			double reading = NAN;
			if (cgm_sensor_read(cgm, w->now, patient_gsub_mgdl(pt), &reading)) {
				for (int i = 0; i < fault_count; i++) {
					if (w->now < faults[i].start || w->now >= faults[i].end)
						continue;
					if (faults[i].kind == 0)
						reading = NAN;
					else if (faults[i].kind == 1)
						reading +=
						    uniform(w, -faults[i].size, faults[i].size);
					else
						reading -= faults[i].size;
				}
				if (isfinite(reading))
					reading = fmax(39.0, fmin(400.0, reading));
			} else {
				reading = NAN;
			}
			if (isfinite(reading)) {
				w->has_reading = true;
				w->last_reading_min = w->now;
			}
			if (pick(w, 90) == 0)
				someone_acts(w);
			check_notes(w);
			/* the protection's own resume after a person's pause: give the loop turns
			 */
			if (pick(w, 240) == 0)
				pump_resume(w->p, w->now, PUMP_SOURCE_PUMP);

			pump_status before;
			pump_get_status(w->p, &before);
			controller_report rep;
			const bool stepped =
			    controller_loop_minute(w->loop, w->p, w->now, reading, announced, &rep);
			check_notes(w);
			if (stepped) {
				const controller_decision *d = &rep.decision;
				const bool stale = !w->has_reading || w->now - w->last_reading_min >
				                                          w->cs.cgm_stale_min;
				if (before.therapy == PUMP_THERAPY_RUN && stale) {
					if (d->status != CONTROLLER_CGM_STALE &&
					    d->status != CONTROLLER_CGM_MISSING)
						FAIL(w, "stale CGM (%lld min) but status %s",
						     (long long)(w->now - w->last_reading_min),
						     controller_status_name(d->status));
					if (d->action == CONTROLLER_SET_TEMP)
						FAIL(w, "a temp basal set on a stale CGM");
					if (d->bolus_u > 0.0 && !d->bolus_is_meal)
						FAIL(w, "an automatic bolus on a stale CGM");
					pump_status after;
					pump_get_status(w->p, &after);
					if (after.temp_basal_active && w->own_temp &&
					    after.temp_basal_value == w->own_temp_u_per_h &&
					    after.temp_basal_end_min == w->own_temp_end_min)
						FAIL(w, "the controller's temp still runs on a "
						        "stale CGM");
				}
				if (d->bolus_u > 0.0 && !d->bolus_is_meal &&
				    d->iob_u + d->bolus_u > w->cs.max_iob_u + EPS)
					FAIL(w, "automatic bolus %g U with IOB %g above max_iob %g",
					     d->bolus_u, d->iob_u, w->cs.max_iob_u);
				if (d->action == CONTROLLER_SET_TEMP &&
				    (d->rate_u_per_h < 0.0 ||
				     d->rate_u_per_h > w->cs.max_basal_u_per_h + EPS))
					FAIL(w, "asked %g U/h, controller max %g", d->rate_u_per_h,
					     w->cs.max_basal_u_per_h);
			}
			const pump_delivery del = pump_tick(w->p, w->now, reading);
			check_notes(w);
			controller_loop_delivered(w->loop, w->p, w->now, &del);
			w->minute_u[w->now % DAY] = del.basal_u + del.bolus_u;
			if (patient_step(pt, eaten, del.basal_u + del.bolus_u, NULL) !=
			    PATIENT_STEP_OK)
				FAIL(w, "the patient model failed");
		}
	}
	cgm_sensor_free(cgm);
	patient_free(pt);
	controller_loop_free(w->loop);
	w->loop = NULL;
	pump_free(w->p);
}

static void run_part(int part)
{
	const char *e = getenv("CONTROLLER_PROPERTY_DAYS");
	const long total = e ? atol(e) : 10000;
	const char *s = getenv("CONTROLLER_PROPERTY_SEED");
	static world w; /* one a process: Criterion runs each test in its own */
	w = (world){.seed = s ? (uint32_t)strtoul(s, NULL, 10) : 20261214u, .part = part};
	w.violation[0] = '\0';
	rng_seed(&w.r, w.seed + (uint32_t)part * 7919u);
	const long mine = total / PARTS + (part < total % PARTS);
	long days = 0;
	while (days < mine) {
		int d = 1 + pick(&w, 3);
		if (days + d > mine)
			d = (int)(mine - days);
		run_once(&w, d);
		days += d;
		w.run++;
	}
	cr_assert_gt(w.checks, 0, "no controller command was ever checked");
	cr_log_info("part %d: %ld days, %d runs, %lu controller commands checked", part, days,
	            w.run, w.checks);
}

Test(controller_property, random_days_part_1, .timeout = 1800)
{
	run_part(0);
}

Test(controller_property, random_days_part_2, .timeout = 1800)
{
	run_part(1);
}

Test(controller_property, random_days_part_3, .timeout = 1800)
{
	run_part(2);
}

Test(controller_property, random_days_part_4, .timeout = 1800)
{
	run_part(3);
}
