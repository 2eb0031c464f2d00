#!/bin/sh
# Installs the Debian 12 packages FakePump needs to build and test, if any is missing.
# Idempotent and quiet when everything is there; runs `apt-get update` once, only when
# something has to be installed. Needs root (or sudo) only in that case.
set -eu

# tools/install-deps.sh [build|test]: `build` (make demo) what building and running need;
# `test` (make test, the default) also what only the tests need.
MODE=${1:-test}
PACKAGES="gcc make pkg-config meson ninja-build python3 libyaml-dev libcriterion-dev libsqlite3-dev sqlite3 libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core libglib2.0-dev zlib1g-dev"
if [ "$MODE" = test ]; then
	PACKAGES="$PACKAGES clang-format xvfb xauth python3-junitparser xdotool clang libclang-rt-14-dev chromium poppler-utils"
	# The live control's check (tests/check_ctl.py) calls the pump with gdbus and puts it on
	# a private session bus (dbus-daemon).
	PACKAGES="$PACKAGES libglib2.0-bin dbus"
	# The sharded trial on a real one-node Slurm cluster (tests/slurm/): the daemons, the
	# clients and munge; none is started by installing them (the test starts its own).
	PACKAGES="$PACKAGES slurmctld slurmd slurm-client munge"
	# The report's browser test (tests/check_report_browser.py) drives Debian's chromium
	# with puppeteer-core (tests/browser/package-lock.json pins it) under Node.js: Debian's
	# nodejs and npm unless a node is already on PATH (e.g. NodeSource's, with its own npm).
	command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs"
	command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
fi

here=$(cd "$(dirname "$0")/.." && pwd)
browser_modules() {
	[ "$MODE" = test ] || return 0
	# puppeteer-core never downloads a browser; `npm ci` installs exactly the lockfile.
	if [ ! -d "$here/tests/browser/node_modules/puppeteer-core" ]; then
		echo "install-deps: npm ci --prefix tests/browser"
		npm ci --prefix "$here/tests/browser" --no-audit --no-fund >/dev/null
	fi
}

missing=""
for pkg in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $pkg"
	fi
done
if [ -z "$missing" ]; then
	browser_modules
	exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
		echo "install-deps: need root to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
browser_modules
echo "install-deps: done"
