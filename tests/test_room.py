"""The Room against a real journal: help presses, failures, clock steps, abandoned sessions."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from peewee import OperationalError

from kiosk.clock import FakeClock
from kiosk.config import Config, HubConfig
from kiosk.room import Room
from kiosk.session.help import REPEAT_WITHIN, STALE_CALL_AFTER
from kiosk.session.resume import ABANDONED_AFTER
from kiosk.session import facts as F
from kiosk.session.glyph import SENDING_AT_MOST, Glyph
from kiosk.session.plan import Phase, Plan
from kiosk.store.journal import Journal, JournalFull

PLAN = Plan(name="Standard", opening=300, holding=2400, closing=300)
CONFIG = Config(plans=(PLAN,), hub=HubConfig(url="http://hub.invalid", token="t"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def kiosk(tmp_path: Path, clock: FakeClock):
    opened = []

    def open_room() -> Room:
        journal = Journal(tmp_path / "kiosk.sqlite3", clock)
        opened.append(journal)
        return Room(CONFIG, journal, clock)

    yield open_room
    for journal in opened:
        journal.close()


def kinds(room: Room, *wanted: str) -> list:
    room.journal.flush()
    return [r for r in room.journal.records(kinds=wanted)]


def test_a_second_press_soon_after_is_the_same_call(kiosk, clock):
    room = kiosk()
    first = room.raise_help("button")
    clock.advance(REPEAT_WITHIN - 1)
    assert room.raise_help("button") == first
    assert len(kinds(room, F.HELP_RAISED)) == 1 and len(kinds(room, "help.repeated")) == 1


def test_a_press_after_staff_answered_is_a_new_call(kiosk, clock):
    room = kiosk()
    first = room.raise_help("button")
    room.change_help(F.HELP_DELIVERED, first)
    room.change_help(F.HELP_ACKNOWLEDGED, first, by="Sam")
    clock.advance(60)
    second = room.raise_help("button")
    assert second != first
    assert room.help.calls[first].state == "resolved" and room.help.calls[first].by == "superseded by a new press"
    assert room.view().help_call.call_id == second and room.glyph() is Glyph.SENDING
    assert [r.payload["call_id"] for r in kinds(room, F.HELP_RAISED)] == [first, second]


def test_a_press_long_after_an_unanswered_call_is_a_new_call(kiosk, clock):
    room = kiosk()
    first = room.raise_help("button")
    clock.advance(REPEAT_WITHIN + 1)
    assert room.raise_help("button") != first


def test_a_call_left_open_is_expired_by_a_restart(kiosk, clock):
    room = kiosk()
    call = room.raise_help("button")
    room.change_help(F.HELP_ACKNOWLEDGED, call, by="Sam")
    room.journal.close()
    clock.reboot(STALE_CALL_AFTER + 60)
    room = kiosk()
    assert room.view().help_call is None and room.glyph() is Glyph.QUIET
    [resolved] = kinds(room, F.HELP_RESOLVED)
    assert resolved.payload["by"].startswith("expired")


def test_sending_never_lasts(kiosk, clock):
    room = kiosk()
    room.update_health(hub_reachable=True)
    room.raise_help("button")
    assert room.glyph() is Glyph.SENDING
    clock.advance(SENDING_AT_MOST + 1)
    assert room.glyph() is Glyph.NOT_DELIVERED


def test_a_help_call_the_journal_cannot_write_is_shown_as_not_delivered(kiosk, clock, monkeypatch):
    room = kiosk()
    room.update_health(hub_reachable=True)

    def disk_full(*_a, **_k):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(room.journal.models.Event, "insert_many", disk_full)
    monkeypatch.setattr(room.journal.models.Event, "insert", disk_full)
    call = room.raise_help("button")  # no exception reaches the button link
    assert room.view().help_call.call_id == call
    assert room.glyph() is Glyph.NOT_DELIVERED and room.health.journal_ok is False


class CallbacksLate(Future):
    """A future that wakes its waiters before it runs its callbacks, as concurrent.futures does,
    with the gap held open until the test lets go: the window where the glyph once said "sending"."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.late = threading.Thread(target=lambda: (self.release.wait(10), Future._invoke_callbacks(self)))
        self.finished = threading.Event()

    def _invoke_callbacks(self) -> None:
        self.late.start()
        self.finished.set()

    def let_go(self) -> None:
        assert self.finished.wait(10)
        self.release.set()
        self.late.join(10)


def late_callbacks(room: Room, monkeypatch) -> list[CallbacksLate]:
    made: list[CallbacksLate] = []
    real_append = room.journal.append

    def append(kind, payload=None, session_id=None):
        inner, outer = real_append(kind, payload, session_id), CallbacksLate()
        made.append(outer)
        inner.add_done_callback(lambda done: outer.set_exception(done.exception()) if done.exception()
                                else outer.set_result(done.result()))
        return outer

    monkeypatch.setattr(room.journal, "append", append)
    return made


def disk_full_journal(room: Room, monkeypatch) -> None:
    def disk_full(*_a, **_k):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(room.journal.models.Event, "insert_many", disk_full)
    monkeypatch.setattr(room.journal.models.Event, "insert", disk_full)


