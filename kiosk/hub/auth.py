"""Who may do what at the hub: room tokens for kiosks, passwords and a session for staff, CSRF checks.

Staff passwords are stored as salted scrypt hashes. A staff login is a row in hub_staff_session: the
signed cookie carries only a random session id, so logging out (which deletes the row) ends that login
for every copy of the cookie, while the same user's logins in other browsers go on. Setting a user's
password or removing the user ends all of their logins. Every staff POST must carry the session's CSRF
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
SESSION_IDLE_SECONDS = 12 * 3600   # a login unused this long has ended (the cookie's lifetime too)
SEEN_EVERY_SECONDS = 300           # how often an active login's last use is written down


class AuthError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


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
        hub.models.StaffSession.delete().where(hub.models.StaffSession.staff == user).execute()


def remove_staff(hub: HubDatabase, user: str) -> bool:
    """Deletes the staff user; their sessions end at their next request. False if there was none."""
    Staff, StaffSession = hub.models.Staff, hub.models.StaffSession
    with hub.write():
        StaffSession.delete().where(StaffSession.staff == user.strip()).execute()
        return Staff.delete().where(Staff.name == user.strip()).execute() > 0


def verify_staff(hub: HubDatabase, user: str, password: str) -> float | None:
    """The user's login generation if the password is right, else None."""
    Staff = hub.models.Staff
    user = user.strip()
    row = Staff.get_or_none(Staff.name == user) if user.isprintable() else None
    if row is None:
        check_password(password, _unknown_user_hash())  # one scrypt either way: timing tells no names
        return None
    return row.changed_at if check_password(password, row.password_hash) else None


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(hub: HubDatabase, user: str, generation: float, now: float) -> str:
    """Records a new login of user and returns its session id (for the cookie only; never stored)."""
    StaffSession = hub.models.StaffSession
    session_id = secrets.token_urlsafe(32)
    with hub.write():
        StaffSession.delete().where(StaffSession.seen_at < now - SESSION_IDLE_SECONDS).execute()
        StaffSession.create(id_hash=_session_key(session_id), staff=user, generation=generation, created_at=now,
                            seen_at=now)
    return session_id


def end_session(hub: HubDatabase, session_id: str) -> None:
    StaffSession = hub.models.StaffSession
    with hub.write():
        StaffSession.delete().where(StaffSession.id_hash == _session_key(session_id)).execute()


def session_user(hub: HubDatabase, session_id: str, now: float) -> str | None:
    """The staff user of a login that is still going: not logged out, idle for less than
    SESSION_IDLE_SECONDS, and from the user's current password. An ended login's row is removed."""
    StaffSession, Staff = hub.models.StaffSession, hub.models.Staff
    key = _session_key(session_id)
    row = (StaffSession.select(StaffSession.staff, StaffSession.generation, StaffSession.seen_at, Staff.changed_at)
           .join(Staff, on=(StaffSession.staff == Staff.name)).where(StaffSession.id_hash == key).tuples().first())
    if row is None:
        return None
    user, generation, seen_at, changed_at = row
    if generation != changed_at or not now - SESSION_IDLE_SECONDS < seen_at:
        end_session(hub, session_id)
        return None
    if now - seen_at >= SEEN_EVERY_SECONDS:
        with hub.write():
            StaffSession.update(seen_at=now).where(StaffSession.id_hash == key).execute()
    return user


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
    """The logged-in staff user of this request's session (see session_user); otherwise the cookie's
    session is cleared."""
    session_id = session.get("sid")
    if not isinstance(session_id, str) or not session_id:
        if session.get("staff"):
            session.clear()   # a login from before server-side sessions, or a tampered one
        return None
    user = session_user(hub_db(), session_id, current_app.extensions["kiosk_hub"].now())
    if user is None:
        session.clear()
    return user


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_staff()
        if not user:
            if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
                return jsonify(error="staff login required: log in at /login"), 401
            return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
        g.staff = user
        return view(*args, **kwargs)
    return wrapper


def hub_db() -> HubDatabase:
    return current_app.extensions["kiosk_hub"].hub
