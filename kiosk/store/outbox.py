"""Sync bookkeeping: which journal events the hub has confirmed or set aside.

An event is waiting until the hub says it committed it (stored or duplicate),
or until the hub rejects it with a reason (kept, shown, never retried blindly).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from peewee import JOIN, fn

from kiosk.session.record import EventRecord
from kiosk.store.journal import Journal, row_to_record

CONFIRMED = "confirmed"
REJECTED = "rejected"


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int
    confirmed: int
    rejected: int


def pending(journal: Journal, limit: int = 500, kinds: Iterable[str] | None = None) -> list[EventRecord]:
    """Unconfirmed, unrejected events in sequence order."""
    E, M = journal.models.Event, journal.models.SyncMark
    q = (E.select().join(M, JOIN.LEFT_OUTER, on=(M.event == E.id))
         .where(M.event.is_null()).order_by(E.seq).limit(limit))
    if kinds is not None:
        q = q.where(E.kind.in_(list(kinds)))
    return [row_to_record(r) for r in q]


def mark(journal: Journal, confirmed: Iterable[str], rejected: dict[str, str], now: float):
    """Record the hub's answer, through the journal's writer thread. Returns a Future."""
    confirmed = list(confirmed)
    rejected = dict(rejected)
    E, M = journal.models.Event, journal.models.SyncMark

    def write() -> int:
        uuids = confirmed + list(rejected)
        ids = {row.uuid: row.id for row in E.select(E.id, E.uuid).where(E.uuid.in_(uuids))} if uuids else {}
        rows = [{"event": ids[u], "state": CONFIRMED, "reason": None, "at": now} for u in confirmed if u in ids]
        rows += [{"event": ids[u], "state": REJECTED, "reason": r, "at": now} for u, r in rejected.items() if u in ids]
        for start in range(0, len(rows), 400):
            M.insert_many(rows[start:start + 400]).on_conflict_replace().execute()
        return len(rows)

    return journal.write(write)


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
