#!/bin/sh
# fakepump trial, the whole process timed (issues 14 and 18), RUNS runs each after a warm-up,
# medians of wall time, CPU time (user + system, the process's own: what the cores did when
# the machine is shared) and peak memory (GNU time), with the machine's load before each:
#   1. 30 patients x 14 days, oref0, standard meals, Dexcom, -j 2 (issue 14: under 1 s);
#   2. 30 x 14 days, -j 1, each controller against none (no controller: the open loop) —
#      the controllers' cost in patient-days per CPU-second;
#   3. 30 x 365 days, standard meals with their boluses (basal-bolus), Dexcom (issue 18):
#      batch -j 1 and -j 2, AVX2 -j 1, scalar -j 1 and -j 2.
#   bench/trial.sh [FAKEPUMP] [RUNS]          (env: LONG=0 skips part 3)
set -eu
FP=${1:-build/fakepump}
RUNS=${2:-5}
LONG=${LONG:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# bench NAME PATIENT_DAYS ARGS...: RUNS timed runs after one warm-up
bench() {
	name=$1 days=$2
	shift 2
	"$FP" trial "$@" >/dev/null 2>&1 || { echo "$name: not available here"; return; }
	walls="" cpus="" rss=""
	i=1
	while [ "$i" -le "$RUNS" ]; do
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$FP" trial "$@" >/dev/null 2>&1 || true
		read -r w u s m <"$tmp/t"
		walls="$walls $w"
		cpus="$cpus $(echo "$u $s" | awk '{print $1 + $2}')"
		rss="$rss $m"
		i=$((i + 1))
	done
	w=$(echo "$walls" | median) c=$(echo "$cpus" | median) m=$(echo "$rss" | median)
	echo "$name: wall $w s, cpu $c s, $(echo "$days $w" | awk '{printf "%.0f", $1 / $2}') patient-days/s," \
		"$(echo "$days $c" | awk '{printf "%.0f", $1 / $2}') per CPU-second, peak $(echo "$m" | awk '{printf "%.1f", $1 / 1024}') MiB" \
		"(load before: $(cut -d' ' -f1-3 /proc/loadavg))"
}

echo "$(nproc) CPUs; median of $RUNS runs each"
bench "30x14 oref0 -j 2 batch" 420 --days 14 --controller oref0 -j 2
bench "30x14 oref0 -j 2 scalar" 420 --days 14 --controller oref0 -j 2 --engine scalar
for c in none basal-bolus pid-ifb oref0; do
	bench "30x14 $c -j 1 batch" 420 --days 14 --controller "$c" -j 1
done
bench "30x14 none -j 1 scalar" 420 --days 14 --controller none -j 1 --engine scalar
bench "30x14 oref0 -j 1 scalar" 420 --days 14 --controller oref0 -j 1 --engine scalar
[ "$LONG" = 1 ] || exit 0
for e in "batch -j 1" "batch -j 2" "avx2 -j 1" "scalar -j 1" "scalar -j 2"; do
	set -- $e
	bench "30x365 basal-bolus $e" 10950 --days 365 --controller basal-bolus --engine "$1" "$2" "$3"
done
