/*
 * expect_measures — the expectations that bound a measure of the run: bg (every sample
 * above / below, the mean between), time_in_range (a percentage of the time within
 * [low, high]), insulin_delivered and carbs_eaten (totals), and the count modifier. Glucose
 * is mg/dL; a value that can only be mmol/L is refused, not read as mg/dL.
 *
 * To add a bound to one of them: its parser and a row in its mapping's table, here.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "expect_draft.h"
#include "glucose_metrics.h"
#include "scenario_limits.h"
#include "walk_values.h"

static const number_range glucose_range = {
    .what = "a glucose in mg/dL", .lo = 0.0, .hi = 1000.0, .lo_open = false};
static const number_range insulin_total_range = {
    .what = "an amount of insulin in U", .lo = 0.0, .hi = 100000.0, .lo_open = false};
static const number_range carbs_total_range = {
    .what = "grams of carbohydrate", .lo = 0.0, .hi = 1000000.0, .lo_open = false};

/* [LOW, HIGH]: two numbers of `r`, LOW <= HIGH; fills both closed ends of `out`. */
static bool walk_number_pair(walker *w, const char *key, const yaml_node_t *n,
                             const number_range *r, scenario_bounds *out)
{
	size_t count = 0;
	char what[160], item_key[KEY_PATH_MAX];
	snprintf(what, sizeof what, "a list of two numbers [low, high] (%s)", r->what);
	if (!walk_sequence(w, key, n, what, &count))
		return false;
	if (count != 2)
		return walk_fail(w, n->start_mark, key, "expected %s, got a list of %zu", what,
		                 count);
	double v[2];
	for (size_t i = 0; i < 2; i++) {
		key_path_item(item_key, sizeof item_key, key, i);
		if (!walk_number_in_range(w, item_key, walk_item(w, n, i), r, &v[i]))
			return false;
	}
	if (v[1] < v[0]) {
		key_path_item(item_key, sizeof item_key, key, 1);
		return walk_fail(w, walk_item(w, n, 1)->start_mark, item_key,
		                 "expected a high end at least the low end %g, got %s", v[0],
		                 walk_show(walk_item(w, n, 1)).text);
	}
	*out = (scenario_bounds){.has_lo = true, .has_hi = true, .lo = v[0], .hi = v[1]};
	return true;
}

/*
 * Glucose in expectations is mg/dL. A value above 0 and under 20 mg/dL bounds nothing a
 * patient can live through; it is almost surely mmol/L (3.9 mmol/L is 70 mg/dL), so it is
 * refused rather than read as mg/dL without a word.
 */
static bool glucose_not_mmol(walker *w, const char *key, const yaml_node_t *n, double mgdl)
{
	if (mgdl <= 0.0 || mgdl >= 20.0)
		return true;
	return walk_fail(w, n->start_mark, key,
	                 "expected a glucose in mg/dL (0, or 20 to 1000), got %s: that looks like "
	                 "mmol/L (%g mmol/L is %.0f mg/dL)",
	                 walk_show(n).text, mgdl, mgdl * 18.016);
}

static bool walk_glucose_mgdl(walker *w, const char *key, const yaml_node_t *n, double *out)
{
	return walk_number_in_range(w, key, n, &glucose_range, out) &&
	       glucose_not_mmol(w, key, n, *out);
}

/* "60%" (quoted or not) or a plain number, both meaning percent, 0 … 100. */
static bool walk_percent(walker *w, const char *key, const yaml_node_t *n, double *out)
{
	const char *what = "a percentage 0% to 100% (written 60% or 60)";
	if (node_is_scalar(n)) {
		const char *t = node_text(n);
		size_t len = strlen(t);
		if (len >= 1 && t[len - 1] == '%') {
			double pct;
			if (!percent_of_text(t, &pct) || pct < 0.0 || pct > 100.0)
				return walk_fail_expected(w, key, n, what);
			*out = pct;
			return true;
		}
	}
	double pct;
	if (!walk_number(w, key, n, what, &pct))
		return false;
	if (pct < 0.0 || pct > 100.0)
		return walk_fail_expected(w, key, n, what);
	/* A plain 0.6 is 0.6 %, but was most likely meant as a fraction (60 %): say which. */
	if (pct > 0.0 && pct < 1.0)
		return walk_fail(
		    w, n->start_mark, key,
		    "expected a percentage 0%% to 100%% (written 60%% or 60), got %s: a "
		    "plain number is percent, so this is %g%%; write %g%% for a fraction, "
		    "or %s%% if %g%% is meant",
		    walk_show(n).text, pct, pct * 100.0, node_text(n), pct);
	*out = pct;
	return true;
}

