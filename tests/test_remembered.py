"""The facilitator's last choices come back from the journal after a restart (kiosk/remembered.py)."""

from __future__ import annotations

from kiosk.clock import FakeClock
from kiosk.remembered import remembered_settings
from kiosk.session import facts as F
from kiosk.store.journal import Journal


def test_the_newest_choice_of_each_setting_wins_and_an_unknown_profile_is_dropped(tmp_path):
    journal = Journal(tmp_path / "kiosk.sqlite3", FakeClock())
    try:
        for payload in ({"profile": "calm", "chime_volume": 0.5, "by": "facilitator"},
                        {"show_minutes": False},
                        {"chime_volume": 0.25, "profile": "a profile from a newer version"}):
            journal.append(F.SETTINGS_CHANGED, payload)
        journal.append("cue.fired", {"chime_volume": 1.0})
        journal.flush()
        assert remembered_settings(journal) == {"chime_volume": 0.25, "show_minutes": False}
        journal.append(F.SETTINGS_CHANGED, {"profile": "still"})
        journal.flush()
        assert remembered_settings(journal)["profile"] == "still"
    finally:
        journal.close()
