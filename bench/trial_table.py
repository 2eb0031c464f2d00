#!/usr/bin/env python3
"""The README's closed-loop table, made by the real `fakepump trial` (issue 14).

For each meal plan and controller, `fakepump trial --patients all --days DAYS --controller C
--meals M --cgm dexcom --seed S --json -`; prints Markdown: per cohort and overall TIR,
below 70, below 54, CV, minimum and patients below 40 mg/dL for seed 1, then the mean over
seeds 1-5 (and the lowest minimum over them); then whether issue 14's goal holds on every
seed: both closed loops beat basal-bolus on TIR in every cohort, below 70 < 4 %, below 54
< 1 %, no patient below 40 mg/dL.

Usage: bench/trial_table.py FAKEPUMP [DAYS] [SEEDS]     (defaults: 14, 5)
"""
import json
import subprocess
import sys

CONTROLLERS = ["basal-bolus", "pid-ifb", "oref0"]
MEALS = ["standard", "variable", "unannounced"]
GROUPS = ["cohort:adult", "cohort:adolescent", "cohort:child", "all"]


def run(fakepump, controller, meals, seed, days):
    p = subprocess.run([fakepump, "trial", "--patients", "all", "--days", str(days),
                        "--controller", controller, "--meals", meals, "--cgm", "dexcom",
                        "--seed", str(seed), "-j", "2", "--json", "-"],
                       capture_output=True, text=True, check=False)
    if p.returncode not in (0, 1):
        sys.exit(p.stderr)
    return {r["patient"]: r for r in json.loads(p.stdout)["rows"]}


def main(fakepump, days=14, seeds=5):
    days, seeds = int(days), int(seeds)
    rows_met, rows_all, misses = 0, 0, []
    for meals in MEALS:
        print(f"\n**{meals}** meals — seed 1 | mean of seeds 1–{seeds}\n")
        print("| controller | cohort | TIR % | < 70 % | < 54 % | CV % | min mg/dL | < 40 | "
              f"TIR % (1–{seeds}) | < 70 % | < 54 % | min (1–{seeds}) | < 40 (runs) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        tables = {}
        for c in CONTROLLERS:
            by_seed = [run(fakepump, c, meals, s, days) for s in range(1, seeds + 1)]
            tables[c] = by_seed
            for g in GROUPS:
                one = by_seed[0][g]
                rows = [t[g] for t in by_seed]
                mean = lambda k: sum(r[k] for r in rows) / len(rows)  # noqa: E731
                print(f"| {c} | {g.replace('cohort:', '')} | {one['tir_pct']:.1f} | "
                      f"{one['tbr70_pct']:.2f} | {one['tbr54_pct']:.2f} | {one['cv_pct']:.1f} | "
                      f"{max(one['min_mgdl'], 0):.1f} | {one['below40']} | {mean('tir_pct'):.1f} | "
                      f"{mean('tbr70_pct'):.2f} | {mean('tbr54_pct'):.2f} | "
                      f"{max(min(r['min_mgdl'] for r in rows), 0):.1f} | "
                      f"{sum(r['below40'] for r in rows)} |")
        for c in ("pid-ifb", "oref0"):
            for s in range(seeds):
                for g in GROUPS[:3]:
                    r, ref = tables[c][s][g], tables["basal-bolus"][s][g]
                    ok = (r["tir_pct"] > ref["tir_pct"] and r["tbr70_pct"] < 4 and
                          r["tbr54_pct"] < 1 and r["below40"] == 0 and r["failed"] == 0)
                    rows_all += 1
                    rows_met += ok
                    if not ok:
                        misses.append(f"{meals} {c} seed {s + 1} {g}: TIR {r['tir_pct']:.1f} "
                                      f"vs {ref['tir_pct']:.1f}, <70 {r['tbr70_pct']:.2f}, "
                                      f"<54 {r['tbr54_pct']:.2f}, below 40 {r['below40']}")
    print(f"\nGoal (both closed loops beat basal-bolus on TIR, < 70 under 4 %, < 54 under 1 %, "
          f"no patient below 40 mg/dL, none failed) met in {rows_met} of {rows_all} cohort rows "
          f"(2 controllers x {len(MEALS)} meal plans x {seeds} seeds x 3 cohorts).")
    for m in misses:
        print(f"  missed: {m}")


if __name__ == "__main__":
    main(*sys.argv[1:])
