"""What one upload stores beside its answer: the event as sent, the call's press time, the room's own status.

test_ingest_api.py has the answers per UUID; these read the rows behind them.
"""

from __future__ import annotations

import json


def _room(hub, name: str):
    with hub.db.connection_context():
        return hub.models.Room.get(hub.models.Room.name == name)


def _call(hub, call_id: str):
    with hub.db.connection_context():
        return hub.models.HelpCall.get(hub.models.HelpCall.call_id == call_id)


def test_the_stored_event_keeps_its_payload_as_sent(hub, make_kiosk):
    kiosk = make_kiosk()
    event = kiosk.event("cue.fired", {"at": 1.0, "lead": 60.0, "phase": "holding"})
    assert kiosk.statuses([event]) == ["stored"]
    with hub.db.connection_context():
        row = hub.models.Event.get(hub.models.Event.uuid == event["uuid"])
    assert json.loads(row.payload) == event["payload"] and row.session_id == "s-1"


def test_a_help_call_sent_with_its_age_was_pressed_that_long_before_the_hub_heard_it(hub, make_kiosk, clock):
    kiosk = make_kiosk()
    raised = kiosk.event("help.raised", {"at": 5.0, "call_id": "c1", "source": "button"}, age=42.5)
    assert kiosk.statuses([raised]) == ["stored"]
    call = _call(hub, "c1")
    assert call.raised_at == clock.value - 42.5
    assert call.reached_at == clock.value and call.changed_at == clock.value


def test_an_upload_tells_the_rooms_status_and_only_that_rooms(hub, make_kiosk, client, clock):
    here, there = make_kiosk("Room 3"), make_kiosk("Room 4")
    assert there.statuses([there.event()]) == ["stored"]
    before = _room(hub, "Room 4")
    clock.value += 60
    assert here.upload([here.event()], waiting=7).status_code == 200
    room = _room(hub, "Room 3")
    assert (room.last_seen, room.waiting, room.device_id) == (clock.value, 7, here.device_id)
    after = _room(hub, "Room 4")
    assert (after.last_seen, after.waiting, after.device_id) == (before.last_seen, before.waiting, before.device_id)
    clock.value += 60
    response = client.post("/api/v1/events", headers=here.headers,
                           json={"device_id": here.device_id, "events": [here.event()]})  # no waiting said
    assert response.status_code == 200
    room = _room(hub, "Room 3")
    assert (room.last_seen, room.waiting) == (clock.value, 7), "an upload that does not say keeps the last count"


def test_a_uuid_another_room_holds_is_rejected_and_stored_nowhere(hub, make_kiosk):
    first, second = make_kiosk("Room 3"), make_kiosk("Room 4")
    event = first.event()
    assert first.statuses([event]) == ["stored"]
    copied = dict(second.event(), uuid=event["uuid"])
    [result] = second.upload([copied]).get_json()["results"]
    assert result["status"] == "rejected" and "already taken" in result["reason"]
    with hub.db.connection_context():
        assert hub.models.Event.select().where(hub.models.Event.uuid == event["uuid"]).count() == 1


def test_a_trusted_clocks_press_time_stands_when_no_age_is_sent(hub, make_kiosk, clock):
    kiosk = make_kiosk()
    at = clock.value - 30
    assert kiosk.statuses([kiosk.event("help.raised", {"at": at, "call_id": "c2", "source": "button"})]) == ["stored"]
    assert _call(hub, "c2").raised_at == at
    untrusted = kiosk.event("help.raised", {"at": at - 3600, "call_id": "c3", "source": "button"}, clock_trusted=False)
    assert kiosk.statuses([untrusted]) == ["stored"]
    assert _call(hub, "c3").raised_at == clock.value, "an untrusted wall clock's time is not believed"
