"""What the screen reads off the session state: time left, how far through the phase, which cues have sounded.

The expected values are worked out here with plain arithmetic, not by asking the state machine again.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session.machine import Session, SessionState
from kiosk.session.plan import Phase, Plan

T0 = 1_780_000_000.0
PLAN = Plan(name="p", opening=300, holding=2400, closing=300,
            cue_leads={Phase.OPENING: (60.0,), Phase.HOLDING: (300.0, 120.0), Phase.CLOSING: (60.0,)})


def opening() -> Session:
    s = Session()
    s.begin(PLAN, "s1", T0)
    return s


def test_outside_a_session_nothing_is_due_and_no_progress_is_shown():
    state = SessionState()
    assert state.deadline is None and state.remaining(T0) is None
    assert state.progress(T0) == 0.0 and state.cues() == [] and state.cues_fired_in_phase() == []
    s = opening()
    s.end_early(T0 + 10)
    assert s.state.remaining(T0 + 20) is None and s.state.progress(T0 + 20) == 0.0


def test_time_left_counts_down_to_the_deadline_and_past_it():
    s = opening()
    assert s.state.remaining(T0 + 100) == 200.0
    assert s.state.remaining(T0 + 350) == -50.0


@given(st.floats(min_value=-600, max_value=900, allow_nan=False))
def test_progress_is_the_share_of_the_phase_gone_clamped_to_0_and_1(elapsed):
    s = opening()
    expected = 0.0 if elapsed < 0 else 1.0 if elapsed > 300 else elapsed / 300
    assert abs(s.state.progress(T0 + elapsed) - expected) < 1e-9


def test_progress_after_five_more_minutes_is_measured_against_the_new_deadline():
    s = opening()
    s.extend(T0 + 100)
    assert s.state.progress(T0 + 300) == 0.5


def test_a_phase_with_no_time_left_in_it_shows_as_done():
    s = Session()
    s.begin(PLAN, "s1", T0, hard_end_at=T0 + 300 + 300)  # the hard end leaves holding no time at all
    s.advance(T0 + 300)
    assert s.state.phase is Phase.HOLDING and s.state.deadline == T0 + 300
    assert s.state.progress(T0 + 300) == 1.0


def test_the_cues_that_sounded_are_this_phases_fired_ones_and_only_those():
    s = opening()
    s.advance(T0 + 100)
    assert s.state.cues_fired_in_phase() == []
    s.advance(T0 + 240)
    [fired] = s.state.cues_fired_in_phase()
    assert (fired.phase, fired.lead, fired.at) == (Phase.OPENING, 60.0, T0 + 240)
    s.advance(T0 + 300 + 2400 - 300)  # into holding, and its five-minutes cue
    assert [(c.phase, c.lead) for c in s.state.cues_fired_in_phase()] == [(Phase.HOLDING, 300.0)]


def test_a_plans_phase_lengths_are_its_own_and_the_other_phases_have_none():
    plan = Plan(name="p", opening=120, holding=1800, closing=240)
    assert [plan.length(p) for p in Phase] == [0.0, 120, 1800, 240, 0.0]


def test_progress_through_a_phase_shorter_than_a_second_is_still_a_share_of_it():
    s = Session()
    s.begin(PLAN, "s1", T0, hard_end_at=T0 + 300 + 300.5)  # holding squeezed to half a second
    s.advance(T0 + 300)
    assert s.state.deadline == T0 + 300.5
    assert s.state.progress(T0 + 300.25) == 0.5
