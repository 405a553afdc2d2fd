"""The sync worker: one thread that uploads the backlog to the hub, and the help threads beside it.

Help events never wait for the backlog: the help sender (helpsend.py) takes
them on its own thread and connection, with its own short retry schedule, and
the help watch (helpwatch.py) learns staff's answers. This thread sends every
other event. Three things wake it, because field tools that trust only one of
them lose uploads: a committed journal event (unless it is backing off), the
timer (config.sync_seconds; a heartbeat when nothing is waiting), and the
retry after a failure (the retry that finds the hub again drains everything
at once). Progress is success: every batch the hub answers resets the
backoff, so a link that loses one request in three never grows its delays.

The clock, monotonic time and the wait are seams: tests drive them, nobody
sleeps for real.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import requests

from kiosk.clock import Clock
from kiosk.config import HubConfig
from kiosk.room import Room
from kiosk.session import facts as F
from kiosk.session.record import BACKLOG_PRIORITY, HELP_PRIORITY, EventRecord
from kiosk.store import outbox
from kiosk.sync.backoff import Backoff
from kiosk.sync.client import HubBusy, HubClient, HubUnreachable, TokenRefused
from kiosk.sync.helpsend import HelpSender, Wait, event_wait
from kiosk.sync.helpwatch import HelpWatch
from kiosk.sync.status import ANSWERED, keep, kept
from kiosk.sync.threads import join_or_warn
from kiosk.sync.upload import Progress, Uploader

log = logging.getLogger(__name__)


class SyncWorker:
    def __init__(self, config: HubConfig, room: Room, clock: Clock, *,
                 session_factory: Callable[[], requests.Session] = requests.Session,
                 uniform: Callable[[float, float], float] | None = None,
                 backoff_base: float = 0.5, backoff_cap: float = 60.0, batch_size: int = 500,
                 timeout: tuple[float, float] = (5.0, 30.0), token_retry_seconds: float | None = None,
                 help_wait: float = 1.0, help_timeout: tuple[float, float] = (2.0, 5.0),
                 help_retry_first: float = 0.25, help_retry_max: float = 0.5,
                 monotonic: Callable[[], float] = time.monotonic, wait: Wait = event_wait) -> None:
        if not config.url:
            raise ValueError("SyncWorker needs [hub] url")
        self.config = config
        self.room = room
        self.journal = room.journal
        self.clock = clock
        self.sync_seconds = max(0.05, float(config.sync_seconds))
        self.token_retry_seconds = token_retry_seconds if token_retry_seconds is not None \
            else max(self.sync_seconds, 300.0)
        self.backoff = Backoff(backoff_base, backoff_cap, uniform)
        self._session_factory = session_factory
        self._timeout = timeout
        self._monotonic = monotonic
        self._wait = wait
        self.uploader = Uploader(self.journal, self._client(priority=BACKLOG_PRIORITY), clock.now,
                                 batch_size=batch_size,
                                 exclude=F.HELP_KINDS)
        self.help_sender = HelpSender(room, lambda: self._client(help_timeout, HELP_PRIORITY), clock.now, wait=wait,
                                      retry_first=help_retry_first, retry_max=help_retry_max,
                                      token_retry_seconds=self.token_retry_seconds,
                                      idle_check=max(1.0, self.sync_seconds))
        self.help_watch = HelpWatch(room, self._client, wait=help_wait)  # real waits: its long poll paces it
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._new_events = threading.Event()
        self._now_asked = threading.Event()
        self._backing_off = False
        self._thread: threading.Thread | None = None
        self._last_status: dict | None = None
        self._last_contact = float("-inf")
        self.attempts = 0
        self.journal.on_commit(self._on_commit)

    def _client(self, timeout: tuple[float, float] | None = None, priority: str | None = None) -> HubClient:
        return HubClient(self.config.url or "", self.config.token, session=self._session_factory(),
                         timeout=timeout or self._timeout, now=self.clock.now, ca_file=self.config.ca_file,
                         priority=priority)

    # --- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self.help_sender.start()
        self._thread = threading.Thread(target=self._run, name="sync-upload", daemon=True)
        self._thread.start()
        self.help_watch.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self.help_sender.stop(timeout)
        self.help_watch.stop(timeout)
        join_or_warn(self._thread, timeout, log, "sync worker")
        self._thread = None
        self.uploader.client.close()

    def sync_now(self) -> None:
        """Try at once, whatever the backoff says (the facilitator's "sync now")."""
        self.help_sender.send_soon()
        self._now_asked.set()
        self._wake.set()

    # --- wake-ups ----------------------------------------------------------------

    def _on_commit(self, records: list[EventRecord]) -> None:
        """Runs in the journal writer thread: only flags and wakes, never waits."""
        if any(r.kind in F.HELP_KINDS for r in records):
            self.help_sender.send_soon()
        if any(r.kind not in F.HELP_KINDS for r in records):
            self._new_events.set()
            if not self._backing_off:
                self._wake.set()

    def _run(self) -> None:
        next_at = self._monotonic()
        try:
            try:
                counts = outbox.counts(self.journal)
                last_sync_at, _ = kept(self.journal)
                self.room.update_health(sync_waiting=counts.waiting, sync_rejected=counts.rejected,
                                        last_sync_at=last_sync_at)
            except Exception:  # thread boundary: a locked or broken database must not kill the uploader
                log.exception("sync: reading the outbox at start failed; trying anyway")
            while not self._stop.is_set():
                self._wait(self._wake, max(0.0, next_at - self._monotonic()))
                if self._stop.is_set():
                    break
                self._wake.clear()
                due = (self._monotonic() >= next_at or self._now_asked.is_set()
                       or (self._new_events.is_set() and not self._backing_off))
                if not due:
                    continue
                self._new_events.clear()
                self._now_asked.clear()
                next_at = self._monotonic() + self._attempt()
        finally:
            try:
                if not self.journal.db.is_closed():
                    self.journal.db.close()
            except Exception:
                log.debug("closing the sync thread's database connection failed", exc_info=True)

    # --- one attempt -------------------------------------------------------------

    def _attempt(self) -> float:
        """Drain what is waiting; returns the delay before the next try."""
        self.attempts += 1
        progress = Progress()
        try:
            self._drain(progress)
            quiet_for = self._monotonic() - self._last_contact
            beat = progress.answered == 0 and quiet_for >= 0.9 * self.sync_seconds
            if beat:
                view = self.room.view()
                self.uploader.client.heartbeat(self.journal.device_id, self.uploader.waiting(),
                                               str(view.phase), str(view.glyph))
        except TokenRefused as exc:
            if not self.room.health.hub_key_refused:
                log.warning("sync: %s; trying again every %.0f s", exc, self.token_retry_seconds)
            self._report(False, TokenRefused.PLAIN, key_refused=True, trouble="key")
            self._backing_off = True
            return self.token_retry_seconds
        except HubUnreachable as exc:
            # busy (429/503) is an answer: the hub is there, so the backlog's wait must not tell the room a
            # help call cannot reach it; the help sender, whose uploads the hub serves first, says that
            busy = isinstance(exc, HubBusy)
            self._report(None if busy else False, str(exc), trouble="busy" if busy else "unreachable")
            self._backing_off = True
            delay = self.backoff.next_delay(exc.retry_after)
            log.info("sync: %s; next try in %.1f s", exc, delay)
            return delay
        except Exception as exc:  # thread boundary: say so, back off, keep the kiosk up
            log.exception("sync attempt to %s failed", self.config.url)
            self._report(None, f"sync failed inside the kiosk ({type(exc).__name__}): see the kiosk log",
                         trouble="inside")
            self._backing_off = True
            return self.backoff.next_delay()
        contacted = progress.answered > 0 or beat
        if contacted:
            self._last_contact = self._monotonic()
        only_suspects_failed = progress.failed and not progress.answered  # the hub may or may not be there
        if not only_suspects_failed:
            self.backoff.reset()
        self._report(None if only_suspects_failed else True, "", synced=contacted)
        if self.uploader.suspects:
            # events that failed alone still wait: try them on the backoff's schedule, not the timer's,
            # since a good event a lossy link made look bad must not wait for the next heartbeat
            self._backing_off = True
            return self.backoff.next_delay()
        self._backing_off = False
        return self.sync_seconds

    def _drain(self, progress: Progress) -> None:
        self.uploader.begin()
        try:
            while not self._stop.is_set():
                step = self.uploader.send_next()
                progress.add(step)
                if step.attempted == 0:
                    return
                if step.answered:
                    self.backoff.reset()  # progress is success: the next failure starts from the base again
                    self.room.update_health(**ANSWERED, sync_waiting=self.uploader.waiting_estimate,
                                            last_sync_at=self.clock.now())
        finally:
            self.uploader.settle()

    # --- status --------------------------------------------------------------------

    def _report(self, reachable: bool | None, error: str, synced: bool = False, key_refused: bool = False,
                trouble: str = "") -> None:
        try:
            counts = outbox.counts(self.journal)
        except Exception:
            log.exception("counting the outbox failed")
            return
        changes: dict = {"hub_reachable": reachable, "sync_waiting": counts.waiting,
                         "sync_rejected": counts.rejected, "sync_error": error,
                         "sync_trouble": trouble if error else ""}
        if key_refused or reachable:
            changes["hub_key_refused"] = key_refused
        if synced:
            changes["last_sync_at"] = self.clock.now()
        self.room.update_health(**changes)
        status = {"error": error, "last_sync_at": self.room.health.last_sync_at}
        if status != self._last_status:
            self._last_status = status
            try:
                keep(self.journal, status["last_sync_at"], error)
            except Exception:
                log.debug("could not keep the sync status in the journal", exc_info=True)
