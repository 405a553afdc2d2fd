"""The press rules: when a press is the same call, and how a chattering button is counted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session import facts as F
from kiosk.session.help import (REPEAT_JOURNAL_EVERY, REPEAT_WITHIN, STALE_CALL_AFTER, HelpCall, HelpCalls, HelpState,
                                Repeats, change_call, is_repeat, press_again, presses_of, raise_call, repeats_due,
                                stale_calls)


def call(state: HelpState, raised_at: float = 0.0) -> HelpCall:
    return HelpCall("c1", raised_at, "button", state=state)


def test_a_press_soon_after_an_unanswered_call_is_that_call():
    assert is_repeat(call(HelpState.RAISED), REPEAT_WITHIN - 1)
    assert is_repeat(call(HelpState.DELIVERED), 1)


def test_a_press_after_staff_answered_or_long_after_or_with_no_call_is_a_new_call():
    assert not is_repeat(call(HelpState.ACKNOWLEDGED), 1)
    assert not is_repeat(call(HelpState.RAISED), REPEAT_WITHIN)
    assert not is_repeat(None, 1)


def test_the_first_press_again_is_journalled_at_once_and_the_next_held():
    tally, now = press_again(Repeats("c1"), 100.0)
    assert now == 1
    tally, now = press_again(tally, 101.0)
    assert now == 0 and tally.held == 1
    assert repeats_due(tally, 104.9) == (tally, 0)
    tally, now = repeats_due(tally, 105.0)
    assert now == 1 and tally.held == 0 and tally.written_at == 105.0


@given(st.lists(st.floats(min_value=0, max_value=60), min_size=1, max_size=300))
def test_every_press_is_counted_once_and_the_journal_hears_at_most_once_a_window(gaps):
    tally, mono, written, times = Repeats("c1"), 0.0, 0, []
    for gap in gaps:
        mono += gap
        tally, due = repeats_due(tally, mono)
        tally, now = press_again(tally, mono)
        for n in (due, now):
            if n:
                written += n
                times.append(mono)
    assert written + tally.held == len(gaps)
    assert times[0] == gaps[0]  # the first press again is never held
    assert all(b - a >= REPEAT_JOURNAL_EVERY for a, b in zip(times, times[1:]))


def test_a_press_again_exactly_a_window_after_the_last_journalled_one_is_journalled_and_empties_the_tally():
    tally, _ = press_again(Repeats("c1"), 100.0)
    tally, now = press_again(tally, 101.0)
    assert now == 0 and tally.held == 1
    tally, now = press_again(tally, 100.0 + REPEAT_JOURNAL_EVERY)
    assert now == 2 and tally.held == 0 and tally.written_at == 100.0 + REPEAT_JOURNAL_EVERY
    tally, now = press_again(tally, 100.0 + REPEAT_JOURNAL_EVERY + 1)
    assert now == 0 and tally.held == 1  # counted from empty, not from the two already journalled


def test_a_coalesced_repeat_stands_for_its_count_and_anything_odd_for_one_press():
    assert presses_of({"presses": 7}) == 7 and presses_of({"presses": 1_000_000}) == 1_000_000
    assert presses_of({}) == 1
    for odd in (0, -3, 1_000_001, True, 2.0, "5", None):
        assert presses_of({"presses": odd}) == 1, odd


def test_a_call_is_stale_only_while_open_and_only_past_the_limit():
    calls = HelpCalls()
    calls.apply(raise_call("open", 0.0, "button"))
    calls.apply(raise_call("closed", 0.0, "button"))
    calls.apply(change_call(F.HELP_RESOLVED, "closed", 1.0))
    assert stale_calls(calls, STALE_CALL_AFTER) == []
    assert [c.call_id for c in stale_calls(calls, STALE_CALL_AFTER + 1)] == ["open"]
    at = 1_780_000_000.0  # a call raised at a real wall time is measured from then, not from the epoch
    late = HelpCalls()
    late.apply(raise_call("today", at, "button"))
    assert stale_calls(late, at + STALE_CALL_AFTER) == []
    assert [c.call_id for c in stale_calls(late, at + STALE_CALL_AFTER + 1)] == ["today"]
