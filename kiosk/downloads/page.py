"""The download page: a small Flask app a phone reads without JavaScript.

GET / shows the code form, or (signed in) the session list and the download forms. POST /code
takes the one-time code; POST /download serves a file; POST /leave signs out. Every POST carries
the visitor's CSRF token. The cookie is HttpOnly and SameSite=Strict and names a visitor of this
opening only (kiosk.downloads.opening). No URL names a file: there is no static folder, the style
sheet is a string, and anything else is 404. The pages are templates/*.html.

Every word speaks the phone's language: its browser's Accept-Language when that is a language the
kiosk speaks, else the kiosk's own `language` (kiosk.page_language, as the hub's pages); times and
dates in the kiosk's zone and that language's form (kiosk.local_time).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from flask import Flask, Response, redirect, render_template, request

from kiosk import local_time, page_language
from kiosk.clock import Clock, local_zone
from kiosk.config import Config
from kiosk.downloads import codes
from kiosk.downloads.catalogue import SessionLine, known_session, list_sessions
from kiosk.downloads.delivery import FORMATS, Nothing, NotOffered, parse_choice, prepare
from kiosk.downloads.opening import Change, Opening, Visitor
from kiosk.page_language import gettext as _, ngettext
from kiosk.session import facts as F

log = logging.getLogger(__name__)

COOKIE = "kiosk_download"
SERVED = F.DOWNLOAD_SERVED
Note = Callable[[str, dict[str, Any]], Any]

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;color:#223;background:#f4f1ea;
line-height:1.4}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.note{background:#e8e2d4;border-radius:.5rem;padding:.6rem .8rem}.plain{font-weight:600}
form{margin:.4rem 0}input,select,button{font-size:1.1rem;padding:.5rem;border-radius:.4rem;border:1px solid #887}
input[name=code]{letter-spacing:.3rem;width:9rem;text-align:center}
button{background:#dfe7ee;color:#223}table{border-collapse:collapse;width:100%}
table{font-size:.95rem}td,th{text-align:left;padding:.4rem .2rem;border-bottom:1px solid #d8d0c0;vertical-align:top}
td:last-child{width:1%}td form{display:inline;margin:0}td button{font-size:.85rem;padding:.3rem .4rem;margin:.1rem 0}
.small{font-size:.9rem;color:#556}.when{white-space:nowrap}label{display:inline-block;margin:.2rem .6rem .2rem 0}
"""

def local_peer(address: str) -> bool:
    """Loopback, private and link-local addresses: the room's network or the kiosk's own hotspot."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private or ip.is_link_local


def known_host(host: str, names: frozenset[str]) -> bool:
    """The Host header names the kiosk: an IP address, or one of its own names. A DNS name that merely
    points at the kiosk (DNS rebinding, from a web page a phone has open) is refused."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return name in names


