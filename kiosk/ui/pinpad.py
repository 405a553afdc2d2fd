"""The PIN pad in front of settings and export.

After several wrong PINs the pad rests for a minute; wrong entries are
journalled (without the digits).
"""

from __future__ import annotations

from typing import Callable

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.language import _, ngettext
from kiosk.session.pin import PinVerdict
from kiosk.ui import cards, rules  # noqa: F401  (cards: the widgets its rules use)


class PinPad(ModalView):
    entered = StringProperty("")
    message = StringProperty("")
    length = NumericProperty(4)

    def __init__(self, on_correct: Callable[[], None], **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", True)
        super().__init__(**kwargs)
        self.message = _("Enter the facilitator PIN")
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
        left = self.app.room.pin_rest_left()
        if left > 0:
            self.message = ngettext("Please wait {n} s", "Please wait {n} s", int(left) + 1).format(n=int(left) + 1)
            return True
        return False

    def check(self) -> None:
        entered, self.entered = self.entered, ""
        verdict = self.app.room.try_pin(entered)
        if verdict is PinVerdict.CORRECT:
            self.dismiss(animation=False)
            self.on_correct()
        elif verdict is PinVerdict.REST:
            self.message = _("Please wait a minute")
        elif verdict is PinVerdict.WRONG:
            self.message = _("That PIN did not match")
        else:
            self._resting()


rules.load("pinpad")
