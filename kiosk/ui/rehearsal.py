"""A rehearsal: the real app in the real (possibly offscreen) window, with time in our hands.

Tests, the screenshot script and benches use it: it builds the app without
App.run, moves the room's FakeClock and the app's visual clock together, wakes
the pacer exactly when it asked to be woken, and presses, holds and releases
real touches on real widgets. Frames are drawn only when asked (frame()).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
from kivy.tests.common import UnitTestTouch
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.clock import FakeClock
from kiosk.station import Station
from kiosk.ui.app import KioskApp
from kiosk.ui.chime import Chime, RecordingChime

TICK_SECONDS = 1.0


class Rehearsal:
    def __init__(self, station: Station, clock: FakeClock, chime: Chime | None = None,
                 size: tuple[int, int] | None = None, help_key: bool = False) -> None:
        self.station = station
        self.clock = clock
        self.t = 1000.0
        self._last_tick = self.t
        self._due: float | None = None
        self._wake: Callable[[], None] | None = None
        self.chime = chime or RecordingChime()
        self.size = size
        self.closed = False
        self.frames_each_wake = False
        self.app = KioskApp(station, now=lambda: self.t, chime=self.chime, schedule=self._schedule,
                            kiosk_mode=False, drive_clock=False, help_key=help_key)

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> "Rehearsal":
        EventLoop.ensure_window()
        if self.size is not None and tuple(Window.size) != tuple(self.size):
            Window.size = self.size
            EventLoop.idle()
        App._running_app = self.app
        root = self.app.build()
        self.app.root = root
        Window.add_widget(root)
        self.frame()
        return self

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.app.close_facilitator()
        for child in list(Window.children):
            if child is not self.app.root:
                Window.remove_widget(child)
        if self.app.root is not None:
            Window.remove_widget(self.app.root)
        self.frame()
        self.app.dispatch("on_stop")
        App._running_app = None

    def __enter__(self) -> "Rehearsal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # --- time ---------------------------------------------------------------------------

    def _schedule(self, callback: Callable[[], None], delay: float) -> Callable[[], None]:
        self._due = self.t + delay
        self._wake = callback

        def cancel() -> None:
            if self._wake is callback:
                self._due, self._wake = None, None
        return cancel

    def advance(self, seconds: float, draw: bool = True) -> None:
        """Let seconds pass: room ticks once a second, the pacer wakes when it asked to."""
        end = self.t + seconds
        while True:
            candidates = [end, self._last_tick + TICK_SECONDS]
            if self._due is not None:
                candidates.append(self._due)
            nxt = max(self.t, min(candidates))
            self.clock.advance(nxt - self.t)
            self.t = nxt
            if self._due is not None and self._due <= self.t + 1e-9:
                wake = self._wake
                self._due, self._wake = None, None
                if wake is not None:
                    wake()
                    if self.frames_each_wake:
                        self.frame()
            if self._last_tick + TICK_SECONDS <= self.t + 1e-9:
                self._last_tick = self.t
                self.app.pulse()
                if self.frames_each_wake:
                    self.frame()
            if self.t >= end - 1e-9:
                break
        if draw:
            self.frame()

    def until(self, condition: Callable[[], bool], limit: float, step: float = 1.0) -> bool:
        """Advance in steps until condition() holds (True) or limit seconds pass (False)."""
        waited = 0.0
        while not condition():
            if waited >= limit:
                return False
            self.advance(step, draw=False)
            waited += step
        self.frame()
        return True

    # --- frames and pixels ----------------------------------------------------------------

    def frame(self) -> None:
        EventLoop.idle()

    def pixels(self) -> tuple[int, int, bytes]:
        """The window's pixels as RGB rows, bottom row first (GL order), freshly drawn."""
        Window.dispatch("on_draw")
        w, h = Window.size
        return w, h, glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE)

    def screenshot(self, path: Path) -> Path:
        w, h, data = self.pixels()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png(w, h, data))
        return path

    # --- touches ---------------------------------------------------------------------------

    def press(self, widget) -> UnitTestTouch:
        self.frame()
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        return touch

    def release(self, touch: UnitTestTouch) -> None:
        touch.touch_up()
        self.frame()

    def hold(self, widget, seconds: float = 1.7) -> None:
        touch = self.press(widget)
        self.advance(seconds)
        self.release(touch)

    def tap(self, widget, seconds: float = 0.15) -> None:
        self.hold(widget, seconds)

    # --- finding things ----------------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        return self.app.screens.current_screen

    def widget(self, name: str) -> Widget:
        """A widget by id on the current screen (hold, shape, arc, ...) or on the stage (glyph)."""
        if name in self.screen.ids:
            return self.screen.ids[name]
        return self.app.root.ids[name]


def png(width: int, height: int, rgb_bottom_up: bytes) -> bytes:
    stride = width * 3
    rows = [rgb_bottom_up[y * stride:(y + 1) * stride] for y in range(height - 1, -1, -1)]
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
