"""The sync worker thread end to end against a stub hub on a real loopback port."""

from __future__ import annotations

import logging
import re
import socket
from datetime import timezone
from typing import Callable

import pytest

from kiosk.session import facts as F
from kiosk.session.glyph import Glyph
from kiosk.session.record import BACKLOG_PRIORITY, HELP_PRIORITY
from kiosk.store import outbox
from kiosk.sync.status import kept
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import FakeTime, HeldUp, append_many, close_failing_in, logged, wait_until
from tests.sync.stubhub import POISON, StubHub


def drained(room) -> bool:
    return room.health.sync_waiting == 0 and outbox.counts(room.journal).waiting == 0


def worker_for(room, **kw) -> SyncWorker:
    kw.setdefault("uniform", lambda lo, hi: hi)
    kw.setdefault("backoff_base", 0.05)
    kw.setdefault("backoff_cap", 0.2)
    kw.setdefault("timeout", (1.0, 5.0))
    return SyncWorker(room.config.hub, room, room.clock, **kw)


@pytest.fixture
def running():
    workers: list[SyncWorker] = []

    def start(worker: SyncWorker) -> SyncWorker:
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for w in workers:
        w.stop()


def one_attempt(fake: FakeTime, action: Callable[[], object], what: str) -> None:
    """Do what starts one attempt (sync now, or an event that wakes an idle worker) and wait until that attempt
    is over: the uploader asked for its next wait and is blocked in it."""
    before = len(fake.asked("sync-upload"))
    action()
    wait_until(lambda: len(fake.asked("sync-upload")) > before and fake.blocked("sync-upload"), what=what)


def committed_and_told(room, kind: str) -> None:
    """Journal one event and return once every commit listener registered before this call (the worker's among
    them) has been told of it: the listeners run in order in the writer thread, after the commit."""
    import threading

    told = threading.Event()
    room.journal.on_commit(lambda records: told.set() if any(r.kind == kind for r in records) else None)
    room.note(kind).result()
    assert told.wait(10), f"the commit of {kind} was never told"


def test_backlog_drains_on_start_and_status_says_so(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 120)
    running(worker_for(room, batch_size=50))
    wait_until(lambda: drained(room) and room.health.last_sync_at, what="drain")
    assert len(stub.events) == 120
    assert room.health.hub_reachable is True and room.health.sync_error == ""
    assert room.health.last_sync_at == room.clock.now()
    assert [n for _, n in stub.requests[:3]] == [50, 50, 20]


def test_a_new_event_wakes_the_worker_without_waiting_for_the_timer(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    running(worker_for(room))
    wait_until(lambda: room.health.hub_reachable is True, what="first contact")
    room.note("test.later", {"n": 1})
    wait_until(lambda: "test.later" in stub.kinds(), timeout=5, what="the new event at the hub")


def test_timer_sends_a_heartbeat_when_nothing_is_waiting(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=0.1)
    running(worker_for(room))
    wait_until(lambda: len(stub.heartbeats) >= 2, what="heartbeats")
    beat = stub.heartbeats[0]
    assert beat["device_id"] == room.journal.device_id and beat["waiting"] == 0
    assert beat["phase"] == "welcome" and beat["glyph"] == "quiet"
    assert stub.requests == []


def test_a_help_call_goes_ahead_of_the_backlog_and_is_delivered(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 600)
    call_id = room.raise_help("button")
    assert room.glyph() is Glyph.SENDING
    running(worker_for(room, batch_size=200))
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="the call delivered")
    wait_until(lambda: drained(room), what="drain")
    assert ("/api/v1/events", 1) in stub.requests[:2]  # its own request; the backlog's first batch may race it
    wait_until(lambda: F.HELP_DELIVERED in stub.kinds(), what="help.delivered at the hub")
    assert stub.kinds().index(F.HELP_RAISED) <= 200, "the help call waited behind more than one backlog batch"
    assert room.help.calls[call_id].state == "delivered"


def test_help_call_mid_drain_overtakes_the_rest_of_the_backlog(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 3000)
    running(worker_for(room, batch_size=50))
    wait_until(lambda: len(stub.requests) >= 2, what="drain under way")
    room.raise_help("button")
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="delivered")
    wait_until(lambda: drained(room), timeout=30, what="drain")
    kinds = stub.kinds()
    assert kinds.index(F.HELP_RAISED) < 3000 - 100, "the help call waited behind the backlog"


