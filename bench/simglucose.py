#!/usr/bin/python3
"""simglucose's own speed, for the README's side-by-side: its T1DSimEnv (T1DPatient, the Dexcom
CGMSensor, the Insulet pump) with its BBController, one day of meals of 50/70/80 g at
07:00/12:00/18:30, no animation — the same day `fakepump trial --controller basal-bolus` runs.
RUNS timed runs over PATIENTS patients (CPU time); prints the median in patient-days per second.

simglucose is not a Debian package and this project does not ship it: give a checkout of
github.com/jxx123/simglucose (v0.2.11, commit a6f6777) in SIMGLUCOSE. It needs python3-numpy,
python3-scipy, python3-pandas and python3-matplotlib (Debian); its import of gym only
registers an environment, so a stand-in module takes that call here.

    SIMGLUCOSE=/path/to/simglucose /usr/bin/python3 bench/simglucose.py [RUNS] [PATIENTS]
"""
import contextlib
import io
import logging
import os
import statistics
import sys
import tempfile
import time
import types
from datetime import datetime, timedelta


def import_simglucose(root):
    registration = types.ModuleType("gym.envs.registration")
    registration.register = lambda **kwargs: None  # simglucose/__init__.py registers its env
    sys.modules.update({"gym": types.ModuleType("gym"), "gym.envs": types.ModuleType("gym.envs"),
                        "gym.envs.registration": registration})
    sys.path.insert(0, root)


def main():
    root = os.environ.get("SIMGLUCOSE")
    if not root or not os.path.isdir(os.path.join(root, "simglucose")):
        sys.exit("bench/simglucose.py: set SIMGLUCOSE to a checkout of "
                 "https://github.com/jxx123/simglucose (v0.2.11)")
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    import_simglucose(root)
    logging.disable(logging.CRITICAL)
    with contextlib.redirect_stdout(io.StringIO()):  # its notice that pathos is missing
        from simglucose.actuator.pump import InsulinPump
        from simglucose.controller.basal_bolus_ctrller import BBController
        from simglucose.patient.t1dpatient import T1DPatient
        from simglucose.sensor.cgm import CGMSensor
        from simglucose.simulation.env import T1DSimEnv
        from simglucose.simulation.scenario import CustomScenario
        from simglucose.simulation.sim_engine import SimObj

    names = ["adolescent#%03d" % (i + 1) for i in range(10)] + \
            ["adult#%03d" % (i + 1) for i in range(10)] + \
            ["child#%03d" % (i + 1) for i in range(10)]
    names = names[::max(1, len(names) // count)][:count]
    start = datetime(2018, 1, 1, 0, 0, 0)
    rates = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            cpu0 = time.process_time()
            for i, name in enumerate(names):
                env = T1DSimEnv(T1DPatient.withName(name), CGMSensor.withName("Dexcom", seed=i + 1),
                                InsulinPump.withName("Insulet"),
                                CustomScenario(start_time=start,
                                               scenario=[(7, 50), (12, 70), (18.5, 80)]))
                SimObj(env, BBController(), timedelta(days=1), animate=False,
                       path=out).simulate()
            rates.append(len(names) / (time.process_time() - cpu0))
    print("simglucose v0.2.11, %d patients x 1 day, BBController, Dexcom: median of %d runs "
          "%.2f patient-days per CPU-second (%.2f-%.2f), load %s"
          % (len(names), runs, statistics.median(rates), min(rates), max(rates),
             open("/proc/loadavg").read().split()[0]))


if __name__ == "__main__":
    main()
