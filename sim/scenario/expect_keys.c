/*
 * expect_keys — `expect:`, the list of what a run must show (docs/scenarios.md
 * "Expectations"): the expectation mapping's table; the kinds that name something —
 * annunciation, command (with result, code, source), therapy_state, refused, attack (with
 * answer), history; the time modifiers (window, within, after, never, at); the checks that
 * each modifier goes with its kind; and the text of each expectation as written, for
 * reports. Names come from their owners: the pump model's (commands, results,
 * annunciations, therapy states) and the protocol layer's code tables (IDS response codes,
 * ATT errors, IDS history events), never spelled out again here.
 *
 * To add an expectation kind: its parser and a row in expect_fields here (or its parser in
 * expect_measures.c), the kind in scenario.h, its evaluation in sim/expect.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ble_server.h"   /* att_error_name: attack answers */
#include "pump_binding.h" /* ids_rc_from_name and the IDS response code table */
#include "expect_draft.h"
#include "load_array.h"
#include "loader.h"
#include "scenario_keys.h"
#include "walk_time.h"
#include "walk_values.h"

enum { MAX_EXPECTATIONS = 100000 };

static const char *const expect_kind_names[SCENARIO_EXPECT_KIND_COUNT] = {
    [SCENARIO_EXPECT_BG] = "bg",
    [SCENARIO_EXPECT_TIME_IN_RANGE] = "time_in_range",
    [SCENARIO_EXPECT_ANNUNCIATION] = "annunciation",
    [SCENARIO_EXPECT_COMMAND] = "command",
    [SCENARIO_EXPECT_INSULIN_DELIVERED] = "insulin_delivered",
    [SCENARIO_EXPECT_CARBS] = "carbs_eaten",
    [SCENARIO_EXPECT_THERAPY_STATE] = "therapy_state",
    [SCENARIO_EXPECT_REFUSED] = "refused",
    [SCENARIO_EXPECT_ATTACK] = "attack",
    [SCENARIO_EXPECT_HISTORY] = "history",
};

/* annunciation: NAME (with within / after / never next to it) */

static bool parse_expect_annunciation(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const pump_annunciation_type *types;
	const size_t n = pump_annunciation_types(&types);
	const char *names[32];
	if (n > sizeof names / sizeof names[0])
		return false;
	for (size_t i = 0; i < n; i++)
		names[i] = pump_annunciation_name(types[i]);
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_ANNUNCIATION;
	if (!walk_word(w, key, v, "an annunciation", names, n, &i))
		return false;
	d->e.annunciation = types[i];
	return true;
}

static bool parse_expect_within(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	int64_t minutes;
	d->within_node = v;
	if (!walk_duration(w, key, v, &minutes))
		return false;
	d->e.within_min = (int)minutes; /* <= 3650 days, fits */
	return true;
}

static bool parse_expect_after(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->after_node = v;
	d->e.has_after = true;
	return walk_run_time(w, key, v, &d->e.after_min) &&
	       walk_within_run(w, key, v, d->e.after_min, false);
}

static bool parse_expect_never(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->never_node = v;
	d->e.never = true;
	return walk_true(w, key, v);
}

/* command: NAME | any (with result / code / source / count next to it) */

static bool parse_expect_command(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	/* the pump's audit names, the scenario's event words for two of them, and any */
	const char *names[PUMP_COMMAND_COUNT + 3];
	size_t n = 0;
	for (int c = 0; c < PUMP_COMMAND_COUNT; c++)
		names[n++] = pump_command_name((pump_command)c);
	names[n++] = "fill";
	names[n++] = "confirm";
	names[n++] = "any";
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_COMMAND;
	if (!walk_word(w, key, v, "a pump command", names, n, &i))
		return false;
	if (strcmp(names[i], "any") == 0)
		d->e.any_command = true;
	else if (strcmp(names[i], "fill") == 0)
		d->e.command = PUMP_CMD_FILL_RESERVOIR;
	else if (strcmp(names[i], "confirm") == 0)
		d->e.command = PUMP_CMD_CONFIRM_ANNUNCIATION;
	else
		d->e.command = (pump_command)i;
	return true;
}

static bool parse_expect_result(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	static const char *const words[] = {"accepted", "rejected", "any"};
	static const scenario_command_outcome outcomes[] = {
	    SCENARIO_OUTCOME_ACCEPTED, SCENARIO_OUTCOME_REJECTED, SCENARIO_OUTCOME_ANY};
	size_t i = 0;
	d->result_node = v;
	if (!walk_word(w, key, v, "a result", words, 3, &i))
		return false;
	d->e.outcome = outcomes[i];
	return true;
}

