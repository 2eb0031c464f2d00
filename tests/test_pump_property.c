/*
 * pump_model property test: random pumps driven by random sequences of commands (from the
 * pump and from an untrusted phone, valid and hostile values), faults and minutes, with the
 * safety invariants checked after every step:
 *  - never more than any limit: a bolus ≤ max bolus, basal ≤ max basal, rolling 24 h ≤ max
 *    daily, insulin on board ≤ max IOB;
 *  - insulin is conserved: delivered + primed + in the reservoir + discarded = fills
 *    (within one pulse);
 *  - nothing is delivered while stopped, paused by a person, occluded, empty or flat;
 *  - a refused command changes nothing (the pump is bit for bit the same);
 *  - a cancel stops the bolus before its next pulse;
 *  - authority (docs/pump.md): two sources play at once, the person at the pump and a phone,
 *    and after every command the phone gave the rules are checked against the state before
 *    it: the phone resumed only its own pause, never set a max bolus above the person's,
 *    never made a higher authority's temp basal deliver more, never acknowledged an
 *    annunciation that needs the person, never primed, filled or changed the battery; and
 *    every pause or stop belongs to the highest authority that made it.
 * Fixed seed (PUMP_PROPERTY_SEED, default 20261125), printed on failure with the sequence
 * and step; PUMP_PROPERTY_SEQUENCES sets how many (default 100,000).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patient_model.h" /* rng: numpy-compatible MT19937 */
#include "pump_model.h"

enum { DAY = 1440 };
#define EPS 1e-6

typedef struct world {
	rng r;
	pump *p;
	pump_config cfg;
	double fills_u;       /* initial fill + every accepted fill */
	double minute_u[DAY]; /* our own record of deliveries, for the 24 h total */
	double day_total_u;   /* their running sum */
	int64_t now;
	unsigned long seq;
	int step;
	pump_command last_command;
} world;

static double uniform(world *w, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(&w->r);
}

static int pick(world *w, int n)
{
	return (int)(rng_uniform(&w->r) * n);
}

/* Values a hostile or buggy phone might send, mixed with sensible ones. */
static double wild_amount(world *w, double sensible_hi)
{
	switch (pick(w, 10)) {
	case 0:
		return -uniform(w, 0, 10);
	case 1:
		return NAN;
	case 2:
		return INFINITY;
	case 3:
		return 0.0;
	case 4:
		return uniform(w, sensible_hi, 10 * sensible_hi);
	default:
		return uniform(w, 0.0, sensible_hi);
	}
}

static void remember(const pump_event *ev, void *user_data)
{
	world *w = user_data;
	if (ev->kind == PUMP_EV_COMMAND)
		w->last_command = ev->command;
}

/* Our own rolling 24 h total, independent of the pump's. */
static void record_minute(world *w, pump_delivery d)
{
	double *slot = &w->minute_u[w->now % DAY];
	w->day_total_u += d.basal_u + d.bolus_u - *slot;
	*slot = d.basal_u + d.bolus_u;
	if (w->now % DAY == 0) {
		w->day_total_u = 0;
		for (int i = 0; i < DAY; i++)
			w->day_total_u += w->minute_u[i];
	}
}

static void random_config(world *w)
{
	pump_config *c = &w->cfg;
	pump_config_defaults(c);
	c->limits.max_bolus_u = uniform(w, 1, 25);
	c->limits.max_basal_u_per_h = uniform(w, 0.5, 5);
	c->limits.max_daily_u = uniform(w, 5, 80);
	c->limits.max_iob_u = uniform(w, 2, 30);
	c->limits.min_bolus_interval_min = pick(w, 3) == 0 ? pick(w, 90) : 0;
	c->bolus_speed_u_per_min = pick(w, 3) == 0 ? 0.0 : uniform(w, 0.2, 3);
	c->pulse_u = pick(w, 2) ? 0.05 : 0.1;
	c->reservoir_u = uniform(w, 1, 300);
	c->battery_pct = uniform(w, 1, 100);
	c->occlusion_threshold_u = uniform(w, 0.2, 3);
	c->start_min_of_day = pick(w, DAY);
	c->basal_segment_count = (size_t)(1 + pick(w, 4));
	for (size_t i = 0; i < c->basal_segment_count; i++)
		c->basal_segments[i] = (pump_basal_segment){
		    .start_min_of_day = (int)i * 360,
		    .rate_u_per_h = uniform(w, 0, c->limits.max_basal_u_per_h)};
	c->lgs.enabled = pick(w, 2);
	c->on_event = remember;
	c->user_data = w;
	w->fills_u = c->reservoir_u;
}

