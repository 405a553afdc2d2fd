"""Slow changes of colour and presence: the palette drifting toward the next phase, content fading in.

Both move in small even steps (a few a second), each step less than the eye
can tell apart, so nothing ever flashes: a whole drift of several seconds is
one gentle change.
"""

from __future__ import annotations

from typing import Any, Callable

from kiosk.ui.pacer import Ramp
from kiosk.ui.palette import Palette

PHASE_DRIFT_SECONDS = 6.0
CUE_DRIFT_SECONDS = 8.0
STEPS_PER_SECOND = 4.0
FADE_SECONDS = 1.2
FADE_STEPS = 10
PRESENCE_SECONDS = 4.0
PRESENCE_STEPS = 16


class PaletteDrift:
    """Moves `target`'s colour properties (bg, ink, shape...) from one Palette to another."""

    tolerance = 0.05

    def __init__(self, target: Any, start: Palette) -> None:
        self.target = target
        self.shown = start
        self.goal = start
        self._from = start
        self._ramp: Ramp | None = None
        self._apply(start)

    def to(self, goal: Palette, t: float, seconds: float) -> bool:
        """Start drifting toward goal from what is shown now; False if already there or on the way."""
        if goal == self.goal:
            return False
        self._from = self.shown
        self.goal = goal
        self._ramp = Ramp(t, seconds, max(1, round(seconds * STEPS_PER_SECOND)))
        return True

    def jump(self, goal: Palette) -> None:
        self._ramp = None
        self.goal = goal
        self._apply(goal)

    def step(self, t: float) -> float | None:
        if self._ramp is None:
            return None
        self._apply(self._from.mix(self.goal, self._ramp.fraction(t)))
        nxt = self._ramp.next_change(t)
        if nxt is None:
            self._ramp = None
        return nxt

    def _apply(self, palette: Palette) -> None:
        self.shown = palette
        for name, rgba in palette.colours().items():
            setattr(self.target, name, list(rgba))


class Fade:
    """A value going from start to end in a few even steps (a shape appearing, content fading in)."""

    tolerance = 0.05

    def __init__(self, setter: Callable[[float], None], t: float, seconds: float = FADE_SECONDS,
                 steps: int = FADE_STEPS, start: float = 0.0, end: float = 1.0) -> None:
        self.setter = setter
        self.ramp = Ramp(t, seconds, steps)
        self.start, self.end = start, end

    def step(self, t: float) -> float | None:
        self.setter(self.start + (self.end - self.start) * self.ramp.fraction(t))
        return self.ramp.next_change(t)


class SceneChange:
    """One screen's content fades out, then the next screen's fades in: text never just vanishes."""

    tolerance = 0.05

    def __init__(self, manager: Any, old: Any, new: Any, t: float, out_seconds: float = 0.6,
                 in_seconds: float = FADE_SECONDS) -> None:
        self.manager, self.old, self.new = manager, old, new
        fading_out = old is not None and old is not new
        self.out = Ramp(t, out_seconds, 5) if fading_out else None
        self.fade_in = Ramp(t + (out_seconds if fading_out else 0.0), in_seconds, FADE_STEPS)
        self.switched = False

    def step(self, t: float) -> float | None:
        if self.out is not None and not self.switched:
            self.old.content_opacity = 1.0 - self.out.fraction(t)
            nxt = self.out.next_change(t)
            if nxt is not None:
                return nxt
        if not self.switched:
            self.switch()
        self.new.content_opacity = self.fade_in.fraction(t)
        return self.fade_in.next_change(t)

    def switch(self) -> None:
        self.switched = True
        self.new.content_opacity = 0.0
        self.manager.current = self.new.name

    def finish(self) -> None:
        if not self.switched:
            self.switch()
        self.new.content_opacity = 1.0
