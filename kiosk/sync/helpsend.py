"""Sending help events to the hub on their own thread, connection and retry schedule.

A help call must reach the hub within a second or two whatever the backlog is
doing: a big batch stalled on a flaky link, or a backoff grown to a minute.
So help.* events never travel with the backlog. This sender takes them the
moment they are committed, on its own connection with short timeouts, and
while the hub has not confirmed them it tries again after retry_first seconds,
doubling up to retry_max, for as long as it takes: the first try that finds
the hub reachable again delivers the call. A Retry-After from the hub is not
waited for here: it protects the hub from backlogs, and one small request a
second from a room with an unanswered call is not one.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Callable

from kiosk.clock import Clock
from kiosk.room import Room
from kiosk.session import facts as F
from kiosk.store.outbox import Outgoing
from kiosk.sync.client import HubClient, HubError, TokenRefused, encode_event
from kiosk.sync.status import ANSWERED
from kiosk.sync.threads import join_or_warn
from kiosk.sync.upload import Progress, Uploader

log = logging.getLogger(__name__)

Wait = Callable[[threading.Event, float], bool]


def with_age(item: Outgoing, clock: Clock) -> str:
    """The event's wire text with its `age`: seconds since it was journalled (for help.raised, the press),
    on this boot's steady clock, as of this send. The hub counts back from its own clock, so the staff page
    shows the true waiting time even when this kiosk's wall clock is wrong and however late the call
    arrives. An event from an earlier boot has no age: monotonic time does not carry across a restart."""
    wire = json.loads(item.text)
    if wire.get("boot_id") == clock.boot_id and isinstance(wire.get("mono"), (int, float)):
        wire["age"] = round(max(0.0, clock.monotonic() - wire["mono"]), 3)
    return encode_event(wire)


def event_wait(event: threading.Event, timeout: float) -> bool:
    """The production wait: sleep on the event until it is set or the timeout passes."""
    return event.wait(timeout)


class HelpSender:
    def __init__(self, room: Room, client_factory: Callable[[], HubClient], now: Callable[[], float], *,
                 wait: Wait = event_wait, retry_first: float = 0.25, retry_max: float = 0.5,
                 token_retry_seconds: float = 300.0, idle_check: float = 30.0) -> None:
        if not 0 < retry_first <= retry_max:
            raise ValueError(f"help retries need 0 < retry_first <= retry_max, got {retry_first} and {retry_max}")
        self.room = room
        self.journal = room.journal
        self._client_factory = client_factory
        self.now = now
        self._wait = wait
        self.retry_first = retry_first
        self.retry_max = retry_max
        self.token_retry_seconds = token_retry_seconds
        self.idle_check = idle_check
        self.attempts = 0
        self.failures_in_row = 0
        self._due = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._due.set()  # help calls journalled before the sender ran go at once too
        self._thread = threading.Thread(target=self._run, name="sync-help-send", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        join_or_warn(self._thread, timeout, log, "help sender")
        self._thread = None

    def send_soon(self) -> None:
        """A help event was committed (or someone asked): send now, even mid-retry. Never waits."""
        self._due.set()
        self._wake.set()

    def retry_delay(self) -> float:
        """The wait after the failures in a row so far: short, and never longer than retry_max."""
        return min(self.retry_max, self.retry_first * 2 ** max(0, self.failures_in_row - 1))

    def _run(self) -> None:
        clock = self.room.clock
        uploader = Uploader(self.journal, self._client_factory(), self.now, batch_size=50, kinds=F.HELP_KINDS,
                            stamp=lambda item: with_age(item, clock))
        try:
            while not self._stop.is_set():
                if not self._due.is_set():
                    if not self._wait(self._wake, self.idle_check) and not self._stop.is_set():
                        self._due.set()  # look again now and then; a cheap query when nothing waits
                    self._wake.clear()
                    continue
                self._due.clear()
                self._wake.clear()
                self._wait(self._wake, self._send_round(uploader))
        finally:
            uploader.client.close()
            try:
                if not self.journal.db.is_closed():
                    self.journal.db.close()
            except Exception:
                log.debug("closing the help sender's database connection failed", exc_info=True)

    def _send_round(self, uploader: Uploader) -> float:
        """Send every help event waiting; returns the wait before the next round (0 when none is due)."""
        self.attempts += 1
        try:
            progress = self._send_all(uploader)
        except TokenRefused as exc:
            self._failed(exc)
            return self.token_retry_seconds
        except HubError as exc:
            self._failed(exc)
            return self.retry_delay()
        except Exception as exc:  # thread boundary: a help call must keep being tried
            log.exception("sending help events to %s failed inside the kiosk", uploader.client.url)
            self._failed(exc)
            return self.retry_delay()
        if progress.answered:
            self.room.update_health(**ANSWERED, sync_waiting=uploader.waiting())
        if progress.failed and not progress.answered:
            self._due.set()  # a help event the hub failed on alone: keep trying it on the short schedule
            self.failures_in_row += 1
            return self.retry_delay()
        self.failures_in_row = 0
        if progress.failed or (progress.attempted and uploader.sendable()):
            self._due.set()  # one failed beside others, or the hub left some out: again soon
            return self.retry_first
        return 0.0

    def _send_all(self, uploader: Uploader) -> Progress:
        total = Progress()
        uploader.begin()
        try:
            while not self._stop.is_set():
                step = uploader.send_next()
                total.add(step)
                for call_id in step.raised_confirmed:
                    self.room.change_help(F.HELP_DELIVERED, call_id)
                if step.attempted == 0:
                    break
        finally:
            uploader.settle()
        return total

    def _failed(self, exc: BaseException) -> None:
        self._due.set()
        self.failures_in_row += 1
        if self.failures_in_row == 1:
            log.info("help events not delivered (%s); trying again in %.2f s, then every %.1f s at most",
                     exc, self.retry_delay(), self.retry_max)
        if isinstance(exc, TokenRefused):
            if not self.room.health.hub_key_refused:
                log.warning("help events not delivered: %s", exc)
            self.room.update_health(hub_reachable=False, hub_key_refused=True, sync_error=TokenRefused.PLAIN,
                                    sync_trouble="key")
        elif self.failures_in_row >= 2:
            self.room.update_health(hub_reachable=False, sync_error=str(exc), sync_trouble="unreachable")
