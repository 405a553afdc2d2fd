"""Sync bookkeeping: which journal events the hub has confirmed or set aside.

An event is waiting until the hub says it committed it (stored or duplicate),
or until it is set aside with a reason (kept, shown, never retried blindly):
the hub rejected it, or the hub kept failing on it alone while it took the
others (kiosk/sync/upload.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from peewee import JOIN, fn

from kiosk.session.record import iso_utc
from kiosk.session import facts as F
from kiosk.session.record import EventRecord
from kiosk.store.journal import Journal, row_to_record

CONFIRMED = "confirmed"
REJECTED = "rejected"


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

    Fast path for uploads: plain tuples, and the stored payload text (already
    compact JSON) spliced into the envelope, so a 10,000-event backlog is not
    parsed and encoded again. after_seq lets the uploader read the next batch
    while the marks of the previous one are still being written.
    """
    E = journal.models.Event
    q = _waiting(journal, E.uuid, E.seq, E.device_id, E.wall, E.mono, E.boot_id, E.clock_trusted,
                 E.session_id, E.kind, E.payload, after_seq=after_seq, kinds=kinds, exclude=exclude)
    out = []
    for uuid, seq, device_id, wall, mono, boot_id, trusted, session_id, kind, payload in q.limit(limit).tuples():
        envelope = json.dumps({"uuid": uuid, "seq": seq, "device_id": device_id, "wall": iso_utc(wall),
                               "mono": mono, "boot_id": boot_id, "clock_trusted": bool(trusted),
                               "session_id": session_id, "kind": kind}, separators=(",", ":"),
                              ensure_ascii=False)
        text = envelope[:-1] + ',"payload":' + (payload or "{}") + "}"
        call_id = None
        if kind == F.HELP_RAISED:
            call_id = json.loads(payload or "{}").get("call_id")
        out.append(Outgoing(uuid, seq, kind, text, str(call_id) if call_id else None))
    return out


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
