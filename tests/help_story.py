"""One help call's whole story, for the tests that read it back (`kiosk sessions`, the CSV files, their
translations): raised, pressed again, delivered, acknowledged by Sam, resolved at the kiosk."""

from __future__ import annotations

from kiosk.room import Room
from kiosk.session import facts as F


def a_whole_help_call(room: Room) -> str:
    call = room.raise_help("button")
    room.raise_help("button")
    room.change_help(F.HELP_DELIVERED, call)
    room.change_help(F.HELP_ACKNOWLEDGED, call, by="Sam")
    room.change_help(F.HELP_RESOLVED, call, by="kiosk")
    return call
