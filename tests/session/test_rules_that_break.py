"""Each of these guards one rule a review found no test would notice breaking (issue 11)."""

from __future__ import annotations

from kiosk.session import facts as F
from kiosk.session.help import HelpCalls, change_call, raise_call
from kiosk.session.machine import Session, rebuild
from kiosk.session.plan import Phase, Plan

T0 = 1_780_000_000.0
PLAN = Plan(name="p", opening=300, holding=2400, closing=300)


def in_holding() -> tuple[Session, list]:
    s = Session()
    log = [(f, "s1") for f in s.begin(PLAN, "s1", T0, None)]
    log += [(f, "s1") for f in s.advance(T0 + 300)]
    return s, log


def test_five_more_minutes_after_the_planned_end_counts_from_now_not_from_the_passed_deadline():
    s, _ = in_holding()
    late = T0 + 300 + 2400 + 600  # ten minutes past the planned end of holding
    s.extend(late)
    assert s.state.deadline == late + 300  # not the passed deadline + 5 min, which is already gone


def test_a_cue_does_not_fire_again_after_the_wall_clock_steps():
    s, _ = in_holding()
    lead_at = T0 + 300 + 2400 - 300  # "five minutes left"
    fired = [f for f in s.advance(lead_at) if f.kind == F.CUE_FIRED]
    assert len(fired) == 1
    s.clock_stepped(-120, lead_at + 1)  # the clock goes back two minutes; the session's times move with it
    again = [f for t in range(2, 400, 10) for f in s.advance(lead_at + t - 120) if f.kind == F.CUE_FIRED
             and f.data.get("lead") == 300]
    assert again == []


def test_the_same_help_news_twice_changes_the_call_once():
    calls = HelpCalls()
    calls.apply(raise_call("c1", T0, "button"))
    ack = change_call(F.HELP_ACKNOWLEDGED, "c1", T0 + 5, "Sam")
    assert calls.apply(ack) is not None
    assert calls.apply(ack) is None  # the Room journals only what apply says moved the call
    assert calls.apply(change_call(F.HELP_DELIVERED, "c1", T0 + 6)) is None  # late news never moves it back


def test_an_extension_is_rebuilt_at_its_own_length_checked_against_plain_arithmetic():
    """Not "rebuilt equals live" (a fold compared with itself): the expected deadline is worked out here."""
    s, log = in_holding()
    log += [(f, "s1") for f in s.extend(T0 + 400, seconds=420)]
    log += [(f, "s1") for f in s.extend(T0 + 500)]
    rebuilt = rebuild(log).state
    assert rebuilt.phase is Phase.HOLDING
    assert rebuilt.deadline == T0 + 300 + 2400 + 420 + 300
    assert rebuilt.extensions == [("holding", 420.0), ("holding", 300.0)]
