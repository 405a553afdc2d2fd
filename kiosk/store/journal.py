"""The journal: the one write path for session data.

Append-only events, each with a UUID, a per-device sequence number, UTC wall
time, monotonic time, boot id and whether the wall clock was trusted. All
writes go through one writer thread and one connection; events queued
together commit in one transaction (one fsync), so a burst costs little.
`append` returns at once with a Future the caller may wait on: the UI thread
never waits for fsync, the button thread does (a help call is journalled
before anything else happens).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid as uuidlib
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from kiosk.clock import Clock
from kiosk.session.record import EventRecord, dump_payload
from kiosk.store import ownership
from kiosk.store.database import open_database, writing

log = logging.getLogger(__name__)

CommitListener = Callable[[list[EventRecord]], None]
_STOP = object()
_BATCH = 500
MAX_QUEUED = 20_000  # events and writes waiting for the writer; beyond this the disk is not keeping up


class JournalClosed(RuntimeError):
    pass


class _Pending(NamedTuple):
    """An appended event and its row, the payload already encoded in the caller's thread."""

    record: EventRecord
    row: dict[str, Any]


class JournalReadOnly(RuntimeError):
    pass


class JournalFull(RuntimeError):
    """The writer is not keeping up (a failing SD card, a hung disk): the caller is told at once
    instead of the kiosk's memory filling with events that may never be written."""


