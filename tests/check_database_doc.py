#!/usr/bin/env python3
"""The run database matches docs/database.md, both ways (issue 11).

The page's tables are read as data and a database recorded by `fakepump run` (the whole
library, attacks included, plus a day that primes, fills, changes the battery, suffers
every fault and confirms and cancels) is held to them:

  columns    every column of runs, samples, events and codes the page lists exists, and
             every column that exists is listed;
  statuses   the runs.status values the page lists are the ones the schema allows;
  summary    summary_json has exactly the keys the page lists;
  events     every event type recorded is in the page's "Event types" table and every
             type there is recorded; per type and column, a cell that says NULL is always
             NULL, a cell that lists values in backticks holds one of them (and is never
             NULL unless it says "NULL for the others"), any other cell is never NULL; a
             detail said to be JSON parses, with the keys named.

Usage: check_database_doc.py FAKEPUMP PROJECT_ROOT
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)

CHECKS = Checks("database doc")
check = CHECKS.check


EVENT_COLUMNS = ["source", "name", "result", "value", "value2", "detail"]


def split_row(line):
    """The cells of a Markdown table row (pipes inside backticks do not occur here)."""
    return [c.strip() for c in line.strip().strip("|").split("|")]


def tables_after(text, heading):
    """The first Markdown table after the heading line that starts with `heading`."""
    at = text.index(heading)
    lines = text[at:].split("\n")
    rows, started = [], False
    for line in lines[1:]:
        if line.startswith("|"):
            started = True
            rows.append(split_row(line))
        elif started:
            break
    return rows[0], rows[2:]  # header, body (after the |---| line)


def ticked(cell):
    return re.findall(r"`([^`]+)`", cell)


DAY = """name: every-event
patient: adult#001
duration: 24h
cgm: {model: dexcom}
pump:
  basal: [{at: "00:00", rate: 1.1}, {at: "06:00", rate: 1.3}]
events:
  - {at: "07:00", meal: 50}
  - {at: "07:00", bolus: 4, type: multiwave, extended: 2, duration: 1h}
  - {at: "07:30", cancel_bolus}
  - {at: "08:00", temp_basal: 50%, duration: 1h}
  - {at: "08:30", cancel_temp_basal}
  - {at: "09:00", temp_basal: 2.0, duration: 30m}
  - {at: "10:00", stop}
  - {at: "10:01", fill: 200}
  - {at: "10:02", prime: 2}
  - {at: "10:03", resume}
  - {at: "10:05", refill: 250}
  - {at: "11:00", change_battery}
  - {at: "11:00", set_max_bolus: 12}
  - {at: "12:00", fault: occlusion}
  - {at: "14:00", confirm: all}
  - {at: "14:00", fault: occlusion_cleared}
  - {at: "14:00", resume}
  - {at: "15:00", fault: battery_drain, drain: 5}
  - {at: "18:00", fault: reservoir_empty}
  - {at: "18:10", suspend}
  - {at: "18:20", phone: {bolus: 2}}
expect:
  - {annunciation: occlusion}