def test_help_uploads_ask_the_hub_to_serve_them_first_and_the_backlog_last(stub, make_room, running):
    """A hub with a queue serves by the Priority header (kiosk/hub/urgency.py, tests/hub/test_urgency.py):
    the help call must say u=0 and every backlog batch u=5, or a help call queues behind a fleet's backlogs."""
    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 300)
    running(worker_for(room, batch_size=100))
    wait_until(lambda: len(stub.requests) >= 1, what="the drain under way")
    room.raise_help("button")
    wait_until(lambda: room.glyph() is Glyph.DELIVERED and drained(room), what="delivered and drained")
    help_uploads = [p for kinds, p in stub.priorities if kinds & F.HELP_KINDS]
    backlog = [p for kinds, p in stub.priorities if not kinds & F.HELP_KINDS]
    assert help_uploads and set(help_uploads) == {HELP_PRIORITY} == {"u=0"}
    assert len(backlog) >= 3 and set(backlog) == {BACKLOG_PRIORITY} == {"u=5"}
    assert not any(kinds & F.HELP_KINDS and kinds - F.HELP_KINDS for kinds, _ in stub.priorities), \
        "a help event travelled in a backlog batch"


def test_hub_coming_back_drains_everything_at_once(stub, make_room, running, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.worker")
    holder = socket.socket()  # bound, not listening: connections are refused, and nobody else gets the port
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    room = make_room(f"http://127.0.0.1:{port}", "t", sync_seconds=3600)
    append_many(room.journal, 40)
    running(worker_for(room))
    wait_until(lambda: room.health.hub_reachable is False, what="hub unreachable")
    assert room.health.sync_error == f"cannot reach the hub at http://127.0.0.1:{port} (connection refused)"
    assert room.health.sync_trouble == "unreachable"
    wait_until(lambda: logged(caplog, "kiosk.sync.worker"), what="the worker's log line after its report")
    tries = [m for level, m in logged(caplog, "kiosk.sync.worker") if level == "INFO"]
    assert tries and all(re.fullmatch(rf"sync: cannot reach the hub at http://127\.0\.0\.1:{port} \(connection "
                                      r"refused\); next try in 0\.[0-2] s", m) for m in tries), tries
    assert room.health.sync_waiting == 40
    call_id = room.raise_help("button")
    assert room.glyph() is Glyph.NOT_DELIVERED
    late = StubHub()
    late.tokens["t"] = "A"
    contradictions: list[str] = []

    def watch(facts) -> None:
        if room.health.hub_reachable and room.health.sync_error:
            contradictions.append(room.health.sync_error)  # "reachable" shown beside "cannot reach"

    room.subscribe(watch)
    holder.close()
    late.start(port)
    try:
        wait_until(lambda: drained(room) and room.health.hub_reachable, what="drain")
        assert len(late.events) >= 41 and room.health.sync_error == ""
        assert contradictions == []
        wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="delivered")
        assert room.help.calls[call_id].state == "delivered"
    finally:
        late.stop()


def test_a_refused_token_is_said_plainly_and_retried_slowly(stub, make_room, running, caplog):
    from kiosk.ui.status import help_line, sync_line

    stub.add_room("A")
    room = make_room(stub.url, "wrong-token", sync_seconds=3600)
    append_many(room.journal, 3)
    caplog.set_level(logging.WARNING, logger="kiosk.sync")
    worker = running(worker_for(room, token_retry_seconds=3600))
    wait_until(lambda: room.health.sync_error != "", what="an error")
    assert room.health.sync_error == "the hub refused this kiosk's key: ask whoever runs the hub"
    assert room.health.hub_reachable is False and room.health.hub_key_refused and room.health.sync_waiting == 3
    assert room.health.sync_trouble == "key"
    assert "Bearer" not in sync_line(room.view(), timezone.utc) and "unreachable" not in sync_line(room.view(),
                                                                                                  timezone.utc)
    assert logged(caplog, "kiosk.sync.worker") == [
        ("WARNING", "sync: the hub refused this kiosk's token: check [hub] token (hub says: unknown token: add the "
                    "room at the hub); trying again every 3600 s")], "the detail, in the log"
    committed_and_told(room, "test.more")
    assert not worker._wake.is_set() and worker.attempts == 1 and stub.unauthorised == 1, (
        "a new event does not wake a worker waiting out a refused key")
    room.raise_help("button")
    assert "refused this kiosk's key" in help_line(room.view())


def test_retry_after_is_honoured(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 2)
    stub.refuse.append((503, {"error": "database is busy"}, {"Retry-After": "1"}))
    fake = FakeTime(block_over=1000.0)
    worker = running(worker_for(room, uniform=lambda lo, hi: lo, monotonic=fake.monotonic, wait=fake.wait))
    wait_until(lambda: drained(room), what="the retry")
    assert fake.asked("sync-upload")[:2] == [0.0, 1.0], "the hub's Retry-After, not the backoff's 0.05 s"
    assert worker.attempts == 2 and "database is busy" not in room.health.sync_error


