"""The USB export behind the PIN: the stick is noticed, the export runs in its own thread, and the card
says "Safe to remove" only after the read-back; a full stick and a plain export are said plainly."""

from __future__ import annotations

import threading
from dataclasses import replace

from kiosk.export.flow import EXPORT_DONE, EXPORT_FAILED, STICK_FOLDER
from kiosk.ui.export import NOT_SEALED_TEXT, SEALED_TEXT, ExportCard
from kiosk.ui.settings import SettingsCard
from tests.ui.conftest import kinds, ui_config
from tests.ui.test_facilitator import button, modal


def _kiosk_with_a_stick_slot(tmp_path, **export):
    from kiosk.config import ExportConfig

    media = tmp_path / "media"
    (media / "kiosk").mkdir(parents=True)
    config = ui_config(tmp_path / "data")
    config = replace(config, paths=replace(config.paths, usb_mount_root=media), export=ExportConfig(**export))
    return config, media


def _plug(r, media, label="KIOSKSTICK"):
    """A stick appears (udisks2's /media/<user>/<LABEL>); the watcher notices it in its own thread."""
    (media / "kiosk" / label).mkdir(exist_ok=True)
    r.station.sticks.is_mount = lambda path: path.parent.name == "kiosk"
    looker = threading.Thread(target=r.station.sticks.poll)
    looker.start()
    looker.join(10)
    r.frame()
    return media / "kiosk" / label


def _open_export(r):
    r.app.open_facilitator()
    r.tap(button(r.app.panel, "Settings · PIN"))
    from kiosk.ui.pinpad import PinPad

    pad = modal(PinPad)
    for digit in r.station.config.pin:
        r.tap(button(pad, digit))
    return modal(SettingsCard)


def test_a_stick_plugged_in_offers_the_export_and_it_ends_safe_to_remove(rehearse, tmp_path):
    config, media = _kiosk_with_a_stick_slot(tmp_path)
    r = rehearse(config)
    r.app.room.begin()
    r.advance(2.0)
    settings = _open_export(r)
    assert button(settings, "Export to USB stick").disabled
    stick = _plug(r, media)
    assert [s.label for s in settings.usb_sticks] == ["KIOSKSTICK"]
    assert settings._sticks.bridge.crossed == 1  # it came from another thread, over the bridge
    r.tap(button(settings, "Export to USB stick"))
    card = modal(ExportCard)
    assert card.state == "found" and card.title == "USB stick found"
    assert card.seal_text == NOT_SEALED_TEXT == "Not sealed: anyone with this stick can read it."
    r.tap(button(card, "Write logs to the stick"))
    assert card.state == "writing"
    card.wait()
    assert card.state == "writing"  # the result crosses the bridge; it is shown on the UI thread
    r.frame()
    assert card.state == "done" and card.title == "Safe to remove the stick", card.message
    assert "read back and checked" in card.message
    exported = list((stick / STICK_FOLDER).iterdir())
    assert len(exported) == 1 and (exported[0] / "manifest.json").is_file()
    done = kinds(r.station, EXPORT_DONE)
    assert len(done) == 1 and done[0].payload["sealed"] is False and done[0].session_id is not None
    r.tap(button(card, "Done"))
    assert modal(ExportCard) is None


def test_a_sealed_kiosk_says_so_and_writes_one_age_file(rehearse, tmp_path):
    from kiosk.hub.exportkey import ensure_identity

    recipient, _ = ensure_identity(tmp_path / "hub")
    config, media = _kiosk_with_a_stick_slot(tmp_path, recipient=recipient)
    r = rehearse(config)
    r.app.room.begin()
    stick = _plug(r, media)
    settings = _open_export(r)
    r.tap(button(settings, "Export to USB stick"))
    card = modal(ExportCard)
    assert card.seal_text == SEALED_TEXT
    card.start()
    card.wait()
    r.frame()
    assert card.state == "done", card.message
    assert sorted(p.suffix for p in (stick / STICK_FOLDER).iterdir()) == [".age", ".json"]


def test_a_full_stick_is_said_with_the_space_needed_and_journalled(rehearse, tmp_path, monkeypatch):
    from kiosk.export import safewrite

    config, media = _kiosk_with_a_stick_slot(tmp_path)
    r = rehearse(config)
    r.app.room.begin()
    stick = _plug(r, media)
    monkeypatch.setattr(safewrite, "free_bytes", lambda _folder: 2048)
    settings = _open_export(r)
    r.tap(button(settings, "Export to USB stick"))
    card = modal(ExportCard)
    card.start()
    card.wait()
    r.frame()
    assert card.state == "failed" and card.title == "The stick is full"
    assert "This export needs" in card.message and "the stick has 2 KB free" in card.message
    assert not list(stick.rglob("*.csv"))
    failed = kinds(r.station, EXPORT_FAILED)
    assert len(failed) == 1 and failed[0].payload["reason"] == "full"


def test_a_stick_pulled_out_takes_the_export_button_away(rehearse, tmp_path):
    config, media = _kiosk_with_a_stick_slot(tmp_path)
    r = rehearse(config)
    stick = _plug(r, media)
    settings = _open_export(r)
    assert not button(settings, "Export to USB stick").disabled
    stick.rmdir()
    looker = threading.Thread(target=r.station.sticks.poll)
    looker.start()
    looker.join(10)
    r.frame()
    assert settings.usb_sticks == [] and button(settings, "Export to USB stick").disabled


def test_settings_say_when_the_last_export_was_also_one_made_by_the_command_beside_the_kiosk(rehearse, tmp_path):
    import json

    config, media = _kiosk_with_a_stick_slot(tmp_path)
    r = rehearse(config)
    assert _open_export(r).last_export_text == "No export to a stick yet."
    modal(SettingsCard).dismiss(animation=False)
    r.app.close_facilitator()
    noted = {"kind": EXPORT_DONE, "at": r.clock.now() + 60.0, "sealed": True, "events": 1234}
    r.station.journal.set_meta("export.last", json.dumps(noted)).result(5)
    text = _open_export(r).last_export_text
    assert text.startswith("Last export: ") and text.endswith(", sealed, 1234 events.")
