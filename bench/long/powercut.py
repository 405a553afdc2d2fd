"""Power cuts, simulated: a writing kiosk journal on a file system that loses every write not fsynced.

A SIGKILL (bench/long/kill.py) leaves the kernel's page cache intact, so it never tests fsync. Here the
journal lives on bench/long/dropfs.py, a FUSE layer that keeps written data in its own memory until the
file is fsynced. Each cycle: mount, a child appends events through the real Journal and prints each seq
once its commit returned, then the cut: the child and the file system are SIGKILLed together, unsynced
data is gone, and the synced state left in the backing folder is checked (integrity_check, every
reported seq present, the journal reopens and resumes at the next seq).

The control proves the layer really drops writes: the same cycles with the writer's connection set to
synchronous=NORMAL (WAL fsyncs only at checkpoints) must lose reported events. If the control loses
nothing, the run cannot tell durability from luck and the verdict says FAIL.

Device-mapper's dm-flakey (drop_writes) would be the classic layer; this machine's kernel has no
device-mapper driver (`dmsetup version`: "/dev/mapper/control: open failed"), and FUSE is here.

    python bench/long/powercut.py [--cycles 200] [--control 10] [--short]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.long.verdict import finish  # noqa: E402
from tests.store.crash_child import WritingChild  # noqa: E402

NAME = "long-powercut"
DROPFS = Path(__file__).resolve().parent / "dropfs.py"


def fuse_available() -> str | None:
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    try:
        import mfusepy  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"mfusepy cannot load ({exc}): pip install '.[bench]' and apt-get install fuse3"
    return None


class Mount:
    def __init__(self, backing: Path, point: Path) -> None:
        self.backing, self.point = backing, point
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Mount":
        self.point.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, str(DROPFS), str(self.backing), str(self.point)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not os.path.ismount(self.point):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dropfs did not mount: {self.process.stderr.read()[-500:]}")
            time.sleep(0.02)
        return self

    def cut(self) -> None:
        """The file system dies with everything it had not synced."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        subprocess.run(["umount", "-l", str(self.point)], capture_output=True)
        if os.path.ismount(self.point):
            subprocess.run(["fusermount3", "-u", "-z", str(self.point)], capture_output=True)

    def __exit__(self, *exc) -> None:
        self.cut()
        if self.process and self.process.stderr:
            self.process.stderr.close()


def cycle(backing: Path, point: Path, seed: int, rng: random.Random, synchronous: int) -> set[int]:
    with Mount(backing, point) as mount:
        writer = WritingChild(point / "kiosk.sqlite3", seed, synchronous=synchronous, session_id="cut",
                              stderr=subprocess.DEVNULL)
        if not writer.wait_ready(60):
            raise RuntimeError("the writer never opened its journal on the dropping file system")
        time.sleep(rng.uniform(0.1, 0.6))
        writer.kill()  # the cut: the writer and the file system at once
        mount.cut()
        return writer.reaped()


def check(db: Path) -> tuple[bool, set[int]]:
    con = sqlite3.connect(db)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        try:
            seqs = {row[0] for row in con.execute("SELECT seq FROM event")}
        except sqlite3.OperationalError as exc:  # the schema itself never reached the disk
            if "no such table" not in str(exc):
                raise
            seqs = set()
    finally:
        con.close()
    return ok, seqs


def series(work: Path, label: str, cycles: int, synchronous: int, rng: random.Random) -> dict:
    backing, point = work / f"{label}-backing", work / f"{label}-mnt"
    backing.mkdir(parents=True)
    reported_all: set[int] = set()
    lost_cycles, bad, lost, reported_total = 0, 0, set(), 0
    for n in range(cycles):
        got = cycle(backing, point, n, rng, synchronous)
        reported_total += len(got)
        reported_all |= got
        ok, present = check(backing / "kiosk.sqlite3")
        bad += not ok
        missing = reported_all - present
        if missing:
            lost_cycles += 1
        lost |= {(n, seq) for seq in missing}
        reported_all -= missing  # a lost seq is reused by the next writer; the rest must survive every later cut
        if (n + 1) % 10 == 0:
            print(f"  {label}: {n + 1} cuts, {len(lost)} reported events lost, {bad} integrity failures", flush=True)
    resumed = None
    if synchronous == 2:
        from kiosk.clock import FakeClock
        from kiosk.store.journal import Journal

        journal = Journal(backing / "kiosk.sqlite3", FakeClock())
        try:
            last = max(r.seq for r in journal.records())
            resumed = journal.append("after", {}).result(timeout=30).seq == last + 1
        finally:
            journal.close()
    return {"cuts": cycles, "reported": reported_total, "lost": len(lost),
            "cuts_that_lost": lost_cycles, "integrity_failures": bad, "resumes": resumed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--control", type=int, default=10, help="cuts with synchronous=NORMAL (must lose events)")
    parser.add_argument("--short", action="store_true", help="20 cuts and 5 control cuts")
    args = parser.parse_args()
    why_not = fuse_available() or (None if os.geteuid() == 0 or os.access("/dev/fuse", os.W_OK)
                                   else "/dev/fuse is not writable by this user")
    if why_not:
        return finish(NAME, False, f"not run: {why_not}", short=args.short)
    cycles, control = (20, 5) if args.short else (args.cycles, args.control)
    rng = random.Random(20261201)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="long-powercut-") as tmp:
        full = series(Path(tmp), "synchronous=FULL", cycles, 2, rng)
        normal = series(Path(tmp), "control synchronous=NORMAL", control, 1, rng)
    seconds = time.monotonic() - started
    ok = (full["lost"] == 0 and full["integrity_failures"] == 0 and full["resumes"] and normal["lost"] > 0)
    control_says = (f"the control (synchronous=NORMAL) lost {normal['lost']} reported events in "
                    f"{normal['cuts_that_lost']} of {control} cuts, so the layer does drop unsynced writes"
                    if normal["lost"] else
                    f"the control (synchronous=NORMAL) lost nothing in {control} cuts: the layer proved nothing")
    return finish(NAME, ok,
                  f"{cycles} simulated power cuts (FUSE layer dropping unsynced writes) in {seconds:.0f} s: "
                  f"{full['reported']} events reported committed, {full['lost']} lost, {full['integrity_failures']} "
                  f"integrity failures, resumes at the next seq: {full['resumes']}; {control_says}",
                  {"full": full, "control": normal, "seconds": round(seconds, 1)}, args.short)


if __name__ == "__main__":
    sys.exit(main())
