"""What the facilitator layer says, in words for the adults: plain about what matters, never alarming.

Pure functions of a RoomView, so they are tested without a window.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

from kiosk.roomview import RoomView
from kiosk.session.glyph import Glyph
from kiosk.session.plan import Phase
from kiosk.sync.status import summary

PHASE_NAMES = {Phase.WELCOME: "Not in a session", Phase.OPENING: "Opening", Phase.HOLDING: "Holding",
               Phase.CLOSING: "Closing", Phase.DONE: "Session ended"}


def clock_time(ts: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M")


def minutes_left(remaining: float | None) -> tuple[str, str]:
    """("12", "minutes") for the screen, or ("", "") when time is up or unknown."""
    if remaining is None or remaining <= 0:
        return "", ""
    n = max(1, math.ceil(remaining / 60.0))
    return str(n), "minute" if n == 1 else "minutes"


def session_line(view: RoomView) -> str:
    name = PHASE_NAMES[view.phase]
    if view.phase in (Phase.WELCOME, Phase.DONE):
        return f"{name} · plan “{view.plan.name}”"
    if view.invites_closing:
        timing = "planned time is over"
    elif view.remaining is not None:
        n, unit = minutes_left(view.remaining)
        timing = f"{n} {unit} left" if n else "time is up"
    else:
        timing = ""
    resumed = " · resumed after a restart" if view.interrupted else ""
    broken = "" if view.health.journal_ok else " · the log cannot be written: check the disk"
    return f"{name} · {timing} · plan “{view.plan.name}”{resumed}{broken}"


def help_line(view: RoomView) -> str:
    g = view.glyph
    h = view.health
    if g is Glyph.SENDING:
        return "Help call: sending to the hub…"
    if g is Glyph.DELIVERED:
        return "Help call: delivered, staff have it."
    if g is Glyph.COMING:
        by = view.help_call.by if view.help_call and view.help_call.by else "staff"
        return f"Help call: help is coming ({by})."
    if g is Glyph.NOT_DELIVERED:
        if not h.journal_ok:
            why = "the kiosk cannot write its log (is the disk full?)"
        elif not h.hub_configured:
            why = "no hub is configured"
        elif h.hub_key_refused:
            why = "the hub refused this kiosk's key (ask whoever runs the hub)"
        elif h.hub_reachable is False:
            why = "the hub cannot be reached"
        else:
            why = "the hub has not confirmed it"
        return f"Help call NOT delivered: {why}. Get help another way."
    return "Help call: none."


def button_line(view: RoomView) -> str:
    h = view.health
    if not h.button_configured:
        return f"Help button: {h.button_detail}."
    if h.button_ok:
        return f"Help button: ok · {h.button_detail}."
    return f"Help button FAULT: {h.button_detail}. Check its cable."


def sync_line(view: RoomView, zone: tzinfo) -> str:
    h = view.health
    line = summary(h, zone).replace("\n", " · ")
    if h.hub_configured and h.hub_reachable is False and not h.hub_key_refused:
        line += " · hub unreachable"
    return "Sync: " + line
