"""Child process for the crash test: appends events in bursts and reports each committed seq."""

from __future__ import annotations

import random
import sys

from kiosk.clock import SystemClock
from kiosk.store.journal import Journal


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    journal = Journal(path, SystemClock())
    print("ready", flush=True)
    while True:
        burst = [journal.append("test.tick", {"n": i, "pad": "x" * rng.randint(0, 400)}, session_id="crash")
                 for i in range(rng.randint(1, 30))]
        for future in burst:
            print(future.result().seq, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
