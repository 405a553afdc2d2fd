"""What one staff page's poll of /board.json costs the hub, at fleet size: 200 rooms and an hour of calls.

Each open staff page asks once a second; the board is made once per second, language and help-call change
and shared by every page of a hub process (kiosk/hub/boardcache.py). In the same run, in process (Flask's
test client, a logged-in session), on SQLite and on PostgreSQL (when it answers at 127.0.0.1:5432):
  - baseline: a new board for every request (the hub's clock moves a second before each), what every
    poll cost before the board was shared;
  - shared: the polls of one second (the clock stands still), what the other pages' polls of that second
    cost: the session check, the help-call token's SELECT, the per-session part of the page, the JSON.
Prints ms per request and the ratio.

    .venv/bin/python bench/staff_board.py [--rooms 200] [--calls 360] [--requests 40]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.runner import figures as bench_figures  # noqa: E402
from kiosk.hub.app import create_app  # noqa: E402
from kiosk.hub.auth import set_password  # noqa: E402
from kiosk.hub.database import open_hub_database  # noqa: E402
from kiosk.hub.rooms import add_room  # noqa: E402
from tests.hub.hubproc import fresh_postgres_database  # noqa: E402
from tests.needs import PG_DSN, pg_available  # noqa: E402


def fill(hub, rooms: int, calls: int, now: float) -> None:
    """rooms in Holding, each heard from two seconds ago; calls spread over the last hour, five still open."""
    with hub.db.connection_context():
        set_password(hub, "staff", "correct horse")
        for i in range(rooms):
            add_room(hub, f"Room {i + 1}")
        Room, HelpCall = hub.models.Room, hub.models.HelpCall
        Room.update(last_seen=now - 2, phase="holding", waiting=3).execute()
        ids = [r.id for r in Room.select(Room.id).order_by(Room.id)]
        rows = []
        for k in range(calls):
            at, closed = now - 3600 + k * 3600 / calls, k < calls - 5
            rows.append(dict(room=ids[k % len(ids)], call_id=str(uuid.uuid4()), state="resolved" if closed else "raised",
                             rank=2 if closed else 0, raised_at=at, reached_at=at, changed_at=at + 5,
                             closed_at=at + 5 if closed else None, closed_by="Ana" if closed else None))
        HelpCall.insert_many(rows).execute()


def measure(hub, requests: int, now: float) -> tuple[float, float, int]:
    clock = [now]
    app = create_app(hub, now=lambda: clock[0], timezone="UTC", threads=8)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"user": "staff", "password": "correct horse", "csrf_token": token})
    size = len(client.get("/board.json").get_data())

    def per_request(move: float) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            clock[0] += move
            response = client.get("/board.json")
            assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) / requests * 1000

    per_request(1.0)   # warm both paths
    new, shared = per_request(1.0), per_request(0.0)
    return new, shared, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--calls", type=int, default=360, help="help calls in the last hour (one per 10 s)")
    parser.add_argument("--requests", type=int, default=40, help="requests timed per path")
    args = parser.parse_args()
    now = time.time()
    backends = [("SQLite", None)] + ([("PostgreSQL", PG_DSN)] if pg_available() else [])
    for label, base_url in backends:
        with tempfile.TemporaryDirectory(prefix="bench-board-") as tmp:
            if base_url is None:
                hub = open_hub_database(Path(tmp) / "hub")
                fill(hub, args.rooms, args.calls, now)
                new, shared, size = measure(hub, args.requests, now)
                hub.close()
            else:
                with fresh_postgres_database(base_url, prefix="benchboard") as url:
                    hub = open_hub_database(Path(tmp) / "hub", url)
                    fill(hub, args.rooms, args.calls, now)
                    new, shared, size = measure(hub, args.requests, now)
                    hub.close()
        print(f"{label}: /board.json with {args.rooms} rooms and {args.calls} calls ({size // 1024} KiB): "
              f"a new board {new:.1f} ms, the shared board {shared:.1f} ms per request ({shared / new:.2f}x)")
        bench_figures.record("staff_board", f"staff page poll, {args.rooms} rooms + an hour of calls ({label})",
                             shared, "ms", baseline=new, baseline_label="a new board each request")
    print("  twenty pages polling once a second: one new board and nineteen shared ones per second and process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
