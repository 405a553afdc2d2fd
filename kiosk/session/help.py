"""The help-call lifecycle: raised -> delivered -> acknowledged -> resolved, or cancelled.

"Delivered" means the hub committed the call. While a call is raised but not
delivered and the hub cannot be reached, the adults in the room must be told
plainly that it was NOT delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from kiosk.session import facts as F
from kiosk.session.facts import Fact


REPEAT_WITHIN = 600.0          # another press this soon after an unanswered call is the same call
REPEAT_JOURNAL_EVERY = 5.0     # a chattering button journals at most one repeat per call this often
STALE_CALL_AFTER = 4 * 3600.0  # a call still open this long across a restart is closed as expired


class HelpState(StrEnum):
    RAISED = "raised"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        return self in (HelpState.RAISED, HelpState.DELIVERED, HelpState.ACKNOWLEDGED)


RANK = {HelpState.RAISED: 0, HelpState.DELIVERED: 1, HelpState.ACKNOWLEDGED: 2,
         HelpState.RESOLVED: 3, HelpState.CANCELLED: 3}
# The journalled kind that puts a call in each state: the one list the kiosk, the hub and the tests derive theirs from.
KIND_STATE = {F.HELP_RAISED: HelpState.RAISED, F.HELP_DELIVERED: HelpState.DELIVERED,
              F.HELP_ACKNOWLEDGED: HelpState.ACKNOWLEDGED, F.HELP_RESOLVED: HelpState.RESOLVED,
              F.HELP_CANCELLED: HelpState.CANCELLED}
# The states a call has at the hub (and in its answers to the kiosk): the hub is the one that delivers.
HUB_STATES = tuple(state for state in HelpState if state is not HelpState.DELIVERED)


@dataclass
class HelpCall:
    call_id: str
    raised_at: float
    source: str
    session_id: str | None = None
    state: HelpState = HelpState.RAISED
    times: dict[str, float] = field(default_factory=dict)
    by: str | None = None


class HelpCalls:
    """All help calls, folded from the journal. Late or repeated news never moves a call backwards."""

    def __init__(self) -> None:
        self.calls: dict[str, HelpCall] = {}

    def apply(self, fact: Fact, session_id: str | None = None) -> HelpCall | None:
        d = fact.data
        call_id = d.get("call_id")
        if fact.kind == F.HELP_RAISED:
            if call_id in self.calls:
                return None
            call = HelpCall(call_id, d["at"], d.get("source", "button"), session_id)
            call.times[HelpState.RAISED] = d["at"]
            self.calls[call_id] = call
            return call
        target = KIND_STATE.get(fact.kind)
        call = self.calls.get(call_id)
        if target is None or call is None or not call.state.open:
            return None
        if RANK[target] <= RANK[call.state]:  # a cancel outranks every open state, so it always closes
            return None
        call.state = target
        call.times[target] = d["at"]
        if d.get("by"):
            call.by = d["by"]
        return call

    def open_call(self) -> HelpCall | None:
        open_calls = [c for c in self.calls.values() if c.state.open]
        return max(open_calls, key=lambda c: c.raised_at) if open_calls else None

    def undelivered(self) -> list[HelpCall]:
        return [c for c in self.calls.values() if c.state is HelpState.RAISED]


def raise_call(call_id: str, now: float, source: str) -> Fact:
    return Fact(F.HELP_RAISED, {"at": now, "call_id": call_id, "source": source})


def change_call(kind: str, call_id: str, now: float, by: str | None = None) -> Fact:
    data: dict = {"at": now, "call_id": call_id}
    if by:
        data["by"] = by
    return Fact(kind, data)


# --- the press rules ----------------------------------------------------------------------------


def is_repeat(open_call: HelpCall | None, now: float) -> bool:
    """A press soon after a call nobody has answered yet is that call again (a louder call).

    A press after staff answered, or long after, is a new call: the person in the room needs help
    again, and "on my way" for the old call says nothing about this one.
    """
    return (open_call is not None and open_call.state in (HelpState.RAISED, HelpState.DELIVERED)
            and now - open_call.raised_at < REPEAT_WITHIN)


def stale_calls(calls: HelpCalls, now: float) -> list[HelpCall]:
    """Calls a restart finds still open hours later: nobody is waiting on them any more."""
    return [c for c in calls.calls.values() if c.state.open and now - c.raised_at > STALE_CALL_AFTER]


@dataclass(frozen=True)
class Repeats:
    """Presses again on one call: when a help.repeated was last journalled, and how many wait."""

    call_id: str
    written_at: float | None = None  # monotonic seconds
    held: int = 0


def press_again(tally: Repeats, mono: float) -> tuple[Repeats, int]:
    """One more press on the call: (the new tally, how many presses to journal now; 0 holds them).

    The first press again is journalled at once (staff see "pressed again" without delay); a
    button chattering 2,000 times in a second becomes one event with a count, not 2,000 rows.
    """
    held = tally.held + 1
    if tally.written_at is None or mono - tally.written_at >= REPEAT_JOURNAL_EVERY:
        return replace(tally, written_at=mono, held=0), held
    return replace(tally, held=held), 0


def presses_of(payload: dict) -> int:
    """How many presses one help.repeated stands for (a chattering button is coalesced into one event)."""
    n = payload.get("presses")
    return n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 1_000_000 else 1


def repeats_due(tally: Repeats, mono: float) -> tuple[Repeats, int]:
    """Held presses whose wait is over: (the new tally, how many to journal now)."""
    if tally.held and tally.written_at is not None and mono - tally.written_at >= REPEAT_JOURNAL_EVERY:
        return replace(tally, written_at=mono, held=0), tally.held
    return tally, 0
