"""Defects found in review, each pinned: bad times, out-of-range numbers, NUL characters, odd call ids."""

from __future__ import annotations

import json
import re

import pytest

from kiosk.hub.auth import set_password


@pytest.fixture
def staff(hub, client):
    with hub.db.connection_context():
        set_password(hub, "staff", "correct horse")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"user": "staff", "password": "correct horse", "csrf_token": token})
    return client


def _raw_upload(kiosk, events_json: str):
    body = f'{{"device_id": "{kiosk.device_id}", "waiting": 0, "events": [{events_json}]}}'
    return kiosk.client.post("/api/v1/events", headers={**kiosk.headers, "Content-Type": "application/json"},
                             data=body)


# --- times ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, payload_json, words", [
    ("help.raised", '{"at": 1e400, "call_id": "c1"}', "payload.at must be epoch seconds"),
    ("help.raised", '{"at": 1795000000000, "call_id": "c1"}', "payload.at must be epoch seconds"),
    ("help.raised", '{"at": -5, "call_id": "c1"}', "payload.at must be epoch seconds"),
    ("session.started", '{"at": 1.0, "hard_end_at": 1e400}', "payload.hard_end_at must be epoch seconds"),
    ("cue.fired", '{"at": 1.0, "deep": {"x": [1, -1e999]}}', "payload.deep.x[1] must be a finite number"),
])
def test_a_time_the_hub_cannot_show_is_rejected_naming_the_field(hub, make_kiosk, staff, kind, payload_json,
                                                                  words):
    kiosk = make_kiosk()
    good = kiosk.event("help.raised", {"at": 1.0, "call_id": "ok"})
    bad = kiosk.event(kind, {"at": 1.0})
    bad_json = json.dumps(bad).replace('{"at": 1.0}', payload_json)
    response = _raw_upload(kiosk, json.dumps(good) + ", " + bad_json)
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert results[0]["status"] == "stored"
    assert results[1]["status"] == "rejected" and results[1]["reason"].startswith(f"events[1].{words}")
    assert staff.get("/board.json").status_code == 200


@pytest.mark.parametrize("wall", ["1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z"])
def test_a_wall_time_out_of_range_is_rejected(make_kiosk, wall):
    kiosk = make_kiosk()
    response = kiosk.upload([kiosk.event(wall=wall)])
    assert response.get_json()["results"][0]["reason"].startswith("events[0].wall must be between 1970 and 2106")


def test_one_unshowable_stored_time_does_not_break_the_board(hub, make_kiosk, staff):
    """Rows stored before the check existed: the board shows "?" for them and everything else as usual."""
    room3, room4 = make_kiosk("Room 3"), make_kiosk("Room 4")
    room3.statuses([room3.event("help.raised", {"at": 1.0, "call_id": "c1"})])
    room4.statuses([room4.event("help.raised", {"at": 2.0, "call_id": "c2"})])
    with hub.db.connection_context():
        HelpCall, Room = hub.models.HelpCall, hub.models.Room
        HelpCall.update(raised_at=1e300).where(HelpCall.call_id == "c1").execute()
        Room.update(last_seen=1.7e15).where(Room.name == "Room 3").execute()
    response = staff.get("/board.json")
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "Room 3" in html and "Room 4" in html and "?" in html
    assert staff.get("/").status_code == 200