/* A pump result name ("max_bolus") or an IDS response code name ("parameter_out_of_range"). */
static bool parse_expect_code(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *what = "a result code: a pump result (ok, max_bolus, not_running, …) or an "
	                   "IDS response code (success, parameter_out_of_range, …)";
	const char *t;
	pump_result r;
	d->code_node = v;
	if (!walk_text(w, key, v, what, &t))
		return false;
	ids_rc rc;
	bool known = pump_result_from_name(t, &r) || ids_rc_from_name(t, &rc);
	if (known && strlen(t) < sizeof d->e.code) {
		snprintf(d->e.code, sizeof d->e.code, "%s", t);
		return true;
	}
	suggestion sug = suggest_begin(t);
	for (int c = 0; c < PUMP_RESULT_COUNT; c++)
		suggest_consider(&sug, pump_result_name((pump_result)c));
	for (size_t i = 0; i < ids_rc_table.count; i++)
		suggest_consider(&sug, ids_rc_table.codes[i].name);
	return walk_fail_choice(w, key, v, what, &sug);
}

/* "ok" and "success" are acceptances; every other code is a refusal. */
static bool code_is_acceptance(const char *code)
{
	return strcmp(code, "ok") == 0 || strcmp(code, "success") == 0;
}

static bool parse_expect_source(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	static const char *const words[] = {"phone", "pump", "automation", "controller"};
	static const pump_source sources[] = {PUMP_SOURCE_PHONE, PUMP_SOURCE_PUMP,
	                                      PUMP_SOURCE_AUTOMATION, PUMP_SOURCE_CONTROLLER};
	size_t i = 0;
	d->source_node = v;
	if (!walk_word(w, key, v, "a source", words, sizeof words / sizeof words[0], &i))
		return false;
	d->e.source = (int)sources[i];
	return true;
}

/* therapy_state: run | pause | stop, at: CLOCK */

static bool parse_expect_therapy_state(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	static const pump_therapy_state states[] = {PUMP_THERAPY_RUN, PUMP_THERAPY_PAUSE,
	                                            PUMP_THERAPY_STOP};
	const char *names[3];
	for (size_t i = 0; i < 3; i++)
		names[i] = pump_therapy_state_name(states[i]);
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_THERAPY_STATE;
	if (!walk_word(w, key, v, "a therapy state", names, 3, &i))
		return false;
	d->e.therapy = states[i];
	return true;
}

static bool parse_expect_at(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	d->at_node = v;
	return walk_run_time(w, key, v, &d->e.at_min) &&
	       walk_within_run(w, key, v, d->e.at_min, false);
}

/* window: [FROM, TO], clock times, TO exclusive (it may be the end of the run). */
static bool parse_expect_window(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *what = "a window [FROM, TO] of two clock times such as [\"d1 06:00\", \"d1 "
	                   "23:00\"]";
	char from_key[KEY_PATH_MAX], to_key[KEY_PATH_MAX];
	size_t count = 0;
	d->window_node = v;
	if (!walk_sequence(w, key, v, what, &count))
		return false;
	if (count != 2)
		return walk_fail(w, v->start_mark, key, "expected %s, got a list of %zu", what,
		                 count);
	const yaml_node_t *from = walk_item(w, v, 0), *to = walk_item(w, v, 1);
	key_path_item(from_key, sizeof from_key, key, 0);
	key_path_item(to_key, sizeof to_key, key, 1);
	int64_t from_min, to_min;
	if (!walk_run_time(w, from_key, from, &from_min) ||
	    !walk_within_run(w, from_key, from, from_min, false) ||
	    !walk_run_time(w, to_key, to, &to_min))
		return false;
	if (to_min <= from_min)
		return walk_fail(
		    w, to->start_mark, to_key,
		    "expected a time after the window's start %s (the end is exclusive), "
		    "got %s",
		    walk_show_bare(from).text, walk_show(to).text);
	if (!walk_within_run(w, to_key, to, to_min, true))
		return false;
	d->e.has_window = true;
	d->e.window_from_min = from_min;
	d->e.window_to_min = to_min;
	return true;
}

/*
 * refused: any | REASON — refusals of the pump's Bluetooth server (audit events); REASON is
 * matched as part of the audit's reason ("replay", "e2e", "authentication", "rate limit",
 * "invalid operand", …; docs/ble.md lists them).
 */
static bool parse_expect_refused(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *t;
	d->e.kind = SCENARIO_EXPECT_REFUSED;
	if (!walk_text(w, key, v, "any, or a reason such as replay, e2e or authentication", &t))
		return false;
	if (strlen(t) >= sizeof d->e.code || !*t)
		return walk_fail_expected(w, key, v, "a reason of at most 47 characters");
	snprintf(d->e.code, sizeof d->e.code, "%s", strcmp(t, "any") == 0 ? "" : t);
	return true;
}

