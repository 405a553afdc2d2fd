from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.store.journal import Journal
from tests.export.journals import kiosk_config, run_sessions

CODE = "493817"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path, clock: FakeClock) -> Config:
    """A kiosk with three whole sessions in its journal."""
    config = kiosk_config(tmp_path / "data")
    run_sessions(config, clock, sessions=3)
    return config


class Served:
    """A download page on loopback with a known code; its journal is a real one beside it."""

    def __init__(self, config: Config, clock: FakeClock, code: str = CODE, port: int = 0, **kwargs) -> None:
        from kiosk.downloads.server import Downloads

        self.journal = Journal(config.paths.database, clock)
        self.downloads = Downloads(config, clock, self.note, host="127.0.0.1", port=port, make_code=lambda: code,
                                   ip=lambda: "192.168.1.23", **kwargs).start()
        self.url = f"http://127.0.0.1:{self.downloads.port}"

    def note(self, kind: str, payload: dict):
        return self.journal.append(kind, payload)

    def records(self, kind: str, wait: bool = False) -> list:
        """The journal's records of kind; with wait, until there is one (a download is journalled just
        after its last byte goes out)."""
        deadline = time.monotonic() + 10
        while True:
            self.journal.flush()
            found = self.journal.records(kinds=[kind])
            if found or not wait or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def close(self) -> None:
        self.downloads.close()
        self.journal.close()


@pytest.fixture
def served(config, clock):
    made: list[Served] = []

    def make(cfg: Config | None = None, **kwargs) -> Served:
        s = Served(cfg or config, clock, **kwargs)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()
