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
import threading
from collections import deque
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException


class Adapter:
    def __init__(self, step: float = 0.01) -> None:
        self.plugged = True
        self.broken = False
        self.switch_closed = False
        self.script: deque[bool] = deque()
        self.open_ports = 0
        self.opens = 0
        self.now = 1000.0
        self.step = step
        self.lock = threading.Lock()

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


class Serial(SerialBase):
    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        name = urlsplit(self.port).netloc
        adapter = ADAPTERS.get(name)
        if adapter is None or not adapter.plugged:
            raise SerialException(errno.ENOENT, f"could not open port {self.port}: [Errno 2] No such file or directory")
        self._adapter = adapter
        with adapter.lock:
            adapter.open_ports += 1
            adapter.opens += 1
        self.is_open = True

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            with self._adapter.lock:
                self._adapter.open_ports -= 1

    def _line(self, source_high: bool) -> bool:
        if not self.is_open:
            raise PortNotOpenError()
        if not self._adapter.plugged or self._adapter.broken:
            raise OSError(errno.EIO, "Input/output error")
        return self._adapter.sample() and source_high

    @property
    def cts(self) -> bool:
        return self._line(self._rts_state)

    @property
    def dsr(self) -> bool:
        return self._line(self._dtr_state)

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return False

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        return b""

    def write(self, data: bytes) -> int:
        return len(data)

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass

    def cancel_read(self) -> None:
        pass

    def _reconfigure_port(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass
