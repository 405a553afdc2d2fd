from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config, HubConfig
from kiosk.room import Room
from kiosk.store.journal import Journal
from tests.sync.stubhub import StubHub


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> float:
    """Poll a condition against a deadline; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stub() -> StubHub:
    hub = StubHub().start()
    yield hub
    hub.stop()


@pytest.fixture
def make_room(tmp_path: Path, clock: FakeClock):
    journals: list[Journal] = []

    def make(url: str | None, token: str | None, name: str = "k", sync_seconds: float = 30.0) -> Room:
        journal = Journal(tmp_path / f"{name}.sqlite3", clock)
        journals.append(journal)
        config = Config(room=f"Room {name}", hub=HubConfig(url=url, token=token, sync_seconds=sync_seconds))
        return Room(config, journal, clock)

    yield make
    for j in journals:
        j.close()


def logged(caplog, logger: str) -> list[tuple[str, str]]:
    """(level name, message) of each record one logger wrote, in order."""
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == logger]


def append_many(journal: Journal, n: int, kind: str = "test.event") -> None:
    last = None
    for i in range(n):
        last = journal.append(kind, {"i": i})
    if last is not None:
        last.result(timeout=60)


@pytest.fixture
def refused_url() -> str:
    """A loopback address where connections are refused: the port is bound, never listened on."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{holder.getsockname()[1]}"
    holder.close()


def close_failing_in(monkeypatch, db, thread: str) -> list[str]:
    """Make the database's close fail (OSError) when the named thread calls it, as a busy or vanished file
    would; other threads close it for real. Returns the list of names of the threads whose close failed."""
    real_close = db.close
    failed_in: list[str] = []

    def close():
        if threading.current_thread().name == thread:
            failed_in.append(thread)
            raise OSError("database busy")
        return real_close()

    monkeypatch.setattr(db, "close", close)
    return failed_in


class HeldUp:
    """A wait (or pause) seam that holds every thread calling it until release(): a thread stuck somewhere
    that does not see its stop. `held` names the threads it holds, so a test stops them only once they are."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self._lock = threading.Lock()
        self._released = threading.Event()

    def __call__(self, event: threading.Event, timeout: float) -> bool:
        with self._lock:
            self.held.add(threading.current_thread().name)
        self._released.wait()
        return True

    def release(self) -> None:
        self._released.set()


class FakeTime:
    """Monotonic time and the wait, as the sync threads take them (their monotonic= and wait= seams).

    A wait shorter than block_over returns at once and moves this clock on, so a test sees every
    delay a thread asked for without anyone sleeping it. A longer one (an idle timer, a long
    backoff) blocks for real until its event is set, so an idle thread neither spins nor moves on.
    """

    def __init__(self, block_over: float = 20.0) -> None:
        self.block_over = block_over
        self.mono = 1000.0
        self.waits: list[tuple[str, float, float]] = []  # (thread name, asked, at)
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.mono

    def advance(self, seconds: float) -> None:
        """Time passes outside any wait (between a test's steps)."""
        with self._lock:
            self.mono += seconds

    def wait(self, event: threading.Event, timeout: float) -> bool:
        with self._lock:
            self.waits.append((threading.current_thread().name, timeout, self.mono))
            if timeout < self.block_over:
                self.mono += timeout
                return event.is_set()
        event.wait()
        return True

    def asked(self, thread: str) -> list[float]:
        """The waits one thread asked for, in order."""
        with self._lock:
            return [t for name, t, _ in self.waits if name == thread]

    def blocked(self, thread: str) -> bool:
        """Whether that thread's latest wait is one that blocks for real."""
        asked = self.asked(thread)
        return bool(asked) and asked[-1] >= self.block_over
