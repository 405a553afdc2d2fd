"""A power cut in the middle of a session: the kiosk comes back in the right phase with the right time left."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.room import ALIVE_EVERY, Room
from kiosk.session_report import describe_sessions
from kiosk.session import facts as F
from kiosk.session.machine import rebuild
from kiosk.session.plan import Phase, Plan
from kiosk.store.journal import Journal

PLAN = Plan(name="Standard", opening=300, holding=2400, closing=300)
CONFIG = Config(plans=(PLAN,))


def open_room(path: Path, clock: FakeClock) -> tuple[Journal, Room]:
    journal = Journal(path, clock)
    return journal, Room(CONFIG, journal, clock)


def test_resume_in_holding_with_the_right_time_left(tmp_path: Path):
    db = tmp_path / "kiosk.sqlite3"
    clock = FakeClock()
    journal, room = open_room(db, clock)
    room.begin()
    clock.advance(360)  # into holding, a minute in
    room.tick()
    assert room.view().phase is Phase.HOLDING
    clock.advance(15)
    room.alive()  # the heartbeat: the last sign of life before the cut
    journal.close()  # everything thrown away: the kiosk loses power here
    del room

    clock.reboot(wall_gap=600, boot_id="second-boot")  # back ten minutes later
    journal, room = open_room(db, clock)
    try:
        journal.flush()
        view = room.view()
        assert view.phase is Phase.HOLDING
        # holding began at +300 and is planned for 2400 s; it is now +975
        assert view.remaining == 300 + 2400 - 975
        assert view.interrupted
        [gap] = journal.records(kinds=[F.SESSION_INTERRUPTED])
        assert gap.payload["seconds"] == 600
        assert gap.payload["from"] == clock.now() - 600
        # down between the heartbeat and the next one that never came, not "at" the heartbeat
        assert gap.payload["down_by"] == clock.now() - 600 + ALIVE_EVERY
        assert gap.payload["seconds_at_least"] == 600 - ALIVE_EVERY
        report = describe_sessions(journal, timezone.utc)
        heartbeat = datetime.fromtimestamp(clock.now() - 600, timezone.utc)
        assert (f"the kiosk stopped between {heartbeat:%H:%M:%S} (its last sign of life) and "
                f"{heartbeat + timedelta(seconds=ALIVE_EVERY):%H:%M:%S} (the heartbeat that did not come), back at "
                f"{datetime.fromtimestamp(clock.now(), timezone.utc):%H:%M:%S} (off 9.8 min to 10.0 min)") in report
        assert gap.boot_id == "second-boot"
        # and the session carries on from there
        clock.advance(view.remaining)
        room.tick()
        assert room.view().invites_closing
        room.go_to_closing()
        clock.advance(300)
        room.tick()
        assert room.session.state.end_reason == "completed"
    finally:
        journal.close()


def test_resume_after_the_opening_would_have_ended_lands_in_holding(tmp_path: Path):
    db = tmp_path / "kiosk.sqlite3"
    clock = FakeClock()
    journal, room = open_room(db, clock)
    room.begin()
    clock.advance(100)
    journal.close()
    clock.reboot(wall_gap=500)
    journal, room = open_room(db, clock)
    try:
        state = room.session.state
        assert state.phase is Phase.HOLDING
        assert state.current.actual_start == state.started_at + 300
    finally:
        journal.close()


def test_resume_after_closing_would_have_ended_finishes_the_session(tmp_path: Path):
    db = tmp_path / "kiosk.sqlite3"
    clock = FakeClock()
    journal, room = open_room(db, clock)
    room.begin()
    room.go_to_closing()
    journal.close()
    clock.reboot(wall_gap=3600)
    journal, room = open_room(db, clock)
    try:
        assert room.session.state.phase is Phase.DONE
        assert room.view().phase is Phase.WELCOME
        assert room.session.state.ended_at == room.session.state.phases[-1].actual_start
    finally:
        journal.close()


def test_a_finished_session_is_not_resumed(tmp_path: Path):
    db = tmp_path / "kiosk.sqlite3"
    clock = FakeClock()
    journal, room = open_room(db, clock)
    room.begin()
    room.end_session()
    journal.close()
    clock.reboot(wall_gap=60)
    journal, room = open_room(db, clock)
    try:
        journal.flush()
        assert journal.records(kinds=[F.SESSION_INTERRUPTED]) == []
        assert room.view().phase is Phase.WELCOME
    finally:
        journal.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["begin", "continue", "closing", "extend", "end", "help"]),
                                st.floats(min_value=0, max_value=1500)), max_size=12))
def test_live_room_equals_the_room_rebuilt_from_its_journal_file(tmp_path_factory, steps):
    db = tmp_path_factory.mktemp("room") / "kiosk.sqlite3"
    clock = FakeClock()
    journal, room = open_room(db, clock)
    actions = {"begin": room.begin, "continue": room.continue_to_holding, "closing": room.go_to_closing,
               "extend": room.extend, "end": room.end_session, "help": lambda: room.raise_help("test")}
    for action, delay in steps:
        clock.advance(delay)
        room.tick()
        actions[action]()
    journal.flush()
    live = copy.deepcopy(room.session.state)
    sid = room.session.state.session_id
    records = journal.records(session_id=sid) if sid else []
    assert rebuild([(r.fact, r.session_id) for r in records]).state == live
    journal.close()


def test_delivered_news_racing_the_commit_is_not_lost(tmp_path: Path):
    """The sync worker is woken by the commit of help.raised and may answer before raise_help returns."""
    clock = FakeClock()
    journal, room = open_room(tmp_path / "kiosk.sqlite3", clock)
    delivered = []
    journal.on_commit(lambda records: delivered.extend(
        room.change_help(F.HELP_DELIVERED, r.payload["call_id"]) for r in records if r.kind == F.HELP_RAISED))
    try:
        call_id = room.raise_help("button")
        assert delivered == [True]
        assert room.help.calls[call_id].state == "delivered"
    finally:
        journal.close()


def test_a_help_call_is_shown_only_once_it_is_committed(tmp_path: Path):
    import threading

    clock = FakeClock()
    journal, room = open_room(tmp_path / "kiosk.sqlite3", clock)
    told = []
    room.subscribe(lambda facts: told.extend(f.kind for f in facts))
    gate = threading.Event()
    journal.write(lambda: gate.wait(10))  # the writer is busy (a slow fsync)
    try:
        call_id = room.raise_help("keyboard", wait=False)
        assert room.view().help_call is None and room.glyph() == "quiet" and told == []
        assert room.change_help(F.HELP_DELIVERED, call_id)  # news about it is not lost meanwhile
        gate.set()
        journal.flush()
        assert room.view().help_call.call_id == call_id and F.HELP_RAISED in told
    finally:
        gate.set()
        journal.close()
