#!/usr/bin/python3
"""Generate reference BG traces of the simglucose v0.2.11 patient model (UVA/Padova S2008).

An independent transcription of the model as docs/patient-model.md describes it (the
simglucose T1DPatient): the 13-state ODE with its non-negativity clamps, the meal / Dbar
state machine (Dbar = last_Qsto + last_foodtaken*1000 mg), one-minute zero-order-hold
steps, integrated with scipy.integrate.ode(...).set_integrator('dopri5') at default settings
(rtol 1e-6, atol 1e-12) with ONE solver object per run and integrate(t + 1) each minute, so
the step size carries over between minutes exactly as simglucose runs it.

The five scenarios (tests/fixtures/traces/README.md):
    fasting        basal all day
    meals_bolus    50 g @420, 70 g @720, 80 g @1110, basal + grams/CR U in the announce minute
    meals_nobolus  same meals, basal only
    basal_x2       2 x basal all day
    bolus10U       basal + 10 U/min during minute 60
with basal = u2ss*BW/6000 U/min.

Needs numpy + scipy (Debian's /usr/bin/python3: numpy 1.24, scipy 1.10.1).

Usage (from the repository root):
    /usr/bin/python3 tools/gen_reference_traces.py validate REFDIR
        compare with the reference traces found in REFDIR (<patient>__<scenario>.csv)
    /usr/bin/python3 tools/gen_reference_traces.py write OUTDIR [--ref REFDIR]
        write all 30 x 5 fixtures + summary.csv into OUTDIR; files present in REFDIR are
        written from the reference's inputs and BG/Gsub values instead of our own
Options: --params DIR (default tests/fixtures/params), --patient NAME, --scenario NAME.
"""
import argparse
import csv
import math
import os
import sys
import time

from scipy.integrate import ode

SCENARIOS = ["fasting", "meals_bolus", "meals_nobolus", "basal_x2", "bolus10U"]
MEALS = {420: 50, 720: 70, 1110: 80}  # announce minute -> grams
N_MIN = 1440
EAT_RATE = 5  # g/min
X0_COLS = ["x0_ 1", "x0_ 2", "x0_ 3", "x0_ 4", "x0_ 5", "x0_ 6", "x0_ 7", "x0_ 8", "x0_ 9",
           "x0_10", "x0_11", "x0_12", "x0_13"]
PARAM_COLS = ["BW", "Vg", "Vi", "kabs", "kmax", "kmin", "b", "d", "f", "kp1", "kp2", "kp3",
              "ki", "Fsnc", "ke1", "ke2", "k1", "k2", "Vm0", "Vmx", "Km0", "p2u", "Ib", "m1",
              "m2", "m4", "m30", "kd", "ka1", "ka2", "ksc", "u2ss"]
HEADER = ["t_min", "meal_announced_g", "insulin_U_per_min", "BG_mgdl", "Gsub_mgdl"]


# ---------------------------------------------------------------------------------------
# parameters
def load_patients(folder):
    """Return {name: {'p': {param: float}, 'x0': [13 floats], 'CR': float}} in CSV order."""
    with open(os.path.join(folder, "Quest.csv"), newline="") as f:
        quest = {row["Name"]: row for row in csv.DictReader(f)}
    patients = {}
    with open(os.path.join(folder, "vpatient_params.csv"), newline="") as f:
        for row in csv.DictReader(f):
            name = row["Name"]
            patients[name] = {
                "p": {k: float(row[k]) for k in PARAM_COLS},
                "x0": [float(row[k]) for k in X0_COLS],
                "CR": float(quest[name]["CR"]),
            }
    return patients


def basal_rate(pat):
    p = pat["p"]
    return p["u2ss"] * p["BW"] / 6000  # U/min, in this order (as BBController)


# ---------------------------------------------------------------------------------------
# scenarios: per-minute inputs for minutes 0..1440 (minute 1440 is never integrated)
def scenario_inputs(pat, scenario):
    basal = basal_rate(pat)
    meal = [0] * (N_MIN + 1)
    ins = [basal] * (N_MIN + 1)
    boluses = []
    if scenario in ("meals_bolus", "meals_nobolus"):
        for k, g in MEALS.items():
            meal[k] = g
            if scenario == "meals_bolus":
                bolus = float(g) / pat["CR"]
                ins[k] = basal + bolus
                boluses.append(bolus)
    elif scenario == "basal_x2":
        ins = [2 * basal] * (N_MIN + 1)
    elif scenario == "bolus10U":
        ins[60] = basal + 10
        boluses.append(10)
    elif scenario != "fasting":
        raise ValueError(scenario)
    return meal, ins, boluses


