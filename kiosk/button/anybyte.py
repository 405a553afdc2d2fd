"""Any-byte mode: a button that sends a byte (any byte) per press.

Cheap buttons bounce and some repeat while held, so a press is a byte that
arrives after at least `quiet_seconds` of silence; bytes closer together than
that belong to the press already counted.
"""

from __future__ import annotations

from kiosk.button.signals import HELP, Signal

QUIET_SECONDS = 0.15


class AnyByteDecoder:
    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.quiet_seconds = quiet_seconds
        self.bytes_seen = 0
        self._last_byte_at: float | None = None

    def feed(self, data: bytes, now: float) -> list[Signal]:
        """All of data arrived at `now` (monotonic seconds)."""
        if not data:
            return []
        self.bytes_seen += len(data)
        last = self._last_byte_at
        self._last_byte_at = now
        if last is None or now - last >= self.quiet_seconds:
            return [HELP]
        return []

    def reset(self) -> None:
        self._last_byte_at = None
