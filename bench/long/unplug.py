"""100 unplug/replug cycles of the help button through a real pty and a udev-like symlink, production timings.

Each cycle: the button (the master side of a pty) has spoken (PING); it is unplugged (both ends closed);
we time until the facilitator would see the fault (room.health.button_ok false, the glyph BUTTON_FAULT);
a new pty appears and the stable name (a symlink, as /dev/kiosk-button) is swapped to it atomically;
we time until the link is connected again and until the button is working (its first PING read).
ButtonLink runs with its shipped read timeout and backoff, so the times are the kiosk's, not a test's.
Before and after: this process's open file descriptors and threads. A call is pressed at the end.

    python bench/long/unplug.py [--cycles 100] [--short]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.long.verdict import finish  # noqa: E402
from kiosk.button.link import ButtonLink  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import ButtonConfig, Config, PathsConfig  # noqa: E402
from kiosk.room import Room  # noqa: E402
from kiosk.session import facts as F  # noqa: E402
from kiosk.session.glyph import Glyph  # noqa: E402
from kiosk.store.journal import Journal  # noqa: E402
from tests.button.replug import Pty, open_fds, plug  # noqa: E402

NAME = "long-unplug"
LIMIT = 20.0


def until(condition, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > LIMIT:
            raise TimeoutError(f"{what} did not happen within {LIMIT:.0f} s")
        time.sleep(0.001)
    return (time.monotonic() - started) * 1000


def tasks() -> int:
    return len(os.listdir("/proc/self/task"))


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--short", action="store_true", help="20 cycles")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the link's warning at each unplug is the point, 100 times over
    cycles = 20 if args.short else args.cycles
    with tempfile.TemporaryDirectory(prefix="long-unplug-") as tmp:
        path = Path(tmp) / "kiosk-button"
        config = Config(button=ButtonConfig(url=str(path)), paths=PathsConfig(data=Path(tmp)))
        clock = FakeClock()
        journal = Journal(config.paths.database, clock)
        room = Room(config, journal, clock)
        journal.records()
        journal.flush()
        gc.collect()
        current = Pty()
        plug(path, current)
        link = ButtonLink(config.button, room)
        fault, connect, working = [], [], []
        try:
            link.start()
            until(lambda: link.connected, "the first connect")
            current.write(b"PING\n")
            until(lambda: link.supervision.working, "the first PING")
            room.glyph(), room.help.open_call(), room.health.button_ok  # this thread's reads open their connection now
            journal.write(lambda: None).result(timeout=10)
            gc.collect()
            fds_before, tasks_before, threads_before = open_fds(), tasks(), threading.active_count()
            started = time.monotonic()
            for cycle in range(cycles):
                current.close()
                fault.append(until(lambda: not room.health.button_ok and room.glyph() is Glyph.BUTTON_FAULT,
                                   f"the fault after unplug {cycle + 1}"))
                until(lambda: not link.connected, f"the link noticing unplug {cycle + 1}")
                current = Pty()
                plug(path, current)
                connect.append(until(lambda: link.connects == cycle + 2, f"replug {cycle + 1}"))
                current.write(b"PING\n")
                working.append(connect[-1] + until(lambda: link.supervision.working and room.health.button_ok,
                                                   f"the button working after replug {cycle + 1}"))
                if (cycle + 1) % 10 == 0:
                    print(f"  {cycle + 1} cycles: fault p99 {p99(fault):.0f} ms, reconnect p99 {p99(connect):.0f} ms, "
                          f"fds {len(open_fds())}, threads {threading.active_count()}", flush=True)
            seconds = time.monotonic() - started
            gc.collect()
            fds_after, tasks_after, threads_after = open_fds(), tasks(), threading.active_count()
            current.write(b"HELP\n")
            until(lambda: room.help.open_call() is not None, "a help call after the last replug")
        finally:
            link.stop()
            current.close()
        disconnected = sum(1 for r in journal.records() if r.kind == F.BUTTON_DISCONNECTED)
        journal.close()
    kinds_of = lambda table: sorted(re.sub(r"pipe:\[\d+\]|/dev/pts/\d+", lambda m: m.group(0).split(":")[0].rstrip("0123456789"), t)
                                    for t in table.values())  # noqa: E731 - a new port has new pipe and pts numbers
    ok = (kinds_of(fds_after) == kinds_of(fds_before) and threads_after == threads_before and tasks_after == tasks_before
          and disconnected == cycles and link.outages == cycles)
    if kinds_of(fds_after) != kinds_of(fds_before):
        print(f"  descriptors that changed: before {sorted(set(fds_before.items()) - set(fds_after.items()))}, "
              f"after {sorted(set(fds_after.items()) - set(fds_before.items()))}")
    fds_before, fds_after = len(fds_before), len(fds_after)
    figures = {"cycles": cycles, "fault_p50_ms": statistics.median(fault), "fault_p99_ms": p99(fault),
               "reconnect_p50_ms": statistics.median(connect), "reconnect_p99_ms": p99(connect),
               "working_p99_ms": p99(working), "fds": [fds_before, fds_after], "threads": [threads_before, threads_after],
               "tasks": [tasks_before, tasks_after], "disconnects_journalled": disconnected, "seconds": round(seconds, 1)}
    return finish(NAME, ok,
                  f"{cycles} unplug/replug cycles in {seconds:.0f} s (shipped timings): fault shown p50 "
                  f"{statistics.median(fault):.0f} ms / p99 {p99(fault):.0f} ms, reconnect p50 "
                  f"{statistics.median(connect):.0f} ms / p99 {p99(connect):.0f} ms, working again p99 "
                  f"{p99(working):.0f} ms; fds {fds_before} -> {fds_after}, threads {threads_before} -> "
                  f"{threads_after}; {disconnected} disconnects journalled; a press after the last replug raised a call",
                  figures, args.short)


if __name__ == "__main__":
    sys.exit(main())
