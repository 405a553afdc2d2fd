"""Reading what the real hub stored, straight from its database, and acting as staff on it."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path


def stored_uuids(data_dir: Path, database: str | None) -> Counter:
    """Every event UUID in the hub's database with how many rows it has."""
    query = "SELECT uuid, COUNT(*) FROM hub_event GROUP BY uuid"
    if database:
        import psycopg2

        conn = psycopg2.connect(database)
        try:
            with conn.cursor() as cur:
                cur.execute(query)
                return Counter(dict(cur.fetchall()))
        finally:
            conn.close()
    conn = sqlite3.connect(Path(data_dir) / "hub.sqlite3")
    try:
        return Counter(dict(conn.execute(query).fetchall()))
    finally:
        conn.close()


def total_rows(data_dir: Path, database: str | None) -> int:
    return sum(stored_uuids(data_dir, database).values())


def staff_acknowledges(data_dir: Path, database: str | None, room_name: str, call_id: str, by: str) -> bool:
    """What the staff page's "on my way" does, done on the hub's database from outside the hub process."""
    from kiosk.hub import helpcalls
    from kiosk.hub.database import HubDatabase, database_url, make_database
    from kiosk.hub.models import make_models

    # Not open_hub_database: its schema check takes table locks that can deadlock with a live
    # PostgreSQL hub (reported to the hub's owner); the schema exists already here.
    url = database_url(Path(data_dir), database)
    db = make_database(url, max_connections=2)
    hub = HubDatabase(db, make_models(db), url)
    try:
        room = hub.models.Room.get(hub.models.Room.name == room_name)
        return helpcalls.staff_action(hub, room.id, call_id, "acknowledged", by)
    finally:
        hub.close()


def stored_by_room(database: str) -> dict[str, set[str]]:
    """PostgreSQL: each room's stored event UUIDs."""
    import psycopg2

    conn = psycopg2.connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT r.name, e.uuid FROM hub_event e JOIN hub_room r ON r.id = e.room_id")
            out: dict[str, set[str]] = {}
            for name, uuid in cur.fetchall():
                out.setdefault(name, set()).add(uuid)
            return out
    finally:
        conn.close()