def test_a_busy_hub_is_not_called_unreachable_so_a_help_call_is_not_shown_as_undeliverable(stub, make_room,
                                                                                           running):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 2)
    stub.refuse.append((503, {"error": "ingesting other kiosks' backlogs"}, {"Retry-After": "600"}))
    running(worker_for(room))
    wait_until(lambda: "other kiosks' backlogs" in room.health.sync_error, what="the 503")
    assert room.health.hub_reachable is not False and room.health.sync_trouble == "busy"
    from kiosk.ui.status import sync_line
    assert "the hub is busy: the logs wait here" in sync_line(room.view(), timezone.utc)
    assert "backlogs" not in sync_line(room.view(), timezone.utc), "the hub's detail is for the log"
    room.raise_help("button")
    assert room.glyph() is not Glyph.NOT_DELIVERED
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="the call delivered while the backlog waits")


def test_a_poisoned_event_does_not_block_the_queue(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 30)
    room.journal.append(POISON, {}).result()
    append_many(room.journal, 30)
    running(worker_for(room, batch_size=64))
    wait_until(lambda: room.health.sync_rejected == 1 and drained(room), what="drain")
    assert len(stub.events) == 60
    [(record, reason)] = outbox.rejected_events(room.journal)
    assert record.kind == POISON and "breaks this hub" in reason


def test_acknowledgement_at_the_hub_shows_help_coming_within_two_seconds(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"))
    running(worker_for(room, batch_size=20))
    call_id = room.raise_help("button")
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="delivered")
    append_many(room.journal, 2000)  # a long upload under way must not delay the acknowledgement
    stub.acknowledge(call_id, "Sam")
    took = wait_until(lambda: room.glyph() is Glyph.COMING, timeout=2.0, what="help coming")
    assert took < 2.0
    assert room.help.calls[call_id].by == "Sam"
    wait_until(lambda: F.HELP_ACKNOWLEDGED in stub.kinds(), what="the acknowledgement echoed to the hub")
    stub.resolve(call_id)
    wait_until(lambda: room.help.open_call() is None, timeout=2.0, what="resolved")
    assert room.glyph() is Glyph.QUIET


def test_sync_now_tries_at_once_even_while_backing_off(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 3)
    stub.refuse.append((503, {"error": "busy"}, {"Retry-After": "600"}))
    worker = running(worker_for(room))
    wait_until(lambda: "busy" in room.health.sync_error, what="the 503")
    committed_and_told(room, "test.more")
    assert not worker._wake.is_set() and worker.attempts == 1, "a plain new event must not cut a Retry-After short"
    worker.sync_now()
    wait_until(lambda: drained(room) and room.health.sync_error == "", what="the asked-for sync")
    assert len(stub.events) == 4


BUSY = (503, {"error": "busy"}, {})


def test_every_answered_batch_resets_the_backoff(stub, make_room, running):
    """Progress is success: on a link that fails now and then, the delays never grow past a short run."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 50)
    stub.refuse.extend([BUSY, BUSY, None, BUSY, BUSY, None, BUSY])
    fake = FakeTime()
    worker = running(worker_for(room, batch_size=10, backoff_base=0.5, backoff_cap=60.0,
                                monotonic=fake.monotonic, wait=fake.wait))
    wait_until(lambda: drained(room), what="drain")
    backoffs = [t for t in fake.asked("sync-upload") if 0 < t < fake.block_over]
    assert backoffs == [0.5, 1.0, 0.5, 1.0, 0.5], "a confirmed batch between failures starts the delays again"
    assert worker.attempts == 6 and len(stub.events) == 50


def test_the_worker_sleeps_only_through_its_wait_seam(stub, make_room, running):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    stub.refuse.extend([BUSY] * 3)
    append_many(room.journal, 5)
    fake = FakeTime(block_over=1000.0)
    running(worker_for(room, backoff_base=100.0, backoff_cap=400.0, monotonic=fake.monotonic, wait=fake.wait))
    wait_until(lambda: drained(room), what="the drain after three 503s and 700 s of backoff, none slept")
    assert [t for t in fake.asked("sync-upload") if 0 < t < fake.block_over] == [100.0, 200.0, 400.0]


def test_a_lone_event_the_link_made_look_bad_is_tried_again_soon_not_at_the_next_timer(stub, make_room, running):
    """Found by the 10,000-event fault run: the last event, failed twice alone while nothing else was left,
    waited for the next timer (an hour here) instead of the backoff."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 2)
    fail = (500, {"error": "boom"}, {})
    stub.refuse.extend([fail, None, fail, fail])  # the pair fails; its halves: one through, one fails alone
    fake = FakeTime(block_over=1000.0)
    running(worker_for(room, backoff_base=0.5, backoff_cap=60.0, monotonic=fake.monotonic, wait=fake.wait))
    wait_until(lambda: drained(room), what="the lone event delivered once the hub stops failing")
    assert all(t < 1000.0 for t in fake.asked("sync-upload")[:2]), fake.asked("sync-upload")


