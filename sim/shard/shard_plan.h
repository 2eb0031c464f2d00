/*
 * shard_plan — which part of a trial one process runs: shard I of N takes the items
 * (patient × seed, in the trial's canonical order, numbered from 0) whose number is I
 * modulo N. Round robin rather than blocks so that every shard gets its share of each
 * cohort (children cost more than adults) and N shards finish together.
 *
 * The shard comes from `--shard I/N`, else from the scheduler's environment (Slurm job
 * arrays, Kubernetes Indexed Jobs, or FAKEPUMP_SHARD for anything else: GNU parallel, a CI
 * matrix). docs/scale.md is the user's page.
 *
 * Pure: the environment is read through the caller's function; no I/O, no globals.
 */
#ifndef FAKEPUMP_SHARD_PLAN_H
#define FAKEPUMP_SHARD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Shard `index` of `count` (count >= 1, index < count). The whole trial is 0/1. */
typedef struct shard_spec {
	uint32_t index, count;
} shard_spec;

enum { SHARD_MAX_COUNT = 1000000 };

/*
 * "I/N" (decimal, 0 <= I < N <= SHARD_MAX_COUNT, nothing else) into out. False with the
 * reason in err ("expected I/N with 0 <= I < N, got '4/4'"); out untouched.
 */
bool shard_spec_parse(const char *text, shard_spec *out, char *err, size_t errlen);

typedef enum shard_env_result {
	SHARD_ENV_NONE = 0, /* no scheduler variable set: the whole trial */
	SHARD_ENV_OK,       /* out and `source` set */
	SHARD_ENV_BAD,      /* a variable is set but unusable: the reason in err */
} shard_env_result;

/* getenv, or a test's table. */
typedef const char *(*shard_getenv_fn)(const char *name, void *user_data);

/*
 * The shard from the environment, in this order:
 *   FAKEPUMP_SHARD=I/N;
 *   SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN (Slurm job
 *   array): I = ID - MIN, N = COUNT; refused unless the array is a contiguous range
 *   (SLURM_ARRAY_TASK_MAX - MIN + 1 == COUNT), since a list like --array=1,3,7 numbers its
 *   tasks with gaps;
 *   JOB_COMPLETION_INDEX (Kubernetes Indexed Job) with FAKEPUMP_SHARD_COUNT (the Job's
 *   completions; Kubernetes does not pass it): I = index, N = count.
 * `source` (may be NULL) receives the variables used ("SLURM_ARRAY_TASK_ID=3 …").
 */
shard_env_result shard_spec_from_env(shard_getenv_fn get, void *user_data, shard_spec *out,
                                     char *source, size_t source_len, char *err, size_t errlen);

/* Whether shard s runs item `item`. */
static inline bool shard_owns(const shard_spec *s, uint64_t item)
{
	return item % s->count == s->index;
}

/* How many of `item_count` items shard s runs. */
static inline uint64_t shard_item_count(const shard_spec *s, uint64_t item_count)
{
	return item_count / s->count + (item_count % s->count > s->index ? 1 : 0);
}

#endif
