"""Faults injected from outside the kiosk: the real hub (`kiosk hub serve`) behind a fault proxy on loopback.

The kiosk's threads take their monotonic time and their waits from FakeTime,
so every delay they ask for is seen and none is slept; the assertions are on
attempts, their order and the delays asked for, never on wall-clock limits.
"""

from __future__ import annotations

import itertools
import re

import pytest

from kiosk.session import facts as F
from kiosk.session.glyph import Glyph
from kiosk.store import outbox
from kiosk.sync.status import describe, read_report
from tests.hub.hubproc import start_hub
from tests.sync.conftest import FakeTime, append_many, wait_until
from tests.sync.faultproxy import DROP_REQUEST, ERROR_500, FORWARD, FaultProxy
from tests.sync.hubside import stored_uuids
from tests.sync.test_worker import drained, running, worker_for  # noqa: F401  (fixture)

_rooms = itertools.count(1)
UPLOAD = "/api/v1/events"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    proc = start_hub(tmp_path_factory.mktemp("hub"))
    yield proc
    proc.stop()


@pytest.fixture
def proxies(hub):
    made: list[FaultProxy] = []

    def make(**kw) -> FaultProxy:
        proxy = FaultProxy([hub.port], **{"seed": 1, **kw}).start()
        made.append(proxy)
        return proxy

    yield make
    for p in made:
        p.stop()


def room_behind(hub, proxy, make_room):
    token = hub.add_room(f"Room {next(_rooms)}")
    return make_room(proxy.url, token, name=f"k{next(_rooms)}", sync_seconds=3600)


def help_uploads(proxy: FaultProxy) -> list[tuple[int, str]]:
    return [(n, action) for n, path, kinds, action in proxy.log if path == UPLOAD and F.HELP_RAISED in kinds]


def test_a_dropped_help_call_is_retried_within_half_a_second_never_behind_the_backlog(hub, proxies, make_room,
                                                                                 running):
    proxy = proxies()
    link = {"down": True, "help_drops": 0}

    def rule(method, path, body):
        if not path.startswith(UPLOAD):
            return None
        if F.HELP_RAISED.encode() in (body or b"") and link["help_drops"] < 6:
            link["help_drops"] += 1
            return DROP_REQUEST  # the link drops the help call six times, then lets it through
        return DROP_REQUEST if link["down"] else None

    proxy.rule = rule
    room = room_behind(hub, proxy, make_room)
    append_many(room.journal, 2000)
    fake = FakeTime(block_over=20.0)
    worker = running(worker_for(room, batch_size=200, backoff_base=0.5, backoff_cap=60.0,
                                monotonic=fake.monotonic, wait=fake.wait))
    wait_until(lambda: fake.blocked("sync-upload"), what="the backlog in a long backoff (32 s)")
    backlog_attempts = worker.attempts
    link["down"] = False  # the link is back for whatever tries now; the backlog is not trying

    call_id = room.raise_help("button")
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="the help call delivered")
    assert room.help.calls[call_id].state == "delivered"
    assert [action for _, action in help_uploads(proxy)] == [DROP_REQUEST] * 6 + [FORWARD]
    gaps = fake.asked("sync-help-send")
    # the waits after the six drops; the round that delivered may already have asked for its own wait
    retries = gaps[gaps.index(0.25):][:6] if 0.25 in gaps else gaps
    assert retries == [0.25, 0.5, 0.5, 0.5, 0.5, 0.5], (
        "after each failure the next try comes within half a second, and the try after the link is back "
        f"delivers it: {gaps}")
    assert worker.attempts == backlog_attempts, "the help call went while the backlog kept its backoff"
    assert stored_uuids(hub.data_dir, None).keys() >= {r.uuid for r in room.journal.records(kinds=[F.HELP_RAISED])}


