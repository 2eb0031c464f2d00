#!/bin/sh
# tools/check-format.sh [ROOT] — every tracked C file is formatted as .clang-format says
# (clang-format 14, Debian's). Prints the files that are not and exits 1; `make format`
# formats them. Run by `make test` (meson test `format`).
set -eu
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT"
command -v clang-format >/dev/null 2>&1 || { echo "check-format: clang-format is not installed"; exit 1; }
bad=$(git ls-files '*.c' '*.h' | while read -r f; do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"
done)
if [ -n "$bad" ]; then
	echo "check-format: not formatted as .clang-format says (make format):"
	echo "$bad" | sed 's/^/  /'
	exit 1
fi
echo "check-format: $(git ls-files '*.c' '*.h' | wc -l) files formatted"
