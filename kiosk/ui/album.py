"""The album: a walk through a whole session that photographs every screen and glyph state.

Used by kiosk.ui.screenshots (and its test). Assumes Kivy is configured.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.button.supervision import Fault, fault_text
from kiosk.clock import FakeClock
from kiosk.config import Config, DisplayConfig, PathsConfig
from kiosk.language import _
from kiosk.session import facts as F
from kiosk.session.plan import Plan
from kiosk.station import Station
from kiosk.ui.rehearsal import Rehearsal

PLANS = (Plan("Morning group", opening=300, holding=2400, closing=300),
         Plan("Short school session", opening=180, holding=1200, closing=180))


def album_config(data: Path, plans: tuple[Plan, ...] = PLANS, language: str = "en") -> Config:
    return Config(room="Willow room", language=language, plans=plans, display=DisplayConfig(show_minutes=True, fullscreen=False),
                  paths=PathsConfig(data=data))


def shoot_all(out: Path, size: tuple[int, int], data: Path, language: str = "en") -> list[Path]:
    clock = FakeClock()
    station = Station(album_config(data, language=language), clock=clock)
    tag = f"{size[0]}x{size[1]}" + ("" if language == "en" else f"-{language}")
    shots: list[Path] = []
    r = Rehearsal(station, clock, size=size).start()

    def shot(name: str) -> None:
        r.frame()
        shots.append(r.screenshot(out / f"{tag}-{name}.png"))

    try:
        room = station.room
        r.advance(7.0)
        shot("01-welcome")
        touch = r.press(r.widget("hold"))
        r.advance(0.8)
        shot("02-welcome-holding-to-begin")
        r.advance(1.0)
        r.release(touch)
        r.advance(3.0)
        shot("03-opening-arriving")
        r.advance(10.0)
        shot("04-opening")
        r.until(lambda: r.app.view.phase.value == "holding", limit=400)
        r.advance(10.0)
        shot("05-holding")
        r.until(lambda: r.app.view.cues_fired >= 1, limit=2400)
        r.advance(9.0)
        shot("06-holding-after-5-min-cue")
        r.until(lambda: r.app.view.invites_closing, limit=2400)
        r.advance(9.0)
        shot("07-holding-invites-closing")
        for glyph_step, name in _help_steps(room):
            glyph_step()
            r.advance(1.0)
            shot(f"08-glyph-{name}")
            if name in ("not-delivered", "coming"):
                r.app.open_facilitator()
                r.advance(0.5)
                shot(f"08-glyph-{name}-facilitator")
                r.app.close_facilitator()
        r.app.open_facilitator()
        r.advance(0.5)
        shot("09-facilitator")
        r.app.panel.ask_pin()
        r.advance(0.5)
        shot("10-pin")
        pad = _top_modal()
        for digit in station.config.pin:
            pad.press(digit)
        r.advance(0.5)
        shot("11-settings")
        _dismiss_modals()
        r.app.close_facilitator()
        for profile in ("high_contrast", "still", "calm"):
            r.app.change_settings(profile=profile)
            r.advance(8.0)
            if profile != "calm":
                shot(f"12-holding-{profile}")
        r.hold(r.widget("hold"))
        r.advance(8.0)
        shot("13-closing")
        r.until(lambda: r.app.view.phase.value == "done", limit=400)
        r.advance(4.0)
        shot("14-thank-you")
        r.until(lambda: r.app.view.phase.value == "welcome", limit=60)
        r.advance(7.0)
        shot("15-welcome-again")
        r.app.change_settings(profile="high_contrast")
        r.advance(8.0)
        shot("16-welcome-high-contrast")
        r.app.change_settings(profile="calm")
    finally:
        r.close()
        station.stop()
    single = Station(album_config(data / "single", plans=PLANS[:1], language=language), clock=clock)
    try:
        with Rehearsal(single, clock, size=size) as r2:
            r2.advance(7.0)
            r2.frame()
            shots.append(r2.screenshot(out / f"{tag}-17-welcome-one-plan.png"))
    finally:
        single.stop()
    shots += _export_shots(out, tag, size, data, clock, language)
    return shots


def _export_shots(out: Path, tag: str, size: tuple[int, int], data: Path, clock: FakeClock,
                  language: str = "en") -> list[Path]:
    """The USB export card in each state, on a folder that stands in for a mounted stick."""
    from dataclasses import replace

    from kiosk.config import ExportConfig
    from kiosk.export.flow import FULL, REMOVED, ExportResult
    from kiosk.export.safewrite import StickFull, StickRemoved
    from kiosk.ui.export import ExportCard

    shots: list[Path] = []
    config = album_config(data / "export", language=language)
    sticks = data / "media"
    (sticks / "KIOSKSTICK").mkdir(parents=True, exist_ok=True)
    config = replace(config, paths=replace(config.paths, usb_mount_root=sticks))
    for sealed in (False, True):
        if sealed:
            config = replace(config, export=ExportConfig(recipient=SAMPLE_RECIPIENT))
        station = Station(config, clock=clock)
        station.sticks.is_mount = lambda path: path.name == "KIOSKSTICK"
        try:
            with Rehearsal(station, clock, size=size) as r:
                def shot(name: str) -> None:
                    r.frame()
                    shots.append(r.screenshot(out / f"{tag}-{name}.png"))

                station.room.begin()
                r.advance(3.0)
                station.sticks.poll()
                r.app.open_facilitator()
                r.app.panel.ask_pin()
                pad = _top_modal()
                for digit in station.config.pin:
                    pad.press(digit)
                r.advance(0.5)
                if sealed:
                    _top_modal().export()
                    r.advance(0.5)
                    shot("23-export-stick-found-sealed")
                    _dismiss_modals()
                    continue
                shot("18-settings-with-usb-stick")
                _top_modal().export()
                r.advance(0.5)
                card = _top_modal()
                assert isinstance(card, ExportCard)
                shot("19-export-stick-found-not-sealed")
                card.show_writing()
                card.show_progress(0.45)
                r.advance(0.5)
                shot("20-export-writing")
                card.state = "found"
                card.start()  # the real export, onto the folder standing in for the stick
                card.wait()
                r.advance(0.5)
                assert card.result is not None and card.result.ok, card.result
                shot("21-export-safe-to-remove-not-sealed")
                card.show_result(ExportResult(FULL, str(StickFull(3_400_000, 1_100_000)), needed=3_400_000,
                                              free=1_100_000))
                r.advance(0.5)
                shot("22-export-full-stick")
                card.show_result(ExportResult(REMOVED, str(StickRemoved("Input/output error"))))
                r.advance(0.5)
                shot("24-export-stick-removed")
                _dismiss_modals()
        finally:
            station.stop()
    return shots


# A public recipient only (its identity was thrown away): the screenshots show a sealed kiosk.
SAMPLE_RECIPIENT = "age1ylznvwgl769ggxj9lhsglxeqsvcth6dljayda4ngc0shu3rdkvyqh4afe4"


def _help_steps(room):
    yield (lambda: room.update_health(hub_configured=True, hub_reachable=None)), "quiet"
    yield (lambda: room.raise_help(source="keyboard", wait=True)), "sending"
    yield (lambda: room.change_help(F.HELP_DELIVERED)), "delivered"
    yield (lambda: room.change_help(F.HELP_ACKNOWLEDGED, by="Sam at reception")), "coming"

    def offline() -> None:
        room.change_help(F.HELP_RESOLVED, by="Sam")
        room.update_health(hub_reachable=False)
        room.raise_help(source="keyboard", wait=True)
    yield offline, "not-delivered"

    def fault() -> None:
        room.change_help(F.HELP_RESOLVED, by="kiosk")
        room.update_health(hub_reachable=True, button_configured=True, button_ok=False,
                           button_detail=fault_text(Fault.LOST))
    yield fault, "button-fault"

    def back() -> None:
        room.update_health(button_ok=True, button_detail=_("connected ({what})").format(
            what=_("firmware button")), last_sync_at=room.clock.now(),
                           sync_waiting=12)
    yield back, "quiet-again"


def _top_modal():
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    return [w for w in Window.children if isinstance(w, ModalView)][0]


def _dismiss_modals() -> None:
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    for w in list(Window.children):
        if isinstance(w, ModalView):
            w.dismiss(animation=False)
