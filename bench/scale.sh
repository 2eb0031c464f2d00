#!/bin/sh
# bench/scale.sh BUILD [PATIENTS_PER_COHORT] [SHARDS] — the figures of docs/scale.md "Figures":
#
#   1. drawing a population: `fakepump population` of 3 cohorts x N (median of 5 with
#      farm-bench when it is on PATH, else once);
#   2. the trial: 3 cohorts x N drawn patients x 14 days under oref0, -j 2, with its
#      database (--shard 0/1): wall, CPU, peak memory (once);
#   3. the same trial as SHARDS shards one after the other (each one's CPU and memory), their
#      merge, and the merged CSV/JSON compared with the unsharded trial's.
#
# Prints the load average at the start and the end: on a shared machine, quote it.
set -eu
B=${1:-build}
N=${2:-3334}
S=${3:-4}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
say() { printf '\n== %s\n' "$*"; }
timed() { /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak %M KB" "$@"; }
TRIAL="trial --population $N --days 14 --controller oref0 -j 2"

say "load: $(cat /proc/loadavg)"
say "1. drawing $((3 * N)) patients"
if command -v farm-bench >/dev/null; then
	farm-bench -n 5 --timeout 600 -- "$B/fakepump" population -n "$N" -q | grep -E "wall|cpu s|peak"
else
	timed "$B/fakepump" population -n "$N" -q
fi

say "2. fakepump $TRIAL ($((3 * N * 14)) patient-days)"
# shellcheck disable=SC2086
timed "$B/fakepump" $TRIAL --shard 0/1 --db "$T/whole.db" --csv "$T/whole.csv" \
	--json "$T/whole.json" 2>&1 | tail -n 6

say "3. the same in $S shards, then merged"
for i in $(seq 0 $((S - 1))); do
	# shellcheck disable=SC2086
	timed "$B/fakepump" $TRIAL --shard "$i/$S" --db "$T/shard-$i.db" 2>&1 | tail -n 1
done
timed "$B/fakepump" merge "$T/merged.db" "$T"/shard-*.db --csv "$T/merged.csv" \
	--json "$T/merged.json" -q 2>&1 | tail -n 1
cmp "$T/whole.csv" "$T/merged.csv" && cmp "$T/whole.json" "$T/merged.json" &&
	echo "merged CSV and JSON = the unsharded trial's"
say "load: $(cat /proc/loadavg)"
