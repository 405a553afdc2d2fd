"""A plan as the journal keeps it (inside session.started) and back, and the cues it gives a phase."""

from __future__ import annotations

import json

from hypothesis import given

from kiosk.session.cues import Cue, cue_schedule
from kiosk.session.plan import Phase, Plan

from tests.session.strategies import plans


@given(plans())
def test_a_plan_comes_back_from_its_journalled_form_field_for_field(plan):
    plan = Plan(**{**vars(plan), "prompts": {Phase.HOLDING: "Breathe.", Phase.DONE: "Bye."}})
    data = json.loads(json.dumps(plan.to_dict()))
    assert set(data) == {"name", "opening", "holding", "closing", "hard_end", "cue_leads", "prompts"}
    back = Plan.from_dict(data)
    assert back == plan
    assert (back.name, back.hard_end, back.prompt(Phase.DONE)) == (plan.name, plan.hard_end, "Bye.")


def test_an_old_journals_plan_without_cues_or_prompts_has_none_and_the_default_prompts_show():
    back = Plan.from_dict({"name": "old", "opening": 60, "holding": 600, "closing": 60})
    assert back.cue_leads == {} and back.leads(Phase.HOLDING) == ()
    assert back.prompt(Phase.HOLDING) == Plan(name="x").prompt(Phase.HOLDING)
    assert (back.opening, back.holding, back.closing, back.hard_end) == (60.0, 600.0, 60.0, None)


def test_a_cue_needs_a_lead_before_the_end_and_after_the_start():
    assert cue_schedule(Phase.HOLDING, 0.0, 100.0, [0.0, -5.0, 100.0, 150.0]) == []
    assert cue_schedule(Phase.HOLDING, 0.0, 100.0, [0.5, 99.0, 30.0, 30.0]) == [
        Cue(1.0, Phase.HOLDING, 99.0), Cue(70.0, Phase.HOLDING, 30.0), Cue(99.5, Phase.HOLDING, 0.5)]
