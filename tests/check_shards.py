#!/usr/bin/env python3
"""Shards and merge (issue 16), through the real executable.

A population of 3 cohorts x 40 patients is drawn whole and as N = 1, 3 and 7 shards; each
set of shards is merged, and the merged CSV and JSON must be the whole run's, byte for byte,
and the merged database's result table the whole run's, row for row. Then every refusal:
a shard missing, a shard given twice, a shard of another trial (another seed), a shard of
another shard count, an unfinished shard, a shard holding an item that is not its own, a
file that is not a shard, an output that exists: exit status 2, a message that names the
problem, no output database left behind. The shard also comes from the environment (Slurm,
Kubernetes, FAKEPUMP_SHARD), and a Slurm array with gaps is refused.

Usage: check_shards.py FAKEPUMP
"""
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)

CHECKS = Checks("shards")
check = CHECKS.check
N_PER_COHORT = "40"


def run(fakepump, *args, env=None, cwd=None):
    e = dict(os.environ)
    for k in ("FAKEPUMP_SHARD", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
              "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "JOB_COMPLETION_INDEX",
              "FAKEPUMP_SHARD_COUNT"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run([fakepump, *args], capture_output=True, text=True, env=e, cwd=cwd,
                          timeout=300)


def rows(db):
    with sqlite3.connect(db) as c:
        return c.execute("SELECT * FROM population_patients ORDER BY item").fetchall()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def shards(fakepump, tmp, n, tag, extra=()):
    paths = []
    for i in range(n):
        p = os.path.join(tmp, f"{tag}-{i}of{n}.db")
        r = run(fakepump, "population", "-n", N_PER_COHORT, "--shard", f"{i}/{n}", "--db", p,
                "-q", *extra)
        check(r.returncode == 0, f"shard {i}/{n} ran: {r.stderr}")
        paths.append(p)
    return paths


def refused(fakepump, tmp, what, shard_paths, expect):
    out = os.path.join(tmp, "refused.db")
    r = run(fakepump, "merge", out, *shard_paths)
    check(r.returncode == 2, f"{what}: exit 2 (got {r.returncode}: {r.stderr.strip()})")
    check(expect in r.stderr, f"{what}: message says '{expect}' (got: {r.stderr.strip()})")
    check(not os.path.exists(out), f"{what}: no output database left")
    left = [f for f in os.listdir(tmp) if ".merging-" in f]
    check(not left, f"{what}: no temporary file left ({left})")


def main(fakepump):
    with tempfile.TemporaryDirectory() as tmp:
        whole_db = os.path.join(tmp, "whole.db")
        whole_csv, whole_json = whole_db + ".csv", whole_db + ".json"
        r = run(fakepump, "population", "-n", N_PER_COHORT, "--db", whole_db, "--csv", whole_csv,
                "--json", whole_json, "-q")
        check(r.returncode == 0, f"the whole population ran: {r.stderr}")
        whole = rows(whole_db)
        check(len(whole) == 120, f"120 patients drawn (got {len(whole)})")
        check(len({row[1] for row in whole}) == 120, "120 distinct names")

        by_n = {}
        for n in (1, 3, 7):
            paths = shards(fakepump, tmp, n, "pop")
            sizes = [len(rows(p)) for p in paths]
            check(sum(sizes) == 120 and max(sizes) - min(sizes) <= 1,
                  f"N={n}: shards share the items evenly ({sizes})")
            out = os.path.join(tmp, f"merged{n}.db")
            r = run(fakepump, "merge", out, *reversed(paths), "--csv", out + ".csv", "--json",
                    out + ".json")
            check(r.returncode == 0, f"N={n}: merged ({r.stderr.strip()})")
            check(read(out + ".csv") == read(whole_csv), f"N={n}: merged CSV = the whole run's")
            check(read(out + ".json") == read(whole_json), f"N={n}: merged JSON = the whole run's")
            check(rows(out) == whole, f"N={n}: merged table = the whole run's, row for row")
            with sqlite3.connect(out) as c:
                m = dict(c.execute("SELECT key, value FROM shard_manifest"))
                items = c.execute("SELECT count(*) FROM shard_items").fetchone()[0]
            check(m["shard_index"] == "0" and m["shard_count"] == "1" and m["complete"] == "1"
                  and items == 120, f"N={n}: the merged manifest is a whole trial's ({m})")
            by_n[n] = paths

        three = by_n[3]
        refused(fakepump, tmp, "a shard missing", three[:2], "1 of 3 shards missing: 2")
        refused(fakepump, tmp, "a shard twice", [three[0], three[1], three[1], three[2]],
                "shard 1/3 given twice")
        other = shards(fakepump, tmp, 3, "seed2", ("--seed", "2"))
        refused(fakepump, tmp, "another trial", [three[0], other[1], three[2]],
                "belongs to another trial")
        refused(fakepump, tmp, "another shard count", [three[0], by_n[7][1], three[2]],
                "a shard of 3")

        # unfinished: a task killed before it marked its shard complete
        broken = os.path.join(tmp, "unfinished.db")
        with open(three[1], "rb") as src, open(broken, "wb") as dst:
            dst.write(src.read())
        with sqlite3.connect(broken) as c:
            c.execute("UPDATE shard_manifest SET value = '0' WHERE key = 'complete'")
        refused(fakepump, tmp, "an unfinished shard", [three[0], broken, three[2]],
                "did not finish")
        # an item that belongs to another shard
        stray = os.path.join(tmp, "stray.db")
        with open(three[1], "rb") as src, open(stray, "wb") as dst:
            dst.write(src.read())
        with sqlite3.connect(stray) as c:
            c.execute("UPDATE shard_items SET item = 0 WHERE item = 1")
        refused(fakepump, tmp, "a foreign item", [three[0], stray, three[2]],
                "are not its own")
        # a result row of an item the shard did not run
        extra = os.path.join(tmp, "extra.db")
        with open(three[1], "rb") as src, open(extra, "wb") as dst:
            dst.write(src.read())
        with sqlite3.connect(extra) as c:
            c.execute("UPDATE population_patients SET item = 0 WHERE item = 1")
        refused(fakepump, tmp, "a row of another item", [three[0], extra, three[2]],
                "rows of items this shard did not run")
        refused(fakepump, tmp, "not a shard", [three[0], whole_csv, three[2]],
                "not a database")
        # another build, and a definition edited by hand
        for what, sql, expect in [
                ("another build", "UPDATE shard_manifest SET value = '0.0.1' WHERE key = 'version'",
                 "results of different builds"),
                ("an edited definition",
                 "UPDATE shard_manifest SET value = replace(value, 'seed=1', 'seed=9') "
                 "WHERE key = 'definition'", "does not match its SHA-256")]:
            edited = os.path.join(tmp, "edited.db")
            with open(three[1], "rb") as src, open(edited, "wb") as dst:
                dst.write(src.read())
            with sqlite3.connect(edited) as c:
                c.execute(sql)
            refused(fakepump, tmp, what, [three[0], edited, three[2]], expect)
            os.remove(edited)
        out = os.path.join(tmp, "exists.db")
        open(out, "w").close()
        r = run(fakepump, "merge", out, *three)
        check(r.returncode == 2 and "exists" in r.stderr, f"an existing output refused ({r.stderr})")

        # the shard from the environment
        env_cases = [
            ({"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3",
              "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2"}, 2),
            ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3",
              "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3"}, 2),
            ({"JOB_COMPLETION_INDEX": "2", "FAKEPUMP_SHARD_COUNT": "3"}, 2),
            ({"FAKEPUMP_SHARD": "2/3"}, 2),
        ]
        for env, index in env_cases:
            p = os.path.join(tmp, "env.db")
            if os.path.exists(p):
                os.remove(p)
            r = run(fakepump, "population", "-n", N_PER_COHORT, "--db", p, env=env)
            check(r.returncode == 0 and f"shard {index}/3" in r.stderr,
                  f"{env}: shard {index}/3 ({r.stderr.strip()})")
            check(rows(p) == rows(three[index]), f"{env}: the same rows as --shard {index}/3")
        for env, expect in [
            ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "3",
              "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7"}, "without gaps"),
            ({"JOB_COMPLETION_INDEX": "1"}, "FAKEPUMP_SHARD_COUNT"),
            ({"FAKEPUMP_SHARD": "3/3"}, "0 <= I < N"),
        ]:
            r = run(fakepump, "population", "-n", "2", env=env)
            check(r.returncode == 2 and expect in r.stderr, f"{env}: refused ({r.stderr.strip()})")
        r = run(fakepump, "population", "--shard", "1/0")
        check(r.returncode == 2 and "--shard" in r.stderr, f"--shard 1/0 refused ({r.stderr})")
        trial_shards(fakepump, tmp)
    return CHECKS.result()


