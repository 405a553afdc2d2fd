"""The kiosks' API, version 1 (docs/hub-api.md is the contract)."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from peewee import DataError, IntegrityError

from kiosk.session.record import iso_utc
from kiosk.hub import helpcalls, rooms
from kiosk.hub.auth import bearer_token, current_staff, hub_db
from kiosk.hub.ingest import store_batch
from kiosk.hub.urgency import BacklogBusy, backlog_turn
from kiosk.hub.validate import (MAX_BODY_BYTES, BadRequest, TooLarge, check_batch, parse_json_object,
                                text_field, waiting_field)

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_WAIT = 25.0
POLL_SECONDS = 0.2
BACKLOG_RETRY_SECONDS = 5


def _ctx():
    from flask import current_app

    return current_app.extensions["kiosk_hub"]


def _now() -> float:
    return _ctx().now()


def _room():
    room = rooms.room_for_token(hub_db(), bearer_token())
    if room is None:
        log.warning("refused a kiosk's %s %s from %s: %s room token", request.method, request.path,
                    request.remote_addr, "an unknown or revoked" if bearer_token() else "no")
        abort(401, description="a valid room token is required: send `Authorization: Bearer <token>` "
                               "as printed by `kiosk hub add-room`")
    g.room = room
    return room


def _body() -> dict[str, Any]:
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise TooLarge(f"the body is {length} bytes; at most {MAX_BODY_BYTES} are accepted: send smaller batches")
    return parse_json_object(request.get_data(cache=False))


@api.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return jsonify(error=str(exc)), 413 if isinstance(exc, TooLarge) else 400


@api.errorhandler(DataError)
@api.errorhandler(IntegrityError)
def _refused_by_database(exc: Exception):
    """A value validation let through but the database refuses (e.g. out of a PostgreSQL column's range).

    A 400, not a 500: the kiosk would retry a 500 forever, and sending it again cannot help."""
    log.warning("room %s: the database refused a %s %s: %s", getattr(g.get("room"), "name", "?"), request.method,
                request.path, exc)
    reason = " ".join(str(exc).split())[:200]
    return jsonify(error=f"the hub's database refused this request ({type(exc).__name__}: {reason}); nothing of it "
                         "was stored: fix the values it names"), 400


@api.errorhandler(BacklogBusy)
def _backlog_busy(exc: BacklogBusy):
    response = jsonify(error=f"{exc}: send it again after {BACKLOG_RETRY_SECONDS} seconds")
    response.status_code = 503
    response.headers["Retry-After"] = str(BACKLOG_RETRY_SECONDS)
    return response


@api.post("/events")
def upload_events():
    room = _room()
    with backlog_turn(_ctx().backlog_turns, request.headers.get("Priority")):   # help goes first (urgency.py)
        batch = check_batch(_body())
        now = _now()
        results = store_batch(hub_db(), room.id, batch, now)
    _ctx().alerts_due.set()   # committed: this process's alert sender looks now, not at its next poll
    rejected = sum(1 for r in results if r["status"] == "rejected")
    if rejected:
        log.warning("room %s: %d of %d events rejected (first: %s)", room.name, rejected, len(results),
                    next(r["reason"] for r in results if r["status"] == "rejected"))
    return jsonify(results=results, server_time=iso_utc(now))


@api.post("/heartbeat")
def heartbeat():
    room = _room()
    body = _body()
    device_id = text_field(body, "device_id")
    waiting = waiting_field(body)
    fields: dict[str, Any] = {"device_id": device_id, "waiting": waiting}
    for name in ("phase", "glyph"):
        if body.get(name) is not None:
            fields[name] = text_field(body, name, max_length=32)
    now = _now()
    rooms.touch(hub_db(), room.id, now, **fields)
    return jsonify(server_time=iso_utc(now))


@api.get("/help")
def help_calls():
    room = _room()
    raw = request.args.get("wait", "0")
    try:
        wait = float(raw)
    except ValueError:
        wait = -1.0
    if not 0 <= wait <= MAX_WAIT:
        raise BadRequest(f"wait must be a number of seconds from 0 to {MAX_WAIT:g}, got {raw!r}")
    hub = hub_db()
    ctx = _ctx()
    rooms.touch(hub, room.id, _now())
    if wait > 0 and ctx.long_polls.acquire(blocking=False):
        try:
            _wait_for_change(hub, room.id, wait, ctx)
        finally:
            ctx.long_polls.release()
    now = _now()
    return jsonify(calls=[_call_json(c) for c in helpcalls.calls(hub, room.id, now)], server_time=iso_utc(now))


def _wait_for_change(hub, room_id: int, wait: float, ctx) -> None:
    """Polls the database, so a change made by another hub process is seen as soon as one made here."""
    start = helpcalls.help_version(hub, room_id)
    deadline = time.monotonic() + wait
    while not ctx.stopping.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        ctx.stopping.wait(min(POLL_SECONDS, remaining))
        if helpcalls.help_version(hub, room_id) != start:
            return


def _call_json(c: helpcalls.CallView) -> dict[str, Any]:
    return {"call_id": c.call_id, "state": c.state, "by": c.by, "changed_at": iso_utc(c.changed_at)}


@api.get("/rooms")
def room_status():
    hub = hub_db()
    if current_staff():
        room_id = None
    else:
        room_id = _room().id
    return jsonify(rooms=[{"name": s.name, "phase": s.phase,
                           "last_seen": iso_utc(s.last_seen) if s.last_seen else None,
                           "waiting": s.waiting, "open_calls": s.open_calls}
                          for s in rooms.statuses(hub, room_id)])
