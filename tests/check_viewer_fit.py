#!/usr/bin/env python3
"""The live window fits the display it opens on (issue 17).

Under Xvfb screens of 1280x800 and 1024x768, `fakepump run FILE --hold` opens its window;
it must fit inside the screen (xdotool's geometry, the title bar's room included), draw the
pump's screen and the legend whole (the viewer says "too small" on stderr when it cannot:
it must not), and its screenshot key (s) must save a picture of exactly the window's size.
(Below 800x450 the window keeps that size rather than become unreadable:
tests/test_plot_layout.c checks the sizes for every screen.)

Usage: check_viewer_fit.py FAKEPUMP SCENARIO
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import Checks  # noqa: E402 (tests/checks.py)
from xvfb import start_xvfb  # noqa: E402 (tests/xvfb.py)

CHECKS = Checks("viewer fit")
check = CHECKS.check


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


def one_screen(fakepump, scenario, size, tmp, expect_fit):
    xvfb, display = start_xvfb(size)
    if not check(xvfb, f"{size}: Xvfb started"):
        return
    env = dict(os.environ, DISPLAY=display)
    env.pop("WAYLAND_DISPLAY", None)
    name = re.search(r"^name:\s*(\S+)", open(scenario).read(), re.M).group(1)
    run = subprocess.Popen([fakepump, "run", scenario, "--hold"], cwd=tmp, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        found = subprocess.run(["xdotool", "search", "--sync", "--name", name], env=env,
                               capture_output=True, text=True, timeout=60)
        window = found.stdout.split()[0] if found.stdout.split() else None
        if not check(window, f"{size}: the window opened ({found.stderr})"):
            return
        time.sleep(1.5)  # the run ends at once (--speed max); the window holds
        # A window just mapped on a loaded machine may not answer yet: ask again for 30 s.
        m, geo = None, ""
        for _ in range(60):
            q = subprocess.run(["xdotool", "getwindowgeometry", window], env=env,
                               capture_output=True, text=True)
            geo = q.stdout + q.stderr
            m = re.search(r"Geometry: (\d+)x(\d+)", q.stdout)
            if m or run.poll() is not None:
                break
            time.sleep(0.5)
        if m is None and run.poll() is not None:
            geo += f"; fakepump exited {run.returncode}: {run.stderr.read()[-300:]}"
        if not check(m is not None, f"{size}: the window's geometry ({geo.strip()})"):
            return
        w, h = map(int, m.groups())
        sw, sh = map(int, size.split("x"))
        if expect_fit:
            check(w <= sw and h + 40 <= sh, f"{size}: the window {w}x{h} fits with its title bar")
            check(w >= sw * 0.75, f"{size}: and uses the width ({w})")
        else:
            check((w, h) == (800, 450), f"{size}: the smallest readable window ({w}x{h})")
        before = set(os.listdir(tmp))
        subprocess.run(["xdotool", "key", "--window", window, "s"], env=env)
        shot = None
        for _ in range(100):
            new = [f for f in set(os.listdir(tmp)) - before if f.endswith(".png")]
            if new:
                shot = os.path.join(tmp, new[0])
                break
            time.sleep(0.1)
        if check(shot, f"{size}: the s key saved a screenshot"):
            time.sleep(0.5)
            check(png_size(shot) == (w, h), f"{size}: the screenshot is the window {png_size(shot)}")
            os.remove(shot)
        subprocess.run(["xdotool", "key", "--window", window, "q"], env=env,
                       capture_output=True)
        out, err = run.communicate(timeout=60)
        check("too small" not in err, f"{size}: the pump's screen and the legend fit: {err}")
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        xvfb.terminate()
        xvfb.wait()


def main(fakepump, scenario):
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        print("viewer fit: Xvfb and xdotool are needed (tools/install-deps.sh)")
        return 1
    fakepump, scenario = os.path.abspath(fakepump), os.path.abspath(scenario)
    with tempfile.TemporaryDirectory() as tmp:
        for size in ("1280x800", "1024x768"):
            one_screen(fakepump, scenario, size, tmp, True)
    return CHECKS.result()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
