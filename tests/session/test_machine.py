"""Examples of the session's shape, one behaviour each."""

from __future__ import annotations

import pytest

from kiosk.session import facts as F
from kiosk.session.glyph import SENDING_AT_MOST, Glyph, glyph_for
from kiosk.session.help import HelpCall, HelpCalls, HelpState, change_call, raise_call
from kiosk.session.machine import Session, TransitionRefused
from kiosk.session.plan import Phase, Plan

T0 = 1_780_000_000.0
PLAN = Plan(name="p", opening=300, holding=2400, closing=300)


def started(plan: Plan = PLAN, hard_end_at: float | None = None) -> Session:
    s = Session()
    s.begin(plan, "s1", T0, hard_end_at)
    return s


def test_opening_flows_into_holding_when_its_time_is_up():
    s = started()
    assert [f.kind for f in s.advance(T0 + 299)] == [F.CUE_FIRED]  # one minute before: the cue, no change
    assert s.state.phase is Phase.OPENING
    facts = s.advance(T0 + 300)
    assert [f.kind for f in facts] == [F.PHASE_CHANGED]
    assert s.state.phase is Phase.HOLDING
    assert s.state.current.actual_start == T0 + 300


def test_holding_never_ends_by_itself_but_invites_closing():
    s = started()
    s.advance(T0 + 300)
    s.advance(T0 + 300 + 2400 + 3600)
    assert s.state.phase is Phase.HOLDING
    assert s.state.invites_closing(T0 + 300 + 2400)
    assert not s.state.invites_closing(T0 + 300 + 2399)


def test_closing_ends_by_itself_after_its_full_length():
    s = started()
    s.advance(T0 + 300)
    s.go_to_closing(T0 + 1000)
    s.advance(T0 + 1299)
    assert s.state.phase is Phase.CLOSING
    facts = s.advance(T0 + 1300)
    assert [f.kind for f in facts] == [F.PHASE_CHANGED, F.SESSION_ENDED]
    assert s.state.phase is Phase.DONE and s.state.end_reason == "completed"


def test_extend_adds_five_minutes_to_the_running_phase():
    s = started()
    s.advance(T0 + 300)
    s.extend(T0 + 400)
    assert s.state.deadline == T0 + 300 + 2400 + 300
    assert s.state.current.planned_end == T0 + 2700


def test_hard_end_shrinks_holding_so_closing_keeps_its_length():
    # started 20 minutes late against a hard end 50 minutes after the planned start
    hard_end = T0 + 3000
    s = Session()
    s.begin(PLAN, "s1", T0 + 1200, hard_end)
    s.advance(T0 + 1500)
    assert s.state.deadline == hard_end - 300
    s.go_to_closing(hard_end - 300)
    s.advance(hard_end)
    assert s.state.phase is Phase.DONE


def test_started_after_the_hard_end_holding_is_empty_and_closing_still_full():
    hard_end = T0
    s = Session()
    s.begin(PLAN, "s1", T0 + 600, hard_end)
    s.advance(T0 + 900)
    assert s.state.deadline == T0 + 900
    assert s.state.invites_closing(T0 + 900)
    s.go_to_closing(T0 + 900)
    assert s.state.deadline == T0 + 1200


def test_cues_fire_at_their_lead_times_and_once():
    s = started()
    s.advance(T0 + 300)
    assert s.advance(T0 + 300 + 2400 - 301) == []
    fired = s.advance(T0 + 300 + 2400 - 300)
    assert [(f.kind, f.data["lead"]) for f in fired] == [(F.CUE_FIRED, 300.0)]
    assert s.advance(T0 + 300 + 2400 - 200) == []
    assert [f.data["lead"] for f in s.advance(T0 + 300 + 2400 - 120)] == [120.0]


def test_commands_out_of_place_are_refused():
    s = Session()
    for command in (s.continue_to_holding, s.go_to_closing, s.extend, s.end_early):
        with pytest.raises(TransitionRefused):
            command(T0)
    s.begin(PLAN, "s1", T0)
    with pytest.raises(TransitionRefused):
        s.begin(PLAN, "s2", T0)


def test_end_early_records_the_reason():
    s = started()
    s.end_early(T0 + 60)
    assert s.state.phase is Phase.DONE and s.state.end_reason == "ended_early"


def test_help_call_lifecycle_never_goes_backwards():
    calls = HelpCalls()
    calls.apply(raise_call("c1", T0, "button"))
    calls.apply(change_call(F.HELP_ACKNOWLEDGED, "c1", T0 + 5, by="Sam"))
    calls.apply(change_call(F.HELP_DELIVERED, "c1", T0 + 6))  # late news
    assert calls.calls["c1"].state is HelpState.ACKNOWLEDGED and calls.calls["c1"].by == "Sam"
    calls.apply(change_call(F.HELP_RESOLVED, "c1", T0 + 60))
    assert calls.open_call() is None
    calls.apply(change_call(F.HELP_CANCELLED, "c1", T0 + 61))
    assert calls.calls["c1"].state is HelpState.RESOLVED


