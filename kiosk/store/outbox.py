"""Sync bookkeeping: which journal events the hub has confirmed or set aside.

An event is waiting until the hub says it committed it (stored or duplicate),
or until it is set aside with a reason (kept, shown, never retried blindly):
the hub rejected it, or the hub kept failing on it alone while it took the
others (kiosk/sync/upload.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Iterable

from peewee import JOIN, fn

from kiosk.session.record import iso_utc
from kiosk.session import facts as F
from kiosk.session.record import EventRecord
from kiosk.store.journal import Journal, row_to_record

CONFIRMED = "confirmed"
REJECTED = "rejected"
MARK_CHUNK = 500  # UUIDs per statement: under SQLite's oldest limit of 999 parameters


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int
    confirmed: int
    rejected: int


@dataclass(frozen=True)
class Outgoing:
    """A waiting event already in wire form (the JSON text of EventRecord.to_wire())."""

    uuid: str
    seq: int
    kind: str
    text: str
    call_id: str | None = None


def _waiting(journal: Journal, *columns: Any, after_seq: int = 0, kinds: Iterable[str] | None = None,
             exclude: Iterable[str] | None = None):
    """The one definition of waiting: no answer from the hub yet, in sequence order."""
    E, M = journal.models.Event, journal.models.SyncMark
    q = (E.select(*columns).join(M, JOIN.LEFT_OUTER, on=(M.event == E.id))
         .where(M.event.is_null() & (E.seq > after_seq)))
    if kinds is not None:
        q = q.where(E.kind.in_(list(kinds)))
    if exclude is not None:
        q = q.where(E.kind.not_in(list(exclude)))
    return q.order_by(E.seq)


def pending(journal: Journal, limit: int = 500, kinds: Iterable[str] | None = None) -> list[EventRecord]:
    """Unconfirmed, unrejected events in sequence order."""
    return [row_to_record(r) for r in _waiting(journal, journal.models.Event, kinds=kinds).limit(limit)]


def waiting_after(journal: Journal, after_seq: int = 0, limit: int = 500,
                  kinds: Iterable[str] | None = None, exclude: Iterable[str] | None = None) -> list[Outgoing]:
    """Waiting events with seq > after_seq, ready to send.

    Fast path for uploads: one query read as plain tuples from the cursor (no model rows), each
    envelope written by wire_text() and the stored payload text (already compact JSON) spliced in,
    so a 10,000-event backlog is not parsed and encoded again. after_seq lets the uploader read the
    next batch while the marks of the previous one are still being written.
    """
    E = journal.models.Event
    query = _waiting(journal, E.uuid, E.seq, E.device_id, E.wall, E.mono, E.boot_id, E.clock_trusted,
                     E.session_id, E.kind, E.payload, after_seq=after_seq, kinds=kinds,
                     exclude=exclude).limit(limit)
    sql, params = query.sql()
    out = []
    for row in journal.db.execute_sql(sql, params).fetchall():
        uuid, seq, kind, payload = row[0], row[1], row[8], row[9]
        call_id = None
        if kind == F.HELP_RAISED:
            call_id = json.loads(payload or "{}").get("call_id")
        out.append(Outgoing(uuid, seq, kind, wire_text(*row), str(call_id) if call_id else None))
    return out


_string = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


def _number(value: Any) -> str:
    return float.__repr__(value) if type(value) is float and math.isfinite(value) else json.dumps(value)


def wire_text(uuid: str, seq: int, device_id: str, wall: float, mono: float, boot_id: str, clock_trusted: Any,
              session_id: str | None, kind: str, payload: str | None) -> str:
    """One stored event as the JSON text of EventRecord.to_wire(), from its columns: the same text
    json.dumps(..., separators=(",", ":"), ensure_ascii=False) writes for the envelope, with the stored
    payload text spliced in (tests/sync/test_upload.py pins it to to_wire())."""
    return "".join((
        '{"uuid":', _string(uuid), ',"seq":', int.__repr__(int(seq)), ',"device_id":', _string(device_id),
        ',"wall":', _string(iso_utc(wall)), ',"mono":', _number(mono), ',"boot_id":', _string(boot_id),
        ',"clock_trusted":', "true" if clock_trusted else "false",
        ',"session_id":', "null" if session_id is None else _string(session_id),
        ',"kind":', _string(kind), ',"payload":', payload or "{}", "}"))


def mark(journal: Journal, confirmed: Iterable[str], rejected: dict[str, str], now: float):
    """Record the hub's answer, through the journal's writer thread. Returns a Future.

    The confirmed events are marked by one INSERT ... SELECT per chunk of UUIDs (no rows built in
    Python); the few rejected ones carry their reasons row by row. A repeat replaces the old mark."""
    confirmed = list(confirmed)
    rejected = dict(rejected)
    E, M = journal.models.Event, journal.models.SyncMark
    sql = (f'INSERT OR REPLACE INTO "{M._meta.table_name}" ("{M.event.column_name}", "{M.state.column_name}", '
           f'"{M.reason.column_name}", "{M.at.column_name}") SELECT "{E.id.column_name}", ?, NULL, ? '
           f'FROM "{E._meta.table_name}" WHERE "{E.uuid.column_name}" IN (%s)')

    def write() -> int:
        written = 0
        for start in range(0, len(confirmed), MARK_CHUNK):
            chunk = confirmed[start:start + MARK_CHUNK]
            written += journal.db.execute_sql(sql % ",".join("?" * len(chunk)), [CONFIRMED, now, *chunk]).rowcount
        if rejected:
            ids = dict(E.select(E.uuid, E.id).where(E.uuid.in_(list(rejected))).tuples())
            rows = [{"event": ids[u], "state": REJECTED, "reason": r, "at": now} for u, r in rejected.items() if u in ids]
            for start in range(0, len(rows), 400):
                M.insert_many(rows[start:start + 400]).on_conflict_replace().execute()
            written += len(rows)
        return written

    return journal.write(write)


def waiting_count(journal: Journal, kinds: Iterable[str] | None = None,
                  exclude: Iterable[str] | None = None) -> int:
    return _waiting(journal, journal.models.Event.id, kinds=kinds, exclude=exclude).order_by().count()


def counts(journal: Journal) -> OutboxCounts:
    E, M = journal.models.Event, journal.models.SyncMark
    total = E.select(fn.COUNT(E.id)).scalar() or 0
    by_state = dict(M.select(M.state, fn.COUNT(M.event)).group_by(M.state).tuples())
    done = sum(by_state.values())
    return OutboxCounts(waiting=total - done, confirmed=by_state.get(CONFIRMED, 0),
                        rejected=by_state.get(REJECTED, 0))


def rejected_events(journal: Journal, limit: int = 50) -> list[tuple[EventRecord, str]]:
    E, M = journal.models.Event, journal.models.SyncMark
    q = (E.select(E, M.reason).join(M, on=(M.event == E.id)).where(M.state == REJECTED)
         .order_by(E.seq.desc()).limit(limit))
    return [(row_to_record(r), r.syncmark.reason or "") for r in q]


def payload_size(record: EventRecord) -> int:
    return len(json.dumps(record.to_wire()))
