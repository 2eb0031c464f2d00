#!/bin/bash
# cluster.sh — a private one-node Slurm cluster for a test: munged, slurmctld and slurmd
# from Debian's packages, everything (key, socket, configuration, state, logs, PID files)
# under one directory, nothing in /etc, /run or /var, no systemd, no cgroups.
#
#   cluster.sh start DIR   start it; prints "export SLURM_CONF=DIR/etc/slurm.conf" (every
#                          Slurm client of the test needs it); on failure prints the
#                          daemons' logs to stderr, stops what it started, exits 1
#   cluster.sh stop DIR    stop the daemons whose PID files are in DIR/run, nothing else
#
# Needs root (SlurmUser=root and a munged of our own) and the packages slurmctld, slurmd,
# slurm-client and munge (tools/install-deps.sh test). Written for Slurm 22.05 (Debian 12);
# docs/scale.md "Testing on a real cluster" explains the choices.
#
# What a bare machine teaches (each line below has a reason):
# - proctrack/cgroup without a cgroup hierarchy leaves the node idle while jobs silently
#   never run: proctrack/linuxproc and task/none instead, and a test checks outputs, never
#   only exit statuses;
# - the controller must be named by this machine's short name, which may not resolve:
#   "NAME(127.0.0.1)", NodeAddr=127.0.0.1, munged --origin=127.0.0.1;
# - daemons fork and return 0 before they bind their ports: watch their PIDs while waiting
#   for the node to be idle; two clusters on one machine need their own ports (taken under
#   a lock) and their own munge keys;
# - a daemon holding the caller's stdout blocks `out=$(cluster.sh start)`: stdio elsewhere;
# - a killed daemon stays a zombie until PID 1 reaps it: "gone" is read from /proc/PID/stat;
# - sbatch --wait polls less and less often unless MinJobAge is small (here 4 s).
set -u

fail() { echo "cluster.sh: $*" >&2; exit 1; }

# Whether process $1 runs (a zombie does not).
running() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# The PID in file $1 if it is a running $2 (never act on a PID reused by another program).
pid_of() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && running "$pid" && echo "$pid"
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_failed() {
	local f
	echo "cluster.sh: $*" >&2
	for f in "$DIR"/log/*; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	stop "$DIR" >&2
	exit 1
}

start() {
	DIR=$1
	[ "$(id -u)" = 0 ] || fail "needs root"
	local p
	for p in munged mungekey munge unmunge slurmctld slurmd sinfo sbatch flock; do
		command -v "$p" >/dev/null || fail "$p not found (apt-get install slurmctld slurmd slurm-client munge)"
	done
	mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd) || fail "cannot make $DIR"
	pid_of "$DIR/run/slurmctld.pid" slurmctld >/dev/null && fail "$DIR already has a cluster running"
	rm -rf "$DIR/etc" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run" "$DIR/munge"
	mkdir -p "$DIR/etc" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run" "$DIR/munge"
	# munged wants every directory above its socket searchable by all (mktemp -d is 0700);
	# --force lets it start anyway, which is fine: every client here is root.
	chmod 755 "$DIR" "$DIR/munge"

	local key=$DIR/munge/munge.key sock=$DIR/munge/munge.socket
	mungekey --create --keyfile="$key" || start_failed "mungekey failed"
	chmod 600 "$key"
	munged --socket="$sock" --key-file="$key" --pid-file="$DIR/run/munged.pid" \
		--log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/seed" \
		--origin=127.0.0.1 --force </dev/null >/dev/null 2>"$DIR/log/munged.err" 9>&- \
		|| start_failed "munged did not start"
	munge -S "$sock" -n </dev/null | unmunge -S "$sock" >/dev/null || start_failed "munge cannot credential"

	# Ports: the first free pair from 6817, held under a lock until our daemons listen.
	exec 9>"${TMPDIR:-/tmp}/fakepump-slurm-test.lock"
	flock -w 120 9 || start_failed "port lock busy for 120 s"
	local port=6817 n=0
	while listening $port || listening $((port + 1)); do
		port=$((port + 2)); n=$((n + 1))
		[ $n -lt 100 ] || start_failed "no free port pair from 6817"
	done

	local host node
	host=$(hostname -s)
	# This machine's node line (CPUs, sockets, cores, threads) without RealMemory: memory
	# is not scheduled (CR_CPU), and a value above what slurmd later measures drains the node.
	node=$(slurmd -C | head -n 1 | sed -e 's/ RealMemory=[0-9]*//' -e "s/^NodeName=[^ ]*/NodeName=$host/")
	cat >"$DIR/etc/slurm.conf" <<CONF
# A one-node test cluster (tests/slurm/cluster.sh)
ClusterName=fakepumptest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=4
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	export SLURM_CONF=$DIR/etc/slurm.conf
	# -c: no jobs or node states from a previous cluster in this directory.
	slurmctld -c </dev/null >/dev/null 2>"$DIR/log/slurmctld.err" 9>&- || start_failed "slurmctld did not start"
	slurmd -N "$host" </dev/null >/dev/null 2>"$DIR/log/slurmd.err" 9>&- || start_failed "slurmd did not start"

	local deadline=$((SECONDS + ${SLURM_TEST_WAIT:-90})) state d
	while :; do
		for d in slurmctld slurmd; do
			if [ -s "$DIR/run/$d.pid" ]; then
				pid_of "$DIR/run/$d.pid" $d >/dev/null || start_failed "$d died"
			fi
		done
		state=$(timeout 5 sinfo -h -N -n "$host" -o %t 2>/dev/null | head -n 1)
		# slurmd may write its PID file after the node shows idle; stop needs it.
		[ "$state" = idle ] && [ -s "$DIR/run/slurmd.pid" ] && [ -s "$DIR/run/slurmctld.pid" ] && break
		[ $SECONDS -lt $deadline ] || start_failed "node not idle in time (state '${state:-none}')"
		sleep 0.2
	done
	exec 9>&-
	echo "export SLURM_CONF=$SLURM_CONF"
}

stop() {
	local dir=$1 i p d pids=""
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	if pid_of "$dir/run/slurmctld.pid" slurmctld >/dev/null; then
		# cancel first, so that no task outlives its slurmd
		SLURM_CONF=$dir/etc/slurm.conf timeout 10 scancel --quiet -u root 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			[ -z "$(SLURM_CONF=$dir/etc/slurm.conf timeout 5 squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
	for d in slurmd slurmctld munged; do
		p=$(pid_of "$dir/run/$d.pid" $d) && pids="$pids $p"
	done
	[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		local left=""
		for p in $pids; do running "$p" && left="$left $p"; done
		pids=$left
		[ -z "$pids" ] && break
		sleep 0.1
	done
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	rm -f "$dir"/run/*.pid
	return 0
}

case ${1:-} in
start) [ -n "${2:-}" ] || fail "usage: cluster.sh start DIR"; start "$2" ;;
stop) [ -n "${2:-}" ] || fail "usage: cluster.sh stop DIR"; stop "$2" ;;
*) sed -n '2,14p' "$0"; exit 2 ;;
esac
