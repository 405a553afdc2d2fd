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


def test_closing_behind_a_stuck_writer_and_a_full_queue_gives_up_and_names_the_journal(tmp_path: Path, caplog):
    path = tmp_path / "kiosk.sqlite3"
    journal = Journal(path, FakeClock(), max_queued=1)
    inside, release = threading.Event(), threading.Event()
    try:
        journal.write(lambda: (inside.set(), release.wait(30)))
        assert inside.wait(10), "the writer never took the stuck write"
        journal.write(lambda: None)  # the one place in the queue, taken
        with caplog.at_level("ERROR", logger="kiosk.store.journal"):
            journal.close(timeout=0.05)
        assert f"the journal writer for {path} is stuck; closing without it" in [r.getMessage() for r in caplog.records]
    finally:
        release.set()
