"""Help calls at the hub: folded from uploaded help.* events and from staff actions.

A call's rank only ever grows (raised < acknowledged < resolved | cancelled), enforced by a conditional
UPDATE so two hub processes (or a kiosk echo racing a staff click) can never move it backwards. Every
change bumps the room's help_version, which long polls in any hub process watch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kiosk.hub.database import HubDatabase
from kiosk.session import facts as F
from kiosk.session.help import HUB_STATES, KIND_STATE, HelpState, presses_of
from kiosk.session.help import RANK as HELP_RANK

# The kiosk's help-call states and ranks (kiosk/session/help.py), as plain text for the database; the hub
# has no "delivered": it is the one that delivers.
RAISED, ACKNOWLEDGED, RESOLVED, CANCELLED = (str(s) for s in (HelpState.RAISED, HelpState.ACKNOWLEDGED,
                                                               HelpState.RESOLVED, HelpState.CANCELLED))
RANK = {str(state): HELP_RANK[state] for state in HUB_STATES}
OPEN_STATES = tuple(str(state) for state in HUB_STATES if state.open)
_KIND_STATE = {kind: str(state) for kind, state in KIND_STATE.items() if state in HUB_STATES}
RECENT_SECONDS = 3600


@dataclass(frozen=True)
class CallView:
    room_id: int
    room: str
    call_id: str
    state: str
    by: str | None
    raised_at: float | None
    acknowledged_at: float | None
    acknowledged_by: str | None
    closed_at: float | None
    changed_at: float
    reached_at: float | None = None
    escalated_at: float | None = None


def apply_event(hub: HubDatabase, room_id: int, kind: str, payload: dict[str, Any],
                session_id: str | None, now: float, clock_trusted: bool = True, age: float | None = None) -> bool:
    """Applies one newly stored help.* event; True when a call changed. Runs inside the ingest transaction,
    and so do the staff alerts it writes to the outbox.

    When the press happened: the kiosk's `age` (seconds since the press on its steady clock, sent with the
    call and with every resend) counts back from now, whatever the kiosk's wall clock says. Without it, a
    trusted wall clock's `at`; a kiosk whose wall clock is not trusted (no network time since boot) may be
    hours off, so then the hub's own receiving time stands in.
    """
    from kiosk.hub.notify import outbox

    if kind == F.HELP_REPEATED:
        changed = pressed_again(hub, room_id, str(payload["call_id"]), presses_of(payload), now)
        call = _call(hub, room_id, str(payload["call_id"]))
        if call is not None and call.state == RAISED and call.rank >= 0:
            outbox.call_changed(hub, room_id, call.call_id, outbox.PRESSED_AGAIN, now)
        return changed
    state = _KIND_STATE.get(kind)
    if state is None:
        return False
    call_id = payload["call_id"]
    at = payload.get("at") if clock_trusted and isinstance(payload.get("at"), (int, float)) else now
    if state == RAISED:
        pressed = now - age if age is not None else at
        HelpCall = hub.models.HelpCall
        where = (HelpCall.room == room_id) & (HelpCall.call_id == call_id)
        changed = HelpCall.get_or_none(where) is None
        if changed:
            HelpCall.insert(room=room_id, call_id=call_id, state=RAISED, rank=0,
                            source=str(payload.get("source") or "button")[:32], session_id=session_id,
                            raised_at=pressed, reached_at=now, changed_at=now).on_conflict_ignore().execute()
            outbox.call_changed(hub, room_id, call_id, outbox.RAISED, now)
        else:
            if HelpCall.update(raised_at=pressed, session_id=session_id).where(
                    where & HelpCall.raised_at.is_null()).execute():
                bump(hub, room_id)  # the board shows when it was pressed (kiosk/hub/boardcache.py)
    else:
        changed = advance(hub, room_id, call_id, state, payload.get("by"), at, now)
        if changed:
            outbox.call_changed(hub, room_id, call_id, state, now, by=payload.get("by"))
    if changed:
        bump(hub, room_id)
    return changed


def _call(hub: HubDatabase, room_id: int, call_id: str):
    HelpCall = hub.models.HelpCall
    return HelpCall.get_or_none((HelpCall.room == room_id) & (HelpCall.call_id == call_id))


def advance(hub: HubDatabase, room_id: int, call_id: str, state: str, by: str | None, at: float,
            now: float) -> bool:
    """Moves the call forward to state (creating it if this is the first news of it); never backwards."""
    HelpCall = hub.models.HelpCall
    rank = RANK[state]
    HelpCall.insert(room=room_id, call_id=call_id, state=RAISED, rank=-1, reached_at=now,
                    changed_at=now).on_conflict_ignore().execute()
    values: dict[str, Any] = {"state": state, "rank": rank, "changed_at": now}
    if state == ACKNOWLEDGED:
        values.update(acknowledged_at=at, acknowledged_by=by)
    else:
        values.update(closed_at=at, closed_by=by)
    return bool(HelpCall.update(**values)
                .where((HelpCall.room == room_id) & (HelpCall.call_id == call_id) & (HelpCall.rank < rank))
                .execute())


def staff_action(hub: HubDatabase, room_id: int, call_id: str, state: str, by: str,
                 now: float | None = None) -> bool:
    now = now if now is not None else time.time()
    HelpCall = hub.models.HelpCall
    with hub.write():
        if HelpCall.get_or_none((HelpCall.room == room_id) & (HelpCall.call_id == call_id)) is None:
            return False
        changed = advance(hub, room_id, call_id, state, by, now, now)
        if changed:
            from kiosk.hub.notify import outbox

            outbox.call_changed(hub, room_id, call_id, state, now, by=by)
            bump(hub, room_id)
    return changed


def bump(hub: HubDatabase, room_id: int) -> None:
    Room = hub.models.Room
    Room.update(help_version=Room.help_version + 1).where(Room.id == room_id).execute()


def help_version(hub: HubDatabase, room_id: int) -> int:
    Room = hub.models.Room
    row = Room.select(Room.help_version).where(Room.id == room_id).first()
    return row.help_version if row else 0


def calls(hub: HubDatabase, room_id: int | None = None, now: float | None = None,
          recent_seconds: float = RECENT_SECONDS) -> list[CallView]:
    """Open calls, and calls that changed in the last hour; open ones first, newest first."""
    now = now if now is not None else time.time()
    HelpCall, Room = hub.models.HelpCall, hub.models.Room
    query = (HelpCall.select(HelpCall, Room.id, Room.name).join(Room)
             .where(HelpCall.state.in_(OPEN_STATES) | (HelpCall.changed_at >= now - recent_seconds)))
    if room_id is not None:
        query = query.where(HelpCall.room == room_id)
    views = [_view(c) for c in query]
    views.sort(key=lambda v: (v.state not in OPEN_STATES, -(v.raised_at or v.changed_at)))
    return views


def pressed_again(hub: HubDatabase, room_id: int, call_id: str, presses: int, now: float) -> bool:
    """A help.repeated newly stored (each exactly once, by its UUID): the call's count grows by its presses."""
    HelpCall = hub.models.HelpCall
    HelpCall.insert(room=room_id, call_id=call_id, state=RAISED, rank=-1, reached_at=now,
                    changed_at=now).on_conflict_ignore().execute()
    HelpCall.update(pressed_again=HelpCall.pressed_again + presses).where(
        (HelpCall.room == room_id) & (HelpCall.call_id == call_id)).execute()
    bump(hub, room_id)
    return True


