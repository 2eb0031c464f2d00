#!/bin/sh
# Benchmark: one patient-year, the whole fakepump process timed.
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

"$FAKEPUMP" run "$scenario" --headless --quiet >/dev/null # warm the page cache
times=""
i=1
while [ "$i" -le "$RUNS" ]; do
	start=$(date +%s.%N)
	"$FAKEPUMP" run "$scenario" --headless --quiet >/dev/null
	end=$(date +%s.%N)
	t=$(echo "$end - $start" | awk '{print $1 - $3}')
	times="$times $t"
	printf 'run %d: %.3f s\n' "$i" "$t"
	i=$((i + 1))
done
echo "$times" | tr ' ' '\n' | grep . | sort -g | awk -v runs="$RUNS" '
	{ t[NR] = $1 }
	END {
		m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "patient-year (365 d, 3 meals + boluses/day, Dexcom noise, headless):\n"
		printf "  median %.3f s over %d runs (min %.3f, max %.3f) = %.0f patient-days/s\n",
		       m, NR, t[1], t[NR], 365 / m
	}'
