"""The staff page: rooms, their phases and last contact, help calls with "on my way" and resolve."""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

from flask import (Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session,
                   url_for)
from markupsafe import Markup

from kiosk import local_time
from kiosk.hub import boardcache, helpcalls, rooms
from kiosk.hub.auth import check_csrf, csrf_token, end_session, hub_db, staff_required, start_session, verify_staff
from kiosk.hub.notify.message import LATE_SECONDS
from kiosk.hub.readerlanguage import gettext as _, ngettext
from kiosk.language import N_, SOURCE
from kiosk.hub.notify.outbox import settings_of
from kiosk.hub.validate import CALL_ID, MAX_INT
from kiosk.session.help import HelpState
from kiosk.session.plan import RITUAL_PHASES, Phase

log = logging.getLogger(__name__)

staff = Blueprint("staff", __name__)

STALE_SECONDS = 120
PHASE_LABELS = {Phase.WELCOME: N_("No session"), Phase.OPENING: N_("Opening"), Phase.HOLDING: N_("Holding"),
                Phase.CLOSING: N_("Closing"), Phase.DONE: N_("Ending")}
STATE_LABELS = {HelpState.RAISED: N_("waiting"), HelpState.ACKNOWLEDGED: N_("on the way"),
                HelpState.RESOLVED: N_("resolved"), HelpState.CANCELLED: N_("withdrawn")}
IN_SESSION = frozenset(str(phase) for phase in RITUAL_PHASES)
GLYPH_LABELS = {"not_delivered": N_("help button: call not delivered"),
                "button_fault": N_("help button needs attention")}


def _ctx():
    return current_app.extensions["kiosk_hub"]


@staff.app_context_processor
def _template_globals():
    return {"csrf_token": csrf_token, "staff_user": g.get("staff"),
            "display_name": session.get("display_name")}


@staff.before_app_request
def _refuse_cross_site_posts() -> None:
    """Every staff form POST carries this session's CSRF token and comes from this site."""
    if request.method == "POST" and not request.path.startswith("/api/"):
        check_csrf()


@staff.get("/login")
def login():
    return render_template("login.html", error=None, next=_safe_next(request.args.get("next")))


@staff.post("/login")
def login_post():
    user = request.form.get("user", "").strip()
    password = request.form.get("password", "")
    target = _safe_next(request.form.get("next"))
    # With --trusted-proxy, waitress has already put the client's address (X-Forwarded-For) here.
    throttle, address = _ctx().logins, request.remote_addr or "?"
    wait = throttle.wait_seconds(address, user)
    if wait:
        return render_template("login.html", error=_("Too many attempts. Please wait %(n)d min and try again.")
                               % {"n": round(wait / 60)}, next=target, user=user), 429, {"Retry-After": str(int(wait))}
    generation = verify_staff(hub_db(), user, password) if user else None
    if generation is None:
        throttle.failed(address, user)
        log.warning("failed staff login for %r from %s", user, address)
        return render_template("login.html", error=_("That name and password do not match."), next=target,
                               user=user), 401
    throttle.succeeded(address, user)
    session.clear()
    session.permanent = True
    session["sid"] = start_session(hub_db(), user, generation, _ctx().now())
    session["staff"] = user
    csrf_token()  # a fresh CSRF token for the logged-in session
    log.info("staff %r logged in from %s", user, request.remote_addr)
    return redirect(target)


@staff.post("/logout")
def logout():
    """Ends this login on the server, so a copy of its cookie is worthless too; other logins go on."""
    if isinstance(session.get("sid"), str):
        end_session(hub_db(), session["sid"])
    session.clear()
    return redirect(url_for("staff.login"))


@staff.get("/")
@staff_required
def board_page():
    return render_template("staff.html", **_board())


@staff.get("/board.json")
@staff_required
def board_json():
    data = _board()
    html = render_template("board.html", **data)
    return jsonify(html=html, open_calls=len(data["open_calls"]), alert=data["alert"])


@staff.post("/calls/<int:room_id>/<call_id>/<action>")
@staff_required
def call_action(room_id: int, call_id: str, action: str):
    state = {"ack": helpcalls.ACKNOWLEDGED, "resolve": helpcalls.RESOLVED}.get(action)
    if state is None or not CALL_ID.fullmatch(call_id) or not 0 < room_id < MAX_INT:
        abort(404)
    by = (request.form.get("by") or "").strip()[:100] or session.get("display_name")
    if by and any(not ch.isprintable() for ch in by):
        return _answer(False, _("Please give your name in letters, without control characters."), 400)
    if state == helpcalls.ACKNOWLEDGED and not by:
        return _answer(False, _("Please give your name, so the room knows who is coming."), 400)
    if by:
        session["display_name"] = by
    changed = helpcalls.staff_action(hub_db(), room_id, call_id, state, by or g.staff, now=_ctx().now())
    if changed:
        _ctx().alerts_due.set()
        log.info("staff %s (%s) marked call %s of room %d %s", g.staff, by, call_id, room_id, state)
    return _answer(changed, None if changed else _("That call had already moved on."), 200)


@staff.post("/name")
@staff_required
def forget_name():
    session.pop("display_name", None)
    return _answer(True, None, 200)


def _answer(ok: bool, message: str | None, status: int):
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify(ok=ok, message=message), status
    return redirect(url_for("staff.board_page"))