def presses_again(hub: HubDatabase, open_calls: list[CallView]) -> dict[str, int]:
    """How often the support person pressed again on each open call: a repeat is a louder call."""
    HelpCall = hub.models.HelpCall
    wanted = {(c.room_id, c.call_id) for c in open_calls}
    if not wanted:
        return {}
    rows = (HelpCall.select(HelpCall.room, HelpCall.call_id, HelpCall.pressed_again)
            .where(HelpCall.call_id.in_([c for _, c in wanted]) & (HelpCall.pressed_again > 0)).tuples())
    return {call_id: n for room_id, call_id, n in rows if (room_id, call_id) in wanted}


def open_counts(hub: HubDatabase) -> dict[int, int]:
    from peewee import fn

    HelpCall = hub.models.HelpCall
    query = (HelpCall.select(HelpCall.room, fn.COUNT(HelpCall.id).alias("n"))
             .where(HelpCall.state.in_(OPEN_STATES) & (HelpCall.rank >= 0)).group_by(HelpCall.room))
    return {row.room_id: row.n for row in query}


def _view(c) -> CallView:
    by = c.closed_by if c.state in (RESOLVED, CANCELLED) and c.closed_by else c.acknowledged_by
    return CallView(c.room.id, c.room.name, c.call_id, c.state, by, c.raised_at, c.acknowledged_at,
                    c.acknowledged_by, c.closed_at, c.changed_at, c.reached_at, c.escalated_at)

