"""The screens: Welcome, Opening, Holding, Closing, Thank-you (one .kv file each in kiosk/ui/kv/).

Screens only show what the app hands them and pass held presses back to it;
the app owns the Room.
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.session.plan import Phase
from kiosk.ui import rules

SCREEN_FOR_PHASE = {Phase.WELCOME: "welcome", Phase.OPENING: "opening", Phase.HOLDING: "holding",
                    Phase.CLOSING: "closing", Phase.DONE: "thankyou"}


class KioskScreen(Screen):
    content_opacity = NumericProperty(1.0)
    prompt = StringProperty("")


class PlanChoice(ButtonBehavior, Label):
    """One plan's name on the welcome screen; choosing a plan starts nothing."""

    chosen = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().choose_plan(self.text)


class WelcomeScreen(KioskScreen):
    plans = ListProperty([])
    chosen = StringProperty("")


class PhaseScreen(KioskScreen):
    title = StringProperty("")
    minutes = StringProperty("")
    minutes_unit = StringProperty("")
    invitation = StringProperty("")
    hold_text = StringProperty("")
    inviting = BooleanProperty(False)
    invitation_opacity = NumericProperty(0.0)


class OpeningScreen(PhaseScreen):
    pass


class HoldingScreen(PhaseScreen):
    pass


class ClosingScreen(PhaseScreen):
    pass


class ThankYouScreen(KioskScreen):
    pass


class Stage(FloatLayout):
    """The root: the palette's background, the breathing shape, the screens, and the corner glyph."""

    shape_size = NumericProperty(100.0)
    bg = ColorProperty((0, 0, 0, 1))

    def on_bg(self, _stage, rgba) -> None:
        """The palette's background is the window's clear colour: every redraw clears the window anyway, and a
        full-window rectangle on top of that cost a second pass over every pixel (about a quarter of a frame's CPU in
        software GL)."""
        from kivy.core.window import Window

        Window.clearcolor = tuple(rgba)
        Window.canvas.ask_update()  # a new clear colour alone would not mark the window for a redraw


SCREEN_CLASSES: dict[str, type[KioskScreen]] = {"welcome": WelcomeScreen, "opening": OpeningScreen,
                                                "holding": HoldingScreen, "closing": ClosingScreen,
                                                "thankyou": ThankYouScreen}
_RULES = {"welcome": ("welcome",), "opening": ("phase", "opening"), "holding": ("phase", "holding"),
          "closing": ("phase", "closing"), "thankyou": ("thankyou",)}


def build_screen(name: str) -> KioskScreen:
    """A new screen called name, its kv rules loaded first."""
    rules.load(*_RULES[name])
    return SCREEN_CLASSES[name](name=name)
