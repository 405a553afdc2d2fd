"""Flush waits for the writer, but no longer than it was given: a stuck writer is an error, not a hang."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.store.journal import Journal


def test_a_flush_behind_a_stuck_writer_gives_up_after_its_timeout(tmp_path: Path):
    journal = Journal(tmp_path / "kiosk.sqlite3", FakeClock())
    release = threading.Event()
    try:
        journal.write(lambda: release.wait(30))
        with pytest.raises(TimeoutError):
            journal.flush(timeout=0.05)
        release.set()
        journal.append("after", {})
        journal.flush()
        assert [r.kind for r in journal.records()] == ["after"]
    finally:
        release.set()
        journal.close()
