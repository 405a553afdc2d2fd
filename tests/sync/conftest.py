from __future__ import annotations

import socket
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
