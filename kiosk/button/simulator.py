"""A help button for development: a pseudo-terminal that speaks the line protocol.

`kiosk run --simulate-button` prints the pty's path; a developer presses the
button with `echo HELP > /dev/pts/N` (also CANCEL, TEST, `HELLO sim 1`).
A shell writing to /dev/pts/N writes to the slave side, so the data arrives
on the master, which this class reads. It keeps its own slave descriptor
open so the pty stays alive between shell commands, and decodes with the
same decoder and press logic as the real link.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty

from kiosk.button.caller import HelpCaller, is_help_news
from kiosk.button.line import LineDecoder
from kiosk.button.pattern import PressPattern
from kiosk.language import _
from kiosk.room import Room
from kiosk.session.facts import Fact

log = logging.getLogger(__name__)


class SimulatedButton:
    def __init__(self, room: Room, press: str = "single", double_press_seconds: float = 0.8) -> None:
        self.room = room
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._wake_r, self._wake_w = os.pipe()
        self.decoder = LineDecoder()
        self.caller = HelpCaller(room, PressPattern(press, double_press_seconds), source="button",
                                 where={"url": self.path, "simulated": True})
        self._led = "OFF"
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> None:
        if self._thread is not None:
            return
        self.room.subscribe(self._on_facts)
        self.room.update_health(button_configured=True, button_ok=True,
                                button_detail=_("simulated button: echo HELP > {path}").format(path=self.path))
        self._thread = threading.Thread(target=self._run, name="button-simulator", daemon=True)
        self._thread.start()
        log.warning("simulated help button: press it with `echo HELP > %s`", self.path)

    def stop(self, timeout: float = 3.0) -> None:
        if self._closed:
            return
        self.room.unsubscribe(self._on_facts)
        if self._thread is not None:
            os.write(self._wake_w, b"x")
            self._thread.join(timeout)
            self._thread = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            os.close(fd)
        self._closed = True

    def _on_facts(self, facts: list[Fact]) -> None:
        if self._closed or not is_help_news(facts):
            return
        state = self.caller.current_led()
        if state != self._led:
            self._led = state
            log.info("simulated button LED: %s", state)

    def _run(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master, self._wake_r], [], [])
                if self._wake_r in ready:
                    return
                data = os.read(self._master, 1024)
                now = time.monotonic()
                for signal in self.decoder.feed(data):
                    self.caller.handle(signal, now)
            except Exception:
                log.exception("the simulated help button failed reading %s; it keeps listening", self.path)
                if self._wake_r in select.select([self._wake_r], [], [], 0.5)[0]:
                    return