@pytest.mark.parametrize("state, configured, reachable, fault, expected", [
    (None, True, True, False, Glyph.QUIET),
    (None, True, True, True, Glyph.BUTTON_FAULT),
    (HelpState.RAISED, True, None, False, Glyph.SENDING),
    (HelpState.RAISED, True, False, False, Glyph.NOT_DELIVERED),
    (HelpState.RAISED, False, None, False, Glyph.NOT_DELIVERED),
    (HelpState.DELIVERED, True, True, True, Glyph.DELIVERED),
    (HelpState.ACKNOWLEDGED, True, False, False, Glyph.COMING),
])
def test_glyph_tells_adults_plainly(state, configured, reachable, fault, expected):
    call = None
    if state is not None:
        calls = HelpCalls()
        calls.apply(raise_call("c1", T0, "button"))
        if state is not HelpState.RAISED:
            calls.apply(change_call({HelpState.DELIVERED: F.HELP_DELIVERED,
                                     HelpState.ACKNOWLEDGED: F.HELP_ACKNOWLEDGED}[state], "c1", T0))
        call = calls.open_call()
    assert glyph_for(call, configured, reachable, fault) is expected


def test_each_change_of_phase_journals_why_it_happened():
    s = Session()
    [_, opening] = s.begin(PLAN, "s1", T0)
    assert opening.data["reason"] == "hold"
    [holding] = s.advance(T0 + PLAN.opening)
    assert holding.data == {"at": T0 + PLAN.opening, "from": "opening", "to": "holding", "reason": "timer",
                            "planned_end": T0 + PLAN.opening + PLAN.holding}
    [closing] = s.go_to_closing(T0 + 400)
    assert (closing.data["reason"], closing.data["at"]) == ("closing_now", T0 + 400)
    [done, ended] = s.advance(T0 + 400 + PLAN.closing)
    assert (done.data["reason"], done.data["to"], done.data["planned_end"]) == ("timer", "done", None)
    assert ended.data == {"at": T0 + 400 + PLAN.closing, "reason": "completed"}
    s = Session()
    s.begin(PLAN, "s2", T0)
    [to_holding] = s.continue_to_holding(T0 + 10)
    assert (to_holding.data["reason"], to_holding.data["at"]) == ("hold", T0 + 10)


def test_ending_early_closes_the_running_phase_then_and_journals_the_reason_twice():
    s = Session()
    s.begin(PLAN, "s1", T0)
    done, ended = s.end_early(T0 + 50, reason="abandoned")
    assert done.data["at"] == T0 + 50 and done.data["reason"] == "abandoned" and done.data["to"] == "done"
    assert ended.data == {"at": T0 + 50, "reason": "abandoned"}
    opening, finished = s.state.phases
    assert opening.actual_end == T0 + 50 and finished.actual_start == T0 + 50 and finished.reason == "abandoned"


def test_five_more_minutes_journals_when_which_phase_how_long_and_the_new_end():
    s = Session()
    s.begin(PLAN, "s1", T0)
    [fact] = s.extend(T0 + 100)
    assert fact.data == {"at": T0 + 100, "phase": "opening", "seconds": 300.0, "planned_end": T0 + PLAN.opening + 300}


def test_a_refused_command_says_which_phase_it_needs_and_which_it_found():
    s = Session()
    with pytest.raises(TransitionRefused, match="^continue needs the opening phase, not welcome$"):
        s.continue_to_holding(T0)
    with pytest.raises(TransitionRefused, match="^closing can start from opening or holding, not welcome$"):
        s.go_to_closing(T0)
    with pytest.raises(TransitionRefused, match="^there is no running phase to extend$"):
        s.extend(T0)
    with pytest.raises(TransitionRefused, match="^there is no session to end$"):
        s.end_early(T0)
    s.begin(PLAN, "s1", T0)
    with pytest.raises(TransitionRefused, match="^a session is already in its opening phase$"):
        s.begin(PLAN, "s2", T0)


def test_a_session_begins_in_opening_from_the_welcome_and_journals_its_plan():
    s = Session()
    started, opening = s.begin(PLAN, "s1", T0, hard_end_at=T0 + 3600)
    assert started.data == {"at": T0, "plan": PLAN.to_dict(), "hard_end_at": T0 + 3600}
    assert opening.data == {"at": T0, "from": "welcome", "to": "opening", "reason": "hold",
                            "planned_end": T0 + PLAN.opening}
    assert s.state.session_id == "s1" and s.state.hard_end_at == T0 + 3600


def test_a_phase_entered_early_keeps_the_schedule_it_had_its_planned_start_is_the_last_ones_planned_end():
    s = Session()
    s.begin(PLAN, "s1", T0)
    s.continue_to_holding(T0 + 100)  # opening cut short: holding still starts in the plan at T0 + 300
    opening, holding = s.state.phases
    assert (opening.planned_start, opening.planned_end, opening.actual_end) == (T0, T0 + 300, T0 + 100)
    assert (holding.planned_start, holding.planned_end) == (T0 + 300, T0 + 300 + 2400)
    assert (holding.actual_start, holding.target_end) == (T0 + 100, T0 + 100 + 2400)


def test_sending_lasts_the_full_limit_and_not_a_moment_longer():
    call = HelpCall("c1", T0, "button")
    assert glyph_for(call, True, None, False, now=T0 + SENDING_AT_MOST) is Glyph.SENDING
    assert glyph_for(call, True, None, False, now=T0 + SENDING_AT_MOST + 0.5) is Glyph.NOT_DELIVERED
