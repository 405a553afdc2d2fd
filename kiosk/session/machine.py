"""The session state machine.

welcome -> opening -> holding -> closing -> done. Opening flows into holding
when its time is up; holding ends only on the facilitator's action; closing
ends by itself after its full length. With a hard end, holding shrinks so
closing keeps its full length. Planned and actual times are both kept.

Every decision returns facts and applies them; `apply` is the only place
state changes, so a session rebuilt from its journal equals the live one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.session import facts as F
from kiosk.session.cues import Cue, cue_schedule
from kiosk.session.facts import Fact
from kiosk.session.plan import RITUAL_PHASES, Phase, Plan

EXTENSION_SECONDS = 300.0


class TransitionRefused(Exception):
    """A command that makes no sense in the current phase."""


@dataclass
class PhaseTimes:
    """planned_* is the schedule as it stood when the phase began (chained from the previous
    phase's planned end); target_end is the running deadline, moved by +5 min."""

    phase: Phase
    planned_start: float
    planned_end: float | None
    actual_start: float
    target_end: float | None
    actual_end: float | None = None
    reason: str = ""


@dataclass
class SessionState:
    session_id: str | None = None
    plan: Plan | None = None
    phase: Phase = Phase.WELCOME
    started_at: float | None = None
    hard_end_at: float | None = None
    phases: list[PhaseTimes] = field(default_factory=list)
    fired: set[tuple[str, float, float]] = field(default_factory=set)
    extensions: list[tuple[str, float]] = field(default_factory=list)
    interruptions: list[tuple[float, float]] = field(default_factory=list)
    ended_at: float | None = None
    end_reason: str | None = None

    @property
    def current(self) -> PhaseTimes | None:
        return self.phases[-1] if self.phases else None

    @property
    def active(self) -> bool:
        return self.phase in RITUAL_PHASES

    @property
    def deadline(self) -> float | None:
        """When the current phase is due to end (None outside a session). Every phase of a running
        session has a deadline (holding's is when closing is invited); the reads below go by it."""
        cur = self.current
        return cur.target_end if cur and self.active else None

    def remaining(self, now: float) -> float | None:
        end = self.deadline
        return None if end is None else end - now

    def progress(self, now: float) -> float:
        """0..1 through the current phase's planned time (1 when over)."""
        end = self.deadline
        if end is None:
            return 0.0
        start = self.phases[-1].actual_start
        span = end - start
        if span <= 0:
            return 1.0
        return max(0.0, min(1.0, (now - start) / span))

    def invites_closing(self, now: float) -> bool:
        end = self.deadline
        return self.phase is Phase.HOLDING and end is not None and now >= end

    def cues(self) -> list[Cue]:
        end = self.deadline
        if end is None or self.plan is None:
            return []
        cur = self.phases[-1]
        return cue_schedule(cur.phase, cur.actual_start, end, self.plan.leads(cur.phase))

    def cues_fired_in_phase(self) -> list[Cue]:
        return [c for c in self.cues() if (str(c.phase), c.lead, c.at) in self.fired]


class Session:
    """One session's decisions and state."""

    def __init__(self, state: SessionState | None = None) -> None:
        self.state = state or SessionState()

    # --- decisions -------------------------------------------------------

    def begin(self, plan: Plan, session_id: str, now: float, hard_end_at: float | None = None) -> list[Fact]:
        if self.state.active:
            raise TransitionRefused(f"a session is already in its {self.state.phase} phase")
        facts = [Fact(F.SESSION_STARTED, {"at": now, "plan": plan.to_dict(), "hard_end_at": hard_end_at}),
                 Fact(F.PHASE_CHANGED, {"at": now, "from": str(Phase.WELCOME), "to": str(Phase.OPENING),
                                        "reason": "hold", "planned_end": now + plan.opening})]
        return self._record(facts, session_id=session_id)

    def advance(self, now: float) -> list[Fact]:
        """Let time pass: due cues fire, opening and closing end when their time is up."""
        out: list[Fact] = []
        while True:
            step = self._next_timed(now)
            if not step:
                return out
            out.extend(self._record(step))

    def continue_to_holding(self, now: float) -> list[Fact]:
        if self.state.phase is not Phase.OPENING:
            raise TransitionRefused(f"continue needs the opening phase, not {self.state.phase}")
        return self._record([self._enter(Phase.HOLDING, now, "hold")])

    def go_to_closing(self, now: float) -> list[Fact]:
        if self.state.phase not in (Phase.OPENING, Phase.HOLDING):
            raise TransitionRefused(f"closing can start from opening or holding, not {self.state.phase}")
        return self._record([self._enter(Phase.CLOSING, now, "closing_now")])

    def extend(self, now: float, seconds: float = EXTENSION_SECONDS) -> list[Fact]:
        end = self.state.deadline
        if end is None:
            raise TransitionRefused("there is no running phase to extend")
        cur = self.state.phases[-1]
        new_end = max(end, now) + seconds
        return self._record([Fact(F.SESSION_EXTENDED, {"at": now, "phase": str(cur.phase),
                                                       "seconds": seconds, "planned_end": new_end})])

    def end_early(self, now: float, reason: str = "ended_early") -> list[Fact]:
        """The facilitator ends the session ("ended_early"), or a resume finds it long abandoned."""
        if not self.state.active:
            raise TransitionRefused("there is no session to end")
        return self._record([self._enter(Phase.DONE, now, reason),
                             Fact(F.SESSION_ENDED, {"at": now, "reason": reason})])

    def interrupted(self, went_down: float, came_back: float, length_known: bool = True,
                    down_by: float | None = None) -> list[Fact]:
        """The kiosk was off from some moment between went_down and down_by until came_back
        (after a crash or power cut); without down_by, from went_down itself."""
        if not self.state.active:
            return []
        down_by = went_down if down_by is None else min(max(down_by, went_down), came_back)
        return self._record([Fact(F.SESSION_INTERRUPTED, {
            "at": came_back, "from": went_down, "down_by": down_by, "to": came_back,
            "seconds": max(0.0, came_back - went_down), "seconds_at_least": max(0.0, came_back - down_by),
            "length_known": length_known})])

    def clock_stepped(self, offset: float, now: float) -> list[Fact]:
        """The wall clock jumped by offset seconds (NTP catching up, fake-hwclock after a power cut).

        The running session keeps its durations: its times move with the clock, so a forward
        step does not end a phase at once and a backward one does not stretch it.
        """
        if not self.state.active or offset == 0:
            return []
        return self._record([Fact(F.CLOCK_STEPPED, {"at": now, "offset": offset})])

    # --- the fold --------------------------------------------------------

    def apply(self, fact: Fact, session_id: str | None = None) -> None:
        s = self.state
        d = fact.data
        if fact.kind == F.SESSION_STARTED:
            self.state = s = SessionState(session_id=session_id, plan=Plan.from_dict(d["plan"]),
                                          started_at=d["at"], hard_end_at=d.get("hard_end_at"))
        elif fact.kind == F.PHASE_CHANGED:
            to = Phase(d["to"])
            if s.phases:
                s.phases[-1].actual_end = d["at"]
            target = d.get("planned_end")
            planned_start = s.phases[-1].planned_end if s.phases and s.phases[-1].planned_end else d["at"]
            planned_end = planned_start + (target - d["at"]) if target is not None else None
            s.phases.append(PhaseTimes(to, planned_start, planned_end, d["at"], target, reason=d["reason"]))
            s.phase = to
        elif fact.kind == F.SESSION_EXTENDED:
            if s.current is not None:
                s.current.target_end = d["planned_end"]
            s.extensions.append((d["phase"], d["seconds"]))
        elif fact.kind == F.CUE_FIRED:
            s.fired.add((d["phase"], d["lead"], d["cue_at"]))
        elif fact.kind == F.SESSION_ENDED:
            s.ended_at = d["at"]
            s.end_reason = d["reason"]
        elif fact.kind == F.SESSION_INTERRUPTED:
            s.interruptions.append((d["from"], d["to"]))
        elif fact.kind == F.CLOCK_STEPPED:
            _shift(s, d["offset"])

    # --- internals -------------------------------------------------------

    def _record(self, facts: list[Fact], session_id: str | None = None) -> list[Fact]:
        for fact in facts:
            self.apply(fact, session_id=session_id)  # only session.started reads it: the others are this session's
        return facts

    def _next_timed(self, now: float) -> list[Fact]:
        s = self.state
        at = s.deadline
        if at is None:
            return []
        if s.phase is Phase.OPENING and now >= at:
            return [self._enter(Phase.HOLDING, at, "timer")]
        if s.phase is Phase.CLOSING and now >= at:
            return [self._enter(Phase.DONE, at, "timer"), Fact(F.SESSION_ENDED, {"at": at, "reason": "completed"})]
        due = [c for c in s.cues() if c.at <= now and (str(c.phase), c.lead, c.at) not in s.fired]
        if due:
            c = due[0]
            return [Fact(F.CUE_FIRED, {"at": now, "cue_at": c.at,
                                       "phase": str(c.phase), "lead": c.lead})]
        return []

    def _enter(self, phase: Phase, at: float, reason: str) -> Fact:
        s = self.state
        assert s.plan is not None
        planned_end: float | None
        if phase is Phase.HOLDING:
            planned_end = at + s.plan.holding
            if s.hard_end_at is not None:
                planned_end = max(at, min(planned_end, s.hard_end_at - s.plan.closing))
        elif phase is Phase.CLOSING:
            planned_end = at + s.plan.closing
        else:
            planned_end = None
        return Fact(F.PHASE_CHANGED, {"at": at, "from": str(s.phase), "to": str(phase),
                                      "reason": reason, "planned_end": planned_end})


def _shift(s: SessionState, offset: float) -> None:
    """Move the session's times with a stepped clock; the hard end is a time of day and stays."""
    s.started_at = s.started_at + offset if s.started_at is not None else None
    for p in s.phases:
        p.planned_start += offset
        p.actual_start += offset
        p.planned_end = p.planned_end + offset if p.planned_end is not None else None
        p.target_end = p.target_end + offset if p.target_end is not None else None
        p.actual_end = p.actual_end + offset if p.actual_end is not None else None
    s.fired = {(phase, lead, at + offset) for phase, lead, at in s.fired}


def rebuild(records: list[tuple[Fact, str | None]]) -> Session:
    """Fold journal facts (with their session ids) into a session."""
    session = Session()
    for fact, session_id in records:
        if fact.kind in F.SESSION_KINDS:
            session.apply(fact, session_id=session_id)
    return session
