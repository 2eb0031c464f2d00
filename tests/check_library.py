#!/usr/bin/env python3
"""The scenario library as CI runs it: every scenario in scenarios/ headless, two at a time,
with JUnit XML read back by a standard JUnit parser (junitparser) and by ElementTree.

Checks: the run exits 0 (every expectation met; scenarios marked expect_failure fail as they
must); one testcase per scenario file; no failures or errors in the XML; then a deliberately
failing scenario gives exit 1 and a <failure> that names the expectation and the measured
value; a malformed one gives exit 2 and an <error>.

Usage: check_library.py FAKEPUMP SCENARIO_DIR
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import junitparser

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks, scenario_files  # noqa: E402 (tests/checks.py)

CHECKS = Checks("library")
check = CHECKS.check


def main(fakepump, library):
    with tempfile.TemporaryDirectory() as tmp:
        junit = os.path.join(tmp, "library.xml")
        r = subprocess.run([fakepump, "run", library, "-j", "2", "--junit", junit, "-q"],
                           capture_output=True, text=True)
        print(r.stdout)
        check(r.returncode == 0, f"library run exits 0 (got {r.returncode}): {r.stderr}")
        xml = junitparser.JUnitXml.fromfile(junit)
        cases = [c for suite in xml for c in suite]
        check(len(cases) == len(scenario_files(library)),
              f"one testcase per scenario ({len(cases)} vs {len(scenario_files(library))})")
        check(all(c.is_passed for c in cases),
              "every testcase passes: " + ", ".join(c.name for c in cases if not c.is_passed))
        check(ET.parse(junit).getroot().tag == "testsuites", "ElementTree reads it")
        check(any("meant to fail" in (c.system_out or "") for c in cases),
              "the expected failure is reported as such")

        bad = os.path.join(tmp, "too-hopeful.yaml")
        with open(bad, "w") as f:
            f.write("name: too-hopeful\npatient: adult#001\nduration: 24h\n"
                    "events:\n  - {at: \"12:00\", meal: 90}\n"
                    "expect:\n  - {bg: {max_below: 160}}\n  - {bg: {min_above: 54}}\n")
        broken = os.path.join(tmp, "broken.yaml")
        with open(broken, "w") as f:
            f.write("patient: adult#001\nduration: 24 hours\n")
        junit2 = os.path.join(tmp, "two.xml")
        r = subprocess.run([fakepump, "run", bad, broken, "--junit", junit2, "-q"],
                           capture_output=True, text=True)
        check(r.returncode == 2, f"bad input wins over a failure: exit 2 (got {r.returncode})")
        r1 = subprocess.run([fakepump, "run", bad, "-q"], capture_output=True, text=True)
        check(r1.returncode == 1, f"a failed expectation exits 1 (got {r1.returncode})")
        cases = {c.name: c for suite in junitparser.JUnitXml.fromfile(junit2) for c in suite}
        hopeful = cases.get("too-hopeful")
        check(hopeful is not None and not hopeful.is_passed, "the failing scenario fails")
        failure = hopeful.result[0] if hopeful is not None and hopeful.result else None
        check(isinstance(failure, junitparser.Failure), "it carries a <failure>")
        msg = (failure.message or "") if failure is not None else ""
        check("max_below: 160" in msg and "measured" in msg and "mg/dL" in msg,
              f"the failure names the expectation and the measured value: {msg!r}")
        check("min_above: 54" not in (failure.text or "") if failure is not None else False,
              "only failed expectations are listed as failures")
        err = cases.get("broken") or cases.get(broken)
        check(err is not None and isinstance(err.result[0], junitparser.Error)
              and "broken.yaml:2:11" in (err.result[0].message or ""),
              "bad input is an <error> with file:line:column")
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
