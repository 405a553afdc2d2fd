"""The breathing shape and the soft progress arc.

Both are Motions for the pacer: they change their canvas only when the drawn
result would differ by about a pixel, so a ten-second breath costs a couple
of redraws a second and a still profile costs none.
"""

from __future__ import annotations

import math
from functools import lru_cache

from kivy.graphics import Color, Line, Rectangle, SmoothEllipse, SmoothLine
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty
from kivy.uix.widget import Widget

from kiosk.ui.pacer import breath_next_change, breath_value

HALO_PX_PER_STEP = 3.0


@lru_cache(maxsize=1)
def soft_disc(size: int = 128) -> Texture:
    """A white disc whose alpha falls off smoothly to nothing at the rim."""
    buf = bytearray(size * size * 4)
    c = (size - 1) / 2.0
    for y in range(size):
        for x in range(size):
            d = math.hypot(x - c, y - c) / c
            a = 0.0 if d >= 1 else (1 - d * d) ** 2
            i = (y * size + x) * 4
            buf[i:i + 4] = bytes((255, 255, 255, int(a * 255)))
    tex = Texture.create(size=(size, size), colorfmt="rgba")
    tex.blit_buffer(bytes(buf), colorfmt="rgba", bufferfmt="ubyte")
    return tex


class BreathingShape(Widget):
    """A soft disc and its glow, slowly growing and settling at `breaths_per_minute`."""

    colour = ColorProperty((1, 1, 1, 1))
    halo_colour = ColorProperty((1, 1, 1, 0.15))
    breaths_per_minute = NumericProperty(6.0)
    moving = BooleanProperty(True)
    px_step = NumericProperty(HALO_PX_PER_STEP)  # scaled with the window: the same visual step at any resolution
    tolerance = 0.04

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.epoch = 0.0
        self.level = -1
        self.steps = 0
        with self.canvas:
            self._halo_c = Color(rgba=self.halo_colour)
            self._halo = Rectangle(texture=soft_disc())
            self._core_c = Color(rgba=self.colour)
            self._core = SmoothEllipse()
        self.bind(pos=self._relayout, size=self._relayout, colour=self._recolour, halo_colour=self._recolour,
                  moving=self._relayout)

    @property
    def period(self) -> float:
        return 60.0 / max(0.5, self.breaths_per_minute)

    @property
    def radius(self) -> float:
        return min(self.width, self.height) / 2.0

    def levels(self) -> int:
        halo_range = 0.22 * self.radius
        return max(6, round(halo_range / max(0.5, self.px_step)))

    def _recolour(self, *_) -> None:
        self._core_c.rgba = self.colour
        self._draw(force=True)

    def _relayout(self, *_) -> None:
        self.level = -1
        self._draw(force=True)

    def breath_at(self, t: float) -> float:
        if not self.moving:
            return 0.5
        n = self.levels()
        return round(breath_value(t, self.epoch, self.period) * n) / n

    def step(self, t: float) -> float | None:
        if not self.moving:
            self._set_level(-2, 0.5)
            return None
        n = self.levels()
        level = round(breath_value(t, self.epoch, self.period) * n)
        self._set_level(level, level / n)
        return breath_next_change(t, self.epoch, self.period, n)

    def _set_level(self, level: int, s: float) -> None:
        if level == self.level:
            return
        self.level = level
        self._s = s
        self._draw()

    def _draw(self, force: bool = False) -> None:
        s = getattr(self, "_s", 0.5)
        r = self.radius
        cx, cy = self.x + self.width / 2.0, self.y + self.height / 2.0
        core = r * (0.66 + 0.07 * s)
        halo = r * (0.92 + 0.22 * s)
        h = self.halo_colour
        self._halo_c.rgba = (h[0], h[1], h[2], h[3] * (0.75 + 0.5 * s))
        self._halo.pos = (cx - halo, cy - halo)
        self._halo.size = (2 * halo, 2 * halo)
        self._core.pos = (cx - core, cy - core)
        self._core.size = (2 * core, 2 * core)


class ProgressArc(Widget):
    """A thin ring whose arc grows clockwise from the top as the phase goes on."""

    colour = ColorProperty((1, 1, 1, 0.7))
    track_colour = ColorProperty((1, 1, 1, 0.1))
    line_width = NumericProperty(2.0)
    px_step = NumericProperty(1.5)
    tolerance = 2.5

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.progress0 = 0.0
        self.rate = 0.0
        self.t0 = 0.0
        self.level = -1
        with self.canvas:
            self._track_c = Color(rgba=self.track_colour)
            self._track = Line(circle=(0, 0, 1), width=1.0)
            self._arc_c = Color(rgba=self.colour)
            self._arc = SmoothLine(circle=(0, 0, 1, 0, 0), width=self.line_width)
        self.bind(pos=self._relayout, size=self._relayout, colour=self._recolour,
                  track_colour=self._recolour, line_width=self._relayout)

    @property
    def radius(self) -> float:
        return max(1.0, min(self.width, self.height) / 2.0 - self.line_width)

    def levels(self) -> int:
        return max(24, int(2 * math.pi * self.radius / max(0.5, self.px_step)))

    def follow(self, progress: float, rate: float, t: float) -> None:
        """progress now, and its growth per second (0 when time is up or paused)."""
        self.progress0, self.rate, self.t0 = progress, rate, t

    def progress_at(self, t: float) -> float:
        return max(0.0, min(1.0, self.progress0 + self.rate * (t - self.t0)))

    def step(self, t: float) -> float | None:
        n = self.levels()
        p = self.progress_at(t)
        level = math.floor(p * n + 1e-9)
        if level != self.level:
            self.level = level
            self._draw()
        if self.rate <= 0 or p >= 1.0:
            return None
        target = (level + 1) / n
        return self.t0 + (target - self.progress0) / self.rate + 1e-3

    def _recolour(self, *_) -> None:
        self._track_c.rgba = self.track_colour
        self._arc_c.rgba = self.colour

    def _relayout(self, *_) -> None:
        self._draw()

    def _draw(self) -> None:
        cx, cy = self.x + self.width / 2.0, self.y + self.height / 2.0
        r = self.radius
        self._track.circle = (cx, cy, r)
        self._track.width = max(1.0, self.line_width * 0.5)
        n = self.levels()
        angle = 360.0 * max(0, self.level) / n
        self._arc.width = self.line_width
        self._arc.circle = (cx, cy, r, 0, max(angle, 0.01))
        self._arc_c.a = self.colour[3] if angle > 0.5 else 0.0
