"""Hypothesis strategies for plans and facilitator action sequences."""

from __future__ import annotations

from hypothesis import strategies as st

from kiosk.session.plan import Phase, Plan

START = 1_780_000_000.0

leads = st.lists(st.floats(min_value=10, max_value=900, allow_nan=False), max_size=3).map(tuple)


@st.composite
def plans(draw, hard_end: bool | None = None) -> Plan:
    has_hard_end = draw(st.booleans()) if hard_end is None else hard_end
    return Plan(
        name="p",
        opening=draw(st.floats(min_value=30, max_value=900)),
        holding=draw(st.floats(min_value=60, max_value=3600)),
        closing=draw(st.floats(min_value=30, max_value=900)),
        hard_end="10:45" if has_hard_end else None,
        cue_leads={Phase.OPENING: draw(leads), Phase.HOLDING: draw(leads), Phase.CLOSING: draw(leads)},
    )


ACTIONS = ("begin", "continue", "closing", "extend", "end", "tick", "step")

actions = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.floats(min_value=0, max_value=2400, allow_nan=False)),
    max_size=25)
