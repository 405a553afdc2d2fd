"""The facilitator's last choices (profile, minutes on screen, breathing pace, chime volume), read back from
the journal's settings events so that a restarted kiosk keeps them. Kivy-free: the app reads them before
its first frame, and the settings card (which imports the export card) is not needed for that."""

from __future__ import annotations

from kiosk.config import PROFILES
from kiosk.session import facts as F
from kiosk.store.journal import Journal

REMEMBERED = ("profile", "show_minutes", "breaths_per_minute", "chime_volume")


def remembered_settings(journal: Journal) -> dict:
    """The newest value of each remembered setting; a profile this version does not know is dropped."""
    out: dict = {}
    for record in journal.records(kinds=[F.SETTINGS_CHANGED], newest_first=True, limit=50):
        for key in REMEMBERED:
            if key in record.payload and key not in out:
                out[key] = record.payload[key]
    if out.get("profile") not in PROFILES:
        out.pop("profile", None)
    return out
