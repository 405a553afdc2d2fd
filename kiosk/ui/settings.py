"""Settings behind the PIN: chime volume (with its floor), minutes on screen, breathing pace, and
"Export to USB stick" when a stick is mounted (kiosk/ui/export.py)."""

from __future__ import annotations

import logging

from kivy.app import App
from kivy.properties import ListProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.config import CHIME_FLOOR
from kiosk.language import N_, _, ngettext
from kiosk.ui import cards, rules  # noqa: F401  (cards: the widgets its rules use)
from kiosk.ui.export import ExportCard, StickBridge, last_export_line

log = logging.getLogger(__name__)

VOLUME_STEPS = ((CHIME_FLOOR, N_("whisper")), (0.15, N_("quiet")), (0.25, N_("soft")), (0.35, N_("gentle")),
                (0.5, N_("medium")), (0.7, N_("clear")), (1.0, N_("full")))
PACE_RANGE = (3, 10)


def volume_name(volume: float) -> str:
    return _(min(VOLUME_STEPS, key=lambda step: abs(step[0] - volume))[1])


def next_volume(volume: float, direction: int) -> float:
    levels = [v for v, _ in VOLUME_STEPS]
    here = min(range(len(levels)), key=lambda i: abs(levels[i] - volume))
    return levels[max(0, min(len(levels) - 1, here + direction))]


class SettingsCard(ModalView):
    volume_text = StringProperty("")
    pace_text = StringProperty("")
    last_export_text = StringProperty("")
    usb_sticks = ListProperty([])  # mounted sticks (kiosk.export.sticks.Stick), while the card is open

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", True)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self._sticks = StickBridge(self, self.app.station.sticks)
        self.bind(on_dismiss=lambda *_: self._sticks.close())
        self._show()

    def _show(self) -> None:
        a = self.app
        self.last_export_text = last_export_line(a.room.journal, a.room.zone)
        self.volume_text = f"{volume_name(a.chime_volume)} ({round(a.chime_volume * 100)}%)"
        n = a.breaths_per_minute
        self.pace_text = ngettext("{n} breath a minute", "{n} breaths a minute", int(n)).format(n=f"{n:g}")

    def volume(self, direction: int) -> None:
        self.app.change_settings(chime_volume=next_volume(self.app.chime_volume, direction))
        self._show()

    def test_chime(self) -> None:
        if self.app.play_chime("test") is False:
            self.volume_text = _("sound cannot play here (no audio device?)")

    def pace(self, direction: int) -> None:
        lo, hi = PACE_RANGE
        value = max(lo, min(hi, round(self.app.breaths_per_minute) + direction))
        self.app.change_settings(breaths_per_minute=float(value))
        self._show()

    def set_minutes(self, shown: bool) -> None:
        if shown != self.app.show_minutes:
            self.app.change_settings(show_minutes=shown)

    def export(self) -> None:
        """Opens the export card for the first stick (the button shows only while one is mounted)."""
        if not self.usb_sticks:
            return
        ExportCard(self.usb_sticks[0]).open(animation=False)


rules.load("settings")
