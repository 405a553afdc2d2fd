"""Defects found in review, each pinned: bad times, out-of-range numbers, NUL characters, odd call ids."""

from __future__ import annotations

import json
import re

import pytest

from kiosk.hub.auth import set_password


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
        Room.update(last_seen=1.7e15).where(Room.name == "Room 3").execute()   # milliseconds, say
        Room.update(last_seen=float("inf")).where(Room.name == "Room 4").execute()
    response = staff.get("/board.json")
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "Help called at ?</strong> · just now" in html          # c1: a time from far in the future
    assert "Last contact ?" in html                                 # Room 4
    assert "Room 3" in html and "Room 4" in html
    assert staff.get("/").status_code == 200


# --- what PostgreSQL cannot store (run on both databases) ---------------------------------

def test_seq_and_waiting_must_fit_a_32_bit_column(hub, make_kiosk):
    kiosk = make_kiosk()
    results = kiosk.upload([kiosk.event(seq=2**31 - 1), kiosk.event(seq=2**31)]).get_json()["results"]
    assert results[0]["status"] == "stored"
    assert results[1]["status"] == "rejected" and "seq must be a whole number > 0 and < 2147483648" in \
        results[1]["reason"]
    response = kiosk.upload([kiosk.event()], waiting=2**31)
    assert response.status_code == 400 and "waiting must be a whole number from 0" in response.get_json()["error"]
    response = kiosk.client.post("/api/v1/heartbeat", headers=kiosk.headers,
                                 json={"device_id": kiosk.device_id, "waiting": 2**40})
    assert response.status_code == 400 and "waiting" in response.get_json()["error"]


@pytest.mark.parametrize("field, where", [
    ("boot_id", "event"), ("session_id", "event"), ("kind", "event"),
    ("call_id", "payload"), ("by", "payload"), ("source", "payload"),
])
def test_a_nul_character_in_an_event_is_rejected_naming_the_field(hub, make_kiosk, field, where):
    kiosk = make_kiosk()
    good = kiosk.event("help.raised", {"at": 1.0, "call_id": "ok"})
    bad = kiosk.event("help.acknowledged", {"at": 1.0, "call_id": "c1", "by": "Sam", "source": "button"})
    if where == "event":
        bad[field] = "a\x00b"
    else:
        bad["payload"][field] = "a\x00b"
    response = kiosk.upload([good, bad])
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert results[0]["status"] == "stored"
    assert results[1]["status"] == "rejected" and field in results[1]["reason"]
    assert "NUL" in results[1]["reason"] or field == "call_id"   # call ids allow no control characters at all


def test_a_nul_character_in_a_batch_or_heartbeat_field_is_a_400(hub, make_kiosk):
    kiosk = make_kiosk()
    response = kiosk.client.post("/api/v1/events", headers=kiosk.headers,
                                 json={"device_id": "d\x00", "events": []})
    assert response.status_code == 400 and "device_id contains a NUL" in response.get_json()["error"]
    for field in ("device_id", "phase", "glyph"):
        body = {"device_id": kiosk.device_id, "phase": "holding", "glyph": "ok", field: "x\x00"}
        response = kiosk.client.post("/api/v1/heartbeat", headers=kiosk.headers, json=body)
        assert response.status_code == 400 and f"{field} contains a NUL" in response.get_json()["error"]


@pytest.mark.parametrize("hub", ["postgres"], indirect=True)  # SQLite stores any integer
def test_a_value_the_database_refuses_is_a_400_not_a_500(hub, make_kiosk, monkeypatch):
    """Validation is the first line; should a value slip past it, PostgreSQL's refusal is still a 400
    (a kiosk retries a 500 forever) and nothing of the batch is stored."""
    assert hub.is_postgres
    monkeypatch.setattr("kiosk.hub.validate.MAX_INT", 2**63)
    kiosk = make_kiosk()
    response = kiosk.upload([kiosk.event(), kiosk.event(seq=2**40)])
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "database refused" in response.get_json()["error"]
    with hub.db.connection_context():
        assert hub.models.Event.select().count() == 0
    assert kiosk.upload([kiosk.event()]).status_code == 200   # the hub carries on


