"""The hub's Flask app: built from an open HubDatabase, so tests and benches can make several."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from datetime import tzinfo as TzInfo
from typing import Callable

from flask import Flask, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from kiosk.clock import local_zone
from kiosk.hub import readerlanguage
from kiosk.hub.auth import SESSION_IDLE_SECONDS, LoginThrottle
from kiosk.hub.database import UNAVAILABLE, HubDatabase, redact
from kiosk.hub.urgency import BACKLOG_TURNS
from kiosk.hub.validate import MAX_BODY_BYTES

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


@dataclass
class HubContext:
    """What the request handlers share in one hub process."""

    hub: HubDatabase
    now: Callable[[], float] = time.time
    zone: TzInfo | None = None
    long_polls: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(16))
    backlog_turns: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(BACKLOG_TURNS))
    stopping: threading.Event = field(default_factory=threading.Event)
    logins: LoginThrottle = field(default_factory=LoginThrottle)
    alerts_due: threading.Event = field(default_factory=threading.Event)  # wakes this process's alert sender


class SessionCookie(SecureCookieSessionInterface):
    """The staff cookie is Secure when --secure-cookies says so, and also whenever this request came over
    HTTPS: directly, or through the --trusted-proxy whose X-Forwarded-Proto says https (waitress believes
    that header only from that proxy, and then sets the request's scheme)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app)) or request.is_secure


def create_app(hub: HubDatabase, *, now: Callable[[], float] = time.time, timezone: str | None = None,
               threads: int = 24, secure_cookies: bool = False) -> Flask:
    """threads: the server's worker threads; long polls may hold all but four of them."""
    from kiosk.hub.alertspage import alerts
    from kiosk.hub.api import api
    from kiosk.hub.importpage import imports_page
    from kiosk.hub.logs import logs
    from kiosk.hub.staff import staff

    app = Flask(__name__)
    app.session_interface = SessionCookie()
    ctx = HubContext(hub, now=now, zone=local_zone(timezone),
                     long_polls=threading.Semaphore(max(1, threads - 4)))
    app.extensions["kiosk_hub"] = ctx
    with hub.db.connection_context():
        app.secret_key = hub.session_secret()
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES + 64 * 1024,
        SESSION_COOKIE_NAME="kiosk_hub_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=SESSION_IDLE_SECONDS),
    )
    app.json.sort_keys = False
    readerlanguage.install(app)
    app.register_blueprint(api)
    app.register_blueprint(imports_page)  # before staff: its upload limit must be set before the CSRF check reads the form
    app.register_blueprint(staff)
    app.register_blueprint(logs)
    app.register_blueprint(alerts)

    @app.before_request
    def _connect() -> None:
        hub.db.connect(reuse_if_open=True)

    @app.teardown_request
    def _release(_exc: BaseException | None) -> None:
        if not hub.db.is_closed():
            hub.db.close()

    def _unavailable(exc: Exception):
        log.warning("database %s unavailable for %s %s: %s", redact(hub.url), request.method, request.path, exc)
        if hasattr(hub.db, "close_idle"):
            hub.db.close_idle()  # pooled connections to a restarted server are dead too; start afresh
        response = jsonify(error="the hub cannot reach its database right now; retry after a few seconds")
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for exc_class in UNAVAILABLE:
        app.register_error_handler(exc_class, _unavailable)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            response = jsonify(error=exc.description or exc.name)
            response.status_code = exc.code or 500
            if exc.code == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="room kiosk hub"'
            return response
        return exc

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Nothing inline and nothing from elsewhere: an injected <script> could not run even if a name slipped
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; base-uri 'none'; "
                                    "form-action 'self'; frame-ancestors 'none'; object-src 'none'")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
