"""Retry delays: exponential backoff with full jitter, and the hub's Retry-After.

Full jitter (a uniform draw between 0 and the exponential ceiling) spreads a
fleet of kiosks that lost the hub at the same moment, so they do not all come
back in the same instant. A Retry-After from the hub is a floor: the kiosk
never retries earlier than the hub asked.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime
from typing import Callable


class Backoff:
    def __init__(self, base: float, cap: float, uniform: Callable[[float, float], float] | None = None) -> None:
        """base and cap come from the sync worker (its defaults: 0.5 s and 60 s), the one place they are set."""
        if base <= 0 or cap < base:
            raise ValueError(f"backoff needs 0 < base <= cap, got base={base} cap={cap}")
        self.base = base
        self.cap = cap
        self._uniform = uniform or random.Random().uniform
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """The wait before the next attempt after one more failure."""
        ceiling = min(self.cap, self.base * (2 ** min(self.failures, 32)))
        self.failures += 1
        delay = self._uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap * 10))
        return delay

    def reset(self) -> None:
        self.failures = 0


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None
