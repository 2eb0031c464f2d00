#!/usr/bin/env python3
"""Every way a run can end leaves a true and complete record (issue 11).

One real `fakepump run` per ending, with every output asked for (--csv, --db, --junit,
--events, --png), and each output read back by an independent reader (csv, sqlite3,
junitparser, json, the PNG's chunks):

  SIGINT, SIGTERM   stop at the next minute: exit 130 / 143; the CSV has the rows up to the
                    minute it stopped at; the database run is 'interrupted' with ended_at,
                    its samples and a summary; run_ended says interrupted; JUnit has an
                    <error> saying interrupted (never a pass, never a failure); the PNG's
                    note says where; the expectations (which a partial run would fail) are
                    not judged.
  q in the window   the same, under Xvfb (the key sent with xdotool); exit 130.
  runtime error     --csv /dev/full: the disk fills mid-run; exit 3, every other output
                    finished up to that minute, the database run 'error'.
  kill -9           nothing can be finished: `fakepump runs` lists the run 'incomplete'
                    (never 'running'), the next writer stores 'incomplete'; the event
                    stream is whole lines of JSON.
  directory run     SIGTERM to `run DIR -j 2`: the running scenarios are interrupted, the
                    others not started; the table and JUnit are written; exit 143.
  display, no hold  under Xvfb a run with --png ends when the scenario ends (no person).

Waits are on what the run has written (the event stream, the database), never on a clock,
so the test holds on a loaded machine; each wait has a generous limit.

Usage: check_endings.py FAKEPUMP
"""
import csv
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

import junitparser

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)
from xvfb import start_xvfb  # noqa: E402 (tests/xvfb.py)

CHECKS = Checks("endings")
check = CHECKS.check

FAKEPUMP = None
WAIT_S = 120  # a generous limit for any one wait (ASan build, busy machine)


def wait_for(predicate, what, limit_s=WAIT_S):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    check(False, f"waited {limit_s} s for {what}")
    return False


