"""The facilitator layer: help-call state, PIN, settings, and no way out of kiosk mode."""

from __future__ import annotations

from kivy.core.window import Window

from kiosk.session import facts as F
from kiosk.ui.app import KEY_ESCAPE, KEY_F1
from kiosk.ui.pinpad import PinPad
from kiosk.ui.settings import SettingsCard
from tests.ui.conftest import kinds


def modal(kind):
    found = [w for w in Window.children if isinstance(w, kind)]
    return found[0] if found else None


def button(root, text: str):
    found = [w for w in root.walk() if getattr(w, "text", None) == text]
    assert found, f"no {text!r}"
    return found[0]


def test_help_call_shown_plainly_to_adults_and_resolved_from_the_kiosk(rehearse):
    r = rehearse()
    r.station.room.raise_help(source="keyboard", wait=True)
    r.frame()
    assert r.app.glyph_state == "not_delivered"
    assert r.app.root.ids.glyph.caption == "not sent"
    r.hold(r.widget("glyph"), seconds=1.4)
    panel = r.app.panel
    assert "NOT delivered" in panel.help_text and "Get help another way" in panel.help_text
    assert panel.urgent
    r.tap(button(panel, "Help call resolved"))
    assert r.app.glyph_state == "quiet"
    resolved = kinds(r.station, F.HELP_RESOLVED)
    assert len(resolved) == 1 and resolved[0].payload["by"] == "kiosk"
    assert panel.help_text == "Help call: none."


def test_settings_sit_behind_the_pin(rehearse):
    r = rehearse()
    r.app.open_facilitator()
    r.tap(button(r.app.panel, "Settings · PIN"))
    pad = modal(PinPad)
    assert pad is not None
    for digit in "1111":
        r.tap(button(pad, digit))
    assert modal(SettingsCard) is None
    assert pad.message == "That PIN did not match"
    refused = kinds(r.station, "settings.pin_refused")
    assert len(refused) == 1 and "1111" not in str(refused[0].payload)
    for digit in r.station.config.pin:
        r.tap(button(pad, digit))
    card = modal(SettingsCard)
    assert card is not None and modal(PinPad) is None
    assert not card.usb_sticks and "Put a USB stick in" in " ".join(w.text for w in card.walk()
                                                                    if isinstance(getattr(w, "text", None), str))
    r.tap(button(card, "Shown"))
    r.tap(button(card, "+"))
    changes = [rec.payload for rec in kinds(r.station, "settings.changed")]
    assert any(c.get("show_minutes") is True and c["by"] == "facilitator" for c in changes)
    assert r.app.show_minutes
    assert any(c.get("chime_volume", 0) > 0.35 for c in changes)
    card.dismiss(animation=False)


def test_pin_pad_rests_after_five_wrong_tries(rehearse):
    r = rehearse()
    r.app.open_facilitator()
    r.app.panel.ask_pin()
    r.frame()
    pad = modal(PinPad)
    for _ in range(5):
        for digit in "0000":
            pad.press(digit)
    assert pad.message == "Please wait a minute"
    for digit in r.station.config.pin:
        pad.press(digit)
    assert modal(SettingsCard) is None
    r.advance(61)
    for digit in r.station.config.pin:
        pad.press(digit)
    assert modal(SettingsCard) is not None
    modal(SettingsCard).dismiss(animation=False)


def test_kiosk_mode_has_no_way_out(rehearse):
    r = rehearse()
    app = r.app
    app.kiosk_mode = True
    assert app._on_keyboard(Window, KEY_ESCAPE, 0, None, []) is True
    assert app._on_keyboard(Window, KEY_F1, 0, None, []) is True
    assert app.open_settings() is False
    assert app._on_request_close() is True
    app.kiosk_mode = False
    assert app._on_keyboard(Window, KEY_ESCAPE, 0, None, []) is False   # windowed: Escape closes
    assert app._on_request_close() is False


def test_window_settings_hide_the_cursor_in_kiosk_mode():
    from kivy.config import Config

    from kiosk.ui.window import WindowSettings, configure

    saved = {k: Config.get("graphics", k) for k in ("show_cursor", "fullscreen", "borderless", "resizable")}
    saved_escape = Config.get("kivy", "exit_on_escape")
    try:
        configure(WindowSettings(fullscreen=True, kiosk=True))
        assert Config.get("graphics", "show_cursor") == "0"
        assert Config.get("graphics", "fullscreen") == "auto"
        assert Config.get("kivy", "exit_on_escape") == "0"
        assert int(Config.get("graphics", "maxfps")) <= 30
    finally:
        for k, v in saved.items():
            Config.set("graphics", k, v)
        Config.set("kivy", "exit_on_escape", saved_escape)


def test_sync_now_asks_the_sync_worker_only_when_a_hub_is_configured(rehearse):
    class Worker:
        asked = 0

        def sync_now(self):
            Worker.asked += 1

    r = rehearse()
    r.app.open_facilitator()
    assert r.app.panel.can_sync is False
    r.app.close_facilitator()
    r.station.sync = Worker()
    r.station.room.update_health(hub_configured=True)
    r.frame()
    r.app.open_facilitator()
    assert r.app.panel.can_sync is True
    r.tap(button(r.app.panel, "Sync now"))
    assert Worker.asked == 1


def test_a_kiosk_that_cannot_play_sound_says_so_in_the_facilitator_layer_and_on_try(rehearse):
    from kiosk.ui.chime import RecordingChime

    r = rehearse(chime=RecordingChime(can_play=False))  # no audio device
    r.app.open_facilitator()
    assert "sound cannot play" not in r.app.panel.session_text  # not known before a chime was tried
    r.app.panel.ask_pin()
    r.frame()
    for digit in r.station.config.pin:
        r.tap(button(modal(PinPad), digit))
    card = modal(SettingsCard)
    r.tap(button(card, "Try"))
    assert card.volume_text == "sound cannot play here (no audio device?)"
    assert r.station.room.health.sound_ok is False
    card.dismiss(animation=False)
    r.app.panel.show(r.station.room.view())
    r.frame()
    assert "sound cannot play: the chimes are silent" in r.app.panel.session_text
