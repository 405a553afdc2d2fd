"""The real kiosk screen with its real Station and watchdog, whose UI thread is frozen on purpose.

    python tests/deploy/frozen_kiosk.py DATA_DIR FREEZE_AFTER FREEZE_FOR

Run by test_watchdog_freeze.py with NOTIFY_SOCKET and WATCHDOG_USEC set, offscreen. Prints
`FREEZE t`, `THAW t` and, from a background thread that keeps running, `ALIVE t` (t: CLOCK_MONOTONIC,
the same clock in every process), so the test can line the pings up with what happened.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from kiosk.config import Config, PathsConfig
from kiosk.launch import prepare_kivy


def say(word: str) -> None:
    print(f"{word} {time.monotonic():.3f}", flush=True)


def main() -> int:
    data, freeze_after, freeze_for = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    config = Config(room="Room 3", pin="4826", paths=PathsConfig(data=data))
    data.mkdir(parents=True, exist_ok=True)
    prepare_kivy(data / "kivy")

    from kiosk.station import Station

    station = Station(config)
    station.start()
    from kiosk.ui.window import WindowSettings, configure

    configure(WindowSettings(fullscreen=False, kiosk=False))
    from kivy.clock import Clock

    from kiosk.ui.app import KioskApp

    done = threading.Event()

    def alive() -> None:
        while not done.wait(0.25):
            say("ALIVE")

    def freeze(_dt) -> None:
        say("FREEZE")
        time.sleep(freeze_for)  # the UI thread stuck, as in a deadlock or a runaway draw
        say("THAW")
        Clock.schedule_once(lambda _dt: app.stop(), 2.5)

    app = KioskApp(station)
    threading.Thread(target=alive, daemon=True).start()
    Clock.schedule_once(freeze, freeze_after)
    try:
        app.run()
    finally:
        done.set()
        station.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
