"""Claiming alerts on PostgreSQL: a second sender skips rows another is claiming (never waits, never
takes the same rows); a claimed row comes back only once its lease has run out."""

from __future__ import annotations

import threading

from kiosk.hub.database import open_hub_database
from kiosk.hub.notify import outbox


def _rows(hub, n: int, now: float) -> None:
    with hub.db.connection_context(), hub.write():
        hub.models.Alert.insert_many([outbox._row(None, "Room 3", f"c{i}", "raised", "office", now, now, None, now)
                                      for i in range(n)]).execute()


def test_a_second_sender_skips_the_rows_another_is_claiming(tmp_path, pg_url):
    first, second = open_hub_database(tmp_path / "a", pg_url), open_hub_database(tmp_path / "b", pg_url)
    try:
        _rows(first, 6, 100.0)
        selected, release = threading.Event(), threading.Event()
        original = first.models.Alert.update

        def paused_update(*args, **kwargs):   # the first sender has locked its rows and not yet marked them
            selected.set()
            release.wait(10)
            return original(*args, **kwargs)

        first.models.Alert.update = paused_update
        got: dict[str, list] = {}

        def claim_first() -> None:
            with first.db.connection_context():
                got["first"] = outbox.claim(first, 100.0, limit=4)

        t = threading.Thread(target=claim_first)
        t.start()
        assert selected.wait(10)
        done = threading.Event()

        def claim_second() -> None:
            with second.db.connection_context():
                got["second"] = outbox.claim(second, 100.0, limit=4)
            done.set()

        threading.Thread(target=claim_second, daemon=True).start()
        assert done.wait(5), "the second sender waited for the first one's locks instead of skipping them"
        release.set()
        t.join(10)
        del first.models.Alert.update
        a = {r.call_id for r in got["first"]}
        b = {r.call_id for r in got["second"]}
        assert len(a) == 4 and len(b) == 2 and not a & b

        with second.db.connection_context():
            assert outbox.claim(second, 100.0 + outbox.LEASE_SECONDS - 1) == []
            again = outbox.claim(second, 100.0 + outbox.LEASE_SECONDS + 1)
        assert {r.call_id for r in again} == a | b and {r.attempts for r in again} == {2}, "a dead sender's rows return"
    finally:
        first.close()
        second.close()


def test_sqlite_claims_once(tmp_path):
    hub = open_hub_database(tmp_path)
    try:
        _rows(hub, 3, 100.0)
        with hub.db.connection_context():
            assert len(outbox.claim(hub, 100.0)) == 3
            assert outbox.claim(hub, 100.0) == []
    finally:
        hub.close()
