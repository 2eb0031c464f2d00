#!/usr/bin/env python3
"""Print one closing line for `make test`: 'tests: N passed, N failed' over meson's logs.

Usage: tools/test-summary.py BUILD_DIR [BUILD_DIR …]
Counts every meson test of every build directory (the normal and the sanitizer build).
"""
import json
import sys

passed = failed = skipped = 0
for build in sys.argv[1:]:
    with open(f"{build}/meson-logs/testlog.json") as log:
        for line in log:
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
