"""What the fake pyserial URL handlers share (protocol_fakemodem, protocol_flaky): a port that opens onto
a far end looked up by the URL's NAME (`scheme://NAME`), counts its opens, and takes the settings a real
port would hand to a driver without doing anything with them.

A handler module subclasses `FakePort` as its `Serial` (pyserial looks the class up by that name) and
says which far ends it knows (`far_ends`); a far end subclasses `FarEnd`.
"""

from __future__ import annotations

import errno
import threading
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException


class FarEnd:
    """The device behind a fake port: how often it was opened, how many ports are open on it now."""

    def __init__(self) -> None:
        self.opens = 0
        self.open_ports = 0
        self.lock = threading.Lock()


class FakePort(SerialBase):
    far_ends: dict[str, FarEnd] = {}

    def _reachable(self, far: FarEnd) -> bool:
        """False: the far end is known but cannot be opened now (unplugged)."""
        return True

    def _opened(self, far: FarEnd) -> None:
        """Called under the far end's lock once the port counts as open on it."""

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        far = self.far_ends.get(urlsplit(self.port).netloc)
        if far is None or not self._reachable(far):
            raise SerialException(errno.ENOENT, f"could not open port {self.port}: [Errno 2] No such file or directory")
        self.far = far
        with far.lock:
            far.opens += 1
            far.open_ports += 1
            self._opened(far)
        self.is_open = True

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            with self.far.lock:
                self.far.open_ports -= 1

    def _must_be_open(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()

    @property
    def cts(self) -> bool:
        return False

    @property
    def dsr(self) -> bool:
        return False

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

    def cancel_read(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass

    def _reconfigure_port(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass
