#!/bin/sh
# Build the BLE fuzzers with clang (libFuzzer + ASan + UBSan) straight from the sources and
# run each for a bounded time on its seed corpus:
#   fuzz_ble_decoders  every decoder of the protocol layer (inputs: one PDU, ≤ 512 bytes,
#                      the largest ATT attribute value; seeds tests/fuzz/corpus/);
#   fuzz_ble_server    every write handler of the GATT server bound to a real pump, on links
#                      of every security level (inputs: operation scripts, ≤ 4096 bytes;
#                      seeds tests/fuzz/corpus_server/, made by make_server_seeds.py).
#
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags…]     (default 60 s per target)
#   FUZZ_TARGETS="server" tests/fuzz/run.sh 600 -jobs=2 -workers=2
#
# Needs clang with the libFuzzer runtime (Debian 12: clang-14 + libclang-rt-14-dev).
# New corpus entries and crash artifacts go to $FUZZ_WORK (default build-fuzz/ at the
# repository root), never into the committed seed corpora. Exits non-zero on a crash.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
work=${FUZZ_WORK:-$root/build-fuzz}
cc=${CC_FUZZ:-clang}
targets=${FUZZ_TARGETS:-decoders server}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

# The protocol layer's sources, as in ble_gateway/meson.build.
protocol=""
for f in att ble_result ieee11073 e2e ids_codes ids_values ids_ccp ids_srcp ids_racp cgms gatt_values gatt_model gatt_keys; do
	protocol="$protocol $root/ble_gateway/protocol/$f.c"
done
server="$protocol $(ls "$root"/ble_gateway/server/*.c | tr '\n' ' ') \
	$root/pump_model/pump.c $root/pump_model/authority.c"

status=0
for t in $targets; do
	case $t in
	decoders) src=$protocol corpus=$here/corpus max_len=512 ;;
	server) src=$server corpus=$here/corpus_server max_len=4096 ;;
	*) echo "fuzz: unknown target $t" >&2; exit 2 ;;
	esac
	name=fuzz_ble_$t
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	# shellcheck disable=SC2086 # word splitting of the source list is intended
	"$cc" -std=c11 -D_POSIX_C_SOURCE=200809L -DFAKEPUMP_VERSION='"fuzz"' -g -O1 \
		-Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$root/ble_gateway/protocol" -I"$root/ble_gateway/server" -I"$root/pump_model" \
		"$here/$name.c" $src -lm -o "$work/$name"

	log="$work/$t/fuzz.log"
	rm -f "$work/$t"/fuzz-*.log
	rc=0
	# -jobs/-workers leave one log per job (fuzz-N.log) in the working directory.
	(cd "$work/$t" && "$work/$name" "$work/$t/corpus" "$corpus" \
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
