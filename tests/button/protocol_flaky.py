"""A pyserial URL handler, `flaky://NAME`: a serial device that opens, then fails at its first ioctl.

The reconnect storm seen in the field: the USB device enumerates and opens,
and its first `TIOCINQ` ioctl (pyserial's `in_waiting`) or read fails with
EIO, every time. Register it with
`serial.protocol_handler_packages.append("tests.button")`; the far end
(`Device`, looked up by NAME in DEVICES) is `broken` until the test mends
it. A mended device is a firmware button that says PING once per open, then
is quiet (a read waits out its timeout, or until `cancel_read`).
"""

from __future__ import annotations

import errno
import threading

from tests.button.fakeport import FakePort, FarEnd


class Device(FarEnd):
    def __init__(self, broken: bool = True, says: bytes = b"PING\n") -> None:
        super().__init__()
        self.broken = broken
        self.says = says


DEVICES: dict[str, Device] = {}


class Serial(FakePort):
    far_ends = DEVICES

    def _opened(self, far: Device) -> None:
        self._cancel = threading.Event()
        self._pending = b"" if far.broken else far.says

    def _check(self) -> None:
        self._must_be_open()
        if self.far.broken:
            raise OSError(errno.EIO, "Input/output error")

    @property
    def in_waiting(self) -> int:
        self._check()
        return len(self._pending)

    def read(self, size: int = 1) -> bytes:
        self._check()
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        self._cancel.wait(self._timeout or 0)
        self._cancel.clear()
        return b""

    def write(self, data: bytes) -> int:
        self._check()
        return len(data)

    def cancel_read(self) -> None:
        self._cancel.set()