def trial_shards(fakepump, tmp):
    """fakepump trial: a drawn population and the 30, in 1, 3 and 7 shards, merged to the
    unsharded run's CSV and JSON; a shard of another trial refused; a shard without --db."""
    cases = [("population", ["--population", "8", "--patients", "all", "--seed", "1"]),
             ("the 30", ["--patients", "all"])]
    base = ["trial", "--days", "1", "--controller", "oref0", "-j", "2"]
    for name, extra in cases:
        tag = name.replace(" ", "")
        whole = os.path.join(tmp, f"trial-{tag}")
        r = run(fakepump, *base, *extra, "--csv", whole + ".csv", "--json", whole + ".json")
        check(r.returncode in (0, 1), f"trial {name}: the whole trial ran ({r.stderr.strip()})")
        for n in (1, 3, 7):
            paths = []
            for i in range(n):
                p = os.path.join(tmp, f"trial-{tag}-{i}of{n}.db")
                r = run(fakepump, *base, *extra, "--shard", f"{i}/{n}", "--db", p)
                check(r.returncode in (0, 1) and os.path.exists(p),
                      f"trial {name}: shard {i}/{n} ran ({r.stderr.strip()})")
                paths.append(p)
            out = os.path.join(tmp, f"trial-{tag}-merged{n}.db")
            r = run(fakepump, "merge", out, *paths, "--csv", out + ".csv", "--json",
                    out + ".json", "-q")
            check(r.returncode == 0, f"trial {name}, N={n}: merged ({r.stderr.strip()})")
            check(os.path.exists(out + ".csv") and read(out + ".csv") == read(whole + ".csv"),
                  f"trial {name}, N={n}: merged CSV = the unsharded trial's")
            check(os.path.exists(out + ".json") and read(out + ".json") == read(whole + ".json"),
                  f"trial {name}, N={n}: merged JSON = the unsharded trial's")
            if n == 3:
                with sqlite3.connect(out) as c:
                    rows = c.execute("SELECT count(*) FROM trial_glucose").fetchone()[0]
                    agp = c.execute("SELECT sum(count) FROM trial_agp").fetchone()[0]
                check(rows == (24 if name == "population" else 30) and agp == rows * 1440,
                      f"trial {name}: the pictures' data merged ({rows} rows, {agp} minutes)")
                if name == "population":
                    with sqlite3.connect(out) as c:
                        drawn = c.execute("SELECT patient, BW FROM population_patients "
                                          "ORDER BY item").fetchall()
                    pop = os.path.join(tmp, "trial-pop-params.db")
                    run(fakepump, "population", "-n", "8", "--db", pop, "-q")
                    with sqlite3.connect(pop) as c:
                        alone = c.execute("SELECT patient, BW FROM population_patients "
                                          "ORDER BY item").fetchall()
                    check(len(drawn) == 24 and drawn == alone,
                          "trial --population records the drawn parameters, the same as "
                          "fakepump population draws")
                three = paths
    # Without --controller the plan takes the base's (basal-bolus without a base): the
    # shards' hash is the unsharded trial's all the same (the JSON carries it).
    plain = ["trial", "--days", "1", "--patients", "adult", "-j", "2"]
    whole = os.path.join(tmp, "trial-nocontroller")
    r = run(fakepump, *plain, "--json", whole + ".json")
    check(r.returncode in (0, 1), f"trial without --controller ran ({r.stderr.strip()})")
    paths = [os.path.join(tmp, f"trial-nocontroller-{i}of2.db") for i in range(2)]
    for i, p in enumerate(paths):
        run(fakepump, *plain, "--shard", f"{i}/2", "--db", p)
    out = os.path.join(tmp, "trial-nocontroller-merged.db")
    r = run(fakepump, "merge", out, *paths, "--json", out + ".json", "-q")
    check(r.returncode == 0 and read(out + ".json") == read(whole + ".json"),
          "trial without --controller: merged JSON (its hash too) = the unsharded trial's "
          f"({r.stderr.strip()})")
    other = os.path.join(tmp, "trial-other.db")
    r = run(fakepump, *base[:-2], "--controller", "pid-ifb", "--patients", "all", "--shard", "1/3",
            "--db", other)
    refused(fakepump, tmp, "a trial shard of another controller", [three[0], other, three[2]],
            "'controller=pid-ifb' vs 'controller=oref0'")
    r = run(fakepump, *base, "--shard", "0/2")
    check(r.returncode == 2 and "--shard needs --db" in r.stderr,
          f"a trial shard without --db refused ({r.stderr.strip()})")
    r = run(fakepump, *base, "--shard", "1/3", "--db", three[1])
    check(r.returncode == 2 and "writes a new database" in r.stderr,
          f"a trial shard into an existing database refused ({r.stderr.strip()})")
    r = run(fakepump, *base, "--shard", "30/31", "--db", os.path.join(tmp, "empty-shard.db"))
    check(r.returncode == 2 and "has no patient" in r.stderr,
          f"a shard with no patient refused ({r.stderr.strip()})")
    r = run(fakepump, *base, "--population", "4", "--patients", "adult#001")
    check(r.returncode == 2 and "whole cohorts" in r.stderr,
          f"--population with patients by name refused ({r.stderr.strip()})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
