"""Start to first frame: the kiosk against a minimal Kivy app (one Label), both on the same Xvfb.

Time runs from spawning the process to the first frame it flips to the X
server (bench/ui/flip_probe.py wraps Kivy's Window.flip in both, unchanged).
One discarded warm-up run each, then --runs runs each (default 7), alternating; medians.
Budget (issue 15, tightened from DESIGN.md's 1.3x): at most 1.15x the minimal app's.
    python bench/ui_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.runner import figures  # noqa: E402
from bench.ui import flips, report  # noqa: E402
from bench.ui.kiosk_run import KioskFailed, KioskRun, app_available  # noqa: E402
from bench.ui.xserver import Xvfb  # noqa: E402

NAME = "ui_startup"
BUDGET = 1.15
MINIMAL_APP = Path(__file__).resolve().parent / "ui" / "minimal_app.py"
TIMEOUT = 60.0


def minimal_first_frame(env: dict[str, str], folder: Path) -> float:
    probe_report = folder / "minimal-flips.txt"
    probe_report.unlink(missing_ok=True)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(flips.PROBE), str(probe_report), str(MINIMAL_APP)], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        got = flips.wait_first(probe_report, lambda: process.poll() is None, TIMEOUT)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    if not got.count:
        raise RuntimeError("the minimal Kivy app showed no frame")
    return got.first - started


def kiosk_first_frame(env: dict[str, str], folder: Path) -> float:
    kiosk = KioskRun(env, phase="welcome", workdir=folder)
    kiosk.start()
    try:
        got = kiosk.wait_first_frame(TIMEOUT)
    finally:
        kiosk.stop()
    return got.first - kiosk.spawned_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each (default 7)")
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    if not shutil.which("Xvfb"):
        report.skipped(NAME, "missing Xvfb (apt-get install xvfb)")
        return 0
    why_not = app_available()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp, Xvfb() as x:
        folder = Path(tmp)
        env = x.env()
        env["KIVY_HOME"] = str(folder / "kivy-home")
        minimal_first_frame(env, folder)
        if not why_not:
            try:
                kiosk_first_frame(env, folder)
            except KioskFailed as exc:
                why_not = str(exc)
        minimal, kiosk = [], []
        for _ in range(args.runs):
            minimal.append(minimal_first_frame(env, folder))
            if not why_not:
                kiosk.append(kiosk_first_frame(env, folder))
    print(f"{NAME}: spawn to first frame flipped, 800x480 under Xvfb, median of {args.runs} runs after a warm-up")
    print(report.figure("minimal Kivy app (a Label)", f"{report.median(minimal) * 1000:.0f} ms",
                        "runs " + " ".join(f"{v * 1000:.0f}" for v in minimal)))
    if why_not:
        report.skipped(NAME, f"the kiosk screen cannot run: {why_not}")
        return 0
    print(report.figure("kiosk (Welcome)", f"{report.median(kiosk) * 1000:.0f} ms",
                        "runs " + " ".join(f"{v * 1000:.0f}" for v in kiosk)))
    print(report.ratio_line("kiosk / minimal", report.median(kiosk), report.median(minimal), BUDGET))
    figures.record(NAME, "spawn to first frame (Welcome)", report.median(kiosk) * 1000, "ms",
                   baseline=report.median(minimal) * 1000, baseline_label="minimal Kivy app", limit=BUDGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
