"""Print the input providers the real kiosk screen runs with, then stop (run by test_touch_input.py).

    python tests/deploy/input_providers.py DATA_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.config import Config, PathsConfig
from kiosk.launch import prepare_kivy


def main() -> int:
    data = Path(sys.argv[1])
    data.mkdir(parents=True, exist_ok=True)
    prepare_kivy(data / "kivy")
    from kiosk.station import Station

    station = Station(Config(room="Room 3", pin="4826", paths=PathsConfig(data=data)))
    station.start()
    from kiosk.ui.window import WindowSettings, configure

    configure(WindowSettings())  # as on the Pi: full screen, kiosk mode
    from kivy.base import EventLoop
    from kivy.clock import Clock

    from kiosk.ui.app import KioskApp

    app = KioskApp(station)

    def report(_dt) -> None:
        for provider in EventLoop.input_providers:
            print(f"PROVIDER {type(provider).__module__}.{type(provider).__name__} {provider.device}", flush=True)
        app.stop()

    Clock.schedule_once(report, 0.5)
    try:
        app.run()
    finally:
        station.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