def test_names_with_control_characters_are_refused_not_a_500(hub, make_kiosk, staff):
    from kiosk.hub.auth import AuthError
    from kiosk.hub.rooms import RoomError, add_room

    with hub.db.connection_context():
        with pytest.raises(RoomError, match="control character"):
            add_room(hub, "Room\x003")
        with pytest.raises(AuthError, match="control characters"):
            set_password(hub, "st\x00aff", "correct horse")
    kiosk = make_kiosk()
    kiosk.statuses([kiosk.event("help.raised", {"at": 1.0, "call_id": "c1"})])
    html = staff.get("/board.json").get_json()["html"]
    room_id = re.search(r"/calls/(\d+)/c1/ack", html).group(1)
    token = re.search(r'name="csrf-token" content="([^"]+)"', staff.get("/").get_data(as_text=True)).group(1)
    response = staff.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": token, "by": "Sam\x00"},
                          headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    response = staff.get("/logs/download", query_string={"room": "Room\x003", "from": "2026-11-01",
                                                           "to": "2026-11-02"})
    assert response.status_code == 400
    response = staff.post("/login", data={"user": "st\x00aff", "password": "x", "csrf_token": token})
    assert response.status_code == 401


# --- call ids -----------------------------------------------------------------------------

@pytest.mark.parametrize("call_id", ["a/b", "a%2Fb", "a b", "a?b", "ä", "x" * 65, ""])
def test_a_call_id_staff_could_not_act_on_is_rejected(make_kiosk, call_id):
    kiosk = make_kiosk()
    response = kiosk.upload([kiosk.event("help.raised", {"at": 1.0, "call_id": call_id})])
    result = response.get_json()["results"][0]
    assert result["status"] == "rejected" and "payload.call_id must be 1 to 64 letters" in result["reason"]


def test_every_accepted_call_id_can_be_acknowledged_from_the_staff_page(make_kiosk, staff):
    kiosk = make_kiosk()
    call_ids = ["0b6f2c1e-1111-4a2b-9c3d-0123456789ab", "A.b_c-9", "x" * 64]
    kiosk.statuses([kiosk.event("help.raised", {"at": 1.0, "call_id": c}) for c in call_ids])
    html = staff.get("/board.json").get_json()["html"]
    token = re.search(r'name="csrf-token" content="([^"]+)"', staff.get("/").get_data(as_text=True)).group(1)
    for call_id in call_ids:
        path = re.search(rf'action="(/calls/\d+/{re.escape(call_id)}/ack)"', html).group(1)
        response = staff.post(path, data={"csrf_token": token, "by": "Sam"}, headers={"X-Requested-With": "fetch"})
        assert response.status_code == 200 and response.get_json()["ok"], call_id
    assert {c["call_id"]: c["state"] for c in kiosk.help()} == dict.fromkeys(call_ids, "acknowledged")


# --- escaping -------------------------------------------------------------------------------

def test_room_and_staff_names_are_escaped_on_the_board(hub, make_kiosk, client):
    evil = "<script>alert(1)</script>"
    with hub.db.connection_context():
        set_password(hub, evil, "correct horse")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"user": evil, "password": "correct horse", "csrf_token": token}
                       ).status_code == 302
    kiosk, other = make_kiosk(evil), make_kiosk("Room 4")
    kiosk.statuses([kiosk.event("help.raised", {"at": 1.0, "call_id": "c1"}),
                    kiosk.event("help.raised", {"at": 2.0, "call_id": "c2"})])
    other.statuses([other.event("help.acknowledged", {"at": 3.0, "call_id": "c3", "by": evil})])
    html = client.get("/board.json").get_json()["html"]
    room_id = re.search(r"/calls/(\d+)/c1/ack", html).group(1)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert client.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": csrf, "by": evil},
                       headers={"X-Requested-With": "fetch"}).get_json()["ok"]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for html in (client.get("/").get_data(as_text=True), client.get("/board.json").get_json()["html"],
                 client.get("/logs").get_data(as_text=True)):
        assert "<script>alert" not in html
        assert escaped in html
    board = client.get("/board.json").get_json()["html"]
    assert board.count(escaped) >= 4   # two rooms' calls, the "on the way" names, "You answer calls as"


