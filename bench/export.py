"""Exporting a year of logs (100,000 events) to a stick folder: time and peak memory, plain and sealed,
against copying the journal file itself (the least any export could cost) in the same run.

Each measurement runs in a fresh child process, so its peak RSS (ru_maxrss) is its own; the journal
is built once (about 9,000 whole sessions with cues, extensions and help calls, replayed through the
real Journal), then exported by the same code the kiosk's screen and `kiosk export` use.

    .venv/bin/python bench/export.py [--events 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.runner import figures  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import ExportConfig  # noqa: E402
from kiosk.store.journal import Journal  # noqa: E402
from tests.export.journals import kiosk_config, run_sessions  # noqa: E402

SAMPLE_RECIPIENT = "age1ylznvwgl769ggxj9lhsglxeqsvcth6dljayda4ngc0shu3rdkvyqh4afe4"


def build_journal(data: Path, events: int) -> int:
    """One real session (through the Room), replayed with new ids and times until `events` are journalled."""
    model = data.parent / "model"
    clock = FakeClock()
    run_sessions(kiosk_config(model), clock, sessions=1)
    with sqlite3.connect(model / "kiosk.sqlite3") as db:
        template = [(kind, json.loads(payload), sid is not None, wall) for kind, payload, sid, wall in
                    db.execute("SELECT kind, payload, session_id, wall FROM event ORDER BY seq")]
    start = template[0][3]
    clock = FakeClock()
    journal = Journal(kiosk_config(data).paths.database, clock)
    n, copy = 0, 0
    last = None
    while n < events:
        copy += 1
        shift = copy * 86400.0 / 24
        session = f"bench-session-{copy:06d}"
        for kind, payload, in_session, wall in template:
            if n >= events:
                break
            clock.wall = start + shift + (wall - start)
            moved = {k: (v + shift if (k == "at" or k.endswith("_at") or k in ("from", "to", "planned_end"))
                         and isinstance(v, float) else v) for k, v in payload.items()}
            last = journal.append(kind, moved, session_id=session if in_session else None)
            n += 1
        if copy % 500 == 0:
            last.result(60)
    journal.flush(300)
    journal.close()
    with sqlite3.connect(data / "kiosk.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return copy


def child(case: str, data: Path, to: Path) -> None:
    t0 = time.perf_counter()
    if case == "copy":
        to.mkdir(parents=True, exist_ok=True)
        target = to / "kiosk.sqlite3"
        shutil.copyfile(data / "kiosk.sqlite3", target)
        with target.open("rb") as f:
            os.fsync(f.fileno())
        written = target.stat().st_size
        events = None
    else:
        from kiosk.export.flow import export_logs

        config = kiosk_config(data)
        if case == "sealed":
            config = replace(config, export=ExportConfig(recipient=SAMPLE_RECIPIENT))
        result = export_logs(config, to, clock=FakeClock(start=2_000_000_000.0))
        assert result.ok, result.message
        written, events = result.bytes, result.events
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "bytes": written, "events": events}))


def peak_rss_mb() -> float:
    """VmHWM: this process's own peak (ru_maxrss would carry the parent's across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(case: str, data: Path, to: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", case, "--data", str(data), "--to", str(to)],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the journal here and keep it")
    parser.add_argument("--child", choices=["copy", "plain", "sealed"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--to", type=Path, help=argparse.SUPPRESS)
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    if args.child:
        child(args.child, args.data, args.to)
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-export-"))
    data = work / "data"
    try:
        if not (data / "kiosk.sqlite3").exists():
            t0 = time.perf_counter()
            sessions = build_journal(data, args.events)
            print(f"journal: {args.events} events in {sessions} sessions, built in {time.perf_counter() - t0:.1f} s "
                  f"({(data / 'kiosk.sqlite3').stat().st_size / 1e6:.1f} MB)")
        base = measure("copy", data, work / "stick-copy")
        print(f"baseline  copy the journal file: {base['seconds']:6.2f} s, peak RSS {base['peak_mb']:6.1f} MB, "
              f"{base['bytes'] / 1e6:6.1f} MB written")
        for case in ("plain", "sealed"):
            m = measure(case, data, work / f"stick-{case}")
            print(f"export    {case:<22}: {m['seconds']:6.2f} s, peak RSS {m['peak_mb']:6.1f} MB, "
                  f"{m['bytes'] / 1e6:6.1f} MB written, {m['events'] / m['seconds']:8.0f} events/s; "
                  f"{m['seconds'] / base['seconds']:5.1f}x the copy's time, "
                  f"{m['peak_mb'] / base['peak_mb']:4.2f}x its peak memory")
            figures.record("export", f"{args.events} events exported {case}: time", m["seconds"], "s",
                           baseline=base["seconds"], baseline_label="copy the journal file")
            figures.record("export", f"{args.events} events exported {case}: peak RSS", m["peak_mb"], "MB",
                           baseline=base["peak_mb"], baseline_label="copy the journal file")
        print("budget: a year of logs in bounded memory (the peak stays near the copy's, whatever the size)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
