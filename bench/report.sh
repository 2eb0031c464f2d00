#!/bin/sh
# Benchmarks of the report and the pictures (issue 17): wall time and peak memory (maximum
# resident set size, /usr/bin/time) of
#   1. `fakepump report --all --html` over the whole scenario library, recorded;
#   2. the same with --pdf (the browser's own memory is in its processes, not counted);
#   3. `fakepump run bench/scenarios/ten-years.yaml --png` (5,256,001 one-minute rows).
# Medians of RUNS runs (default 5).   bench/report.sh [FAKEPUMP] [RUNS]
set -eu
FAKEPUMP=${1:-build/fakepump}
RUNS=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -x /usr/bin/time ] || { echo "bench/report.sh: needs /usr/bin/time (Debian: time)"; exit 2; }

"$FAKEPUMP" run "$here/../scenarios" -j 2 -q --db "$dir/library.db" >/dev/null || true
runs=$(sqlite3 "$dir/library.db" "SELECT count(*) FROM runs")

# measure LABEL COMMAND...: RUNS runs; the median wall time and the median peak RSS.
measure() {
	label=$1
	shift
	i=1
	: >"$dir/times"
	while [ "$i" -le "$RUNS" ]; do
		/usr/bin/time -f "%e %M" -o "$dir/one" "$@" >/dev/null 2>&1
		cat "$dir/one" >>"$dir/times"
		i=$((i + 1))
	done
	wall=$(cut -d' ' -f1 "$dir/times" | sort -g | awk '{ t[NR] = $1 } END {
		printf "median %.2f s (min %.2f, max %.2f) over %d runs", t[int((NR + 1) / 2)], t[1], t[NR], NR }')
	rss=$(cut -d' ' -f2 "$dir/times" | sort -g | awk '{ m[NR] = $1 } END {
		printf "median %.1f MiB (max %.1f)", m[int((NR + 1) / 2)] / 1024, m[NR] / 1024 }')
	printf "%s\n  wall: %s; peak RSS: %s\n" "$label" "$wall" "$rss"
}

measure "report --all --html over the library ($runs runs)" \
	"$FAKEPUMP" report --all --db "$dir/library.db" --html "$dir/r.html"
echo "  HTML: $(wc -c <"$dir/r.html") bytes"
if command -v chromium >/dev/null 2>&1; then
	measure "report --all --html --pdf over the library ($runs runs)" \
		"$FAKEPUMP" report --all --db "$dir/library.db" --html "$dir/r.html" --pdf "$dir/r.pdf"
	command -v pdfinfo >/dev/null 2>&1 && echo "  PDF: $(pdfinfo "$dir/r.pdf" | grep Pages)"
fi
measure "run ten-years.yaml --png (3650 days)" \
	"$FAKEPUMP" run "$here/scenarios/ten-years.yaml" --png "$dir/ten.png" -q
