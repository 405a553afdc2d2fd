"""A fleet: 20 kiosks syncing at once to two hub processes that share one PostgreSQL database.

The kiosks reach the hubs through one round-robin proxy, which also drops some
answers after the hub committed, so a retry often lands on the other hub
process: the UNIQUE event UUID in the shared database must hold across them.
"""

from __future__ import annotations

import random
import time

import pytest

from kiosk.clock import SystemClock
from kiosk.config import Config, HubConfig
from kiosk.room import Room
from kiosk.store import outbox
from kiosk.store.journal import Journal
from kiosk.sync.worker import SyncWorker
from tests.hub.hubproc import fresh_postgres_database, start_hub
from tests.needs import need_postgres
from tests.sync.faultproxy import DROP_RESPONSE, ERROR_500, FORWARD, FaultProxy
from tests.sync.hubside import stored_by_room, stored_uuids

KIOSKS = 20
EVENTS_EACH = 500
TIME_LIMIT = 120.0


@pytest.mark.slow
def test_twenty_kiosks_two_hubs_one_postgresql_every_event_stored_once(tmp_path):
    base = need_postgres()
    with fresh_postgres_database(base, prefix="syncfleet") as database:
        hubs = [start_hub(tmp_path / "hub-a", database=database, threads=16)]
        workers: list[SyncWorker] = []
        journals: list[Journal] = []
        proxy = None
        try:
            hubs.append(start_hub(tmp_path / "hub-b", database=database, threads=16))
            tokens = [hubs[i % 2].add_room(f"Room {i}") for i in range(KIOSKS)]
            proxy = FaultProxy([h.port for h in hubs], seed=77,
                               weights={FORWARD: 0.8, DROP_RESPONSE: 0.15, ERROR_500: 0.05}).start()
            clock = SystemClock()
            rooms = []
            for i in range(KIOSKS):
                journal = Journal(tmp_path / f"kiosk-{i}.sqlite3", clock)
                journals.append(journal)
                last = None
                for n in range(EVENTS_EACH):
                    last = journal.append("test.event", {"n": n, "kiosk": i})
                last.result(timeout=60)
                rooms.append(Room(Config(room=f"Room {i}", hub=HubConfig(url=proxy.url, token=tokens[i],
                                                                          sync_seconds=3600)), journal, clock))
            for i, room in enumerate(rooms):
                workers.append(SyncWorker(room.config.hub, room, clock, uniform=random.Random(i).uniform,
                                          backoff_base=0.05, backoff_cap=0.5, batch_size=100,
                                          timeout=(2.0, 10.0)))
            for w in workers:
                w.start()
            deadline = time.monotonic() + TIME_LIMIT
            while any(outbox.counts(j).waiting for j in journals):
                if time.monotonic() > deadline:
                    waiting = [outbox.counts(j).waiting for j in journals]
                    raise AssertionError(f"fleet sync stalled after {TIME_LIMIT:.0f} s: waiting per kiosk "
                                         f"{waiting}; errors {[r.health.sync_error for r in rooms]}")
                time.sleep(0.1)
            for w in workers:
                w.stop()
            workers.clear()

            expected = {f"Room {i}": {r.uuid for r in j.records()} for i, j in enumerate(journals)}
            assert all(len(u) == EVENTS_EACH for u in expected.values())
            stored = stored_uuids(tmp_path / "hub-a", database)
            assert sum(stored.values()) == KIOSKS * EVENTS_EACH and max(stored.values()) == 1
            assert stored_by_room(database) == expected
            assert all(outbox.counts(j).rejected == 0 for j in journals)
            assert proxy.counts[DROP_RESPONSE] > 0 and proxy.counts[ERROR_500] > 0
            resent = sum(1 for n in proxy.forwarded_uuids.values() if n > 1)
            assert resent > 0, "no event reached a hub twice: the shared UNIQUE was never exercised"
        finally:
            for w in workers:
                w.stop()
            if proxy is not None:
                proxy.stop()
            for h in hubs:
                h.stop()
            for j in journals:
                j.close()
