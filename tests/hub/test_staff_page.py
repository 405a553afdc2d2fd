"""The staff page's content and actions, and the log downloads (in-process; the browser test is separate)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest


def _csrf(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def test_board_shows_open_calls_first_and_rooms_with_phase_and_contact(hub, make_kiosk, staff, clock):
    room3, room4 = make_kiosk("Room 3"), make_kiosk("Room 4")
    room3.statuses([room3.event("phase.changed", {"at": 1.0, "to": "holding", "from": "opening", "reason": "t"}),
                    room3.event("help.raised", {"at": clock(), "call_id": "c1"})])
    clock.value += 125
    html = staff.get("/board.json").get_json()["html"]
    assert html.index("1 open help call") < html.index("Rooms")
    assert "Room 3" in html and "nobody on the way yet" in html and "2 min ago" in html
    assert "Holding" in html and "Never in contact" in html   # Room 4 has never called in
    assert staff.get("/board.json").get_json()["open_calls"] == 1
    assert "Help called" in staff.get("/").get_data(as_text=True).split("</title>")[0]


def test_on_my_way_asks_the_name_once_then_resolve(hub, make_kiosk, staff):
    kiosk = make_kiosk()
    kiosk.statuses([kiosk.event("help.raised", {"at": 1.0, "call_id": "c1"}),
                    kiosk.event("help.raised", {"at": 2.0, "call_id": "c2"})])
    html = staff.get("/board.json").get_json()["html"]
    assert 'placeholder="Your name"' in html
    room_id = re.search(r"/calls/(\d+)/c1/ack", html).group(1)
    token = _csrf(staff)
    fetch = {"X-Requested-With": "fetch"}
    response = staff.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": token}, headers=fetch)
    assert response.status_code == 400 and "your name" in response.get_json()["message"]
    response = staff.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": token, "by": "Sam"}, headers=fetch)
    assert response.get_json() == {"ok": True, "message": None}
    html = staff.get("/board.json").get_json()["html"]
    assert "Sam is on the way" in html and 'placeholder="Your name"' not in html and "On my way (Sam)" in html
    staff.post(f"/calls/{room_id}/c2/ack", data={"csrf_token": token}, headers=fetch)   # remembered
    assert [c["by"] for c in kiosk.help()] == ["Sam", "Sam"]
    staff.post(f"/calls/{room_id}/c1/resolve", data={"csrf_token": token}, headers=fetch)
    staff.post(f"/calls/{room_id}/c2/resolve", data={"csrf_token": token}, headers=fetch)
    html = staff.get("/board.json").get_json()["html"]
    assert "No open help calls." in html and "Earlier help calls" in html
    assert {c["state"] for c in kiosk.help()} == {"resolved"}


def _upload_day(kiosk) -> list[dict]:
    events = [kiosk.event(wall="2026-11-24T23:59:59.000Z"), kiosk.event(wall="2026-11-25T08:00:00.000Z"),
              kiosk.event("note", {"text": 'a "quoted", comma'}, wall="2026-11-25T23:59:59.999Z"),
              kiosk.event(wall="2026-11-26T00:00:00.000Z")]
    kiosk.statuses(events)
    return events


def test_logs_download_csv_by_room_and_dates(hub, make_kiosk, staff):
    room3, room4 = make_kiosk("Room 3"), make_kiosk("Room 4")
    events = _upload_day(room3)
    _upload_day(room4)
    response = staff.get("/logs/download?room=Room+3&from=2026-11-25&to=2026-11-25&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="kiosk-logs-room-3-2026-11-25-to-2026-11-25.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["uuid"] for r in rows] == [events[1]["uuid"], events[2]["uuid"]]
    assert {r["room"] for r in rows} == {"Room 3"}
    assert json.loads(rows[1]["payload"]) == {"text": 'a "quoted", comma'}
    everyone = staff.get("/logs/download?room=&from=2026-11-24&to=2026-11-26&format=csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(everyone)))) == 8


def test_logs_download_json(hub, make_kiosk, staff):
    kiosk = make_kiosk()
    events = _upload_day(kiosk)
    response = staff.get("/logs/download?room=Room+3&from=2026-11-24&to=2026-11-25&format=json")
    document = json.loads(response.get_data(as_text=True))
    assert document["room"] == "Room 3" and document["from"] == "2026-11-24"
    assert [e["uuid"] for e in document["events"]] == [e["uuid"] for e in events[:3]]
    assert document["events"][2]["payload"] == {"text": 'a "quoted", comma'}
    empty = json.loads(staff.get("/logs/download?from=2020-01-01&to=2020-01-01&format=json").get_data(as_text=True))
    assert empty["events"] == []


@pytest.mark.parametrize("query, status, words", [
    ("from=2026-11-25&to=2026-11-24&format=csv", 400, "ends"),
    ("from=25.11.2026&to=2026-11-25&format=csv", 400, "from must be a day like 2026-11-25"),
    ("from=2026-11-25&to=2026-11-25&format=xml", 400, "format must be"),
    ("room=Nowhere&from=2026-11-25&to=2026-11-25&format=csv", 404, "no room named"),
])
def test_logs_download_explains_bad_requests(hub, make_kiosk, staff, query, status, words):
    make_kiosk()
    response = staff.get(f"/logs/download?{query}")
    assert response.status_code == status and words in response.get_data(as_text=True)


def test_logs_page_lists_rooms(hub, make_kiosk, staff):
    make_kiosk("Room 3")
    html = staff.get("/logs").get_data(as_text=True)
    assert "<option>Room 3</option>" in html and 'value="csv"' in html


def test_logs_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(hub, make_kiosk, staff):
    kiosk = make_kiosk('=HYPERLINK("http://evil.example","x")')
    kiosk.device_id = "-2+3"
    kiosk.statuses([kiosk.event("@SUM(1)", {"at": 1.0}, session_id="+1", wall="2026-11-25T08:00:00.000Z"),
                    kiosk.event("\tcue", {"at": 1.0}, session_id="\r=1", wall="2026-11-25T08:00:01.000Z"),
                    kiosk.event("cue.fired", {"at": 1.0}, session_id="s-1", wall="2026-11-25T08:00:02.000Z")])
    text = staff.get("/logs/download", query_string={"from": "2026-11-25", "to": "2026-11-25"}).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["room"] == '\'=HYPERLINK("http://evil.example","x")'
    assert [r["device_id"] for r in rows] == ["'-2+3"] * 3
    assert [r["kind"] for r in rows] == ["'@SUM(1)", "'\tcue", "cue.fired"]
    assert [r["session_id"] for r in rows] == ["'+1", "'\r=1", "s-1"]
    assert rows[2]["payload"] == '{"at": 1.0}'


def test_pressing_again_on_an_unanswered_call_shows_on_the_board(hub, make_kiosk, staff):
    kiosk = make_kiosk()
    other = make_kiosk("Room 9")
    kiosk.statuses([kiosk.event("help.raised", {"at": 1.0, "call_id": "c1"})])
    other.statuses([other.event("help.raised", {"at": 1.0, "call_id": "c9"}),
                    other.event("help.repeated", {"at": 2.0, "call_id": "c9", "source": "button"})])
    html = staff.get("/board.json").get_json()["html"]
    assert html.count("pressed again") == 1
    kiosk.statuses([kiosk.event("help.repeated", {"at": 2.0, "call_id": "c1", "source": "button"}),
                    kiosk.event("help.repeated", {"at": 3.0, "call_id": "c1", "source": "button"})])
    html = staff.get("/board.json").get_json()["html"]
    assert "pressed again ×2" in html and html.count("pressed again") == 2
    kiosk.statuses([kiosk.event("help.repeated", {"at": 9.0, "call_id": "c1", "source": "button", "presses": 40})])
    assert "pressed again ×42" in staff.get("/board.json").get_json()["html"]  # a chattering button, coalesced
