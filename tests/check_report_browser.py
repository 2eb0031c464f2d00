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
  trials     two trials (3 patients x 2 days; one with --shard 0/1, whose database holds
             the pictures' data, one without) reported with --all: the page opens clean,
             every AGP and the CVGA are drawn with a nonzero size, each cohort's row reads
             as `fakepump trial` printed it, the trial without the data says what is
             missing; a screenshot of the trial section is saved (FAKEPUMP_REPORT_SHOT
             names where, else the test's temporary folder) and is a PNG of nonzero size;
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


def png_size(path):
    """(width, height) of a PNG from its IHDR chunk, or (0, 0)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return (0, 0)
    return (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))


def check_trials(fakepump, runner, tmp):
    db = os.path.join(tmp, "trials.db")
    three = ["--patients", "adult#001,adolescent#002,child#003", "--days", "2"]
    r = subprocess.run([fakepump, "trial", *three, "--shard", "0/1", "--db", db],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"trial --shard 0/1 --db: {r.stderr}")
    printed = [flat(line) for line in r.stdout.splitlines()
               if line.startswith(("cohort:", "all "))]
    check(len(printed) == 4, f"the trial printed 3 cohorts and all: {r.stdout}")
    r = subprocess.run([fakepump, "trial", *three, "--controller", "oref0", "--db", db],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"a second trial into the same database: {r.stderr}")
    html, pdf = os.path.join(tmp, "trials.html"), os.path.join(tmp, "trials.pdf")
    r = subprocess.run([fakepump, "report", "--all", "--db", db, "--html", html, "--pdf", pdf],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"report --all of two trials: {r.returncode} {r.stderr}")
    shot = os.environ.get("FAKEPUMP_REPORT_SHOT") or os.path.join(tmp, "trial.png")
    dom = os.path.join(tmp, "trials-dom.html")
    r = subprocess.run([runner, html, "expect-ok", "--expect", "section.trial#trial-2",
                        "--expect-drawn", "#trial-1 svg.chart.agp",
                        "--expect-drawn", "#trial-1 svg.chart.cvga",
                        "--expect-drawn", "#trial-1 svg.chart.cvga circle.patient",
                        "--dom", dom, "--screenshot", shot, "--shot-of", "section.trial",
                        "--size", "1000x1400", "--timeout", "120000"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"the trials' report opens clean, its charts drawn: "
                             f"{r.stdout}{r.stderr}")
    check(r.stdout.count("drawn: 4 #trial-1 svg.chart.agp") == 1,
          f"an AGP per cohort and one for everyone: {r.stdout}")
    width, height = png_size(shot) if os.path.exists(shot) else (0, 0)
    check(width > 500 and height > 1000, f"a screenshot of the trial section: {width}x{height}")
    page = open(dom, encoding="utf-8").read()
    trial1 = page[page.find('id="trial-1"'):page.find('id="trial-2"')]
    text1 = flat(re.sub(r"<[^>]+>", " ", trial1))
    for line in printed:
        check(line in text1, f"the report's row reads as the trial printed it: {line}")
    text2 = flat(re.sub(r"<[^>]+>", " ", page[page.find('id="trial-2"'):]))
    check("AGP and CVGA: Not in this database" in text2 and "--shard 0/1 --db" in text2,
          "the trial without the pictures' data says what is missing and how to get it")
    pdf_text = flat(subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                                   text=True).stdout)
    check("Trial 1: 3 patients × 2 days, basal-bolus" in pdf_text and
          "Control-Variability Grid" in pdf_text and "Summary of trials" in pdf_text,
          "the PDF has the trials, their summary and the CVGA")


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

        check_trials(fakepump, runner, tmp)

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
