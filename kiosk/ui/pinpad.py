"""The PIN pad in front of settings and export.

After several wrong PINs the pad rests for a minute; wrong entries are
journalled (without the digits).
"""

from __future__ import annotations

import hmac
from typing import Callable

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

MAX_TRIES = 5
REST_SECONDS = 60.0


class PinPad(ModalView):
    entered = StringProperty("")
    message = StringProperty("Enter the facilitator PIN")
    length = NumericProperty(4)

    tries = 0
    resting_until = 0.0

    def __init__(self, on_correct: Callable[[], None], **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", True)
        super().__init__(**kwargs)
        self.on_correct = on_correct
        self.app = App.get_running_app()
        self.length = len(self.app.kiosk_config.pin)
        for key in self.ids["digits"].children:
            if key.key:
                key.bind(on_release=lambda button: self.press(button.key))

    def press(self, key: str) -> None:
        if self._resting():
            return
        if key == "back":
            self.entered = self.entered[:-1]
        elif key == "ok":
            self.check()
        elif len(self.entered) < 8:
            self.entered += key
            if len(self.entered) == self.length:
                self.check()

    def _resting(self) -> bool:
        left = PinPad.resting_until - self.app.now()
        if left > 0:
            self.message = f"Please wait {int(left) + 1} s"
            return True
        return False

    def check(self) -> None:
        pin = self.app.kiosk_config.pin
        if hmac.compare_digest(self.entered.encode(), pin.encode()):
            PinPad.tries = 0
            self.entered = ""
            self.dismiss(animation=False)
            self.on_correct()
            return
        PinPad.tries += 1
        self.entered = ""
        self.app.room.note("settings.pin_refused", {"tries": PinPad.tries})
        if PinPad.tries >= MAX_TRIES:
            PinPad.tries = 0
            PinPad.resting_until = self.app.now() + REST_SECONDS
            self.message = "Please wait a minute"
        else:
            self.message = "That PIN did not match"
