"""The facilitator PIN in front of settings, export and downloads: five wrong tries rest it a minute.

A rule of the room, not of a widget: the count lives with the Room for the kiosk's whole run, so
closing and reopening the pad does not reset it, and one test cannot leave it resting for the next.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

MAX_TRIES = 5
REST_SECONDS = 60.0


class PinVerdict(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"      # tries left
    REST = "rest"        # that was the last wrong try: rest now
    RESTING = "resting"  # not even checked


@dataclass(frozen=True)
class PinGuard:
    tries: int = 0
    resting_until: float = float("-inf")  # monotonic seconds

    def rest_left(self, mono: float) -> float:
        return max(0.0, self.resting_until - mono)


def try_pin(guard: PinGuard, entered: str, pin: str, mono: float) -> tuple[PinGuard, PinVerdict]:
    """The guard after one try, and what the pad should say. Compared in constant time."""
    if guard.rest_left(mono) > 0:
        return guard, PinVerdict.RESTING
    if hmac.compare_digest(entered.encode(), pin.encode()):
        return PinGuard(), PinVerdict.CORRECT
    tries = guard.tries + 1
    if tries >= MAX_TRIES:
        return PinGuard(0, mono + REST_SECONDS), PinVerdict.REST
    return PinGuard(tries), PinVerdict.WRONG  # a rest that is over is no rest: none is kept
