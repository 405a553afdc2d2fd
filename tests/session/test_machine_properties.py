"""Property tests for the session state machine."""

from __future__ import annotations

import json

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.session import facts as F
from kiosk.session.cues import cue_schedule
from kiosk.session.machine import Session, TransitionRefused, rebuild
from kiosk.session.plan import Phase
from tests.session.strategies import START, actions, leads, plans


def drive(session: Session, plan, steps, hard_end_at=None, start=START):
    """Run actions; return the facts in order, each with its session id."""
    now = start
    log = []
    sid_counter = 0
    for action, delay in steps:
        now += 0.0 if action == "step" else delay
        if session.state.active:
            log.extend((f, session.state.session_id) for f in session.advance(now))
        try:
            if action == "begin":
                sid_counter += 1
                facts = session.begin(plan, f"s{sid_counter}", now, hard_end_at)
            elif action == "continue":
                facts = session.continue_to_holding(now)
            elif action == "closing":
                facts = session.go_to_closing(now)
            elif action == "extend":
                facts = session.extend(now)
            elif action == "end":
                facts = session.end_early(now)
            elif action == "step":  # the wall clock jumps by up to 20 minutes either way
                offset = delay - 1200.0
                now += offset
                facts = session.clock_stepped(offset, now)
            else:
                facts = []
        except TransitionRefused:
            continue
        log.extend((f, session.state.session_id) for f in facts)
    return log, now


@settings(max_examples=300)
@given(plan=plans(), steps=actions)
def test_phases_never_go_backwards(plan, steps):
    log, _ = drive(Session(), plan, steps)
    ranks: dict[str, list[int]] = {}
    for fact, sid in log:
        if fact.kind == F.PHASE_CHANGED:
            ranks.setdefault(sid, []).append(Phase(fact.data["to"]).rank)
    for sequence in ranks.values():
        assert sequence == sorted(set(sequence)), sequence


@settings(max_examples=300)
@given(plan=plans(), steps=actions)
def test_rebuilt_from_journal_equals_live_state(plan, steps):
    live = Session()
    log, _ = drive(live, plan, steps)
    # the journal stores payloads as JSON: round-trip them as it does
    journalled = [(type(f)(f.kind, json.loads(json.dumps(f.data))), sid) for f, sid in log]
    current_sid = live.state.session_id
    rebuilt = rebuild([(f, sid) for f, sid in journalled if sid == current_sid])
    assert rebuilt.state == live.state


@settings(max_examples=400)
@given(plan=plans(hard_end=True), late=st.floats(min_value=-3600, max_value=7200),
       early_continue=st.one_of(st.none(), st.floats(min_value=0, max_value=900)),
       overrun=st.floats(min_value=0, max_value=1800))
def test_closing_keeps_its_full_length_under_any_delay(plan, late, early_continue, overrun):
    hard_end_at = START + 7200.0
    start = hard_end_at - 7200.0 + late
    s = Session()
    s.begin(plan, "s", start, hard_end_at)
    now = start
    if early_continue is not None and early_continue < plan.opening:
        now += early_continue
        s.continue_to_holding(now)
    else:
        now += plan.opening
        s.advance(now)
    assert s.state.phase is Phase.HOLDING
    holding = s.state.current
    entered = holding.actual_start
    if entered + plan.closing <= hard_end_at:
        # the hard end allows the closing: holding shrinks so closing fits before it
        assert holding.target_end + plan.closing <= hard_end_at + 1e-6
    assert holding.target_end >= entered
    # the facilitator begins closing when invited, or later (holding is never cut off)
    now = max(now, holding.target_end) + overrun
    s.advance(now)
    assert s.state.phase is Phase.HOLDING
    s.go_to_closing(now)
    s.advance(now + plan.closing + 1)
    closing = [p for p in s.state.phases if p.phase is Phase.CLOSING][0]
    assert closing.actual_end - closing.actual_start == pytest.approx(plan.closing, abs=1e-6)
    assert s.state.end_reason == "completed"


@given(start=st.floats(min_value=0, max_value=1e6), length=st.floats(min_value=1, max_value=7200),
       lead_times=leads)
def test_cue_times_are_ordered_and_inside_the_phase(start, length, lead_times):
    cues = cue_schedule(Phase.HOLDING, start, start + length, lead_times)
    times = [c.at for c in cues]
    assert times == sorted(times)
    assert all(start < t <= start + length for t in times)
    assert len({c.lead for c in cues}) == len(cues)


@settings(max_examples=200)
@given(plan=plans(), steps=actions)
def test_each_cue_fires_at_most_once_and_never_before_its_time(plan, steps):
    log, _ = drive(Session(), plan, steps)
    seen = set()
    for fact, sid in log:
        if fact.kind == F.CUE_FIRED:
            key = (sid, fact.data["phase"], fact.data["lead"], fact.data["cue_at"])
            assert key not in seen
            seen.add(key)
            assert fact.data["at"] >= fact.data["cue_at"]