def test_the_help_watch_waits_only_through_its_seams(make_room):
    """An unreachable hub: the watch pauses error_pause between tries, through its pause seam, never sleeping."""
    import threading

    from kiosk.sync.client import HubClient
    from kiosk.sync.helpwatch import HelpWatch

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))  # bound, not listening: refused at once
    url = f"http://127.0.0.1:{holder.getsockname()[1]}"
    room = make_room(url, "t")
    room.raise_help("button")
    pauses: list[float] = []

    def pause(event: threading.Event, seconds: float) -> bool:
        pauses.append(seconds)
        if len(pauses) >= 3:
            watch._stop.set()
        return event.is_set()

    watch = HelpWatch(room, lambda: HubClient(url, "t", timeout=(1.0, 1.0)), error_pause=7.0, pause=pause,
                      monotonic=lambda: 0.0)
    watch.start()
    try:
        watch._thread.join(10)
        assert not watch._thread.is_alive()
    finally:
        watch.stop()
        holder.close()
    assert pauses == [7.0, 7.0, 7.0]


def test_the_kiosks_own_schedule_is_the_documented_one(make_room):
    """What `kiosk run` gets (Station passes no tuning): help retried at 0.25 s then every 0.5 s on short
    timeouts (issue 8), the backlog backing off from 0.5 s to a minute in batches of 500, a refused key
    tried again every five minutes at most, the help watch's one-second long poll."""
    room = make_room("http://hub.test", "t", sync_seconds=30)
    worker = SyncWorker(room.config.hub, room, room.clock)
    try:
        assert (worker.sync_seconds, worker.token_retry_seconds) == (30.0, 300.0)
        assert (worker.backoff.base, worker.backoff.cap, worker.uploader.batch_size) == (0.5, 60.0, 500)
        assert worker.uploader.exclude == F.HELP_KINDS and worker.uploader.kinds is None
        backlog = worker.uploader.client
        assert (backlog.url, backlog.token, backlog.timeout, backlog.priority) == \
            ("http://hub.test", "t", (5.0, 30.0), BACKLOG_PRIORITY)
        sender = worker.help_sender
        assert (sender.retry_first, sender.retry_max, sender.token_retry_seconds, sender.idle_check) == \
            (0.25, 0.5, 300.0, 30.0)
        help_client = sender._client_factory()
        assert (help_client.timeout, help_client.priority) == ((2.0, 5.0), HELP_PRIORITY)
        help_client.close()
        watch = worker.help_watch
        assert (watch.wait, watch.error_pause, watch.min_interval, watch.idle_check) == (1.0, 1.0, 0.2, 30.0), (
            "a long poll of a second, a second's pause after a failure, at most five polls a second")
        watch_client = worker.help_watch._client_factory()
        assert (watch_client.timeout, watch_client.priority) == ((5.0, 30.0), None)
        watch_client.close()
    finally:
        worker.uploader.client.close()


@pytest.mark.parametrize("sync_seconds, timer, key_retry, help_idle", [
    (0.0, 0.05, 300.0, 1.0), (0.5, 0.5, 300.0, 1.0), (600.0, 600.0, 600.0, 600.0)])
def test_the_timers_follow_sync_seconds_within_their_floors(make_room, sync_seconds, timer, key_retry, help_idle):
    room = make_room("http://hub.test", "t", sync_seconds=sync_seconds)
    worker = SyncWorker(room.config.hub, room, room.clock)
    try:
        assert (worker.sync_seconds, worker.token_retry_seconds, worker.help_sender.idle_check) == \
            (timer, key_retry, help_idle)
    finally:
        worker.uploader.client.close()


def test_a_worker_needs_a_hub_url(make_room):
    room = make_room(None, None)
    with pytest.raises(ValueError, match=r"^SyncWorker needs \[hub\] url$"):
        SyncWorker(room.config.hub, room, room.clock)