def test_a_lossy_link_drains_without_the_backoff_growing(hub, proxies, make_room, running):
    proxy = proxies(seed=3, weights={FORWARD: 2.0, DROP_REQUEST: 1.0})  # one request in three dropped
    room = room_behind(hub, proxy, make_room)
    append_many(room.journal, 3000)
    fake = FakeTime(block_over=100.0)
    worker = running(worker_for(room, batch_size=100, backoff_base=0.5, backoff_cap=60.0,
                                monotonic=fake.monotonic, wait=fake.wait))
    wait_until(lambda: drained(room), timeout=60, what="the drain through the lossy link")
    backoffs = [t for t in fake.asked("sync-upload") if 0 < t < fake.block_over]
    counts = outbox.counts(room.journal)
    assert (counts.confirmed, counts.rejected) == (3000, 0)
    assert set(stored_uuids(hub.data_dir, None)) >= {r.uuid for r in room.journal.records()}
    assert proxy.counts[DROP_REQUEST] >= 10, f"the link was not lossy: {dict(proxy.counts)}"
    print(f"{proxy.requests} requests, {proxy.counts[DROP_REQUEST]} dropped, {worker.attempts} attempts, "
          f"backoffs {backoffs}")
    assert backoffs and max(backoffs) <= 2.0, f"the backoff grew across progress: {backoffs}"
    assert sum(backoffs) <= 0.6 * len(backoffs) + 2.0, backoffs


@pytest.mark.parametrize("fault", [ERROR_500, DROP_REQUEST])
def test_an_event_the_hub_keeps_failing_on_is_set_aside_and_the_rest_and_help_flow(hub, proxies, make_room,
                                                                                   running, fault):
    proxy = proxies()
    marker = b"unlucky-" + fault.encode()
    proxy.rule = lambda method, path, body: fault if marker in (body or b"") else None
    room = room_behind(hub, proxy, make_room)
    append_many(room.journal, 700)
    room.journal.append("test.unlucky", {"marker": marker.decode()}).result()
    append_many(room.journal, 700)
    fake = FakeTime(block_over=100.0)
    running(worker_for(room, batch_size=50, monotonic=fake.monotonic, wait=fake.wait))
    call_id = room.raise_help("button")
    wait_until(lambda: drained(room) and room.health.sync_rejected == 1, timeout=30, what="the drain")
    assert room.help.calls[call_id].state == "delivered"
    [(record, reason)] = outbox.rejected_events(room.journal)
    assert record.kind == "test.unlucky"
    assert re.match(r"set aside after [3-9] tries: the hub failed on this event alone", reason), reason
    assert ("HTTP 500" if fault == ERROR_500 else "connection reset") in reason
    others = {r.uuid for r in room.journal.records()} - {record.uuid}
    stored = stored_uuids(hub.data_dir, None)
    assert others <= set(stored) and record.uuid not in stored
    carrying = [n for n, path, kinds, _ in proxy.log if "test.unlucky" in kinds]
    assert len(carrying) <= 1 + 2 * 6 + 9, f"{len(carrying)} requests carried it: the tries are bounded"
    shown = describe(read_report(room.journal))
    assert "set aside: 1" in shown and "test.unlucky" in shown and "set aside after" in shown


def test_a_hub_that_fails_every_upload_gets_nothing_set_aside(hub, proxies, make_room, running):
    proxy = proxies()
    proxy.rule = lambda method, path, body: ERROR_500 if path.startswith(UPLOAD) else None
    room = room_behind(hub, proxy, make_room)
    append_many(room.journal, 300)
    fake = FakeTime(block_over=100.0)
    worker = running(worker_for(room, batch_size=50, monotonic=fake.monotonic, wait=fake.wait))
    room.raise_help("button")
    wait_until(lambda: worker.attempts >= 40 and worker.help_sender.attempts >= 40, what="40 tries of each")
    assert outbox.counts(room.journal).rejected == 0
    assert not worker.uploader.suspects
    assert room.glyph() is Glyph.NOT_DELIVERED
    proxy.rule = None
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, what="the call delivered once the hub answers")
    worker.sync_now()
    wait_until(lambda: drained(room), timeout=30, what="the drain once the hub answers")
    assert outbox.counts(room.journal).rejected == 0