def test_an_unwritten_help_call_is_never_shown_as_on_its_way_even_before_the_writer_reports(
        kiosk, clock, monkeypatch):
    room = kiosk()
    room.update_health(hub_reachable=True)
    disk_full_journal(room, monkeypatch)
    futures = late_callbacks(room, monkeypatch)
    seen: list[Glyph] = []
    room.subscribe(lambda facts: seen.append(room.glyph()))
    call = room.raise_help("button")
    assert room.glyph() is Glyph.NOT_DELIVERED and room.health.journal_ok is False
    assert room.view().help_call.call_id == call
    for future in futures:
        future.let_go()
    assert room.glyph() is Glyph.NOT_DELIVERED and Glyph.SENDING not in seen


def test_an_unwritten_help_call_raised_without_waiting_never_shows_as_on_its_way(kiosk, clock, monkeypatch):
    room = kiosk()
    room.update_health(hub_reachable=True)
    disk_full_journal(room, monkeypatch)
    futures = late_callbacks(room, monkeypatch)
    seen: list[Glyph] = []
    room.subscribe(lambda facts: seen.append(room.glyph()))
    call = room.raise_help("button", wait=False)
    seen.append(room.glyph())
    futures[-1].exception(timeout=10)
    seen.append(room.glyph())
    for future in futures:
        future.let_go()
    assert room.view().help_call.call_id == call and room.glyph() is Glyph.NOT_DELIVERED
    assert Glyph.SENDING not in seen


def test_one_event_that_cannot_be_written_loses_only_itself(kiosk, clock):
    room = kiosk()
    with pytest.raises(TypeError, match="'button.hello' event cannot be journalled"):
        room.note("button.hello", {"model": b"bytes are not JSON"})
    room.begin()
    call = room.raise_help("keyboard")
    assert [r.kind for r in kinds(room, F.SESSION_STARTED, F.PHASE_CHANGED, F.HELP_RAISED)] == \
        [F.SESSION_STARTED, F.PHASE_CHANGED, F.HELP_RAISED]
    assert room.view().help_call.call_id == call


def test_a_forward_clock_step_does_not_end_the_closing(kiosk, clock):
    room = kiosk()
    room.begin()
    room.go_to_closing()
    clock.advance(60)
    clock.wall += 7200  # NTP catches up two hours; monotonic time does not jump
    room.tick()
    view = room.view()
    assert view.phase is Phase.CLOSING and view.remaining == pytest.approx(240)
    [step] = kinds(room, F.CLOCK_STEPPED)
    assert step.payload["offset"] == pytest.approx(7200)
    clock.advance(240)
    room.tick()
    assert room.session.state.end_reason == "completed"


def test_a_backward_clock_across_a_restart_resumes_where_it_stopped(kiosk, clock):
    room = kiosk()
    room.begin()
    room.go_to_closing()
    clock.advance(60)
    room.alive()
    room.journal.close()
    clock.reboot(-2340)  # fake-hwclock brings the clock back 39 minutes
    room = kiosk()
    view = room.view()
    assert view.phase is Phase.CLOSING and view.remaining == pytest.approx(240)
    [gap] = kinds(room, F.SESSION_INTERRUPTED)
    assert gap.payload["length_known"] is False and gap.payload["seconds"] == 0


def test_a_session_left_for_hours_is_ended_not_resumed(kiosk, clock):
    room = kiosk()
    room.begin()
    clock.advance(400)
    room.tick()
    room.journal.close()
    clock.reboot(ABANDONED_AFTER + 60)
    room = kiosk()
    assert room.view().phase is Phase.WELCOME
    assert room.session.state.end_reason == "abandoned"


def test_a_mistyped_health_field_is_refused_at_once(kiosk):
    room = kiosk()
    with pytest.raises(ValueError, match="button_okay"):
        room.update_health(button_okay=False)
    room.view()


def test_a_journal_that_cannot_keep_up_is_shown_and_a_help_call_says_not_delivered(tmp_path, clock):
    journal = Journal(tmp_path / "kiosk.sqlite3", clock, max_queued=3)
    entered, stuck = threading.Event(), threading.Event()
    hung = journal.write(lambda: (entered.set(), stuck.wait(10)))  # a hung SD card holds the writer
    assert entered.wait(10)
    try:
        room = Room(CONFIG, journal, clock)
        room.update_health(hub_reachable=True)
        room.begin()  # session.started and phase.changed: two of the three places
        room.note("button.test", {})
        assert room.health.journal_ok  # full, not yet over
        with pytest.raises(JournalFull, match="not keeping up"):
            journal.append("test.tick", {})
        call = room.raise_help("button", wait=False)  # no exception reaches the button thread
        assert room.health.journal_ok is False  # told at once, not when memory runs out
        assert room.view().help_call.call_id == call and room.glyph() is Glyph.NOT_DELIVERED
    finally:
        stuck.set()
        hung.result(timeout=10)
        journal.close()
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    try:
        assert [r.kind for r in journal.records()] == [F.SESSION_STARTED, F.PHASE_CHANGED, "button.test"]
    finally:
        journal.close()
