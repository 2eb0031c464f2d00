/*
 * event_list — `events:`, the list: each item read (event_keys.c), its time resolved (a
 * clock time, or "+90m" after the event before it in the same list) and checked within the
 * run, repeats (every / until / count) expanded into plain events, each event stamped with
 * its file and place; and, once the whole scenario is read, the events sorted by time,
 * stably (file order, then includes), so that the engine only ever sees a sorted list.
 *
 * Must never: let the events of one scenario grow past MAX_EVENTS (checked before any
 * allocation), or reorder events of the same minute.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_draft.h"
#include "load_array.h"
#include "loader.h"
#include "scenario_keys.h"
#include "scenario_limits.h"
#include "walk_time.h"

/* A meal without `eat_rate` is eaten at 5 g/min (simglucose's rate, kept by the engine). */
static const double DEFAULT_EAT_RATE_G_PER_MIN = 5.0;

/*
 * Appends the event, expanded when it repeats: at, at + every, … while before the end of
 * the run (or `until`), or `count` times. Every copy keeps the definition's file and place.
 */
static bool append_event(walker *w, const char *item_key, const event_draft *d)
{
	load_state *ls = w->ls;
	scenario *s = ls->s;
	const scenario_event *e = &d->event;
	char key[KEY_PATH_MAX];
	uint64_t n = 1;
	if (d->every_node) {
		int64_t end_min = s->duration_min;
		if (d->until_node) {
			int64_t until_min = run_min_of_clock(s, d->until_day, d->until_min_of_day);
			if (until_min <= e->at_min) {
				key_path_join(key, sizeof key, item_key, "until");
				return walk_fail(
				    w, d->until_node->start_mark, key,
				    "expected a time after the first occurrence at %s (until "
				    "is exclusive), got %s",
				    clock_text_of(s->start_min_of_day + e->at_min).text,
				    walk_show(d->until_node).text);
			}
			if (until_min < end_min)
				end_min = until_min;
		}
		/* at_min < end_min here: occurrences at + k·every < end for k = 0 … fit - 1 */
		uint64_t fit = (uint64_t)((end_min - 1 - e->at_min) / d->every_min) + 1;
		if (d->count_node) {
			if (d->repeat_count > fit) {
				key_path_join(key, sizeof key, item_key, "count");
				return walk_fail(
				    w, d->count_node->start_mark, key,
				    "expected at most %llu (occurrence %llu would be at %s, at or "
				    "after the end of the run at %s), got %s",
				    (unsigned long long)fit, (unsigned long long)fit + 1,
				    clock_text_of(s->start_min_of_day + e->at_min +
				                  (int64_t)fit * d->every_min)
				        .text,
				    clock_text_of(s->start_min_of_day + s->duration_min).text,
				    walk_show(d->count_node).text);
			}
			n = d->repeat_count;
		} else {
			n = fit;
		}
	}
	if (n > (uint64_t)MAX_EVENTS - s->event_count) {
		const yaml_node_t *at = d->every_node ? d->every_node : d->item_node;
		key_path_join(key, sizeof key, item_key, d->every_node ? "every" : "");
		return walk_fail(w, at->start_mark, d->every_node ? key : item_key,
		                 "expected at most %d events in all (repeats expanded), got %llu "
		                 "(this one adds %llu)",
		                 MAX_EVENTS, (unsigned long long)(s->event_count + n),
		                 (unsigned long long)n);
	}
	scenario_event *grown = load_grow_array(s->events, &ls->events_cap,
	                                        s->event_count + (size_t)n, sizeof *s->events);
	if (grown == NULL)
		return walk_fail(w, d->item_node->start_mark, item_key,
		                 "out of memory for %llu events",
		                 (unsigned long long)(s->event_count + n));
	s->events = grown;
	for (uint64_t k = 0; k < n; k++) {
		scenario_event copy = *e;
		copy.at_min = e->at_min + (int64_t)k * d->every_min;
		s->events[s->event_count++] = copy;
	}
	return true;
}

