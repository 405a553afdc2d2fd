"""The sync worker against the real hub (`kiosk hub serve` in a subprocess, tests/hub/hubproc.py)."""

from __future__ import annotations

import itertools

import pytest
import requests

from kiosk.session import facts as F
from kiosk.session.glyph import Glyph
from kiosk.store import outbox
from tests.hub.hubproc import fresh_postgres_database, start_hub
from tests.needs import need_postgres
from tests.sync.conftest import append_many, wait_until
from tests.sync.hubside import staff_acknowledges, stored_uuids
from tests.sync.test_worker import drained, running, worker_for  # noqa: F401  (fixture)

_rooms = itertools.count(1)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    proc = start_hub(tmp_path_factory.mktemp("hub"))
    yield proc
    proc.stop()


def add_room(hub) -> tuple[str, str]:
    name = f"Room {next(_rooms)}"
    return name, hub.add_room(name)


def test_backlog_reaches_the_real_hub_and_heartbeats_keep_last_contact(hub, make_room, running):
    name, token = add_room(hub)
    room = make_room(hub.url, token, sync_seconds=0.2)
    append_many(room.journal, 300)
    running(worker_for(room, batch_size=128))
    wait_until(lambda: drained(room) and room.health.hub_reachable, what="drain")
    stored = stored_uuids(hub.data_dir, None)
    assert {r.uuid for r in room.journal.records()} <= set(stored)

    def seen():
        rooms = requests.get(hub.url + "/api/v1/rooms", headers={"Authorization": f"Bearer {token}"},
                             timeout=5).json()["rooms"]
        return rooms and rooms[0]["last_seen"] and rooms[0]["phase"] == "welcome" and rooms[0]["waiting"] == 0

    wait_until(seen, what="the heartbeat at the hub")


def test_help_call_is_delivered_and_acknowledgement_shows_within_two_seconds(hub, make_room, running):
    name, token = add_room(hub)
    room = make_room(hub.url, token)
    running(worker_for(room))
    call_id = room.raise_help("button")
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, timeout=5, what="delivered")
    assert staff_acknowledges(hub.data_dir, None, name, call_id, "Sam")
    took = wait_until(lambda: room.glyph() is Glyph.COMING, timeout=2.0, what="help coming")
    assert room.help.calls[call_id].by == "Sam"
    help_kinds = {F.HELP_RAISED, F.HELP_DELIVERED, F.HELP_ACKNOWLEDGED}
    wait_until(lambda: help_kinds <= {r.kind for r in room.journal.records()} and drained(room),
               what="the acknowledgement journalled and echoed to the hub")
    assert {r.uuid for r in room.journal.records()} <= set(stored_uuids(hub.data_dir, None))
    print(f"help coming shown {took:.2f} s after the staff acknowledgement")


def test_help_acknowledgement_via_two_hubs_on_postgresql(tmp_path, make_room, running):
    base = need_postgres()
    with fresh_postgres_database(base, prefix="synchelp") as database:
        a = start_hub(tmp_path / "a", database=database)
        b = start_hub(tmp_path / "b", database=database)
        try:
            token = a.add_room("Room P")
            room = make_room(b.url, token)
            running(worker_for(room))
            call_id = room.raise_help("button")
            wait_until(lambda: room.glyph() is Glyph.DELIVERED, timeout=5, what="delivered")
            assert staff_acknowledges(tmp_path / "a", database, "Room P", call_id, "Ana")
            wait_until(lambda: room.glyph() is Glyph.COMING, timeout=2.0, what="help coming")
        finally:
            a.stop()
            b.stop()


def test_events_the_hub_will_not_take_are_set_aside_and_the_rest_flow(hub, make_room, running):
    name, token = add_room(hub)
    room = make_room(hub.url, token)
    append_many(room.journal, 20)
    room.journal.append(F.PHASE_CHANGED, {"at": 1.0}).result()          # the hub's validation rejects it
    room.journal.append("test.huge", {"blob": "x" * (5 * 1024 * 1024)}).result()  # 413 even alone
    append_many(room.journal, 20)
    running(worker_for(room, batch_size=100))
    wait_until(lambda: drained(room) and room.health.sync_rejected == 2, timeout=20, what="drain")
    reasons = {rec.kind: reason for rec, reason in outbox.rejected_events(room.journal)}
    assert "payload.to" in reasons[F.PHASE_CHANGED]
    assert reasons["test.huge"].startswith("HTTP 413")
    assert outbox.counts(room.journal).confirmed == 40


def test_wrong_token_at_the_real_hub_is_said_plainly(hub, make_room, running):
    room = make_room(hub.url, "not-a-token")
    append_many(room.journal, 2)
    running(worker_for(room))
    wait_until(lambda: room.health.sync_error, what="an error")
    assert room.health.sync_error == "the hub refused this kiosk's key: ask whoever runs the hub"
    assert room.glyph() is Glyph.QUIET
    room.raise_help("button", wait=True)
    wait_until(lambda: room.glyph() is Glyph.NOT_DELIVERED, what="not delivered shown")


def test_every_kind_of_event_a_kiosk_writes_is_accepted_by_the_hub(hub, make_room, running, clock):
    """A whole session with everything that can happen in it: the hub's validation refuses none of it."""
    name, token = add_room(hub)
    room = make_room(hub.url, token, sync_seconds=0.2)
    room.begin()
    clock.advance(250)
    room.tick()                                  # the opening's cue
    room.continue_to_holding()
    room.extend()
    clock.advance(2400)
    room.tick()                                  # holding's cues
    clock.wall += 90                             # the wall clock steps
    room.tick()
    call = room.raise_help("button")
    room.change_help(F.HELP_CANCELLED, call)
    room.note(F.BUTTON_HELLO, {"model": "pico", "version": "1.0"})
    room.note(F.BUTTON_FAULT, {"reason": "no PING for 3 s"})
    room.note("settings.changed", {"profile": "still"})
    room.go_to_closing()
    clock.advance(300)
    room.tick()
    room.journal.flush()
    written = {r.kind for r in room.journal.records()}
    assert {F.SESSION_STARTED, F.PHASE_CHANGED, F.CUE_FIRED, F.SESSION_EXTENDED, F.CLOCK_STEPPED,
            F.HELP_RAISED, F.HELP_CANCELLED, F.SESSION_ENDED} <= written
    running(worker_for(room))
    wait_until(lambda: drained(room), what="everything answered by the hub")
    assert outbox.counts(room.journal).rejected == 0, outbox.rejected_events(room.journal)
