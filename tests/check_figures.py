#!/usr/bin/env python3
"""`fakepump figures` (docs/trial-pictures.md) through the real executable.

A trial database is written by hand (two controllers, six patients, their profiles) in the
tables of docs/trial-pictures.md, and the three pictures are drawn from it: each a PNG of the
size asked, the columns side by side. Then the mistakes: no database, no picture asked, a
database without trial data, an output that cannot be written, a bad --size: each a clear
message and its exit status, no PNG left behind.

Usage: check_figures.py FAKEPUMP
"""
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)

CHECKS = Checks("figures")
check = CHECKS.check


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def trial_db(path):
    with sqlite3.connect(path) as c:
        c.executescript(
            "CREATE TABLE trial_glucose (item INTEGER PRIMARY KEY, patient TEXT NOT NULL, "
            "cohort TEXT NOT NULL, controller TEXT NOT NULL, low_mgdl REAL NOT NULL, "
            "high_mgdl REAL NOT NULL, cvga_zone TEXT NOT NULL, tbr54_pct REAL NOT NULL, "
            "tbr70_pct REAL NOT NULL, tir_pct REAL NOT NULL, tar180_pct REAL NOT NULL, "
            "tar250_pct REAL NOT NULL);"
            "CREATE TABLE trial_agp (controller TEXT NOT NULL, cohort TEXT NOT NULL, "
            "slot INTEGER NOT NULL, mgdl INTEGER NOT NULL, count INTEGER NOT NULL);")
        item = 0
        for ctl, shift in (("good", 0), ("bad", 60)):
            for cohort in ("adolescent", "adult", "child"):
                for k in (1, 2):
                    c.execute("INSERT INTO trial_glucose VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                              (item, f"{cohort}#{k:03d}", cohort, ctl, 95 - shift / 2,
                               170 + shift * 2, "A" if not shift else "lower D", shift / 20,
                               shift / 10, 90 - shift / 2, 10 + shift / 3, shift / 10))
                    item += 1
                for slot in range(96):
                    for v, n in ((110 + shift, 20), (140 + shift, 40), (200 + shift, 10)):
                        c.execute("INSERT INTO trial_agp VALUES (?,?,?,?,?)",
                                  (ctl, cohort, slot, v - (shift if slot < 20 else 0), n))


def run(fakepump, *args):
    return subprocess.run([fakepump, *args], capture_output=True, text=True, timeout=120)


def main(fakepump):
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "trial.db")
        trial_db(db)
        out = {k: os.path.join(tmp, f"{k}.png") for k in ("agp", "cvga", "strip")}
        r = run(fakepump, "figures", db, "--agp", out["agp"], "--cvga", out["cvga"],
                "--strip", out["strip"], "--title", "two controllers")
        check(r.returncode == 0, f"figures drawn ({r.stderr.strip()})")
        for k, p in out.items():
            size = png_size(p) if os.path.exists(p) else None
            check(size is not None and size[0] > 500 and size[1] > 300, f"{k}: a PNG ({size})")
        check(png_size(out["agp"])[0] == 120 + 2 * 470, "AGP: two columns wide")
        sized = os.path.join(tmp, "sized.png")
        r = run(fakepump, "figures", db, "--cvga", sized, "--size", "900x500")
        check(r.returncode == 0 and png_size(sized) == (900, 500), f"--size 900x500 ({r.stderr})")
        # two databases side by side: four columns
        r = run(fakepump, "figures", db, db, "--agp", os.path.join(tmp, "four.png"))
        check(r.returncode == 0 and png_size(os.path.join(tmp, "four.png"))[0] == 120 + 4 * 470,
              f"two databases: four columns ({r.stderr})")

        empty = os.path.join(tmp, "empty.db")
        sqlite3.connect(empty).close()
        cases = [
            ((), 2, "needs a database"),
            ((db,), 2, "at least one of --agp"),
            ((empty, "--agp", os.path.join(tmp, "x.png")), 2, "no trial pictures' data"),
            ((db, "--agp", os.path.join(tmp, "no", "such", "dir.png")), 3, "cannot write"),
            ((db, "--agp", os.path.join(tmp, "x.png"), "--size", "10x10"), 2, "--size"),
            ((db, "--bogus"), 2, "unexpected"),
        ]
        for args, status, expect in cases:
            r = run(fakepump, "figures", *args)
            check(r.returncode == status and expect in r.stderr,
                  f"figures {' '.join(args)}: exit {status}, says '{expect}' "
                  f"(got {r.returncode}: {r.stderr.strip()})")
        check(not os.path.exists(os.path.join(tmp, "x.png")), "no PNG from a refused command")
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
