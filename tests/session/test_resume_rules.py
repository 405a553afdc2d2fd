"""The resume rules and clock-step detection, without a disk."""

from __future__ import annotations

from kiosk.session import facts as F
from kiosk.session.machine import Session
from kiosk.session.outage import Outage
from kiosk.session.plan import Plan
from kiosk.session.resume import ABANDONED_AFTER, CLOCK_STEP, Resumption, clock_step, how_to_resume, resume

T = 1_780_000_000.0


def running() -> Session:
    session = Session()
    session.begin(Plan(name="Standard"), "s1", T, None)
    return session


def test_a_short_outage_resumes_and_records_what_is_known():
    how, facts = resume(running(), Outage(last_alive=T + 60, down_by=T + 75, back=T + 600))
    assert how is Resumption.RESUMED
    [gap] = facts
    assert gap.kind == F.SESSION_INTERRUPTED and (gap.data["from"], gap.data["down_by"]) == (T + 60, T + 75)


def test_hours_away_ends_the_session_as_abandoned_when_it_was_last_seen():
    assert how_to_resume(Outage(T, T, T + ABANDONED_AFTER)) is Resumption.RESUMED
    how, facts = resume(running(), Outage(T + 60, T + 75, T + 60 + ABANDONED_AFTER + 1))
    assert how is Resumption.ABANDONED
    assert [f.kind for f in facts][0] == F.SESSION_INTERRUPTED and F.SESSION_ENDED in [f.kind for f in facts]
    ended = [f for f in facts if f.kind == F.SESSION_ENDED][0]
    assert ended.data["reason"] == "abandoned" and ended.data["at"] == T + 60


def test_a_clock_behind_the_last_record_resumes_where_it_stopped_with_the_length_unknown():
    how, facts = resume(running(), Outage(last_alive=T + 600, down_by=T + 615, back=T + 100))
    assert how is Resumption.CLOCK_WENT_BACK
    assert facts[0].kind == F.CLOCK_STEPPED and facts[0].data["offset"] == -500
    assert facts[-1].data["length_known"] is False


def test_a_clock_step_is_wall_time_moving_differently_from_steady_time():
    assert clock_step((T, 100.0), T + 10, 110.0) == 0.0
    assert clock_step((T, 100.0), T + 10 + CLOCK_STEP, 110.0) == 0.0
    assert clock_step((T, 100.0), T + 7210, 110.0) == 7200
    assert clock_step((T, 100.0), T - 3590, 110.0) == -3600
