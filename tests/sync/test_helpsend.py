"""The help sender on its own: what it says and shows when a help call cannot get through, and how it retries.

Each test runs the real sender thread against a real loopback port (the stub hub, or a port that refuses
connections), with its wait seam in the test's hands: nobody sleeps through a retry.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading

import pytest

from kiosk.clock import FakeClock
from kiosk.store.outbox import Outgoing
from kiosk.sync.client import HubClient, TokenRefused
from kiosk.sync.helpsend import HelpSender, with_age
from kiosk.sync.upload import Uploader
from kiosk.sync.status import ANSWERED
from tests.sync.conftest import FakeTime, HeldUp, append_many, close_failing_in, logged, wait_until

THREAD = "sync-help-send"


def sender_for(room, **kw) -> HelpSender:
    def client() -> HubClient:
        return HubClient(room.config.hub.url, room.config.hub.token, timeout=(1.0, 5.0), now=room.clock.now)

    return HelpSender(room, client, room.clock.now, **kw)


class Recorder:
    """A wait seam that returns at once and keeps, for each wait asked, its length and the health then."""

    def __init__(self, room, upto: int) -> None:
        self.room, self.upto = room, upto
        self.seen: list[tuple[float, object]] = []
        self.enough = threading.Event()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if len(self.seen) < self.upto:
            self.seen.append((timeout, dataclasses.replace(self.room.health)))
            return False
        self.enough.set()
        event.wait()
        return True


def records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "kiosk.sync.helpsend"]


def messages(caplog) -> list[tuple[str, str]]:
    return logged(caplog, "kiosk.sync.helpsend")


def test_a_refused_key_on_the_help_path_is_shown_plainly_logged_once_and_retried_at_the_key_pace(
        stub, make_room, caplog):
    stub.add_room("A")
    room = make_room(stub.url, "wrong-token")
    caplog.set_level(logging.INFO, logger="kiosk.sync.helpsend")
    fake = FakeTime(block_over=20.0)
    sender = sender_for(room, wait=fake.wait, retry_first=0.25, retry_max=0.5, token_retry_seconds=300.0)
    room.raise_help("button")
    sender.start()
    try:
        wait_until(lambda: fake.asked(THREAD)[-1:] == [300.0], what="the wait after a refused key")
        h = room.health
        assert (h.hub_reachable, h.hub_key_refused, h.sync_error, h.sync_trouble) == \
            (False, True, TokenRefused.PLAIN, "key")
        assert [r.levelname for r in records(caplog)] == ["INFO", "WARNING"]
        refused = records(caplog)[0].args[0]
        assert isinstance(refused, TokenRefused) and "refused" in str(refused)
        assert messages(caplog) == [
            ("INFO", f"help events not delivered ({refused}); trying again in 0.25 s, then every 0.5 s at most"),
            ("WARNING", f"help events not delivered: {refused}")]

        sender.send_soon()  # someone asks again: refused again, and neither log line repeats
        wait_until(lambda: fake.asked(THREAD).count(300.0) == 2, what="the second refusal")
        assert len(messages(caplog)) == 2 and stub.unauthorised == 2
        assert room.health.hub_key_refused and room.health.sync_trouble == "key"
    finally:
        sender.stop()


def test_one_failed_try_is_a_blip_and_the_second_shows_the_hub_unreachable_retrying_sooner_than_a_second(
        refused_url, make_room, caplog):
    room = make_room(refused_url, "t")
    caplog.set_level(logging.INFO, logger="kiosk.sync.helpsend")
    recorder = Recorder(room, upto=5)
    sender = sender_for(room, wait=recorder.wait, retry_first=0.1, retry_max=1.0)
    room.raise_help("button")
    sender.start()
    try:
        assert recorder.enough.wait(10), recorder.seen
    finally:
        sender.stop()
    assert [t for t, _ in recorder.seen] == [0.1, 0.2, 0.4, 0.8, 1.0], "doubling from retry_first to retry_max"
    first, second = recorder.seen[0][1], recorder.seen[1][1]
    assert (first.hub_reachable, first.sync_error, first.sync_trouble) == (None, "", ""), "one failure: a blip"
    assert (second.hub_reachable, second.sync_trouble) == (False, "unreachable")
    assert second.sync_error.startswith("cannot reach the hub")
    assert not second.hub_key_refused
    info = [m for level, m in messages(caplog) if level == "INFO"]
    assert len(info) == 1 and info[0].startswith("help events not delivered (cannot reach the hub")
    assert info[0].endswith("); trying again in 0.10 s, then every 1.0 s at most")


def test_the_hub_answering_again_clears_the_trouble_and_the_retries_start_short_again(stub, make_room):
    token = stub.add_room("A")
    room = make_room(stub.url, token)
    room.update_health(hub_reachable=False, sync_error="cannot reach the hub", sync_trouble="unreachable")
    recorder = Recorder(room, upto=1)
    sender = sender_for(room, wait=recorder.wait)
    sender.failures_in_row = 4
    call_id = room.raise_help("button")
    sender.start()
    try:
        wait_until(lambda: room.help.calls[call_id].state == "delivered", what="the call delivered")
        wait_until(lambda: sender.failures_in_row == 0, what="the count of failures reset")
    finally:
        sender.stop()
    h = room.health
    assert {k: getattr(h, k) for k in ANSWERED} == ANSWERED
    assert sender.retry_delay() == sender.retry_first


def test_a_sender_that_does_not_stop_in_time_says_so_and_can_be_stopped_again(make_room, refused_url, caplog):
    room = make_room(refused_url, "t")
    held_up = HeldUp()
    sender = sender_for(room, wait=held_up)
    sender.start()
    thread = sender._thread
    caplog.set_level(logging.WARNING, logger="kiosk.sync.helpsend")
    wait_until(lambda: held_up.held == {THREAD}, what="the sender held up")
    sender.stop(timeout=0.05)
    assert messages(caplog) == [("WARNING", "help sender did not stop within 0.05 s")]
    held_up.release()
    sender.stop()  # a second stop after the first gave up is harmless
    thread.join(10)
    assert not thread.is_alive()


def test_stop_waits_for_the_thread_to_end(stub, make_room):
    room = make_room(stub.url, stub.add_room("A"))
    sender = sender_for(room, wait=FakeTime(block_over=20.0).wait)
    sender.start()
    thread = sender._thread
    sender.stop()
    assert not thread.is_alive()


def test_the_age_keeps_milliseconds():
    clock = FakeClock(trusted=False)
    wire = {"uuid": "u", "seq": 1, "mono": clock.monotonic(), "boot_id": clock.boot_id, "kind": "help.raised",
            "payload": {"call_id": "c"}}
    item = Outgoing("u", 1, "help.raised", json.dumps(wire), "c")
    clock.advance(2.0004)
    assert json.loads(with_age(item, clock))["age"] == 2.0
    clock.advance(0.0016)
    assert json.loads(with_age(item, clock))["age"] == 2.002


def test_help_events_go_in_small_batches_so_a_call_is_never_behind_a_big_one(stub, make_room):
    """A chattering button's repeats, journalled while the hub was away, go 50 at a time: each request is small
    and quick, so the call's own news is never stuck behind one long upload."""
    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 120, kind="help.repeated")
    sender = sender_for(room, wait=FakeTime(block_over=20.0).wait)
    sender.start()
    try:
        wait_until(lambda: len(stub.events) == 120, what="every help event at the hub")
    finally:
        sender.stop()
    assert [n for _, n in stub.requests] == [50, 50, 20]


