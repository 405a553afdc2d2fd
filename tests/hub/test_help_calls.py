"""Help calls at the hub: from kiosk events and staff actions, never backwards, long poll."""

from __future__ import annotations

import threading
import time

from kiosk.hub import helpcalls


def _raise(kiosk, call_id="call-1"):
    return kiosk.event("help.raised", {"at": 1_795_000_000.0, "call_id": call_id, "source": "button"})


def test_raised_acknowledged_resolved_from_kiosk_events(hub, make_kiosk):
    kiosk = make_kiosk()
    kiosk.statuses([_raise(kiosk)])
    assert [(c["call_id"], c["state"], c["by"]) for c in kiosk.help()] == [("call-1", "raised", None)]
    kiosk.statuses([kiosk.event("help.delivered", {"at": 2.0, "call_id": "call-1"})])
    assert kiosk.help()[0]["state"] == "raised"
    kiosk.statuses([kiosk.event("help.acknowledged", {"at": 3.0, "call_id": "call-1", "by": "Sam"})])
    assert (kiosk.help()[0]["state"], kiosk.help()[0]["by"]) == ("acknowledged", "Sam")
    kiosk.statuses([kiosk.event("help.resolved", {"at": 4.0, "call_id": "call-1"})])
    assert kiosk.help()[0]["state"] == "resolved"


def test_late_news_never_moves_a_call_backwards(hub, make_kiosk):
    kiosk = make_kiosk()
    raised = _raise(kiosk)
    resolved = kiosk.event("help.resolved", {"at": 5.0, "call_id": "call-1"})
    ack = kiosk.event("help.acknowledged", {"at": 3.0, "call_id": "call-1", "by": "Sam"})
    kiosk.statuses([resolved])          # the resolve arrives first (help skips the queue)
    kiosk.statuses([ack, raised])
    assert kiosk.help()[0]["state"] == "resolved"
    kiosk.statuses([kiosk.event("help.cancelled", {"at": 6.0, "call_id": "call-1"})])
    assert kiosk.help()[0]["state"] == "resolved"


def test_staff_acknowledge_and_resolve_reach_the_kiosk(hub, make_kiosk, clock):
    kiosk = make_kiosk()
    kiosk.statuses([_raise(kiosk)])
    room_id = _room_id(hub)
    with hub.db.connection_context():
        assert helpcalls.staff_action(hub, room_id, "call-1", helpcalls.ACKNOWLEDGED, "Ana", now=clock())
        assert not helpcalls.staff_action(hub, room_id, "call-1", helpcalls.ACKNOWLEDGED, "Bo", now=clock())
        assert not helpcalls.staff_action(hub, room_id, "no-such-call", helpcalls.RESOLVED, "Bo", now=clock())
    assert (kiosk.help()[0]["state"], kiosk.help()[0]["by"]) == ("acknowledged", "Ana")
    # the kiosk echoes the acknowledgement back: nothing changes
    kiosk.statuses([kiosk.event("help.acknowledged", {"at": 3.0, "call_id": "call-1", "by": "Ana"})])
    with hub.db.connection_context():
        assert helpcalls.staff_action(hub, room_id, "call-1", helpcalls.RESOLVED, "Ana", now=clock())
    assert kiosk.help()[0]["state"] == "resolved"


def test_calls_closed_over_an_hour_ago_drop_out_but_open_ones_stay(hub, make_kiosk, clock):
    kiosk = make_kiosk()
    kiosk.statuses([_raise(kiosk, "old"), _raise(kiosk, "open")])
    kiosk.statuses([kiosk.event("help.resolved", {"at": 2.0, "call_id": "old"})])
    clock.value += 3601
    assert [c["call_id"] for c in kiosk.help()] == ["open"]


def test_long_poll_returns_as_soon_as_staff_acknowledge(hub, make_kiosk, clock):
    kiosk = make_kiosk()
    kiosk.statuses([_raise(kiosk)])
    room_id = _room_id(hub)
    answer: dict = {}

    def poll() -> None:
        started = time.monotonic()
        answer["calls"] = kiosk.help(wait=20)
        answer["seconds"] = time.monotonic() - started

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.3)
    with hub.db.connection_context():
        helpcalls.staff_action(hub, room_id, "call-1", helpcalls.ACKNOWLEDGED, "Ana", now=clock())
    poller.join(10)
    assert not poller.is_alive()
    assert answer["calls"][0]["state"] == "acknowledged"
    assert answer["seconds"] < 10   # far below the 20 s wait: it was woken, not timed out


def test_wait_outside_0_to_25_is_400(hub, make_kiosk):
    kiosk = make_kiosk()
    for wait in ("26", "-1", "soon"):
        response = kiosk.client.get(f"/api/v1/help?wait={wait}", headers=kiosk.headers)
        assert response.status_code == 400 and "wait must be" in response.get_json()["error"]


def _room_id(hub) -> int:
    with hub.db.connection_context():
        return hub.models.Room.get().id


def test_an_untrusted_kiosk_clock_does_not_date_the_call(hub, make_kiosk, clock):
    kiosk = make_kiosk()
    kiosk.statuses([kiosk.event("help.raised", {"at": 1_000_000.0, "call_id": "c1"}, clock_trusted=False)])
    with hub.db.connection_context():
        assert helpcalls.calls(hub, now=clock())[0].raised_at == clock()


def test_when_every_long_poll_slot_is_busy_the_next_poll_answers_at_once(hub, clock):
    from kiosk.hub.app import create_app
    from kiosk.hub.rooms import add_room
    from tests.hub.conftest import Kiosk

    app = create_app(hub, now=clock, threads=5)   # 5 threads: one long-poll slot
    with hub.db.connection_context():
        kiosk = Kiosk(app.test_client(), add_room(hub, "Room 9"))
    first = threading.Thread(target=kiosk.help, kwargs={"wait": 20})
    first.start()
    time.sleep(0.3)
    started = time.monotonic()
    kiosk.help(wait=20)
    assert time.monotonic() - started < 10   # not held: the only slot is taken
    app.extensions["kiosk_hub"].stopping.set()   # ends the first poll, as on shutdown
    first.join(10)
    assert not first.is_alive()