def test_at_start_the_layer_shows_what_waits_and_the_last_sync_before_any_contact(make_room, refused_url):
    from kiosk.sync.status import keep

    room = make_room(refused_url, "t")
    append_many(room.journal, 5)
    room.journal.flush()
    items = outbox.waiting_after(room.journal)
    outbox.mark(room.journal, [items[0].uuid], {items[1].uuid: "bad"}, 10.0).result(timeout=10)
    keep(room.journal, 1234.5, "").result(timeout=10)
    fake = FakeTime(block_over=0.0)  # every wait blocks until stop: the thread reads the outbox, then waits
    worker = worker_for(room, monotonic=fake.monotonic, wait=fake.wait)
    worker.start()
    try:
        wait_until(lambda: fake.blocked("sync-upload"), what="the uploader's first wait")
        h = room.health
        assert (h.sync_waiting, h.sync_rejected, h.last_sync_at) == (3, 1, 1234.5)
    finally:
        worker.stop()


def test_an_outbox_that_cannot_be_read_at_start_is_logged_and_sending_goes_on(stub, make_room, running, caplog,
                                                                           monkeypatch):
    import threading

    from kiosk.sync import worker as worker_module

    room = make_room(stub.url, stub.add_room("A"))
    append_many(room.journal, 3)
    real_counts = worker_module.outbox.counts
    failed: list[str] = []

    def counts_failing_once(journal):
        if threading.current_thread().name == "sync-upload" and not failed:
            failed.append("once")
            raise RuntimeError("database is locked")
        return real_counts(journal)

    monkeypatch.setattr(worker_module.outbox, "counts", counts_failing_once)
    caplog.set_level(logging.ERROR, logger="kiosk.sync.worker")
    running(worker_for(room))
    wait_until(lambda: len(stub.events) == 3, what="the drain after the failed read")
    assert logged(caplog, "kiosk.sync.worker") == [("ERROR", "sync: reading the outbox at start failed; trying anyway")]


def test_the_sync_threads_never_keep_the_kiosk_from_exiting(make_room, refused_url):
    room = make_room(refused_url, "t")
    worker = worker_for(room, wait=FakeTime(block_over=0.0).wait)
    worker.start()
    try:
        threads = [worker._thread, worker.help_sender._thread, worker.help_watch._thread]
        assert all(t.daemon for t in threads), "a hub that hangs must not hold up a power-off"
    finally:
        worker.stop()


def test_a_worker_that_does_not_stop_in_time_says_so_and_can_be_stopped_again(make_room, refused_url, caplog):
    room = make_room(refused_url, "t")
    held_up = HeldUp()
    worker = worker_for(room, wait=held_up)
    worker.help_watch._pause = held_up  # its pause after the refused connection never ends either
    worker.stop()  # before start: nothing to stop
    worker.start()
    threads = [worker._thread, worker.help_sender._thread, worker.help_watch._thread]
    caplog.set_level(logging.WARNING, logger="kiosk.sync")
    wait_until(lambda: held_up.held == {"sync-upload", "sync-help-send", "sync-help"}, what="all three held up")
    worker.stop(timeout=0.05)
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert warnings == ["help sender did not stop within 0.05 s", "help watch did not stop within 0.05 s",
                        "sync worker did not stop within 0.05 s"], "each given the stop's timeout, none waited for"
    held_up.release()
    worker.stop()
    for t in threads:
        t.join(10)
        assert not t.is_alive()


def beating(stub, room) -> tuple[SyncWorker, FakeTime]:
    """A worker with nothing to send, on fake time, started and idle after its first heartbeat."""
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, wait=fake.wait, monotonic=fake.monotonic)
    worker.start()
    try:
        wait_until(lambda: len(stub.heartbeats) == 1 and fake.blocked("sync-upload"), what="the first heartbeat")
    except AssertionError:
        worker.stop()
        raise
    return worker, fake


