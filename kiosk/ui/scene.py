"""Run the kiosk straight into one scene, for benches and end-to-end tests.

    python -m kiosk.ui.scene holding --windowed [--seconds 30] [--warmup 5] [--profile calm]
                             [--size 800x480] [--data DIR] [--minutes]

Scenes: welcome, opening, holding, closing, thankyou. The session is begun
(and moved on) through the Room on the real clock, so the scene is exactly
what `kiosk run` shows at that point. With --seconds the app quits by itself
and prints one line of counts measured after --warmup:

    scene=holding size=800x480 seconds=30.0 flips=57 flips_per_s=1.90 draws=57 wakes=58

flips are full window redraws (the CPU bill). It also prints `first_frame
<seconds since start>` when the first frame is on screen. Without a display
it says so and exits 2 (SDL_VIDEODRIVER=offscreen is respected).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from kiosk.launch import display_problem, prepare_kivy

STARTED = time.monotonic()
SCENES = ("welcome", "opening", "holding", "closing", "thankyou")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m kiosk.ui.scene", description="Run the kiosk in one scene.")
    p.add_argument("scene", choices=SCENES)
    p.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    p.add_argument("--size", default="800x480", help="window size WIDTHxHEIGHT when windowed (default 800x480)")
    p.add_argument("--seconds", type=float, default=None, help="quit after this many seconds and print counts")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds not counted at the start (default 3)")
    p.add_argument("--profile", default="calm", choices=("calm", "silent", "still", "high_contrast"))
    p.add_argument("--minutes", action="store_true", help="show minutes left")
    p.add_argument("--data", type=Path, default=None, help="data folder (default: a new temporary one)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"--size {args.size!r} is not WIDTHxHEIGHT, such as 800x480", file=sys.stderr)
        return 2
    data = args.data or Path(tempfile.mkdtemp(prefix="kiosk-scene-"))
    prepare_kivy(data / "kivy")
    from kiosk.ui.window import WindowSettings, configure

    configure(WindowSettings(size=(w, h), fullscreen=not args.windowed, kiosk=not args.windowed))

    from kivy.clock import Clock

    from kiosk.config import Config, DisplayConfig, PathsConfig
    from kiosk.session.plan import Plan
    from kiosk.station import Station
    from kiosk.ui.app import KioskApp

    config = Config(room="Bench room", plans=(Plan("Bench", opening=3600, holding=3600, closing=3600),),
                    display=DisplayConfig(profile=args.profile, show_minutes=args.minutes,
                                          fullscreen=not args.windowed),
                    paths=PathsConfig(data=data))
    station = Station(config)
    station.start()
    room = station.room
    if args.scene != "welcome":
        room.begin()
        if args.scene == "holding":
            room.continue_to_holding()
        elif args.scene == "closing":
            room.go_to_closing()
        elif args.scene == "thankyou":
            room.end_session()
    app = KioskApp(station, kiosk_mode=not args.windowed)
    counts: dict[str, float] = {}

    def first_frame(*_) -> None:
        print(f"first_frame {time.monotonic() - STARTED:.3f}", flush=True)
        app.first_frame_callbacks.clear()

    def start_counting(_dt) -> None:
        counts.update(t=time.monotonic(), flips=app.flips, draws=app.draws, wakes=app.pacer.wakes)

    def finish(_dt) -> None:
        secs = time.monotonic() - counts["t"]
        flips = app.flips - counts["flips"]
        print(f"scene={args.scene} size={w}x{h} seconds={secs:.1f} flips={flips} "
              f"flips_per_s={flips / secs:.2f} draws={app.draws - counts['draws']} "
              f"wakes={app.pacer.wakes - counts['wakes']}", flush=True)
        app.stop()

    app.first_frame_callbacks.append(first_frame)
    if args.seconds is not None:
        Clock.schedule_once(start_counting, args.warmup)
        Clock.schedule_once(finish, args.warmup + args.seconds)
    try:
        app.run()
    finally:
        station.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
