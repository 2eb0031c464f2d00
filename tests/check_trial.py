#!/usr/bin/env python3
"""fakepump trial from the outside (issue 14, issue 18): --help; bad options exit 2 with a
clear message and write nothing; outputs are checked before the first patient runs; the CSV
has the issue's columns, a row a patient, then each cohort and all; the same definition
gives the same bytes whatever -j and --engine (the whole CSV and JSON); the database gets
the trial and a row a patient; --traces writes a file a patient with run --csv's columns; a
patient whose glucose reaches 0 is `failed` and the exit status is 1.

Usage: check_trial.py FAKEPUMP
"""
import csv
import io
import json
import os
import pty
import sqlite3
import signal
import subprocess
import time
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)

CHECKS = Checks("trial")
check = CHECKS.check

COLUMNS = ("patient,cohort,controller,days,mean_mgdl,sd_mgdl,cv_pct,gmi_pct,tir_pct,"
           "tbr70_pct,tbr54_pct,tar180_pct,tar250_pct,min_mgdl,max_mgdl,lbgi,hbgi,tdd_u,"
           "status").split(",")
TRACE_COLUMNS = ("t_min,day,clock,bg_mgdl,gsub_mgdl,cgm_mgdl,meal_announced_g,cho_g_per_min,"
                 "insulin_u_per_min,basal_u_per_h,bolus_u,iob_u,reservoir_u,battery_pct,"
                 "therapy_state,annunciation").split(",")