def test_a_fault_inside_the_kiosk_is_logged_with_its_trace_and_the_call_is_still_delivered(
        stub, make_room, caplog, monkeypatch):
    """A bug on the help path (here the first send raising) must not end the sender: it says what broke and
    tries again on the short schedule, and the call reaches the hub at the next try."""
    room = make_room(stub.url, stub.add_room("A"))
    caplog.set_level(logging.INFO, logger="kiosk.sync.helpsend")
    real_send = Uploader.send_next
    broke = []

    def send_next(self, *args, **kw):
        if not broke:
            broke.append(True)
            raise RuntimeError("disk gone away")
        return real_send(self, *args, **kw)

    monkeypatch.setattr(Uploader, "send_next", send_next)
    fake = FakeTime(block_over=20.0)
    sender = sender_for(room, wait=fake.wait, retry_first=0.1, retry_max=1.0)
    call_id = room.raise_help("button")
    sender.start()
    try:
        wait_until(lambda: room.help.calls[call_id].state == "delivered", what="the call delivered after the fault")
    finally:
        sender.stop()
    fault, retry = records(caplog)[:2]
    assert (fault.levelname, fault.getMessage()) == (
        "ERROR", f"sending help events to {stub.url} failed inside the kiosk")
    assert fault.exc_info and "disk gone away" in str(fault.exc_info[1])
    assert (retry.levelname, retry.getMessage()) == (
        "INFO", "help events not delivered (disk gone away); trying again in 0.10 s, then every 1.0 s at most")
    assert 0.1 in fake.asked(THREAD), "retried after retry_first, not after the idle check"


def test_the_sender_closes_its_own_connection_and_a_failing_close_is_only_a_debug_line(
        stub, make_room, caplog, monkeypatch):
    room = make_room(stub.url, stub.add_room("A"))
    caplog.set_level(logging.DEBUG, logger="kiosk.sync.helpsend")
    closed_by = close_failing_in(monkeypatch, room.journal.db, THREAD)
    fake = FakeTime(block_over=20.0)
    sender = sender_for(room, wait=fake.wait)
    sender.start()
    wait_until(lambda: fake.blocked(THREAD), what="the sender idle after its first look at the journal")
    sender.stop()
    assert closed_by == [THREAD], "the sender's thread closes its own connection"
    debug = [r for r in records(caplog) if r.levelname == "DEBUG"]
    assert [r.getMessage() for r in debug] == ["closing the help sender's database connection failed"]
    assert isinstance(debug[0].exc_info[1], OSError)


@pytest.mark.parametrize("first, most", [(0.0, 0.5), (-1.0, 0.5), (0.6, 0.5)])
def test_a_retry_schedule_that_cannot_work_is_refused_with_both_values(make_room, first, most):
    room = make_room(None, None)
    with pytest.raises(ValueError, match=f"^help retries need 0 < retry_first <= retry_max, got {first} and {most}$"):
        HelpSender(room, lambda: None, room.clock.now, retry_first=first, retry_max=most)


def test_by_default_an_undelivered_call_is_tried_again_at_least_every_half_second(make_room):
    room = make_room(None, None)
    sender = HelpSender(room, lambda: None, room.clock.now)
    assert HelpSender(room, lambda: None, room.clock.now, retry_first=0.5, retry_max=0.5).retry_max == 0.5
    delays = []
    for failures in range(0, 8):
        sender.failures_in_row = failures
        delays.append(sender.retry_delay())
    assert delays == [0.25, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    assert (sender.token_retry_seconds, sender.idle_check) == (300.0, 30.0)
