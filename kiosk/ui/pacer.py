"""The pacer: redraw only as often as the eye needs, and never while nothing moves.

Every redraw of the window costs the same whatever changed (about 14 ms of
CPU for 800x480 under a software renderer), so the budget is a budget of
redraws. Each moving thing on screen is a Motion that draws its state for a
time t and says when its drawn state would next change (a breath that has
grown by a pixel, an arc that has moved a pixel, a colour step). The pacer
wakes once for the earliest of those, allowing each motion some lateness so
that changes due close together share one redraw. With nothing moving it
schedules nothing at all.
"""

from __future__ import annotations

import logging
import math
from typing import Callable, Protocol

log = logging.getLogger(__name__)

Schedule = Callable[[Callable[[], None], float], Callable[[], None]]


class Motion(Protocol):
    #: how late (seconds) a change may be drawn, so nearby changes can share a redraw
    tolerance: float

    def step(self, t: float) -> float | None:
        """Draw the state at time t; return when it next changes, or None when at rest."""


class Pacer:
    def __init__(self, now: Callable[[], float], schedule: Schedule) -> None:
        self.now = now
        self._schedule = schedule
        self._motions: list[Motion] = []
        self._cancel: Callable[[], None] | None = None
        self._due: float | None = None
        self.wakes = 0

    @property
    def idle(self) -> bool:
        return not self._motions

    def add(self, motion: Motion) -> None:
        if motion not in self._motions:
            self._motions.append(motion)
        self.wake()

    def remove(self, motion: Motion) -> None:
        if motion in self._motions:
            self._motions.remove(motion)
        if not self._motions:
            self._unschedule()

    def wake(self) -> None:
        """Draw every motion now and plan the next wake."""
        self._unschedule()
        t = self.now()
        self.wakes += 1
        due: float | None = None
        for motion in list(self._motions):
            try:
                nxt = motion.step(t)
            except Exception:
                log.exception("motion %r failed; it stops", motion)
                nxt = None
            if nxt is None:
                if motion in self._motions:
                    self._motions.remove(motion)
                continue
            latest = nxt + motion.tolerance
            due = latest if due is None else min(due, latest)
        if due is not None:
            self._due = due
            self._cancel = self._schedule(self.wake, max(0.0, due - t))

    def _unschedule(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None
        self._due = None


# --- motions' arithmetic (pure) -------------------------------------------------------


def breath_value(t: float, epoch: float, period: float) -> float:
    """0 (out) .. 1 (in): a gentle cosine breath."""
    u = ((t - epoch) / period) % 1.0
    return (1.0 - math.cos(2 * math.pi * u)) / 2.0


def breath_next_change(t: float, epoch: float, period: float, levels: int) -> float:
    """When round(breath_value * levels) next changes after t."""
    u = ((t - epoch) / period) % 1.0
    theta = 2 * math.pi * u
    level = round(breath_value(t, epoch, period) * levels)

    def angle(s: float, rising: bool) -> float:
        a = math.acos(max(-1.0, min(1.0, 1.0 - 2.0 * s)))
        return a if rising else 2 * math.pi - a

    if theta < math.pi:
        if level < levels:
            target = angle((level + 0.5) / levels, True)
        else:
            target = angle((level - 0.5) / levels, False)
    else:
        if level > 0:
            target = angle((level - 0.5) / levels, False)
        else:
            target = 2 * math.pi + angle(0.5 / levels, True)
    if target <= theta:
        target = theta + 1e-3
    return t + (target - theta) / (2 * math.pi) * period + 1e-3


def ease(f: float) -> float:
    f = max(0.0, min(1.0, f))
    return f * f * (3 - 2 * f)


class Ramp:
    """A value moving from a to b over a duration in a fixed number of even steps."""

    def __init__(self, start: float, duration: float, steps: int) -> None:
        self.start = start
        self.duration = max(duration, 1e-6)
        self.steps = max(1, steps)

    def index(self, t: float) -> int:
        return max(0, min(self.steps, math.floor((t - self.start) / self.duration * self.steps + 1e-9)))

    def fraction(self, t: float) -> float:
        return ease(self.index(t) / self.steps)

    def next_change(self, t: float) -> float | None:
        i = self.index(t)
        if i >= self.steps:
            return None
        return self.start + (i + 1) * self.duration / self.steps