"""


def main(fakepump, root):
    text = open(os.path.join(root, "docs", "database.md")).read()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "doc.db")
        day = os.path.join(tmp, "every-event.yaml")
        with open(day, "w") as f:
            f.write(DAY)
        r = subprocess.run([fakepump, "run", day, "--db", db, "-q"], capture_output=True,
                           text=True)
        check(r.returncode == 0, f"the every-event day runs: {r.stdout}{r.stderr}")
        r = subprocess.run([fakepump, "run", os.path.join(root, "scenarios"), "-j", "2",
                            "--db", db, "-q"], capture_output=True, text=True)
        check(r.returncode == 0, f"the library runs: {r.stdout[-1500:]}{r.stderr}")
        con = sqlite3.connect(db)

        # columns, both ways
        for table in ("runs", "samples", "events", "codes", "expectations", "scenario_files"):
            header, body = tables_after(text, f"### `{table}`")
            documented = [ticked(row[0])[0] for row in body if ticked(row[0])]
            actual = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            check(documented == actual,
                  f"{table}: the page's columns {documented} are the table's {actual}")

        # statuses, both ways
        _, runs_body = tables_after(text, "### `runs`")
        status_row = next(row for row in runs_body if row[0] == "`status`")
        documented = set(ticked(status_row[2]))
        schema = con.execute("SELECT sql FROM sqlite_schema WHERE name = 'runs'").fetchone()[0]
        allowed = set(re.findall(r"'(\w+)'", schema[schema.index("CHECK"):]))
        check(documented == allowed, f"statuses: page {sorted(documented)}, schema {sorted(allowed)}")

        # summary_json keys, both ways (stopped_by: interrupted runs only)
        summary_row = next(row for row in runs_body if row[0] == "`summary_json`")
        cell = summary_row[3]
        keys_text = cell[cell.index("Keys:"):cell.index("Read it with")]
        documented = {k for k in ticked(keys_text)
                      if re.fullmatch(r"[a-z0-9_]+", k) and k not in ("completed", "error",
                                                                        "interrupted")}
        summaries = [json.loads(s) for (s,) in con.execute(
            "SELECT summary_json FROM runs WHERE summary_json IS NOT NULL")]
        actual = set().union(*(s.keys() for s in summaries))
        check(documented - {"stopped_by"} == actual,
              f"summary_json keys: page only {sorted(documented - actual - {'stopped_by'})}, "
              f"database only {sorted(actual - documented)}")

        # settings_json keys (top level and one level down), both ways
        settings_row = next(row for row in runs_body if row[0] == "`settings_json`")
        cell = settings_row[3]
        documented = {k for k in ticked(cell[cell.index("Keys:"):]) if re.fullmatch(r"[a-z0-9_]+", k)}
        actual = set()
        for (s_json,) in con.execute(
                "SELECT settings_json FROM runs WHERE settings_json IS NOT NULL"):
            d = json.loads(s_json)
            for k, v in d.items():
                actual.add(k)
                for sub in ([v] if isinstance(v, dict) else v if isinstance(v, list) else []):
                    if isinstance(sub, dict):
                        for k2, v2 in sub.items():
                            actual.add(k2)
                            if isinstance(v2, dict):
                                actual.update(v2)
                            elif isinstance(v2, list):
                                actual.update(k3 for x in v2 if isinstance(x, dict) for k3 in x)
        values = {"hardened", "sensor_dropout", "sensor_drift", "sensor_noise",
                  "sensor_compression"}
        check(documented - values == actual - values,
              f"settings_json keys: page only {sorted(documented - values - actual)}, "
              f"database only {sorted(actual - documented)}")
        n_runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        n_facts = con.execute("SELECT count(*) FROM runs WHERE settings_json IS NOT NULL "
                              "AND build IS NOT NULL AND host IS NOT NULL").fetchone()[0]
        check(n_facts == n_runs, f"every run has its facts ({n_facts} of {n_runs})")
        n_exp = con.execute("SELECT count(*) FROM expectations").fetchone()[0]
        check(n_exp > n_runs, f"the expectations are recorded ({n_exp})")
        bad = con.execute("SELECT count(*) FROM scenario_files f JOIN runs r ON r.id = f.run_id "
                          "WHERE f.role = 'scenario' AND f.sha256 <> r.scenario_sha256").fetchone()[0]
        check(bad == 0, f"the scenario file's SHA-256 is the run's ({bad} differ)")

        # events, both ways
        header, body = tables_after(text, "#### Event types")
        check([h.strip("`") for h in header] == ["type"] + EVENT_COLUMNS,
              f"the Event types table's columns: {header}")
        spec = {ticked(row[0])[0]: dict(zip(EVENT_COLUMNS, row[1:])) for row in body}
        recorded = {t for (t,) in con.execute("SELECT DISTINCT type FROM events")}
        check(recorded == set(spec),
              f"event types: recorded only {sorted(recorded - set(spec))}, "
              f"page only {sorted(set(spec) - recorded)}")
        for etype, cells in sorted(spec.items()):
            rows = con.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE type = ?",
                               (etype,)).fetchall()
            for i, column in enumerate(EVENT_COLUMNS):
                cell = cells[column]
                values = [row[i] for row in rows]
                where = f"{etype}.{column} ({cell[:60]}…)"
                if cell == "NULL":
                    check(all(v is None for v in values), f"{where}: always NULL")
                    continue
                may_be_null = "NULL for the others" in cell
                if not may_be_null:
                    check(all(v is not None for v in values), f"{where}: never NULL")
                if column in ("source", "name", "result") and "…" not in cell:
                    allowed = set(ticked(cell))
                    odd = {v for v in values if v is not None and v not in allowed}
                    check(not odd, f"{where}: values the page does not list: {sorted(odd)}")
                if column == "detail" and cell.startswith("JSON"):
                    keys = set(ticked(cell))
                    for v in values:
                        try:
                            d = json.loads(v)
                        except (TypeError, ValueError):
                            check(False, f"{where}: not JSON: {v!r}")
                            break
                        if not check(set(d) == keys, f"{where}: keys {sorted(d)}"):
                            break
        con.close()
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
