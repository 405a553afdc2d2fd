"""The one-time code that opens the download page: six digits, five minutes, once; five wrong tries
rest the page for a while. Pure logic on an injected monotonic clock, so tests need no sleeping.

Tries are counted for the whole opening, not per address: on a hotspot anyone can take a new
address, and six digits with five tries per code is a one-in-200,000 guess.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Callable

CODE_DIGITS = 6
CODE_SECONDS = 300.0
WRONG_TRIES = 5
REST_SECONDS = 300.0

ACCEPTED, WRONG, EXPIRED, USED, RESTING = "accepted", "wrong", "expired", "used", "resting"


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class Verdict:
    outcome: str
    tries_left: int = 0
    rest_until: float | None = None  # monotonic

    @property
    def ok(self) -> bool:
        return self.outcome == ACCEPTED


class CodeGate:
    """Holds the current code. try_code() says what happened; issue() replaces the code."""

    def __init__(self, monotonic: Callable[[], float], make_code: Callable[[], str] = new_code,
                 lifetime: float = CODE_SECONDS, wrong_tries: int = WRONG_TRIES,
                 rest: float = REST_SECONDS) -> None:
        self._now = monotonic
        self._make = make_code
        self.lifetime, self.wrong_tries, self.rest = lifetime, wrong_tries, rest
        self.wrong = 0
        self.rest_until: float | None = None
        self.code = ""
        self.issued_at = 0.0
        self.used = False
        self.issue()

    def issue(self) -> str:
        """A fresh code: the old one stops working; a rest already begun still holds."""
        self.code = self._make()
        if len(self.code) != CODE_DIGITS or not self.code.isdigit():
            raise ValueError(f"a one-time code is {CODE_DIGITS} digits, not {self.code!r}")
        self.issued_at = self._now()
        self.used = False
        return self.code

    @property
    def expires_at(self) -> float:
        return self.issued_at + self.lifetime

    def expired(self) -> bool:
        return self._now() >= self.expires_at

    def resting(self) -> bool:
        if self.rest_until is None:
            return False
        if self._now() >= self.rest_until:
            self.rest_until, self.wrong = None, 0
            return False
        return True

    def try_code(self, given: str) -> Verdict:
        if self.resting():
            return Verdict(RESTING, rest_until=self.rest_until)
        given = (given or "").strip().replace(" ", "")
        right = hmac.compare_digest(given.encode("ascii", "replace"), self.code.encode("ascii"))
        if right and self.used:
            return Verdict(USED)
        if right and self.expired():
            return Verdict(EXPIRED)
        if right:
            self.used = True
            self.wrong = 0
            return Verdict(ACCEPTED)
        self.wrong += 1
        if self.wrong >= self.wrong_tries:
            self.rest_until = self._now() + self.rest
            return Verdict(RESTING, rest_until=self.rest_until)
        return Verdict(WRONG, tries_left=self.wrong_tries - self.wrong)
