"""Settings behind the PIN: chime volume (with its floor), minutes on screen, breathing pace, export.

Export appears only when a `kiosk.export` package is installed; it is called
as `kiosk.export.export_from_kiosk(station) -> str` (a line to show).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.config import CHIME_FLOOR, PROFILES

log = logging.getLogger(__name__)

SETTINGS_CHANGED = "settings.changed"
REMEMBERED = ("profile", "show_minutes", "breaths_per_minute", "chime_volume")
VOLUME_STEPS = ((CHIME_FLOOR, "whisper"), (0.15, "quiet"), (0.25, "soft"), (0.35, "gentle"),
                (0.5, "medium"), (0.7, "clear"), (1.0, "full"))
PACE_RANGE = (3, 10)


def volume_name(volume: float) -> str:
    return min(VOLUME_STEPS, key=lambda step: abs(step[0] - volume))[1]


def next_volume(volume: float, direction: int) -> float:
    levels = [v for v, _ in VOLUME_STEPS]
    here = min(range(len(levels)), key=lambda i: abs(levels[i] - volume))
    return levels[max(0, min(len(levels) - 1, here + direction))]


def remembered_settings(journal) -> dict:
    """The facilitator's last choices, from the journal, so they survive a restart."""
    out: dict = {}
    for record in journal.records(kinds=[SETTINGS_CHANGED], newest_first=True, limit=50):
        for key in REMEMBERED:
            if key in record.payload and key not in out:
                out[key] = record.payload[key]
    if out.get("profile") not in PROFILES:
        out.pop("profile", None)
    return out


def export_available() -> bool:
    try:
        return importlib.util.find_spec("kiosk.export") is not None and \
            hasattr(importlib.import_module("kiosk.export"), "export_from_kiosk")
    except ImportError:
        return False


class SettingsCard(ModalView):
    volume_text = StringProperty("")
    pace_text = StringProperty("")
    export_text = StringProperty("")
    can_export = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", True)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.can_export = export_available()
        self._show()

    def _show(self) -> None:
        a = self.app
        self.volume_text = f"{volume_name(a.chime_volume)} ({round(a.chime_volume * 100)}%)"
        self.pace_text = f"{a.breaths_per_minute:g} breaths a minute"

    def volume(self, direction: int) -> None:
        self.app.change_settings(chime_volume=next_volume(self.app.chime_volume, direction))
        self._show()

    def test_chime(self) -> None:
        self.app.play_chime("test")

    def pace(self, direction: int) -> None:
        lo, hi = PACE_RANGE
        value = max(lo, min(hi, round(self.app.breaths_per_minute) + direction))
        self.app.change_settings(breaths_per_minute=float(value))
        self._show()

    def set_minutes(self, shown: bool) -> None:
        if shown != self.app.show_minutes:
            self.app.change_settings(show_minutes=shown)

    def export(self) -> None:
        try:
            module = importlib.import_module("kiosk.export")
            self.export_text = str(module.export_from_kiosk(self.app.station))
        except Exception as exc:
            log.exception("export from the settings panel failed")
            self.export_text = f"Export did not finish: {exc}"
