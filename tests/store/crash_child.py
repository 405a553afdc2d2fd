"""The writing child of the crash runs (tests/store/test_crash.py, bench/long/kill.py, bench/long/powercut.py).

Run as `python -m tests.store.crash_child DB SEED [--synchronous N] [--session ID]`: it opens the real
Journal, says "ready", then appends events in bursts and prints each seq once its commit returned,
until it is killed. `WritingChild` starts one and reads what it reported; the caller chooses the moment
and the manner of the kill.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(path: str, seed: int, synchronous: int | None = None, session_id: str = "crash") -> None:
    from kiosk.store import database

    if synchronous is not None:  # the power-cut control runs the writer with synchronous=NORMAL
        database.PRAGMAS["synchronous"] = synchronous
    from kiosk.clock import SystemClock
    from kiosk.store.journal import Journal

    rng = random.Random(seed)
    journal = Journal(path, SystemClock())
    print("ready", flush=True)
    while True:
        burst = [journal.append("test.tick", {"n": i, "pad": "x" * rng.randint(0, 400)}, session_id=session_id)
                 for i in range(rng.randint(1, 30))]
        for future in burst:
            print(future.result().seq, flush=True)


class WritingChild:
    """A crash child started on `db`; the seqs it reported committed are read on a thread."""

    def __init__(self, db: Path, seed: int, *, synchronous: int | None = None, session_id: str = "crash",
                 stderr: int | None = None) -> None:
        command = [sys.executable, "-m", "tests.store.crash_child", str(db), str(seed), "--session", session_id]
        if synchronous is not None:
            command += ["--synchronous", str(synchronous)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                        bufsize=1)
        self.reported: set[int] = set()
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            line = line.strip()
            if line == "ready":
                self.ready.set()
            elif line.isdigit():
                self.reported.add(int(line))

    def wait_ready(self, timeout: float) -> bool:
        """True once the child opened its journal; False (and the child killed) if it did not in time."""
        if self.ready.wait(timeout):
            return True
        self.process.kill()
        return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    def reaped(self) -> set[int]:
        """After the kill: wait for the child, read what it printed, and return every seq it reported."""
        self.process.wait(10)
        self._reader.join(10)
        self.process.stdout.close()
        return self.reported


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db")
    parser.add_argument("seed", type=int)
    parser.add_argument("--synchronous", type=int)
    parser.add_argument("--session", default="crash")
    args = parser.parse_args()
    main(args.db, args.seed, args.synchronous, args.session)
