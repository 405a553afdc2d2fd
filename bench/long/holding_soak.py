"""The Holding soak: the real kiosk showing Holding under Xvfb for hours: memory growth, CPU drift, redraws.

Compressed (the default): 8 hours of session time in minutes. A child process under its own Xvfb runs
the real app in a real window (kiosk.ui.rehearsal.Rehearsal: the KioskApp, its pacer, the Room on a
FakeClock, a real SQLite journal) and moves the room's clock and the app's visual clock together as
fast as the frames can be drawn: every room tick (one a second of session time) and every pacer wake
is followed by a frame, and Kivy flips exactly the frames the running kiosk would (those where a
canvas changed). Kivy's frame cap is lifted in the child (WindowSettings.max_fps=0): it drives the
frames itself. Every --sample-minutes of session time the parent samples the child's private dirty
memory + swap (what a leak grows), the CPU of the child and of the X server, and the frames flipped.
What compression cannot show: anything that runs on the wall clock (Kivy's idle loop, the button
link's heartbeats, the sync worker's timers) ran for the real minutes only; `--real` runs the
kiosk program itself (`kiosk run`) in real time for that.

Judged after the first fifth (warm-up): memory growth per hour of session time, CPU per hour of
session time and redraws per second of session time, last third against the first third.

    python bench/long/holding_soak.py [--hours 8] [--sample-minutes 10] [--short]
    python bench/long/holding_soak.py --real [--minutes 480] [--interval 30] [--short]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def judge(rows: list[tuple[float, float, float, float]]) -> tuple[bool, dict]:
    """rows of (session seconds, memory MiB, CPU, redraws per session second): growth per hour, drift."""
    judged = rows[len(rows) // 5:]
    third = max(1, len(judged) // 3)
    growth = slope_per_hour([r[0] for r in judged], [r[1] for r in judged])
    cpu_first, cpu_last = (statistics.mean(r[2] for r in judged[:third]), statistics.mean(r[2] for r in judged[-third:]))
    red_first, red_last = (statistics.mean(r[3] for r in judged[:third]), statistics.mean(r[3] for r in judged[-third:]))
    cpu_drift = cpu_last / cpu_first if cpu_first else float("nan")
    ok = growth <= GROWTH_LIMIT_MIB_PER_HOUR and cpu_drift <= DRIFT_LIMIT and red_last <= red_first * DRIFT_LIMIT
    return ok, {"samples": len(rows), "uss_first_mib": rows[0][1], "uss_last_mib": rows[-1][1],
                "uss_growth_mib_per_hour": growth, "cpu_first": cpu_first, "cpu_last": cpu_last, "cpu_drift": cpu_drift,
                "redraws_first": red_first, "redraws_last": red_last}


def real_time(minutes: float, interval: float, short: bool) -> int:
    """The kiosk program itself (`kiosk run`) under Xvfb, sampled on the wall clock."""
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
        return finish(NAME, False, f"not run: the kiosk screen cannot run: {str(exc).splitlines()[0]}", short=short)
    ok, figures = judge(rows)
    figures["minutes"] = minutes
    return finish(NAME, ok,
                  f"Holding for {minutes:g} min (real time, `kiosk run`, {len(rows)} samples): private dirty memory + "
                  f"swap {rows[0][1]:.1f} -> {rows[-1][1]:.1f} MiB, growth after warm-up "
                  f"{figures['uss_growth_mib_per_hour']:+.2f} MiB/h (limit {GROWTH_LIMIT_MIB_PER_HOUR:g}); "
                  f"CPU {figures['cpu_first'] * 100:.1f} % -> {figures['cpu_last'] * 100:.1f} % of a core (drift "
                  f"{figures['cpu_drift']:.2f}x, limit {DRIFT_LIMIT}x); redraws {figures['redraws_first']:.2f} -> "
                  f"{figures['redraws_last']:.2f} /s"
                  + ("; a short run sees fast growth only, not a slow leak" if short else ""),
                  figures, short)


# --- compressed: the app on a fast fake clock in a real window ------------------------------------------


def child(folder: Path, hours: float, sample_minutes: float, size: tuple[int, int]) -> int:
    """Runs under the parent's Xvfb: the real app in a Rehearsal; prints `SAMPLE <session s> <flips> <wakes>`."""
    from kiosk.launch import prepare_kivy

    prepare_kivy(folder / "kivy")
    from kiosk.ui.window import WindowSettings, configure

    configure(WindowSettings(size=size, fullscreen=False, kiosk=False, max_fps=0))
    from kiosk.clock import FakeClock
    from kiosk.config import Config, DisplayConfig, PathsConfig
    from kiosk.session.plan import Phase, Plan
    from kiosk.station import Station
    from kiosk.ui.rehearsal import Rehearsal

    seconds = hours * 3600
    # a holding time as long as the soak, so the progress arc moves all along and the cues come near its end
    plan = Plan("Soak", opening=300, holding=seconds + 60, closing=300)
    config = Config(room="Soak room", plans=(plan,), paths=PathsConfig(data=folder / "data"),
                    display=DisplayConfig(fullscreen=False))
    clock = FakeClock()
    station = Station(config, clock=clock)
    rehearsal = Rehearsal(station, clock, size=size).start()
    try:
        station.room.begin()
        station.room.continue_to_holding()
        rehearsal.advance(10)  # the scene change and the shape appearing
        if rehearsal.app.view.phase is not Phase.HOLDING:
            print(f"ERROR the room is in {rehearsal.app.view.phase}, not Holding", flush=True)
            return 1
        rehearsal.frames_each_wake = True  # a frame after every wake and tick, as the running kiosk's loop would
        app, done, step = rehearsal.app, 0.0, sample_minutes * 60
        print(f"SAMPLE 0 {app.flips} {app.pacer.wakes}", flush=True)
        while done < seconds - 1e-6:
            chunk = min(step, seconds - done)
            rehearsal.advance(chunk, draw=False)
            done += chunk
            print(f"SAMPLE {done:.0f} {app.flips} {app.pacer.wakes}", flush=True)
        if app.view.phase is not Phase.HOLDING:
            print(f"ERROR the room left Holding for {app.view.phase}", flush=True)
            return 1
    finally:
        rehearsal.close()
        station.stop()
    return 0