def _board() -> dict:
    """The board's data and its rooms' HTML, made once per second, language and help-call change
    (kiosk/hub/boardcache.py); the per-session parts (CSRF tokens, the reader's name) are the template's."""
    hub, language = hub_db(), g.get("language") or SOURCE
    board = current_app.extensions.setdefault("kiosk_board", boardcache.BoardCache())
    now = 0.0

    def key() -> tuple:
        nonlocal now
        now = _ctx().now()
        return int(now), boardcache.help_token(hub)

    return board.get(language, key, lambda: _make_board(hub, now))


def _make_board(hub, now: float) -> dict:
    zone = _ctx().zone
    settings = settings_of(hub)
    silent_after = 2 * settings.kiosk_heartbeat_seconds
    all_calls = helpcalls.calls(hub, now=now)
    statuses = rooms.statuses(hub)

    def clock(ts: float | None) -> str:
        return local_time.clock(ts, zone, language=g.language, missing="?") if ts else ""

    waiting_rooms = {c.room_id for c in all_calls if c.state == helpcalls.RAISED}
    coming_rooms = {c.room_id for c in all_calls if c.state == helpcalls.ACKNOWLEDGED}
    room_views = [{
        "name": s.name, "phase": _(PHASE_LABELS.get(s.phase or "", (s.phase or "unknown").capitalize()))
        if s.phase else _("No news yet"), "active": s.phase in IN_SESSION,
        "last_seen": ago(now, s.last_seen), "last_seen_at": clock(s.last_seen),
        "stale": s.last_seen is None or now - s.last_seen > STALE_SECONDS,
        "disconnected": s.phase in IN_SESSION and s.last_seen is not None
        and now - s.last_seen > silent_after,
        "waiting": s.waiting, "glyph_note": _(GLYPH_LABELS[s.glyph]) if s.glyph in GLYPH_LABELS else None, "open_calls": s.open_calls,
        "call_state": helpcalls.RAISED if s.id in waiting_rooms
        else helpcalls.ACKNOWLEDGED if s.id in coming_rooms else None,
    } for s in statuses]
    for view, s in zip(room_views, statuses):
        if view["disconnected"]:   # "just now" would contradict the warning: say exactly how long
            seconds = int(now - s.last_seen)
            view["last_seen"] = _("%(n)d s ago") % {"n": seconds} if seconds < 120 else view["last_seen"]
            view["stale"] = True
    again = helpcalls.presses_again(hub, [c for c in all_calls if c.state in helpcalls.OPEN_STATES])
    call_views = [{
        "room": c.room, "room_id": c.room_id, "call_id": c.call_id, "state": c.state,
        "state_label": _(STATE_LABELS[c.state]) if c.state in STATE_LABELS else c.state, "by": c.by,
        "raised_at": clock(c.raised_at), "raised_ago": ago(now, c.raised_at),
        "changed_at": clock(c.changed_at), "again": again.get(c.call_id, 0),
        "late": late_note(c.raised_at, c.reached_at), "escalated": c.escalated_at is not None,
    } for c in all_calls]
    unanswered = [c for c in call_views if c["state"] == helpcalls.RAISED]
    alert = {"unanswered": [{"id": f"{c['room_id']}/{c['call_id']}", "room": c["room"], "raised_at": c["raised_at"],
                             "escalated": c["escalated"]} for c in unanswered],
             "sound_every": settings.sound_every_seconds,
             "disconnected": [r["name"] for r in room_views if r["disconnected"]]}
    data = {"rooms": room_views, "alert": alert, "escalate_after": settings.escalate_after_seconds,
            "disconnected": alert["disconnected"], "open_calls": [c for c in call_views if c["state"] in helpcalls.OPEN_STATES],
            "recent_calls": [c for c in call_views if c["state"] not in helpcalls.OPEN_STATES],
            "updated_at": clock(now)}
    data["rooms_html"] = Markup(render_template("board_rooms.html", **data))
    return data


def late_note(pressed: float | None, reached: float | None) -> str | None:
    """"pressed 51 s before it reached the hub": the call was delayed (an outage), so the wait is longer
    than the hub's own clock would say."""
    if pressed is None or reached is None or reached - pressed < LATE_SECONDS:
        return None
    late = int(reached - pressed)
    span = (f"{late} s" if late < 120 else f"{late // 60} min {late % 60} s" if late < 3600
            else f"{late // 3600} h {late % 3600 // 60} min")
    return _("pressed %(span)s before it reached the hub") % {"span": span}


def ago(now: float, ts: float | None) -> str:
    if ts is None:
        return "never"
    try:
        seconds = max(0, int(now - ts))
    except (OverflowError, ValueError):
        return "?"
    if seconds < 10:
        return _("just now")
    if seconds < 60:
        return _("%(n)d s ago") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)d min ago") % {"n": seconds // 60}
    if seconds < 86400:
        return _("%(h)d h %(min)d min ago") % {"h": seconds // 3600, "min": seconds % 3600 // 60}
    days = seconds // 86400
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}


def _safe_next(target: str | None) -> str:
    """A page of this hub to return to after login, never another site.

    Browsers and Werkzeug drop tabs and newlines from a Location, so "/<tab>/evil.example" would become
    "//evil.example": anything but printable, non-space ASCII is refused outright, and
    control characters or a second leading slash after percent-decoding too.
    """
    home = url_for("staff.board_page")
    if not target or len(target) > 2000 or not all("!" <= ch <= "~" for ch in target):
        return home
    for text in (target, unquote(target)):
        if "\\" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            return home
        parts = urlsplit(text)
        if parts.scheme or parts.netloc or not text.startswith("/") or text.startswith("//"):
            return home
    return target