# ---------------------------------------------------------------------------------------
# model (docs/patient-model.md "Equations")
def make_rhs(p):
    BW, Vg, Vi = p["BW"], p["Vg"], p["Vi"]
    kabs, kmax, kmin, b, dd, f = p["kabs"], p["kmax"], p["kmin"], p["b"], p["d"], p["f"]
    kp1, kp2, kp3, ki, Fsnc = p["kp1"], p["kp2"], p["kp3"], p["ki"], p["Fsnc"]
    ke1, ke2, k1, k2 = p["ke1"], p["ke2"], p["k1"], p["k2"]
    Vm0, Vmx, Km0, p2u, Ib = p["Vm0"], p["Vmx"], p["Km0"], p["p2u"], p["Ib"]
    m1, m2, m4, m30 = p["m1"], p["m2"], p["m4"], p["m30"]
    kd, ka1, ka2, ksc = p["kd"], p["ka1"], p["ka2"], p["ksc"]

    def rhs(t, x, cho_g_per_min, insulin_u_per_min, dbar):
        (qsto1, qsto2, qgut, gp, gt, ip, xx, i1, idd, il, isc1, isc2, gs) = x.tolist()
        dmeal = cho_g_per_min * 1000  # mg/min
        iir = insulin_u_per_min * 6000 / BW  # pmol/kg/min

        # 3.1 gastro-intestinal tract
        qsto = qsto1 + qsto2
        if dbar > 0:
            aa = 5 / (2 * dbar * (1 - b))
            cc = 5 / (2 * dbar * dd)
            kgut = kmin + (kmax - kmin) / 2 * (
                math.tanh(aa * (qsto - b * dbar)) - math.tanh(cc * (qsto - dd * dbar)) + 2)
        else:
            kgut = kmax
        dqsto1 = -kmax * qsto1 + dmeal
        dqsto2 = kmax * qsto1 - kgut * qsto2
        dqgut = kgut * qsto2 - kabs * qgut
        ra = f * kabs * qgut / BW

        # 3.2 glucose
        egp = kp1 - kp2 * gp - kp3 * idd
        uii = Fsnc
        e = ke1 * (gp - ke2) if gp > ke2 else 0.0
        dgp = max(egp, 0.0) + ra - uii - e - k1 * gp + k2 * gt
        vmt = Vm0 + Vmx * xx
        uid = vmt * gt / (Km0 + gt)
        dgt = -uid + k1 * gp - k2 * gt

        # 3.3 insulin
        i = ip / Vi
        dip = -(m2 + m4) * ip + m1 * il + ka1 * isc1 + ka2 * isc2
        dil = -(m1 + m30) * il + m2 * ip
        dx = -p2u * xx + p2u * (i - Ib)
        di1 = -ki * (i1 - i)
        did = -ki * (idd - i1)

        # 3.4 subcutaneous insulin
        disc1 = iir - (ka1 + kd) * isc1
        disc2 = kd * isc1 - ka2 * isc2

        # 3.5 subcutaneous glucose (mass units)
        dgs = -ksc * gs + ksc * gp

        # 3.6 clamps: derivative is 0 while the state is strictly negative
        if gp < 0:
            dgp = 0.0
        if gt < 0:
            dgt = 0.0
        if ip < 0:
            dip = 0.0
        if il < 0:
            dil = 0.0
        if isc1 < 0:
            disc1 = 0.0
        if isc2 < 0:
            disc2 = 0.0
        if gs < 0:
            dgs = 0.0
        return [dqsto1, dqsto2, dqgut, dgp, dgt, dip, dx, di1, did, dil, disc1, disc2, dgs]

    return rhs


def simulate(pat, meal, ins):
    """Run 1440 one-minute steps. Returns the list of states at t = 0..1440."""
    solver = ode(make_rhs(pat["p"])).set_integrator("dopri5")
    solver.set_initial_value(list(pat["x0"]), 0)
    states = [list(pat["x0"])]
    planned = 0
    prev_to_eat = 0
    last_qsto = pat["x0"][0] + pat["x0"][1]
    last_food = 0
    for k in range(N_MIN):
        # meal / Dbar state machine (docs/patient-model.md "Inputs")
        planned += meal[k]
        if planned > 0:
            to_eat = min(EAT_RATE, planned)
            planned = max(0, planned - to_eat)
        else:
            to_eat = 0
        if to_eat > 0 and prev_to_eat <= 0:  # eating starts
            y = solver.y
            last_qsto = y[0] + y[1]
            last_food = 0
        if to_eat > 0:
            last_food += to_eat
        prev_to_eat = to_eat
        dbar = last_qsto + last_food * 1000
        solver.set_f_params(to_eat, ins[k], dbar)
        if not solver.successful():
            raise RuntimeError("ODE solver failed at minute %d" % k)
        solver.integrate(solver.t + 1)
        states.append(solver.y.tolist())
    return states


def outputs(pat, states):
    Vg = pat["p"]["Vg"]
    return [s[3] / Vg for s in states], [s[12] / Vg for s in states]