def test_a_heartbeat_goes_only_when_the_hub_has_heard_nothing_for_most_of_a_sync_interval(stub, make_room):
    """An idle kiosk says it is alive once per sync_seconds, not at every "sync now" in between."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=30)
    worker, fake = beating(stub, room)
    try:
        one_attempt(fake, worker.sync_now, "the second attempt")
        assert len(stub.heartbeats) == 1, "the hub heard from this kiosk a moment ago"
        fake.advance(26)
        one_attempt(fake, worker.sync_now, "the third attempt")
        assert len(stub.heartbeats) == 1, "26 s of silence: not yet"
        fake.advance(1)
        one_attempt(fake, worker.sync_now, "the fourth attempt")
        assert len(stub.heartbeats) == 2, "27 s, nine tenths of sync_seconds: time to say it is alive"
    finally:
        worker.stop()


def test_a_fault_inside_the_kiosk_is_logged_with_its_trace_shown_plainly_and_backed_off(stub, make_room, caplog):
    """A bug on the backlog path must not end the uploader or blame the hub: the layer says the logs wait
    here, the log has the trace, and the worker backs off (a new event does not cut that short) and goes on."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 2)
    caplog.set_level(logging.INFO, logger="kiosk.sync.worker")
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, wait=fake.wait, monotonic=fake.monotonic, backoff_base=30.0, backoff_cap=30.0)
    real_send = worker.uploader.send_next

    def send_next(*args, **kw):
        if worker.attempts == 1:
            raise RuntimeError("disk gone away")
        return real_send(*args, **kw)

    worker.uploader.send_next = send_next
    worker.start()
    try:
        wait_until(lambda: fake.blocked("sync-upload"), what="the wait after the fault")
        h = room.health
        assert (h.hub_reachable, h.sync_error, h.sync_trouble) == (
            None, "sync failed inside the kiosk (RuntimeError): see the kiosk log", "inside")
        [fault] = [r for r in caplog.records if r.name == "kiosk.sync.worker"]
        assert (fault.levelname, fault.getMessage()) == ("ERROR", f"sync attempt to {stub.url} failed")
        assert "disk gone away" in str(fault.exc_info[1])
        assert fake.asked("sync-upload")[-1] == 30.0, "the backoff's wait, not the hour of sync_seconds"
        assert worker._backing_off is True, "so a new event waits for the backoff"
        worker.sync_now()
        wait_until(lambda: drained(room), what="the next attempt sending both")
    finally:
        worker.stop()


def health_changes(room, key: str) -> list:
    """The values one Health field was given by the uploader thread, in order (each change is told as a fact)."""
    import threading

    seen: list = []

    def watch(facts) -> None:
        if threading.current_thread().name == "sync-upload":
            seen.extend(f.data[key] for f in facts if f.kind == F.HEALTH_CHANGED and key in f.data)

    room.subscribe(watch)
    return seen


def test_each_answered_batch_shows_the_hub_reachable_and_what_still_waits_before_the_drain_ends(stub, make_room):
    """A long drain after an outage: the layer must stop saying "cannot reach the hub" at the first batch the hub
    takes, and count down what waits, not wait for the last batch."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    room.update_health(hub_reachable=False, sync_error="cannot reach the hub", sync_trouble="unreachable")
    append_many(room.journal, 120)
    waiting, reachable, errors = (health_changes(room, k) for k in ("sync_waiting", "hub_reachable", "sync_error"))
    synced = health_changes(room, "last_sync_at")
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, batch_size=50, wait=fake.wait, monotonic=fake.monotonic)
    worker.start()
    try:
        wait_until(lambda: drained(room) and fake.blocked("sync-upload"), what="the drain")
    finally:
        worker.stop()
    assert waiting == [120, 70, 20, 0, 0], "at start, after each batch, and the attempt's report"
    assert reachable[:3] == [True, True, True] and errors[:3] == ["", "", ""]
    assert synced[1:4] == [room.clock.now()] * 3


def test_a_heartbeat_counts_as_a_sync_and_an_answered_event_as_contact(stub, make_room):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=30)
    worker, fake = beating(stub, room)
    try:
        beat_at = room.clock.now()
        assert room.health.last_sync_at == beat_at, "the hub heard from the kiosk: that is a sync"
        room.clock.advance(5)
        one_attempt(fake, worker.sync_now, "a quiet attempt")
        assert room.health.last_sync_at == beat_at, "nothing sent, nothing heard: no new sync time"
        fake.advance(27)
        one_attempt(fake, lambda: room.note("test.one").result(), "the one event sent")
        assert drained(room)
        one_attempt(fake, worker.sync_now, "the next attempt")
        assert len(stub.heartbeats) == 1, "one event taken is contact too: no heartbeat right after it"
    finally:
        worker.stop()


def test_a_try_where_only_a_suspect_failed_neither_resets_the_backoff_nor_says_the_hub_is_there(stub, make_room):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 2)
    fail = (500, {"error": "boom"}, {})
    # the pair fails; its halves: one through, one fails alone, and alone again at once; the next try has only
    # that suspect to send, and it fails again; the one after gets it through
    stub.refuse.extend([fail, None, fail, fail, fail])
    reachable = health_changes(room, "hub_reachable")
    fake = FakeTime(block_over=1000.0)
    worker = worker_for(room, backoff_base=0.5, backoff_cap=60.0, monotonic=fake.monotonic, wait=fake.wait)
    worker.start()
    try:
        wait_until(lambda: drained(room) and fake.asked("sync-upload")[-1:] == [3600.0],
                   what="the lone event delivered once the hub stops failing, and the worker back on its timer")
    finally:
        worker.stop()
    assert fake.asked("sync-upload") == [0.0, 0.5, 1.0, 3600.0], "the backoff grew over the suspect-only try"
    assert reachable[:4] == [True, True, None, True], "that try says nothing either way about the hub"


def test_a_failed_try_keeps_the_last_sync_time_and_says_nothing_of_the_key(stub, make_room):
    """The layer and `kiosk sync status` (which reads what the worker kept) must still say when the logs last
    went, whatever failed since."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 1)
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, wait=fake.wait, monotonic=fake.monotonic, backoff_base=30.0, backoff_cap=30.0)
    worker.start()
    try:
        wait_until(lambda: drained(room) and fake.blocked("sync-upload"), what="the first sync")
        synced_at = room.clock.now()
        wait_until(lambda: kept(room.journal) == (synced_at, ""), what="the sync kept in the journal")
        assert (room.health.sync_error, room.health.sync_trouble) == ("", "")
        room.clock.advance(60)
        stub.refuse.append((503, {"error": "database is busy"}, {}))
        one_attempt(fake, lambda: append_many(room.journal, 1), "the refused try")
        h = room.health
        assert (h.last_sync_at, h.hub_key_refused, h.sync_trouble) == (synced_at, False, "busy")
        wait_until(lambda: kept(room.journal) == (synced_at, "the hub is busy or cannot store now: database is busy"),
                   what="the error kept beside the last sync time")
    finally:
        worker.stop()