bool scenario_key_events(walker *w, const char *key, yaml_node_t *v, void *ctx)
{
	scenario *s = ctx;
	size_t count = 0;
	if (!walk_sequence(w, key, v, "a list of events", &count))
		return false;
	bool have_previous = false;
	int64_t previous_at_min = 0; /* the previous event's time (its first, if it repeats) */
	for (size_t i = 0; i < count; i++) {
		char item_key[KEY_PATH_MAX], at_key[KEY_PATH_MAX], what[64], at_text[112];
		yaml_node_t *item = walk_item(w, v, i);
		key_path_item(item_key, sizeof item_key, key, i);
		event_draft d = {.item_node = item};
		if (!event_read(w, item_key, item, &d))
			return false;
		key_path_join(at_key, sizeof at_key, item_key, "at");
		event_describe(&d.event, what, sizeof what);
		int64_t at_min;
		if (d.relative_at) {
			if (!have_previous)
				return walk_fail(
				    w, d.at_node->start_mark, at_key,
				    "expected a clock time \"HH:MM\" or \"dN HH:MM\" for the "
				    "first event (a relative time counts from the event before "
				    "it), got %s",
				    walk_show(d.at_node).text);
			at_min = previous_at_min + d.offset_min;
			snprintf(at_text, sizeof at_text, "%s (%s)", walk_show_bare(d.at_node).text,
			         clock_text_of(s->start_min_of_day + at_min).text);
		} else {
			at_min = run_min_of_clock(s, d.day, d.min_of_day);
			snprintf(at_text, sizeof at_text, "%s", walk_show_bare(d.at_node).text);
		}
		if (at_min < 0)
			return walk_fail(
			    w, d.at_node->start_mark, at_key,
			    "%s at %s is before the start %s (t = %lld min; event times are "
			    "clock times, use dN HH:MM for later days)",
			    what, at_text, clock_text_of(s->start_min_of_day).text,
			    (long long)at_min);
		if (at_min >= s->duration_min)
			return walk_fail(
			    w, d.at_node->start_mark, at_key,
			    "%s at %s is at or after the end (t = %lld min, duration %lld min: "
			    "the scenario ends at %s)",
			    what, at_text, (long long)at_min, (long long)s->duration_min,
			    clock_text_of(s->start_min_of_day + s->duration_min).text);
		d.event.at_min = at_min;
		d.event.file = w->file;
		d.event.line = (int)item->start_mark.line + 1;
		d.event.column = (int)item->start_mark.column + 1;
		if (d.event.kind == SCENARIO_EVENT_MEAL && d.eat_rate_node == NULL)
			d.event.eat_rate_g_per_min = DEFAULT_EAT_RATE_G_PER_MIN;
		if (!append_event(w, item_key, &d))
			return false;
		have_previous = true;
		previous_at_min = at_min;
	}
	return true;
}

/* Sort key: time, then place in the list before sorting (file order, includes after). */
typedef struct event_order {
	int64_t at_min;
	size_t index;
} event_order;

static int compare_event_order(const void *pa, const void *pb)
{
	const event_order *a = pa, *b = pb;
	if (a->at_min != b->at_min)
		return a->at_min < b->at_min ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
}

/*
 * Stable sort by time, O(n log n) (a million repeated events must not take minutes):
 * sort (time, index) keys, then move the events along the permutation's cycles in place.
 * False when out of memory (the events are untouched then).
 */
bool scenario_sort_events(scenario_event *events, size_t count)
{
	bool sorted = true;
	for (size_t i = 1; i < count && sorted; i++)
		sorted = events[i - 1].at_min <= events[i].at_min;
	if (sorted)
		return true;
	event_order *order = malloc(count * sizeof *order);
	if (order == NULL)
		return false;
	for (size_t i = 0; i < count; i++)
		order[i] = (event_order){.at_min = events[i].at_min, .index = i};
	qsort(order, count, sizeof *order, compare_event_order);
	/* Position j takes the event now at order[j].index; a done position points at itself. */
	for (size_t j = 0; j < count; j++) {
		if (order[j].index == j)
			continue;
		scenario_event held = events[j];
		size_t k = j;
		for (;;) {
			size_t from = order[k].index;
			order[k].index = k;
			if (from == j) {
				events[k] = held;
				break;
			}
			events[k] = events[from];
			k = from;
		}
	}
	free(order);
	return true;
}

bool scenario_add_events(scenario *s, const scenario_event *events, size_t count)
{
	if (count == 0)
		return true;
	for (size_t i = 0; i < count; i++)
		if (events[i].at_min < 0 || events[i].at_min >= s->duration_min)
			return false;
	if (count > SIZE_MAX / sizeof *s->events - s->event_count)
		return false;
	scenario_event *all = realloc(s->events, (s->event_count + count) * sizeof *all);
	if (all == NULL)
		return false;
	memcpy(all + s->event_count, events, count * sizeof *all);
	s->events = all;
	s->event_count += count;
	/* Stable: a file's event and an added one of the same minute keep that order. */
	if (!scenario_sort_events(all, s->event_count)) {
		s->event_count -= count;
		return false;
	}
	return true;
}
