"""A frozen screen stops the watchdog keep-alive, and systemd's notify socket sees it stop.

The real KioskApp and Station run in a subprocess (offscreen) with NOTIFY_SOCKET pointing at a real
AF_UNIX datagram socket this test listens on, as systemd's would. The UI thread is then blocked on
purpose while a background thread of the same process keeps running: the pings must stop anyway,
because they come from the UI's main loop, not from any thread that happens to be alive.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.deploy.conftest import REPO

WATCHDOG_SECONDS = 3.0   # what WatchdogSec would be; the unit ships 30 s
FREEZE_AFTER, FREEZE_FOR = 5.0, 2 * WATCHDOG_SECONDS


class NotifyListener:
    """What systemd receives on NOTIFY_SOCKET: each datagram with its CLOCK_MONOTONIC arrival time."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def times(self, message: str) -> list[float]:
        return [t for t, m in self.messages if m == message]


def systemd_would_restart(pings: list[float], start: float, end: float, limit: float) -> float | None:
    """When systemd's watchdog would fire: the first moment `limit` seconds pass without a ping."""
    last = start
    for t in [p for p in pings if start <= p <= end] + [end]:
        if t - last > limit:
            return last + limit
        last = t
    return None


def test_a_frozen_ui_stops_the_keepalive_while_the_process_lives_on(tmp_path):
    listener = NotifyListener(tmp_path / "notify")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.update(SDL_VIDEODRIVER="offscreen", SDL_AUDIODRIVER="dummy", HOME=str(tmp_path), PYTHONPATH=str(REPO),
               NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC=str(int(WATCHDOG_SECONDS * 1e6)))
    try:
        out = subprocess.run([sys.executable, str(REPO / "tests/deploy/frozen_kiosk.py"), str(tmp_path / "data"),
                              str(FREEZE_AFTER), str(FREEZE_FOR)], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=120)
        time.sleep(0.3)
    finally:
        listener.close()
    assert out.returncode == 0, out.stderr[-3000:]
    marks: dict[str, list[float]] = {}
    for line in out.stdout.splitlines():
        word, _, t = line.partition(" ")
        marks.setdefault(word, []).append(float(t))
    frozen, thawed = marks["FREEZE"][0], marks["THAW"][0]
    pings = listener.times("WATCHDOG=1")
    ready = listener.times("READY=1")

    assert ready and ready[0] < frozen
    before = [p for p in pings if p < frozen]
    assert len(before) >= 2, listener.messages
    assert systemd_would_restart(pings, before[0], frozen, WATCHDOG_SECONDS) is None   # fed often enough

    during = [p for p in pings if frozen < p < thawed]
    assert during == [], "pings came while the UI thread was frozen"
    alive_during = [t for t in marks["ALIVE"] if frozen < t < thawed]
    assert len(alive_during) >= 4                                   # the process itself was alive all along
    fired = systemd_would_restart(pings, before[0], thawed, WATCHDOG_SECONDS)
    assert fired is not None and frozen < fired <= frozen + WATCHDOG_SECONDS

    after = [p for p in pings if p > thawed]
    assert after and after[0] - thawed < WATCHDOG_SECONDS          # a thawed UI feeds it again
    assert listener.times("STOPPING=1")