def test_an_outbox_that_cannot_be_counted_for_a_report_is_logged_and_the_worker_goes_on(
        stub, make_room, caplog, monkeypatch):
    import sys

    from kiosk.sync import worker as worker_module

    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 1)
    real_counts = worker_module.outbox.counts
    calls: list[str] = []

    def counts_failing_at_the_first_report(journal):
        if "_report" in sys._getframe(1).f_code.co_name and not calls:  # "in": mutmut renames what it wraps
            calls.append("failed")
            raise RuntimeError("database is locked")
        return real_counts(journal)

    monkeypatch.setattr(worker_module.outbox, "counts", counts_failing_at_the_first_report)
    caplog.set_level(logging.INFO, logger="kiosk.sync.worker")
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, wait=fake.wait, monotonic=fake.monotonic)
    worker.start()
    try:
        wait_until(lambda: drained(room) and fake.blocked("sync-upload"), what="the first attempt")
        [(level, message)] = logged(caplog, "kiosk.sync.worker")
        assert (level, message) == ("ERROR", "counting the outbox failed")
        one_attempt(fake, lambda: append_many(room.journal, 1), "the next attempt")
        assert drained(room)
        assert room.health.sync_waiting == 0 and room.health.last_sync_at == room.clock.now()
    finally:
        worker.stop()


def test_while_a_suspect_waits_its_backoff_a_new_event_does_not_cut_it_short(stub, make_room):
    """A suspect is tried again on the backoff's schedule; a worker woken by every new event meanwhile would try
    it again at once, each time, against a hub that may be failing on it."""
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 2)
    fail = (500, {"error": "boom"}, {})
    stub.refuse.extend([fail, None, fail, fail])  # the pair fails; one half through, the other fails alone, twice
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, backoff_base=30.0, backoff_cap=60.0, monotonic=fake.monotonic, wait=fake.wait)
    worker.start()
    try:
        wait_until(lambda: fake.asked("sync-upload")[-1:] == [30.0], what="the suspect's backoff")
        assert worker.uploader.suspects and worker.attempts == 1
        committed_and_told(room, "test.more")
        assert not worker._wake.is_set() and worker.attempts == 1
    finally:
        worker.stop()


def test_a_status_that_cannot_be_kept_is_only_a_debug_line(stub, make_room, caplog, monkeypatch):
    """The kept status is for `kiosk sync status` after a restart; failing to write it (a journal closing under
    the worker) must not stop the sync, nor fill the log."""
    from kiosk.sync import worker as worker_module

    def keep_failing(*args):
        raise RuntimeError("the journal is closed")

    monkeypatch.setattr(worker_module, "keep", keep_failing)
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 1)
    caplog.set_level(logging.DEBUG, logger="kiosk.sync.worker")
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, wait=fake.wait, monotonic=fake.monotonic)
    worker.start()
    try:
        wait_until(lambda: drained(room) and fake.blocked("sync-upload"), what="the sync")
    finally:
        worker.stop()
    [record] = [r for r in caplog.records if r.name == "kiosk.sync.worker"]
    assert (record.levelname, record.getMessage()) == ("DEBUG", "could not keep the sync status in the journal")
    assert isinstance(record.exc_info[1], RuntimeError)
    assert room.health.last_sync_at == room.clock.now() and room.health.sync_error == ""


