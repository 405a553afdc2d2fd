"""Redraws per second: the kiosk's Welcome screen with nothing moving (budget: none at all), and Holding.

Frames are counted where they leave the app: bench/ui/flip_probe.py wraps
Kivy's Window.flip, so a frame that is drawn and presented counts, whatever
asked for it. The baseline is a minimal Kivy app left alone on the same
Xvfb, which should not redraw either. Holding's rate is reported with the CPU
it implies (DESIGN.md: about 14 ms of CPU per full redraw under Xvfb).
    python bench/ui_redraws.py [--window 10] [--settle 3]
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
from bench.ui import flips, procstat, report  # noqa: E402
from bench.ui.kiosk_run import KioskFailed, KioskRun, app_available  # noqa: E402
from bench.ui.xserver import Xvfb  # noqa: E402

NAME = "ui_redraws"
MINIMAL_APP = Path(__file__).resolve().parent / "ui" / "minimal_app.py"
MS_PER_REDRAW = 14.0


def count(read, seconds: float) -> float:  # noqa: ANN001 - read() -> flips.Flips
    before = read()
    started = time.monotonic()
    time.sleep(seconds)
    after = read()
    return (after.count - before.count) / (time.monotonic() - started)


def minimal_idle(env: dict[str, str], folder: Path, window: float, settle: float) -> float:
    probe_report = folder / "minimal-flips.txt"
    process = subprocess.Popen([sys.executable, str(flips.PROBE), str(probe_report), str(MINIMAL_APP)], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        if not flips.wait_first(probe_report, lambda: process.poll() is None, 60).count:
            raise RuntimeError("the minimal Kivy app showed no frame")
        time.sleep(settle)
        return count(lambda: flips.read(probe_report), window)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def kiosk_rate(env: dict[str, str], phase: str, window: float, settle: float) -> tuple[float, float]:
    """(redraws per second, CPU share of one core) over the same window."""
    with KioskRun(env, phase=phase) as kiosk:
        kiosk.wait_first_frame()
        time.sleep(settle)
        start = procstat.sample(kiosk.pid)
        rate = count(kiosk.flips, window)
        return rate, procstat.cpu_share(start, procstat.sample(kiosk.pid))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=10.0, help="seconds counted (default 10)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the first frame (default 3)")
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    if not shutil.which("Xvfb"):
        report.skipped(NAME, "missing Xvfb (apt-get install xvfb)")
        return 0
    why_not = app_available()
    with tempfile.TemporaryDirectory(prefix="bench-redraws-") as tmp, Xvfb() as x:
        env = x.env()
        env["KIVY_HOME"] = str(Path(tmp) / "kivy-home")
        baseline = minimal_idle(env, Path(tmp), args.window, args.settle)
        if not why_not:
            try:
                welcome = kiosk_rate(env, "welcome", args.window, args.settle)
                holding = kiosk_rate(env, "holding", args.window, args.settle)
            except KioskFailed as exc:
                why_not = str(exc)
    print(f"{NAME}: frames flipped per second over {args.window:.0f} s, {args.settle:.0f} s after the first frame, "
          "800x480 under Xvfb")
    print(report.figure("minimal Kivy app, left alone", f"{baseline:.2f} /s"))
    if why_not:
        report.skipped(NAME, f"the kiosk screen cannot run: {why_not}")
        return 0
    print(report.figure("kiosk Welcome, nothing moving", f"{welcome[0]:.2f} /s",
                        f"budget 0 /s {report.verdict(welcome[0], 0.0)}; CPU {report.percent(welcome[1])}"))
    print(report.figure("kiosk Holding (breathing shape)", f"{holding[0]:.2f} /s",
                        f"CPU {report.percent(holding[1])} (about {report.percent(holding[0] * MS_PER_REDRAW / 1000)}"
                        f" at {MS_PER_REDRAW:.0f} ms a redraw)"))
    figures.record(NAME, "Welcome redraws, nothing moving", welcome[0], "/s", baseline=baseline,
                   baseline_label="minimal app left alone", limit=0.0, against="value", budget="0 /s")
    figures.record(NAME, "Holding redraws (breathing shape)", holding[0], "/s", baseline=baseline,
                   baseline_label="minimal app left alone")
    figures.record(NAME, "Holding CPU of its process", holding[1] * 100, "% core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
