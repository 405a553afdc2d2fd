"""Kill a writer with SIGKILL at random moments: every event it reported committed must survive."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path

from kiosk.clock import FakeClock
from kiosk.store.journal import Journal

from tests.store.crash_child import WritingChild

KILLS = 200


def run_and_kill(db: Path, seed: int, rng: random.Random) -> set[int]:
    child = WritingChild(db, seed)
    assert child.wait_ready(30), "the crash child never opened its journal"
    threading.Event().wait(rng.uniform(0.0, 0.06))
    child.kill()
    return child.reaped()


def test_every_reported_event_survives_sigkill(tmp_path: Path):
    db = tmp_path / "kiosk.sqlite3"
    rng = random.Random(20261125)
    reported_all: set[int] = set()
    for kill in range(KILLS):
        reported_all |= run_and_kill(db, kill, rng)
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"after kill {kill}"
            present = {row[0] for row in con.execute("SELECT seq FROM event")}
        finally:
            con.close()
        missing = reported_all - present
        assert not missing, f"after kill {kill}: {len(missing)} committed events lost, e.g. {sorted(missing)[:5]}"
    assert len(reported_all) > KILLS, "the child should have committed events between kills"

    journal = Journal(db, FakeClock())
    try:
        seqs = [r.seq for r in journal.records()]
        assert len(seqs) == len(set(seqs))
        last = max(seqs)
        assert journal.append("after", {}).result(timeout=10).seq == last + 1
    finally:
        journal.close()
