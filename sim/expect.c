/*
 * expect — the expectation engine (see expect.h). One accumulator per expectation, fed
 * by rows and pump events; decided at the end. Must never store the trace, nor decide an
 * expectation before the run is over (a "never" needs the whole window).
 *
 * Windows are [from, to) in run minutes; without one, the whole run. Glucose figures use
 * plasma glucose (bg_mgdl) on every state row; amounts use the integrated minutes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expect.h"
#include "pump_binding.h"

typedef struct accumulator {
	/* glucose */
	double bg_min, bg_max, bg_sum;
	int64_t bg_min_t, bg_max_t, samples, in_range;
	/* amounts */
	double amount;
	/* annunciation */
	bool raised;
	int64_t raised_t;
	/* commands */
	int64_t matches;
	/* therapy state */
	bool seen_state;
	int state;
} accumulator;

struct expect_eval {
	const scenario *sc;
	size_t n;
	accumulator *acc;
	expect_result *results;
};

expect_eval *expect_eval_new(const scenario *sc)
{
	expect_eval *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->sc = sc;
	x->n = sc->expectation_count;
	x->acc = calloc(x->n ? x->n : 1, sizeof *x->acc);
	x->results = calloc(x->n ? x->n : 1, sizeof *x->results);
	if (!x->acc || !x->results) {
		expect_eval_free(x);
		return NULL;
	}
	for (size_t i = 0; i < x->n; i++) {
		x->acc[i].bg_min = INFINITY;
		x->acc[i].bg_max = -INFINITY;
		x->results[i].expectation = &sc->expectations[i];
	}
	return x;
}

void expect_eval_free(expect_eval *x)
{
	if (!x)
		return;
	free(x->acc);
	free(x->results);
	free(x);
}

static bool in_window(const scenario_expectation *e, int64_t t)
{
	return !e->has_window || (t >= e->window_from_min && t < e->window_to_min);
}

void expect_eval_row(expect_eval *x, const engine_row *row, bool integrated)
{
	for (size_t i = 0; i < x->n; i++) {
		const scenario_expectation *e = &x->sc->expectations[i];
		accumulator *a = &x->acc[i];
		if (!in_window(e, row->t_min))
			continue;
		switch (e->kind) {
		case SCENARIO_EXPECT_BG:
		case SCENARIO_EXPECT_TIME_IN_RANGE:
			if (row->bg_mgdl < a->bg_min) {
				a->bg_min = row->bg_mgdl;
				a->bg_min_t = row->t_min;
			}
			if (row->bg_mgdl > a->bg_max) {
				a->bg_max = row->bg_mgdl;
				a->bg_max_t = row->t_min;
			}
			a->bg_sum += row->bg_mgdl;
			a->samples++;
			a->in_range +=
			    row->bg_mgdl >= e->tir_low_mgdl && row->bg_mgdl <= e->tir_high_mgdl;
			break;
		case SCENARIO_EXPECT_INSULIN_DELIVERED:
			if (integrated)
				a->amount += row->insulin_u_per_min;
			break;
		case SCENARIO_EXPECT_CARBS:
			if (integrated)
				a->amount += row->cho_g_per_min;
			break;
		case SCENARIO_EXPECT_THERAPY_STATE:
			if (row->t_min == e->at_min) {
				a->seen_state = true;
				a->state = row->therapy_state;
			}
			break;
		case SCENARIO_EXPECT_ANNUNCIATION:
		case SCENARIO_EXPECT_COMMAND:
		case SCENARIO_EXPECT_REFUSED:
		case SCENARIO_EXPECT_ATTACK:
		case SCENARIO_EXPECT_HISTORY:
		case SCENARIO_EXPECT_KIND_COUNT:
			break;
		}
	}
}

/* `code` is a pump result name or an IDS Command CP response code name. */
static bool code_matches(const char *code, pump_result r)
{
	if (!code[0])
		return true;
	pump_result want;
	if (pump_result_from_name(code, &want))
		return want == r;
	const char *ids = ids_rc_name(ids_rc_for_pump_result(r));
	return ids && strcmp(ids, code) == 0;
}

