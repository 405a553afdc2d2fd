"""How many presses make a help call: one (the default), or two within a window.

A double press guards against a bag or an elbow leaning on the button.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

PATTERNS = ("single", "double")


class PressPattern:
    def __init__(self, press: str = "single", window_seconds: float = 0.8) -> None:
        if press not in PATTERNS:
            raise ValueError(f"press pattern {press!r} is not one of {', '.join(PATTERNS)}")
        self.press = press
        self.window_seconds = window_seconds
        self._armed_at: float | None = None

    def pressed(self, now: float) -> bool:
        """True when this press completes the pattern: call for help."""
        if self.press == "single":
            return True
        if self._armed_at is not None and now - self._armed_at <= self.window_seconds:
            self._armed_at = None
            return True
        self._armed_at = now
        log.info("one press heard; a second within %.1f s calls for help", self.window_seconds)
        return False
