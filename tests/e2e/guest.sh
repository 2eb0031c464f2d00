#!/bin/sh
# Guest side of the e2e test (run by guest-init inside QEMU, chrooted into the host's files,
# as root): kernel HCI + three btvirt LE controllers + dbus-daemon + bluetoothd (hardened
# main.conf), fakepump on hci0, the phone stand-in (phone.py) on hci1 and hci2.
# Results and logs go to /mnt (the run's output directory on the host).
E2E=$(dirname "$(readlink -f "$0")")
OUT=/mnt
BUILD=$(cat $OUT/build-dir)
VARIANT=$(cat $OUT/variant 2>/dev/null)
CONF=$E2E/main.conf
case "$VARIANT" in *noprivacy*) grep -v '^Privacy' $E2E/main.conf > /tmp/main.conf; CONF=/tmp/main.conf;; esac
export PYTHONDONTWRITEBYTECODE=1
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "[$(up)] e2e-guest: $*"; }

modprobe hci_vhci || { echo "E2E-RESULT rc=10 (no hci_vhci)"; exit 1; }
# The crypto btvirt and SMP need, loaded now rather than by autoload in the middle of the
# controllers' start-up (a slow autoload under TCG left a controller unopened).
modprobe -a af_alg algif_hash algif_skcipher ecb cmac ecdh_generic 2>/dev/null
mkdir -p /run/dbus /var/lib/bluetooth
dbus-daemon --system --fork --nopidfile
btmon -w $OUT/btmon.snoop >/dev/null 2>&1 &

# A controller may fail to come up under TCG load (recipe pitfall 9): wait with a limit for
# all three adapters on D-Bus, restart the stack otherwise.
stack_up() {
	btvirt -L -l3 > $OUT/btvirt.log 2>&1 &
	BTVIRT=$!
	for i in $(seq 100); do [ -e /sys/class/bluetooth/hci2 ] && break; sleep 0.1; done
	bluetoothd -n -d -f $CONF > $OUT/bluetoothd.log 2>&1 &
	BLUETOOTHD=$!
	for i in $(seq 30); do
		n=$(dbus-send --system --print-reply --dest=org.bluez / \
			org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>/dev/null |
			grep -c 'object path "/org/bluez/hci[012]"')
		[ "$n" = 3 ] && return 0
		sleep 0.3
	done
	cp $OUT/bluetoothd.log $OUT/bluetoothd-failed-start.log
	kill $BLUETOOTHD $BTVIRT 2>/dev/null
	wait $BLUETOOTHD $BTVIRT 2>/dev/null
	return 1
}
for try in 1 2 3; do stack_up && break; say "stack not complete, restarting ($try)"; done
for h in 0 1 2; do
	# SC-only mode (btmgmt sc only) makes passkey pairing between btvirt controllers fail
	# with Authentication Failed (measured 2026-11-25), so the harness leaves it off: the
	# secure-* flags refuse anything but LE SC + MITM anyway (ble-protocol.md §3.2).
	case "$VARIANT" in *sconly*) btmgmt --index $h sc only >/dev/null;; esac
	btmgmt --index $h power on >/dev/null
done
say "stack up: $(ls /sys/class/bluetooth | tr '\n' ' ')"

$BUILD/fakepump run $E2E/e2e-day.yaml --ble --adapter hci0 --pair-window 2m --speed 60 \
	--hold --headless --events /tmp/events.jsonl > $OUT/fakepump.log 2>&1 &
FP=$!
timeout 160 /usr/bin/python3 -u $E2E/phone.py /tmp/events.jsonl > $OUT/phone.log 2>&1
RC=$?
kill -TERM $FP 2>/dev/null
wait $FP
FPRC=$?
cp /tmp/events.jsonl $OUT/events.jsonl 2>/dev/null
cat $OUT/phone.log | grep -E "^E2E-(CHECK|PHONE|LATENCY)"
[ $FPRC = 0 ] || RC=1
say "phone rc=$RC fakepump rc=$FPRC"
echo "E2E-RESULT rc=$RC"
