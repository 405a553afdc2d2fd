"""Recent sessions from the journal: `kiosk sessions` prints them in words a facilitator reads, and the
USB export writes the same facts as rows of sessions.csv (both from `summarise`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Iterable

from kiosk.session import facts as F
from kiosk.session.help import HelpCall, HelpCalls, presses_of
from kiosk.session.machine import SessionState, rebuild
from kiosk.session.record import EventRecord
from kiosk.store.journal import Journal


@dataclass(frozen=True)
class SessionSummary:
    """One session's facts, folded from its journal records."""

    start: EventRecord
    state: SessionState
    calls: tuple[HelpCall, ...]
    records: tuple[EventRecord, ...]

    @property
    def interruptions(self) -> list[EventRecord]:
        return [r for r in self.records if r.kind == F.SESSION_INTERRUPTED]

    @property
    def clock_steps(self) -> list[EventRecord]:
        return [r for r in self.records if r.kind == F.CLOCK_STEPPED]

    @property
    def cues(self) -> list[EventRecord]:
        return [r for r in self.records if r.kind == F.CUE_FIRED]

    @property
    def status(self) -> str:
        return self.state.end_reason or f"unfinished, in {self.state.phase}"


def summarise(start: EventRecord, records: Iterable[EventRecord]) -> SessionSummary:
    """start: the session.started record; records: every record of that session, in seq order."""
    records = tuple(records)
    state = rebuild([(r.fact, r.session_id) for r in records]).state
    calls = HelpCalls()
    for r in records:
        if r.kind in F.HELP_KINDS:
            calls.apply(r.fact, r.session_id)
    return SessionSummary(start, state, tuple(calls.calls.values()), records)


def _t(ts: float | None, zone: tzinfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M:%S") if ts else "  -     "


def _mins(seconds: float | None) -> str:
    return f"{seconds / 60:.1f} min" if seconds is not None else "-"


_BEGAN = {("opening", "hold"): "held to begin",
          ("holding", "hold"): "held to continue early", ("holding", "timer"): "when the opening's time was up",
          ("closing", "closing_now"): "held to close"}
_ENDED = {"ended_early": "ended early", "abandoned": "ended: the kiosk was off for hours"}
ON_PLAN = 30.0  # a phase within this of its planned length ran as planned


def began(phase: str, reason: str) -> str:
    """How a phase began, in words: holding "held to continue early", not the opening's "held to begin"."""
    return _BEGAN.get((str(phase), reason)) or _ENDED.get(reason) or reason


def against_plan(planned: float | None, actual: float | None) -> str:
    """"as planned", "3.8 min over" or "2.0 min short"; "" while the phase has not ended."""
    if planned is None or actual is None:
        return ""
    diff = actual - planned
    if abs(diff) < ON_PLAN:
        return "as planned"
    return f"{abs(diff) / 60:.1f} min {'over' if diff > 0 else 'short'}"


def call_story(call: HelpCall, records: Iterable[EventRecord], zone: tzinfo) -> str:
    """Every step of one help call with its time and who answered: an acknowledgement stays told once resolved."""
    steps = [f"raised {_t(call.raised_at, zone)} ({call.source})"]
    words = {F.HELP_DELIVERED: "delivered", F.HELP_ACKNOWLEDGED: "acknowledged", F.HELP_RESOLVED: "resolved",
             F.HELP_CANCELLED: "cancelled"}
    presses, told = 0, set()
    for r in records:
        if r.payload.get("call_id") != call.call_id:
            continue
        if r.kind == F.HELP_REPEATED:
            presses += presses_of(r.payload)
        elif r.kind in words and r.kind not in told:  # the first news of each step; a repeat adds nothing
            told.add(r.kind)
            by = f" by {r.payload['by']}" if r.payload.get("by") else ""
            steps.append(f"{words[r.kind]} {_t(r.payload.get('at', r.wall), zone)}{by}")
    if presses:
        steps.insert(1, f"pressed again ×{presses}")
    return "; ".join(steps)


def describe_sessions(journal: Journal, zone: tzinfo, limit: int = 10) -> str:
    starts = journal.records(kinds=[F.SESSION_STARTED], newest_first=True, limit=limit)
    if not starts:
        return "no sessions in the journal yet"
    return "\n\n".join(describe(summarise(start, journal.records(session_id=start.session_id)), zone)
                       for start in starts)


def describe(s: SessionSummary, zone: tzinfo) -> str:
    start, state = s.start, s.state
    day = datetime.fromtimestamp(start.wall, zone).strftime("%a %d %b %Y")
    plan = state.plan
    lines = [f"{day} {_t(start.wall, zone)}  {plan.name if plan else '?'}  [{s.status}]  id {start.session_id}"]
    if state.hard_end_at:
        lines.append(f"  must end by {_t(state.hard_end_at, zone)}")
    lines.append("  phase      planned (as it stood when the phase began)   actual")
    for p in state.phases:
        if str(p.phase) == "done":
            continue
        planned_len = (p.planned_end - p.planned_start) if p.planned_end else None
        actual_len = (p.actual_end - p.actual_start) if p.actual_end else None
        versus = against_plan(planned_len, actual_len)
        lines.append(f"  {p.phase!s:<9}  {_t(p.planned_start, zone)}-{_t(p.planned_end, zone)}  "
                     f"{_t(p.actual_start, zone)}-{_t(p.actual_end, zone)}  "
                     f"planned {_mins(planned_len)}, actual {_mins(actual_len)}{f' ({versus})' if versus else ''}"
                     f"  began: {began(p.phase, p.reason)}")
    for phase, seconds in state.extensions:
        lines.append(f"  extended {phase} by {_mins(seconds)}")
    for r in s.records:
        d = r.payload
        if r.kind == F.SESSION_INTERRUPTED and d.get("length_known", True):
            lines.append(_interruption(d, zone))
        elif r.kind == F.SESSION_INTERRUPTED:
            lines.append(f"  interrupted until {_t(d['to'], zone)} for an unknown time: "
                         "the clock went back across the restart")
        elif r.kind == F.CLOCK_STEPPED:
            lines.append(f"  at {_t(d['at'], zone)} the wall clock jumped {d['offset']:+.0f} s; "
                         "the session's times moved with it")
    for call in s.calls:
        lines.append(f"  help call: {call_story(call, s.records, zone)}")
    return "\n".join(lines)


def _interruption(d: dict, zone) -> str:
    """What is known of an outage: the last sign of life, by when the kiosk had stopped, when it was back."""
    start, down_by, back = d["from"], d.get("down_by"), d["to"]
    if down_by is None:  # written before the kiosk recorded the heartbeat that never came
        return f"  interrupted {_t(start, zone)}-{_t(back, zone)} ({_mins(d['seconds'])}): the kiosk was off or restarted"
    if down_by >= back:
        return (f"  interrupted: last sign of life {_t(start, zone)}, back at {_t(back, zone)} (off at most "
                f"{_mins(d['seconds'])}; when it stopped is not known)")
    return (f"  interrupted: the kiosk stopped between {_t(start, zone)} and {_t(down_by, zone)}, back at "
            f"{_t(back, zone)} (off {_mins(d['seconds_at_least'])} to {_mins(d['seconds'])})")
