"""The help-call fold (HelpCalls.apply), checked against an oracle written here from the lifecycle's rules.

raised -> delivered -> acknowledged -> resolved | cancelled; news for a call that does not exist, that is
closed, or that would move it back or nowhere changes nothing and says so (apply returns None), because
the Room journals only what apply says moved a call.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.help import HelpCalls, HelpState, change_call, raise_call

T0 = 1_780_000_000.0
ORDER = {"raised": 0, "delivered": 1, "acknowledged": 2, "resolved": 3, "cancelled": 3}  # the lifecycle, spelled out
STATE_OF = {F.HELP_DELIVERED: "delivered", F.HELP_ACKNOWLEDGED: "acknowledged", F.HELP_RESOLVED: "resolved",
            F.HELP_CANCELLED: "cancelled"}
NEWS = sorted(STATE_OF) + [F.HELP_REPEATED, F.SESSION_STARTED]


def test_a_raised_call_is_kept_with_its_time_source_and_session_and_returned():
    calls = HelpCalls()
    call = calls.apply(raise_call("c1", T0, "screen"), session_id="s1")
    assert call is calls.calls["c1"]
    assert (call.call_id, call.raised_at, call.source, call.session_id) == ("c1", T0, "screen", "s1")
    assert call.state is HelpState.RAISED and call.times == {HelpState.RAISED: T0} and call.by is None
    assert calls.undelivered() == [call] and calls.open_call() is call


def test_a_raise_without_a_source_is_the_button():
    calls = HelpCalls()
    assert calls.apply(Fact(F.HELP_RAISED, {"at": T0, "call_id": "c1"})).source == "button"


def test_the_same_call_raised_again_is_not_a_second_call_and_keeps_the_first():
    calls = HelpCalls()
    calls.apply(raise_call("c1", T0, "button"))
    assert calls.apply(raise_call("c1", T0 + 9, "screen")) is None
    assert calls.calls["c1"].raised_at == T0 and calls.calls["c1"].source == "button"


def test_each_step_forward_is_timed_and_returned_and_who_answered_stays_until_someone_else_does():
    calls = HelpCalls()
    calls.apply(raise_call("c1", T0, "button"))
    delivered = calls.apply(change_call(F.HELP_DELIVERED, "c1", T0 + 1))
    assert delivered is calls.calls["c1"] and delivered.state is HelpState.DELIVERED and delivered.by is None
    assert calls.undelivered() == []
    assert calls.apply(change_call(F.HELP_ACKNOWLEDGED, "c1", T0 + 5, "Sam")).by == "Sam"
    resolved = calls.apply(change_call(F.HELP_RESOLVED, "c1", T0 + 60))
    assert resolved.state is HelpState.RESOLVED and resolved.by == "Sam"
    assert resolved.times == {HelpState.RAISED: T0, HelpState.DELIVERED: T0 + 1, HelpState.ACKNOWLEDGED: T0 + 5,
                              HelpState.RESOLVED: T0 + 60}
    assert calls.open_call() is None


def test_a_cancel_closes_an_open_call_at_any_step_and_nothing_moves_a_closed_one():
    for before in ([], [F.HELP_DELIVERED], [F.HELP_DELIVERED, F.HELP_ACKNOWLEDGED]):
        calls = HelpCalls()
        calls.apply(raise_call("c1", T0, "button"))
        for kind in before:
            calls.apply(change_call(kind, "c1", T0 + 1))
        assert calls.apply(change_call(F.HELP_CANCELLED, "c1", T0 + 2, "Kim")).state is HelpState.CANCELLED
        for kind in STATE_OF:
            assert calls.apply(change_call(kind, "c1", T0 + 3, "Lee")) is None
        assert calls.calls["c1"].state is HelpState.CANCELLED and calls.calls["c1"].by == "Kim"


def test_news_of_a_call_nobody_raised_or_of_another_kind_changes_nothing():
    calls = HelpCalls()
    assert calls.apply(change_call(F.HELP_ACKNOWLEDGED, "ghost", T0)) is None
    assert calls.calls == {}
    calls.apply(raise_call("c1", T0, "button"))
    assert calls.apply(Fact(F.HELP_REPEATED, {"at": T0 + 1, "call_id": "c1"})) is None
    assert calls.apply(Fact(F.SESSION_STARTED, {"at": T0 + 1, "call_id": "c1"})) is None
    assert calls.calls["c1"].state is HelpState.RAISED and calls.calls["c1"].times == {HelpState.RAISED: T0}


def test_the_open_call_is_the_newest_open_one():
    calls = HelpCalls()
    calls.apply(raise_call("old", T0, "button"))
    calls.apply(raise_call("new", T0 + 30, "button"))
    calls.apply(raise_call("older", T0 - 30, "button"))
    assert calls.open_call().call_id == "new"
    calls.apply(change_call(F.HELP_RESOLVED, "new", T0 + 40))
    assert calls.open_call().call_id == "old"
    assert [c.call_id for c in calls.undelivered()] == ["old", "older"]


news = st.lists(st.tuples(st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(NEWS + [F.HELP_RAISED]),
                          st.sampled_from([None, "", "Sam", "Kim"])), max_size=40)


@given(news)
def test_any_order_of_news_folds_as_the_lifecycle_says(steps):
    calls = HelpCalls()
    expected: dict[str, dict] = {}
    for n, (call_id, kind, by) in enumerate(steps):
        at = T0 + n
        fact = raise_call(call_id, at, "button") if kind == F.HELP_RAISED else change_call(kind, call_id, at, by)
        moved = calls.apply(fact)
        was = expected.get(call_id)
        if kind == F.HELP_RAISED:
            should = was is None
            if should:
                expected[call_id] = {"state": "raised", "times": {"raised": at}, "by": None}
        else:
            target = STATE_OF.get(kind)
            should = (target is not None and was is not None and was["state"] in ("raised", "delivered", "acknowledged")
                      and ORDER[target] > ORDER[was["state"]])
            if should:
                was["state"] = target
                was["times"][target] = at
                was["by"] = by or was["by"]
        assert (moved is not None) == should, (n, call_id, kind)
        if should:
            assert moved is calls.calls[call_id]
    assert {c: (call.state, dict(call.times), call.by) for c, call in calls.calls.items()} == {
        c: (e["state"], e["times"], e["by"]) for c, e in expected.items()}
