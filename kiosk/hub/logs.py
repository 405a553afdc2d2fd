"""Staff downloads of the kiosks' logs by room and date range, as CSV (people) or JSON (machines)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time as dtime, timedelta, tzinfo
from typing import Iterator
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context

from kiosk.clock import iso_utc
from kiosk.hub.auth import hub_db, staff_required
from kiosk.hub.database import HubDatabase
from kiosk.spreadsheet import csv_cell

logs = Blueprint("logs", __name__)

CSV_COLUMNS = ("room", "local_time", "wall_utc", "clock_trusted", "device_id", "seq", "session_id", "kind",
               "payload", "uuid")
MAX_DAYS = 366


class LogRequestError(ValueError):
    pass


def day_range(first: str, last: str, zone: tzinfo) -> tuple[float, float, date, date]:
    """[start, end) epoch seconds covering the local days first..last inclusive."""
    try:
        d1 = date.fromisoformat(first)
        d2 = date.fromisoformat(last)
    except ValueError:
        raise LogRequestError(f"dates must look like 2026-11-25, got {first!r} and {last!r}") from None
    if d2 < d1:
        raise LogRequestError(f"the range ends ({d2}) before it starts ({d1})")
    if (d2 - d1).days >= MAX_DAYS:
        raise LogRequestError(f"at most {MAX_DAYS} days at a time")
    start = datetime.combine(d1, dtime.min, zone).timestamp()
    end = datetime.combine(d2 + timedelta(days=1), dtime.min, zone).timestamp()
    return start, end, d1, d2


def events(hub: HubDatabase, room_id: int | None, start: float, end: float) -> Iterator[dict]:
    Event, Room = hub.models.Event, hub.models.Room
    query = (Event.select(Event, Room.name).join(Room)
             .where((Event.wall >= start) & (Event.wall < end)).order_by(Room.name, Event.wall, Event.seq))
    if room_id is not None:
        query = query.where(Event.room == room_id)
    for e in query.iterator():
        yield {"room": e.room.name, "uuid": e.uuid, "device_id": e.device_id, "seq": e.seq,
               "wall": iso_utc(e.wall), "mono": e.mono, "boot_id": e.boot_id, "clock_trusted": e.clock_trusted,
               "session_id": e.session_id, "kind": e.kind, "payload": json.loads(e.payload)}


def csv_lines(rows: Iterator[dict], zone: tzinfo) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for n, e in enumerate(rows):
        wall = datetime.fromisoformat(e["wall"].replace("Z", "+00:00"))
        writer.writerow([csv_cell(v) for v in (
            e["room"], wall.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), e["wall"],
            "yes" if e["clock_trusted"] else "no", e["device_id"], e["seq"], e["session_id"] or "",
            e["kind"], json.dumps(e["payload"], sort_keys=True), e["uuid"])])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(rows: Iterator[dict], meta: dict) -> Iterator[str]:
    head = json.dumps(meta)[:-1]
    yield head + ', "events": ['
    for n, e in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(e)
    yield "\n]}\n"


@logs.get("/logs")
@staff_required
def logs_page():
    from kiosk.hub.rooms import statuses

    today = datetime.now(current_app.extensions["kiosk_hub"].zone).date()
    return render_template("logs.html", rooms=[s.name for s in statuses(hub_db())],
                           first=(today - timedelta(days=7)).isoformat(), last=today.isoformat(), error=None)


@logs.get("/logs/download")
@staff_required
def download():
    hub = hub_db()
    zone = current_app.extensions["kiosk_hub"].zone
    room_name = request.args.get("room", "").strip()
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        abort(400, description="format must be csv or json")
    try:
        start, end, d1, d2 = day_range(request.args.get("from", ""), request.args.get("to", ""), zone)
    except LogRequestError as exc:
        abort(400, description=str(exc))
    room_id = None
    if room_name and not room_name.isprintable():
        abort(400, description="the room name contains a control character")
    if room_name:
        Room = hub.models.Room
        room = Room.get_or_none(Room.name == room_name)
        if room is None:
            abort(404, description=f"no room named {room_name!r}")
        room_id = room.id
    slug = "".join(ch if ch.isalnum() else "-" for ch in room_name.lower()) or "all-rooms"
    filename = f"kiosk-logs-{slug}-{d1}-to-{d2}.{fmt}"
    rows = events(hub, room_id, start, end)
    if fmt == "csv":
        body, mimetype = csv_lines(rows, zone), "text/csv; charset=utf-8"
    else:
        meta = {"room": room_name or None, "from": d1.isoformat(), "to": d2.isoformat(), "timezone": str(zone)}
        body, mimetype = json_chunks(rows, meta), "application/json"
    return Response(stream_with_context(body), mimetype=mimetype,
                    headers={"Content-Disposition": content_disposition(filename)})


def content_disposition(filename: str) -> str:
    """An attachment header waitress can send (it encodes headers as Latin-1) for any room name:
    an ASCII fallback name, and the real one as RFC 5987 UTF-8 for browsers that read it."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "-" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
