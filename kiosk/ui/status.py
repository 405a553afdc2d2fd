"""What the facilitator layer says, in words for the adults: plain about what matters, never alarming.

Pure functions of a RoomView, so they are tested without a window.
"""

from __future__ import annotations

import math
from datetime import tzinfo

from kiosk.language import N_, _, ngettext

from kiosk.roomview import Health, RoomView
from kiosk.session.glyph import Glyph
from kiosk.session.plan import Phase
from kiosk.sync.status import summary

PHASE_NAMES = {Phase.WELCOME: N_("Not in a session"), Phase.OPENING: N_("Opening"), Phase.HOLDING: N_("Holding"),
               Phase.CLOSING: N_("Closing"), Phase.DONE: N_("Session ended")}
INVITATION = N_("Our planned time is over. When you are ready, hold to close.")


def minutes_left(remaining: float | None) -> tuple[str, str]:
    """("12", "minutes") for the screen, or ("", "") when time is up or unknown."""
    if remaining is None or remaining <= 0:
        return "", ""
    n = max(1, math.ceil(remaining / 60.0))
    # TRANSLATORS: under the number of minutes left, on the breathing shape ("12 / minutes")
    return str(n), ngettext("minute", "minutes", n)


def session_line(view: RoomView) -> str:
    name = _(PHASE_NAMES[view.phase])
    plan = _("plan “{name}”").format(name=view.plan.name)
    broken = "" if view.health.journal_ok else " · " + _("the log cannot be written: check the disk")
    silent = " · " + _("sound cannot play: the chimes are silent") if view.health.sound_ok is False else ""
    if view.phase in (Phase.WELCOME, Phase.DONE):
        return f"{name} · {plan}{broken}{silent}"
    if view.invites_closing:
        timing = _("planned time is over")
    elif view.remaining is not None:
        n, _unit = minutes_left(view.remaining)
        timing = ngettext("{n} minute left", "{n} minutes left", int(n)).format(n=n) if n else _("time is up")
    else:
        timing = ""
    resumed = " · " + _("resumed after a restart") if view.interrupted else ""
    return f"{name} · {timing} · {plan}{resumed}{broken}{silent}"


def help_line(view: RoomView) -> str:
    g = view.glyph
    h = view.health
    if g is Glyph.SENDING:
        return _("Help call: sending to the hub…")
    if g is Glyph.DELIVERED:
        return _("Help call: delivered, staff have it.")
    if g is Glyph.COMING:
        if view.help_call and view.help_call.by:
            return _("Help call: help is coming ({by}).").format(by=view.help_call.by)
        return _("Help call: help is coming (staff).")
    if g is Glyph.NOT_DELIVERED:
        if not h.journal_ok:
            why = _("the kiosk cannot write its log (is the disk full?)")
        elif not h.hub_configured:
            why = _("no hub is configured")
        elif h.hub_key_refused:
            why = _("the hub refused this kiosk's key (ask whoever runs the hub)")
        elif h.hub_reachable is False:
            why = _("the hub cannot be reached")
        else:
            why = _("the hub has not confirmed it")
        return _("Help call NOT delivered: {why}. Get help another way.").format(why=why)
    return _("Help call: none.")


def button_line(view: RoomView) -> str:
    h = view.health
    if not h.button_configured:
        if h.button_detail == Health.button_detail:
            return _("Help button: no button configured.")
        return _("Help button: {detail}.").format(detail=h.button_detail)
    if h.button_ok:
        return _("Help button: ok · {detail}.").format(detail=h.button_detail)
    return _("Help button FAULT: {detail}.").format(detail=h.button_detail)


def sync_line(view: RoomView, zone: tzinfo) -> str:
    h = view.health
    line = summary(h, zone).replace("\n", " · ")
    if h.hub_configured and h.hub_reachable is False and not h.hub_key_refused:
        line += " · " + _("hub unreachable")
    return _("Sync: {state}").format(state=line)