static void fail_at(const world *w, const char *what)
{
	cr_assert_fail("sequence %lu, step %d, minute %lld: %s (seed %s)", w->seq, w->step,
	               (long long)w->now, what,
	               getenv("PUMP_PROPERTY_SEED") ? getenv("PUMP_PROPERTY_SEED") : "20261125");
}

/* The active annunciations that need the person, and how many of them are pending. */
static size_t persons_annunciations(const pump *p, size_t *pending)
{
	pump_annunciation a[64];
	size_t n = pump_active_annunciations(p, a, 64), k = 0;
	*pending = 0;
	for (size_t i = 0; i < n; i++)
		if (pump_annunciation_needs_person(a[i].type)) {
			k++;
			*pending += a[i].status == PUMP_ANN_PENDING;
		}
	return k;
}

/* The authority rules, after a command from `src` that the pump accepted. */
static void check_authority(world *w, pump_source src, const pump_status *b, const pump *before,
                            const pump_status *a, const pump *after, pump_command cmd)
{
	char why[200];
	if (b->therapy != PUMP_THERAPY_RUN && a->therapy == PUMP_THERAPY_RUN &&
	    src == PUMP_SOURCE_PHONE && b->halted_by != PUMP_SOURCE_PHONE) {
		snprintf(why, sizeof why, "the phone resumed a pause or stop made by the %s",
		         pump_source_name(b->halted_by));
		fail_at(w, why);
	}
	if (a->therapy != PUMP_THERAPY_RUN && b->therapy != PUMP_THERAPY_RUN &&
	    a->halted_by != b->halted_by &&
	    (src == PUMP_SOURCE_PHONE || a->halted_by == PUMP_SOURCE_PHONE))
		fail_at(w, "a halt passed from a higher authority to the phone");
	if (src != PUMP_SOURCE_PHONE)
		return;
	if (a->max_bolus_u > b->max_bolus_person_u + 1e-9)
		fail_at(w, "the phone set a max bolus above the person's");
	if (a->max_bolus_person_u != b->max_bolus_person_u)
		fail_at(w, "the phone changed the person's max bolus");
	if (b->temp_basal_active && b->temp_basal_set_by != PUMP_SOURCE_PHONE &&
	    a->therapy == PUMP_THERAPY_RUN &&
	    a->basal_rate_u_per_h > b->basal_rate_u_per_h + 1e-9) {
		snprintf(why, sizeof why,
		         "the phone raised the %s's temp basal from %.3f to %.3f U/h",
		         pump_source_name(b->temp_basal_set_by), b->basal_rate_u_per_h,
		         a->basal_rate_u_per_h);
		fail_at(w, why);
	}
	size_t pending_before, pending_after;
	const size_t active_before = persons_annunciations(before, &pending_before);
	const size_t active_after = persons_annunciations(after, &pending_after);
	if (active_after < active_before || pending_after < pending_before)
		fail_at(w, "the phone confirmed or snoozed an annunciation that needs the person");
	if (a->primed_total_u != b->primed_total_u || a->reservoir_u > b->reservoir_u ||
	    a->battery_pct > b->battery_pct)
		fail_at(w, "the phone primed, filled or changed the battery");
	if (cmd == PUMP_CMD_PRIME || cmd == PUMP_CMD_FILL_RESERVOIR ||
	    cmd == PUMP_CMD_CHANGE_BATTERY)
		fail_at(w, "a hands-on procedure was accepted from the phone");
}

/* One random command from the person or the phone; refusals must leave the pump
 * untouched, acceptances must follow the authority rules. */
