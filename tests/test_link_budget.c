/*
 * test_link_budget.c — who the BlueZ adapter keeps connected (ble_gateway/link_budget.h):
 * strangers in a pool of two with two minutes each, bonded phones never limited.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "link_budget.h"

static link_budget b;

static void setup(void)
{
	link_budget_init(&b, NULL);
}

TestSuite(link_budget, .init = setup);

Test(link_budget, a_third_stranger_is_turned_away_and_a_bonded_phone_never)
{
	cr_assert(link_budget_update(&b, "dev_S1", true, false, 0));
	cr_assert(link_budget_update(&b, "dev_S2", true, false, 1));
	cr_assert_not(link_budget_update(&b, "dev_S3", true, false, 2), "the pool holds two");
	for (int i = 0; i < 10; i++) {
		char id[32];
		snprintf(id, sizeof id, "dev_BONDED_%d", i);
		cr_assert(link_budget_update(&b, id, true, true, 3), "bonded %d", i);
	}
	cr_assert_eq(link_budget_strangers(&b), 2);
	/* one goes away: room again */
	cr_assert(link_budget_update(&b, "dev_S1", false, false, 4));
	cr_assert(link_budget_update(&b, "dev_S3", true, false, 5));
}

Test(link_budget, a_stranger_has_two_minutes_unless_it_bonds)
{
	cr_assert(link_budget_update(&b, "dev_IDLE", true, false, 0));
	cr_assert(link_budget_update(&b, "dev_PAIRING", true, false, 10));
	char out[4][LINK_BUDGET_ID_MAX];
	cr_assert_eq(link_budget_expired(&b, 119, out, 4), 0);
	cr_assert(link_budget_update(&b, "dev_PAIRING", true, true, 60), "paired and bonded");
	cr_assert_eq(link_budget_expired(&b, 120, out, 4), 1);
	cr_assert_str_eq(out[0], "dev_IDLE");
	cr_assert_eq(link_budget_expired(&b, 10000, out, 4), 0, "the bonded one stays");
	cr_assert_eq(link_budget_strangers(&b), 0);
}

Test(link_budget, a_full_table_forgets_strangers_before_bonded_phones)
{
	link_budget_config cfg = {.max_strangers = 0, .stranger_s = 0};
	link_budget_init(&b, &cfg);
	cr_assert(link_budget_update(&b, "dev_PHONE", true, true, 0));
	for (int i = 0; i < 3 * LINK_BUDGET_MAX; i++) {
		char id[32];
		snprintf(id, sizeof id, "dev_S%d", i);
		cr_assert(link_budget_update(&b, id, true, false, 1 + i));
	}
	/* the phone is still known: a reconnection is not a new connection */
	bool known = false;
	for (int i = 0; i < LINK_BUDGET_MAX; i++)
		known |= b.links[i].used && b.links[i].bonded;
	cr_assert(known);
}
