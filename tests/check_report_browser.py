#!/usr/bin/env python3
"""`fakepump report` in a real browser (issue 17).

The attack library is recorded into a database and reported as HTML and PDF; then:

  browser    the page opens in headless Chromium (tests/browser/check-page.js, puppeteer-
             core) with no console error, no page error and no request leaving the page
             (every request but the report itself is aborted and named);
  names      every run's name is in the rendered page, and so is each run's verdict;
  security   the PDF, printed by `fakepump report --pdf` through Debian's chromium and read
             back with pdftotext, says each attack run's verdict: every hardened run
             "refused", no legacy-vulnerable run "refused"; and the replay, tamper and
             flood twins show harm in clinical terms (minutes below 54 mg/dL);
  paper      pdfinfo: A4 by default, US Letter with --paper letter;
  control    the checker finds the two problems of a deliberately bad page (exit exactly 1,
             naming the request and the error), so a clean pass means something.

Skipped (77) when chromium, node, poppler-utils or tests/browser/node_modules is missing,
unless FAKEPUMP_REQUIRE_BROWSER=1 (make test sets it).

Usage: check_report_browser.py FAKEPUMP SCENARIO_DIR BROWSER_DIR
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)

CHECKS = Checks("report in a browser")
check = CHECKS.check


def skip_or_fail(why):
    print(f"report in a browser: {why}")
    sys.exit(1 if os.environ.get("FAKEPUMP_REQUIRE_BROWSER") == "1" else 77)


def flat(text):
    """Text as a reader sees it: one space for any run of white space, no break after a
    hyphen (names like replay-legacy-vulnerable wrap there)."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))


def main(fakepump, scenarios, browser_dir):
    for tool in ("chromium", "pdftotext", "pdfinfo", "node"):
        if not shutil.which(tool):
            skip_or_fail(f"{tool} is not installed (tools/install-deps.sh installs it)")
    if not os.path.isdir(os.path.join(browser_dir, "node_modules", "puppeteer-core")):
        skip_or_fail("tests/browser/node_modules is missing (npm ci --prefix tests/browser)")
    runner = os.path.join(browser_dir, "run-check.sh")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "attacks.db")
        r = subprocess.run([fakepump, "run", os.path.join(scenarios, "attacks"), "-j", "2", "-q",
                            "--db", db], capture_output=True, text=True)
        check(r.returncode == 0, f"the attack library passes: {r.stdout[-1500:]}{r.stderr}")
        con = sqlite3.connect(db)
        runs = con.execute("SELECT name, profile FROM (SELECT scenario_name AS name, "
                           "json_extract(settings_json, '$.security.profile') AS profile "
                           "FROM runs) ORDER BY name").fetchall()
        con.close()
        check(len(runs) >= 30, f"the attack library has its runs ({len(runs)})")
        html, pdf = os.path.join(tmp, "report.html"), os.path.join(tmp, "report.pdf")
        r = subprocess.run([fakepump, "report", "--all", "--db", db, "--html", html, "--pdf",
                            pdf], capture_output=True, text=True, timeout=600)
        check(r.returncode == 0, f"report --all --html --pdf: {r.returncode} {r.stderr}")

        # the page in a browser: no console error, no request, the end reached
        dom = os.path.join(tmp, "dom.html")
        r = subprocess.run([runner, html, "expect-ok", "--expect", "footer#end", "--dom", dom,
                            "--timeout", "120000"], capture_output=True, text=True)
        check(r.returncode == 0, f"the report opens clean in Chromium: {r.stdout}{r.stderr}")
        text = flat(re.sub(r"<[^>]+>", " ", open(dom, encoding="utf-8").read()))
        for name, _ in runs:
            check(name in text, f"{name}: its name is in the rendered page")
        check(re.search(r"src=|href=\"http|url\((?!#)", open(html, encoding="utf-8").read()) is None,
              "the HTML names no external resource")

        # the PDF: each attack's verdict
        pdf_text = flat(subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                                       text=True).stdout)
        for name, profile in runs:
            m = re.search(re.escape(name) + r" — verdict: (\w+)", pdf_text)
            if not check(m is not None, f"{name}: its verdict is in the PDF"):
                continue
            if profile == "hardened":
                check(m.group(1) == "refused", f"{name}: hardened and {m.group(1)}")
            else:
                check(m.group(1) != "refused", f"{name}: legacy-vulnerable and {m.group(1)}")
        for stem in ("replay", "tamper", "flood"):
            m = re.search(re.escape(stem) + r"-legacy-vulnerable — verdict: harm\. .*?"
                          r"(\d+) min below 54 mg/dL", pdf_text)
            check(m is not None and int(m.group(1)) > 0,
                  f"{stem}-legacy-vulnerable: harm stated in minutes below 54 mg/dL")
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        check("(A4)" in info, f"A4 by default: {info}")
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        check(pages > len(runs), f"a page or more per run ({pages} pages, {len(runs)} runs)")

        # US Letter
        letter = os.path.join(tmp, "letter.pdf")
        r = subprocess.run([fakepump, "report", "1", "2", "--db", db, "--pdf", letter, "--paper",
                            "letter"], capture_output=True, text=True, timeout=300)
        info = subprocess.run(["pdfinfo", letter], capture_output=True, text=True).stdout
        check(r.returncode == 0 and "612 x 792" in info, f"--paper letter: {r.stderr}{info}")

        # docs/report.md's examples, as written, in a folder of their own
        docs = os.path.join(tmp, "docs")
        os.mkdir(docs)
        os.symlink(scenarios, os.path.join(docs, "scenarios"))
        env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(fakepump)) + os.pathsep +
                   os.environ.get("PATH", ""))
        page = open(os.path.join(os.path.dirname(scenarios), "docs", "report.md")).read()
        blocks = re.findall(r"^```sh\n(.*?)^```", page, re.S | re.M)
        check(len(blocks) >= 3, f"docs/report.md has its examples ({len(blocks)})")
        for block in blocks:
            r = subprocess.run(["bash", "-e", "-c", block], cwd=docs, env=env,
                               capture_output=True, text=True, timeout=600)
            check(r.returncode == 0, f"docs/report.md runs as written: {block}{r.stderr}")
            for out in re.findall(r"--(?:html|pdf|png) (\S+)", block):
                check(os.path.getsize(os.path.join(docs, out)) > 1000,
                      f"docs/report.md: {out} written")

        # the negative control
        r = subprocess.run([runner, os.path.join(browser_dir, "bad.html"), "expect-1"],
                           capture_output=True, text=True)
        check(r.returncode == 0 and "https://example.com/logo.png" in r.stdout and
              "undefinedFunctionCall" in r.stdout,
              f"the checker names the bad page's request and error: {r.stdout}")
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