/* "key: expected HIGH > LOW" for a pair of bounds given as two keys. */
static bool walk_bounds_order(walker *w, const char *key, const char *lo_name, const char *hi_name,
                              const yaml_node_t *hi_node, const scenario_bounds *b, bool strict)
{
	if (!b->has_lo || !b->has_hi || (strict ? b->hi > b->lo : b->hi >= b->lo))
		return true;
	char child[KEY_PATH_MAX];
	key_path_join(child, sizeof child, key, hi_name);
	return walk_fail(w, hi_node->start_mark, child, "expected %s %s (%g), got %s",
	                 strict ? "more than" : "at least", lo_name, b->lo,
	                 walk_show(hi_node).text);
}

/* bg: {min_above, max_below, mean_between} */

static bool parse_bg_min_above(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->lo_node = v;
	d->e.bg.has_lo = true;
	d->e.bg.lo_open = true;
	return walk_glucose_mgdl(w, key, v, &d->e.bg.lo);
}

static bool parse_bg_max_below(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->hi_node = v;
	d->e.bg.has_hi = true;
	d->e.bg.hi_open = true;
	return walk_glucose_mgdl(w, key, v, &d->e.bg.hi);
}

static bool parse_bg_mean_between(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->mean_node = v;
	char item[KEY_PATH_MAX];
	if (!walk_number_pair(w, key, v, &glucose_range, &d->e.bg_mean))
		return false;
	key_path_item(item, sizeof item, key, 0);
	if (!glucose_not_mmol(w, item, walk_item(w, v, 0), d->e.bg_mean.lo))
		return false;
	key_path_item(item, sizeof item, key, 1);
	return glucose_not_mmol(w, item, walk_item(w, v, 1), d->e.bg_mean.hi);
}

static const field_spec bg_fields[] = {
    {.name = "min_above", .parse = parse_bg_min_above},
    {.name = "max_below", .parse = parse_bg_max_below},
    {.name = "mean_between", .parse = parse_bg_mean_between},
};

static const mapping_spec bg_spec = {
    .what = "a mapping such as {min_above: 54, max_below: 300}",
    FIELDS(bg_fields),
};

bool parse_expect_bg(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_BG;
	if (!walk_mapping(w, key, v, &bg_spec, d))
		return false;
	if (!d->lo_node && !d->hi_node && !d->mean_node)
		return walk_fail(
		    w, v->start_mark, key,
		    "expected at least one of: min_above, max_below, mean_between, got an "
		    "empty mapping");
	return walk_bounds_order(w, key, "min_above", "max_below", d->hi_node, &d->e.bg, true);
}

/* time_in_range: {low, high, at_least, at_most} */

static bool parse_tir_low(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->low_node = v;
	return walk_glucose_mgdl(w, key, v, &d->e.tir_low_mgdl);
}

static bool parse_tir_high(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->high_node = v;
	return walk_glucose_mgdl(w, key, v, &d->e.tir_high_mgdl);
}

static bool parse_tir_at_least(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->lo_node = v;
	d->e.tir_pct.has_lo = true;
	return walk_percent(w, key, v, &d->e.tir_pct.lo);
}

static bool parse_tir_at_most(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->hi_node = v;
	d->e.tir_pct.has_hi = true;
	return walk_percent(w, key, v, &d->e.tir_pct.hi);
}

static const field_spec tir_fields[] = {
    {.name = "low", .parse = parse_tir_low},
    {.name = "high", .parse = parse_tir_high},
    {.name = "at_least", .parse = parse_tir_at_least},
    {.name = "at_most", .parse = parse_tir_at_most},
};

static const mapping_spec tir_spec = {
    .what = "a mapping such as {low: 70, high: 180, at_least: 70%}",
    FIELDS(tir_fields),
};

bool parse_expect_time_in_range(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_TIME_IN_RANGE;
	d->e.tir_low_mgdl = GLUCOSE_RANGE_LOW_MGDL;
	d->e.tir_high_mgdl = GLUCOSE_RANGE_HIGH_MGDL;
	if (!walk_mapping(w, key, v, &tir_spec, d))
		return false;
	if (!d->lo_node && !d->hi_node)
		return walk_fail(w, v->start_mark, key,
		                 "expected at_least or at_most (a percentage of the time, e.g. "
		                 "at_least: 70%%), got neither");
	if (!(d->e.tir_high_mgdl > d->e.tir_low_mgdl)) {
		const yaml_node_t *at = d->high_node ? d->high_node : d->low_node;
		char child[KEY_PATH_MAX];
		key_path_join(child, sizeof child, key, d->high_node ? "high" : "low");
		return walk_fail(w, at->start_mark, child,
		                 "expected a range with low < high (%g and %g mg/dL), got %s",
		                 d->e.tir_low_mgdl, d->e.tir_high_mgdl, walk_show(at).text);
	}
	return walk_bounds_order(w, key, "at_least", "at_most", d->hi_node, &d->e.tir_pct, false);
}

