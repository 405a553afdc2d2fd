"""Escalation: a call nobody has answered within escalate_after_seconds of its press (the true press, from
the kiosk's age) is marked escalated and sent to the escalation channels, once however many hub processes
look: a conditional UPDATE decides which process wins."""

from __future__ import annotations

from kiosk.hub import helpcalls
from kiosk.hub.database import HubDatabase
from kiosk.hub.notify import outbox


def escalate_due(hub: HubDatabase, now: float) -> list[tuple[int, str]]:
    """Calls nobody has answered within escalate_after_seconds of the press: marked escalated (once, however
    many hub processes look) and sent to the escalation channels. Returns (room_id, call_id) escalated."""
    settings = outbox.settings_of(hub)
    HelpCall = hub.models.HelpCall
    due = (HelpCall.select(HelpCall.id, HelpCall.room, HelpCall.call_id)
           .where((HelpCall.state == helpcalls.RAISED) & (HelpCall.rank >= 0) & HelpCall.escalated_at.is_null()
                  & (HelpCall.raised_at <= now - settings.escalate_after_seconds)
                  & (HelpCall.raised_at > now - outbox.STALE_CALL_SECONDS)).tuples())
    done = []
    for call_pk, room_id, call_id in list(due):
        with hub.write():
            won = HelpCall.update(escalated_at=now).where(
                (HelpCall.id == call_pk) & HelpCall.escalated_at.is_null() & (HelpCall.state == helpcalls.RAISED)
            ).execute()
            if won:
                outbox.call_changed(hub, room_id, call_id, outbox.ESCALATED, now)
                helpcalls.bump(hub, room_id)
                done.append((room_id, call_id))
    return done
