"""Modem-line mode: a plain USB-serial adapter whose CTS or DSR line a switch closes.

The kiosk drives RTS and DTR high as the source; the switch connects RTS to
CTS (or DTR to DSR). The line is polled; a level counts only once it has
held for `settle_seconds`, and a press is a settled change from open to
closed. The level found when the port opens is the starting point, not a
press: a reconnect must never raise a call by itself.
"""

from __future__ import annotations

from kiosk.button.signals import HELP, Signal

SETTLE_SECONDS = 0.03
POLL_SECONDS = 0.01


class ModemLineDebouncer:
    def __init__(self, settle_seconds: float = SETTLE_SECONDS) -> None:
        self.settle_seconds = settle_seconds
        self.closed: bool | None = None
        self._candidate: bool | None = None
        self._candidate_since = 0.0

    def sample(self, closed: bool, now: float) -> list[Signal]:
        if self.closed is None:
            self.closed = closed
            self._candidate = closed
            return []
        if closed == self.closed:
            self._candidate = closed
            return []
        if closed != self._candidate:
            self._candidate = closed
            self._candidate_since = now
        if now - self._candidate_since < self.settle_seconds:
            return []
        self.closed = closed
        return [HELP] if closed else []

    def reset(self) -> None:
        self.closed = None
        self._candidate = None