static void random_command(world *w)
{
	pump *p = w->p;
	pump *before = pump_clone(p);
	pump_status st_before;
	pump_get_status(p, &st_before);
	const pump_source src = pick(w, 2) ? PUMP_SOURCE_PHONE : PUMP_SOURCE_PUMP;
	pump_result r = PUMP_OK;
	bool is_fill = false, is_cancel = false;
	double fill = 0;
	switch (pick(w, 14)) {
	case 0:
	case 1:
	case 2: {
		pump_bolus_request q = {.type = (pump_bolus_type)pick(w, 4), /* 3 = invalid */
		                        .immediate_u = wild_amount(w, 8),
		                        .extended_u = wild_amount(w, 8),
		                        .duration_min = pick(w, 10) == 0 ? -5 : pick(w, 300)};
		r = pump_bolus(p, w->now, src, &q, NULL);
		break;
	}
	case 3:
		r = pump_cancel_bolus(p, w->now, src, (uint16_t)pick(w, 4));
		is_cancel = true;
		break;
	case 4:
		r = pump_temp_basal(p, w->now, src, (pump_temp_basal_type)pick(w, 3),
		                    wild_amount(w, pick(w, 2) ? 5 : 250), pick(w, 400) - 20);
		break;
	case 5:
		r = pump_cancel_temp_basal(p, w->now, src);
		break;
	case 6:
		r = pump_suspend(p, w->now, src);
		break;
	case 7:
		r = pump_resume(p, w->now, src);
		break;
	case 8:
		r = pump_stop(p, w->now, src);
		break;
	case 9:
		r = pump_prime(p, w->now, src, wild_amount(w, 5));
		break;
	case 10:
		fill = wild_amount(w, 300);
		r = pump_fill_reservoir(p, w->now, src, fill);
		is_fill = true;
		break;
	case 11:
		r = pump_set_max_bolus(p, w->now, src,
		                       wild_amount(w, 2 * w->cfg.limits.max_bolus_u));
		break;
	case 12: {
		uint16_t id = (uint16_t)pick(w, 20);
		r = pick(w, 2) ? pump_confirm_annunciation(p, w->now, src, id)
		               : pump_snooze_annunciation(p, w->now, src, id);
		break;
	}
	default:
		r = pump_change_battery(p, w->now, src);
		break;
	}
	if (r != PUMP_OK && !pump_state_equal(p, before))
		fail_at(w, "a refused command changed the pump");
	if (r == PUMP_OK) {
		pump_status st_after;
		pump_get_status(p, &st_after);
		check_authority(w, src, &st_before, before, &st_after, p, w->last_command);
	}
	{
		pump_status st;
		pump_get_status(p, &st);
		if (st.suspended_by_lgs && st.therapy != PUMP_THERAPY_PAUSE) {
			char why[160];
			snprintf(why, sizeof why,
			         "command %s (%s) left a low-glucose suspension "
			         "outside a pause",
			         pump_command_name(w->last_command), pump_result_name(r));
			fail_at(w, why);
		}
	}
	if (r == PUMP_OK && is_fill)
		w->fills_u += fill;
	pump_free(before);
	if (r == PUMP_OK && is_cancel) {
		/* The next minute must bring no bolus pulse. */
		pump_delivery d = pump_tick(p, w->now, NAN);
		if (d.bolus_u != 0.0)
			fail_at(w, "a canceled bolus delivered another pulse");
		pump_status st;
		pump_get_status(p, &st);
		if (st.suspended_by_lgs && st.therapy != PUMP_THERAPY_PAUSE)
			fail_at(w, "after cancel tick");
		record_minute(w, d);
		w->now++;
	}
}

static void random_fault(world *w)
{
	pump_fault f = (pump_fault)pick(w, PUMP_FAULT_COUNT);
	pump_inject_fault(w->p, w->now, f, uniform(w, 1, 200));
	pump_status st;
	pump_get_status(w->p, &st);
	if (st.suspended_by_lgs && st.therapy != PUMP_THERAPY_PAUSE)
		fail_at(w, pump_fault_name(f));
}

