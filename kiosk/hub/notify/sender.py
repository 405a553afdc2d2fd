"""The sender thread: escalates calls nobody answered, claims due alerts and delivers them, retrying with
backoff until give_up_after_seconds. One per hub process; the clock and the wait are seams, so tests drive
it step by step with run_once() and a fake clock, never by sleeping.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import tzinfo as TzInfo
from typing import Callable

from kiosk.hub.database import UNAVAILABLE, HubDatabase
from kiosk.hub.notify import escalation, outbox
from kiosk.hub.notify.transports import DeliveryError, deliver

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5   # escalations, retries and alerts written by another hub process; this one's own wake it
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 300.0


def retry_delay(attempts: int, retry_after: float | None = None,
                uniform: Callable[[float, float], float] = random.uniform) -> float:
    """Exponential with equal jitter (never zero, so a receiver that is down is not hammered); a receiver's
    Retry-After is a floor."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 16))
    delay = ceiling / 2 + uniform(0.0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_CAP_SECONDS * 4))
    return delay


class AlertSender:
    def __init__(self, hub: HubDatabase, *, now: Callable[[], float] = time.time,
                 stop: threading.Event | None = None, wake: threading.Event | None = None,
                 wait: Callable[[float], bool] | None = None,
                 deliver: Callable = deliver, poll: float = POLL_SECONDS,
                 uniform: Callable[[float, float], float] = random.uniform, zone: TzInfo | None = None) -> None:
        self.hub = hub
        self.now = now
        self.stopping = stop or threading.Event()
        self.wake = wake or threading.Event()   # set by the API after a commit that may have written alerts
        self.wait = wait or self.wake.wait
        self.deliver = deliver
        self.poll = poll
        self.uniform = uniform
        self.zone = zone
        self._thread: threading.Thread | None = None

    @property
    def settings(self):
        return outbox.settings_of(self.hub)

    def run_once(self) -> int:
        """One round: escalations, then every due alert; how many were delivered."""
        with self.hub.db.connection_context():
            for room_id, call_id in escalation.escalate_due(self.hub, self.now()):
                log.info("help call %s of room %d not answered within %.0f s: escalated", call_id, room_id,
                         self.settings.escalate_after_seconds)
            sent = 0
            while True:
                rows = outbox.claim(self.hub, self.now())
                if not rows:
                    return sent
                for row in rows:
                    sent += self._send(row)

    def _send(self, row) -> int:
        channel = self.settings.channel(row.channel)
        now = self.now()
        if channel is None:
            outbox.finish(self.hub, row.id, now, f"no channel named {row.channel!r} in alerts.toml any more")
            return 0
        try:
            self.deliver(channel, outbox.message_of(row, self.zone, channel.language), now)
        except DeliveryError as exc:
            now = self.now()
            given_up = now - row.created_at >= self.settings.give_up_after_seconds
            if exc.permanent or given_up:
                reason = str(exc) if exc.permanent else f"{exc} (gave up after {row.attempts} attempts)"
                log.warning("alert %d (%s, %s) to %s failed: %s", row.id, row.room_name, row.what, row.channel, reason)
                outbox.finish(self.hub, row.id, now, reason)
            else:
                delay = retry_delay(row.attempts, exc.retry_after, self.uniform)
                log.info("alert %d to %s: %s; retrying in %.0f s", row.id, row.channel, exc, delay)
                outbox.finish(self.hub, row.id, now, str(exc), retry_at=now + delay)
            return 0
        outbox.finish(self.hub, row.id, self.now())
        return 1

    # --- the thread ----------------------------------------------------------------------------

    def start(self) -> "AlertSender":
        self._thread = threading.Thread(target=self._loop, name="alert-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.run_once()
            except UNAVAILABLE as exc:
                log.warning("alert sender: the database is unavailable (%s); trying again", exc)
                if hasattr(self.hub.db, "close_idle"):
                    self.hub.db.close_idle()
            except Exception:
                log.exception("alert sender: unexpected error; carrying on")
            self.wait(self.poll)
            self.wake.clear()
