"""The widgets the adults' layer shares: the facilitator panel, the PIN pad and the settings, export and Wi-Fi cards.

Tap buttons, panel lines and captions, and the modal card they sit on (kiosk/ui/kv/cards.kv).
"""

from __future__ import annotations

from kivy.properties import BooleanProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.ui import rules


class SoftButton(ButtonBehavior, Label):
    """A tap button for the adults' layer (nothing here that starts or ends a session is a tap)."""

    chosen = BooleanProperty(False)


rules.load("cards")
