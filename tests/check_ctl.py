#!/usr/bin/env python3
"""check_ctl.py FAKEPUMP — the live control (docs/qa-guide.md) against headless pumps with no
D-Bus bus at all: the peer-to-peer socket only (DBUS_SESSION_BUS_ADDRESS unset).

Two pumps run on one machine (`run … --hold --name`) and are driven apart with `fakepump
ctl`; one is also driven with `gdbus` calling the D-Bus methods directly (what a pytest rig
does); the event stream follows live; faults are recorded with source ctl in the database;
bad input is exit 2, no pump exit 3; another user cannot reach a pump (as root: `nobody`
through setpriv). Every wait has a deadline; the pumps are stopped whatever happens.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

FAKEPUMP = os.path.abspath(sys.argv[1])
SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios",
                        "demo.yaml")
TMP = tempfile.mkdtemp(prefix="fakepump-ctl-")
ENV = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
ENV["FAKEPUMP_CTL_DIR"] = os.path.join(TMP, "sockets")  # nothing shared with other tests
TAG = str(os.getpid())
A, B = "qa-a-" + TAG, "qa-b-" + TAG
failures = []
procs = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def ctl(*args, timeout=60, env=ENV, prefix=()):
    return subprocess.run(list(prefix) + [FAKEPUMP, "ctl", *args], env=env, timeout=timeout,
                          capture_output=True, text=True)


def start(name, db):
    p = subprocess.Popen([FAKEPUMP, "run", SCENARIO, "--headless", "--hold", "--quiet",
                          "--name", name, "--db", db], env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    procs.append(p)
    deadline = time.time() + 120  # the ASan build plays the demo day slowly
    while time.time() < deadline:
        r = ctl("--pump", name, "status")
        if r.returncode == 0 and json.loads(r.stdout).get("Holding"):
            return p
        if p.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"pump {name} did not come up: {p.stderr.read() if p.poll() is not None else ''}")


def status(name):
    r = ctl("--pump", name, "status")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def main():
    db_a, db_b = os.path.join(TMP, "a.db"), os.path.join(TMP, "b.db")
    pa = start(A, db_a)
    start(B, db_b)

    r = ctl("list")
    names = [line.split("\t")[0] for line in r.stdout.splitlines()]
    check(r.returncode == 0 and A in names and B in names, "list shows both pumps")
    sa, sb = status(A), status(B)
    check(sa["Name"] == A and sb["Name"] == B, "each pump answers with its own name")
    check(sa["Serial"] != sb["Serial"], "each pump has its own serial")
    r = ctl("status")
    check(r.returncode == 2 and "--pump" in r.stderr, "two pumps and no --pump: exit 2")

    # The event stream, live.
    ev = subprocess.Popen([FAKEPUMP, "ctl", "--pump", A, "events"], env=ENV,
                          stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)

    # Controlled apart: A suspends, B keeps running.
    r = ctl("--pump", A, "suspend")
    check(r.returncode == 0 and json.loads(r.stdout)["result"] == "ok", "suspend A: ok")
    check(status(A)["TherapyState"] == "pause" and status(B)["TherapyState"] == "run",
          "A paused, B still running")
    r = ctl("--pump", A, "bolus", "1")
    check(r.returncode == 1 and json.loads(r.stdout)["result"] == "not_running",
          "a bolus while suspended: refused by the pump, exit 1")
    r = ctl("--pump", A, "resume")
    check(r.returncode == 0, "resume A")
    r = ctl("--pump", A, "bolus", "50")
    check(r.returncode == 1 and json.loads(r.stdout)["result"] == "max_bolus",
          "a fault never lifts a hard limit: 50 U is over max_bolus")

    # A Python rig calling D-Bus directly (gdbus on the same socket).
    sock = os.path.join(ENV["FAKEPUMP_CTL_DIR"], A)
    g = subprocess.run(["gdbus", "call", "--address", "unix:path=" + sock, "--dest",
                        "org.fakepump.Pump", "--object-path",
                        "/org/fakepump/Pump", "--method", "org.fakepump.Pump1.Bolus", "0.5"],
                       env=ENV, capture_output=True, text=True, timeout=60)
    check(g.returncode == 0 and '"result":"ok"' in g.stdout,
          "gdbus calls Bolus directly: ok")

    # Faults, pump and phone, each recorded with source ctl.
    r = ctl("--pump", A, "fault", "occlusion", "missed=3")
    check(r.returncode == 0 and json.loads(r.stdout)["origin"] == "ctl", "occlusion: origin ctl")
    check(any(a.startswith("occlusion#") for a in status(A)["Annunciations"]),
          "occlusion with the threshold missed: the alarm at once")
    check(not status(B)["Annunciations"] or not any(
        a.startswith("occlusion#") for a in status(B)["Annunciations"]), "B has no occlusion")
    r = ctl("--pump", A, "fault", "drop_notifications", "nth=3", "for=1h")
    check(r.returncode == 0 and "drop_notifications" in status(A)["Faults"],
          "drop_notifications is on")
    r = ctl("--pump", A, "fault", "clear")
    check(r.returncode == 0 and status(A)["Faults"] == [], "fault clear ends it")

    # Bad input: exit 2, a clear message; no such pump: exit 3.
    for args, what in [(["bolus", "abc"], "bolus abc"), (["fault", "nope"], "fault nope"),
                       (["fault", "drop_notifications", "nth=1"], "nth=1"),
                       (["fault", "occlusion", "nth=3"], "a key the kind does not take"),
                       (["frobnicate"], "unknown command"), (["speed", "-1"], "speed -1")]:
        r = ctl("--pump", A, *args)
        check(r.returncode == 2 and r.stderr.startswith("fakepump ctl:"), f"{what}: exit 2")
    r = ctl("--pump", "nope-" + TAG, "status")
    check(r.returncode == 3 and "no pump named" in r.stderr, "no such pump: exit 3")
    r = subprocess.run([FAKEPUMP, "run", SCENARIO, "--headless", "--hold", "--quiet", "--name",
                        A], env=ENV, capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "already running" in r.stderr, "a name already running: exit 2")

    # Another user cannot reach the pump.
    if os.geteuid() == 0 and shutil.which("setpriv"):
        r = ctl("--pump", A, "status", prefix=("setpriv", "--reuid=65534", "--regid=65534",
                                               "--clear-groups"))
        check(r.returncode == 3, "user nobody cannot control root's pump")
        # Even with the folder and the socket opened to everyone, the pump checks who
        # connects (GDBus credentials): nobody is still refused, root still gets in.
        sockdir = ENV["FAKEPUMP_CTL_DIR"]
        for path, mode in ((TMP, 0o711), (sockdir, 0o711), (os.path.join(sockdir, A), 0o666)):
            os.chmod(path, mode)
        r = ctl("--pump", A, "status", prefix=("setpriv", "--reuid=65534", "--regid=65534",
                                               "--clear-groups"))
        check(r.returncode == 3, "the credential check refuses nobody on an open socket")
        print("     nobody got:", r.stderr.strip()[:160])
        check(ctl("--pump", A, "status").returncode == 0, "root still gets in")
        for path in (TMP, sockdir):
            os.chmod(path, 0o700)
    else:
        print("skip another user (not root)")

    # On a session bus too, when there is one: a private dbus-daemon for this check.
    if shutil.which("dbus-daemon"):
        d = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1",
                            "--print-pid=1"], capture_output=True, text=True, timeout=30)
        lines = d.stdout.split()
        if d.returncode == 0 and len(lines) >= 2:
            address, pid = lines[0], int(lines[1])
            env = dict(ENV, DBUS_SESSION_BUS_ADDRESS=address)
            name_c = "qa-c-" + TAG
            p = subprocess.Popen([FAKEPUMP, "run", SCENARIO, "--headless", "--hold", "--quiet",
                                  "--name", name_c], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            procs.append(p)
            bus_name = "org.fakepump.Pump." + name_c.replace("-", "_")
            ok = False
            for _ in range(600):
                g = subprocess.run(["gdbus", "call", "--session", "--dest", bus_name,
                                    "--object-path", "/org/fakepump/Pump", "--method",
                                    "org.fakepump.Pump1.Status"], env=env,
                                   capture_output=True, text=True, timeout=30)
                if g.returncode == 0 and f'"Name":"{name_c}"' in g.stdout:
                    ok = True
                    break
                time.sleep(0.2)
            check(ok, f"on the session bus as {bus_name}")
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=120)
            os.kill(pid, signal.SIGTERM)
    else:
        print("skip the session bus (no dbus-daemon)")

    # Pace: a run at real time (--speed 1) goes 6000 times faster, then stops, on command.
    name_e = "qa-e-" + TAG
    pe = subprocess.Popen([FAKEPUMP, "run", SCENARIO, "--headless", "--speed", "1", "--quiet",
                           "--name", name_e], env=ENV, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    procs.append(pe)
    for _ in range(600):
        if ctl("--pump", name_e, "status").returncode == 0:
            break
        time.sleep(0.2)
    t0 = status(name_e)["TimeMin"]
    check(t0 <= 2, f"at real time the clock barely moves ({t0} min)")
    check(ctl("--pump", name_e, "speed", "6000").returncode == 0, "speed 6000")
    time.sleep(3)
    t1 = status(name_e)["TimeMin"]
    check(t1 >= t0 + 10, f"faster: {t0} -> {t1} min in 3 s")
    check(ctl("--pump", name_e, "speed", "pause").returncode == 0, "speed pause")
    t2 = status(name_e)["TimeMin"]
    time.sleep(1.5)
    check(status(name_e)["TimeMin"] == t2 and status(name_e)["Paused"], "paused: the clock stops")
    r = ctl("--pump", name_e, "pair")
    check(r.returncode == 2 and "not on the air" in r.stderr, "pair without --ble: exit 2")
    pe.send_signal(signal.SIGTERM)
    pe.wait(timeout=120)

    # Pace: pause and continue are accepted and shown.
    check(ctl("--pump", B, "speed", "pause").returncode == 0 and status(B)["Paused"],
          "speed pause")
    check(ctl("--pump", B, "speed", "continue").returncode == 0 and not status(B)["Paused"],
          "speed continue")

    # Stop A: run_ended ends the events follower, which saw the commands live.
    pa.send_signal(signal.SIGTERM)
    rc = pa.wait(timeout=120)
    check(rc == 0, f"the verdict is the scenario's: commands after its end do not change it "
                   f"(exit {rc})")
    out, _ = ev.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    types = [e["type"] for e in lines]
    check("command" in types and types[-1] == "run_ended", "events followed live to run_ended")
    check(any(e["type"] == "fault" and e.get("origin") == "ctl" for e in lines),
          "the event stream says the fault came from ctl")
    check(any(e["type"] == "ble_fault" and e.get("origin") == "ctl" for e in lines),
          "the phone fault is in the event stream with origin ctl")

    con = sqlite3.connect(db_a)
    rows = con.execute("SELECT type, source, name FROM events WHERE source = 'ctl'").fetchall()
    check(("fault", "ctl", "occlusion") in rows, "database: occlusion with source ctl")
    check(any(t == "ble_fault" and n == "drop_notifications" for t, _, n in rows),
          "database: drop_notifications with source ctl")


try:
    main()
finally:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(TMP, ignore_errors=True)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
