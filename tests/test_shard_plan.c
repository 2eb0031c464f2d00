/*
 * shard_plan: I/N as written, the scheduler's environment, and the slices — every item in
 * exactly one shard, shards within one item of each other in size.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "shard_plan.h"

typedef struct env_entry {
	const char *name, *value;
} env_entry;

static const char *table_get(const char *name, void *user_data)
{
	for (const env_entry *e = user_data; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e->value;
	return NULL;
}

Test(shard_plan, i_of_n_is_read_as_written_and_nothing_else)
{
	shard_spec s = {9, 9};
	char err[160];
	cr_assert(shard_spec_parse("0/1", &s, err, sizeof err));
	cr_assert(s.index == 0 && s.count == 1);
	cr_assert(shard_spec_parse("99/100", &s, err, sizeof err));
	cr_assert(s.index == 99 && s.count == 100);
	const char *bad[] = {"",    "1",    "/3",   "3/",   "3/3",   "4/3",       "-1/3",
	                     "1/0", "1/3x", " 1/3", "1/+3", "0x1/3", "1/1000001", "99999999999/3",
	                     NULL};
	for (const char **b = bad; *b; b++) {
		cr_expect_not(shard_spec_parse(*b, &s, err, sizeof err), "'%s' accepted", *b);
		cr_expect(strstr(err, "expected I/N"), "'%s': %s", *b, err);
	}
	cr_assert(s.index == 99 && s.count == 100, "out untouched on error");
	cr_assert_not(shard_spec_parse(NULL, &s, err, sizeof err));
}

Test(shard_plan, every_item_in_exactly_one_shard_and_shards_even)
{
	for (uint32_t n = 1; n <= 13; n++)
		for (uint64_t items = 0; items <= 50; items += 7) {
			uint64_t owners_total = 0, lo = UINT64_MAX, hi = 0;
			for (uint64_t item = 0; item < items; item++) {
				unsigned owners = 0;
				for (uint32_t i = 0; i < n; i++)
					owners += shard_owns(&(shard_spec){i, n}, item);
				cr_assert_eq(owners, 1, "item %llu of %u shards",
				             (unsigned long long)item, n);
				owners_total += owners;
			}
			for (uint32_t i = 0; i < n; i++) {
				const uint64_t c = shard_item_count(&(shard_spec){i, n}, items);
				uint64_t counted = 0;
				for (uint64_t item = 0; item < items; item++)
					counted += shard_owns(&(shard_spec){i, n}, item);
				cr_assert_eq(c, counted);
				lo = c < lo ? c : lo;
				hi = c > hi ? c : hi;
			}
			cr_assert_eq(owners_total, items);
			cr_assert_leq(hi - lo, 1);
		}
}

Test(shard_plan, slurm_array_task_counts_from_its_minimum)
{
	env_entry env[] = {{"SLURM_ARRAY_TASK_ID", "5"},
	                   {"SLURM_ARRAY_TASK_COUNT", "4"},
	                   {"SLURM_ARRAY_TASK_MIN", "3"},
	                   {"SLURM_ARRAY_TASK_MAX", "6"},
	                   {NULL, NULL}};
	shard_spec s;
	char src[160], err[320];
	cr_assert_eq(shard_spec_from_env(table_get, env, &s, src, sizeof src, err, sizeof err),
	             SHARD_ENV_OK);
	cr_assert(s.index == 2 && s.count == 4);
	cr_assert(strstr(src, "SLURM_ARRAY_TASK_ID=5"));
}

Test(shard_plan, slurm_array_with_gaps_is_refused)
{
	env_entry env[] = {{"SLURM_ARRAY_TASK_ID", "7"},
	                   {"SLURM_ARRAY_TASK_COUNT", "3"},
	                   {"SLURM_ARRAY_TASK_MIN", "1"},
	                   {"SLURM_ARRAY_TASK_MAX", "7"},
	                   {NULL, NULL}};
	shard_spec s;
	char err[320];
	cr_assert_eq(shard_spec_from_env(table_get, env, &s, NULL, 0, err, sizeof err),
	             SHARD_ENV_BAD);
	cr_assert(strstr(err, "without gaps"), "%s", err);
}

Test(shard_plan, kubernetes_index_needs_the_count)
{
	env_entry env[] = {{"JOB_COMPLETION_INDEX", "4"}, {NULL, NULL}, {NULL, NULL}};
	shard_spec s;
	char err[320];
	cr_assert_eq(shard_spec_from_env(table_get, env, &s, NULL, 0, err, sizeof err),
	             SHARD_ENV_BAD);
	cr_assert(strstr(err, "FAKEPUMP_SHARD_COUNT"), "%s", err);
	env[1] = (env_entry){"FAKEPUMP_SHARD_COUNT", "10"};
	cr_assert_eq(shard_spec_from_env(table_get, env, &s, NULL, 0, err, sizeof err),
	             SHARD_ENV_OK);
	cr_assert(s.index == 4 && s.count == 10);
	env[1] = (env_entry){"FAKEPUMP_SHARD_COUNT", "4"};
	cr_assert_eq(shard_spec_from_env(table_get, env, &s, NULL, 0, err, sizeof err),
	             SHARD_ENV_BAD);
}

Test(shard_plan, our_variable_wins_and_none_means_the_whole_trial)
{
	env_entry both[] = {{"FAKEPUMP_SHARD", "1/2"},
	                    {"SLURM_ARRAY_TASK_ID", "0"},
	                    {"SLURM_ARRAY_TASK_COUNT", "4"},
	                    {NULL, NULL}};
	shard_spec s;
	char err[320];
	cr_assert_eq(shard_spec_from_env(table_get, both, &s, NULL, 0, err, sizeof err),
	             SHARD_ENV_OK);
	cr_assert(s.index == 1 && s.count == 2);
	env_entry none[] = {{"SLURM_ARRAY_TASK_ID", ""}, {NULL, NULL}};
	cr_assert_eq(shard_spec_from_env(table_get, none, &s, NULL, 0, err, sizeof err),
	             SHARD_ENV_NONE);
}
