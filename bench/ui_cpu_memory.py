"""CPU and memory (PSS) of the kiosk's Holding scene against Chromium in kiosk mode showing bench/holding.html.

Each side gets its own fresh Xvfb (800x480x24) and is measured over the same
window after a warm-up; CPU counts the app's whole process tree plus the X
server it draws to (presenting frames is part of their cost). Budgets
(DESIGN.md, tightened by issue 15): CPU at most 1/4 of Chromium's and at most
1.5x the same window showing a still image (bench/ui/still_app.py, the floor);
PSS at most 1/3 of Chromium's and at most 1.1x a minimal Kivy app's
(bench/ui/minimal_app.py, one Label).
    python bench/ui_cpu_memory.py [--window 20] [--warmup 6]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.runner import figures  # noqa: E402
from bench.ui import flips, report, screen  # noqa: E402
from bench.ui.chromium import PAGE, Chromium, ChromiumFailed, binary  # noqa: E402
from bench.ui.kiosk_run import KioskFailed, KioskRun, app_available  # noqa: E402
from bench.ui.measure import Window, measure  # noqa: E402
from bench.ui.xserver import Xvfb  # noqa: E402

NAME = "ui_cpu_memory"
CPU_BUDGET = 0.25
PSS_BUDGET = 1 / 3
STILL_CPU_BUDGET = 1.5
MINIMAL_PSS_BUDGET = 1.1
UI = Path(__file__).resolve().parent / "ui"


def keep_screen(env: dict[str, str], screens: Path | None, name: str) -> None:
    """A picture of what was measured, taken after the window so it costs the measurement nothing."""
    if screens is not None and screen.available():
        screens.mkdir(parents=True, exist_ok=True)
        print(f"  (screenshot: {screen.capture(env).save_png(screens / name)})")


def kiosk_holding(window: float, warmup: float, screens: Path | None) -> tuple[Window, float]:
    with Xvfb() as x, KioskRun(x.env(), phase="holding") as kiosk:
        kiosk.wait_first_frame()
        time.sleep(warmup)
        before = kiosk.flips()
        measured = measure(kiosk.pid, x.pid, window)
        after = kiosk.flips()
        keep_screen(x.env(), screens, "kiosk-holding.png")
        return measured, (after.count - before.count) / measured.seconds


def kivy_side(script: Path, window: float, warmup: float) -> Window:
    """A plain Kivy script (the still image, the minimal app) measured like the kiosk: own Xvfb, same window."""
    with Xvfb() as x, tempfile.TemporaryDirectory(prefix="bench-kivy-side-") as tmp:
        env = x.env()
        env["KIVY_HOME"] = str(Path(tmp) / "kivy-home")
        probe = Path(tmp) / "flips.txt"
        process = subprocess.Popen([sys.executable, str(flips.PROBE), str(probe), str(script)], env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            if not flips.wait_first(probe, lambda: process.poll() is None, 60).count:
                raise KioskFailed(f"{script.name} showed no frame")
            time.sleep(warmup)
            return measure(process.pid, x.pid, window)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


def chromium_holding(window: float, warmup: float, screens: Path | None) -> Window:
    with Xvfb() as x, Chromium(x.env(), PAGE.as_uri()) as browser:
        time.sleep(warmup + 4)  # Chromium takes a few seconds longer to show its first frame
        measured = measure(browser.pid, x.pid, window)
        if browser.process is None or browser.process.poll() is not None:
            raise ChromiumFailed(f"chromium exited during the measurement: {browser.log_tail()}")
        keep_screen(x.env(), screens, "chromium-holding.png")
        return measured


def describe(label: str, w: Window, extra: str = "") -> list[str]:
    return [report.figure(f"{label} CPU (app + X server)", report.percent(w.total_cpu),
                          f"app {report.percent(w.app_cpu)}, X server {report.percent(w.x_cpu)}"
                          + (f", {extra}" if extra else "")),
            report.figure(f"{label} PSS", report.mib(w.pss_kib), f"summed over {w.processes} process{'es' if w.processes != 1 else ''}")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured (default 20)")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds after the first frame (default 6)")
    parser.add_argument("--screens", type=Path, help="save a screenshot of each side here (needs xwd)")
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    missing = [tool for tool, ok in (("Xvfb (apt-get install xvfb)", shutil.which("Xvfb")),
                                     ("chromium (apt-get install chromium)", binary())) if not ok]
    if missing:
        report.skipped(NAME, "missing " + ", ".join(missing))
        return 0
    print(f"{NAME}: the Holding scene at 800x480 under Xvfb, {args.window:.0f} s windows after "
          f"{args.warmup:.0f} s warm-up; CPU as a share of one core")
    try:
        browser = chromium_holding(args.window, args.warmup, args.screens)
    except ChromiumFailed as exc:
        report.skipped(NAME, str(exc))
        return 0
    lines = describe("chromium --kiosk", browser)
    why_not = app_available()
    if not why_not:
        try:
            kiosk, redraws = kiosk_holding(args.window, args.warmup, args.screens)
        except KioskFailed as exc:
            why_not = str(exc)
    if why_not:
        print("\n".join(lines))
        report.skipped(NAME, f"the kiosk screen cannot run: {why_not}")
        return 0
    try:
        still = kivy_side(UI / "still_app.py", args.window, args.warmup)
        minimal = kivy_side(UI / "minimal_app.py", args.window, args.warmup)
    except KioskFailed as exc:
        report.skipped(NAME, f"a Kivy baseline cannot run: {exc}")
        return 0
    lines = (describe("kiosk (Kivy)", kiosk, f"{redraws:.2f} redraws/s") + lines
             + describe("still image (Kivy)", still) + describe("minimal Kivy app", minimal))
    print("\n".join(lines))
    print(report.ratio_line("CPU kiosk / chromium", kiosk.total_cpu, browser.total_cpu, CPU_BUDGET))
    print(report.ratio_line("CPU kiosk / still image", kiosk.total_cpu, still.total_cpu, STILL_CPU_BUDGET))
    print(report.ratio_line("PSS kiosk / chromium", kiosk.pss_kib, browser.pss_kib, PSS_BUDGET))
    print(report.ratio_line("PSS kiosk / minimal Kivy app", kiosk.pss_kib, minimal.pss_kib, MINIMAL_PSS_BUDGET))
    cpu, mem = kiosk.total_cpu * 100, kiosk.pss_kib / 1024
    figures.record(NAME, "Holding CPU (app + X) vs Chromium", cpu, "% core", baseline=browser.total_cpu * 100,
                   baseline_label="chromium --kiosk, CSS", limit=CPU_BUDGET)
    figures.record(NAME, "Holding CPU (app + X) vs still image", cpu, "% core", baseline=still.total_cpu * 100,
                   baseline_label="same window, still image", limit=STILL_CPU_BUDGET)
    figures.record(NAME, "Holding PSS vs Chromium", mem, "MiB", baseline=browser.pss_kib / 1024,
                   baseline_label="chromium --kiosk, CSS", limit=PSS_BUDGET)
    figures.record(NAME, "Holding PSS vs minimal Kivy app", mem, "MiB", baseline=minimal.pss_kib / 1024,
                   baseline_label="minimal Kivy app", limit=MINIMAL_PSS_BUDGET)
    figures.record(NAME, "Holding redraws during the window", redraws, "/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
