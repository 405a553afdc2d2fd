"""Fault injection: 10,000 events reach the real hub exactly once through a misbehaving network.

A proxy between kiosk and hub drops requests, drops responses after the hub
committed, answers 500, delays and stalls past the kiosk's timeout; the hub
is killed with SIGKILL in the middle of a batch and restarted, twice. The
hub must end up holding exactly the kiosk's UUIDs, each once, and the
kiosk's outbox must have nothing waiting and nothing set aside.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from kiosk.clock import SystemClock
from kiosk.config import Config, HubConfig
from kiosk.room import Room
from kiosk.store import outbox
from kiosk.store.journal import Journal
from kiosk.sync.worker import SyncWorker
from tests.hub.hubproc import fresh_postgres_database, start_hub
from tests.needs import need_postgres
from tests.sync.faultproxy import (DELAY, DROP_REQUEST, DROP_RESPONSE, ERROR_500, FORWARD, STALL,
                                   FaultProxy)
from tests.sync.hubside import stored_uuids

EVENTS = 10_000
KILL_AT = (6, 16)  # the hub is killed just after the proxy forwarded its 6th and 16th request
WEIGHTS = {FORWARD: 0.5, DROP_REQUEST: 0.1, DROP_RESPONSE: 0.15, ERROR_500: 0.1, DELAY: 0.1, STALL: 0.05}
TIME_LIMIT = 150.0


def run_faulty_sync(tmp_path: Path, database: str | None, seed: int) -> None:
    hub = start_hub(tmp_path / "hub", database=database)
    proxy = None
    worker = None
    journal = None
    try:
        token = hub.add_room("Room F")
        proxy = FaultProxy([hub.port], seed=seed, weights=WEIGHTS, stall=2.0).start()
        killed = threading.Event()
        kills: list[int] = []

        forwarded = [0]
        lock = threading.Lock()

        def kill_mid_batch(number: int) -> None:
            """Runs in the proxy once a request reached the hub, before the hub's answer."""
            with lock:
                forwarded[0] += 1
                if forwarded[0] in KILL_AT:
                    kills.append(forwarded[0])
                    hub.kill()
                    killed.set()

        proxy.on_forwarded = kill_mid_batch
        clock = SystemClock()
        journal = Journal(tmp_path / "kiosk.sqlite3", clock)
        last = None
        for i in range(EVENTS):
            last = journal.append("test.event", {"i": i})
        last.result(timeout=60)
        room = Room(Config(room="Room F", hub=HubConfig(url=proxy.url, token=token, sync_seconds=3600)),
                    journal, clock)
        worker = SyncWorker(room.config.hub, room, clock, uniform=random.Random(seed).uniform,
                            backoff_base=0.02, backoff_cap=0.3, batch_size=400, timeout=(1.0, 1.5))
        worker.start()
        deadline = time.monotonic() + TIME_LIMIT
        while outbox.counts(journal).waiting:
            if killed.is_set():
                hub.restart()
                killed.clear()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"sync stalled: {outbox.counts(journal)} after {TIME_LIMIT:.0f} s; proxy actions "
                    f"{dict(proxy.counts)}; kills {kills}; last error {room.health.sync_error!r}")
            time.sleep(0.05)
        worker.stop()
        worker = None

        counts = outbox.counts(journal)
        assert (counts.waiting, counts.rejected, counts.confirmed) == (0, 0, EVENTS)
        kiosk_uuids = {r.uuid for r in journal.records()}
        assert len(kiosk_uuids) == EVENTS
        stored = stored_uuids(tmp_path / "hub", database)
        assert set(stored) == kiosk_uuids, (
            f"hub has {len(set(stored) - kiosk_uuids)} unknown and misses {len(kiosk_uuids - set(stored))}")
        assert max(stored.values()) == 1 and sum(stored.values()) == EVENTS
        # the faults really happened, or this test proves nothing
        assert kills == list(KILL_AT), f"the hub was killed after forwards {kills}, expected {KILL_AT}"
        for action in (DROP_REQUEST, DROP_RESPONSE, ERROR_500, DELAY, STALL):
            assert proxy.counts[action] > 0, f"the proxy never injected {action}: {dict(proxy.counts)}"
        resent = sum(1 for n in proxy.forwarded_uuids.values() if n > 1)
        assert resent > 0, "no event reached the hub twice: idempotency was never exercised"
        print(f"proxy actions {dict(proxy.counts)}; {resent} events reached the hub more than once")
    finally:
        if worker is not None:
            worker.stop()
        if proxy is not None:
            proxy.stop()
        hub.stop()
        if journal is not None:
            journal.close()


@pytest.mark.slow
def test_ten_thousand_events_arrive_exactly_once_on_sqlite(tmp_path):
    run_faulty_sync(tmp_path, None, seed=20261125)


@pytest.mark.slow
def test_ten_thousand_events_arrive_exactly_once_on_postgresql(tmp_path):
    base = need_postgres()
    with fresh_postgres_database(base, prefix="syncfault") as database:
        run_faulty_sync(tmp_path, database, seed=5)
