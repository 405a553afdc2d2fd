"""Staff downloads of the kiosks' logs by room and date range, as CSV (people) or JSON (machines)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, time as dtime, timedelta, tzinfo
from typing import Iterator
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context

from kiosk import local_time
from kiosk.export.bundle import HEADERS
from kiosk.hub.auth import hub_db, staff_required
from kiosk.hub.database import HubDatabase
from kiosk.hub.readerlanguage import gettext as _
from kiosk.language import N_
from kiosk.session.record import iso_utc
from kiosk.spreadsheet import csv_cell

logs = Blueprint("logs", __name__)

CSV_COLUMNS = ("room", "local_time", "wall_utc", "clock_trusted", "device_id", "seq", "session_id", "kind",
               "payload", "uuid")  # the header row is in the reader's language, as the kiosk's events.csv
MAX_DAYS = 366


class LogRequestError(ValueError):
    pass


FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2106, 2, 7)   # events' wall times are validated to this range (epoch seconds below 2^32)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# TRANSLATORS: the Logs page's two date fields, named in its error messages ("from must be a day like ...")
FIELDS = {"from": N_("from"), "to": N_("to")}


def parse_day(name: str, text: str) -> date:
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise LogRequestError(_("%(field)s must be a day like 2026-11-25, got %(given)s")
                              % {"field": _(FIELDS[name]), "given": repr(shown)})
    if not FIRST_DAY <= day <= LAST_DAY:
        raise LogRequestError(_("%(field)s must be a day from %(first)s to %(last)s (the times kiosks can log), got "
                                "%(given)s") % {"field": _(FIELDS[name]), "first": FIRST_DAY, "last": LAST_DAY,
                                                "given": day})
    return day


def day_range(first: str, last: str, zone: tzinfo) -> tuple[float, float, date, date]:
    """[start, end) epoch seconds covering the local days first..last inclusive."""
    d1 = parse_day("from", first)
    d2 = parse_day("to", last)
    if d2 < d1:
        raise LogRequestError(_("the range ends (%(last)s) before it starts (%(first)s): put the earlier day in from")
                              % {"last": d2, "first": d1})
    if (d2 - d1).days >= MAX_DAYS:
        raise LogRequestError(_("the range covers %(days)d days; at most %(most)d days at a time")
                              % {"days": (d2 - d1).days + 1, "most": MAX_DAYS})
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
    writer.writerow([_(HEADERS[c]) for c in CSV_COLUMNS])
    yes, no = _("yes"), _("no")
    for n, e in enumerate(rows):
        wall = datetime.fromisoformat(e["wall"].replace("Z", "+00:00"))
        writer.writerow([csv_cell(v) for v in (
            e["room"], local_time.sortable(wall.timestamp(), zone), e["wall"],
            yes if e["clock_trusted"] else no, e["device_id"], e["seq"], e["session_id"] or "",
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
    today = datetime.now(current_app.extensions["kiosk_hub"].zone).date()
    return _page((today - timedelta(days=7)).isoformat(), today.isoformat(), None)


def _page(first: str, last: str, error: str | None, room: str = ""):
    from kiosk.hub.rooms import statuses

    return render_template("logs.html", rooms=[s.name for s in statuses(hub_db())], first=first, last=last,
                           room=room, error=error)


def _refuse(message: str, first: str = "", last: str = "", room: str = ""):
    """A 400 that says what is wrong: the form again with the reason on it for a person, JSON for a script."""
    if request.accept_mimetypes.best == "application/json":
        abort(400, description=message)
    return _page(first[:40], last[:40], message, room[:100]), 400


@logs.get("/logs/download")
@staff_required
def download():
    hub = hub_db()
    zone = current_app.extensions["kiosk_hub"].zone
    room_name = request.args.get("room", "").strip()
    first, last = request.args.get("from", ""), request.args.get("to", "")
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        return _refuse(_("format must be csv or json"), first, last, room_name)
    try:
        start, end, d1, d2 = day_range(first, last, zone)
    except LogRequestError as exc:
        return _refuse(_("Nothing was downloaded: %(why)s.") % {"why": exc}, first, last, room_name)
    room_id = None
    if room_name and not room_name.isprintable():
        return _refuse(_("the room name contains a control character"), first, last)
    if room_name:
        Room = hub.models.Room
        room = Room.get_or_none(Room.name == room_name)
        if room is None:
            abort(404, description=_("no room named %(name)s") % {"name": repr(room_name)})
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
