"""Recent sessions from the journal: `kiosk sessions` prints them in words a facilitator reads, and the
USB export writes the same facts as rows of sessions.csv (both from `summarise`), in the kiosk's language.

Each phase says what set its schedule: the plan ("planned 10:17:00-10:57:00"), or the hard end ("shortened
from 40.0 min to keep the hard end", "closing by 10:45 (hard end)", "too late to end by the hard end")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Callable, Iterable

from kiosk import language
from kiosk.clock import local_day
from kiosk.language import N_, _
from kiosk.local_time import clock, day, day_and_time
from kiosk.session import facts as F
from kiosk.session.help import HelpCall, HelpCalls, presses_of
from kiosk.session.machine import PhaseTimes, SessionState, rebuild
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
        """How it ended, in words ("completed", "unfinished, in Holding")."""
        return how_it_ended(self)


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
    return clock(ts, zone, seconds=True) if ts else "-"


def minutes_text(seconds: float | None) -> str:
    """"3.8 min" in the locale's decimals ("3,8 Min."); "-" while not known."""
    if seconds is None:
        return "-"
    from babel.numbers import format_decimal

    # TRANSLATORS: a length in minutes with one decimal, in `kiosk sessions` and sessions.csv ("3.8 min")
    return _("{minutes} min").format(minutes=format_decimal(round(seconds / 60, 1), "0.0",
                                                            locale=language.babel_locale()))


PHASE_WORDS = {"opening": N_("Opening"), "holding": N_("Holding"), "closing": N_("Closing"), "done": N_("Ending")}
_BEGAN = {("opening", "hold"): N_("held to begin"),
          ("holding", "hold"): N_("held to continue early"), ("holding", "timer"): N_("when the opening's time was up"),
          ("closing", "closing_now"): N_("held to close")}
_ENDED = {"ended_early": N_("ended early"), "abandoned": N_("ended: the kiosk was off for hours"),
          "completed": N_("completed")}
_SOURCES = {"button": N_("help button"), "keyboard": N_("keyboard")}
ON_PLAN = 30.0  # a phase within this of its planned length ran as planned
SAME_TIME = 1.0  # seconds: a planned end this close to the hard end is the hard end


def phase_word(phase: object) -> str:
    return _(PHASE_WORDS.get(str(phase), str(phase)))


def began(phase: str, reason: str) -> str:
    """How a phase began, in words: holding "held to continue early", not the opening's "held to begin"."""
    words = _BEGAN.get((str(phase), reason)) or _ENDED.get(reason)
    return _(words) if words else reason


def how_it_ended(s: SessionSummary) -> str:
    """"completed", "ended early", or "unfinished, in Holding"."""
    reason = s.state.end_reason
    if reason:
        return _(_ENDED[reason]) if reason in _ENDED else reason
    return _("unfinished, in {phase}").format(phase=phase_word(s.state.phase))


def against_plan(planned: float | None, actual: float | None) -> str:
    """"as planned", "3.8 min over" or "2.0 min short"; "" while the phase has not ended."""
    if planned is None or actual is None:
        return ""
    diff = actual - planned
    if abs(diff) < ON_PLAN:
        return _("as planned")
    if diff > 0:
        return _("{length} over").format(length=minutes_text(abs(diff)))
    return _("{length} short").format(length=minutes_text(abs(diff)))


def hard_end_shaped(state: SessionState, p: PhaseTimes) -> str:
    """What the hard end did to this phase's schedule: "shortened" (holding, to keep the closing whole),
    "by" (a closing scheduled to end at the hard end), "missed" (a closing that could not end by it), or ""."""
    if state.hard_end_at is None or state.plan is None or p.planned_end is None:
        return ""
    length = p.planned_end - p.planned_start
    if str(p.phase) == "holding" and length < state.plan.holding - SAME_TIME:
        return "shortened"
    if str(p.phase) == "closing":
        if abs(p.planned_end - state.hard_end_at) <= SAME_TIME:
            return "by"
        if p.planned_end > state.hard_end_at + SAME_TIME:
            return "missed"
    return ""


def schedule_text(state: SessionState, p: PhaseTimes, zone: tzinfo) -> str:
    """The phase's schedule as it stood when it began, and who set it: the plan, or the hard end."""
    shaped = hard_end_shaped(state, p)
    span = f"{_t(p.planned_start, zone)}-{_t(p.planned_end, zone)}"
    if shaped == "shortened":
        return _("planned {span}, shortened from {length} to keep the hard end").format(
            span=span, length=minutes_text(state.plan.holding if state.plan else None))
    if shaped == "by":
        return _("closing by {time} (hard end)").format(time=clock(p.planned_end, zone))
    if shaped == "missed":
        return _("planned {span}: too late to end by the hard end").format(span=span)
    return _("planned {span}").format(span=span)