def create_page(config: Config, clock: Clock, opening: Opening, note: Note,
                names: frozenset[str] | None = None, staging: Path | None = None) -> Flask:
    """names: the host names the page answers to (default: this machine's name, NAME.local, localhost)."""
    if names is None:
        from kiosk.downloads.address import hostname

        names = frozenset({hostname().lower(), f"{hostname().lower()}.local", "localhost"})
    app = Flask(__name__, static_folder=None, template_folder="templates")
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024, MAX_FORM_MEMORY_SIZE=16 * 1024)
    page_language.install(app, lambda: page_language.browser_language(config.language))
    zone = local_zone(config.timezone)
    database = config.paths.database
    noted_rest: list[float | None] = [None]

    def peer() -> str:
        return request.remote_addr or ""

    def current() -> Visitor | None:
        return opening.visitor(request.cookies.get(COOKIE), peer())

    def with_cookie(response: Response, visitor: Visitor) -> Response:
        response.set_cookie(COOKIE, visitor.token, httponly=True, samesite="Strict", path="/")
        return response

    def csrf_ok(visitor: Visitor | None) -> bool:
        import secrets
        sent = request.form.get("csrf_token", "")
        return visitor is not None and bool(sent) and secrets.compare_digest(sent.encode(), visitor.csrf.encode())

    def refused(text: str, status: int = 403) -> Response:
        return Response(text + "\n", status=status, mimetype="text/plain")

    @app.before_request
    def gatekeeper():
        if opening.closed.is_set():
            return refused(_("the download page is closed: open it again on the kiosk"), 410)
        if not local_peer(peer()):
            return refused(_("this page answers only the local network"))
        if not known_host(request.host, names):
            return refused(_("this page answers only at the kiosk's own addresses (its .local name or its IP)"),
                           421)
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        for k, v in HEADERS.items():
            response.headers[k] = v
        return response

    @app.get("/style.css")
    def style():
        return Response(STYLE, mimetype="text/css")

    def code_page(visitor: Visitor, message: str = "", status: int = 200, resting: bool = False) -> Response:
        html = render_template("code.html", room=config.room, csrf=visitor.csrf, message=message,
                               resting=resting)
        return with_cookie(Response(html, status=status, mimetype="text/html"), visitor)

    def list_page(visitor: Visitor, message: str = "", status: int = 200) -> Response:
        sessions = list_sessions(database, zone)
        today = datetime.fromtimestamp(clock.now(), zone).date()
        first = sessions[-1].started.date() if sessions else today
        html = render_template(
            "list.html", room=config.room, csrf=visitor.csrf, message=message,
            sessions=[Shown.of(s, zone) for s in sessions], sealed=bool(config.export.recipient),
            formats=list(FORMATS.items()), first_day=first.isoformat(), last_day=today.isoformat())
        return Response(html, status=status, mimetype="text/html")

    @app.get("/")
    def index():
        visitor = current()
        if visitor is not None and visitor.signed_in:
            return list_page(visitor)
        if visitor is None:
            visitor = opening.welcome(peer())
        resting = opening.gate.resting()
        return code_page(visitor, _rest_text(opening, clock, zone) if resting else "", resting=resting)

    @app.post("/code")
    def code():
        visitor = current()
        if visitor is None:
            return refused(_("this browser has no session with the page: open the page's address again "
                             "(the browser must accept its cookie)"))
        if not csrf_ok(visitor):
            return refused(_("the form's token is missing or wrong: open the page's address again"))
        if visitor.signed_in:
            return redirect("/", 303)
        verdict, fresh = opening.try_code(visitor, request.form.get("code", ""))
        if fresh is not None:
            return with_cookie(redirect("/", 303), fresh)
        if verdict.outcome == codes.RESTING and verdict.rest_until != noted_rest[0]:
            noted_rest[0] = verdict.rest_until
            note(F.DOWNLOAD_RESTED, {"at": clock.now(), "to": peer(), "tries": opening.gate.wrong_tries})
        if verdict.outcome == codes.RESTING:
            return code_page(visitor, _rest_text(opening, clock, zone), 429, resting=True)
        if verdict.outcome == codes.WRONG:
            message = ngettext("That is not the code. %(num)d try left.", "That is not the code. %(num)d tries left.",
                               verdict.tries_left) % {"num": verdict.tries_left}
        elif verdict.outcome == codes.EXPIRED:
            message = _("That code has expired: ask for a new one on the kiosk.")
        else:
            message = _("That code has been used already: ask for a new one on the kiosk.")
        return code_page(visitor, message, 401 if verdict.outcome == codes.WRONG else 403)

    @app.post("/leave")
    def leave():
        visitor = current()
        if not csrf_ok(visitor):
            return refused(_("the form's token is missing or wrong"))
        opening.leave(visitor)
        response = redirect("/", 303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict")
        return response

    @app.post("/download")
    def download():
        visitor = current()
        if visitor is None or not visitor.signed_in:
            return refused(_("sign in with the kiosk's code first"))
        if not csrf_ok(visitor):
            return refused(_("the form's token is missing or wrong: reload the page"))
        try:
            choice = parse_choice(request.form, lambda sid: known_session(database, sid))
        except NotOffered as exc:
            return list_page(visitor, _("Not downloaded: %(why)s.") % {"why": exc.said(_)}, 400)
        try:
            prepared = prepare(config, clock, choice, staging)
        except Nothing as exc:
            return list_page(visitor, exc.said(_), 404)
        address = peer()

        def stream():
            sent, complete = 0, False
            try:
                for chunk in prepared.chunks(opening.closed):
                    sent += len(chunk)
                    yield chunk
                complete = sent == prepared.size
            finally:
                prepared.cleanup()
                payload = {"at": clock.now(), **choice.describe(), "file": prepared.filename, "bytes": sent,
                           "size": prepared.size, "complete": complete, "sealed": prepared.sealed,
                           "events": prepared.events, "seq_first": prepared.seq_first,
                           "seq_last": prepared.seq_last, "to": address}
                try:
                    note(SERVED, payload)
                except Exception:  # the file went out either way; say it was not journalled
                    log.exception("download.served could not be journalled: %s", payload)
                opening.served += 1
                opening.tell(Change("served", payload))

        response = Response(stream(), mimetype=prepared.content_type, direct_passthrough=True)
        response.headers["Content-Length"] = str(prepared.size)
        response.headers["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
        return response

    return app


def _rest_text(opening: Opening, clock: Clock, zone) -> str:
    until = opening.gate.rest_until or 0.0
    wall = clock.now() + max(0.0, until - clock.monotonic())
    return _("Too many wrong codes: the page rests until %(time)s. Then ask for a new code on the kiosk.") % {
        "time": local_time.clock(wall, zone, language=page_language.current())}


@dataclass(frozen=True)
class Shown:
    """A session as the list shows it, in this request's language."""
    session_id: str
    day: str
    time: str
    plan: str
    length: str
    help_calls: str

    @classmethod
    def of(cls, line: SessionLine, zone) -> "Shown":
        language, wall = page_language.current(), line.started.timestamp()
        if line.minutes is None:
            length = _("unfinished")
        else:
            n = round(line.minutes)
            length = ngettext("%(num)d minute", "%(num)d minutes", n) % {"num": n}
        calls = line.help_calls
        help_calls = (ngettext("%(num)d help call", "%(num)d help calls", calls) % {"num": calls} if calls
                      else _("no help calls"))
        return cls(line.session_id, local_time.day(wall, zone, language),
                   local_time.clock(wall, zone, language=language), line.plan, length, help_calls)
