#!/bin/sh
# Guest side of the e2e test (run by guest-init inside QEMU, chrooted into the host's files,
# as root): kernel HCI + three btvirt LE controllers + dbus-daemon + bluetoothd (hardened
# main.conf), fakepump on hci0, the phone stand-in (phone.py) on hci1 and hci2.
# Results and logs go to /mnt (the run's output directory on the host).
E2E=$(dirname "$(readlink -f "$0")")
OUT=/mnt
BUILD=$(cat $OUT/build-dir)
VARIANT=$(cat $OUT/variant 2>/dev/null)
LATENCY_S=$(cat $OUT/latency-s 2>/dev/null || echo 10)
export E2E_PHASES=$(cat $OUT/phases 2>/dev/null)
CONF=$E2E/main.conf
case "$VARIANT" in *noprivacy*) grep -v '^Privacy' $E2E/main.conf > /tmp/main.conf; CONF=/tmp/main.conf;; esac
export PYTHONDONTWRITEBYTECODE=1
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "[$(up)] e2e-guest: $*"; }

# The guest kernel's module tree (run.sh: kroot= on the kernel command line).
KROOT=$(sed -n 's/.* kroot=\([^ ]*\).*/\1/p' /proc/cmdline)
modprobe() { command modprobe -d "${KROOT:-/}" "$@"; }
say "kernel $(uname -r)"
modprobe hci_vhci || { echo "E2E-RESULT rc=10 (no hci_vhci)"; exit 1; }
# The crypto btvirt and SMP need, loaded now rather than by autoload in the middle of the
# controllers' start-up (a slow autoload under TCG left a controller unopened).
modprobe -a af_alg algif_hash algif_skcipher ecb cmac ecdh_generic 2>/dev/null
mkdir -p /run/dbus /var/lib/bluetooth
dbus-daemon --system --fork --nopidfile
btmon -w $OUT/btmon.snoop >/dev/null 2>&1 &

# Three controllers: hci0 the pump, hci1 the phone, hci2 a stranger. Not more centrals
# holding links to the pump at once: BlueZ 5.66's emulated controller (emulator/btdev.c)
# gives every ACL link the handle 42, so a second simultaneous link to hci0 tears down the
# first (seen: the pump's controller reported two links with handle 42, then dropped one).
# What a crowd of unpaired centrals can and cannot do is tested in-process
# (tests/test_ble_availability.c) and in the gateway's pool (tests/test_link_budget.c).
NCTRL=3
# A controller may fail to come up under TCG load (recipe pitfall 9): wait with a limit for
# all three adapters on D-Bus, restart the stack otherwise.
stack_up() {
	btvirt -L -l$NCTRL > $OUT/btvirt.log 2>&1 &
	BTVIRT=$!
	# All three set up in the kernel (mgmt index list) before bluetoothd reads the list:
	# a controller missing here never comes (pitfall 9), so start over at once.
	n=0
	for i in $(seq 40); do
		n=$(btmgmt info 2>/dev/null | grep -c '^hci[0-9]')
		[ "$n" = $NCTRL ] && break
		sleep 0.2
	done
	if [ "$n" != $NCTRL ]; then
		kill $BTVIRT 2>/dev/null
		wait $BTVIRT 2>/dev/null
		return 1
	fi
	bluetoothd -n -d -f $CONF > $OUT/bluetoothd.log 2>&1 &
	BLUETOOTHD=$!
	for i in $(seq 30); do
		n=$(dbus-send --system --print-reply --dest=org.bluez / \
			org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>/dev/null |
			grep -c 'object path "/org/bluez/hci[0-9]*"')
		[ "$n" = $NCTRL ] && return 0
		sleep 0.3
	done
	cp $OUT/bluetoothd.log $OUT/bluetoothd-failed-start.log
	kill $BLUETOOTHD $BTVIRT 2>/dev/null
	wait $BLUETOOTHD $BTVIRT 2>/dev/null
	return 1
}
for try in 1 2 3; do stack_up && break; say "stack not complete, restarting ($try)"; done
for h in $(seq 0 $((NCTRL - 1))); do
	# SC-only mode (btmgmt sc only) makes passkey pairing between btvirt controllers fail
	# with Authentication Failed (measured 2026-11-25), so the harness leaves it off: the
	# secure-* flags refuse anything but LE SC + MITM anyway (ble-protocol.md §3.2).
	case "$VARIANT" in *sconly*) btmgmt --index $h sc only >/dev/null;; esac
	btmgmt --index $h power on >/dev/null
done
# bluetoothd asks for privacy (main.conf Privacy = device) as it takes each adapter; the
# kernel refuses it (mgmt status 0x0b, Rejected) for one that is already powered, which under
# TCG load some of ours are. Make sure the pump's adapter advertises from private addresses,
# as it does on a machine where bluetoothd starts before the adapter powers up.
# btmgmt's commands can time out on a starved guest: check the setting took, else again.
for try in 1 2 3 4 5; do
	btmgmt --index 0 power off >/dev/null
	btmgmt --index 0 privacy on >/dev/null
	btmgmt --index 0 power on >/dev/null
	btmgmt --index 0 info | grep -q "current settings:.* privacy" && break
	say "hci0: privacy not on yet ($try): $(btmgmt --index 0 info | grep 'current settings')"
	sleep 1
