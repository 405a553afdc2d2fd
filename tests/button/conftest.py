"""Real rooms on real SQLite files, real pseudo-terminals, and a wait that polls a deadline."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

import pytest

from kiosk.clock import FakeClock
from kiosk.config import ButtonConfig, Config, PathsConfig
from kiosk.room import Room
from kiosk.session.facts import Fact
from kiosk.store.journal import Journal

from tests.button.replug import Pty


def wait_for(condition: Callable[[], object], timeout: float = 3.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.005)


class SimulatedTime:
    """The link's monotonic clock and its `wait` seam, moved by the test instead of by real time.

    A wait the thread makes moves the clock on by its length at once, as long
    as that stays within the horizon; a wait that would pass it parks the
    thread (really waiting, on the link's stop event) until the test moves
    the horizon with `run_until`. So a link thread lives through a simulated
    minute of reconnect backoff in a few real milliseconds.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.start = start
        self.now = start
        self.horizon = start
        self.waits: list[float] = []
        self.parked = False
        self.monotonic_calls = 0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            self.monotonic_calls += 1
            return self.now

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        while not stop.is_set():
            with self._lock:
                if self.now + seconds <= self.horizon:
                    self.now += seconds
                    self.waits.append(seconds)
                    self.parked = False
                    return stop.is_set()
                self.parked = True
            stop.wait(0.002)
        return True

    def advance(self, seconds: float) -> None:
        """Move the clock (what a thread busy reading sees next), and the horizon with it."""
        with self._lock:
            self.now += seconds
            self.horizon = max(self.horizon, self.now)

    def run_until(self, elapsed: float, timeout: float = 10.0) -> None:
        """Let the thread's waits run until `elapsed` simulated seconds since the start, then park it."""
        with self._lock:
            self.horizon = self.start + elapsed
            self.parked = False
        wait_for(lambda: self.parked, timeout=timeout, what=f"the link to reach {elapsed} simulated seconds")

    def release(self) -> None:
        """No horizon: the thread's waits pass at once (for a link about to open and stay open)."""
        with self._lock:
            self.horizon = float("inf")
            self.parked = False

    def hold(self) -> None:
        """The horizon back at the present: the thread's next wait parks it."""
        with self._lock:
            self.horizon = self.now

    def seen(self, reads: int = 3) -> None:
        """Wait (really, briefly) until the thread has read the clock a few more times."""
        mark = self.monotonic_calls
        wait_for(lambda: self.monotonic_calls >= mark + reads, what="the link to read the clock again")


@pytest.fixture
def pty() -> Iterator[Pty]:
    p = Pty()
    yield p
    p.close()


@pytest.fixture
def make_room(tmp_path: Path):
    """make_room(button=ButtonConfig(...)) -> (room, facts seen by a listener)."""
    journals: list[Journal] = []

    def make(button: ButtonConfig | None = None) -> tuple[Room, list[Fact]]:
        config = Config(button=button or ButtonConfig(url="loop://"), paths=PathsConfig(data=tmp_path))
        tmp_path.mkdir(parents=True, exist_ok=True)
        clock = FakeClock()
        journal = Journal(config.paths.database, clock)
        journals.append(journal)
        room = Room(config, journal, clock)
        seen: list[Fact] = []
        room.subscribe(seen.extend)
        return room, seen

    yield make
    for journal in journals:
        journal.close()


def kinds(room: Room, *wanted: str) -> list[str]:
    """Committed journal kinds, optionally only those named."""
    room.journal.write(lambda: None).result(timeout=5)
    return [r.kind for r in room.journal.records() if not wanted or r.kind in wanted]


def records(room: Room, kind: str):
    """Committed journal records of one kind (after everything appended so far has committed)."""
    room.journal.write(lambda: None).result(timeout=5)
    return room.journal.records(kinds=[kind])


def button(url: str, **changes) -> ButtonConfig:
    return replace(ButtonConfig(url=url), **changes)
