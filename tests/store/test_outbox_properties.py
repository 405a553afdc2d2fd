"""The outbox under any interleaving of appends and hub answers."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.clock import FakeClock
from kiosk.store import outbox
from kiosk.store.journal import Journal

steps = st.lists(st.one_of(
    st.tuples(st.just("append"), st.integers(min_value=1, max_value=8)),
    st.tuples(st.just("confirm"), st.lists(st.integers(min_value=0, max_value=60), max_size=6)),
    st.tuples(st.just("reject"), st.lists(st.integers(min_value=0, max_value=60), max_size=3)),
), max_size=15)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_waiting_is_exactly_what_the_hub_has_not_answered(tmp_path_factory, steps):
    journal = Journal(tmp_path_factory.mktemp("outbox") / "k.sqlite3", FakeClock())
    try:
        appended: list[str] = []
        answered: dict[str, str] = {}
        for action, arg in steps:
            if action == "append":
                appended += [journal.append("t", {}).result(5).uuid for _ in range(arg)]
            elif appended:
                picks = [appended[i % len(appended)] for i in arg]
                if action == "confirm":
                    outbox.mark(journal, picks, {}, now=1.0).result(5)
                    answered.update({u: "confirmed" for u in picks})
                else:
                    outbox.mark(journal, [], {u: "bad" for u in picks}, now=1.0).result(5)
                    answered.update({u: "rejected" for u in picks})
        expected = [u for u in appended if u not in answered]
        pending = outbox.pending(journal, limit=10_000)
        assert [r.uuid for r in pending] == expected
        assert [r.seq for r in pending] == sorted(r.seq for r in pending)
        counts = outbox.counts(journal)
        assert counts.waiting == len(expected)
        assert counts.rejected == sum(1 for s in answered.values() if s == "rejected")
    finally:
        journal.close()