def test_an_event_journalled_during_a_failing_try_does_not_cut_the_backoff_after_it_short(stub, make_room):
    """The event wakes the worker while it is still trying (it was not backing off then); once that try has
    failed, the worker must wait out its backoff all the same, and still be there to sync afterwards."""
    import requests

    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    append_many(room.journal, 1)
    stub.refuse.append((503, {"error": "busy"}, {}))

    class EventMidTry(requests.Session):
        tried = 0

        def request(self, method, url, **kw):
            if method == "POST" and url.endswith("/api/v1/events") and EventMidTry.tried == 0:
                EventMidTry.tried += 1
                committed_and_told(room, "test.during")
            return super().request(method, url, **kw)

    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, session_factory=EventMidTry, backoff_base=30.0, backoff_cap=30.0,
                        wait=fake.wait, monotonic=fake.monotonic)
    worker.start()
    try:
        # the first wait returns at once (the event's wake was already set), is not due, and the worker waits again
        wait_until(lambda: fake.asked("sync-upload") == [0.0, 30.0, 30.0] and fake.blocked("sync-upload"),
                   what="the backoff after the 503, waited out again after the event's wake")
        assert worker.attempts == 1 and EventMidTry.tried == 1
        one_attempt(fake, worker.sync_now, "the asked-for try")
        assert drained(room) and worker.attempts == 2
    finally:
        worker.stop()


def test_the_uploader_closes_its_own_connection_and_a_failing_close_is_only_a_debug_line(
        stub, make_room, caplog, monkeypatch):
    room = make_room(stub.url, stub.add_room("A"), sync_seconds=3600)
    caplog.set_level(logging.DEBUG, logger="kiosk.sync.worker")
    closed_by = close_failing_in(monkeypatch, room.journal.db, "sync-upload")
    fake = FakeTime(block_over=20.0)
    worker = worker_for(room, wait=fake.wait, monotonic=fake.monotonic)
    worker.start()
    wait_until(lambda: fake.blocked("sync-upload"), what="the uploader idle after its first try")
    worker.stop()
    assert closed_by == ["sync-upload"], "the uploader's thread closes the connection it opened"
    debug = [r for r in caplog.records if r.name == "kiosk.sync.worker" and r.levelname == "DEBUG"]
    assert [r.getMessage() for r in debug] == ["closing the sync thread's database connection failed"]
    assert isinstance(debug[0].exc_info[1], OSError)


def test_every_client_of_the_worker_takes_its_session_factory_ca_file_and_clock(make_room, tmp_path):
    """A private CA ([hub] ca_file) must reach the help path and the help watch too, not only the backlog; and a
    Retry-After date is read on the kiosk's clock (the seam tests drive)."""
    import dataclasses

    import requests

    class Marked(requests.Session):
        pass

    room = make_room("https://hub.test", "t")
    ca = tmp_path / "hub-ca.crt"
    config = dataclasses.replace(room.config.hub, ca_file=ca)
    worker = SyncWorker(config, room, room.clock, session_factory=Marked)
    clients = [worker.uploader.client, worker.help_sender._client_factory(), worker.help_watch._client_factory()]
    try:
        for c in clients:
            assert isinstance(c.session, Marked) and c.verify == str(ca) and c._now == room.clock.now
    finally:
        for c in clients:
            c.close()


def test_the_tuning_a_caller_passes_reaches_each_thread(make_room):
    """The benches and the fault runs tune the worker: what they pass must be what the threads use."""
    room = make_room("http://hub.test", "t", sync_seconds=30)
    worker = SyncWorker(room.config.hub, room, room.clock, token_retry_seconds=7.0, help_wait=3.0,
                        help_retry_first=0.1, help_retry_max=2.0)
    try:
        assert (worker.token_retry_seconds, worker.help_sender.token_retry_seconds) == (7.0, 7.0)
        assert (worker.help_sender.retry_first, worker.help_sender.retry_max) == (0.1, 2.0)
        assert worker.help_watch.wait == 3.0
    finally:
        worker.uploader.client.close()