done
say "stack up: $(ls /sys/class/bluetooth | tr '\n' ' ')"

# Pairing opens from the scenario (pairing_window event), not from --pair-window; a longer
# latency phase keeps it open longer (the stranger and the guesser need it open after; with
# four times more work than cores the phases before the guesser took 7 min of the 7 it had;
# the ctl phase adds about 2).
sed "s/pairing_window: 5m/pairing_window: $((17 + ${LATENCY_S%.*} / 60))m/" \
	$E2E/e2e-day.yaml > /tmp/e2e-day.yaml
$BUILD/fakepump run /tmp/e2e-day.yaml --ble --adapter hci0 --speed 60 \
	--hold --headless --events /tmp/events.jsonl > $OUT/fakepump.log 2>&1 &
FP=$!
FAKEPUMP=$BUILD/fakepump timeout $((860 + ${LATENCY_S%.*})) /usr/bin/python3 -u $E2E/phone.py /tmp/events.jsonl $LATENCY_S \
	> $OUT/phone.log 2>&1
RC=$?
# bluetoothd restarts: FakePump re-registers by itself when org.bluez comes back.
n0=$(grep -c '"advertising_started"' /tmp/events.jsonl)
kill $BLUETOOTHD 2>/dev/null
wait $BLUETOOTHD 2>/dev/null
bluetoothd -n -d -f $CONF > $OUT/bluetoothd-restarted.log 2>&1 &
BLUETOOTHD=$!
back=FAIL
for i in $(seq 100); do
	[ "$(grep -c '"advertising_started"' /tmp/events.jsonl)" -gt "$n0" ] && { back=PASS; break; }
	sleep 0.2
done
grep -q '"advertising_stopped"' /tmp/events.jsonl || back=FAIL
echo "E2E-CHECK $back fakepump advertises again after bluetoothd restarts" >> $OUT/phone.log
[ $back = PASS ] || RC=1
# phone.py's removed_bond found bluetoothd dead after RemoveDevice (a BlueZ 5.66 crash, see
# phone.py): the bond must be gone now that bluetoothd is back, and the crash is counted.
if [ -f /tmp/bluez-crashed ]; then
	peer=$(cat /tmp/bluez-crashed)
	out=$($BUILD/fakepump bonds --adapter hci0 2>&1)
	if [ $? = 0 ] && ! echo "$out" | grep -q "$peer"; then
		echo "E2E-CHECK PASS the removed bond is gone once bluetoothd is back: $out" >> $OUT/phone.log
	else
		echo "E2E-CHECK FAIL the removed bond is gone once bluetoothd is back: $out" >> $OUT/phone.log
		RC=1
	fi
	echo "E2E-BLUEZ-CRASH 1 (bluetoothd died inside RemoveDevice)" >> $OUT/phone.log
fi
kill -TERM $FP 2>/dev/null
wait $FP
FPRC=$?
cp /tmp/events.jsonl $OUT/events.jsonl 2>/dev/null
# A second run on the same adapter, power-cycled as a restarted pump's would be: an
# unpaired central must see another name and another address (phone.py --second-run). It
# compares with what the stranger phase saw, so it needs that phase.
case ",$E2E_PHASES," in
",,"|*,stranger,*)
btmgmt --index 0 power off >/dev/null
btmgmt --index 0 power on >/dev/null
$BUILD/fakepump run /tmp/e2e-day.yaml --ble --adapter hci0 --speed 60 \
	--hold --headless --events /tmp/events2.jsonl > $OUT/fakepump2.log 2>&1 &
FP2=$!
timeout 150 /usr/bin/python3 -u $E2E/phone.py /tmp/events2.jsonl 0 --second-run \
	> $OUT/phone2.log 2>&1 || RC=1
kill -TERM $FP2 2>/dev/null
wait $FP2
cp /tmp/events2.jsonl $OUT/events2.jsonl 2>/dev/null
grep "^E2E-CHECK" $OUT/phone2.log >> $OUT/phone.log
;;
*) say "second run skipped: E2E_PHASES=$E2E_PHASES has no stranger phase" ;;
esac
# SIGTERM before the scenario's end is an interruption: exit 143, and the event stream's
# run_ended says so (docs/events.md).
if [ $FPRC = 143 ] && grep -q '"type":"run_ended".*"interrupted":true' $OUT/events.jsonl; then
	echo "E2E-CHECK PASS fakepump stopped by SIGTERM: exit 143, run_ended interrupted" >> $OUT/phone.log
else
	ended=$(grep -o '"type":"run_ended".*' $OUT/events.jsonl | head -1)
	echo "E2E-CHECK FAIL fakepump stopped by SIGTERM: exit $FPRC (143 expected), run_ended interrupted (got: ${ended:-no run_ended})" >> $OUT/phone.log
	RC=1
fi
cat $OUT/phone.log | grep -E "^E2E-(CHECK|PHONE|LATENCY|CTL-LATENCY|RECONNECT|BLUEZ-CRASH)"
say "phone rc=$RC fakepump rc=$FPRC"
echo "E2E-RESULT rc=$RC"
