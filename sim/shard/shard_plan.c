/*
 * shard_plan — see shard_plan.h.
 */
#include "shard_plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal number 0 … max, nothing around it. */
static bool parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	if (len == 0 || len > 10)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_whole(const char *s, uint32_t max, uint32_t *out)
{
	return s && parse_u32(s, strlen(s), max, out);
}

bool shard_spec_parse(const char *text, shard_spec *out, char *err, size_t errlen)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	uint32_t i, n;
	if (!slash || !parse_u32(text, (size_t)(slash - text), SHARD_MAX_COUNT, &i) ||
	    !parse_whole(slash + 1, SHARD_MAX_COUNT, &n) || n == 0 || i >= n) {
		snprintf(err, errlen, "expected I/N with 0 <= I < N <= %d, got '%s'",
		         SHARD_MAX_COUNT, text ? text : "");
		return false;
	}
	out->index = i;
	out->count = n;
	return true;
}

shard_env_result shard_spec_from_env(shard_getenv_fn get, void *user_data, shard_spec *out,
                                     char *source, size_t source_len, char *err, size_t errlen)
{
	char why[160];
	const char *generic = get("FAKEPUMP_SHARD", user_data);
	if (generic && *generic) {
		if (!shard_spec_parse(generic, out, why, sizeof why)) {
			snprintf(err, errlen, "FAKEPUMP_SHARD: %s", why);
			return SHARD_ENV_BAD;
		}
		if (source)
			snprintf(source, source_len, "FAKEPUMP_SHARD=%s", generic);
		return SHARD_ENV_OK;
	}
	const char *id = get("SLURM_ARRAY_TASK_ID", user_data);
	if (id && *id) {
		const char *count = get("SLURM_ARRAY_TASK_COUNT", user_data);
		const char *min = get("SLURM_ARRAY_TASK_MIN", user_data);
		const char *max = get("SLURM_ARRAY_TASK_MAX", user_data);
		uint32_t i, n, lo = 0, hi;
		if (!parse_whole(id, UINT32_MAX, &i) || !parse_whole(count, SHARD_MAX_COUNT, &n) ||
		    n == 0 || (min && *min && !parse_whole(min, UINT32_MAX, &lo)) || i < lo) {
			snprintf(err, errlen,
			         "SLURM_ARRAY_TASK_ID=%s SLURM_ARRAY_TASK_COUNT=%s "
			         "SLURM_ARRAY_TASK_MIN=%s: "
			         "not a task of a job array; pass --shard I/N",
			         id, count ? count : "(unset)", min ? min : "(unset)");
			return SHARD_ENV_BAD;
		}
		if ((max && *max && (!parse_whole(max, UINT32_MAX, &hi) || hi - lo + 1 != n)) ||
		    i - lo >= n) {
			snprintf(
			    err, errlen,
			    "SLURM_ARRAY_TASK_ID=%s of an array of %s tasks from %s to %s: the "
			    "tasks "
			    "must be a range without gaps (sbatch --array=0-%u); pass --shard I/N "
			    "otherwise",
			    id, count, min ? min : "?", max ? max : "?", n - 1);
			return SHARD_ENV_BAD;
		}
		out->index = i - lo;
		out->count = n;
		if (source)
			snprintf(source, source_len,
			         "SLURM_ARRAY_TASK_ID=%s SLURM_ARRAY_TASK_COUNT=%s "
			         "SLURM_ARRAY_TASK_MIN=%s",
			         id, count, min ? min : "0");
		return SHARD_ENV_OK;
	}
	const char *k8s = get("JOB_COMPLETION_INDEX", user_data);
	if (k8s && *k8s) {
		const char *count = get("FAKEPUMP_SHARD_COUNT", user_data);
		uint32_t i, n;
		if (!count || !*count) {
			snprintf(err, errlen,
			         "JOB_COMPLETION_INDEX=%s but no FAKEPUMP_SHARD_COUNT: set it to "
			         "the Job's "
			         "completions (docs/scale.md), or pass --shard I/N",
			         k8s);
			return SHARD_ENV_BAD;
		}
		if (!parse_whole(k8s, UINT32_MAX, &i) || !parse_whole(count, SHARD_MAX_COUNT, &n) ||
		    n == 0 || i >= n) {
			snprintf(err, errlen,
			         "JOB_COMPLETION_INDEX=%s FAKEPUMP_SHARD_COUNT=%s: expected 0 <= "
			         "index < "
			         "count",
			         k8s, count);
			return SHARD_ENV_BAD;
		}
		out->index = i;
		out->count = n;
		if (source)
			snprintf(source, source_len,
			         "JOB_COMPLETION_INDEX=%s FAKEPUMP_SHARD_COUNT=%s", k8s, count);
		return SHARD_ENV_OK;
	}
	return SHARD_ENV_NONE;
}
