"""Learning the hub's answer to an open help call, on its own thread.

While a call is open the kiosk long-polls the hub's help endpoint, so staff's
"on my way" reaches the room within a second or two however long the upload
backlog is. The wait per poll is short on purpose: the contract has no
"changes since" cursor, so a change that lands between two polls is only
seen by the next one; a short wait bounds that delay.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from kiosk.room import Room
from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.help import HUB_STATES, KIND_STATE, HelpState
from kiosk.sync.client import HubCall, HubClient, HubError
from kiosk.sync.threads import join_or_warn

log = logging.getLogger(__name__)

# The hub's state of a call -> what the kiosk journals for it (a call the hub has as raised is delivered).
STATE_KIND = {str(state): kind for kind, state in KIND_STATE.items() if state in HUB_STATES}
STATE_KIND[str(HelpState.RAISED)] = F.HELP_DELIVERED


def apply_hub_calls(room: Room, calls: list[HubCall]) -> int:
    """Move the kiosk's calls forward by what the hub knows; returns how many moved.

    A call the hub lists as raised has been committed there, so it is delivered.
    """
    moved = 0
    for call in calls:
        kind = STATE_KIND.get(call.state)
        if kind is None or not call.call_id:
            continue
        if kind != F.HELP_DELIVERED and room.change_help(F.HELP_DELIVERED, call.call_id):
            moved += 1
        if room.change_help(kind, call.call_id, by=call.by):
            log.info("help call %s is %s at the hub%s", call.call_id, call.state,
                     f" by {call.by}" if call.by else "")
            moved += 1
    return moved


class HelpWatch:
    def __init__(self, room: Room, client_factory: Callable[[], HubClient], *, wait: float = 1.0,
                 idle_check: float = 30.0, error_pause: float = 1.0, min_interval: float = 0.2,
                 monotonic: Callable[[], float] = time.monotonic,
                 pause: Callable[[threading.Event, float], bool] = threading.Event.wait) -> None:
        """wait: how long the hub may hold each long poll; monotonic and pause are the seams tests drive."""
        self.room = room
        self._monotonic = monotonic
        self._pause = pause
        self._client_factory = client_factory
        self.wait = wait
        self.idle_check = idle_check
        self.error_pause = error_pause
        self.min_interval = min_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        room.subscribe(self._on_facts)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sync-help", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        join_or_warn(self._thread, timeout, log, "help watch")
        self._thread = None

    def _on_facts(self, facts: list[Fact]) -> None:
        if any(f.kind in F.HELP_KINDS for f in facts):
            self._wake.set()

    def _run(self) -> None:
        client = self._client_factory()
        try:
            while not self._stop.is_set():
                if self.room.view().help_call is None:
                    self._pause(self._wake, self.idle_check)
                    self._wake.clear()
                    continue
                started = self._monotonic()
                try:
                    apply_hub_calls(self.room, client.help_calls(wait=self.wait))
                except HubError as exc:
                    log.debug("help check failed: %s", exc)
                    self._pause(self._stop, self.error_pause)
                    continue
                except Exception:  # thread boundary: keep watching
                    log.exception("help check against %s failed", client.url)
                    self._pause(self._stop, self.error_pause)
                    continue
                self._pause(self._stop, max(0.0, self.min_interval - (self._monotonic() - started)))
        finally:
            client.close()
