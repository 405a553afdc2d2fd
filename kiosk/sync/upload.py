"""Sending the outbox: batches in sequence order, marks only after the hub committed.

A batch the hub refuses as a whole (400, 413) stores nothing at the hub, so it
is split in halves and retried until the events the hub will not take are
found; only those are set aside, with the hub's words, and the queue moves on.

Marks are written by the journal's writer thread while the next batch is on
its way (a cursor skips what was just answered), so the kiosk's fsync and the
hub's commit overlap; settle() waits for them.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from kiosk.session import facts as F
from kiosk.store import outbox
from kiosk.store.journal import Journal
from kiosk.store.outbox import Outgoing, waiting_after
from kiosk.sync.client import MAX_BYTES, MAX_EVENTS, BatchRefused, HubClient, HubUnreachable

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
        self.cursor = 0
        self.waiting_estimate = 0
        self._marks: list[Future] = []

    def begin(self) -> int:
        """Start a drain from the oldest waiting event; returns how many wait."""
        self.settle()
        self.cursor = 0
        self.waiting_estimate = self.waiting()
        return self.waiting_estimate

    def waiting(self) -> int:
        return outbox.counts(self.journal).waiting

    def settle(self) -> None:
        """Wait until every mark handed to the journal is committed."""
        marks, self._marks = self._marks, []
        for future in marks:
            future.result(timeout=self.mark_timeout)

    def send_next(self, kinds: Iterable[str] | None = None, limit: int | None = None) -> Progress:
        """Send the next waiting events (of these kinds) as one batch, or fewer when bytes run out."""
        after = 0 if kinds is not None else self.cursor
        items = waiting_after(self.journal, after, limit or self.batch_size, kinds)
        if not items:
            return Progress()
        size, count = 0, 0
        for item in items:
            size += len(item.text.encode("utf-8")) + 1
            if count and size > self.max_bytes:
                break
            count += 1
        items = items[:count]
        progress = self._send(items, max(self.waiting_estimate, len(items)))
        if kinds is None:
            self.cursor = max(self.cursor, items[-1].seq)
        self.waiting_estimate = max(0, self.waiting_estimate - progress.confirmed - progress.rejected)
        if progress.confirmed + progress.rejected == 0:
            raise HubUnreachable(f"the hub answered but confirmed none of {len(items)} events; "
                                 "they stay waiting")
        return progress

    def send_help(self) -> Progress:
        """Help events ahead of the backlog, in their own small batch."""
        self.settle()
        progress = self.send_next(kinds=F.HELP_KINDS, limit=50)
        self.settle()
        return progress

    def _send(self, items: Sequence[Outgoing], waiting: int) -> Progress:
        uuids = [i.uuid for i in items]
        try:
            answer = self.client.upload(self.journal.device_id, waiting, [i.text for i in items], uuids)
        except BatchRefused as exc:
            if len(items) == 1:
                log.warning("hub refused event %s (%s, seq %d): %s; set aside", items[0].uuid,
                            items[0].kind, items[0].seq, exc.reason)
                self._mark([], {items[0].uuid: f"HTTP {exc.status}: {exc.reason}"})
                return Progress(attempted=1, rejected=1)
            mid = len(items) // 2
            log.info("hub refused a batch of %d events (HTTP %d); splitting to find the bad ones",
                     len(items), exc.status)
            progress = self._send(items[:mid], waiting)
            progress.add(self._send(items[mid:], waiting))
            return progress
        for uuid, reason in answer.rejected.items():
            log.warning("hub rejected event %s: %s; set aside", uuid, reason)
        if answer.unanswered:
            log.warning("hub did not answer for %d of %d events; they stay waiting",
                        len(answer.unanswered), len(items))
        self._mark(answer.confirmed, answer.rejected)
        confirmed = set(answer.confirmed)
        raised = [i.call_id for i in items if i.call_id and i.uuid in confirmed]
        return Progress(attempted=len(items), confirmed=len(answer.confirmed),
                        rejected=len(answer.rejected), raised_confirmed=raised)

    def _mark(self, confirmed: list[str], rejected: dict[str, str]) -> None:
        if confirmed or rejected:
            self._marks.append(outbox.mark(self.journal, confirmed, rejected, self.now()))
