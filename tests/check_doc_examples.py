#!/usr/bin/env python3
"""The documentation's scenarios run as written (issue 11).

Every complete scenario in README.md and docs/*.md — a ```yaml block with a `patient:` and
a `duration:` key at the top level — is written to a file beside the library (its
`include:` paths resolve against scenarios/, so the fragments it names must exist in
scenarios/fragments/) and played with `fakepump run`: it must load, run, and meet its own
expectations (exit status 0, or a scenario marked expect_failure failing as it says).
The blocks are found by a Markdown-aware scan (fenced code blocks, not indented ones), so a
new example in the docs is tested without touching this file.

Usage: check_doc_examples.py FAKEPUMP PROJECT_ROOT
"""
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)

CHECKS = Checks("doc examples")
check = CHECKS.check


def yaml_blocks(path):
    """(line number, text) of every ```yaml fenced block of a Markdown file."""
    blocks, current, start, fence = [], None, 0, None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            stripped = line.strip()
            if current is None:
                m = re.match(r"^(```+|~~~+)\s*ya?ml\s*$", stripped)
                if m:
                    current, start, fence = [], number + 1, m.group(1)
            elif stripped.startswith(fence) and stripped.strip("`~") == "":
                blocks.append((start, "".join(current)))
                current = None
            else:
                current.append(line)
    return blocks


def is_scenario(text):
    return (re.search(r"^patient\s*:", text, flags=re.M) is not None
            and re.search(r"^duration\s*:", text, flags=re.M) is not None)


def main(fakepump, root):
    docs = [os.path.join(root, "README.md")]
    docs += sorted(os.path.join(root, "docs", f) for f in os.listdir(os.path.join(root, "docs"))
                   if f.endswith(".md"))
    library = os.path.join(os.path.abspath(root), "scenarios")
    found = 0
    with tempfile.TemporaryDirectory() as tmp:
        # the examples sit beside the library: `include: fragments/x.yaml` is the library's
        os.symlink(os.path.join(library, "fragments"), os.path.join(tmp, "fragments"))
        for doc in docs:
            for line, text in yaml_blocks(doc):
                if not is_scenario(text):
                    continue
                found += 1
                where = f"{os.path.relpath(doc, root)}:{line}"
                path = os.path.join(tmp, f"example-{found}.yaml")
                with open(path, "w") as f:
                    f.write(text)
                for inc in re.findall(r"fragments/[\w.-]+\.ya?ml", text):
                    check(os.path.exists(os.path.join(library, inc)),
                          f"{where}: the fragment {inc} is in scenarios/fragments/")
                r = subprocess.run([fakepump, "run", path, "-v", "--headless"],
                                   capture_output=True, text=True)
                check(r.returncode == 0,
                      f"{where}: the example runs and meets its expectations "
                      f"(exit {r.returncode}):\n{r.stdout}{r.stderr}")
                check("no checks" not in r.stdout,
                      f"{where}: the example has expectations of its own")
    check(found >= 3, f"the docs hold their complete scenario examples ({found} found)")
    print(f"doc examples: {found} scenarios")
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
