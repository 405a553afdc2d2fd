"""Reading the outbox for upload, fast: events not yet answered by the hub, already in wire form.

outbox.pending() builds a peewee model per row and a record per model; for a
10,000-event backlog that is most of the kiosk's share of the drain time. This
reads plain tuples and splices the stored payload text (already compact JSON)
into the wire envelope, so nothing is parsed and encoded again. `after_seq`
lets the uploader ask for the next batch while the marks of the previous one
are still being written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from peewee import JOIN

from kiosk.clock import iso_utc
from kiosk.session import facts as F
from kiosk.store.journal import Journal


@dataclass(frozen=True)
class Outgoing:
    uuid: str
    seq: int
    kind: str
    text: str
    call_id: str | None = None


def waiting_after(journal: Journal, after_seq: int = 0, limit: int = 500,
                  kinds: Iterable[str] | None = None) -> list[Outgoing]:
    """Unanswered events with seq > after_seq, in sequence order, encoded as EventRecord.to_wire() would be."""
    E, M = journal.models.Event, journal.models.SyncMark
    q = (E.select(E.uuid, E.seq, E.device_id, E.wall, E.mono, E.boot_id, E.clock_trusted, E.session_id,
                  E.kind, E.payload)
         .join(M, JOIN.LEFT_OUTER, on=(M.event == E.id))
         .where(M.event.is_null() & (E.seq > after_seq)))
    if kinds is not None:
        q = q.where(E.kind.in_(list(kinds)))
    out = []
    for uuid, seq, device_id, wall, mono, boot_id, trusted, session_id, kind, payload in \
            q.order_by(E.seq).limit(limit).tuples():
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
