"""Supervision of a firmware button: it sends PING every second; three missed are a fault.

Supervision starts with the first PING or HELLO on a connection. A button
that has sent neither (an any-byte button, a plain adapter, a line-mode
button with no heartbeat) is supervised only by whether its port is open,
so it is never faulted for silence.
"""

from __future__ import annotations

from enum import Enum

PING_TIMEOUT = 3.5


class Heard(Enum):
    NOTHING_NEW = 0
    FIRST = 1
    RECOVERED = 2


class Heartbeat:
    def __init__(self, timeout: float = PING_TIMEOUT) -> None:
        self.timeout = timeout
        self.speaks_protocol = False
        self.faulted = False
        self._last = 0.0

    def connected(self, now: float) -> None:
        self.speaks_protocol = False
        self.faulted = False
        self._last = now

    def heard(self, now: float, heartbeat: bool = True) -> Heard:
        """Any well-formed message is a sign of life; heartbeat: it was a PING or HELLO."""
        if not self.speaks_protocol and not heartbeat:
            return Heard.NOTHING_NEW
        self._last = now
        if not self.speaks_protocol:
            self.speaks_protocol = True
            return Heard.FIRST
        if self.faulted:
            self.faulted = False
            return Heard.RECOVERED
        return Heard.NOTHING_NEW

    def silent_too_long(self, now: float) -> bool:
        """True once, when the silence first exceeds the timeout."""
        if self.speaks_protocol and not self.faulted and now - self._last > self.timeout:
            self.faulted = True
            return True
        return False

    def silence(self, now: float) -> float:
        return now - self._last
