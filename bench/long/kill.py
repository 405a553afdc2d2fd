"""1,000 SIGKILLs of a writing kiosk journal: events lost, integrity, and the durability settings beside it.

A child process (tests/store/crash_child.py) appends events in bursts through the real Journal and prints
each seq once its commit returned; the parent kills it with SIGKILL at a random moment (0 to 60 ms after
it opened the journal), then checks the file: `PRAGMA integrity_check`, every reported seq present, no
seq twice, and that a new Journal resumes at the next seq.

What a kill does NOT test: fsync. After SIGKILL the kernel still holds the process's written pages and
writes them out; only a power cut (or a layer that drops unsynced writes, bench/README.md) loses what was
written but not synced. So this run also checks the setting that covers the power cut: the journal's
writer connection runs WAL with synchronous=FULL, which makes SQLite fsync the WAL at every commit
before the commit returns.

    python bench/long/kill.py [--kills 1000] [--short]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.long.verdict import finish  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.store.journal import Journal  # noqa: E402
from tests.store.crash_child import WritingChild  # noqa: E402

NAME = "long-kill"


def run_and_kill(db: Path, seed: int, rng: random.Random) -> set[int]:
    child = WritingChild(db, seed)
    if not child.wait_ready(60):
        raise RuntimeError("the writing child never opened its journal")
    time.sleep(rng.uniform(0.0, 0.06))
    child.kill()
    return child.reaped()


def durability(db: Path) -> dict:
    """The settings of the connection that commits (the journal's writer thread), not just any connection."""
    journal = Journal(db, FakeClock())
    try:
        def pragmas():
            con = journal.db.connection()
            return {name: con.execute(f"PRAGMA {name}").fetchone()[0] for name in ("journal_mode", "synchronous")}
        on_writer = journal.write(pragmas).result(timeout=30)
        last = max(r.seq for r in journal.records())
        resumed = journal.append("long.after", {}).result(timeout=30).seq == last + 1
    finally:
        journal.close()
    return {**on_writer, "resumes_at_next_seq": resumed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--short", action="store_true", help="100 kills (a few minutes)")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    kills = 100 if args.short else args.kills
    rng = random.Random(args.seed)
    started = time.monotonic()
    reported_all: set[int] = set()
    lost: set[int] = set()
    bad_integrity: list[int] = []
    duplicates = 0
    with tempfile.TemporaryDirectory(prefix="long-kill-") as tmp:
        db = Path(tmp) / "kiosk.sqlite3"
        for kill in range(kills):
            reported_all |= run_and_kill(db, kill, rng)
            con = sqlite3.connect(db)
            try:
                if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    bad_integrity.append(kill)
                seqs = [row[0] for row in con.execute("SELECT seq FROM event")]
            finally:
                con.close()
            duplicates = max(duplicates, len(seqs) - len(set(seqs)))
            lost |= reported_all - set(seqs)
            if (kill + 1) % 50 == 0:
                print(f"  {kill + 1} kills: {len(reported_all)} events reported committed, {len(lost)} lost, "
                      f"{len(bad_integrity)} integrity failures ({time.monotonic() - started:.0f} s)", flush=True)
        settings = durability(db)
    seconds = time.monotonic() - started
    durable = settings["journal_mode"] == "wal" and settings["synchronous"] == 2
    ok = (not lost and not bad_integrity and not duplicates and settings["resumes_at_next_seq"] and durable
          and len(reported_all) > kills)
    figures = {"kills": kills, "reported_committed": len(reported_all), "lost": len(lost),
               "integrity_failures": len(bad_integrity), "duplicate_seqs": duplicates, **settings,
               "seconds": round(seconds, 1)}
    return finish(NAME, ok,
                  f"{kills} SIGKILLs of a writing journal in {seconds:.0f} s: {len(reported_all)} events reported "
                  f"committed, {len(lost)} lost, {len(bad_integrity)} integrity failures, {duplicates} duplicate seqs, "
                  f"resumes at the next seq: {settings['resumes_at_next_seq']}; writer connection "
                  f"journal_mode={settings['journal_mode']} synchronous={settings['synchronous']} "
                  f"({'FULL' if settings['synchronous'] == 2 else 'NOT FULL'}). A kill does not test fsync: "
                  "the power cut is covered by that setting, not by this run.", figures, args.short)


if __name__ == "__main__":
    sys.exit(main())
