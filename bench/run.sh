#!/bin/sh
# Benchmarks, the whole fakepump process timed: one patient-year headless, the same with the
# run database on, the scenario library with -j 2, and the year refused for a bad output.
#   bench/run.sh [FAKEPUMP] [RUNS]
# Workload (issue "Foundation"): adult#001, 365 days at 1-minute steps, meals of 50, 70 and
# 80 g at 07:00, 12:00 and 18:30 with a meal bolus of grams / carb ratio (10 g/U) each,
# Dexcom CGM noise on, headless, no CSV; the pump's reservoir is changed every 3 days and
# its battery every 10, as a person would. Prints each run's wall time and the median as
# patient-days per second.
set -eu
FAKEPUMP=${1:-build/fakepump}
RUNS=${2:-7}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
scenario="$dir/year-meals.yaml"
{
	echo "name: bench-year-meals"
	echo "patient: adult#001"
	echo "duration: 365d"
	echo "seed: 1"
	echo "cgm: {model: dexcom}"
	echo "pump: {basal: steady-state, bolus_speed: instant}"
	echo "events:"
	d=1
	while [ "$d" -le 365 ]; do
		echo "  - {at: \"d$d 07:00\", meal: 50}"
		echo "  - {at: \"d$d 07:00\", bolus: 5.0}"
		echo "  - {at: \"d$d 12:00\", meal: 70}"
		echo "  - {at: \"d$d 12:00\", bolus: 7.0}"
		echo "  - {at: \"d$d 18:30\", meal: 80}"
		echo "  - {at: \"d$d 18:30\", bolus: 8.0}"
		[ $((d % 3)) -eq 1 ] && echo "  - {at: \"d$d 06:00\", refill: 300}"
		[ $((d % 10)) -eq 1 ] && echo "  - {at: \"d$d 06:00\", change_battery: true}"
		d=$((d + 1))
	done
} > "$scenario"

# time_runs LABEL DAYS COMMAND...: RUNS timed runs after a warm-up; the median.
time_runs() {
	label=$1 days=$2
	shift 2
	"$@" >/dev/null 2>&1 # warm the page cache
	times=""
	i=1
	while [ "$i" -le "$RUNS" ]; do
		rm -f "$dir/bench.db" "$dir/bench.db-wal" "$dir/bench.db-shm"
		start=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		end=$(date +%s.%N)
		times="$times $(echo "$end $start" | awk '{print $1 - $2}')"
		i=$((i + 1))
	done
	echo "$times" | tr ' ' '\n' | grep . | sort -g | awk -v label="$label" -v days="$days" '
		{ t[NR] = $1 }
		END {
			m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
			printf "%s\n  median %.3f s over %d runs (min %.3f, max %.3f)", label, m, NR,
			       t[1], t[NR]
			if (days > 0)
				printf " = %.0f patient-days/s", days / m
			printf "\n"
		}'
}

time_runs "patient-year (365 d, 3 meals + boluses/day, Dexcom noise, headless, no CSV):" 365 \
	"$FAKEPUMP" run "$scenario" --headless --quiet
time_runs "the same with the recorder on (every minute a row in SQLite):" 365 \
	"$FAKEPUMP" run "$scenario" --headless --quiet --db "$dir/bench.db"
library=$(dirname "$0")/../scenarios
time_runs "the scenario library ($(find "$library" -name '*.yaml' -not -path '*/fragments/*' | wc -l) scenarios) with -j 2:" 0 \
	"$FAKEPUMP" run "$library" -j 2 --quiet
# Outputs are checked before the first simulated minute (issue 11): a year refused for a
# --png into a folder that does not exist must end at once (target: under 0.1 s) with exit
# status 2 and nothing created.
refused() {
	status=0
	"$@" || status=$?
	[ "$status" -eq 2 ] && [ ! -e "$dir/no-such-folder" ]
}
time_runs "a patient-year refused before its first minute (--png into a missing folder):" 0 \
	refused "$FAKEPUMP" run "$scenario" --headless --quiet --csv "$dir/year.csv" \
	--png "$dir/no-such-folder/year.png"
[ ! -e "$dir/year.csv" ] || { echo "bench: the refused run left $dir/year.csv" >&2; exit 1; }
