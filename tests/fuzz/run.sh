#!/bin/sh
# Build the BLE decoder fuzzer with clang (libFuzzer + ASan + UBSan) straight from the
# ble_gateway sources and run it for a bounded time on the seed corpus.
#
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags…]     (default 60 s)
#
# Needs clang with the libFuzzer runtime (Debian 12: clang-14 + libclang-rt-14-dev).
# Inputs are capped at 512 bytes, the largest ATT attribute value. New corpus entries and
# crash artifacts go to $FUZZ_WORK (default build-fuzz/ at the
# repository root), never into the committed seed corpus. Exits non-zero on a crash.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
work=${FUZZ_WORK:-$root/build-fuzz}
cc=${CC_FUZZ:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

# The protocol layer's sources, as in ble_gateway/meson.build (not the pump binding).
src=""
for f in ieee11073 e2e ids_codes ids_values ids_ccp ids_srcp cgms gatt_values gatt_model; do
	src="$src $root/ble_gateway/$f.c"
done

mkdir -p "$work/corpus" "$work/artifacts"
"$cc" -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$root/ble_gateway" \
	"$here/fuzz_ble_decoders.c" $src -lm \
	-o "$work/fuzz_ble_decoders"

log="$work/fuzz.log"
status=0
"$work/fuzz_ble_decoders" "$work/corpus" "$here/corpus" \
	-max_total_time="$seconds" -max_len=512 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$@" >"$log" 2>&1 || status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
crashes=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' \
	-o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
echo "fuzz_ble_decoders: ${runs:-?} executions in ${seconds} s, $crashes crash artifacts" \
	"(status $status, log $log)"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
	tail -n 40 "$log" >&2
	exit 1
fi
