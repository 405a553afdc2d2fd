"""Storing an uploaded batch exactly once per event UUID, on SQLite and PostgreSQL alike.

The event UUID is UNIQUE and rows go in with insert-or-ignore, so a repeat (a kiosk retrying after a
lost answer, or two hub processes racing) is harmless. Which UUIDs were newly stored is known exactly:
PostgreSQL says so with RETURNING; SQLite holds its write lock for the whole transaction (BEGIN
IMMEDIATE), so the UUIDs it finds present before inserting are all the duplicates there are.
The whole batch, the help calls and the room's status are committed before the answer.

The answer is per room: `duplicate` only for a UUID this room's events already hold. A UUID the hub holds
for another room is `rejected` and stored nowhere (one event cannot have happened in two rooms); the
reason says only that the UUID is taken, never which room has it or what that event is.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.hub import helpcalls
from kiosk.hub.database import HubDatabase
from kiosk.hub.validate import Batch
from kiosk.session import facts as F
from kiosk.session.plan import Phase
from kiosk.session.record import EventRecord, dump_payload

log = logging.getLogger(__name__)

CHUNK = 400
STORED, DUPLICATE, REJECTED = "stored", "duplicate", "rejected"
TAKEN = ("uuid is already taken at the hub by an event this room did not send; this event was not stored: "
         "every event needs a UUID of its own")


def store_batch(hub: HubDatabase, room_id: int, batch: Batch, now: float) -> list[dict[str, Any]]:
    first: dict[str, EventRecord] = {}
    ages: dict[str, float] = {}
    for checked in batch.events:
        if checked.record is not None:
            first.setdefault(checked.record.uuid, checked.record)
            if checked.age is not None:
                ages.setdefault(checked.record.uuid, checked.age)
    with hub.write():
        inserted, elsewhere = _insert(hub, room_id, list(first.values()), now)
        new_records = sorted((first[u] for u in inserted), key=lambda r: (r.device_id, r.seq))
        _apply(hub, room_id, new_records, now, ages)
        Room = hub.models.Room
        values: dict[str, Any] = {"last_seen": now, "device_id": batch.device_id}
        if batch.waiting is not None:
            values["waiting"] = batch.waiting
        Room.update(**values).where(Room.id == room_id).execute()
    results: list[dict[str, Any]] = []
    answered: set[str] = set()
    for checked in batch.events:
        if checked.record is None:
            results.append({"uuid": checked.uuid, "status": REJECTED, "reason": checked.reason})
            continue
        uuid = checked.record.uuid
        if uuid in elsewhere:
            results.append({"uuid": checked.uuid, "status": REJECTED, "reason": f"events[{checked.index}].{TAKEN}"})
            continue
        status = STORED if uuid in inserted and uuid not in answered else DUPLICATE
        answered.add(uuid)
        results.append({"uuid": checked.uuid, "status": status})
    return results


def _insert(hub: HubDatabase, room_id: int, records: list[EventRecord], now: float) -> tuple[set[str], set[str]]:
    """The UUIDs newly stored, and those not stored because another room's event holds them."""
    inserted: set[str] = set()
    elsewhere: set[str] = set()
    for start in range(0, len(records), CHUNK):
        chunk = records[start:start + CHUNK]
        sql = _insert_sql(hub, len(chunk))
        params = [value for r in chunk for value in _values(room_id, r, now)]
        if hub.is_postgres:
            new = {row[0] for row in hub.db.execute_sql(sql, params).fetchall()}
            present = _rooms_of(hub, [r.uuid for r in chunk if r.uuid not in new])
        else:
            present = _rooms_of(hub, [r.uuid for r in chunk])
            hub.db.execute_sql(sql, params)
            new = {r.uuid for r in chunk if r.uuid not in present}
        inserted |= new
        elsewhere |= {u for u, room in present.items() if room != room_id}
    return inserted, elsewhere


COLUMNS = ("uuid", "room", "device_id", "seq", "wall", "mono", "boot_id", "clock_trusted", "session_id", "kind",
           "payload", "received_at")


def _insert_sql(hub: HubDatabase, rows: int) -> str:
    """Insert-or-ignore of `rows` events as one statement, written once per size and database rather than by
    peewee per row (building a 400-row insert cost more than running it); RETURNING on PostgreSQL."""
    key = (hub.is_postgres, rows)
    sql = _SQL.get(key)
    if sql is None:
        Event = hub.models.Event
        fields = Event._meta.fields
        columns = ", ".join(f'"{fields[name].column_name}"' for name in COLUMNS)
        one = "(" + ", ".join([hub.db.param] * len(COLUMNS)) + ")"
        sql = f'INSERT INTO "{Event._meta.table_name}" ({columns}) VALUES {", ".join([one] * rows)} ON CONFLICT DO NOTHING'
        if hub.is_postgres:
            sql += f' RETURNING "{fields["uuid"].column_name}"'
        _SQL[key] = sql
    return sql


_SQL: dict[tuple[bool, int], str] = {}


def _values(room_id: int, r: EventRecord, now: float) -> tuple[Any, ...]:
    """One event's values, in COLUMNS order."""
    return (r.uuid, room_id, r.device_id, r.seq, r.wall, r.mono, r.boot_id, r.clock_trusted, r.session_id, r.kind,
            dump_payload(r.payload), now)


def _rooms_of(hub: HubDatabase, uuids: list[str]) -> dict[str, int]:
    """Which room holds each of these UUIDs (committed rows: PostgreSQL's insert-or-ignore has waited
    for any racing insert of the same UUID to commit)."""
    if not uuids:
        return {}
    Event = hub.models.Event
    return {u: room for u, room in Event.select(Event.uuid, Event.room).where(Event.uuid.in_(uuids)).tuples()}


def _apply(hub: HubDatabase, room_id: int, records: list[EventRecord], now: float,
           ages: dict[str, float] | None = None) -> None:
    """Help calls and the room's phase, from the events this batch newly stored."""
    phase: tuple[float, str] | None = None
    for r in records:
        if r.kind in F.HELP_KINDS:
            helpcalls.apply_event(hub, room_id, r.kind, dict(r.payload), r.session_id, now, r.clock_trusted,
                                  age=(ages or {}).get(r.uuid))
        elif r.kind == F.PHASE_CHANGED:
            if phase is None or r.wall >= phase[0]:
                phase = (r.wall, str(r.payload["to"]))
        elif r.kind == F.SESSION_ENDED:
            if phase is None or r.wall >= phase[0]:
                phase = (r.wall, str(Phase.WELCOME))
    if phase is not None:
        Room = hub.models.Room
        Room.update(phase=phase[1][:32], phase_wall=phase[0]).where(
            (Room.id == room_id) & (Room.phase_wall.is_null() | (Room.phase_wall <= phase[0]))).execute()
