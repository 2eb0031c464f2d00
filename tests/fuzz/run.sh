#!/bin/sh
# Build the BLE fuzzers with Meson (clang, libFuzzer + ASan + UBSan: -Dfuzzers=true) and run
# each for a bounded time on its seed corpus:
#   fuzz_ble_decoders  every decoder of the protocol layer (inputs: one PDU, ≤ 512 bytes,
#                      the largest ATT attribute value; seeds tests/fuzz/corpus/);
#   fuzz_ble_server    every write handler of the GATT server bound to a real pump, on links
#                      of every security level (inputs: operation scripts, ≤ 4096 bytes;
#                      seeds tests/fuzz/corpus_server/, made by make_server_seeds.py).
#
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags…]     (default 60 s per target)
#   FUZZ_TARGETS="server" tests/fuzz/run.sh 600 -jobs=2 -workers=2
#
# Needs clang with the libFuzzer runtime (Debian 12: clang-14 + libclang-rt-14-dev). The
# build directory is $FUZZ_BUILD (default build-fuzz/meson at the repository root; what
# the targets are built from is tests/fuzz/meson.build, so a new source file of the
# libraries needs nothing here). New corpus entries and crash artifacts go to $FUZZ_WORK
# (default build-fuzz/), never into the committed seed corpora. Exits non-zero on a crash.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
work=${FUZZ_WORK:-$root/build-fuzz}
build=${FUZZ_BUILD:-$work/meson}
cc=${CC_FUZZ:-clang}
targets=${FUZZ_TARGETS:-decoders server}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

mkdir -p "$work"
if [ ! -f "$build/build.ninja" ]; then
	# -O1 -g as libFuzzer recommends; only the fuzz targets are built, not the tests.
	CC="$cc" meson setup "$build" "$root" -Dfuzzers=true -Dtests=false -Ddebug=true \
		-Doptimization=1 -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all >"$work/meson-setup.log" 2>&1 || {
		cat "$work/meson-setup.log" >&2
		exit 2
	}
fi
for t in $targets; do
	case $t in
	decoders | server) ;;
	*) echo "fuzz: unknown target $t" >&2; exit 2 ;;
	esac
done
# shellcheck disable=SC2086 # one ninja target per fuzzer
ninja -C "$build" --quiet $(for t in $targets; do echo "tests/fuzz/fuzz_ble_$t"; done)

status=0
for t in $targets; do
	case $t in
	decoders) corpus=$here/corpus max_len=512 ;;
	server) corpus=$here/corpus_server max_len=4096 ;;
	esac
	name=fuzz_ble_$t
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"

	log="$work/$t/fuzz.log"
	rm -f "$work/$t"/fuzz-*.log
	rc=0
	# -jobs/-workers leave one log per job (fuzz-N.log) in the working directory.
	(cd "$work/$t" && "$build/tests/fuzz/$name" "$work/$t/corpus" "$corpus" \
		-max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 \
		-artifact_prefix="$work/$t/artifacts/" "$@") >"$log" 2>&1 || rc=$?

	# With -jobs the main log repeats a job's output: count the job logs only.
	logs=$(ls "$work/$t"/fuzz-*.log 2>/dev/null || echo "$log")
	# shellcheck disable=SC2086
	runs=$(cat $logs | sed -n 's/^stat::number_of_executed_units: *//p' |
		awk '{s += $1} END {print s + 0}')
	crashes=$(find "$work/$t/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	echo "$name: $runs executions in ${seconds} s, $crashes crash artifacts" \
		"(status $rc, log $log)"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		tail -n 40 "$log" >&2
		status=1
	fi
done
exit $status
