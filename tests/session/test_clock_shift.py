"""A stepped wall clock moves every time the session holds by the step, except the hard end (a time of day).

Checked on the state itself (`_shift`), against times worked out here; times that are not set stay unset.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.machine import PhaseTimes, Session, SessionState, _shift
from kiosk.session.plan import Phase, Plan

T0 = 1_780_000_000.0
maybe = st.one_of(st.none(), st.integers(min_value=0, max_value=10_000).map(lambda n: T0 + n))
phase_times = st.builds(PhaseTimes, phase=st.sampled_from(list(Phase)),
                        planned_start=st.integers(0, 10_000).map(lambda n: T0 + n), planned_end=maybe,
                        actual_start=st.integers(0, 10_000).map(lambda n: T0 + n), target_end=maybe,
                        actual_end=maybe)
offsets = st.integers(min_value=-7200, max_value=7200).filter(bool).map(float)


def moved(t: float | None, offset: float) -> float | None:
    return None if t is None else t + offset


@given(phases=st.lists(phase_times, max_size=4), started=maybe, hard_end=maybe, offset=offsets,
       fired=st.sets(st.tuples(st.sampled_from(["opening", "holding"]), st.sampled_from([60.0, 300.0]), maybe.filter(
           lambda t: t is not None)), max_size=3))
def test_every_set_time_moves_by_the_step_and_unset_ones_stay_unset(phases, started, hard_end, offset, fired):
    state = SessionState(session_id="s1", started_at=started, hard_end_at=hard_end,
                         phases=[PhaseTimes(**vars(p)) for p in phases], fired=set(fired))
    _shift(state, offset)
    assert state.started_at == moved(started, offset)
    assert state.hard_end_at == hard_end
    for before, after in zip(phases, state.phases):
        assert after.planned_start == before.planned_start + offset
        assert after.actual_start == before.actual_start + offset
        assert after.planned_end == moved(before.planned_end, offset)
        assert after.target_end == moved(before.target_end, offset)
        assert after.actual_end == moved(before.actual_end, offset)
        assert (after.phase, after.reason) == (before.phase, before.reason)
    assert state.fired == {(phase, lead, at + offset) for phase, lead, at in fired}


def test_a_step_in_holding_keeps_the_running_phase_open_and_the_hard_end_where_it_was():
    s = Session()
    plan = Plan(name="p", opening=300, holding=2400, closing=300)
    s.begin(plan, "s1", T0, hard_end_at=T0 + 4000)
    s.advance(T0 + 300)
    facts = s.clock_stepped(600.0, T0 + 400)
    assert facts == [Fact(F.CLOCK_STEPPED, {"at": T0 + 400, "offset": 600.0})]
    opening, holding = s.state.phases
    assert opening.actual_end == T0 + 300 + 600 and holding.actual_end is None
    assert holding.target_end == T0 + 300 + 2400 + 600 and s.state.hard_end_at == T0 + 4000
    assert s.state.started_at == T0 + 600
    assert s.clock_stepped(0.0, T0 + 500) == [] and Session().clock_stepped(60.0, T0) == []
