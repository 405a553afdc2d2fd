"""How fast the hub stores uploaded events, against a plain peewee insert of the same rows.

For SQLite and for PostgreSQL (when it answers at 127.0.0.1:5432), in the same run:
  - baseline: peewee insert_many of the same rows into a bare table in the same kind of database,
    1000 rows per transaction;
  - hub (in process): store_batch() on validated batches, no HTTP;
  - hub (HTTP): a real `kiosk hub serve` subprocess, batches of 1000 POSTed over loopback.
Prints events per second and each hub figure's ratio to the baseline.

    .venv/bin/python bench/hub_ingest.py [--events 20000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402
from peewee import (BooleanField, CharField, DoubleField, IntegerField, Model, TextField)  # noqa: E402

from bench.runner import figures as bench_figures  # noqa: E402
from kiosk.hub.database import make_database, open_hub_database  # noqa: E402
from kiosk.hub.ingest import store_batch  # noqa: E402
from kiosk.hub.rooms import add_room  # noqa: E402
from kiosk.hub.validate import check_batch  # noqa: E402
from kiosk.session.record import dump_payload  # noqa: E402
from tests.hub.hubproc import fresh_postgres_database, start_hub  # noqa: E402
from tests.needs import PG_DSN, pg_available  # noqa: E402


def make_events(n: int) -> tuple[str, list[dict]]:
    device = str(uuid.uuid4())
    kinds = ("cue.fired", "phase.changed", "button.hello", "health.changed")
    events = []
    for i in range(1, n + 1):
        kind = kinds[i % len(kinds)]
        payload = {"at": 1_795_000_000.0 + i, "to": "holding"} if kind == "phase.changed" else \
            {"at": 1_795_000_000.0 + i, "lead": 300, "phase": "holding"}
        events.append({"uuid": str(uuid.uuid4()), "seq": i, "device_id": device,
                       "wall": "2026-11-25T10:00:00.000Z", "mono": float(i), "boot_id": "boot",
                       "clock_trusted": True, "session_id": "s-1", "kind": kind, "payload": payload})
    return device, events


def batches(device: str, events: list[dict], size: int) -> list[dict]:
    return [{"device_id": device, "waiting": 0, "events": events[i:i + size]} for i in range(0, len(events), size)]


def baseline(url: str, device: str, events: list[dict], size: int) -> float:
    db = make_database(url)

    class Plain(Model):
        uuid = CharField(unique=True, max_length=36)
        device_id = CharField(max_length=64)
        seq = IntegerField()
        wall = DoubleField()
        mono = DoubleField()
        boot_id = CharField(max_length=64)
        clock_trusted = BooleanField()
        session_id = CharField(null=True, max_length=64)
        kind = CharField(max_length=64)
        payload = TextField()

        class Meta:
            database = db
            table_name = "bench_plain_event"

    with db.connection_context():
        db.drop_tables([Plain], safe=True)
        db.create_tables([Plain])
        rows = [{"uuid": e["uuid"], "device_id": device, "seq": e["seq"], "wall": 1_795_000_000.0,
                 "mono": e["mono"], "boot_id": e["boot_id"], "clock_trusted": e["clock_trusted"],
                 "session_id": e["session_id"], "kind": e["kind"], "payload": dump_payload(e["payload"])}
                for e in events]
        start = time.perf_counter()
        for i in range(0, len(rows), size):
            with db.atomic():
                for j in range(i, min(i + size, len(rows)), 400):
                    Plain.insert_many(rows[j:min(j + 400, i + size, len(rows))]).execute()
        seconds = time.perf_counter() - start
        db.drop_tables([Plain])
    db.close()
    return len(rows) / seconds


def hub_in_process(data: Path, url: str | None, device: str, events: list[dict], size: int) -> float:
    hub = open_hub_database(data, url)
    with hub.db.connection_context():
        add_room(hub, "Bench in-process")
        room_id = hub.models.Room.get(hub.models.Room.name == "Bench in-process").id
        start = time.perf_counter()
        for body in batches(device, events, size):
            results = store_batch(hub, room_id, check_batch(body), time.time())
            assert all(r["status"] == "stored" for r in results)
        seconds = time.perf_counter() - start
    hub.close()
    return len(events) / seconds


def hub_http(data: Path, url: str | None, device: str, events: list[dict], size: int) -> float:
    hub = start_hub(data, url)
    try:
        token = hub.add_room("Bench HTTP")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        start = time.perf_counter()
        for body in batches(device, events, size):
            response = session.post(f"{hub.url}/api/v1/events", json=body, timeout=120)
            assert response.status_code == 200, response.text
        seconds = time.perf_counter() - start
        again = session.post(f"{hub.url}/api/v1/events", json=batches(device, events, size)[0], timeout=120)
        assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
    finally:
        hub.stop()
    return len(events) / seconds


def run(label: str, data: Path, url: str | None, n: int, size: int) -> None:
    plain_url = url or f"sqlite:///{data / 'plain.sqlite3'}"
    figures = {}
    figures["baseline: plain peewee insert"] = baseline(plain_url, *make_events(n), size)
    figures["hub store_batch (in process)"] = hub_in_process(data / "inproc", url, *make_events(n), size)
    figures["hub POST /api/v1/events (HTTP)"] = hub_http(data / "http", url, *make_events(n), size)
    base = figures["baseline: plain peewee insert"]
    print(f"\n{label}: {n} events, batches of {size}")
    for name, rate in figures.items():
        print(f"  {name:34s} {rate:10.0f} events/s   ratio to baseline {rate / base:5.2f}")
        if not name.startswith("baseline"):
            bench_figures.record("hub_ingest", f"{label.split(' ')[0]}: {name}", rate, "events/s", baseline=base,
                                 baseline_label="plain peewee insert")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    bench_figures.json_option(parser)
    args = parser.parse_args()
    bench_figures.apply_json(args)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        run("SQLite (WAL, synchronous=FULL)", Path(tmp) / "sqlite", None, args.events, args.batch)
        if pg_available():
            with fresh_postgres_database(PG_DSN, prefix="hubbench") as url:
                run("PostgreSQL", Path(tmp) / "pg", url, args.events, args.batch)
        else:
            print("\nPostgreSQL: not running at 127.0.0.1:5432, skipped")
            bench_figures.not_measured("hub_ingest", "PostgreSQL: not running at 127.0.0.1:5432")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
