"""Uploading batches: stored, duplicate, rejected per UUID; malformed batches store nothing."""

from __future__ import annotations

import json

import pytest


def _count(hub) -> int:
    with hub.db.connection_context():
        return hub.models.Event.select().count()


def test_batch_is_answered_per_uuid_and_a_repeat_is_duplicate(hub, make_kiosk):
    kiosk = make_kiosk()
    events = [kiosk.event() for _ in range(5)]
    assert kiosk.statuses(events) == ["stored"] * 5
    assert kiosk.statuses(events[:2] + [kiosk.event()]) == ["duplicate", "duplicate", "stored"]
    assert _count(hub) == 6


def test_same_uuid_twice_in_one_batch_is_stored_once(hub, make_kiosk):
    kiosk = make_kiosk()
    event = kiosk.event()
    assert kiosk.statuses([event, event]) == ["stored", "duplicate"]
    assert _count(hub) == 1


def test_answer_echoes_the_uuid_as_sent_and_stores_it_canonically(hub, make_kiosk):
    kiosk = make_kiosk()
    event = kiosk.event()
    event["uuid"] = event["uuid"].upper()
    response = kiosk.upload([event])
    assert response.get_json()["results"][0] == {"uuid": event["uuid"], "status": "stored"}
    lower = dict(event, uuid=event["uuid"].lower())
    assert kiosk.statuses([lower]) == ["duplicate"]


@pytest.mark.parametrize("field, value, words", [
    ("uuid", "not-a-uuid", "uuid must be a UUID"),
    ("seq", 0, "seq must be a whole number > 0"),
    ("seq", True, "seq must be a whole number > 0"),
    ("seq", "3", "seq must be a whole number > 0"),
    ("device_id", "someone-else", "differs from the batch's device_id"),
    ("wall", "yesterday", "wall is not an ISO 8601 time"),
    ("wall", "2026-11-25T10:00:00+02:00", "wall must be in UTC"),
    ("wall", 1795000000, "wall must be an ISO 8601 UTC time"),
    ("mono", "12", "mono must be a number"),
    ("boot_id", "", "boot_id must be a non-empty string"),
    ("clock_trusted", "yes", "clock_trusted must be true or false"),
    ("session_id", 7, "session_id must be null or a string"),
    ("kind", "k" * 65, "kind must be a non-empty string of at most 64"),
    ("payload", [], "payload must be an object"),
])
def test_an_invalid_event_is_rejected_with_its_field_and_index_while_the_rest_are_stored(
        hub, make_kiosk, field, value, words):
    kiosk = make_kiosk()
    good1, bad, good2 = kiosk.event(), kiosk.event(), kiosk.event()
    bad[field] = value
    results = kiosk.upload([good1, bad, good2]).get_json()["results"]
    assert [r["status"] for r in results] == ["stored", "rejected", "stored"]
    assert results[1]["reason"].startswith(f"events[1].{field}") and words in results[1]["reason"]
    assert _count(hub) == 2


def test_a_help_event_needs_its_call_id(hub, make_kiosk):
    kiosk = make_kiosk()
    results = kiosk.upload([kiosk.event("help.raised", {"at": 1.0})]).get_json()["results"]
    assert results[0]["status"] == "rejected" and "payload.call_id" in results[0]["reason"]


