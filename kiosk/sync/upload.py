"""Sending the outbox: batches in sequence order, marks only after the hub committed.

A batch the hub refuses as a whole (400, 413) stores nothing at the hub, so it
is split in halves and retried until the events the hub will not take are
found; only those are set aside, with the hub's words, and the queue moves on.

A batch the hub fails on (a 500, a connection dropped after sending, no answer
in time) is split the same way, because the hub may be failing on one event
it cannot take. When both halves fail too it is the hub or the link, not a
batch: the worker backs off, and the next drain starts with smaller batches
(in case several events are the cause; answered batches grow them back). An
event that fails alone while the hub answers the request beside it is a
suspect: it leaves the batches (the queue moves) and is tried alone again
after each batch that gets through, and once a drain when nothing else waits. It is set aside, kept on the kiosk with
the reason, once it has failed alone so many times that a good event on this
link would almost never have: with f the share of the other requests that
failed since it became a suspect, after n tries where f**n < GOOD_EVENT_CHANCE
(at least MIN_TRIES, at most MAX_TRIES; on a link too bad to tell, never). On
a clean link that is about 7 tries; on a link losing 4 requests in 10, 16.
A hub that fails every request answers none, so a hub that is down never gets
an event set aside.

Marks are written by the journal's writer thread while the next batch is on
its way (a cursor skips what was just answered), so the kiosk's fsync and the
hub's commit overlap; settle() waits for them.
"""

from __future__ import annotations

import logging
import math
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from kiosk.session.record import MAX_BYTES, MAX_EVENTS
from kiosk.store import outbox
from kiosk.store.journal import Journal
from kiosk.store.outbox import Outgoing, waiting_after
from kiosk.sync.client import BatchRefused, HubClient, HubFailed, HubUnreachable

log = logging.getLogger(__name__)

ENVELOPE_BYTES = 1024
GOOD_EVENT_CHANCE = 1e-6  # how unlikely it must be that a good event failed alone that often
MIN_TRIES = 3
MAX_TRIES = 30


@dataclass
class Progress:
    """What one round of sending achieved."""

    attempted: int = 0
    confirmed: int = 0
    rejected: int = 0
    failed: int = 0  # events the hub failed on alone: suspects, still waiting
    raised_confirmed: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.confirmed + self.rejected

    def add(self, other: "Progress") -> None:
        self.attempted += other.attempted
        self.confirmed += other.confirmed
        self.rejected += other.rejected
        self.failed += other.failed
        self.raised_confirmed += other.raised_confirmed


@dataclass
class Suspect:
    """An event the hub failed on alone, right after it answered another request."""

    item: Outgoing
    strikes: int = 0
    tries: int = 0
    others_ok: int = 0      # other requests answered since it became a suspect
    others_failed: int = 0  # and the ones that failed

    def tries_needed(self) -> int | None:
        """How many failures alone make a good event too unlikely; None while the link is too bad to tell."""
        share_failed = (self.others_failed + 1) / (self.others_ok + self.others_failed + 2)
        needed = max(MIN_TRIES, math.ceil(math.log(GOOD_EVENT_CHANCE) / math.log(share_failed)))
        return needed if needed <= MAX_TRIES else None