def trial(fakepump, *args, cwd=None):
    return subprocess.run([fakepump, "trial", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def on_terminal(fakepump, *args, env=None):
    """fakepump trial with its standard error on a terminal (where progress is shown):
    (exit status, standard output, what the terminal got)."""
    main_fd, term_fd = pty.openpty()
    p = subprocess.run([fakepump, "trial", *args], stdout=subprocess.PIPE, stderr=term_fd,
                       text=True, timeout=600, env=env)
    os.close(term_fd)
    got = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # EIO: nothing more, the terminal's other end is closed
            break
        if not chunk:
            break
        got += chunk
    os.close(main_fd)
    return p.returncode, p.stdout, got.decode(errors="replace")


def quiet(fakepump, tmp):
    """-q: no progress line on a terminal and no notices; the table stays the same."""
    args = ("--patients", "adult#001,adult#002", "--days", "1", "-j", "1")
    code, table, term = on_terminal(fakepump, *args)
    check(code == 0 and "trial: 2/2 patients" in term,
          f"on a terminal the progress is shown (exit {code}, {term!r})")
    code_q, table_q, term_q = on_terminal(fakepump, *args, "-q")
    check(code_q == 0 and term_q == "" and table_q == table and "adult" in table_q,
          f"-q: nothing on the terminal, the same table (exit {code_q}, {term_q!r})")
    env = dict(os.environ, FAKEPUMP_SHARD="0/2")
    for flag, said in (((), True), (("--quiet",), False)):
        db = os.path.join(tmp, f"quiet-shard{len(flag)}.db")
        p = subprocess.run([fakepump, "trial", *args, "--db", db, *flag], capture_output=True,
                           text=True, timeout=600, env=env)
        check(p.returncode == 0 and ("shard 0/2 from FAKEPUMP_SHARD" in p.stderr) == said,
              f"the shard from the environment {'said' if said else 'not said with --quiet'}"
              f" (exit {p.returncode}, {p.stderr.strip()!r})")
    code_f, _t, term_f = on_terminal(fakepump, "--days", "1", "-q", "--cgm", "libre")
    check(code_f == 2 and "--cgm: expected" in term_f, f"-q keeps errors ({term_f!r})")


def main(fakepump):
    fakepump = os.path.abspath(fakepump)
    with tempfile.TemporaryDirectory() as tmp:
        p = trial(fakepump, "--help")
        check(p.returncode == 0 and "--patients" in p.stdout and "--engine" in p.stdout,
              f"--help: exit 0 and the options (got {p.returncode})")

        bad = [
            (["--days", "0"], "--days: expected a whole number of days, 1 to 3650, got '0'"),
            (["--days", "2", "--patients", "adutl#001"], "did you mean 'adult#001'?"),
            (["--days", "2", "--controller", "pid"], "--controller: expected basal-bolus"),
            (["--days", "2", "--meals", "big"], "--meals: expected standard, variable"),
            (["--days", "2", "--cgm", "libre"], "--cgm: expected ideal, dexcom"),
            (["--days", "2", "-j", "0"], "-j: expected 1 to 64 threads"),
            (["--days", "2", "--engine", "gpu"], "--engine: expected batch or scalar"),
            (["--days", "2", "--seed", "-1"], "--seed: expected a whole number"),
            (["--patients", "all"], "--days N is required"),
            (["--days", "2", "--bogus"], "unknown option '--bogus'"),
            (["--days", "2", "a.yaml", "b.yaml"], "unexpected 'b.yaml'"),
            (["--days", "2", "--csv", "/nonexistent/x.csv"], "--csv: /nonexistent/x.csv"),
            (["--days", "2", "--traces", os.path.join(tmp, "none")], "--traces:"),
            (["--days", "2", "--csv", "-", "--json", "-"], "cannot both be standard output"),
            (["--days", "2", "missing.yaml"], "missing.yaml"),
        ]
        for args, message in bad:
            p = trial(fakepump, *args, cwd=tmp)
            check(p.returncode == 2 and message in p.stderr,
                  f"{' '.join(args)}: exit 2 with '{message}' (got {p.returncode}: {p.stderr!r})")

        # A base scenario's mistake: its place, and nothing written.
        base = os.path.join(tmp, "bad.yaml")
        with open(base, "w") as f:
            f.write("pump:\n  controller: {algorithm: oref0, targte: 100}\n")
        out = os.path.join(tmp, "bad.csv")
        p = trial(fakepump, base, "--days", "1", "--csv", out)
        check(p.returncode == 2 and "bad.yaml:2:34:" in p.stderr and not os.path.exists(out),
              f"a bad base: file:line:column, nothing written ({p.stderr!r})")
        # A database of another program is refused before the run.
        other = os.path.join(tmp, "other.db")
        con = sqlite3.connect(other)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        out = os.path.join(tmp, "other.csv")
        p = trial(fakepump, "--days", "1", "--db", other, "--csv", out)
        check(p.returncode == 2 and "--db" in p.stderr and not os.path.exists(out),
              f"another program's database: exit 2 before the run ({p.stderr!r})")

        # The table, and the same bytes whatever -j and --engine.
        outs = {}
        for name, args in [("j1", ["-j", "1"]), ("j2", ["-j", "2"]),
                           ("scalar", ["--engine", "scalar", "-j", "2"])]:
            c, j = os.path.join(tmp, name + ".csv"), os.path.join(tmp, name + ".json")
            p = trial(fakepump, "--patients", "all", "--days", "1", "--controller", "oref0",
                      "--meals", "variable", "--seed", "3", "--csv", c, "--json", j, *args)
            check(p.returncode == 0, f"{name}: exit 0 ({p.stderr!r})")
            outs[name] = (open(c, "rb").read(), open(j, "rb").read())
        check(outs["j1"] == outs["j2"], "-j 1 and -j 2: the same CSV and JSON bytes")
        check(outs["j1"] == outs["scalar"], "--engine batch and scalar: the same bytes")
        rows = list(csv.DictReader(io.StringIO(outs["j1"][0].decode())))
        header = outs["j1"][0].decode().splitlines()[0].split(",")
        check(header[:len(COLUMNS)] == COLUMNS, f"the issue's columns first: {header}")
        names = [r["patient"] for r in rows]
        check(len(rows) == 34 and names[30:] ==
              ["cohort:adult", "cohort:adolescent", "cohort:child", "all"],
              f"30 patients, 3 cohorts and all: {names[28:]}")
        check(all(r["status"] == "ok" and r["controller"] == "oref0" and r["days"] == "1"
                  for r in rows), "every row ok, oref0, 1 day")
        adults = [float(r["tir_pct"]) for r in rows if r["cohort"] == "adult" and
                  r["patient"].startswith("adult#")]
        cohort = next(r for r in rows if r["patient"] == "cohort:adult")
        check(abs(sum(adults) / 10 - float(cohort["tir_pct"])) < 0.01,
              "cohort:adult's TIR is the mean of its patients'")
        doc = json.loads(outs["j1"][1])
        check(doc["trial"]["seed"] == 3 and len(doc["rows"]) == 34 and
              doc["rows"][0]["sums"]["samples"] == 1440,
              "JSON: the definition and rows with raw sums")

        # Another seed, another table.
        p = trial(fakepump, "--patients", "all", "--days", "1", "--controller", "oref0",
                  "--meals", "variable", "--seed", "4", "--csv", "-")
        check(p.returncode == 0 and p.stdout.encode() != outs["j1"][0],
              "another seed gives another table")

        # Database and traces.
        db = os.path.join(tmp, "t.db")
        traces = os.path.join(tmp, "traces")
        os.mkdir(traces)
        p = trial(fakepump, "--patients", "adult#002,child#004", "--days", "1", "--db", db,
                  "--traces", traces)
        check(p.returncode == 0 and "cohort:child" in p.stdout,
              f"--db --traces: exit 0 and the table ({p.stderr!r})")
        con = sqlite3.connect(db)
        t = con.execute("SELECT patients, days, controller, meals, engine, length("
                        "definition_sha256) FROM trials").fetchall()
        check(t == [("adult#002,child#004", 1, "basal-bolus", "standard", "batch", 64)],
              f"the trials row: {t}")
        pr = con.execute("SELECT seq, patient, cohort, status, samples FROM trial_patients "
                         "ORDER BY seq").fetchall()
        check(pr == [(1, "adult#002", "adult", "ok", 1440), (2, "child#004", "child", "ok", 1440)],
              f"the trial_patients rows: {pr}")
        check(con.execute("PRAGMA user_version").fetchone()[0] == 4, "schema 4")
        con.close()
        for name in ("adult#002", "child#004"):
            path = os.path.join(traces, name + ".csv")
            lines = open(path).read().splitlines() if os.path.exists(path) else []
            check(len(lines) == 1 + 1441 and lines[0].split(",") == TRACE_COLUMNS,
                  f"{name}'s trace: header and 1441 rows (got {len(lines)})")

        # A patient whose glucose reaches 0.
        base = os.path.join(tmp, "over.yaml")
        with open(base, "w") as f:
            f.write("pump:\n  basal: 8\n  limits: {max_basal: 10}\n")
        p = trial(fakepump, base, "--patients", "child#001", "--days", "1", "--controller",
                  "none", "--csv", "-")
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        check(p.returncode == 1 and rows and rows[0]["status"] == "failed" and
              rows[-1]["patient"] == "all" and rows[-1]["status"] == "failed" and
              "child#001 failed at minute" in p.stderr,
              f"a patient at 0 mg/dL: failed, exit 1 ({p.returncode}, {p.stderr!r})")

        # Patients that fail between two CGM readings, where the batch engine has planned
        # the minutes up to the next one ahead (docs/batch-engine.md): the same traces and
        # table, byte for byte, as the scalar engine, which plans nothing.
        base = os.path.join(tmp, "overdose.yaml")
        with open(base, "w") as f:
            f.write("pump:\n  low_glucose_protection: off\n"
                    "  limits: {max_bolus: 25, max_iob: 100, max_daily: 200}\n"
                    "events:\n  - {at: \"00:07\", bolus: 25}\n"
                    "  - {at: \"00:18\", bolus: 25}\n  - {at: \"00:33\", bolus: 25}\n")
        seen = {}
        for engine in ("batch", "scalar"):
            traces = os.path.join(tmp, f"fail-{engine}")
            os.mkdir(traces)
            p = trial(fakepump, base, "--patients", "child", "--days", "2", "--controller",
                      "none", "--engine", engine, "--csv", "-", "--traces", traces)
            files = sorted(os.listdir(traces))
            seen[engine] = (p.returncode, p.stdout,
                            [open(os.path.join(traces, n), "rb").read() for n in files])
        failed_at = [int(line.split("failed at minute ")[1].split(":")[0])
                     for line in p.stderr.splitlines() if "failed at minute " in line]
        check(seen["batch"][0] == 1 and len(failed_at) == 10 and
              any(m % 5 for m in failed_at),
              f"ten children fail, some between two readings (minutes {failed_at})")
        check(seen["batch"] == seen["scalar"],
              "failing between readings: batch and scalar give the same table and traces")

        # Ctrl-C / SIGTERM: the patients stop at their next day, no table, exit 128 + signal.
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            traces = os.path.join(tmp, f"cut-{code}")
            os.mkdir(traces)
            out = os.path.join(tmp, f"cut-{code}.csv")
            p = subprocess.Popen([fakepump, "trial", "--patients", "adult", "--days", "3650",
                                  "--csv", out, "--traces", traces],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Signal once the run has begun (its traces have rows), not while it sets up.
            end = time.monotonic() + 120
            while time.monotonic() < end and p.poll() is None and not any(
                    os.path.getsize(os.path.join(traces, n)) > 100000
                    for n in os.listdir(traces)):
                time.sleep(0.05)
            p.send_signal(sig)
            _o, err = p.communicate(timeout=300)
            check(p.returncode == code and f"interrupted by {sig.name}" in err and
                  "no table written" in err and not os.path.exists(out),
                  f"{sig.name} mid-trial: exit {code}, said, no table "
                  f"(got {p.returncode}, {err.strip()[-160:]!r})")
        quiet(fakepump, tmp)
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
