"""The album: a walk through a whole session that photographs every screen and glyph state.

Used by kiosk.ui.screenshots (and its test). Assumes Kivy is configured.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.clock import FakeClock
from kiosk.config import Config, DisplayConfig, PathsConfig
from kiosk.session import facts as F
from kiosk.session.plan import Plan
from kiosk.station import Station
from kiosk.ui.rehearsal import Rehearsal

PLANS = (Plan("Morning group", opening=300, holding=2400, closing=300),
         Plan("Short school session", opening=180, holding=1200, closing=180))


def album_config(data: Path, plans: tuple[Plan, ...] = PLANS) -> Config:
    return Config(room="Willow room", plans=plans, display=DisplayConfig(show_minutes=True, fullscreen=False),
                  paths=PathsConfig(data=data))


def shoot_all(out: Path, size: tuple[int, int], data: Path) -> list[Path]:
    clock = FakeClock()
    station = Station(album_config(data), clock=clock)
    tag = f"{size[0]}x{size[1]}"
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
    single = Station(album_config(data / "single", plans=PLANS[:1]), clock=clock)
    try:
        with Rehearsal(single, clock, size=size) as r2:
            r2.advance(7.0)
            r2.frame()
            shots.append(r2.screenshot(out / f"{tag}-17-welcome-one-plan.png"))
    finally:
        single.stop()
    return shots


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
                           button_detail="no heartbeat for 40 s (unplugged?)")
    yield fault, "button-fault"

    def back() -> None:
        room.update_health(button_ok=True, button_detail="heartbeat 2 s ago", last_sync_at=room.clock.now(),
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