class Uploader:
    """One thread's sender. kinds/exclude choose which events it sends (the help sender takes
    the help events, the backlog all the others); both None sends everything."""

    def __init__(self, journal: Journal, client: HubClient, now: Callable[[], float], *,
                 batch_size: int = 500, max_bytes: int = MAX_BYTES, mark_timeout: float = 30.0,
                 kinds: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                 stamp: Callable[[Outgoing], str] | None = None) -> None:
        """stamp: the text to send for a waiting event, made at each send (the help sender adds the call's
        age on the steady clock); None sends the stored text."""
        if not 1 <= batch_size <= MAX_EVENTS:
            raise ValueError(f"batch_size must be between 1 and {MAX_EVENTS}, got {batch_size}")
        self.journal = journal
        self.client = client
        self.now = now
        self.batch_size = batch_size
        self.max_bytes = max_bytes - ENVELOPE_BYTES
        self.mark_timeout = mark_timeout
        self.kinds = frozenset(kinds) if kinds is not None else None
        self.exclude = frozenset(exclude) if exclude is not None else None
        self.stamp = stamp
        self.cursor = 0
        self.waiting_estimate = 0
        self.suspects: dict[str, Suspect] = {}
        self._marks: list[Future] = []
        self._answered_last = False
        self._failed_after_answer = False
        self._probe_due = False
        self._probed_alone: set[str] = set()
        self.span = batch_size

    def begin(self) -> int:
        """Start a drain from the oldest waiting event; returns how many wait."""
        self.settle()
        self.cursor = 0
        self._answered_last = False
        self._failed_after_answer = False
        self._probe_due = False
        self._probed_alone = set()
        self.waiting_estimate = self.waiting()
        return self.waiting_estimate

    def waiting(self) -> int:
        """Everything waiting in the outbox, whichever sender it is for."""
        return outbox.counts(self.journal).waiting

    def sendable(self) -> int:
        """Events of this sender's kinds waiting that are not suspects."""
        return max(0, outbox.waiting_count(self.journal, self.kinds, self.exclude) - len(self.suspects))

    def settle(self) -> None:
        """Wait until every mark handed to the journal is committed."""
        marks, self._marks = self._marks, []
        for future in marks:
            future.result(timeout=self.mark_timeout)

    def send_next(self, limit: int | None = None) -> Progress:
        """Send the next waiting events as one batch (fewer when bytes run out), or try one suspect
        again when the hub has just answered; Progress() when there is nothing to send."""
        if self._probe_due and self.suspects:
            self._probe_due = False
            return self._probe()
        items = self._next_items(min(limit or self.batch_size, self.span))
        if not items:
            untried = [u for u in self.suspects if u not in self._probed_alone]
            if untried:  # nothing else to send: try each anyway, once a drain
                self._probed_alone.add(untried[0])
                return self._probe(untried[0])
            return Progress()
        size, count = 0, 0
        for item in items:
            size += len(item.text.encode("utf-8")) + 1
            if count and size > self.max_bytes:
                break
            count += 1
        items = items[:count]
        progress = self._send(items, max(self.waiting_estimate, len(items)))
        self.cursor = max(self.cursor, items[-1].seq)
        self.waiting_estimate = max(0, self.waiting_estimate - progress.answered)
        self._probe_due = self._answered_last
        if progress.answered:
            self.span = min(self.batch_size, self.span * 2)
        if progress.answered + progress.failed == 0:
            raise HubUnreachable(f"the hub answered but confirmed none of {len(items)} events; "
                                 "they stay waiting")
        return progress

    def _probe(self, uuid: str | None = None) -> Progress:
        """One suspect, alone. Right after an answered batch its failure counts against it; with
        nothing answered before, it only stays a suspect (no evidence either way)."""
        suspect = self.suspects[uuid] if uuid else min(self.suspects.values(), key=lambda s: (s.tries, s.item.seq))
        suspect.tries += 1
        try:
            return self._send([suspect.item], max(self.waiting_estimate, 1))
        except HubFailed as exc:
            log.info("event %s still fails alone (%s); tried again after the next batch gets through",
                     suspect.item.uuid, exc)
            return Progress(attempted=1, failed=1)

    def _next_items(self, limit: int) -> list[Outgoing]:
        items = waiting_after(self.journal, self.cursor, limit + len(self.suspects), self.kinds, self.exclude)
        return [i for i in items if i.uuid not in self.suspects][:limit]

    def _send(self, items: Sequence[Outgoing], waiting: int) -> Progress:
        """One batch: sent, and split when the hub refuses it or fails on it."""
        try:
            return self._request(items, waiting)
        except HubFailed as exc:
            if len(items) > 1:
                return self._split(items, waiting, exc)
            if not self._failed_after_answer:
                raise  # nothing answered just before: the hub may be down, so no evidence against the event
            return self._strike(items[0], exc)

    def _split(self, items: Sequence[Outgoing], waiting: int, exc: HubFailed) -> Progress:
        """The hub failed on a batch: try both halves. Both failing too is the hub or the link (the
        next drain starts smaller, in case several events are the cause); otherwise each half that
        failed while its sibling got through is split again, down to the one event."""
        log.info("hub failed on a batch of %d events (%s); splitting to see whether an event is the cause",
                 len(items), exc)
        mid = len(items) // 2
        progress = Progress()
        failed: list[tuple[Sequence[Outgoing], HubFailed]] = []
        for half in (items[mid:], items[:mid]):
            try:
                progress.add(self._request(half, waiting))
            except HubFailed as again:
                failed.append((half, again))
        if len(failed) == 2:
            self.span = max(1, len(items) // 2)
            raise failed[-1][1]
        for half, again in failed:
            progress.add(self._strike(half[0], again) if len(half) == 1 else self._split(half, waiting, again))
        return progress

    def _request(self, items: Sequence[Outgoing], waiting: int) -> Progress:
        """One POST; a batch refused as a whole (400, 413) is split here until the bad events are found."""
        uuids = [i.uuid for i in items]
        try:
            texts = [self.stamp(i) for i in items] if self.stamp else [i.text for i in items]
            answer = self.client.upload(self.journal.device_id, waiting, texts, uuids)
        except BatchRefused as exc:
            self._answered()
            self._observe(items, True)
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
        except HubUnreachable:
            self._failed_after_answer = self._answered_last
            self._answered_last = False
            self._observe(items, False)
            raise
        self._answered()
        self._observe(items, True)
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

    def _strike(self, item: Outgoing, exc: HubFailed) -> Progress:
        suspect = self.suspects.setdefault(item.uuid, Suspect(item))
        suspect.strikes += 1
        needed = suspect.tries_needed()
        if needed is None or suspect.strikes < needed:
            log.warning("hub failed on event %s (%s, seq %d) alone, %d times, while it took others: %s; "
                        "it leaves the batches and is tried alone again", item.uuid, item.kind, item.seq,
                        suspect.strikes, exc)
            return Progress(attempted=1, failed=1)
        del self.suspects[item.uuid]
        others = suspect.others_ok + suspect.others_failed
        reason = (f"set aside after {suspect.strikes} tries: the hub failed on this event alone each time "
                  f"while it took others ({suspect.others_ok} of {others} other requests got through "
                  f"meanwhile; last: {exc})")
        log.warning("event %s (%s, seq %d): %s", item.uuid, item.kind, item.seq, reason)
        self._mark([], {item.uuid: reason})
        return Progress(attempted=1, rejected=1)

    def _observe(self, items: Sequence[Outgoing], ok: bool) -> None:
        """Count one request's outcome for every suspect it did not carry: that is the link's record."""
        carried = {i.uuid for i in items} if len(items) == 1 else ()
        for uuid, suspect in self.suspects.items():
            if uuid in carried:
                continue
            if ok:
                suspect.others_ok += 1
            else:
                suspect.others_failed += 1

    def _answered(self) -> None:
        self._answered_last = True

    def _mark(self, confirmed: list[str], rejected: dict[str, str]) -> None:
        for uuid in confirmed:
            self.suspects.pop(uuid, None)
        for uuid in rejected:
            self.suspects.pop(uuid, None)
        if confirmed or rejected:
            self._marks.append(outbox.mark(self.journal, confirmed, rejected, self.now()))
