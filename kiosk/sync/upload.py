"""Sending the outbox: batches in sequence order, marks only after the hub committed.

A batch the hub refuses as a whole (400, 413) stores nothing at the hub, so it
is split in halves and retried until the events the hub will not take are
found; only those are set aside, with the hub's words, and the queue moves on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from kiosk.session import facts as F
from kiosk.session.record import EventRecord
from kiosk.store import outbox
from kiosk.store.journal import Journal
from kiosk.sync.client import MAX_BYTES, MAX_EVENTS, BatchRefused, HubClient, HubUnreachable, encode_event

log = logging.getLogger(__name__)

ENVELOPE_BYTES = 1024


@dataclass
class Progress:
    """What one round of sending achieved."""

    attempted: int = 0
    confirmed: int = 0
    rejected: int = 0
    raised_confirmed: list[str] = field(default_factory=list)

    def add(self, other: "Progress") -> None:
        self.attempted += other.attempted
        self.confirmed += other.confirmed
        self.rejected += other.rejected
        self.raised_confirmed += other.raised_confirmed


class Uploader:
    def __init__(self, journal: Journal, client: HubClient, now: Callable[[], float], *,
                 batch_size: int = 500, max_bytes: int = MAX_BYTES, mark_timeout: float = 30.0) -> None:
        if not 1 <= batch_size <= MAX_EVENTS:
            raise ValueError(f"batch_size must be between 1 and {MAX_EVENTS}, got {batch_size}")
        self.journal = journal
        self.client = client
        self.now = now
        self.batch_size = batch_size
        self.max_bytes = max_bytes - ENVELOPE_BYTES
        self.mark_timeout = mark_timeout

    def waiting(self) -> int:
        return outbox.counts(self.journal).waiting

    def send_next(self, kinds: Iterable[str] | None = None, limit: int | None = None) -> Progress:
        """Send the oldest waiting events (of these kinds) as one batch, or less when bytes run out."""
        records = outbox.pending(self.journal, limit=limit or self.batch_size, kinds=kinds)
        if not records:
            return Progress()
        encoded, size = [], 0
        for rec in records:
            text = encode_event(rec.to_wire())
            if encoded and size + len(text.encode("utf-8")) + 1 > self.max_bytes:
                break
            encoded.append(text)
            size += len(text.encode("utf-8")) + 1
        records = records[:len(encoded)]
        waiting = self.waiting()
        progress = self._send(records, encoded, waiting)
        if progress.confirmed + progress.rejected == 0:
            raise HubUnreachable(f"the hub answered but confirmed none of {len(records)} events; "
                                 "they stay waiting")
        return progress

    def send_help(self) -> Progress:
        """Help events ahead of the backlog, in their own small batch."""
        return self.send_next(kinds=F.HELP_KINDS, limit=50)

    def _send(self, records: Sequence[EventRecord], encoded: Sequence[str], waiting: int) -> Progress:
        uuids = [r.uuid for r in records]
        try:
            answer = self.client.upload(self.journal.device_id, waiting, encoded, uuids)
        except BatchRefused as exc:
            if len(records) == 1:
                log.warning("hub refused event %s (%s, seq %d): %s; set aside", records[0].uuid,
                            records[0].kind, records[0].seq, exc.reason)
                self._mark([], {records[0].uuid: f"HTTP {exc.status}: {exc.reason}"})
                return Progress(attempted=1, rejected=1)
            mid = len(records) // 2
            log.info("hub refused a batch of %d events (HTTP %d); splitting to find the bad ones",
                     len(records), exc.status)
            progress = self._send(records[:mid], encoded[:mid], waiting)
            progress.add(self._send(records[mid:], encoded[mid:], waiting))
            return progress
        for uuid, reason in answer.rejected.items():
            log.warning("hub rejected event %s: %s; set aside", uuid, reason)
        if answer.unanswered:
            log.warning("hub did not answer for %d of %d events; they stay waiting",
                        len(answer.unanswered), len(records))
        self._mark(answer.confirmed, answer.rejected)
        confirmed = set(answer.confirmed)
        raised = [str(r.payload.get("call_id")) for r in records
                  if r.kind == F.HELP_RAISED and r.uuid in confirmed and r.payload.get("call_id")]
        return Progress(attempted=len(records), confirmed=len(answer.confirmed),
                        rejected=len(answer.rejected), raised_confirmed=raised)

    def _mark(self, confirmed: list[str], rejected: dict[str, str]) -> None:
        if confirmed or rejected:
            outbox.mark(self.journal, confirmed, rejected, self.now()).result(timeout=self.mark_timeout)