/*
 * attack: KIND | any — attacks the run played (each reports what it sent, engine_ble.c);
 * with `answer:` only those whose last request got that answer.
 */
static bool parse_expect_attack(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *names[SCENARIO_ATTACK_COUNT + 1];
	for (int i = 0; i < SCENARIO_ATTACK_COUNT; i++)
		names[i] = scenario_attack_name((scenario_attack)i);
	names[SCENARIO_ATTACK_COUNT] = "any";
	size_t i = 0;
	d->e.kind = SCENARIO_EXPECT_ATTACK;
	if (!walk_word(w, key, v, "an attack kind", names, SCENARIO_ATTACK_COUNT + 1, &i))
		return false;
	d->e.attack = i == SCENARIO_ATTACK_COUNT ? -1 : (int)i;
	return true;
}

/* answer: what the attack's last request got — an ATT error (e2e_invalid_counter,
 * insufficient_authentication, …), an IDS response code (procedure_not_applicable, …),
 * success, accepted (a read or plain write went through) or refused (another CP's code). */
static bool parse_expect_answer(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *names[300];
	size_t n = 0;
	names[n++] = "accepted";
	names[n++] = "refused";
	for (size_t i = 0; i < ids_rc_table.count; i++)
		names[n++] = ids_rc_table.codes[i].name;
	for (int c = 1; c < 256; c++)
		if (strcmp(att_error_name((uint8_t)c), "unknown") != 0)
			names[n++] = att_error_name((uint8_t)c);
	const char *what = "an answer such as e2e_invalid_counter, insufficient_authentication, "
	                   "procedure_not_applicable, success or accepted (docs/scenarios.md lists "
	                   "them)";
	const char *t;
	d->answer_node = v;
	if (!walk_text(w, key, v, what, &t))
		return false;
	suggestion sug = suggest_begin(t);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t, names[i]) == 0) {
			snprintf(d->e.code, sizeof d->e.code, "%s", names[i]);
			return true;
		}
		suggest_consider(&sug, names[i]);
	}
	return walk_fail_choice(w, key, v, what, &sug);
}

/* history: EVENT — IDS history records (by event type name, e.g. bolus_delivered_1) that
 * phones received with read: history. */
static bool parse_expect_history(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	expect_draft *d = ctx;
	const char *what = "an IDS history event such as bolus_delivered_1 or "
	                   "therapy_control_state_changed (docs/ble.md lists them)";
	const char *t;
	d->e.kind = SCENARIO_EXPECT_HISTORY;
	if (!walk_text(w, key, v, what, &t))
		return false;
	suggestion sug = suggest_begin(t);
	for (size_t i = 0; i < ids_history_event_table.count; i++) {
		if (strcmp(t, ids_history_event_table.codes[i].name) == 0) {
			d->e.history_event = ids_history_event_table.codes[i].value;
			return true;
		}
		suggest_consider(&sug, ids_history_event_table.codes[i].name);
	}
	return walk_fail_choice(w, key, v, what, &sug);
}

/* Table order is parse order: the kind first (modifiers may depend on it). */
static const field_spec expect_fields[] = {
    {.name = "bg", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_bg},
    {.name = "time_in_range",
     .one_of_group = EXPECT_KIND_GROUP,
     .parse = parse_expect_time_in_range},
    {.name = "annunciation", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_annunciation},
    {.name = "command", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_command},
    {.name = "insulin_delivered", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_insulin},
    {.name = "carbs_eaten", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_carbs},
    {.name = "therapy_state",
     .one_of_group = EXPECT_KIND_GROUP,
     .parse = parse_expect_therapy_state},
    {.name = "refused", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_refused},
    {.name = "attack", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_attack},
    {.name = "history", .one_of_group = EXPECT_KIND_GROUP, .parse = parse_expect_history},
    /* modifiers, checked against the kind after parsing */
    {.name = "window", .parse = parse_expect_window},
    {.name = "within", .parse = parse_expect_within},
    {.name = "after", .parse = parse_expect_after},
    {.name = "never", .parse = parse_expect_never},
    {.name = "result", .parse = parse_expect_result},
    {.name = "code", .parse = parse_expect_code},
    {.name = "source", .parse = parse_expect_source},
    {.name = "count", .parse = parse_expect_count},
    {.name = "at", .parse = parse_expect_at},
    {.name = "answer", .parse = parse_expect_answer},
};

static const mapping_spec expect_spec = {
    .what = "an expectation such as {bg: {min_above: 54}}",
    FIELDS(expect_fields),
};

