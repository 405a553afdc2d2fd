"""What the facilitator's corner glyph says, from the help call, the hub and the button.

Adults in the room learn these shapes; nothing a child would read as alarm.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.session.help import HelpCall, HelpState


class Glyph(StrEnum):
    QUIET = "quiet"
    SENDING = "sending"
    DELIVERED = "delivered"
    COMING = "coming"
    NOT_DELIVERED = "not_delivered"
    BUTTON_FAULT = "button_fault"


SENDING_AT_MOST = 15.0


def glyph_for(call: HelpCall | None, hub_configured: bool, hub_reachable: bool | None,
              button_fault: bool, now: float | None = None) -> Glyph:
    """An open call always outranks a button fault.

    hub_reachable is None while the first attempt is still under way. "Sending" never lasts:
    a call the hub has not confirmed within SENDING_AT_MOST seconds is NOT delivered, whatever
    the reason (a stalled uploader, a call the hub refused, a journal that could not write it).
    """
    if call is not None and call.state.open:
        if call.state is HelpState.ACKNOWLEDGED:
            return Glyph.COMING
        if call.state is HelpState.DELIVERED:
            return Glyph.DELIVERED
        if not hub_configured or hub_reachable is False:
            return Glyph.NOT_DELIVERED
        if now is not None and now - call.raised_at > SENDING_AT_MOST:
            return Glyph.NOT_DELIVERED
        return Glyph.SENDING
    if button_fault:
        return Glyph.BUTTON_FAULT
    return Glyph.QUIET
