"""The cue schedule: gentle signals at lead times before a phase's planned end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kiosk.session.plan import Phase


@dataclass(frozen=True, order=True)
class Cue:
    at: float
    phase: Phase
    lead: float


def cue_schedule(phase: Phase, start: float, planned_end: float, leads: Iterable[float]) -> list[Cue]:
    """Cues for one phase, earliest first.

    A lead longer than the phase itself is dropped: a "five minutes left"
    signal the moment a three-minute phase begins would only startle.
    """
    cues = {
        Cue(planned_end - lead, phase, lead)
        for lead in leads
        if lead > 0 and planned_end - lead > start
    }
    return sorted(cues)