void expect_eval_event(expect_eval *x, const pump_event *ev)
{
	for (size_t i = 0; i < x->n; i++) {
		const scenario_expectation *e = &x->sc->expectations[i];
		accumulator *a = &x->acc[i];
		if (!in_window(e, ev->t_min))
			continue;
		if (e->kind == SCENARIO_EXPECT_ANNUNCIATION && ev->kind == PUMP_EV_ANNUNCIATION &&
		    ev->annunciation.type == e->annunciation && ev->detail &&
		    strcmp(ev->detail, "raised") == 0 && !a->raised &&
		    (!e->has_after || ev->t_min >= e->after_min)) {
			a->raised = true;
			a->raised_t = ev->t_min;
		}
		if (e->kind == SCENARIO_EXPECT_COMMAND && ev->kind == PUMP_EV_COMMAND &&
		    (e->any_command || ev->command == e->command) &&
		    (e->source < 0 || (int)ev->source == e->source) &&
		    (e->outcome == SCENARIO_OUTCOME_ANY ||
		     (e->outcome == SCENARIO_OUTCOME_ACCEPTED) == (ev->result == PUMP_OK)) &&
		    code_matches(e->code, ev->result))
			a->matches++;
	}
}

static bool within(const scenario_bounds *b, double v)
{
	if (b->has_lo && !(b->lo_open ? v > b->lo : v >= b->lo))
		return false;
	if (b->has_hi && !(b->hi_open ? v < b->hi : v <= b->hi))
		return false;
	return true;
}

/* "d2 13:40" for a run minute. */
static void clock_text(const scenario *sc, int64_t t, char *buf, size_t cap)
{
	clock_format(t + sc->start_min_of_day, buf, cap);
}

static void decide(expect_eval *x, size_t i)
{
	const scenario_expectation *e = &x->sc->expectations[i];
	const accumulator *a = &x->acc[i];
	expect_result *r = &x->results[i];
	char t1[32], t2[32];
	switch (e->kind) {
	case SCENARIO_EXPECT_BG: {
		if (a->samples == 0) {
			snprintf(r->measured, sizeof r->measured, "no samples in the window");
			r->passed = false;
			break;
		}
		const double mean = a->bg_sum / (double)a->samples;
		scenario_bounds lo_only = e->bg, hi_only = e->bg;
		lo_only.has_hi = false;
		hi_only.has_lo = false;
		const bool ok_min = within(&lo_only, a->bg_min),
		           ok_max = within(&hi_only, a->bg_max);
		const bool ok_mean = within(&e->bg_mean, mean);
		clock_text(x->sc, a->bg_min_t, t1, sizeof t1);
		clock_text(x->sc, a->bg_max_t, t2, sizeof t2);
		snprintf(r->measured, sizeof r->measured,
		         "min %.1f mg/dL at %s, max %.1f mg/dL at %s, mean %.1f mg/dL", a->bg_min,
		         t1, a->bg_max, t2, mean);
		r->passed = ok_min && ok_max && ok_mean;
		break;
	}
	case SCENARIO_EXPECT_TIME_IN_RANGE: {
		const double pct =
		    a->samples ? 100.0 * (double)a->in_range / (double)a->samples : NAN;
		snprintf(r->measured, sizeof r->measured, "%.1f%% of %lld samples in %g-%g mg/dL",
		         pct, (long long)a->samples, e->tir_low_mgdl, e->tir_high_mgdl);
		r->passed = a->samples > 0 && within(&e->tir_pct, pct);
		break;
	}
	case SCENARIO_EXPECT_ANNUNCIATION: {
		const int64_t from = e->has_after ? e->after_min : 0;
		if (a->raised) {
			clock_text(x->sc, a->raised_t, t1, sizeof t1);
			snprintf(r->measured, sizeof r->measured,
			         "raised at %s (%lld min after %s)", t1,
			         (long long)(a->raised_t - from),
			         e->has_after ? "the given time" : "t = 0");
		} else {
			snprintf(r->measured, sizeof r->measured, "not raised");
		}
		if (e->never)
			r->passed = !a->raised;
		else
			r->passed = a->raised &&
			            (e->within_min <= 0 || a->raised_t - from <= e->within_min);
		break;
	}
	case SCENARIO_EXPECT_COMMAND: {
		snprintf(r->measured, sizeof r->measured, "%lld matching command%s",
		         (long long)a->matches, a->matches == 1 ? "" : "s");
		scenario_bounds count = e->count;
		if (!count.has_lo && !count.has_hi) {
			count.has_lo = true;
			count.lo = 1;
		}
		r->passed = within(&count, (double)a->matches);
		break;
	}
	case SCENARIO_EXPECT_INSULIN_DELIVERED:
		snprintf(r->measured, sizeof r->measured, "%.3f U delivered", a->amount);
		r->passed = within(&e->amount, a->amount);
		break;
	case SCENARIO_EXPECT_CARBS:
		snprintf(r->measured, sizeof r->measured, "%.1f g eaten", a->amount);
		r->passed = within(&e->amount, a->amount);
		break;
	case SCENARIO_EXPECT_THERAPY_STATE:
		if (!a->seen_state) {
			snprintf(r->measured, sizeof r->measured, "that minute is not in the run");
			r->passed = false;
		} else {
			snprintf(r->measured, sizeof r->measured, "therapy %s",
			         pump_therapy_state_name((pump_therapy_state)a->state));
			r->passed = a->state == (int)e->therapy;
		}
		break;
	case SCENARIO_EXPECT_REFUSED: {
		snprintf(r->measured, sizeof r->measured, "%lld refusal%s%s%s",
		         (long long)a->matches, a->matches == 1 ? "" : "s",
		         e->code[0] ? " for " : "", e->code);
		scenario_bounds count = e->count;
		if (!count.has_lo && !count.has_hi) {
			count.has_lo = true;
			count.lo = 1;
		}
		r->passed = within(&count, (double)a->matches);
		break;
	}
	case SCENARIO_EXPECT_ATTACK:
	case SCENARIO_EXPECT_HISTORY: {
		const bool attack = e->kind == SCENARIO_EXPECT_ATTACK;
		if (attack)
			snprintf(r->measured, sizeof r->measured, "%lld attack%s played%s%s",
			         (long long)a->matches, a->matches == 1 ? "" : "s",
			         e->code[0] ? " answered " : "", e->code);
		else
			snprintf(r->measured, sizeof r->measured,
			         "%lld %s record%s read by a phone", (long long)a->matches,
			         ids_code_name(&ids_history_event_table, e->history_event),
			         a->matches == 1 ? "" : "s");
		scenario_bounds count = e->count;
		if (!count.has_lo && !count.has_hi) {
			count.has_lo = true;
			count.lo = 1;
		}
		r->passed = within(&count, (double)a->matches);
		break;
	}
	case SCENARIO_EXPECT_KIND_COUNT:
		r->passed = false;
		break;
	}
}