static bool parse_count_at_least(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	uint64_t n;
	d->lo_node = v;
	if (!walk_integer(w, key, v, 0, MAX_EVENTS, &n))
		return false;
	d->e.count.has_lo = true;
	d->e.count.lo = (double)n;
	return true;
}

static bool parse_count_at_most(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	uint64_t n;
	d->hi_node = v;
	if (!walk_integer(w, key, v, 0, MAX_EVENTS, &n))
		return false;
	d->e.count.has_hi = true;
	d->e.count.hi = (double)n;
	return true;
}

static const field_spec count_fields[] = {
    {.name = "at_least", .parse = parse_count_at_least},
    {.name = "at_most", .parse = parse_count_at_most},
};

static const mapping_spec count_spec = {
    .what = "a number of commands N, or a mapping such as {at_least: 1, at_most: 5}",
    FIELDS(count_fields),
};

bool parse_expect_count(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->count_node = v;
	if (v->type != YAML_MAPPING_NODE) {
		uint64_t n;
		if (!walk_integer(w, key, v, 0, MAX_EVENTS, &n))
			return false;
		d->e.count = (scenario_bounds){
		    .has_lo = true, .has_hi = true, .lo = (double)n, .hi = (double)n};
		return true;
	}
	if (!walk_mapping(w, key, v, &count_spec, d))
		return false;
	if (!d->lo_node && !d->hi_node)
		return walk_fail(
		    w, v->start_mark, key,
		    "expected at least one of: at_least, at_most, got an empty mapping");
	return walk_bounds_order(w, key, "at_least", "at_most", d->hi_node, &d->e.count, false);
}

/* insulin_delivered / carbs_eaten: {between: [LO, HI]} or at_least / at_most */

static const number_range *amount_range(const expect_draft *d)
{
	return d->e.kind == SCENARIO_EXPECT_CARBS ? &carbs_total_range : &insulin_total_range;
}

static bool parse_amount_between(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->between_node = v;
	return walk_number_pair(w, key, v, amount_range(d), &d->e.amount);
}

static bool parse_amount_at_least(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->lo_node = v;
	d->e.amount.has_lo = true;
	return walk_number_in_range(w, key, v, amount_range(d), &d->e.amount.lo);
}

static bool parse_amount_at_most(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->hi_node = v;
	d->e.amount.has_hi = true;
	return walk_number_in_range(w, key, v, amount_range(d), &d->e.amount.hi);
}

static const field_spec amount_fields[] = {
    {.name = "between", .parse = parse_amount_between},
    {.name = "at_least", .parse = parse_amount_at_least},
    {.name = "at_most", .parse = parse_amount_at_most},
};

static const mapping_spec amount_spec = {
    .what = "a mapping such as {between: [30, 45]} or {at_least: 30}",
    FIELDS(amount_fields),
};

static bool parse_amount_mapping(walker *w, const char *key, yaml_node_t *v, expect_draft *d)
{
	if (!walk_mapping(w, key, v, &amount_spec, d))
		return false;
	if (!d->between_node && !d->lo_node && !d->hi_node)
		return walk_fail(
		    w, v->start_mark, key,
		    "expected one of: between, at_least, at_most, got an empty mapping");
	if (d->between_node && (d->lo_node || d->hi_node)) {
		const yaml_node_t *other = d->lo_node ? d->lo_node : d->hi_node;
		char child[KEY_PATH_MAX];
		key_path_join(child, sizeof child, key, d->lo_node ? "at_least" : "at_most");
		return walk_fail(w, other->start_mark, child,
		                 "'%s' cannot be combined with 'between' (between gives both ends)",
		                 d->lo_node ? "at_least" : "at_most");
	}
	return walk_bounds_order(w, key, "at_least", "at_most", d->hi_node, &d->e.amount, false);
}

bool parse_expect_insulin(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_INSULIN_DELIVERED;
	return parse_amount_mapping(w, key, v, d);
}

bool parse_expect_carbs(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->e.kind = SCENARIO_EXPECT_CARBS;
	return parse_amount_mapping(w, key, v, d);
}
