"""Child process for the ownership tests: a kiosk that owns a data folder until told to stop."""

from __future__ import annotations

import sys

from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.room import Room
from kiosk.store.journal import Journal


def main(path: str) -> None:
    journal = Journal(path, SystemClock())
    room = Room(Config(), journal, SystemClock())
    room.begin()
    journal.flush()
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "append":
            print(journal.append("test.tick", {}, session_id=room.session.state.session_id).result(timeout=10).seq, flush=True)
        else:
            break
    journal.close()


if __name__ == "__main__":
    main(sys.argv[1])