void expect_eval_attack(expect_eval *x, int64_t t_min, const char *kind, const char *answer)
{
	for (size_t i = 0; i < x->n; i++) {
		const scenario_expectation *e = &x->sc->expectations[i];
		if (e->kind != SCENARIO_EXPECT_ATTACK || !in_window(e, t_min))
			continue;
		if (e->attack >= 0 &&
		    strcmp(scenario_attack_name((scenario_attack)e->attack), kind ? kind : "") != 0)
			continue;
		if (e->code[0] && strcmp(e->code, answer ? answer : "") != 0)
			continue;
		x->acc[i].matches++;
	}
}

void expect_eval_history(expect_eval *x, int64_t t_min, uint16_t event_type, unsigned count)
{
	for (size_t i = 0; i < x->n; i++) {
		const scenario_expectation *e = &x->sc->expectations[i];
		if (e->kind == SCENARIO_EXPECT_HISTORY && in_window(e, t_min) &&
		    e->history_event == event_type)
			x->acc[i].matches += count;
	}
}

void expect_eval_refusal(expect_eval *x, int64_t t_min, const char *reason, unsigned count)
{
	for (size_t i = 0; i < x->n; i++) {
		const scenario_expectation *e = &x->sc->expectations[i];
		if (e->kind != SCENARIO_EXPECT_REFUSED || !in_window(e, t_min))
			continue;
		if (!e->code[0] || (reason && strstr(reason, e->code)))
			x->acc[i].matches += count;
	}
}

void expect_eval_finish(expect_eval *x)
{
	for (size_t i = 0; i < x->n; i++)
		decide(x, i);
}

size_t expect_eval_count(const expect_eval *x)
{
	return x->n;
}

const expect_result *expect_eval_result(const expect_eval *x, size_t i)
{
	return i < x->n ? &x->results[i] : NULL;
}

size_t expect_eval_failed(const expect_eval *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->n; i++)
		n += !x->results[i].passed;
	return n;
}