def call_story(call: HelpCall, records: Iterable[EventRecord], zone: tzinfo,
               time_of: Callable[[float | None, tzinfo], str] | None = None) -> str:
    """Every step of one help call with its time and who answered: an acknowledgement stays told once resolved.
    time_of: how a time is written (sessions.csv says "?" where the report says "-")."""
    time_of = time_of or _t
    source = _(_SOURCES[call.source]) if call.source in _SOURCES else call.source
    steps = [_("raised {time} ({source})").format(time=time_of(call.raised_at, zone), source=source)]
    words = {F.HELP_DELIVERED: N_("delivered {time}"), F.HELP_ACKNOWLEDGED: N_("acknowledged {time}"),
             F.HELP_RESOLVED: N_("resolved {time}"), F.HELP_CANCELLED: N_("cancelled {time}")}
    presses, told = 0, set()
    for r in records:
        if r.payload.get("call_id") != call.call_id:
            continue
        if r.kind == F.HELP_REPEATED:
            presses += presses_of(r.payload)
        elif r.kind in words and r.kind not in told:  # the first news of each step; a repeat adds nothing
            told.add(r.kind)
            step = _(words[r.kind]).format(time=time_of(r.payload.get("at", r.wall), zone))
            if r.payload.get("by"):
                step = _("{step} by {who}").format(step=step, who=r.payload["by"])
            steps.append(step)
    if presses:
        steps.insert(1, _("pressed again ×{n}").format(n=presses))
    return "; ".join(steps)


def describe_sessions(journal: Journal, zone: tzinfo, limit: int = 10) -> str:
    starts = journal.records(kinds=[F.SESSION_STARTED], newest_first=True, limit=limit)
    if not starts:
        return _("no sessions in the journal yet")
    return "\n\n".join(describe(summarise(start, journal.records(session_id=start.session_id)), zone)
                       for start in starts)


def hard_end_text(started_at: float, hard_end_at: float, zone: tzinfo) -> str:
    """The hard end as the session met it: with its day when that is not the day it began, and said to have
    passed already when the session began after it (a 10:45 end and an 11:00 start)."""
    when = (clock(hard_end_at, zone) if local_day(hard_end_at, zone) == local_day(started_at, zone)
            else day_and_time(hard_end_at, zone))
    if hard_end_at <= started_at:
        return _("must end by {time}, which had passed when the session began").format(time=when)
    return _("must end by {time}").format(time=when)


def describe(s: SessionSummary, zone: tzinfo) -> str:
    start, state = s.start, s.state
    plan = state.plan
    lines = [f"{day(start.wall, zone)} {clock(start.wall, zone)}  {plan.name if plan else '?'}  "
             f"[{how_it_ended(s)}]  id {start.session_id}"]
    if state.hard_end_at:
        lines.append("  " + hard_end_text(start.wall, state.hard_end_at, zone))
    width = max(len(phase_word(p)) for p in PHASE_WORDS)
    for p in state.phases:
        if str(p.phase) == "done":
            continue
        planned_len = (p.planned_end - p.planned_start) if p.planned_end else None
        actual_len = (p.actual_end - p.actual_start) if p.actual_end else None
        versus = against_plan(planned_len, actual_len)
        lengths = _("planned {planned}, actual {actual}").format(planned=minutes_text(planned_len),
                                                                  actual=minutes_text(actual_len))
        lines.append(f"  {phase_word(p.phase):<{width}}  {schedule_text(state, p, zone)}; "
                     + (_("ran {span}").format(span=f"{_t(p.actual_start, zone)}-{_t(p.actual_end, zone)}")
                        if p.actual_end else _("running since {time}").format(time=_t(p.actual_start, zone)))
                     + f"; {lengths}{f' ({versus})' if versus else ''}; "
                     + _("began: {how}").format(how=began(p.phase, p.reason)))
    for phase, seconds in state.extensions:
        lines.append("  " + _("{phase} extended by {length}").format(phase=phase_word(phase),
                                                                    length=minutes_text(seconds)))
    for r in s.records:
        d = r.payload
        if r.kind == F.SESSION_INTERRUPTED and d.get("length_known", True):
            lines.append("  " + _interruption(d, zone))
        elif r.kind == F.SESSION_INTERRUPTED:
            lines.append("  " + _("interrupted until {time} for an unknown time: the clock went back across the "
                                  "restart").format(time=_t(d["to"], zone)))
        elif r.kind == F.CLOCK_STEPPED:
            lines.append("  " + _("at {time} the wall clock jumped {offset} s; the session's times moved with "
                                  "it").format(time=_t(d["at"], zone), offset=f"{d['offset']:+.0f}"))
    for call in s.calls:
        lines.append("  " + _("help call: {story}").format(story=call_story(call, s.records, zone)))
    return "\n".join(lines)


def _interruption(d: dict, zone) -> str:
    """What is known of an outage: the last sign of life (an event or the heartbeat), by when the kiosk had
    stopped (the heartbeat that never came), when it was back."""
    start, down_by, back = d["from"], d.get("down_by"), d["to"]
    if down_by is None:  # written before the kiosk recorded the heartbeat that never came
        return _("interrupted {start}-{back} ({length}): the kiosk was off or restarted").format(
            start=_t(start, zone), back=_t(back, zone), length=minutes_text(d["seconds"]))
    if down_by >= back:
        return _("interrupted: last sign of life {start}, back at {back} (off at most {length}; when it stopped "
                 "is not known)").format(start=_t(start, zone), back=_t(back, zone), length=minutes_text(d["seconds"]))
    return _("interrupted: the kiosk stopped between {start} (its last sign of life) and {down_by} (the heartbeat "
             "that did not come), back at {back} (off {least} to {most})").format(
        start=_t(start, zone), down_by=_t(down_by, zone), back=_t(back, zone),
        least=minutes_text(d["seconds_at_least"]), most=minutes_text(d["seconds"]))
