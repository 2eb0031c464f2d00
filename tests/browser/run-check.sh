#!/bin/sh
# The browser check of a report, as the tests run it (tests/check_report_browser.py):
#   run-check.sh REPORT.html expect-ok|expect-1 [check-page.js options]
# expect-ok: check-page.js must exit 0; expect-1: exactly 1 (it found problems) — never 2,
# which means the check could not run at all. Exits 77 (skipped) when chromium, node or
# tests/browser/node_modules is missing, unless FAKEPUMP_REQUIRE_BROWSER=1 (make test sets
# it: there tools/install-deps.sh installed them).
set -u
here=$(dirname "$0")
report=$1
want=$2
shift 2
missing=""
command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="chromium"
command -v node >/dev/null 2>&1 || missing="$missing node"
[ -d "$here/node_modules/puppeteer-core" ] || missing="$missing tests/browser/node_modules (npm ci --prefix tests/browser)"
if [ -n "$missing" ]; then
	echo "run-check: missing:$missing"
	[ "${FAKEPUMP_REQUIRE_BROWSER:-0}" = 1 ] && exit 1
	exit 77
fi
node "$here/check-page.js" "$@" "$report"
status=$?
case "$want" in
expect-ok) [ $status -eq 0 ] ;;
expect-1) [ $status -eq 1 ] ;;
*) echo "run-check: expect-ok or expect-1, not '$want'"; exit 2 ;;
esac
