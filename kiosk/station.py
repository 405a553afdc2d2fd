"""The running kiosk without its screen: journal, room, and the threads around them.

The button link (or the simulated button), the sync worker and the USB stick
watcher each run in their own thread, reach the session only through the Room, and stop
cleanly. The UI builds a Station, starts it, and stops it on exit.
"""

from __future__ import annotations

import logging
from typing import Protocol

from kiosk.clock import Clock, SystemClock
from kiosk.config import Config
from kiosk.export.sticks import StickWatcher
from kiosk.room import ALIVE_EVERY, Room
from kiosk.store.journal import Journal
from kiosk.watchdog import Watchdog

log = logging.getLogger(__name__)


class Service(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Station:
    def __init__(self, config: Config, clock: Clock | None = None, simulate_button: bool = False) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.journal = Journal(config.paths.database, self.clock)
        try:
            self.journal.claim()  # before the Room journals anything: a second kiosk is refused here
        except BaseException:
            self.journal.close()
            raise
        self.room = Room(config, self.journal, self.clock)
        self.simulate_button = simulate_button
        self.services: list[Service] = []
        self.simulated_button_path: str | None = None
        self.sync: Service | None = None
        self.sticks = StickWatcher(config.paths.usb_mount_root)
        self.watchdog = Watchdog()
        self._last_alive = float("-inf")
        self._ready_sent = False

    def heartbeat(self) -> None:
        """Call from the UI loop about once a second: pings systemd, and notes the kiosk is alive.

        The first call says READY: the kiosk is up when its screen is, not when its threads are.
        """
        if not self._ready_sent:
            self._ready_sent = True
            self.watchdog.ready()
        self.watchdog.ping()
        mono = self.clock.monotonic()
        if mono - self._last_alive >= ALIVE_EVERY:
            self._last_alive = mono
            self.room.alive()

    def start(self) -> None:
        if self.simulate_button:
            from kiosk.button.simulator import SimulatedButton

            sim = SimulatedButton(self.room, press=self.config.button.press,
                                  double_press_seconds=self.config.button.double_press_seconds)
            self.services.append(sim)
            self.simulated_button_path = sim.path
        elif self.config.button.url:
            from kiosk.button.link import ButtonLink

            self.services.append(ButtonLink(self.config.button, self.room))
        if self.config.hub.url:
            from kiosk.sync.worker import SyncWorker

            self.sync = SyncWorker(self.config.hub, self.room, self.clock)
            self.services.append(self.sync)
        self.services.append(self.sticks)
        for service in self.services:
            service.start()

    def stop(self) -> None:
        self.watchdog.stopping()
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("stopping %r failed", service)
        self.services.clear()
        self.journal.close()
