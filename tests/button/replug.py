"""A button on a pseudo-terminal that can be unplugged and plugged in again at a stable name.

The test (or bench/long/unplug.py) plays the button on the master side; `plug` points the stable name
(as /dev/kiosk-button) at a new pty the way udev would; `open_fds` is what a leak check counts.
"""

from __future__ import annotations

import os
import select
from pathlib import Path


class Pty:
    """A pseudo-terminal pair; closing it is unplugging the button."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self.closed = False

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read_available(self, timeout: float = 0.0) -> bytes:
        out = b""
        while select.select([self.master], [], [], timeout)[0]:
            chunk = os.read(self.master, 4096)
            if not chunk:
                break
            out += chunk
            timeout = 0.0
        return out

    def close(self) -> None:
        if not self.closed:
            os.close(self.master)
            os.close(self.slave)
            self.closed = True


def plug(link_path: Path, pty: Pty) -> None:
    """Point the stable name at a pty, the way udev would (an atomic symlink swap)."""
    tmp = link_path.with_name(link_path.name + ".new")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(pty.path)
    os.replace(tmp, link_path)


def open_fds() -> dict[str, str]:
    """This process's open file descriptors and what each points at."""
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    return out