/* Modifiers belong to one kind; never excludes within/after; a code agrees with result. */
static bool check_expect_modifiers(walker *w, const char *item_key, expect_draft *d)
{
	const scenario_expect_kind kind = d->e.kind;
	char key[KEY_PATH_MAX];
	const struct {
		const yaml_node_t *node;
		const char *name;
		scenario_expect_kind kind;
	} modifiers[] = {
	    {d->within_node, "within", SCENARIO_EXPECT_ANNUNCIATION},
	    {d->after_node, "after", SCENARIO_EXPECT_ANNUNCIATION},
	    {d->never_node, "never", SCENARIO_EXPECT_ANNUNCIATION},
	    {d->result_node, "result", SCENARIO_EXPECT_COMMAND},
	    {d->code_node, "code", SCENARIO_EXPECT_COMMAND},
	    {d->source_node, "source", SCENARIO_EXPECT_COMMAND},
	    {d->count_node, "count", SCENARIO_EXPECT_COMMAND},
	    {d->at_node, "at", SCENARIO_EXPECT_THERAPY_STATE},
	    {d->answer_node, "answer", SCENARIO_EXPECT_ATTACK},
	};
	for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++) {
		if (modifiers[i].node == NULL || modifiers[i].kind == kind)
			continue;
		if ((kind == SCENARIO_EXPECT_REFUSED || kind == SCENARIO_EXPECT_ATTACK ||
		     kind == SCENARIO_EXPECT_HISTORY) &&
		    modifiers[i].node == d->count_node)
			continue; /* a count of refusals, attacks, records */
		key_path_join(key, sizeof key, item_key, modifiers[i].name);
		return walk_fail(w, modifiers[i].node->start_mark, key, "'%s' goes with %s, not %s",
		                 modifiers[i].name, expect_kind_names[modifiers[i].kind],
		                 expect_kind_names[kind]);
	}
	if (kind == SCENARIO_EXPECT_THERAPY_STATE) {
		if (d->window_node) {
			key_path_join(key, sizeof key, item_key, "window");
			return walk_fail(
			    w, d->window_node->start_mark, key,
			    "'window' does not go with therapy_state (it is checked at one "
			    "moment, at)");
		}
		if (!d->at_node)
			return walk_fail(
			    w, d->item_node->start_mark, item_key,
			    "a therapy_state expectation needs at (e.g. at: \"14:30\")");
	}
	if (d->never_node && (d->within_node || d->after_node)) {
		const yaml_node_t *other = d->within_node ? d->within_node : d->after_node;
		key_path_join(key, sizeof key, item_key, d->within_node ? "within" : "after");
		return walk_fail(
		    w, other->start_mark, key,
		    "'%s' cannot be combined with 'never' (never: the annunciation is not "
		    "raised at all, in the window if one is given)",
		    d->within_node ? "within" : "after");
	}
	if (d->code_node && d->result_node && d->e.outcome != SCENARIO_OUTCOME_ANY) {
		bool accepted = code_is_acceptance(d->e.code);
		if (accepted != (d->e.outcome == SCENARIO_OUTCOME_ACCEPTED)) {
			key_path_join(key, sizeof key, item_key, "code");
			return walk_fail(
			    w, d->code_node->start_mark, key,
			    "expected a code of %s command, got %s (a code of %s command)",
			    accepted ? "a rejected" : "an accepted", walk_show(d->code_node).text,
			    accepted ? "an accepted" : "a rejected");
		}
	}
	return true;
}

bool scenario_key_expect(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	load_state *ls = w->ls;
	size_t count = 0;
	if (!walk_sequence(w, key, v, "a list of expectations", &count))
		return false;
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX];
		yaml_node_t *item = walk_item(w, v, i);
		key_path_item(item_key, sizeof item_key, key, i);
		expect_draft d = {.item_node = item};
		d.e.source = -1;
		if (!walk_mapping(w, item_key, item, &expect_spec, &d) ||
		    !check_expect_modifiers(w, item_key, &d))
			return false;
		if (d.e.kind == SCENARIO_EXPECT_COMMAND && d.count_node == NULL)
			d.e.count = (scenario_bounds){.has_lo = true, .lo = 1.0};
		d.e.file = w->file;
		d.e.line = (int)item->start_mark.line + 1;
		d.e.column = (int)item->start_mark.column + 1;
		walk_render_one_line(w, item, d.e.text, sizeof d.e.text);
		if (s->expectation_count >= MAX_EXPECTATIONS)
			return walk_fail(w, item->start_mark, item_key,
			                 "expected at most %d expectations in all, got more",
			                 MAX_EXPECTATIONS);
		scenario_expectation *grown =
		    load_grow_array(s->expectations, &ls->expectations_cap,
		                    s->expectation_count + 1, sizeof *s->expectations);
		if (grown == NULL)
			return walk_fail(w, item->start_mark, item_key, "out of memory");
		s->expectations = grown;
		s->expectations[s->expectation_count++] = d.e;
	}
	return true;
}
