"""The Holding soak: the real kiosk showing Holding under Xvfb for hours, sampled: memory growth, CPU drift, redraws.

Not compressed: the kiosk takes its time from kiosk/clock.py and Kivy's Clock, and a fast clock for the
running app would need a seam inside kiosk/ui (a later task). So the 8 hours are real hours
(`--minutes 480`); `--short` runs 3 minutes, enough to see the first growth, not a slow leak.
Every --interval seconds: private dirty memory + swap of the process tree (what a leak grows), CPU (app + X server) and frames flipped over the
interval. Judged after the first fifth (warm-up): its growth extrapolated per hour, CPU and redraws of the
last third against the first third.

    python bench/long/holding_soak.py [--minutes 480] [--interval 30] [--short]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.long.verdict import finish  # noqa: E402
from bench.ui import procstat  # noqa: E402
from bench.ui.kiosk_run import KioskFailed, KioskRun, app_available  # noqa: E402
from bench.ui.xserver import Xvfb  # noqa: E402

NAME = "long-holding-soak"
GROWTH_LIMIT_MIB_PER_HOUR = 2.0
DRIFT_LIMIT = 1.25


def uss_mib(pid: int) -> float:
    """Private dirty memory plus swap of the process tree: what a leak grows. PSS moves whenever other programs
    map the same libraries, and clean private pages come and go under memory pressure; these do not."""
    total = 0
    for p in procstat.tree(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in text.splitlines() if line.startswith(("Private_Dirty:", "Swap:")))
    return total / 1024


def slope_per_hour(times: list[float], values: list[float]) -> float:
    mt, mv = statistics.mean(times), statistics.mean(values)
    den = sum((t - mt) ** 2 for t in times)
    return 0.0 if den == 0 else sum((t - mt) * (v - mv) for t, v in zip(times, values)) / den * 3600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=480.0)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--short", action="store_true", help="3 minutes, a sample every 10 s")
    args = parser.parse_args()
    minutes, interval = (3.0, 10.0) if args.short else (args.minutes, args.interval)
    why_not = app_available() or (None if shutil.which("Xvfb") else "missing Xvfb (apt-get install xvfb)")
    if why_not:
        return finish(NAME, False, f"not run: {why_not}", short=args.short)
    rows = []
    try:
        with Xvfb() as x, KioskRun(x.env(), phase="holding") as kiosk:
            kiosk.wait_first_frame()
            started = time.monotonic()
            app, server, flips = procstat.sample(kiosk.pid), procstat.sample(x.pid), kiosk.flips()
            while time.monotonic() - started < minutes * 60:
                time.sleep(interval)
                app2, server2, flips2 = procstat.sample(kiosk.pid), procstat.sample(x.pid), kiosk.flips()
                pss = uss_mib(kiosk.pid)
                cpu = procstat.cpu_share(app, app2) + procstat.cpu_share(server, server2)
                redraws = (flips2.count - flips.count) / (app2.wall - app.wall)
                rows.append((app2.wall - started, pss, cpu, redraws))
                print(f"  {rows[-1][0] / 60:6.1f} min: private dirty + swap {pss:6.1f} MiB, CPU {cpu * 100:4.1f} %, "
                      f"{redraws:4.2f} redraws/s", flush=True)
                app, server, flips = app2, server2, flips2
    except KioskFailed as exc:
        return finish(NAME, False, f"not run: the kiosk screen cannot run: {str(exc).splitlines()[0]}", short=args.short)
    judged = rows[len(rows) // 5:]
    third = max(1, len(judged) // 3)
    growth = slope_per_hour([r[0] for r in judged], [r[1] for r in judged])
    cpu_first, cpu_last = (statistics.mean(r[2] for r in judged[:third]), statistics.mean(r[2] for r in judged[-third:]))
    red_first, red_last = (statistics.mean(r[3] for r in judged[:third]), statistics.mean(r[3] for r in judged[-third:]))
    cpu_drift = cpu_last / cpu_first if cpu_first else float("nan")
    ok = growth <= GROWTH_LIMIT_MIB_PER_HOUR and cpu_drift <= DRIFT_LIMIT and red_last <= red_first * DRIFT_LIMIT
    figures = {"minutes": minutes, "samples": len(rows), "uss_first_mib": rows[0][1], "uss_last_mib": rows[-1][1],
               "uss_growth_mib_per_hour": growth, "cpu_first": cpu_first, "cpu_last": cpu_last,
               "redraws_first": red_first, "redraws_last": red_last}
    return finish(NAME, ok,
                  f"Holding for {minutes:g} min (real time, {len(rows)} samples): private dirty memory + swap {rows[0][1]:.1f} -> "
                  f"{rows[-1][1]:.1f} MiB, growth after warm-up {growth:+.2f} MiB/h (limit {GROWTH_LIMIT_MIB_PER_HOUR:g}); "
                  f"CPU {cpu_first * 100:.1f} % -> {cpu_last * 100:.1f} % of a core (drift {cpu_drift:.2f}x, limit "
                  f"{DRIFT_LIMIT}x); redraws {red_first:.2f} -> {red_last:.2f} /s"
                  + ("; a short run sees fast growth only, not a slow leak" if args.short else ""),
                  figures, args.short)


if __name__ == "__main__":
    sys.exit(main())