static void check_invariants(world *w, const pump_status *before, pump_delivery d)
{
	const pump_config *c = &w->cfg;
	pump_status st;
	pump_get_status(w->p, &st);
	const double delivered = d.basal_u + d.bolus_u;

	if (!(delivered >= 0.0))
		fail_at(w, "negative or NaN delivery");
	/* Nothing while stopped, paused by a person, occluded, empty or flat. */
	const bool manual_pause =
	    before->therapy == PUMP_THERAPY_PAUSE && !before->suspended_by_lgs;
	if (delivered > 0.0 &&
	    (before->therapy == PUMP_THERAPY_STOP || manual_pause || before->occluded ||
	     before->reservoir_u <= 0.0 || before->battery_pct <= 0.0)) {
		char why[200];
		snprintf(why, sizeof why,
		         "delivered %.4f U while it must not (therapy %s, lgs %d, occluded %d, "
		         "reservoir %.3f, battery %.3f)",
		         delivered, pump_therapy_state_name(before->therapy),
		         before->suspended_by_lgs, before->occluded, before->reservoir_u,
		         before->battery_pct);
		fail_at(w, why);
	}
	if (d.basal_u > c->limits.max_basal_u_per_h / 60.0 + EPS)
		fail_at(w, "basal above max_basal");
	if (st.bolus_programmed_u > c->limits.max_bolus_u + EPS)
		fail_at(w, "a bolus above max_bolus");
	if (pump_iob_u(w->p, w->now) > c->limits.max_iob_u + EPS)
		fail_at(w, "insulin on board above max_iob");

	if (w->day_total_u > c->limits.max_daily_u + EPS)
		fail_at(w, "more than max_daily in 24 h");

	const double accounted =
	    st.delivered_total_u + st.primed_total_u + st.reservoir_u + st.discarded_u;
	if (fabs(accounted - w->fills_u) > c->pulse_u + EPS)
		fail_at(w, "insulin not conserved");
	if (st.suspended_by_lgs && st.therapy != PUMP_THERAPY_PAUSE)
		fail_at(w, "low-glucose suspension outside a pause");
	if (st.reservoir_u < 0.0 || st.battery_pct < 0.0)
		fail_at(w, "negative reservoir or battery");
}

static void tick(world *w)
{
	pump_status before;
	pump_get_status(w->p, &before);
	double cgm = pick(w, 3) == 0 ? uniform(w, 40, 250) : NAN;
	pump_delivery d = pump_tick(w->p, w->now, cgm);
	record_minute(w, d);
	check_invariants(w, &before, d);
	w->now++;
}

Test(pump_property, random_sequences_never_break_the_safety_invariants, .timeout = 900)
{
	const char *n_text = getenv("PUMP_PROPERTY_SEQUENCES");
	const char *seed_text = getenv("PUMP_PROPERTY_SEED");
	const unsigned long sequences = n_text ? strtoul(n_text, NULL, 10) : 100000UL;
	const uint32_t seed = seed_text ? (uint32_t)strtoul(seed_text, NULL, 10) : 20261125u;
	world w;
	rng_seed(&w.r, seed);
	unsigned long steps = 0;
	for (w.seq = 0; w.seq < sequences; w.seq++) {
		memset(w.minute_u, 0, sizeof w.minute_u);
		w.day_total_u = 0;
		w.now = 0;
		random_config(&w);
		w.p = pump_new(&w.cfg);
		cr_assert_not_null(w.p, "random config refused: %s", pump_config_check(&w.cfg));
		const int length = 20 + pick(&w, 60);
		for (w.step = 0; w.step < length; w.step++) {
			int what = pick(&w, 10);
			if (what < 4)
				random_command(&w);
			else if (what == 4)
				random_fault(&w);
			else {
				/* a few minutes at a time, sometimes a long stretch */
				int minutes =
				    pick(&w, 8) == 0 ? 60 + pick(&w, 600) : 1 + pick(&w, 5);
				for (int m = 0; m < minutes; m++)
					tick(&w);
			}
			steps++;
		}
		pump_free(w.p);
	}
	cr_log_info("%lu sequences, %lu steps, seed %u", sequences, steps, seed);
	cr_assert_geq(sequences, 1);
}
