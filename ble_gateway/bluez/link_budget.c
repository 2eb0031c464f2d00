/*
 * link_budget — see link_budget.h. A fixed table keyed by the central's identity (its
 * Device1 path); the oldest entry is forgotten when it is full, bonded ones last.
 */
#include <stdio.h>
#include <string.h>

#include "link_budget.h"

void link_budget_config_defaults(link_budget_config *cfg)
{
	*cfg = (link_budget_config){.max_strangers = 2, .stranger_s = 120.0};
}

void link_budget_init(link_budget *b, const link_budget_config *cfg)
{
	memset(b, 0, sizeof *b);
	if (cfg)
		b->cfg = *cfg;
	else
		link_budget_config_defaults(&b->cfg);
}

static int find(const link_budget *b, const char *identity)
{
	for (int i = 0; i < LINK_BUDGET_MAX; i++)
		if (b->links[i].used && strcmp(b->links[i].identity, identity) == 0)
			return i;
	return -1;
}

size_t link_budget_strangers(const link_budget *b)
{
	size_t n = 0;
	for (int i = 0; i < LINK_BUDGET_MAX; i++)
		n += b->links[i].used && !b->links[i].bonded;
	return n;
}

/* A free entry, else the oldest stranger's, else the oldest of all. */
static int take(link_budget *b)
{
	int oldest = -1;
	for (int i = 0; i < LINK_BUDGET_MAX; i++) {
		if (!b->links[i].used)
			return i;
		if (oldest < 0 || (b->links[oldest].bonded && !b->links[i].bonded) ||
		    (b->links[oldest].bonded == b->links[i].bonded &&
		     b->links[i].since_s < b->links[oldest].since_s))
			oldest = i;
	}
	return oldest;
}

bool link_budget_update(link_budget *b, const char *identity, bool connected, bool bonded,
                        double now_s)
{
	if (!identity)
		return true;
	int i = find(b, identity);
	if (!connected) {
		if (i >= 0)
			b->links[i].used = false;
		return true;
	}
	if (i >= 0) {
		b->links[i].bonded = b->links[i].bonded || bonded;
		return true;
	}
	if (!bonded && b->cfg.max_strangers > 0 &&
	    link_budget_strangers(b) >= (size_t)b->cfg.max_strangers)
		return false; /* the pool is full: this one goes, the others keep their time */
	i = take(b);
	b->links[i].used = true;
	snprintf(b->links[i].identity, sizeof b->links[i].identity, "%s", identity);
	b->links[i].bonded = bonded;
	b->links[i].since_s = now_s;
	return true;
}

size_t link_budget_expired(link_budget *b, double now_s, char (*out)[LINK_BUDGET_ID_MAX],
                           size_t cap)
{
	size_t n = 0;
	if (!(b->cfg.stranger_s > 0.0))
		return 0;
	for (int i = 0; i < LINK_BUDGET_MAX && n < cap; i++) {
		if (!b->links[i].used || b->links[i].bonded ||
		    now_s - b->links[i].since_s < b->cfg.stranger_s)
			continue;
		snprintf(out[n++], LINK_BUDGET_ID_MAX, "%s", b->links[i].identity);
		b->links[i].used = false;
	}
	return n;
}
