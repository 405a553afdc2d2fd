"""Supervision of a firmware button: it sends PING every second; three missed are a fault.

A `line` button must speak: after the port opens, it has `timeout` seconds
to send its first PING or HELLO, or it is silent (a Pico whose program
crashed still enumerates as a serial port; another device may have taken
its name). Once it has spoken, a silence longer than `timeout` is a fault.
A heartbeat that is not required (an any-byte button, a plain adapter) never
faults for silence: those are supervised by their port and lines.
"""

from __future__ import annotations

from enum import Enum

PING_TIMEOUT = 3.5


class Heard(Enum):
    NOTHING_NEW = 0
    FIRST = 1
    RECOVERED = 2


class Heartbeat:
    def __init__(self, timeout: float = PING_TIMEOUT, required: bool = False) -> None:
        self.timeout = timeout
        self.required = required
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
            self.faulted = False
            return Heard.FIRST
        if self.faulted:
            self.faulted = False
            return Heard.RECOVERED
        return Heard.NOTHING_NEW

    def silent_too_long(self, now: float) -> bool:
        """True once per silence, when it first exceeds the timeout."""
        supervised = self.speaks_protocol or self.required
        if supervised and not self.faulted and now - self._last > self.timeout:
            self.faulted = True
            return True
        return False

    def silence(self, now: float) -> float:
        return now - self._last
