"""From button signals to the room: the help call, cancel, self-test, hello; and the LED.

Shared by the serial link and the simulator so both behave the same. The
room journals `help.raised` and waits for the commit before the glyph
changes or sync hears of it; this class never writes the journal itself.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.button.pattern import PressPattern
from kiosk.button.signals import Kind, Signal
from kiosk.room import Room
from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.help import HelpCall, HelpState

log = logging.getLogger(__name__)

LED_OFF = "OFF"
LED_SENT = "SENT"
LED_ACK = "ACK"


def led_for(call: HelpCall | None) -> str:
    """SENT once the hub has the call, ACK once staff acknowledged it.

    A call raised but not delivered leaves the LED off: the presser must not
    be told it went out when it did not (the firmware blinks once on a press
    to show it was heard).
    """
    if call is None or not call.state.open:
        return LED_OFF
    if call.state is HelpState.ACKNOWLEDGED:
        return LED_ACK
    if call.state is HelpState.DELIVERED:
        return LED_SENT
    return LED_OFF


def led_command(state: str) -> bytes:
    return f"LED {state}\n".encode("ascii")


class HelpCaller:
    def __init__(self, room: Room, pattern: PressPattern, source: str = "button",
                 where: dict[str, Any] | None = None) -> None:
        self.room = room
        self.pattern = pattern
        self.source = source
        self.where = dict(where or {})
        self.calls = 0
        self.presses = 0
        self._last_call_id: str | None = None

    def handle(self, signal: Signal, now: float) -> None:
        """now: monotonic seconds, for the press pattern."""
        if signal.kind is Kind.HELP:
            self.presses += 1
            if self.pattern.pressed(now):
                self.calls += 1
                call_id = self.room.raise_help(source=self.source)
                if call_id != self._last_call_id:  # a press again is logged by the room, at most every few seconds
                    log.warning("help called from the %s (call %s)", self.source, call_id)
                self._last_call_id = call_id
        elif signal.kind is Kind.CANCEL:
            if self.room.change_help(F.HELP_CANCELLED, by=self.source):
                log.info("help call cancelled from the %s", self.source)
            else:
                log.info("CANCEL from the %s with no open call: nothing to cancel", self.source)
        elif signal.kind is Kind.TEST:
            log.info("self-test from the %s (not a help call)", self.source)
            self.room.note(F.BUTTON_TEST, {**self.where, "source": self.source})
        elif signal.kind is Kind.HELLO:
            log.info("button says hello: %s %s", signal.model, signal.version)
            self.room.note(F.BUTTON_HELLO, {**self.where, "model": signal.model, "version": signal.version})

    def current_led(self) -> str:
        return led_for(self.room.view().help_call)


def is_help_news(facts: list[Fact]) -> bool:
    return any(f.kind in F.HELP_KINDS for f in facts)
