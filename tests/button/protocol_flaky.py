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
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException


class Device:
    def __init__(self, broken: bool = True, says: bytes = b"PING\n") -> None:
        self.broken = broken
        self.says = says
        self.opens = 0
        self.open_ports = 0
        self.lock = threading.Lock()


DEVICES: dict[str, Device] = {}


class Serial(SerialBase):
    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        device = DEVICES.get(urlsplit(self.port).netloc)
        if device is None:
            raise SerialException(errno.ENOENT, f"could not open port {self.port}: [Errno 2] No such file or directory")
        self._device = device
        self._cancel = threading.Event()
        with device.lock:
            device.opens += 1
            device.open_ports += 1
            self._pending = b"" if device.broken else device.says
        self.is_open = True

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            with self._device.lock:
                self._device.open_ports -= 1

    def _check(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()
        if self._device.broken:
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
