"""Plans: the shape of a session as the facilitator prepared it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping


class Phase(StrEnum):
    WELCOME = "welcome"
    OPENING = "opening"
    HOLDING = "holding"
    CLOSING = "closing"
    DONE = "done"

    @property
    def rank(self) -> int:
        return PHASE_ORDER.index(self)

    @property
    def next(self) -> "Phase":
        return PHASE_ORDER[min(self.rank + 1, len(PHASE_ORDER) - 1)]


PHASE_ORDER = (Phase.WELCOME, Phase.OPENING, Phase.HOLDING, Phase.CLOSING, Phase.DONE)
RITUAL_PHASES = (Phase.OPENING, Phase.HOLDING, Phase.CLOSING)



def N_(message: str) -> str:
    """Marks a default prompt for the translators' catalog; the screen translates it where it shows it."""
    return message


DEFAULT_PROMPTS: Mapping[Phase, str] = {
    Phase.WELCOME: N_("Welcome. When you are ready, hold to begin."),
    Phase.OPENING: N_("Arriving. Let's begin together."),
    Phase.HOLDING: N_("This is our time. The space is held."),
    Phase.CLOSING: N_("Coming together to close."),
    Phase.DONE: N_("Thank you for today."),
}

DEFAULT_CUE_LEADS: Mapping[Phase, tuple[float, ...]] = {
    Phase.OPENING: (60.0,),
    Phase.HOLDING: (300.0, 120.0),
    Phase.CLOSING: (60.0,),
}


@dataclass(frozen=True)
class Plan:
    """A session plan. Durations and cue lead times are in seconds."""

    name: str
    opening: float = 300.0
    holding: float = 2400.0
    closing: float = 300.0
    hard_end: str | None = None
    cue_leads: Mapping[Phase, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_CUE_LEADS))
    prompts: Mapping[Phase, str] = field(default_factory=lambda: dict(DEFAULT_PROMPTS))

    def length(self, phase: Phase) -> float:
        return {Phase.OPENING: self.opening, Phase.HOLDING: self.holding,
                Phase.CLOSING: self.closing}.get(phase, 0.0)

    def leads(self, phase: Phase) -> tuple[float, ...]:
        return tuple(self.cue_leads.get(phase, ()))

    def prompt(self, phase: Phase) -> str:
        return self.prompts.get(phase) or DEFAULT_PROMPTS[phase]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "opening": self.opening,
            "holding": self.holding,
            "closing": self.closing,
            "hard_end": self.hard_end,
            "cue_leads": {str(p): list(v) for p, v in self.cue_leads.items()},
            "prompts": {str(p): v for p, v in self.prompts.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Plan":
        return cls(
            name=str(data["name"]),
            opening=float(data["opening"]),
            holding=float(data["holding"]),
            closing=float(data["closing"]),
            hard_end=data.get("hard_end"),
            cue_leads={Phase(p): tuple(float(x) for x in v) for p, v in data.get("cue_leads", {}).items()},
            prompts={Phase(p): str(v) for p, v in data.get("prompts", {}).items()},
        )
