/*
 * event_draft — one item of `events:` while it is read, and the parsers of its keys, shared
 * by the files of the event format:
 *   event_keys.c       the event kinds (meal, bolus, …) and the event mapping's table;
 *   event_modifiers.c  the modifiers (type, duration, every, …) and the checks between them;
 *   phone_keys.c       phone: (a phone's commands, reads, subscriptions);
 *   attack_keys.c      attack: (a hostile phone);
 *   event_list.c       the list: times, repeats, sorting.
 * Every parser is a field_parser (walk.h) whose ctx is the event_draft.
 */
#ifndef FAKEPUMP_SCENARIO_EVENT_DRAFT_H
#define FAKEPUMP_SCENARIO_EVENT_DRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "walk.h"

/* One event while it is read: the clock time is turned into minutes once all is known. */
typedef struct event_draft {
	scenario_event event;
	int day, min_of_day;
	bool relative_at;   /* at: "+90m" … */
	int64_t offset_min; /* … this many minutes after the previous event */
	int64_t every_min;
	int until_day, until_min_of_day;
	uint64_t repeat_count;
	const yaml_node_t *at_node;
	const yaml_node_t *item_node;
	const yaml_node_t *type_node, *extended_node, *duration_node, *drain_node;
	const yaml_node_t *eat_rate_node, *link_node;
	const yaml_node_t *every_node, *until_node, *count_node;
	/* a phone: event: its mapping and the command's own modifiers inside it */
	const yaml_node_t *phone_node, *phone_type_node, *phone_extended_node;
	const yaml_node_t *phone_duration_node;
	const yaml_node_t *context_node; /* inside phone: only */
} event_draft;

/* The one-of group of the kind keys (exactly one kind per event). */
enum { EVENT_KIND_GROUP = 1 };

/* One event mapping, its keys and the checks between them, into *d (event_keys.c). */
bool event_read(walker *w, const char *item_key, yaml_node_t *item, event_draft *d);
/* "meal of 50 g" / "bolus of 5 U", for messages that must name the event. */
void event_describe(const scenario_event *e, char *buf, size_t len);

/* The kinds a phone: mapping shares with the event mapping (event_keys.c). */
bool parse_event_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_temp_basal(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_cancel_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_cancel_temp_basal(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_suspend(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_resume(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_stop(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_prime(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_fill(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_confirm(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_set_max_bolus(walker *w, const char *key, yaml_node_t *v, void *ctx);

/* phone: and attack: (phone_keys.c, attack_keys.c). */
bool parse_event_phone(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_attack(walker *w, const char *key, yaml_node_t *v, void *ctx);

/* The modifiers (event_modifiers.c); parsed after the kind (table order). */
bool parse_event_type(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_extended(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_duration(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_drain(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_eat_rate(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_link(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_every(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_until(walker *w, const char *key, yaml_node_t *v, void *ctx);
bool parse_event_count(walker *w, const char *key, yaml_node_t *v, void *ctx);
/*
 * Modifiers belong to some kinds only; a bolus type needs its parts; a timed fault needs
 * its duration; a repeat's end goes with its `every`. For a phone: event the command's own
 * modifiers belong inside phone: — refused outside it, then checked inside it (with the
 * phone mapping as the item).
 */
bool event_check_modifiers(walker *w, const char *item_key, const event_draft *d);

#endif
