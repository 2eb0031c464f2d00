#!/usr/bin/python3
"""The lean scipy port's speed: the S2008 patient as tools/gen_reference_traces.py integrates it
(scipy's dopri5, one solver a patient, integrate(t + 1) each minute, the meal state machine), one
day of the standard meals with their boluses for each of the 30 patients, no pump and no sensor —
the same work as one patient-day of `make bench-batch`. RUNS timed runs, each over all 30
patients; prints the median in patient-days per second (one core).

    /usr/bin/python3 bench/lean_scipy.py [RUNS]     (from the repository root; needs python3-scipy)
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import gen_reference_traces as ref  # noqa: E402


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    patients = ref.load_patients(os.path.join("tests", "fixtures", "params"))
    rates = []
    for _ in range(runs):
        start = time.process_time()
        for pat in patients.values():
            meal, ins, _ = ref.scenario_inputs(pat, "meals_bolus")
            ref.simulate(pat, meal, ins)
        cpu = time.process_time() - start
        rates.append(len(patients) / cpu)
    print("lean scipy port, %d patients x 1 day, meals with boluses: median of %d runs "
          "%.2f patient-days per CPU-second (%.2f-%.2f), load %s"
          % (len(patients), runs, statistics.median(rates), min(rates), max(rates),
             open("/proc/loadavg").read().split()[0]))


if __name__ == "__main__":
    main()
