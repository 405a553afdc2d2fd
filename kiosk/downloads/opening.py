"""One opening of the download page: its one-time code, its visitors, and when it ends.

Everything a browser holds (the session cookie, the CSRF token) is a random value that means
something only to this object. When the opening closes, its visitors are forgotten, so a cookie
kept from it, or replayed at a later opening, is as good as none.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Callable

from kiosk.downloads.codes import CODE_SECONDS, CodeGate, Verdict, new_code

OPEN_SECONDS = 15 * 60.0  # the longest an opening lasts, whatever happens
MAX_VISITORS = 32  # browsers that have asked for the code page; the oldest not signed in is forgotten first

OPEN, CLOSED = "open", "closed"


@dataclass
class Visitor:
    token: str
    csrf: str
    address: str
    signed_in: bool = False
    since: float = 0.0


@dataclass(frozen=True)
class Change:
    """What the panel is told: signed_in, served (with the journalled payload), closed (with why)."""

    kind: str
    data: dict = field(default_factory=dict)


class Opening:
    def __init__(self, monotonic: Callable[[], float], make_code: Callable[[], str] = new_code,
                 lifetime: float = OPEN_SECONDS, code_seconds: float = CODE_SECONDS) -> None:
        self._now = monotonic
        self._lock = threading.Lock()
        self.gate = CodeGate(monotonic, make_code, lifetime=code_seconds)
        self.opened_at = monotonic()
        self.deadline = self.opened_at + lifetime
        self.closed = threading.Event()
        self.why_closed = ""
        self._visitors: dict[str, Visitor] = {}
        self._listeners: list[Callable[[Change], None]] = []
        self.served = 0

    # --- the panel's side -------------------------------------------------------

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def tell(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    @property
    def code(self) -> str:
        return self.gate.code

    def new_code(self) -> str:
        with self._lock:
            return self.gate.issue()

    def anyone_signed_in(self) -> bool:
        with self._lock:
            return any(v.signed_in for v in self._visitors.values())

    def due_to_close(self) -> str | None:
        """Why the opening should close now (its time is up, or its code expired unused), else None."""
        if self._now() >= self.deadline:
            return "time"
        if self.gate.expired() and not self.anyone_signed_in():
            return "code expired"
        return None

    def close(self, why: str) -> None:
        with self._lock:
            if self.closed.is_set():
                return
            self.why_closed = why
            self._visitors.clear()
            self.closed.set()
        self.tell(Change(CLOSED, {"why": why}))

    # --- the page's side --------------------------------------------------------

    def visitor(self, token: str | None, address: str) -> Visitor | None:
        """The visitor this cookie belongs to, from this address, while the opening is open."""
        if not token or self.closed.is_set():
            return None
        with self._lock:
            v = self._visitors.get(token)
            if v is None or not secrets.compare_digest(v.address, address):
                return None
            return v

    def welcome(self, address: str) -> Visitor:
        """A new visitor (not signed in): a cookie and a CSRF token for the code form."""
        with self._lock:
            if len(self._visitors) >= MAX_VISITORS:
                waiting = [k for k, v in self._visitors.items() if not v.signed_in]
                for k in waiting[: max(1, len(waiting) // 2)]:
                    del self._visitors[k]
            v = Visitor(secrets.token_urlsafe(32), secrets.token_urlsafe(32), address, since=self._now())
            self._visitors[v.token] = v
            return v

    def try_code(self, visitor: Visitor, code: str) -> tuple[Verdict, Visitor | None]:
        """On the right code, the visitor gets a new cookie and CSRF token (the old ones stop working)."""
        with self._lock:
            verdict = self.gate.try_code(code)
            if not verdict.ok:
                return verdict, None
            self._visitors.pop(visitor.token, None)
            fresh = Visitor(secrets.token_urlsafe(32), secrets.token_urlsafe(32), visitor.address, True, self._now())
            self._visitors[fresh.token] = fresh
        self.tell(Change("signed_in", {"address": visitor.address}))
        return verdict, fresh

    def leave(self, visitor: Visitor) -> None:
        with self._lock:
            self._visitors.pop(visitor.token, None)