def compressed(hours: float, sample_minutes: float, short: bool) -> int:
    rows = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, Xvfb() as x:
        command = [sys.executable, __file__, "--child", tmp, "--hours", str(hours),
                   "--sample-minutes", str(sample_minutes)]
        process = subprocess.Popen(command, env=x.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        tail: list[str] = []
        last = None
        assert process.stdout is not None
        for line in process.stdout:
            if not line.startswith("SAMPLE "):
                tail = (tail + [line.rstrip()])[-15:]
                continue
            session, flips, _wakes = (float(v) for v in line.split()[1:4])
            now = (procstat.sample(process.pid), procstat.sample(x.pid), session, flips, uss_mib(process.pid))
            if last is not None:
                app, server, session0, flips0, _ = last
                cpu_s = (procstat.cpu_share(app, now[0]) * (now[0].wall - app.wall)
                         + procstat.cpu_share(server, now[1]) * (now[1].wall - server.wall))
                hours_done = (session - session0) / 3600
                rows.append((session, now[4], cpu_s / hours_done, (flips - flips0) / (session - session0)))
                print(f"  {session / 3600:5.2f} h of session ({(time.monotonic() - started) / 60:5.1f} min real): "
                      f"private dirty + swap {now[4]:6.1f} MiB, CPU {cpu_s / hours_done:5.1f} s per session hour, "
                      f"{rows[-1][3]:4.2f} redraws per session second", flush=True)
            last = now
        code = process.wait()
    real_minutes = (time.monotonic() - started) / 60
    if code != 0 or len(rows) < 3:
        why = next((t for t in tail if t.startswith("ERROR")), None) or (tail[-1] if tail else "no output")
        return finish(NAME, False, f"not run to the end: the soak's app exited with {code} after {len(rows)} samples: "
                      f"{why}", short=short)
    ok, figures = judge(rows)
    figures.update(hours=hours, real_minutes=real_minutes, speed=hours * 60 / real_minutes)
    return finish(NAME, ok,
                  f"Holding for {hours:g} h of session time compressed into {real_minutes:.1f} min "
                  f"({figures['speed']:.0f}x: the real app and window, the room and the pacer on a fast clock, "
                  f"{len(rows)} samples): private dirty memory + swap {rows[0][1]:.1f} -> {rows[-1][1]:.1f} MiB, growth "
                  f"after warm-up {figures['uss_growth_mib_per_hour']:+.2f} MiB per session hour (limit "
                  f"{GROWTH_LIMIT_MIB_PER_HOUR:g}); CPU {figures['cpu_first']:.1f} -> {figures['cpu_last']:.1f} s per "
                  f"session hour (drift {figures['cpu_drift']:.2f}x, limit {DRIFT_LIMIT}x); redraws "
                  f"{figures['redraws_first']:.2f} -> {figures['redraws_last']:.2f} per session second"
                  + ("; a short run sees fast growth only, not a slow leak" if short else ""),
                  figures, short)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=8.0, help="session time, compressed (default 8)")
    parser.add_argument("--sample-minutes", type=float, default=10.0, help="session minutes per sample (default 10)")
    parser.add_argument("--real", action="store_true", help="the kiosk program in real time instead")
    parser.add_argument("--minutes", type=float, default=480.0, help="with --real: real minutes (default 480)")
    parser.add_argument("--interval", type=float, default=30.0, help="with --real: seconds per sample (default 30)")
    parser.add_argument("--short", action="store_true",
                        help="compressed: 1 hour, a sample every 2 minutes; --real: 3 minutes, a sample every 10 s")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.hours, args.sample_minutes, (800, 480))
    why_not = app_available() or (None if shutil.which("Xvfb") else "missing Xvfb (apt-get install xvfb)")
    if why_not:
        return finish(NAME, False, f"not run: {why_not}", short=args.short)
    if args.real:
        minutes, interval = (3.0, 10.0) if args.short else (args.minutes, args.interval)
        return real_time(minutes, interval, args.short)
    hours, sample = (1.0, 2.0) if args.short else (args.hours, args.sample_minutes)
    return compressed(hours, sample, args.short)


if __name__ == "__main__":
    sys.exit(main())
