"""Hold-to-act: a press held about 1.5 s fills a ring, then acts. Letting go early does nothing.

Children touch screens; a tap must never start or end anything. The ring is
a Motion, so it costs redraws only while a finger is down.
"""

from __future__ import annotations

import logging
import math

from kivy.app import App
from kivy.graphics import Color, Line, SmoothEllipse, SmoothLine
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout

log = logging.getLogger(__name__)

HOLD_SECONDS = 1.5


class HoldBehavior:
    """Mixin for a widget that acts only on a held press; dispatches on_hold when the ring is full."""

    hold_seconds = NumericProperty(HOLD_SECONDS)
    filled = NumericProperty(0.0)
    holding = BooleanProperty(False)
    enabled = BooleanProperty(True)
    tolerance = 0.0

    def _hold_init(self) -> None:
        self.register_event_type("on_hold")
        self.register_event_type("on_tap")
        self._touch = None
        self._started = 0.0

    @property
    def _app(self):
        return App.get_running_app()

    def _ring_steps(self) -> int:
        app = self._app
        if app is not None and getattr(app, "profile", "calm") == "still":
            return 3
        return 18

    def on_touch_down(self, touch) -> bool:
        if not self.enabled or not self.collide_point(*touch.pos) or self._touch is not None:
            return super().on_touch_down(touch)
        touch.grab(self)
        self._touch = touch
        self._started = self._app.now()
        self.holding = True
        self._app.pacer.add(self)
        return True

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is self:
            if touch is self._touch and not self.collide_point(*touch.pos):
                self._release()  # sliding off is letting go
            return True
        return super().on_touch_move(touch)

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        if self._touch is touch or self._touch is None:
            done = self._touch is touch and self.holding and self._app.now() - self._started >= self.hold_seconds
            self._release()
            if done:
                self.dispatch("on_hold")
            else:
                self.dispatch("on_tap")
        return True

    def _release(self) -> None:
        self._touch = None
        self.holding = False
        self.filled = 0.0
        app = self._app
        if app is not None:
            app.pacer.remove(self)

    def cancel_hold(self) -> None:
        if self._touch is not None:
            self._touch.ungrab(self)
        self._release()

    def step(self, t: float) -> float | None:
        if not self.holding:
            return None
        steps = self._ring_steps()
        elapsed = t - self._started
        index = min(steps, math.floor(elapsed / self.hold_seconds * steps + 1e-9))
        self.filled = index / steps
        if elapsed >= self.hold_seconds:
            if self._touch is not None:
                self._touch.ungrab(self)
            self._release()
            self.dispatch("on_hold")
            return None
        return self._started + (index + 1) * self.hold_seconds / steps

    def on_hold(self) -> None:
        pass

    def on_tap(self) -> None:
        pass


class HoldControl(HoldBehavior, FloatLayout):
    """A round control with a caption: a soft disc, a ring that fills while held."""

    text = StringProperty("")
    colour = ColorProperty((1, 1, 1, 0.8))
    ink = ColorProperty((1, 1, 1, 0.9))
    face_alpha = NumericProperty(0.12)
    ring_width = NumericProperty(3.0)

    def __init__(self, **kwargs) -> None:
        self._hold_init()
        super().__init__(**kwargs)
        with self.canvas.before:
            self._face_c = Color(rgba=(1, 1, 1, 0))
            self._face = SmoothEllipse()
            self._track_c = Color(rgba=(1, 1, 1, 0))
            self._track = Line(circle=(0, 0, 1), width=1.0)
            self._ring_c = Color(rgba=(1, 1, 1, 0))
            self._ring = SmoothLine(circle=(0, 0, 1, 0, 0.01), width=2.0)
        self.bind(pos=self._redraw, size=self._redraw, colour=self._redraw, filled=self._redraw,
                  face_alpha=self._redraw, ring_width=self._redraw, enabled=self._redraw)
        self._redraw()

    def _redraw(self, *_) -> None:
        r = min(self.width, self.height) / 2.0
        cx, cy = self.x + self.width / 2.0, self.y + self.height / 2.0
        c = self.colour
        dim = 1.0 if self.enabled else 0.35
        self._face_c.rgba = (c[0], c[1], c[2], self.face_alpha * dim)
        face = max(1.0, r - self.ring_width * 2)
        self._face.pos = (cx - face, cy - face)
        self._face.size = (2 * face, 2 * face)
        ring_r = max(1.0, r - self.ring_width)
        self._track_c.rgba = (c[0], c[1], c[2], 0.30 * dim)
        self._track.circle = (cx, cy, ring_r)
        self._track.width = max(1.0, self.ring_width * 0.4)
        self._ring_c.rgba = (c[0], c[1], c[2], c[3] if self.filled > 0 else 0.0)
        self._ring.width = self.ring_width
        self._ring.circle = (cx, cy, ring_r, 0, max(0.01, 360.0 * self.filled))