# ---------------------------------------------------------------------------------------
def read_ref(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != N_MIN + 1:
        raise ValueError("%s: %d rows" % (path, len(rows)))
    return rows


def ref_files(refdir):
    out = {}
    if refdir and os.path.isdir(refdir):
        for fn in sorted(os.listdir(refdir)):
            if fn.endswith(".csv") and "__" in fn:
                patient, scenario = fn[:-4].split("__")
                out[(patient, scenario)] = os.path.join(refdir, fn)
    return out


def compare(pat, rows, bg, gs):
    dbg = max(abs(float(r["BG_mgdl"]) - v) for r, v in zip(rows, bg))
    dgs = max(abs(float(r["Gsub_mgdl"]) - v) for r, v in zip(rows, gs))
    return dbg, dgs


def cmd_validate(args, patients):
    refs = ref_files(args.refdir)
    if not refs:
        sys.exit("no reference traces in %s" % args.refdir)
    worst = 0.0
    for (patient, scenario), path in refs.items():
        pat = patients[patient]
        rows = read_ref(path)
        meal, ins, _ = scenario_inputs(pat, scenario)
        # inputs must agree with the reference's (printed with 10 significant digits)
        for k, r in enumerate(rows[:N_MIN]):
            if float(r["meal_announced_g"]) != meal[k] or \
                    abs(float(r["insulin_U_per_min"]) - ins[k]) > 1e-9 * max(1.0, ins[k]):
                sys.exit("%s: input mismatch at minute %d" % (path, k))
        t0 = time.time()
        bg, gs = outputs(pat, simulate(pat, meal, ins))
        dt = time.time() - t0
        dbg, dgs = compare(pat, rows, bg, gs)
        # the same run driven by the reference's printed (10-digit) inputs
        rmeal = [float(r["meal_announced_g"]) for r in rows]
        rins = [float(r["insulin_U_per_min"]) for r in rows]
        bg2, gs2 = outputs(pat, simulate(pat, rmeal, rins))
        dbg2, dgs2 = compare(pat, rows, bg2, gs2)
        worst = max(worst, dbg, dgs)
        print("%-40s max|dBG| %.3g  max|dGsub| %.3g   (with the file's rounded inputs: %.3g / %.3g)"
              "  %.2f s" % (os.path.basename(path), dbg, dgs, dbg2, dgs2, dt), flush=True)
    print("worst %.3g" % worst)


def fmt(v):
    return "%.9g" % v


def cmd_write(args, patients):
    refs = ref_files(args.ref)
    os.makedirs(args.outdir, exist_ok=True)
    summary = []
    t_all = time.time()
    names = [args.patient] if args.patient else list(patients)
    scens = [args.scenario] if args.scenario else SCENARIOS
    for patient in names:
        pat = patients[patient]
        for scenario in scens:
            t0 = time.time()
            meal, ins, boluses = scenario_inputs(pat, scenario)
            src = "generated"
            if (patient, scenario) in refs:
                rows = read_ref(refs[(patient, scenario)])
                meal_out = [float(r["meal_announced_g"]) for r in rows]
                ins_out = [float(r["insulin_U_per_min"]) for r in rows]
                bg_txt = [fmt(float(r["BG_mgdl"])) for r in rows]
                gs_txt = [fmt(float(r["Gsub_mgdl"])) for r in rows]
                bg_val = [float(x) for x in bg_txt]
                src = "shared_reference"
            else:
                bg, gs = outputs(pat, simulate(pat, meal, ins))
                meal_out, ins_out = [float(m) for m in meal], ins
                bg_txt = [fmt(v) for v in bg]
                gs_txt = [fmt(v) for v in gs]
                bg_val = [float(x) for x in bg_txt]
            path = os.path.join(args.outdir, "%s__%s.csv" % (patient, scenario))
            with open(path, "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(HEADER)
                for k in range(N_MIN + 1):
                    w.writerow([k, repr(meal_out[k]), repr(ins_out[k]), bg_txt[k], gs_txt[k]])
            bmin = min(bg_val)
            bmax = max(bg_val)
            summary.append([patient, scenario, repr(basal_rate(pat)),
                            " ".join(repr(b) for b in boluses), fmt(bmin),
                            str(bg_val.index(bmin)), fmt(bmax), str(bg_val.index(bmax)), src])
            print("%s__%s  %s  BG %.6g..%.6g  %.2f s" % (patient, scenario, src, bmin, bmax,
                                                         time.time() - t0), flush=True)
    if not args.patient and not args.scenario:
        with open(os.path.join(args.outdir, "summary.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["patient", "scenario", "basal_U_per_min", "boluses_U", "BG_min_mgdl",
                        "BG_min_t_min", "BG_max_mgdl", "BG_max_t_min", "source"])
            w.writerows(summary)
    print("total %.1f s" % (time.time() - t_all))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--params", default="tests/fixtures/params")
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate")
    v.add_argument("refdir")
    w = sub.add_parser("write")
    w.add_argument("outdir")
    w.add_argument("--ref", default=None)
    w.add_argument("--patient", default=None)
    w.add_argument("--scenario", default=None)
    args = ap.parse_args()
    patients = load_patients(args.params)
    if args.cmd == "validate":
        cmd_validate(args, patients)
    else:
        cmd_write(args, patients)


if __name__ == "__main__":
    main()
