"""The kiosk app: the screens around one Room.

The app pulls a RoomView about once a second (the Room's tick lets time
pass) and whenever the bridge brings news from another thread. Drawing is
left to the pacer, so the window is redrawn only when something visible
changes: a breath step, an arc step, a colour step, new text.

For benches and tests: `flips` counts window flips (each one a full redraw),
`draws` counts on_draw dispatches, `pacer.wakes` counts the pacer's wakes.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, NumericProperty, StringProperty

from kiosk.config import PROFILES
from kiosk.language import _, use as use_language
from kiosk.remembered import remembered_settings
from kiosk.roomview import RoomView
from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.plan import Phase
from kiosk.station import Station
from kiosk.ui import cornerglyph, holdring, rules  # noqa: F401  (cornerglyph, holdring: widget classes for kv)
from kiosk.ui.breathing import BreathingShape, ProgressArc
from kiosk.ui.bridge import Bridge
from kiosk.ui.chime import SOUNDLESS_PROFILES, Chime, KivyChime, sounded
from kiosk.ui.drift import (CUE_DRIFT_SECONDS, PHASE_DRIFT_SECONDS, PRESENCE_SECONDS, PRESENCE_STEPS, Fade,
                             PaletteDrift, SceneChange)
from kiosk.ui.pacer import Pacer, Schedule
from kiosk.ui.palette import next_phase_palette, palette_for
from kiosk.ui.screens import SCREEN_FOR_PHASE, KioskScreen, PhaseScreen, PlanChoice, Stage, build_screen
from kiosk.ui.status import INVITATION, PHASE_NAMES, minutes_left
from kiosk.ui.window import BASE_SIZE, cover_the_screen

log = logging.getLogger(__name__)

KEY_ESCAPE, KEY_F1 = 27, 282


def kivy_schedule(callback: Callable[[], None], delay: float) -> Callable[[], None]:
    event = Clock.schedule_once(lambda _dt: callback(), delay)
    return event.cancel


class KioskApp(App):
    title = "Room kiosk"
    use_kivy_settings = False

    # the palette now on screen (drifting); kv binds to these
    bg = ColorProperty((0, 0, 0, 1))
    ink = ColorProperty((1, 1, 1, 1))
    ink_soft = ColorProperty((1, 1, 1, 0.6))
    shape = ColorProperty((1, 1, 1, 1))
    halo = ColorProperty((1, 1, 1, 0.2))
    arc_track = ColorProperty((1, 1, 1, 0.1))
    arc = ColorProperty((1, 1, 1, 0.7))
    control = ColorProperty((1, 1, 1, 0.8))

    scale = NumericProperty(1.0)
    presence = NumericProperty(0.0)      # the breathing shape and arc, shown during a session
    arc_presence = NumericProperty(0.0)
    breathing = BooleanProperty(True)
    profile = StringProperty("calm")
    show_minutes = BooleanProperty(False)
    breaths_per_minute = NumericProperty(6.0)
    chime_volume = NumericProperty(0.35)
    room_name = StringProperty("")
    glyph_state = StringProperty("quiet")
    plans = ListProperty([])

    def __init__(self, station: Station, now: Callable[[], float] = time.monotonic, chime: Chime | None = None,
                 schedule: Schedule | None = None, help_key: bool = False, kiosk_mode: bool | None = None,
                 drive_clock: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        use_language(station.config.language)  # before any screen is built: kv text goes through _
        self.station = station
        self.room = station.room
        self.kiosk_config = station.config
        self.now = now
        self.pacer = Pacer(now, schedule or kivy_schedule)
        self.chime = chime or KivyChime()
        self.help_key = help_key
        self.kiosk_mode = station.config.display.fullscreen if kiosk_mode is None else kiosk_mode
        self.drive_clock = drive_clock
        self.flips = 0
        self.draws = 0
        self.first_frame_callbacks: list[Callable[[], None]] = []
        self.view: RoomView | None = None
        self.shown_phase: Phase | None = None
        self.panel = None
        self._ticker = None
        self._arc_key: tuple | None = None
        self._scene_change: SceneChange | None = None
        self._presence_fades: dict[str, Fade] = {}
        d = station.config.display
        self.profile, self.show_minutes = d.profile, d.show_minutes
        self.breaths_per_minute, self.chime_volume = d.breaths_per_minute, d.chime_volume
        self.room_name = station.config.room
        self.plans = [p.name for p in station.config.plans]
        for key, value in remembered_settings(self.room.journal).items():
            setattr(self, key, value)
        self.drift = PaletteDrift(self, palette_for(Phase.WELCOME, self.profile))

    # --- building ----------------------------------------------------------------

    def build(self) -> Stage:
        rules.load("stage")
        self.root = Stage()
        self.screens = self.root.ids.screens
        Window.bind(on_flip=self._count_flip, on_draw=self._count_draw, size=self._rescale,
                    on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        self._rescale(Window, Window.size)
        self.bridge = Bridge(self._on_facts)
        self.room.subscribe(self.bridge)
        self.refresh()
        return self.root

    def on_start(self) -> None:
        if self.kiosk_mode and self.kiosk_config.display.fullscreen:
            cover_the_screen(Window, later=Clock.schedule_once)
        if self.drive_clock:
            self._ticker = Clock.schedule_interval(lambda _dt: self.pulse(), 1.0)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self.room.unsubscribe(self.bridge)
        Window.unbind(on_flip=self._count_flip, on_draw=self._count_draw, size=self._rescale,
                      on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)

    def request_stop(self) -> None:
        """Stop from a signal handler or another thread: the loop stops on its own thread."""
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def open_settings(self, *args) -> bool:
        """Kivy's F1 settings panel: never here; the facilitator layer has ours."""
        return False

    def _count_flip(self, *_) -> None:
        self.flips += 1
        for callback in list(self.first_frame_callbacks):
            callback()

    def _count_draw(self, *_) -> None:
        self.draws += 1

    def _rescale(self, _window, size) -> None:
        w, h = size
        self.scale = max(0.5, min(w / BASE_SIZE[0], h / BASE_SIZE[1]))

    def _on_keyboard(self, _window, key, _scancode, codepoint, _modifiers) -> bool:
        if key in (KEY_ESCAPE, KEY_F1):
            if key == KEY_ESCAPE and self.panel is not None:
                self.close_facilitator()
                return True
            return self.kiosk_mode or key == KEY_F1
        if self.help_key and codepoint in ("h", "H"):
            self.room.raise_help(source="keyboard", wait=False)
            return True
        return False

    def _on_request_close(self, *_args, **_kwargs) -> bool:
        return self.kiosk_mode

    # --- time and news -------------------------------------------------------------

    def pulse(self) -> None:
        """Let time pass in the room (cues, phase ends) and show the result; tell systemd the screen lives."""
        self.room.tick()
        self.refresh()
        self.station.heartbeat()

    def _on_facts(self, facts: list[Fact]) -> None:
        for fact in facts:
            if fact.kind == F.CUE_FIRED:
                self.play_chime("cue")
            elif fact.kind == F.PHASE_CHANGED and fact.data.get("reason") == "timer":
                self.play_chime("phase")
        self.refresh()

    def play_chime(self, name: str) -> bool | None:
        """None in a soundless profile; otherwise whether it played (a failure reaches Health.sound_ok)."""
        return None if self.profile in SOUNDLESS_PROFILES else sounded(self.chime, self.room, name, self.chime_volume)

    # --- showing a view --------------------------------------------------------------

    def screen(self, phase: Phase) -> KioskScreen:
        """The phase's screen, built the first time it is asked for: the first frame waits for one screen only."""
        name = SCREEN_FOR_PHASE[phase]
        if not self.screens.has_screen(name):
            self.screens.add_widget(build_screen(name))
        return self.screens.get_screen(name)

    def refresh(self) -> None:
        view = self.room.view()
        self.view = view
        t = self.now()
        changed = view.phase is not self.shown_phase
        first = self.shown_phase is None
        if changed:
            self._show_phase(view.phase, t)
        scr = self.screen(view.phase)
        scr.prompt = _(view.prompt)  # the default prompts are in the catalog; a room's own stay as written
        if view.phase is Phase.WELCOME:
            self._show_plans(view)
        if isinstance(scr, PhaseScreen):
            self._show_time(scr, view, t)
        self.glyph_state = str(view.glyph)
        self._settle_palette(view, t, 0.0 if first else PHASE_DRIFT_SECONDS if changed else CUE_DRIFT_SECONDS)
        if self.panel is not None:
            self.panel.show(view)

    def _show_phase(self, phase: Phase, t: float) -> None:
        old = None
        if self.shown_phase is not None:
            old = self.screens.current_screen
            self._cancel_holds(self.screen(self.shown_phase))
        self._settle_presence(phase, t, at_once=self.shown_phase is None)
        if self._scene_change is not None:
            self.pacer.remove(self._scene_change)
            self._scene_change.finish()
        self.shown_phase = phase
        self._arc_key = None
        scr = self.screen(phase)
        if isinstance(scr, PhaseScreen):
            scr.title = _(PHASE_NAMES[phase])
        scr.content_opacity = 0.0
        self._scene_change = SceneChange(self.screens, old, scr, t)
        self.pacer.add(self._scene_change)

    @property
    def breath(self) -> BreathingShape:
        """The breathing shape widget (the `shape` property is its colour)."""
        return self.root.ids.shape

    @property
    def progress_arc(self) -> ProgressArc:
        return self.root.ids.arc

    def _keep_breath_phase(self, breaths_per_minute: float) -> None:
        """A new pace continues the breath from where it is, without a jump."""
        t, shape = self.now(), self.breath
        u = ((t - shape.epoch) / shape.period) % 1.0
        shape.epoch = t - u * 60.0 / max(0.5, breaths_per_minute)

    def _settle_presence(self, phase: Phase, t: float, at_once: bool = False) -> None:
        """The shape appears slowly as a session opens, rests on thank-you, and fades slowly after."""
        in_session = phase in (Phase.OPENING, Phase.HOLDING, Phase.CLOSING)
        if in_session and self.presence == 0.0:
            self.breath.epoch = t
        self.breathing = in_session
        self.breath.level = -1
        self.pacer.add(self.breath)
        for name, goal in (("presence", 1.0 if in_session or phase is Phase.DONE else 0.0),
                           ("arc_presence", 1.0 if in_session else 0.0)):
            old = self._presence_fades.pop(name, None)
            if old is not None:
                self.pacer.remove(old)
            if at_once:
                setattr(self, name, goal)
            elif getattr(self, name) != goal:
                fade = Fade(lambda v, n=name: setattr(self, n, v), t, PRESENCE_SECONDS, PRESENCE_STEPS,
                            start=getattr(self, name), end=goal)
                self._presence_fades[name] = fade
                self.pacer.add(fade)

    def _cancel_holds(self, scr) -> None:
        hold = scr.ids.get("hold")
        if hold is not None:
            hold.cancel_hold()

    def _show_plans(self, view: RoomView) -> None:
        scr = self.screen(Phase.WELCOME)
        scr.plans = list(view.plans)
        scr.chosen = view.plan.name
        box = scr.ids.plans
        names = list(view.plans) if len(view.plans) > 1 else []
        if [c.text for c in reversed(box.children)] != names:
            box.clear_widgets()
            for name in names:
                box.add_widget(PlanChoice(text=name))
        for chip in box.children:
            chip.chosen = chip.text == view.plan.name

    def _show_time(self, scr: PhaseScreen, view: RoomView, t: float) -> None:
        n, unit = minutes_left(view.remaining) if self.show_minutes else ("", "")
        scr.minutes, scr.minutes_unit = n, unit
        if view.invites_closing and not scr.inviting:
            scr.invitation = _(INVITATION)
            scr.invitation_opacity = 0.0
            self.pacer.add(Fade(lambda v: setattr(scr, "invitation_opacity", v), t, PRESENCE_SECONDS,
                                PRESENCE_STEPS))
        elif not view.invites_closing:
            scr.invitation, scr.invitation_opacity = "", 0.0
        scr.inviting = view.invites_closing
        remaining = view.remaining
        planned_end = None if remaining is None else round(self.room.clock.now() + remaining, 3)
        key = (view.phase, planned_end)
        if key != self._arc_key:
            self._arc_key = key
            rate = (1.0 - view.progress) / remaining if remaining and remaining > 0 else 0.0
            self.progress_arc.follow(view.progress, rate, t)
            self.pacer.add(self.progress_arc)
            self.pacer.wake()

    def _settle_palette(self, view: RoomView, t: float, seconds: float) -> None:
        base = palette_for(view.phase, self.profile)
        f = 0.0
        if view.phase in (Phase.OPENING, Phase.HOLDING, Phase.CLOSING):
            if view.cues_total:
                f = 0.4 * view.cues_fired / view.cues_total
            if view.invites_closing:
                f = 0.5
        goal = base.mix(next_phase_palette(view.phase, self.profile), f) if f else base
        if seconds <= 0:
            self.drift.jump(goal)
            return
        if self.drift.to(goal, t, seconds):
            self.pacer.add(self.drift)
            self.pacer.wake()

    # --- what people do ------------------------------------------------------------------

    def choose_plan(self, name: str) -> None:
        self.room.choose_plan(name)
        self.refresh()

    def begin(self) -> None:
        self.room.begin()

    def continue_to_holding(self) -> None:
        self.room.continue_to_holding()

    def go_to_closing(self) -> None:
        self.room.go_to_closing()

    def extend(self) -> None:
        self.room.extend(300.0)

    def end_session(self) -> None:
        self.room.end_session()

    def resolve_help(self) -> None:
        self.room.change_help(F.HELP_RESOLVED, by="kiosk")

    def open_facilitator(self) -> None:
        from kiosk.ui.facilitator import FacilitatorPanel

        if self.panel is None:
            self.panel = FacilitatorPanel()
            self.panel.bind(on_dismiss=lambda *_: setattr(self, "panel", None))
            self.panel.open(animation=False)
        if self.view is not None:
            self.panel.show(self.view)

    def close_facilitator(self) -> None:
        if self.panel is not None:
            self.panel.dismiss(animation=False)
            self.panel = None

    # --- settings ----------------------------------------------------------------------------

    def change_settings(self, **changes) -> None:
        """profile, show_minutes, breaths_per_minute, chime_volume: shown at once and journalled."""
        if "profile" in changes and changes["profile"] not in PROFILES:
            raise ValueError(f"unknown sensory profile {changes['profile']!r}; one of {', '.join(PROFILES)}")
        if "breaths_per_minute" in changes:
            self._keep_breath_phase(changes["breaths_per_minute"])
        for key, value in changes.items():
            setattr(self, key, value)
        self.room.note(F.SETTINGS_CHANGED, {**changes, "by": "facilitator"})
        if "profile" in changes or "breaths_per_minute" in changes:
            self.breath.level = -1
            self.pacer.add(self.breath)
            self.pacer.wake()
        self.refresh()
