"""Backlog drain: how long a kiosk takes to bring 10,000 journal events to a hub on loopback.

DESIGN.md budgets "a few seconds". Printed beside a baseline measured in the
same run against an equally fresh hub: the same events, pre-encoded, POSTed in
the same batch size with one requests.Session and no bookkeeping at all (no
outbox query, no marks, no fsync on the kiosk). The ratio is the price of
doing it safely.

    python bench/sync_drain.py [--events 10000] [--batch 500] [--repeat 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from bench.runner import figures  # noqa: E402
from kiosk.clock import SystemClock  # noqa: E402
from kiosk.config import Config, HubConfig  # noqa: E402
from kiosk.room import Room  # noqa: E402
from kiosk.store import outbox  # noqa: E402
from kiosk.store.journal import Journal  # noqa: E402
from kiosk.sync.client import encode_event  # noqa: E402
from kiosk.sync.worker import SyncWorker  # noqa: E402
from tests.hub.hubproc import fresh_postgres_database, start_hub  # noqa: E402


def fill(journal: Journal, n: int) -> None:
    last = None
    for i in range(n):
        if i % 50 == 0:
            last = journal.append("phase.changed", {"at": 1_780_000_000.0 + i, "to": "holding", "i": i})
        else:
            last = journal.append("cue.fired", {"at": 1_780_000_000.0 + i, "lead": 300.0, "i": i})
    last.result(timeout=120)


def raw_post(url: str, token: str, device_id: str, batches: list[list[str]]) -> float:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start = time.perf_counter()
    for batch in batches:
        body = '{"device_id":%s,"waiting":0,"events":[%s]}' % (json.dumps(device_id), ",".join(batch))
        resp = session.post(url + "/api/v1/events", data=body.encode(), headers=headers, timeout=60)
        resp.raise_for_status()
    elapsed = time.perf_counter() - start
    session.close()
    return elapsed


def worker_drain(url: str, token: str, journal: Journal, clock: SystemClock, batch: int) -> float:
    """From start() until the outbox is empty, learnt from the worker's own health reports (no polling)."""
    room = Room(Config(hub=HubConfig(url=url, token=token, sync_seconds=3600)), journal, clock)
    worker = SyncWorker(room.config.hub, room, clock, batch_size=batch)
    errors: list[str] = []
    empty = threading.Event()

    def watch(facts) -> None:
        for f in facts:
            if f.kind != "health.changed":
                continue
            if f.data.get("sync_error"):
                errors.append(f.data["sync_error"])
            if f.data.get("sync_waiting") == 0 and "sync_error" in f.data and not outbox.counts(journal).waiting:
                empty.set()

    room.subscribe(watch)
    start = time.perf_counter()
    worker.start()
    try:
        if not empty.wait(300):
            raise SystemExit(f"drain stalled: {outbox.counts(journal)}; {room.health.sync_error}")
        elapsed = time.perf_counter() - start
        if errors:
            print(f"  (the drain met {len(errors)} errors, retried: {errors[:3]})")
        return elapsed
    finally:
        worker.stop()


def one_round(work: Path, database_for, events: int, batch: int, index: int) -> tuple[float, float]:
    clock = SystemClock()
    journal = Journal(work / f"kiosk-{index}.sqlite3", clock)
    try:
        fill(journal, events)
        records = journal.records()
        encoded = [encode_event(r.to_wire()) for r in records]
        batches = [encoded[i:i + batch] for i in range(0, len(encoded), batch)]
        with database_for() as database:
            hub = start_hub(work / f"hub-raw-{index}", database=database)
            try:
                baseline = raw_post(hub.url, hub.add_room("Bench"), journal.device_id, batches)
            finally:
                hub.stop()
        with database_for() as database:
            hub = start_hub(work / f"hub-sync-{index}", database=database)
            try:
                drain = worker_drain(hub.url, hub.add_room("Bench"), journal, clock, batch)
            finally:
                hub.stop()
        counts = outbox.counts(journal)
        if counts.waiting or counts.confirmed != events:
            raise SystemExit(f"drain incomplete: {counts}")
        return baseline, drain
    finally:
        journal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server gets a fresh database per hub")
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)

    if args.postgres:
        def database_for():
            return fresh_postgres_database(args.postgres, prefix="syncbench")
    else:
        from contextlib import nullcontext

        def database_for():
            return nullcontext(None)

    rounds = []
    with tempfile.TemporaryDirectory(prefix="sync-drain-") as tmp:
        for i in range(args.repeat):
            baseline, drain = one_round(Path(tmp), database_for, args.events, args.batch, i)
            rounds.append((baseline, drain))
            print(f"round {i + 1}: raw POST {baseline:.2f} s, kiosk drain {drain:.2f} s")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"sync drain, {args.events} events in batches of {args.batch}, hub on {backend}, loopback, "
          f"{args.repeat} rounds (best / median):")
    for label, values in (("baseline, raw POST of the same batches, no bookkeeping", [b for b, _ in rounds]),
                          ("kiosk SyncWorker, start to nothing waiting          ", [d for _, d in rounds])):
        best, median = min(values), statistics.median(values)
        print(f"  {label}: {best:.2f} s / {median:.2f} s ({args.events / best:,.0f} events/s at best)")
    best_ratio = min(d for _, d in rounds) / min(b for b, _ in rounds)
    median_ratio = statistics.median(d / b for b, d in rounds)
    drain = min(d for _, d in rounds)
    print(f"  ratio kiosk/baseline: {best_ratio:.2f}x best, {median_ratio:.2f}x median of rounds; "
          f"budget 'a few seconds' (5 s taken as the line): {'within' if drain <= 5.0 else 'OVER'}")
    figures.record("sync_drain", f"{args.events} events drained to a {backend} hub (best)", drain, "s",
                   baseline=min(b for b, _ in rounds), baseline_label="raw POST of the same batches",
                   limit=5.0, against="value", budget="a few seconds (<= 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