def event_lines(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    return [line for line in text.split("\n") if line]


def events_reached(path, t_min):
    lines = event_lines(path)
    if not lines:
        return False
    try:
        return json.loads(lines[-1]).get("t_min", 0) >= t_min
    except ValueError:
        return False  # a line being written


def png_text_notes(path):
    """The tEXt chunks of a PNG, as {keyword: text}."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    notes, at = {}, 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            notes[key.decode("latin-1")] = text.decode("latin-1")
        at += 12 + length
    return notes


# A day whose expectations a partial run would fail: if any were judged after an
# interruption, the run would say FAILED.
DAY = """name: ending-day
patient: adult#001
duration: 2d
seed: 5
cgm: {model: dexcom}
events:
  - {at: "07:00", meal: 50, every: 1d}
  - {at: "07:00", bolus: 5, every: 1d}
expect:
  - {carbs_eaten: {at_least: 99}}
  - {bg: {min_above: 40}}
"""


def outputs(tmp, name):
    return {k: os.path.join(tmp, f"{name}.{k}") for k in ("csv", "db", "xml", "jsonl", "png")}


def start_run(scenario, out, extra=(), env=None):
    args = [FAKEPUMP, "run", scenario, "--csv", out["csv"], "--db", out["db"],
            "--junit", out["xml"], "--events", out["jsonl"], "--png", out["png"], *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def check_partial_run(label, proc, out, status, exit_code, stopped_by):
    """What every ending before the scenario's end must leave behind."""
    try:
        stdout, stderr = proc.communicate(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        check(False, f"{label}: the run did not end after the request")
    check(proc.returncode == exit_code,
          f"{label}: exit {exit_code} (got {proc.returncode}): {stderr}")

    lines = event_lines(out["jsonl"])
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            check(False, f"{label}: an event line is not JSON: {line!r}")
    end = records[-1] if records else {}
    check(end.get("type") == "run_ended", f"{label}: the event stream ends with run_ended: {end}")
    check(end.get("status") == status, f"{label}: run_ended status {status}: {end}")
    check(end.get("interrupted") is (status == "interrupted"),
          f"{label}: run_ended interrupted is {status == 'interrupted'}: {end}")
    if stopped_by:
        check(end.get("stopped_by") == stopped_by, f"{label}: stopped_by {stopped_by}: {end}")
    at_min = end.get("t_min", -1)
    check(0 < at_min < 2880, f"{label}: stopped inside the run (t = {at_min})")
    clock = end.get("at", "?")

    with open(out["csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == at_min, f"{label}: CSV rows 0 … {at_min - 1} ({len(rows)} rows)")
    check(rows and int(rows[-1]["t_min"]) == at_min - 1,
          f"{label}: the CSV's last row is t = {at_min - 1}")

    db = sqlite3.connect(out["db"])
    run = db.execute("SELECT status, ended_at, sample_count, summary_json FROM runs").fetchone()
    check(run is not None and run[0] == status, f"{label}: database run {status}: {run}")
    if run:
        check(run[1] is not None, f"{label}: the database run has its end time")
        check(run[2] == at_min, f"{label}: {at_min} samples in the database (got {run[2]})")
        summary = json.loads(run[3] or "{}")
        check(summary.get("ended") == status and summary.get("ended_at_min") == at_min,
              f"{label}: summary_json says how and when it ended: {run[3]}")
        check(summary.get("days", 0) > 0, f"{label}: the summary has the figures")
    count = db.execute("SELECT count(*) FROM samples").fetchone()[0]
    check(count == at_min, f"{label}: samples table holds {at_min} rows ({count})")
    db.close()
    listing = subprocess.run([FAKEPUMP, "runs", "--db", out["db"]], capture_output=True,
                             text=True)
    check(f" {status} " in listing.stdout, f"{label}: `fakepump runs` says {status}")

    cases = [c for s in junitparser.JUnitXml.fromfile(out["xml"]) for c in s]
    check(len(cases) == 1, f"{label}: one JUnit testcase")
    result = cases[0].result[0] if cases and cases[0].result else None
    check(isinstance(result, junitparser.Error), f"{label}: JUnit has an <error>: {result}")
    word = "interrupted" if status == "interrupted" else "No space left"
    check(result is not None and word in (result.message or ""),
          f"{label}: the <error> says {word!r}: {result.message if result else None}")
    check("FAILED" not in stdout + stderr and "expected" not in (result.message or ""),
          f"{label}: no expectation judged on a partial run: {stdout}")

    notes = png_text_notes(out["png"])
    words = "interrupted at" if status == "interrupted" else "stopped by an error at"
    check(notes.get("Comment", "").startswith(f"{words} {clock}"),
          f"{label}: the PNG is marked {words!r} {clock}: {notes}")
    check(f"{words} {clock}" in stdout, f"{label}: the summary line says so: {stdout}")
    return at_min


def ending_by_signal(tmp, scenario, sig, code, name):
    out = outputs(tmp, name)
    proc = start_run(scenario, out, ["--speed", "3600"])
    # an hour in: the first batch of CGM lines is out
    wait_for(lambda: events_reached(out["jsonl"], 60), f"{name}: an hour of the run")
    proc.send_signal(sig)
    check_partial_run(name, proc, out, "interrupted", code, signal.Signals(sig).name)


def ending_by_runtime_error(tmp, scenario):
    out = outputs(tmp, "full")
    out["csv"] = "/dev/full"
    proc = start_run(scenario, out)
    stdout, stderr = proc.communicate(timeout=WAIT_S)
    check(proc.returncode == 3, f"/dev/full: exit 3 (got {proc.returncode}): {stderr}")
    check("No space left on device" in stderr, f"/dev/full: says why: {stderr}")
    end = json.loads(event_lines(out["jsonl"])[-1])
    check(end.get("type") == "run_ended" and end.get("status") == "error",
          f"/dev/full: run_ended error: {end}")
    at_min = end.get("t_min", -1)
    check(0 < at_min < 2880, f"/dev/full: stopped mid-run (t = {at_min})")
    db = sqlite3.connect(out["db"])
    run = db.execute("SELECT status, ended_at, sample_count FROM runs").fetchone()
    db.close()
    check(run and run[0] == "error" and run[1] and run[2] == at_min,
          f"/dev/full: database run 'error' with {at_min} samples: {run}")
    cases = [c for s in junitparser.JUnitXml.fromfile(out["xml"]) for c in s]
    check(cases and isinstance(cases[0].result[0], junitparser.Error)
          and "No space left" in (cases[0].result[0].message or ""),
          "/dev/full: JUnit <error> with the reason")
    notes = png_text_notes(out["png"])
    check(notes.get("Comment", "").startswith(f"stopped by an error at {end.get('at')}"),
          f"/dev/full: the PNG is marked: {notes}")


def ending_by_kill_9(tmp, scenario):
    out = outputs(tmp, "killed")
    proc = start_run(scenario, out, ["--speed", "86400"])  # a day a second
    # the first day's batch committed to the database
    wait_for(lambda: events_reached(out["jsonl"], 1500), "kill -9: a day of the run")
    proc.kill()
    proc.communicate()
    check(proc.returncode == -9, f"kill -9: killed ({proc.returncode})")
    for line in event_lines(out["jsonl"]):
        try:
            json.loads(line)
        except ValueError:
            check(False, f"kill -9: a partial event line: {line!r}")
    listing = subprocess.run([FAKEPUMP, "runs", "--db", out["db"]], capture_output=True,
                             text=True)
    check(" incomplete " in listing.stdout and " running " not in listing.stdout,
          f"kill -9: `fakepump runs` says incomplete, never running:\n{listing.stdout}")
    db = sqlite3.connect(out["db"])
    samples = db.execute("SELECT sample_count FROM runs WHERE id = 1").fetchone()[0]
    db.close()
    check(samples >= 1440, f"kill -9: the committed day is kept ({samples} samples)")
    # the next writer stores what `runs` showed
    short = os.path.join(tmp, "short.yaml")
    with open(short, "w") as f:
        f.write("patient: adult#002\nduration: 1h\n")
    subprocess.run([FAKEPUMP, "run", short, "--db", out["db"], "-q"], capture_output=True)
    db = sqlite3.connect(out["db"])
    status = db.execute("SELECT status FROM runs WHERE id = 1").fetchone()[0]
    db.close()
    check(status == "incomplete", f"kill -9: the next writer stored 'incomplete' ({status})")


def directory_run_under_sigterm(tmp):
    folder = os.path.join(tmp, "many")
    os.mkdir(folder)
    for i in range(4):  # long enough that none ends before the signal
        with open(os.path.join(folder, f"decade-{i}.yaml"), "w") as f:
            f.write(f"name: decade-{i}\npatient: adult#00{i + 1}\nduration: 3650d\n"
                    "expect:\n  - {bg: {min_above: 20}}\n")
    db, xml = os.path.join(tmp, "many.db"), os.path.join(tmp, "many.xml")
    proc = subprocess.Popen([FAKEPUMP, "run", folder, "-j", "2", "--db", db, "--junit", xml],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def two_running():
        try:
            c = sqlite3.connect(db, timeout=5)
            n = c.execute("SELECT count(*) FROM runs").fetchone()[0]
            c.close()
            return n >= 2
        except sqlite3.Error:
            return False

    wait_for(two_running, "the directory run: two scenarios recording")
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=WAIT_S)
    check(proc.returncode == 143, f"directory run: exit 143 (got {proc.returncode}): {stderr}")
    check("Stopped by SIGTERM" in stdout, f"directory run: says it was stopped: {stdout}")
    table = [line for line in stdout.split("\n") if line.startswith("decade-")]
    marks = sorted(line.split()[1] + (" run" if line.split()[1] == "not" else "")
                   for line in table)
    check(marks == ["interrupted", "interrupted", "not run", "not run"],
          f"directory run: the table marks 2 interrupted, 2 not run: {table}")
    check("2 interrupted, 2 not run" in stdout, f"directory run: the count line: {stdout}")
    cases = [c for s in junitparser.JUnitXml.fromfile(xml) for c in s]
    kinds = sorted(type(c.result[0]).__name__ for c in cases if c.result)
    check(len(cases) == 4 and kinds == ["Error", "Error", "Skipped", "Skipped"],
          f"directory run: JUnit 2 <error> (interrupted) and 2 <skipped> (not run): {kinds}")
    c = sqlite3.connect(db)
    statuses = [r[0] for r in c.execute("SELECT status FROM runs ORDER BY id")]
    c.close()
    check(statuses == ["interrupted", "interrupted"],
          f"directory run: both recorded runs 'interrupted': {statuses}")


def window_endings(tmp, scenario):
    xvfb, display = start_xvfb()
    if not check(xvfb is not None and shutil.which("xdotool"),
                 "Xvfb and xdotool are installed (tools/install-deps.sh)"):
        return
    env = dict(os.environ, DISPLAY=display)
    env.pop("WAYLAND_DISPLAY", None)
    try:
        # q in the window: an interruption like Ctrl-C
        out = outputs(tmp, "window")
        proc = start_run(scenario, out, ["--speed", "3600"], env=env)
        wait_for(lambda: events_reached(out["jsonl"], 60), "q: an hour of the run")
        found = subprocess.run(["xdotool", "search", "--sync", "--name", "ending-day"],
                               env=env, capture_output=True, text=True, timeout=WAIT_S)
        window = found.stdout.split()[0] if found.stdout.split() else ""
        check(window, f"q: the window is on the display: {found.stderr}")
        # the window may close before xdotool's key release: its complaint is expected
        subprocess.run(["xdotool", "key", "--window", window, "q"], env=env,
                       capture_output=True, timeout=WAIT_S)
        check_partial_run("q", proc, out, "interrupted", 130, "q in the window")

        # with a display and --png, the run ends with the scenario (nobody must close it)
        png = os.path.join(tmp, "display.png")
        try:
            r = subprocess.run([FAKEPUMP, "run", scenario, "--png", png], env=env,
                               capture_output=True, text=True, timeout=WAIT_S)
            check(r.returncode == 0, f"display + --png: exit 0 ({r.returncode}): {r.stderr}")
            check(os.path.getsize(png) > 20000, "display + --png: the picture is written")
        except subprocess.TimeoutExpired:
            check(False, "display + --png: the run waited for a person")
    finally:
        xvfb.terminate()
        xvfb.wait()


def main(fakepump):
    global FAKEPUMP
    FAKEPUMP = fakepump
    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, "ending-day.yaml")
        with open(scenario, "w") as f:
            f.write(DAY)
        ending_by_signal(tmp, scenario, signal.SIGINT, 130, "sigint")
        ending_by_signal(tmp, scenario, signal.SIGTERM, 143, "sigterm")
        ending_by_runtime_error(tmp, scenario)
        ending_by_kill_9(tmp, scenario)
        directory_run_under_sigterm(tmp)
        window_endings(tmp, scenario)
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
