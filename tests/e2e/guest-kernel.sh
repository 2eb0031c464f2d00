#!/bin/sh
# tests/e2e/guest-kernel.sh BUILD_E2E_DIR — choose the kernel the e2e guest boots; prints
# "ROOT VERSION": the guest's kernel is ROOT/boot/vmlinuz-VERSION with its modules in
# ROOT/lib/modules/VERSION.
#
# Why not the host's kernel: Debian 12's own kernel (6.1) lacks the L2CAP fix "Bluetooth:
# L2CAP: Fix corrupted list in hci_chan_del" (upstream commit ab4eedb790ca, in 6.12.y). With
# both ends of every link in the guest's one kernel, bluetoothd releasing an ATT socket of a
# link that has just gone down hits that list corruption (kernel BUG, bluetoothd killed):
# measured here in 3 of 5 e2e runs with both host cores busy. The kernel from Debian 12's
# backports suite (bookworm-backports, 6.12) has the fix.
#
# The backports kernel package is fetched with apt from a private list (nothing is added to
# the machine's apt sources or installed: `apt-get download`, then `dpkg-deb -x` into
# BUILD_E2E_DIR/kernel) once per build directory. Without network or without the package,
# the host's newest kernel is used and a line says so. E2E_KERNEL=host forces the host's.
set -u
DIR=$1
ROOT=$DIR/kernel
host_kernel() {
	echo "/ $(ls /lib/modules | sort -V | tail -1)"
}
if [ "${E2E_KERNEL:-backports}" = host ]; then
	host_kernel
	exit 0
fi
if [ -f "$ROOT/version" ]; then
	echo "$ROOT $(cat "$ROOT/version")"
	exit 0
fi
APT=$DIR/apt
rm -rf "$APT" "$ROOT"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$ROOT"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$APT/sources.list"
set -- -o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o APT::Sandbox::User=root
if ! apt-get -qq "$@" update >/dev/null 2>&1; then
	echo "e2e: cannot reach bookworm-backports: the guest boots the host's kernel" >&2
	host_kernel
	exit 0
fi
# The metapackage names the newest kernel image of the suite.
PKG=$(apt-cache "$@" depends linux-image-amd64/bookworm-backports 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
if [ -z "$PKG" ] || ! (cd "$APT" && apt-get -qq "$@" download "$PKG" >/dev/null 2>&1); then
	echo "e2e: no backports kernel package: the guest boots the host's kernel" >&2
	host_kernel
	exit 0
fi
dpkg-deb -x "$APT"/"$PKG"_*.deb "$ROOT"
VERSION=${PKG#linux-image-}
depmod -b "$ROOT" "$VERSION"
rm -rf "$APT"
echo "$VERSION" > "$ROOT/version"
echo "e2e: guest kernel $VERSION (bookworm-backports)" >&2
echo "$ROOT $VERSION"
