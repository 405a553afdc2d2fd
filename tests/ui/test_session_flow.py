"""A whole session pressed, held and released through the real window, checked against the journal."""

from __future__ import annotations

from kiosk.room import THANK_YOU_SECONDS
from kiosk.session import facts as F
from kiosk.session.plan import Phase
from kiosk.station import Station
from kiosk.ui.cards import SoftButton
from tests.ui.conftest import kinds, ui_config


def phase_changes(station: Station) -> list[tuple[str, str]]:
    return [(r.payload["to"], r.payload["reason"]) for r in kinds(station, F.PHASE_CHANGED)]


def panel_button(r, text: str):
    found = [w for w in r.app.panel.walk() if getattr(w, "text", None) == text]
    assert found, f"no button {text!r} in the facilitator panel"
    return found[0]


def test_whole_session_by_touch(rehearse):
    r = rehearse()
    station = r.station
    r.advance(2)
    assert r.screen.name == "welcome"

    # a tap, and a hold let go too early, start nothing
    r.tap(r.widget("hold"))
    r.hold(r.widget("hold"), seconds=1.0)
    touch = r.press(r.widget("hold"))        # a finger that slides off the control lets go
    touch.touch_move(20, 20)
    r.advance(2)
    r.release(touch)
    r.advance(2)
    assert r.screen.name == "welcome"
    assert kinds(station, F.SESSION_STARTED) == []

    r.hold(r.widget("hold"))
    r.advance(2)
    assert r.screen.name == "opening"
    started = kinds(station, F.SESSION_STARTED)
    assert len(started) == 1 and started[0].payload["plan"]["name"] == "Group"
    assert phase_changes(station) == [("opening", "hold")]

    # the opening's one-minute cue: palette drifts, a chime plays, the journal says so
    assert r.until(lambda: r.app.view.cues_fired == 1, limit=120)
    assert [name for name, _ in r.chime.played] == ["cue"]
    assert len(kinds(station, F.CUE_FIRED)) == 1
    drifting_from = r.app.drift.shown
    r.advance(10)
    assert r.app.drift.shown != drifting_from

    r.tap(r.widget("hold"))
    r.advance(1)
    assert r.app.shown_phase is Phase.OPENING
    r.hold(r.widget("hold"))
    r.advance(2)
    assert r.screen.name == "holding"
    assert phase_changes(station)[-1] == ("holding", "hold")

    # +5 min from the facilitator layer, opened by a long press on the corner glyph
    r.tap(r.widget("glyph"))
    assert r.app.panel is None
    r.hold(r.widget("glyph"), seconds=1.4)
    assert r.app.panel is not None
    before = r.app.view.remaining
    r.tap(panel_button(r, "+5 min"))
    extended = kinds(station, F.SESSION_EXTENDED)
    assert len(extended) == 1 and extended[0].payload["seconds"] == 300
    assert r.app.view.remaining > before + 290
    r.app.close_facilitator()

    # holding never ends by itself: it invites closing, gently
    assert r.until(lambda: r.app.view.invites_closing, limit=1000)
    r.advance(120)
    assert r.screen.name == "holding"
    assert r.screen.inviting and r.screen.invitation
    r.tap(r.widget("hold"))
    r.advance(1)
    assert r.app.shown_phase is Phase.HOLDING
    r.hold(r.widget("hold"))
    r.advance(2)
    assert r.screen.name == "closing"
    assert phase_changes(station)[-1] == ("closing", "closing_now")

    # closing ends by itself, then thank-you, then welcome
    assert r.until(lambda: r.app.view.phase is Phase.DONE, limit=200)
    r.advance(2)
    assert r.screen.name == "thankyou"
    assert kinds(station, F.SESSION_ENDED)[-1].payload["reason"] == "completed"
    assert "phase" in [name for name, _ in r.chime.played]
    r.advance(THANK_YOU_SECONDS + 2)
    assert r.screen.name == "welcome"
    assert phase_changes(station) == [("opening", "hold"), ("holding", "hold"), ("closing", "closing_now"),
                                      ("done", "timer")]


def test_resume_after_restart_shows_the_same_phase(rehearse, tmp_path, clock):
    config = ui_config(tmp_path / "data")
    r = rehearse(config)
    r.hold(r.widget("hold"))
    r.advance(5)
    r.hold(r.widget("hold"))
    r.advance(30)
    assert r.screen.name == "holding"
    remaining = r.app.view.remaining
    r.close()
    r.station.stop()

    clock.reboot(wall_gap=40)
    r2 = rehearse(config)
    r2.advance(2)
    assert r2.screen.name == "holding"
    assert r2.app.view.interrupted
    assert abs(r2.app.view.remaining - (remaining - 42)) < 2
    gaps = kinds(r2.station, F.SESSION_INTERRUPTED)
    assert len(gaps) == 1 and gaps[0].payload["seconds"] >= 40
    r2.app.open_facilitator()
    assert "resumed after a restart" in r2.app.panel.session_text
    r2.app.close_facilitator()
    r2.hold(r2.widget("hold"))
    r2.advance(2)
    assert r2.screen.name == "closing"


def test_end_session_needs_a_hold_in_the_facilitator_layer(rehearse):
    r = rehearse()
    r.hold(r.widget("hold"))
    r.advance(3)
    r.app.open_facilitator()
    end = panel_button(r, "hold · end session")
    r.tap(end)
    assert r.app.view.phase is Phase.OPENING
    r.hold(end)
    r.advance(2)
    assert r.app.view.phase is Phase.DONE
    assert kinds(r.station, F.SESSION_ENDED)[-1].payload["reason"] == "ended_early"
    assert r.app.panel is None


def test_profile_choice_is_journalled_and_survives_restart(rehearse, tmp_path):
    config = ui_config(tmp_path / "data")
    r = rehearse(config)
    r.app.open_facilitator()
    still = [w for w in r.app.panel.walk() if isinstance(w, SoftButton) and w.text == "Still"][0]
    r.tap(still)
    assert r.app.profile == "still"
    notes = kinds(r.station, "settings.changed")
    assert notes[-1].payload["profile"] == "still"
    r.close()
    r.station.stop()
    r2 = rehearse(config)
    assert r2.app.profile == "still"


def test_silent_and_still_profiles_make_no_sound(rehearse, tmp_path):
    for profile in ("silent", "still"):
        r = rehearse(ui_config(tmp_path / profile, profile=profile))
        r.hold(r.widget("hold"))
        assert r.until(lambda: r.app.view.cues_fired == 1, limit=120)
        assert r.until(lambda: r.app.view.phase is Phase.HOLDING, limit=120)
        assert len(kinds(r.station, F.CUE_FIRED)) == 1
        assert r.chime.played == []
        r.close()


def test_chime_volume_never_below_the_floor(rehearse, tmp_path):
    from kiosk.config import CHIME_FLOOR
    from kiosk.ui.settings import next_volume

    r = rehearse()
    v = 0.35
    for _ in range(10):
        v = next_volume(v, -1)
    assert v == CHIME_FLOOR
    r.app.change_settings(chime_volume=v)
    r.app.play_chime("test")
    assert r.chime.played[-1] == ("test", CHIME_FLOOR)
    r.app.chime_volume = 0.0
    r.app.play_chime("test")
    assert r.chime.played[-1] == ("test", CHIME_FLOOR)
