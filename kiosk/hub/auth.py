"""Who may do what at the hub: room tokens for kiosks, passwords and a session for staff, CSRF checks.

Staff passwords are stored as salted scrypt hashes. Every staff POST must carry the session's CSRF
token, and a POST whose Origin header names another site is refused even before that.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for

from kiosk.hub.database import HubDatabase

_N, _R, _P = 2**14, 8, 1


class AuthError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def set_password(hub: HubDatabase, user: str, password: str) -> None:
    user = user.strip()
    if not user or len(user) > 100:
        raise AuthError("the user name must be 1 to 100 characters")
    if any(not ch.isprintable() for ch in user) or "\x00" in password:
        raise AuthError("the user name must not contain control characters, nor the password a NUL")
    if len(password) < 8:
        raise AuthError("the password is too short: use at least 8 characters")
    Staff = hub.models.Staff
    with hub.write():
        old = Staff.get_or_none(Staff.name == user)
        # changed_at is also the login generation: a new value ends every session from before.
        changed_at = max(time.time(), old.changed_at + 0.001) if old is not None else time.time()
        Staff.insert(name=user, password_hash=hash_password(password), changed_at=changed_at).on_conflict(
            conflict_target=[Staff.name], preserve=[Staff.password_hash, Staff.changed_at]).execute()


def remove_staff(hub: HubDatabase, user: str) -> bool:
    """Deletes the staff user; their sessions end at their next request. False if there was none."""
    Staff = hub.models.Staff
    with hub.write():
        return Staff.delete().where(Staff.name == user.strip()).execute() > 0


def verify_staff(hub: HubDatabase, user: str, password: str) -> float | None:
    """The user's login generation if the password is right, else None."""
    Staff = hub.models.Staff
    user = user.strip()
    row = Staff.get_or_none(Staff.name == user) if user.isprintable() else None
    if row is None:
        check_password(password, hash_password("not a user"))  # the same work either way
        return None
    return row.changed_at if check_password(password, row.password_hash) else None


def staff_generation(hub: HubDatabase, user: str) -> float | None:
    Staff = hub.models.Staff
    row = Staff.get_or_none(Staff.name == user)
    return None if row is None else row.changed_at


class LoginThrottle:
    """Slows password guessing. Per hub process.

    After `limit` failures for one user name from one client address within `window` seconds, that
    pair waits until the oldest failure ages out; keyed by the pair so one person's typos do not lock
    out colleagues behind the same proxy or NAT. One address trying many names is capped separately at
    `address_limit` failures.
    """

    def __init__(self, limit: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic,
                 address_limit: int = 50) -> None:
        self.limit, self.window, self.clock, self.address_limit = limit, window, clock, address_limit
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, address: str, user: str = "") -> float:
        with self._lock:
            wait = 0.0
            for key, limit in self._keys(address, user):
                recent = self._recent(key)
                if len(recent) >= limit:
                    wait = max(wait, 1.0, recent[-limit] + self.window - self.clock())
            return wait

    def failed(self, address: str, user: str = "") -> None:
        with self._lock:
            for key, _ in self._keys(address, user):
                self._recent(key).append(self.clock())
            if len(self._failures) > 10_000:
                self._failures = {k: d for k, d in self._failures.items() if d}

    def succeeded(self, address: str, user: str = "") -> None:
        with self._lock:
            self._failures.pop(self._keys(address, user)[0][0], None)

    def _keys(self, address: str, user: str) -> list[tuple[tuple[str, ...], int]]:
        return [(("user", address, user.strip().casefold()), self.limit), (("address", address), self.address_limit)]

    def _recent(self, key: tuple[str, ...]) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] <= self.clock() - self.window:
            recent.popleft()
        return recent


# --- requests ---------------------------------------------------------------------------

def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def same_origin() -> bool:
    """False when the request says it comes from another site (Origin, or Referer when Origin is absent)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return bool(parts.scheme) and f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def check_csrf() -> None:
    """Aborts 403 unless this POST comes from our own page in this session."""
    if not same_origin():
        abort(403, description="this form was sent from another site; open the staff page and try again")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(403, description="the form has expired or did not come from the staff page; reload it and try again")


def current_staff() -> str | None:
    """The logged-in staff user, if that user still exists and has not had their password set since
    logging in (which ends every older session); otherwise the session is cleared."""
    user = session.get("staff")
    if not user:
        return None
    generation = staff_generation(hub_db(), user)
    if generation is None or session.get("staff_gen") != generation:
        session.clear()
        return None
    return user


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_staff():
            if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
                return jsonify(error="staff login required: log in at /login"), 401
            return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
        g.staff = session["staff"]
        return view(*args, **kwargs)
    return wrapper


def hub_db() -> HubDatabase:
    return current_app.extensions["kiosk_hub"].hub
