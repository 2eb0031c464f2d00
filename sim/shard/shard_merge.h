/*
 * shard_merge — `fakepump merge`'s core: N shard databases of one trial into one database
 * that holds what one unsharded run of the trial would (the same rows of every 'rows'
 * table in item order, the same sums of every 'sum' table, the manifest of shard 0/1 with
 * every item), or a refusal that says why:
 *
 *   a file that is not a shard, or a shard that did not finish;
 *   shards of different trials (definition SHA-256), kinds, builds or shard counts;
 *   a shard given twice, or one missing;
 *   a shard whose items are not exactly its slice (shard_plan.h), or whose tables differ.
 *
 * The output is written to a temporary file beside OUT and renamed at the end: a refused or
 * failed merge leaves no OUT. OUT must not exist.
 */
#ifndef FAKEPUMP_SHARD_MERGE_H
#define FAKEPUMP_SHARD_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "shard_db.h"

typedef enum shard_merge_result {
	SHARD_MERGE_OK = 0,
	SHARD_MERGE_REFUSED, /* the shards do not make one whole trial (exit 2): err says why */
	SHARD_MERGE_FAILED,  /* reading or writing failed (exit 3) */
} shard_merge_result;

/* What was merged (for the caller's summary line and its CSV/JSON writer). */
typedef struct shard_merge_info {
	char kind[32];
	uint32_t shard_count;
	uint64_t item_count;
	char sha256[65];
} shard_merge_info;

shard_merge_result shard_merge(const char *out_path, const char *const *shard_paths, size_t n,
                               shard_merge_info *info, char *err, size_t errlen);

#endif
