"""The help watch: the hub's news of an open call moves the kiosk's call forward, once; its loop paces itself."""

from __future__ import annotations

import logging
import threading

import pytest

from kiosk.session import facts as F
from kiosk.sync.client import HubCall, HubError
from kiosk.sync.helpwatch import STATE_KIND, HelpWatch, apply_hub_calls
from tests.sync.conftest import HeldUp, logged, wait_until

HELP_KINDS = (F.HELP_DELIVERED, F.HELP_ACKNOWLEDGED, F.HELP_RESOLVED, F.HELP_CANCELLED)


def journalled(room) -> list[tuple[str, str | None]]:
    room.journal.flush()
    return [(r.kind, r.payload.get("by")) for r in room.journal.records(kinds=HELP_KINDS)]


def watch_lines(caplog) -> list[tuple[str, str]]:
    return logged(caplog, "kiosk.sync.helpwatch")


def test_each_hub_state_maps_to_the_kind_the_kiosk_journals():
    assert STATE_KIND == {"raised": F.HELP_DELIVERED, "acknowledged": F.HELP_ACKNOWLEDGED,
                          "resolved": F.HELP_RESOLVED, "cancelled": F.HELP_CANCELLED}


def test_a_call_the_hub_lists_as_raised_is_delivered_once(make_room, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.helpwatch")
    room = make_room(None, None)
    call_id = room.raise_help("button")
    assert apply_hub_calls(room, [HubCall(call_id, "raised", None)]) == 1
    assert apply_hub_calls(room, [HubCall(call_id, "raised", None)]) == 0
    assert room.view().help_call.state == "delivered"
    assert journalled(room) == [(F.HELP_DELIVERED, None)]
    assert watch_lines(caplog) == [("INFO", f"help call {call_id} is raised at the hub")]


def test_an_acknowledgement_delivers_first_and_names_who_comes(make_room, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.helpwatch")
    room = make_room(None, None)
    call_id = room.raise_help("button")
    assert apply_hub_calls(room, [HubCall(call_id, "acknowledged", "Sam")]) == 2
    call = room.view().help_call
    assert (call.state, call.by) == ("acknowledged", "Sam")
    assert journalled(room) == [(F.HELP_DELIVERED, None), (F.HELP_ACKNOWLEDGED, "Sam")]
    assert watch_lines(caplog) == [("INFO", f"help call {call_id} is acknowledged at the hub by Sam")]
    assert apply_hub_calls(room, [HubCall(call_id, "acknowledged", "Sam")]) == 0
    assert len(journalled(room)) == 2


def test_a_delivered_call_resolved_at_the_hub_moves_once(make_room):
    room = make_room(None, None)
    call_id = room.raise_help("button")
    apply_hub_calls(room, [HubCall(call_id, "raised", None)])
    assert apply_hub_calls(room, [HubCall(call_id, "resolved", "Ana")]) == 1
    assert room.view().help_call is None
    assert journalled(room) == [(F.HELP_DELIVERED, None), (F.HELP_RESOLVED, "Ana")]


def test_news_of_unknown_states_unnamed_or_unknown_calls_moves_nothing(make_room):
    room = make_room(None, None)
    call_id = room.raise_help("button")
    calls = [HubCall(call_id, "lost", None), HubCall("", "acknowledged", "Sam"),
             HubCall("not-a-call-here", "acknowledged", "Sam")]
    assert apply_hub_calls(room, calls) == 0
    assert room.view().help_call.state == "raised"
    assert journalled(room) == []
    after_junk = [HubCall(call_id, "lost", None), HubCall("", "acknowledged", "Sam"), HubCall(call_id, "raised", None)]
    assert apply_hub_calls(room, after_junk) == 1, "an entry it cannot use does not end the answer"
    assert journalled(room) == [(F.HELP_DELIVERED, None)]


def test_every_call_in_one_answer_is_applied(make_room, clock):
    room = make_room(None, None)
    first = room.raise_help("button")
    room.change_help(F.HELP_DELIVERED, first)
    room.change_help(F.HELP_ACKNOWLEDGED, first, by="Sam")
    second = room.raise_help("button")  # a press after staff answered: a new call, the old superseded
    assert second != first
    moved = apply_hub_calls(room, [HubCall("elsewhere", "resolved", None), HubCall(second, "raised", None)])
    assert moved == 1 and room.view().help_call.state == "delivered"


class FakeClient:
    """The hub as the watch's loop sees it: each help_calls() answers, or raises, the next of `answers`."""

    url = "http://hub.test"

    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.waits: list[float] = []
        self.closed = False

    def help_calls(self, wait: float = 0.0) -> list[HubCall]:
        self.waits.append(wait)
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def close(self) -> None:
        self.closed = True


class Pauses:
    """The watch's pause seam: records each (event, seconds) and stops the watch after `stop_after` pauses."""

    def __init__(self, stop_after: int, on_pause=None) -> None:
        self.stop_after = stop_after
        self.on_pause = on_pause
        self.asked: list[tuple[str, float]] = []
        self.watch: HelpWatch | None = None

    def __call__(self, event: threading.Event, seconds: float) -> bool:
        assert self.watch is not None
        which = "stop" if event is self.watch._stop else "wake" if event is self.watch._wake else "other"
        self.asked.append((which, seconds))
        if self.on_pause:
            self.on_pause(len(self.asked))
        if len(self.asked) >= self.stop_after:
            self.watch._stop.set()
        return event.is_set()


def run_watch(room, client: FakeClient, pauses: Pauses, **kwargs) -> HelpWatch:
    watch = HelpWatch(room, lambda: client, pause=pauses, **kwargs)
    pauses.watch = watch
    watch.start()
    watch._thread.join(10)
    assert not watch._thread.is_alive()
    watch.stop()
    return watch


def test_with_no_call_open_the_watch_waits_for_one_and_asks_the_hub_nothing(make_room):
    room = make_room(None, None)
    client = FakeClient([])
    pauses = Pauses(stop_after=2)
    run_watch(room, client, pauses, idle_check=30.0)
    assert pauses.asked == [("wake", 30.0), ("wake", 30.0)]
    assert client.waits == [] and client.closed


def test_an_open_call_is_polled_with_the_long_wait_and_paced_to_min_interval(make_room):
    room = make_room(None, None)
    call_id = room.raise_help("button")
    times = iter([10.0, 10.05, 20.0, 20.5])
    client = FakeClient([[], [HubCall(call_id, "acknowledged", "Sam")]])
    pauses = Pauses(stop_after=2)
    run_watch(room, client, pauses, wait=7.0, min_interval=0.2, monotonic=lambda: next(times))
    assert client.waits == [7.0, 7.0]
    assert pauses.asked == [("stop", pytest.approx(0.15)), ("stop", 0.0)]
    assert room.view().help_call.by == "Sam" and client.closed


def test_a_hub_that_fails_is_tried_again_after_error_pause(make_room, caplog):
    caplog.set_level(logging.DEBUG, logger="kiosk.sync.helpwatch")
    room = make_room(None, None)
    room.raise_help("button")
    client = FakeClient([HubError("cannot reach the hub"), RuntimeError("a bug"), []])
    pauses = Pauses(stop_after=3)
    run_watch(room, client, pauses, error_pause=3.0, min_interval=0.2, monotonic=lambda: 0.0)
    assert pauses.asked == [("stop", 3.0), ("stop", 3.0), ("stop", 0.2)], "and it goes on watching after each"
    assert len(client.waits) == 3
    lines = watch_lines(caplog)
    assert lines == [("DEBUG", "help check failed: cannot reach the hub"),
                     ("ERROR", "help check against http://hub.test failed")]
    assert client.closed


def test_a_new_call_wakes_an_idle_watch(make_room):
    room = make_room(None, None)
    client = FakeClient([])
    woken: list[bool] = []

    def raise_on_first(n: int) -> None:
        if n == 1:
            room.raise_help("button")
            woken.append(watch_holder[0]._wake.is_set())

    pauses = Pauses(stop_after=2, on_pause=raise_on_first)
    watch_holder: list[HelpWatch] = []
    watch = HelpWatch(room, lambda: client, pause=pauses, monotonic=lambda: 0.0)
    watch_holder.append(watch)
    pauses.watch = watch
    watch.start()
    watch._thread.join(10)
    watch.stop()
    assert woken == [True]
    assert pauses.asked[0] == ("wake", 30.0) and pauses.asked[1][0] == "stop"
    assert client.waits == [1.0]


def test_stop_wakes_and_joins_the_thread(make_room):
    room = make_room(None, None)
    watch = HelpWatch(room, lambda: FakeClient([]), idle_check=3600.0)
    watch.start()
    thread = watch._thread
    watch.stop(timeout=10)
    assert not thread.is_alive() and watch._thread is None


def test_a_watch_that_does_not_stop_in_time_says_so_and_can_be_stopped_again(make_room, caplog):
    room = make_room(None, None)
    held_up = HeldUp()
    watch = HelpWatch(room, lambda: FakeClient([]), pause=held_up)
    watch.start()
    thread = watch._thread
    caplog.set_level(logging.WARNING, logger="kiosk.sync.helpwatch")
    wait_until(lambda: held_up.held == {"sync-help"}, what="the watch held up")
    watch.stop(timeout=0.05)
    assert watch_lines(caplog) == [("WARNING", "help watch did not stop within 0.05 s")]
    held_up.release()
    watch.stop()
    thread.join(10)
    assert not thread.is_alive()