class Journal:
    def __init__(self, path: Path | str, clock: Clock, read_only: bool = False, max_queued: int = MAX_QUEUED) -> None:
        """read_only: for commands that only read (beside a running kiosk): no writer thread, no
        migration, no device id written; append and write raise JournalReadOnly."""
        self.path = Path(path)
        self.clock = clock
        self.read_only = read_only
        self.db, self.models = open_database(self.path, read_only=read_only)
        self.device_id = (self.get_meta("device_id") or "") if read_only else self._device_id()
        self._next_seq = self._stored_next_seq()
        self._seq_lock = threading.Lock()
        self._ownership: ownership.Ownership | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._listeners: list[CommitListener] = []
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        if not read_only:
            self._writer.start()

    # --- writing ------------------------------------------------------------

    def claim(self) -> None:
        """Become the one process that appends to this journal (raises DataFolderInUse naming the owner).

        append() claims by itself; a kiosk claims at start so a second one is refused before it writes.
        """
        with self._seq_lock:
            if self._ownership is None:
                self._ownership = ownership.claim(self.path)
                self._next_seq = max(self._next_seq, self._stored_next_seq())  # the last owner may have written since

    def append(self, kind: str, payload: Mapping[str, Any] | None = None,
               session_id: str | None = None) -> "Future[EventRecord]":
        """Raises TypeError here, in the caller's thread, for a payload JSON cannot hold."""
        try:
            text = dump_payload(payload or {})
        except (TypeError, ValueError) as exc:
            raise TypeError(f"the payload of a {kind!r} event cannot be journalled: {exc}") from None
        if self.read_only:
            raise JournalReadOnly(f"the journal at {self.path} was opened read-only")
        if self._ownership is None:
            self.claim()
        with self._seq_lock:
            if self._closed:
                raise JournalClosed(f"the journal at {self.path} is closed")
            record = EventRecord(
                uuid=str(uuidlib.uuid4()), seq=self._next_seq, device_id=self.device_id,
                wall=self.clock.now(), mono=self.clock.monotonic(), boot_id=self.clock.boot_id,
                clock_trusted=self.clock.wall_trusted(), session_id=session_id, kind=kind,
                payload=dict(payload or {}))
            future: Future[EventRecord] = Future()
            self._put((_Pending(record, record_to_row(record, text)), future))
            self._next_seq += 1
        return future

    def write(self, fn: Callable[[], Any]) -> "Future[Any]":
        """Run fn in the writer thread inside a transaction (sync marks, meta)."""
        if self.read_only:
            raise JournalReadOnly(f"the journal at {self.path} was opened read-only")
        future: Future = Future()
        with self._seq_lock:
            if self._closed:
                raise JournalClosed(f"the journal at {self.path} is closed")
            self._put((fn, future))
        return future

    def _put(self, item: tuple[Any, Future]) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            raise JournalFull(f"the journal at {self.path} is not keeping up: {self._queue.maxsize} writes are "
                              "waiting for the disk. Check the SD card or disk (kiosk doctor; dmesg)") from None

    def set_meta(self, key: str, value: str) -> "Future[Any]":
        Meta = self.models.Meta
        return self.write(lambda: Meta.insert(key=key, value=value).on_conflict_replace().execute())

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything appended so far is committed."""
        self.write(lambda: None).result(timeout)

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def close(self, timeout: float = 10.0) -> None:
        with self._seq_lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._queue.put((_STOP, None), timeout=timeout)  # may wait for room while the writer drains
            except queue.Full:
                log.error("the journal writer for %s is stuck; closing without it", self.path)
        if self._writer.is_alive():
            self._writer.join(timeout)
        self.db.close()
        if self._ownership is not None:
            self._ownership.release()

    # --- reading ------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.models.Meta.get_or_none(self.models.Meta.key == key)
        return row.value if row else None

    def records(self, session_id: str | None = None, kinds: Iterable[str] | None = None,
                after_seq: int = 0, limit: int | None = None, newest_first: bool = False) -> list[EventRecord]:
        E = self.models.Event
        q = E.select().where(E.seq > after_seq)
        if session_id is not None:
            q = q.where(E.session_id == session_id)
        if kinds is not None:
            q = q.where(E.kind.in_(list(kinds)))
        q = q.order_by(E.seq.desc() if newest_first else E.seq)
        if limit is not None:
            q = q.limit(limit)
        return [row_to_record(r) for r in q]

    def last_seq(self) -> int:
        with self._seq_lock:
            return self._next_seq - 1

    # --- the writer thread ----------------------------------------------------

    def _stored_next_seq(self) -> int:
        last = self.models.Event.select(self.models.Event.seq).order_by(self.models.Event.seq.desc()).first()
        return (last.seq + 1) if last else 1

    def _device_id(self) -> str:
        existing = self.get_meta("device_id")
        if existing:
            return existing
        new = str(uuidlib.uuid4())
        with writing(self.db):
            self.models.Meta.insert(key="device_id", value=new).on_conflict_ignore().execute()
        return self.get_meta("device_id") or new

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if any(item is _STOP for item, _ in batch):
                stopping = True
                batch = [b for b in batch if b[0] is not _STOP]
            if batch:
                self._commit(batch)
        self.db.close()  # this thread's own connection; close() closes the caller's

    def _commit(self, batch: list[tuple[Any, Future]]) -> None:
        pending = [(item, fut) for item, fut in batch if isinstance(item, _Pending)]
        if pending:
            self._commit_events(pending)
        for item, fut in batch:
            if isinstance(item, _Pending):
                continue
            try:
                with writing(self.db):
                    value = item()
            except Exception as exc:  # thread boundary: report to the waiter, keep the writer up
                log.exception("journal write %r to %s failed", item, self.path)
                fut.set_exception(exc)
            else:
                fut.set_result(value)

    def _commit_events(self, pending: list[tuple[_Pending, Future]]) -> None:
        """One transaction for the batch; if it fails, one per event, so one bad event loses only itself."""
        try:
            with writing(self.db):
                self.models.Event.insert_many([p.row for p, _ in pending]).execute()
            written = pending
        except Exception:  # thread boundary: fall back to one event at a time, keep the writer up
            log.exception("journal commit of %d events to %s failed; writing them one by one",
                          len(pending), self.path)
            written = []
            for p, fut in pending:
                try:
                    with writing(self.db):
                        self.models.Event.insert(p.row).execute()
                    written.append((p, fut))
                except Exception as exc:
                    log.error("journal: event %s (%s) could not be written: %s", p.record.seq, p.record.kind, exc)
                    fut.set_exception(exc)
        for p, fut in written:
            fut.set_result(p.record)
        committed = [p.record for p, _ in written]
        if not committed:
            return
        for listener in list(self._listeners):
            try:
                listener(committed)
            except Exception:
                log.exception("journal commit listener %r failed", listener)


@contextmanager
def existing_journal(path: Path | str, clock: Clock, read_only: bool = False) -> Iterator[Journal | None]:
    """The journal at path, closed afterwards; None when there is none yet (for commands that must not
    create one)."""
    if not Path(path).exists():
        yield None
        return
    journal = Journal(path, clock, read_only=read_only)
    try:
        yield journal
    finally:
        journal.close()


def record_to_row(r: EventRecord, payload_text: str) -> dict[str, Any]:
    return {"seq": r.seq, "uuid": r.uuid, "device_id": r.device_id, "wall": r.wall, "mono": r.mono,
            "boot_id": r.boot_id, "clock_trusted": r.clock_trusted, "session_id": r.session_id,
            "kind": r.kind, "payload": payload_text}


def row_to_record(row: Any) -> EventRecord:
    return EventRecord(uuid=row.uuid, seq=row.seq, device_id=row.device_id, wall=row.wall, mono=row.mono,
                       boot_id=row.boot_id, clock_trusted=bool(row.clock_trusted),
                       session_id=row.session_id, kind=row.kind, payload=json.loads(row.payload))
