#!/bin/sh
# The batch patient engine (issue 18), the whole process timed: 30 patients x 365 days,
# 50/70/80 g meals at 07:00/12:00/18:30 with calculator boluses, no pump, no sensor,
# through each engine this CPU runs (AVX-512 16 and 8 lanes, AVX2 8 and 4 lanes, the scalar
# engine), RUNS runs each after a warm-up: the median wall time of the whole process as
# patient-days per second, the median CPU time (user + system, the process's own) as
# patient-days per CPU-second (what one core does when the machine is shared), peak memory,
# and the machine's load, so that a figure taken on a busy machine says so.
#   bench/batch.sh [BENCH_BATCH] [RUNS]      (env: DAYS=365, CHECK=1 to compare every minute)
set -eu
BENCH=${1:-build/bench/bench_batch}
RUNS=${2:-5}
DAYS=${DAYS:-365}
PATIENTS=30
out=$(mktemp)
trap 'rm -f "$out"' EXIT
first_checksum=""
status=0

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
# run ENGINE LANES: RUNS timed runs of the whole process after a warm-up
run() {
	engine=$1 lanes=$2
	if ! "$BENCH" --engine "$engine" --lanes "$lanes" --days 1 >"$out" 2>&1; then
		echo "$engine x$lanes: not available here ($(head -1 "$out"))"
		return
	fi
	times=""
	cpus=""
	i=1
	while [ "$i" -le "$RUNS" ]; do
		start=$(date +%s.%N)
		"$BENCH" --engine "$engine" --lanes "$lanes" --days "$DAYS" --patients "$PATIENTS" >"$out"
		end=$(date +%s.%N)
		times="$times $(echo "$end $start" | awk '{print $1 - $2}')"
		cpus="$cpus $(sed -n 's/.*cpu \([0-9.]*\) s.*/\1/p' "$out")"
		i=$((i + 1))
	done
	rss=$(sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p' "$out")
	checksum=$(sed -n 's/.*\(bg mean [0-9.]* min [0-9.]*\).*/\1/p' "$out")
	if [ -z "$first_checksum" ]; then
		first_checksum=$checksum
	elif [ "$checksum" != "$first_checksum" ]; then
		echo "$engine x$lanes: glucose differs from the first engine's: $checksum" >&2
		status=1
	fi
	cpu=$(echo "$cpus" | tr ' ' '\n' | grep . | sort -g | awk '
		{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
	echo "$times" | tr ' ' '\n' | grep . | sort -g | awk -v label="$engine x$lanes" \
		-v days=$((DAYS * PATIENTS)) -v rss="$rss" -v sum="$checksum" -v cpu="$cpu" '
		{ t[NR] = $1 }
		END {
			m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
			printf "%-11s wall: median %.3f s of %d (%.3f-%.3f) = %6.0f patient-days/s;", label, m, NR, t[1], t[NR], days / m
			printf " cpu: median %.3f s = %6.0f patient-days/cpu-s; peak %d KiB\n", cpu, days / cpu, rss
			printf "%-11s %s mg/dL\n", "", sum
		}'
}

run avx512 16
run avx512 8
run avx2 8
run avx2 4
run scalar 1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
# CHECK=1: the default engine against the scalar engine run alongside, every patient-minute
if [ "${CHECK:-0}" = 1 ]; then
	"$BENCH" --days "$DAYS" --patients "$PATIENTS" --check | tail -1
fi
exit "$status"
