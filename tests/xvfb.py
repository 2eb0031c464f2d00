"""A private X display for the checks that open the live window (check_*.py).

Xvfb chooses the display itself (-displayfd): it listens on the first free number and
writes it back only once it accepts clients. Choosing a number here and probing it with a
client races with every other test that starts an X server at the same moment: the probe
can reach the other test's server while ours fails on the taken number, and the check
then loses its display when that server stops ("Can't open display")."""
import os
import shutil
import subprocess


def start_xvfb(size="1920x1080"):
    """(process, ":N") of a new Xvfb with one screen of `size` (WxH, 24-bit), or
    (None, None) when Xvfb is not installed or did not start."""
    if not shutil.which("Xvfb"):
        return None, None
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{size}x24",
                             "-nolisten", "tcp"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r) as f:
        display = f.readline().strip()  # empty when it exits first
    if not display:
        proc.wait()
        return None, None
    return proc, f":{display}"
