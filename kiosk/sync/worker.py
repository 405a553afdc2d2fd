"""The sync worker: one thread that uploads the journal to the hub, and the help watch beside it.

Three things wake it, because field tools that trust only one of them lose
uploads: a committed journal event (a help.* event at once, even while
backing off, and ahead of the backlog), the timer (config.sync_seconds; a
heartbeat when nothing is waiting), and the retry after a failure (the
retry that finds the hub again drains everything at once).
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
from kiosk.session.record import EventRecord
from kiosk.store import outbox
from kiosk.sync.backoff import Backoff
from kiosk.sync.client import HubClient, HubError, HubUnreachable, TokenRefused
from kiosk.sync.helpwatch import HelpWatch
from kiosk.sync.status import keep, kept
from kiosk.sync.upload import Progress, Uploader

log = logging.getLogger(__name__)


class SyncWorker:
    def __init__(self, config: HubConfig, room: Room, clock: Clock, *,
                 session_factory: Callable[[], requests.Session] = requests.Session,
                 uniform: Callable[[float, float], float] | None = None,
                 backoff_base: float = 0.5, backoff_cap: float = 60.0, batch_size: int = 500,
                 timeout: tuple[float, float] = (5.0, 30.0), token_retry_seconds: float | None = None,
                 help_wait: float = 1.0) -> None:
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
        self.uploader = Uploader(self.journal, self._client(), clock.now, batch_size=batch_size)
        self.help_watch = HelpWatch(room, self._client, wait=help_wait)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._help_due = threading.Event()
        self._new_events = threading.Event()
        self._now_asked = threading.Event()
        self._backing_off = False
        self._thread: threading.Thread | None = None
        self._last_status: dict | None = None
        self._last_contact = float("-inf")
        self.attempts = 0
        self.journal.on_commit(self._on_commit)

    def _client(self) -> HubClient:
        return HubClient(self.config.url or "", self.config.token, session=self._session_factory(),
                         timeout=self._timeout, now=self.clock.now)

    # --- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._help_due.set()  # help calls journalled before the worker ran go first too
        self._thread = threading.Thread(target=self._run, name="sync-upload", daemon=True)
        self._thread.start()
        self.help_watch.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self.help_watch.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("sync worker did not stop within %.0f s", timeout)
            self._thread = None
        self.uploader.client.close()

    def sync_now(self) -> None:
        """Try at once, whatever the backoff says (the facilitator's "sync now")."""
        self._now_asked.set()
        self._wake.set()

    # --- wake-ups ----------------------------------------------------------------

    def _on_commit(self, records: list[EventRecord]) -> None:
        """Runs in the journal writer thread: only flags and wakes, never waits."""
        if any(r.kind in F.HELP_KINDS for r in records):
            self._help_due.set()
            self._wake.set()
        else:
            self._new_events.set()
            if not self._backing_off:
                self._wake.set()

    def _run(self) -> None:
        next_at = time.monotonic()
        try:
            try:
                counts = outbox.counts(self.journal)
                last_sync_at, _ = kept(self.journal)
                self.room.update_health(sync_waiting=counts.waiting, sync_rejected=counts.rejected,
                                        last_sync_at=last_sync_at)
            except Exception:  # thread boundary: a locked or broken database must not kill the uploader
                log.exception("sync: reading the outbox at start failed; trying anyway")
            while not self._stop.is_set():
                self._wake.wait(max(0.0, next_at - time.monotonic()))
                if self._stop.is_set():
                    break
                self._wake.clear()
                due = (time.monotonic() >= next_at or self._help_due.is_set() or self._now_asked.is_set()
                       or (self._new_events.is_set() and not self._backing_off))
                if not due:
                    continue
                self._new_events.clear()
                self._now_asked.clear()
                next_at = time.monotonic() + self._attempt()
        finally:
            try:
                if not self.journal.db.is_closed():
                    self.journal.db.close()
            except Exception:
                log.debug("closing the sync thread's database connection failed", exc_info=True)

    # --- one attempt -------------------------------------------------------------

    def _attempt(self) -> float:
        """Drain what is waiting (help first); returns the delay before the next try."""
        self.attempts += 1
        progress = Progress()
        try:
            self._drain(progress)
            quiet_for = time.monotonic() - self._last_contact
            if progress.attempted == 0 and quiet_for >= 0.9 * self.sync_seconds:
                view = self.room.view()
                self.uploader.client.heartbeat(self.journal.device_id, self.uploader.waiting(),
                                               str(view.phase), str(view.glyph))
                progress.attempted = -1
        except TokenRefused as exc:
            self._report(False, str(exc))
            self._backing_off = True
            return self.token_retry_seconds
        except HubUnreachable as exc:
            self._report(False, str(exc))
            self._backing_off = True
            delay = self.backoff.next_delay(exc.retry_after)
            log.info("sync: %s; next try in %.1f s", exc, delay)
            return delay
        except HubError as exc:
            self._report(False, str(exc))
            self._backing_off = True
            return self.backoff.next_delay()
        except Exception as exc:  # thread boundary: say so, back off, keep the kiosk up
            log.exception("sync attempt to %s failed", self.config.url)
            self._report(None, f"sync failed inside the kiosk ({type(exc).__name__}): see the kiosk log")
            self._backing_off = True
            return self.backoff.next_delay()
        self.backoff.reset()
        self._backing_off = False
        contacted = progress.attempted != 0
        if contacted:
            self._last_contact = time.monotonic()
        self._report(True, "", synced=contacted)
        return self.sync_seconds

    def _drain(self, progress: Progress) -> None:
        self.uploader.begin()
        try:
            while not self._stop.is_set():
                if self._help_due.is_set():
                    self._help_due.clear()
                    self._deliver(self.uploader.send_help(), progress)
                step = self.uploader.send_next()
                self._deliver(step, progress)
                if step.attempted == 0 and not self._help_due.is_set():
                    return
                if step.attempted:
                    self.room.update_health(hub_reachable=True, sync_waiting=self.uploader.waiting_estimate,
                                            last_sync_at=self.clock.now())
        finally:
            self.uploader.settle()

    def _deliver(self, step: Progress, progress: Progress) -> None:
        progress.add(step)
        for call_id in step.raised_confirmed:
            self.room.change_help(F.HELP_DELIVERED, call_id)

    # --- status --------------------------------------------------------------------

    def _report(self, reachable: bool | None, error: str, synced: bool = False) -> None:
        try:
            counts = outbox.counts(self.journal)
        except Exception:
            log.exception("counting the outbox failed")
            return
        changes: dict = {"hub_reachable": reachable, "sync_waiting": counts.waiting,
                         "sync_rejected": counts.rejected, "sync_error": error}
        if synced:
            changes["last_sync_at"] = self.clock.now()
        self.room.update_health(**changes)
        status = {"error": error, "last_sync_at": changes.get("last_sync_at",
                                                               self.room.health.last_sync_at)}
        if status != self._last_status:
            self._last_status = status
            try:
                keep(self.journal, status["last_sync_at"], error)
            except Exception:
                log.debug("could not keep the sync status in the journal", exc_info=True)
