"""The test plays the firmware help button (deploy/button/main.py) on the master end of a pty.

Like the Pico it says HELLO when the kiosk opens the port, sends PING every
second, sends HELP on a press, and keeps every `LED ...` command the kiosk
writes back. The kiosk opens the slave end through a symlink, as udev's
/dev/kiosk-button rule would give it.
"""

from __future__ import annotations

import os
import select
import threading
import time
from pathlib import Path

PING_SECONDS = 1.0


class PicoOnPty:
    def __init__(self, link_path: Path, model: str = "pico-help", version: str = "1.0") -> None:
        self.master, self._slave = os.openpty()
        self.path = Path(link_path)
        self.path.symlink_to(os.ttyname(self._slave))
        self.hello = f"HELLO {model} {version}\r\n".encode()
        self._received = b""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "PicoOnPty":
        """Call once the kiosk has the port open: the kiosk sets it raw, so nothing echoes back."""
        self._write(self.hello)
        self._thread = threading.Thread(target=self._run, name="test-pico", daemon=True)
        self._thread.start()
        return self

    def press(self) -> None:
        self._write(b"HELP\r\n")

    def led_commands(self) -> list[str]:
        with self._lock:
            return [line.strip() for line in self._received.decode("ascii", "replace").splitlines()
                    if line.startswith("LED ")]

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.path.unlink(missing_ok=True)

    def _write(self, data: bytes) -> None:
        os.write(self.master, data)

    def _run(self) -> None:
        next_ping = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_ping:
                self._write(b"PING\r\n")
                next_ping = now + PING_SECONDS
            readable, _, _ = select.select([self.master], [], [], min(0.05, max(0.0, next_ping - now)))
            if readable:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    return
                with self._lock:
                    self._received += chunk
