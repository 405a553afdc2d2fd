"""A pyserial URL handler, `fakemodem://NAME`: a USB-serial adapter with a switch on CTS/DSR.

Pseudo-terminals have no modem lines, so modem-line mode is tested through
this. Register it with `serial.protocol_handler_packages.append("tests.button")`.
The far end (`Adapter`, looked up by NAME in ADAPTERS) is wired as the
deploy notes say: the switch joins RTS to CTS and DTR to DSR, so a line
reads closed only while the kiosk drives its source high. Each read of a
line can take the next level from a script and advances a fake clock by
one poll step, so debounce tests do not depend on thread timing. A
`broken` adapter opens and then fails its first modem-line ioctl with EIO.
"""

from __future__ import annotations

import errno
from collections import deque

from tests.button.fakeport import FakePort, FarEnd


class Adapter(FarEnd):
    def __init__(self, step: float = 0.01) -> None:
        super().__init__()
        self.plugged = True
        self.broken = False
        self.switch_closed = False
        self.script: deque[bool] = deque()
        self.now = 1000.0
        self.step = step

    def monotonic(self) -> float:
        with self.lock:
            return self.now

    def press_for(self, samples: int, then_open: int = 5) -> None:
        with self.lock:
            self.script.extend([True] * samples + [False] * then_open)

    def sample(self) -> bool:
        with self.lock:
            self.now += self.step
            if self.script:
                self.switch_closed = self.script.popleft()
            return self.switch_closed

    def idle(self) -> bool:
        with self.lock:
            return not self.script


ADAPTERS: dict[str, Adapter] = {}


class Serial(FakePort):
    far_ends = ADAPTERS

    def _reachable(self, far: Adapter) -> bool:
        return far.plugged

    def _line(self, source_high: bool) -> bool:
        self._must_be_open()
        if not self.far.plugged or self.far.broken:
            raise OSError(errno.EIO, "Input/output error")
        return self.far.sample() and source_high

    @property
    def cts(self) -> bool:
        return self._line(self._rts_state)

    @property
    def dsr(self) -> bool:
        return self._line(self._dtr_state)
