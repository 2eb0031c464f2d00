"""Shared by the Python checks of tests/ (check_*.py): count checks, print the failed ones,
and the library's scenario files as the runner finds them."""
import os
import sys


class Checks:
    """check(condition, what) counts; a failed one is printed with what it checked."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, condition, what):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAILED: {what}", file=sys.stderr)
        return condition

    def result(self):
        """Prints the tally; the exit status (1 when any check failed)."""
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def scenario_files(root):
    """The scenario files `fakepump run DIR` plays: *.yaml and *.yml, sorted, skipping
    folders named fragments and names starting with '.' or '_'."""
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != "fragments" and not x.startswith((".", "_")))
        found += [os.path.join(d, f) for f in sorted(files)
                  if f.endswith((".yaml", ".yml")) and not f.startswith(("_", "."))]
    return found
