"""The outbox under any interleaving of senders, outcomes and time (hypothesis): a claimed row belongs to
one sender until its lease runs out, a sent or failed row is never sent again, a retry waits for its time,
and nothing is lost: every row ends sent or failed once receivers answer."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.hub.database import open_hub_database
from kiosk.hub.notify import outbox

OPS = st.lists(st.one_of(
    st.tuples(st.just("enqueue"), st.integers(1, 3)),
    st.tuples(st.just("claim"), st.sampled_from("AB"), st.integers(1, 4)),
    st.tuples(st.just("finish"), st.sampled_from(["sent", "retry", "failed"])),
    st.tuples(st.just("advance"), st.sampled_from([0.5, 5.0, outbox.LEASE_SECONDS + 1])),
), max_size=40)

_dirs = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_outbox_never_sends_twice_and_loses_nothing(tmp_path, ops):
    hub = open_hub_database(tmp_path / f"h{next(_dirs)}")
    now = 1000.0
    held: dict[int, tuple[str, float]] = {}    # row id -> (sender, lease until)
    done: set[int] = set()
    waiting_until: dict[int, float] = {}
    try:
        with hub.db.connection_context():
            for op in ops:
                if op[0] == "enqueue":
                    with hub.write():
                        hub.models.Alert.insert_many([outbox._row(None, "Room", "c", "raised", "office", now, now,
                                                                  None, now) for _ in range(op[1])]).execute()
                elif op[0] == "claim":
                    got = outbox.claim(hub, now, limit=op[2])
                    for row in got:
                        assert row.id not in done, "a sent or failed row came back"
                        if row.id in held:
                            assert held[row.id][1] < now, "claimed by two senders within a lease"
                        assert waiting_until.get(row.id, now) <= now, "a retry came back before its time"
                        held[row.id] = (op[1], now + outbox.LEASE_SECONDS)
                elif op[0] == "finish":
                    if not held:
                        continue
                    row_id = min(held)
                    del held[row_id]
                    if op[1] == "sent":
                        outbox.finish(hub, row_id, now)
                        done.add(row_id)
                    elif op[1] == "failed":
                        outbox.finish(hub, row_id, now, "refused")
                        done.add(row_id)
                    else:
                        outbox.finish(hub, row_id, now, "down", retry_at=now + 3)
                        waiting_until[row_id] = now + 3
                elif op[0] == "advance":
                    now += op[1]
            # Receivers answer from now on: everything ends sent, none twice.
            now += outbox.LEASE_SECONDS + 10
            for _ in range(20):
                got = outbox.claim(hub, now, limit=50)
                for row in got:
                    assert row.id not in done
                    outbox.finish(hub, row.id, now)
                    done.add(row.id)
                if not got:
                    break
            Alert = hub.models.Alert
            assert {r.status for r in Alert.select()} <= {"sent", "failed"}
            assert Alert.select().count() == len(done)
    finally:
        hub.close()
