"""What an interruption records: the payload the session report and the hub read, worked out here."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.machine import Session
from kiosk.session.outage import Outage
from kiosk.session.resume import ABANDONED_AFTER, Resumption, how_to_resume, resume

from tests.session.test_resume_rules import T, running


def test_an_interruption_says_when_it_began_when_it_had_certainly_begun_and_how_long_at_most_and_least():
    s = running()
    [fact] = s.interrupted(T + 60, T + 600, down_by=T + 75)
    assert fact == Fact(F.SESSION_INTERRUPTED, {"at": T + 600, "from": T + 60, "down_by": T + 75, "to": T + 600,
                                                "seconds": 540.0, "seconds_at_least": 525.0, "length_known": True})
    assert s.state.interruptions == [(T + 60, T + 600)]


@given(down=st.floats(0, 1000), back=st.floats(0, 1000), by=st.one_of(st.none(), st.floats(-100, 1100)))
def test_the_certain_moment_lies_between_going_down_and_coming_back(down, back, by):
    [fact] = running().interrupted(T + down, T + back, down_by=None if by is None else T + by)
    d = fact.data
    expected_by = T + down if by is None else min(max(T + by, T + down), T + back)
    assert d["down_by"] == expected_by
    assert d["seconds"] == max(0.0, (T + back) - (T + down))
    assert d["seconds_at_least"] == max(0.0, (T + back) - expected_by)


def test_coming_back_the_moment_it_had_certainly_stopped_is_no_time_at_least():
    [fact] = running().interrupted(T, T + 60, down_by=T + 60)
    assert fact.data["seconds_at_least"] == 0.0 and fact.data["seconds"] == 60.0


def test_no_session_no_interruption():
    assert Session().interrupted(T, T + 60) == []


def test_back_at_the_very_moment_it_was_last_seen_is_a_plain_resume():
    assert how_to_resume(Outage(T, T, T)) is Resumption.RESUMED


def test_a_clock_gone_back_steps_the_session_now_and_records_a_gap_of_unknown_length():
    how, facts = resume(running(), Outage(last_alive=T + 600, down_by=T + 615, back=T + 100))
    assert how is Resumption.CLOCK_WENT_BACK
    step, gap = facts
    assert step == Fact(F.CLOCK_STEPPED, {"at": T + 100, "offset": -500.0})
    assert (gap.data["at"], gap.data["from"], gap.data["to"], gap.data["length_known"]) == (T + 100, T + 100, T + 100,
                                                                                            False)


def test_an_abandoned_session_records_the_gap_with_its_certain_moment_then_ends_when_last_seen():
    back = T + 60 + ABANDONED_AFTER + 1
    how, facts = resume(running(), Outage(T + 60, T + 75, back))
    assert how is Resumption.ABANDONED
    gap = facts[0]
    assert (gap.data["from"], gap.data["down_by"], gap.data["to"]) == (T + 60, T + 75, back)
    assert facts[-1] == Fact(F.SESSION_ENDED, {"at": T + 60, "reason": "abandoned"})