@pytest.mark.parametrize("body, words", [
    (b"{not json", "the body is not JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"device_id": "d", "events": [{"mono": NaN}]}', "NaN"),
    (json.dumps({"events": []}).encode(), "device_id must be a non-empty string"),
    (json.dumps({"device_id": "d"}).encode(), "events must be a list"),
    (json.dumps({"device_id": "d", "events": {}}).encode(), "events must be a list"),
    (json.dumps({"device_id": "d", "waiting": -1, "events": []}).encode(), "waiting must be a whole number"),
    (json.dumps({"device_id": "d", "events": [{"uuid": "x"}, 5]}).encode(), "events[1] must be an object"),
])
def test_a_malformed_batch_gets_400_naming_the_problem_and_stores_nothing(hub, make_kiosk, body, words):
    kiosk = make_kiosk()
    good = kiosk.event()
    if body.startswith(b'{"device_id": "d", "events": [{"uuid": "x"}'):
        body = json.dumps({"device_id": kiosk.device_id, "events": [good, 5]}).encode()
    response = kiosk.client.post("/api/v1/events", data=body, headers=kiosk.headers,
                                 content_type="application/json")
    assert response.status_code == 400
    assert words in response.get_json()["error"]
    assert _count(hub) == 0


def test_too_many_events_or_too_many_bytes_is_413_and_stores_nothing(hub, make_kiosk):
    kiosk = make_kiosk()
    response = kiosk.upload([kiosk.event() for _ in range(1001)])
    assert response.status_code == 413 and "at most 1000" in response.get_json()["error"]
    big = kiosk.event(payload={"note": "x" * (4 * 1024 * 1024)})
    response = kiosk.upload([big])
    assert response.status_code == 413 and "bytes" in response.get_json()["error"]
    assert _count(hub) == 0


def test_phase_follows_the_latest_event_even_when_an_older_one_arrives_later(hub, make_kiosk, client):
    kiosk = make_kiosk()
    holding = kiosk.event("phase.changed", {"at": 2.0, "to": "holding", "from": "opening", "reason": "timer"},
                          wall="2026-11-25T10:05:00.000Z")
    opening = kiosk.event("phase.changed", {"at": 1.0, "to": "opening", "from": "welcome", "reason": "hold"},
                          wall="2026-11-25T10:00:00.000Z")
    kiosk.statuses([holding])
    kiosk.statuses([opening])
    rooms = client.get("/api/v1/rooms", headers=kiosk.headers).get_json()["rooms"]
    assert rooms[0]["phase"] == "holding"
    kiosk.statuses([kiosk.event("session.ended", {"at": 3.0, "reason": "completed"}, wall="2026-11-25T10:50:00.000Z")])
    assert client.get("/api/v1/rooms", headers=kiosk.headers).get_json()["rooms"][0]["phase"] == "welcome"


def test_heartbeat_updates_last_contact_waiting_and_phase(hub, make_kiosk, client, clock):
    kiosk = make_kiosk()
    assert client.get("/api/v1/rooms", headers=kiosk.headers).get_json()["rooms"][0]["last_seen"] is None
    clock.value += 5
    response = client.post("/api/v1/heartbeat", headers=kiosk.headers,
                           json={"device_id": kiosk.device_id, "waiting": 12, "phase": "closing", "glyph": "quiet"})
    assert response.status_code == 200 and "server_time" in response.get_json()
    room = client.get("/api/v1/rooms", headers=kiosk.headers).get_json()["rooms"][0]
    assert room["waiting"] == 12 and room["phase"] == "closing" and room["last_seen"].endswith("Z")
    bad = client.post("/api/v1/heartbeat", headers=kiosk.headers, json={"waiting": 1})
    assert bad.status_code == 400 and "device_id" in bad.get_json()["error"]


def test_within_one_batch_an_older_phase_event_never_overrides_a_newer_one(hub, make_kiosk, client):
    kiosk = make_kiosk()
    closing = kiosk.event("phase.changed", {"at": 3.0, "to": "closing", "from": "holding", "reason": "closing_now"},
                          wall="2026-11-25T10:40:00.000Z")
    holding = kiosk.event("phase.changed", {"at": 2.0, "to": "holding", "from": "opening", "reason": "timer"},
                          wall="2026-11-25T10:05:00.000Z")
    kiosk.statuses([closing, holding])  # the newer first, as a resend after a restart can order them
    assert client.get("/api/v1/rooms", headers=kiosk.headers).get_json()["rooms"][0]["phase"] == "closing"
