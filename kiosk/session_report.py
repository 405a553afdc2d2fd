"""Recent sessions from the journal: `kiosk sessions` prints them in words a facilitator reads, and the
USB export writes the same facts as rows of sessions.csv (both from `summarise`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Iterable

from kiosk.session import facts as F
from kiosk.session.help import HelpCall, HelpCalls
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


BEGAN = {"hold": "held to begin", "timer": "on time", "closing_now": "closing now",
         "ended_early": "ended early", "abandoned": "ended: the kiosk was off for hours"}


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
    lines.append("  phase      planned               actual")
    for p in state.phases:
        if str(p.phase) == "done":
            continue
        planned_len = (p.planned_end - p.planned_start) if p.planned_end else None
        actual_len = (p.actual_end - p.actual_start) if p.actual_end else None
        lines.append(f"  {p.phase!s:<9}  {_t(p.planned_start, zone)}-{_t(p.planned_end, zone)}  "
                     f"{_t(p.actual_start, zone)}-{_t(p.actual_end, zone)}  "
                     f"planned {_mins(planned_len)}, actual {_mins(actual_len)}  ({BEGAN.get(p.reason, p.reason)})")
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
        by = f" by {call.by}" if call.by else ""
        lines.append(f"  help call {_t(call.raised_at, zone)} ({call.source}): {call.state}{by}")
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
