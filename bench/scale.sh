#!/bin/sh
# bench/scale.sh BUILD [PATIENTS_PER_COHORT] — the figures of docs/scale.md "Figures":
#
#   1. drawing a population: `fakepump population` of 3 cohorts x N (median of 5);
#   2. the closed loop a core: 300 drawn patients x 14 days under oref0, one thread
#      (build/bench/closed_loop, the harness of patient_model + pump_model + controller that
#      the trial runs; median of 5), in patient-days per CPU-second;
#   3. the big one: 3 cohorts x N drawn patients x 14 days, oref0, -j 2, once: wall time,
#      CPU time, peak memory;
#   4. shards: the population in 8 shards (each one's peak memory), then their merge.
#
# Uses farm-bench when it is on PATH (medians), else one run of each. Prints the load
# average: on a shared machine, quote it with the figures.
set -eu
B=${1:-build}
N=${2:-3334}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
say() { printf '\n== %s\n' "$*"; }
timed() { /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak %M KB" "$@"; }

say "load: $(cat /proc/loadavg)"
say "1. drawing $((3 * N)) patients"
if command -v farm-bench >/dev/null; then
	farm-bench -n 5 --timeout 600 -- "$B/fakepump" population -n "$N" -q | grep -E "wall|cpu s|peak"
else
	timed "$B/fakepump" population -n "$N" -q
fi

say "2. closed loop, one core: 300 drawn patients x 14 days, oref0 (4,200 patient-days)"
if command -v farm-bench >/dev/null; then
	farm-bench -n 5 --timeout 900 -- "$B/bench/closed_loop" --population 100 --controller oref0 \
		--days 14 -j 1 | grep -E "wall|cpu s|peak"
else
	timed "$B/bench/closed_loop" --population 100 --controller oref0 --days 14 -j 1 >/dev/null
fi

say "3. $((3 * N)) drawn patients x 14 days, oref0, -j 2 ($((3 * N * 14)) patient-days)"
timed "$B/bench/closed_loop" --population "$N" --controller oref0 --days 14 -j 2 2>&1 \
	| grep -E "runs of|wall|all "

say "4. the population in 8 shards, then merged"
for i in 0 1 2 3 4 5 6 7; do
	timed "$B/fakepump" population -n "$N" -q --shard $i/8 --db "$T/shard-$i.db" 2>&1 | tail -n 1
done
timed "$B/fakepump" merge "$T/merged.db" "$T"/shard-*.db --csv "$T/merged.csv" -q 2>&1 | tail -n 1
"$B/fakepump" population -n "$N" -q --csv "$T/whole.csv"
cmp "$T/whole.csv" "$T/merged.csv" && echo "merged CSV = the unsharded run's ($(wc -c <"$T/whole.csv") bytes)"
say "load: $(cat /proc/loadavg)"