# --- bodies no parser or database takes: 400 with a reason, never a 500 ---------------------

def _post(kiosk, path: str, body: str):
    return kiosk.client.post(path, data=body.encode("utf-8"),
                             headers={**kiosk.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/heartbeat"])
@pytest.mark.parametrize("make_body, words", [
    (lambda d: '{"device_id": "%s", "events": [], "x": %s}' % (d, "[" * 1000 + "]" * 1000),
     "nests arrays and objects 1001 deep; at most 32"),
    (lambda d: '{"device_id": "%s", "events": [], "x": %s}' % (d, "{\"a\": " * 5000 + "1" + "}" * 5000),
     "5001 deep"),
    (lambda d: '{"device_id": "%s", "events": [], "waiting": %s}' % (d, "9" * 4301),
     "a whole number of 4301 digits; at most 100"),
    (lambda d: '{"device_id": "%s", "events": [], "x": -%s}' % (d, "1" * 5000), "5000 digits"),
])
def test_deep_nesting_and_huge_integers_are_a_400_naming_the_problem(hub, make_kiosk, path, make_body, words):
    kiosk = make_kiosk()
    response = _post(kiosk, path, make_body(kiosk.device_id))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["error"]


def test_deep_nesting_inside_an_event_is_a_400_and_stores_nothing(hub, make_kiosk):
    kiosk = make_kiosk()
    good, deep = kiosk.event(), kiosk.event(payload={"at": 1.0})
    deep_json = json.dumps(deep).replace('{"at": 1.0}', '{"x": ' + "[" * 40 + "]" * 40 + "}")
    response = _raw_upload(kiosk, json.dumps(good) + ", " + deep_json)
    assert response.status_code == 400 and "44 deep" in response.get_json()["error"]
    flat_enough = kiosk.event(payload={"at": 1.0, "x": json.loads("[" * 27 + "]" * 27)})
    assert kiosk.statuses([good, flat_enough]) == ["stored", "stored"]   # 32 levels in all


@pytest.mark.parametrize("field", ["kind", "boot_id", "session_id"])
def test_a_lone_surrogate_in_an_event_field_rejects_that_event_only(hub, make_kiosk, field):
    kiosk = make_kiosk()
    good, bad = kiosk.event(), kiosk.event(**{field: "a\ud800b"})
    response = kiosk.upload([good, bad])
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert results[0]["status"] == "stored"
    assert results[1]["status"] == "rejected"
    assert results[1]["reason"].startswith(f"events[1].{field} contains a lone UTF-16 surrogate (\\ud800)")


@pytest.mark.parametrize("kind, payload", [
    ("phase.changed", {"at": 1.0, "to": "\udc00"}),
    ("help.acknowledged", {"at": 1.0, "call_id": "c1", "by": "Sam\udfff"}),
    ("help.raised", {"at": 1.0, "call_id": "c1", "source": "\ud83d"}),
    ("cue.fired", {"at": 1.0, "\ud800": 1}),
    ("cue.fired", {"at": 1.0, "deep": [{"x": "\ud800"}]}),
])
def test_a_lone_surrogate_in_a_payload_rejects_that_event_only(hub, make_kiosk, staff, kind, payload):
    kiosk = make_kiosk()
    response = kiosk.upload([kiosk.event(), kiosk.event(kind, payload)])
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["stored", "rejected"]
    assert results[1]["reason"].startswith("events[1].payload") and "lone UTF-16 surrogate" in results[1]["reason"]
    assert staff.get("/board.json").status_code == 200
    assert staff.get("/logs/download?from=2026-11-24&to=2026-11-26&format=json").status_code == 200


def test_a_paired_surrogate_is_a_character_and_is_stored(hub, make_kiosk, staff):
    kiosk = make_kiosk()
    body = json.dumps({"device_id": kiosk.device_id, "events": [
        kiosk.event("help.acknowledged", {"at": 1.0, "call_id": "c1", "by": "Sam \U0001f33f"})]})
    assert "\\ud83c\\udf3f" in body
    response = _post(kiosk, "/api/v1/events", body)
    assert response.get_json()["results"][0]["status"] == "stored"
    assert "Sam \U0001f33f" in staff.get("/board.json").get_json()["html"]


@pytest.mark.parametrize("path, field", [("/api/v1/events", "device_id"), ("/api/v1/heartbeat", "device_id"),
                                         ("/api/v1/heartbeat", "phase"), ("/api/v1/heartbeat", "glyph")])
def test_a_lone_surrogate_in_a_batch_or_heartbeat_field_is_a_400(hub, make_kiosk, path, field):
    kiosk = make_kiosk()
    body = {"device_id": kiosk.device_id, "events": [], "phase": "holding", "glyph": "quiet", field: "x\udfff"}
    response = _post(kiosk, path, json.dumps(body))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"].startswith(f"{field} contains a lone UTF-16 surrogate (\\udfff)")


# --- log download dates -----------------------------------------------------------------------

@pytest.mark.parametrize("first, last, words", [
    ("9999-12-31", "9999-12-31", "from must be a day from 1970-01-01 to 2106-02-07"),
    ("2026-11-01", "9999-12-31", "to must be a day from 1970-01-01 to 2106-02-07"),
    ("0001-01-01", "0001-01-02", "from must be a day from 1970-01-01"),
    ("2026-13-01", "2026-11-02", "from must be a day like 2026-11-25, got '2026-13-01'"),
    ("yesterday", "2026-11-02", "from must be a day like 2026-11-25, got 'yesterday'"),
    ("2026-11-01", "", "to must be a day like 2026-11-25, got ''"),
    ("20261101", "2026-11-02", "from must be a day like 2026-11-25"),
    ("2026-11-03", "2026-11-02", "the range ends (2026-11-02) before it starts (2026-11-03)"),
    ("2024-01-01", "2026-01-01", "at most 366 days"),
])
def test_a_bad_date_range_is_a_400_the_staff_page_shows(staff, first, last, words):
    with staff.get("/logs/download", query_string={"from": first, "to": last}) as response:
        status, html = response.status_code, response.get_data(as_text=True)
    assert status == 400
    assert '<p class="error" role="alert">Nothing was downloaded: ' in html
    assert words.replace("'", "&#39;") in html
    assert "Download logs" in html and 'name="from"' in html      # the form again, to correct it
    response = staff.get("/logs/download", query_string={"from": first, "to": last},
                         headers={"Accept": "application/json"})
    assert response.status_code == 400 and words in response.get_json()["error"]


def test_the_widest_accepted_range_downloads(staff, make_kiosk):
    kiosk = make_kiosk()
    kiosk.statuses([kiosk.event()])
    response = staff.get("/logs/download?from=2106-02-07&to=2106-02-07&format=json")
    assert response.status_code == 200 and response.get_json()["events"] == []
    response = staff.get("/logs/download?from=1970-01-01&to=1970-01-01")
    assert response.status_code == 200


# --- one room cannot learn of another room's events --------------------------------------------

def test_an_event_uuid_of_another_room_is_refused_without_saying_whose(hub, make_kiosk):
    room3, room4 = make_kiosk("Room 3"), make_kiosk("Room 4")
    event = room3.event("help.raised", {"at": 1.0, "call_id": "c1"})
    assert room3.statuses([event]) == ["stored"]
    copy = dict(event, device_id=room4.device_id)
    results = room4.upload([copy, room4.event()]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "stored"]
    reason = results[0]["reason"]
    assert reason.startswith("events[0].uuid is already taken at the hub by an event this room did not send")
    assert "Room 3" not in reason and "help" not in reason and "duplicate" not in reason
    assert room3.statuses([event]) == ["duplicate"]              # its own room: a repeat, as before
    assert room4.help() == []
    with hub.db.connection_context():
        Event = hub.models.Event
        assert [e.room.name for e in Event.select().where(Event.uuid == event["uuid"])] == ["Room 3"]


@pytest.mark.parametrize("room_id", ["9" * 30, "2147483648", "9" * 5000])
def test_a_room_number_no_room_can_have_is_a_404_for_staff_actions(staff, room_id):
    token = re.search(r'name="csrf-token" content="([^"]+)"', staff.get("/").get_data(as_text=True)).group(1)
    response = staff.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": token, "by": "Sam"},
                          headers={"X-Requested-With": "fetch"})
    assert response.status_code == 404
