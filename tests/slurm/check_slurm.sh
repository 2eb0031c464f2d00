#!/bin/bash
# check_slurm.sh FAKEPUMP — sharded jobs on a real one-node Slurm cluster (issue 16): a
# population, and a trial of drawn patients under a controller.
#
# Starts a private cluster (cluster.sh), runs each job as a Slurm job array of 4 tasks, each
# task taking its shard from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (no --shard on
# its command line), merges the 4 shard databases with `fakepump merge` and compares the
# merged CSV and JSON with one unsharded run's: the same bytes. Always stops the daemons
# (EXIT trap, set before the start).
#
# Exit 77 (skipped) when Slurm cannot run here: not root, or the packages missing, or the
# daemons failing to start; with FAKEPUMP_REQUIRE_SLURM=1 (make test, which installs the
# packages) those are failures instead.
set -eu
FAKEPUMP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
TASKS=4

skip() {
	if [ "${FAKEPUMP_REQUIRE_SLURM:-0}" = 1 ]; then
		echo "FAIL: $* (FAKEPUMP_REQUIRE_SLURM=1)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "a private Slurm cluster needs root"
for p in slurmctld slurmd sbatch squeue munged mungekey; do
	command -v $p >/dev/null || skip "$p not installed (tools/install-deps.sh test installs slurmctld slurmd slurm-client munge)"
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/fakepump-slurm.XXXXXX")
trap '"$HERE/cluster.sh" stop "$DIR/cluster"; rm -rf "$DIR"' EXIT
if ! out=$("$HERE/cluster.sh" start "$DIR/cluster"); then
	skip "the Slurm daemons did not start here (their logs are above)"
fi
eval "$(printf '%s\n' "$out" | grep '^export SLURM_CONF=')"
echo "cluster up: $SLURM_CONF"

fail() {
	echo "FAIL: $*"
	for f in "$DIR"/out/*.log "$DIR"/cluster/log/slurmd.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
	exit 1
}

# One sharded job: $1 names it, the rest is its fakepump command line (the task adds --db).
sharded_job() {
	local name=$1 i
	shift
	mkdir -p "$DIR/out/$name"
	# The task's shard comes from its environment: \$SLURM_ARRAY_TASK_ID is the task's.
	(cd "$DIR/out/$name" && timeout 600 sbatch --wait --quiet --array=0-$((TASKS - 1)) \
		--job-name="fakepump-$name" --output="$DIR/out/$name-%a.log" \
		--wrap "'$FAKEPUMP' $* --db '$DIR/out/$name/shard-'\$SLURM_ARRAY_TASK_ID.db") \
		|| fail "$name: the job array failed (sbatch --wait: $?)"
	# Check the outputs, not only the exit status: a task that never ran can report 0.
	for i in $(seq 0 $((TASKS - 1))); do
		[ -s "$DIR/out/$name/shard-$i.db" ] || fail "$name: task $i wrote no shard"
		grep -q "shard $i/$TASKS from SLURM_ARRAY_TASK_ID=$i " "$DIR/out/$name-$i.log" \
			|| fail "$name: task $i did not take its shard from Slurm's environment"
	done
	"$FAKEPUMP" merge "$DIR/out/$name.db" "$DIR"/out/"$name"/shard-*.db \
		--csv "$DIR/out/$name-merged.csv" --json "$DIR/out/$name-merged.json" \
		|| fail "$name: merge failed"
	# The same job in one process, outside Slurm.
	env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT "$FAKEPUMP" "$@" \
		--csv "$DIR/out/$name-whole.csv" --json "$DIR/out/$name-whole.json" >/dev/null \
		|| fail "$name: the unsharded run failed"
	cmp "$DIR/out/$name-whole.csv" "$DIR/out/$name-merged.csv" || fail "$name: merged CSV differs"
	cmp "$DIR/out/$name-whole.json" "$DIR/out/$name-merged.json" || fail "$name: merged JSON differs"
	echo "PASS: $name: $TASKS Slurm array tasks merged = the unsharded run ($(($(wc -l <"$DIR/out/$name-whole.csv") - 1)) rows)"
}

sharded_job population population -n 200 --seed 3
# The trial: 60 drawn patients x 2 days under oref0, its pictures' data merged too.
sharded_job trial trial --population 20 --days 2 --controller oref0 --seed 3 -j 1
"$FAKEPUMP" figures "$DIR/out/trial.db" --agp "$DIR/out/agp.png" --cvga "$DIR/out/cvga.png" \
	|| fail "trial: no pictures from the merged database"
echo "PASS: Slurm job arrays"
