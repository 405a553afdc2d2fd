"""Palettes: the colours of each phase under each sensory profile.

Soft, low-saturation colours; no alarm red anywhere. A palette drifts toward
the next phase's as a transition nears, so colours are mixed here, and the
relative luminance used by the flash test is computed here too.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, fields

from kiosk.session.plan import Phase

RGBA = tuple[float, float, float, float]


def hex_rgba(code: str, alpha: float = 1.0) -> RGBA:
    code = code.lstrip("#")
    r, g, b = (int(code[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b, alpha)


@dataclass(frozen=True)
class Palette:
    bg: RGBA
    ink: RGBA
    ink_soft: RGBA
    shape: RGBA
    halo: RGBA
    arc_track: RGBA
    arc: RGBA
    control: RGBA

    def mix(self, other: "Palette", f: float) -> "Palette":
        f = max(0.0, min(1.0, f))
        return Palette(**{
            fl.name: tuple(a + (b - a) * f for a, b in zip(getattr(self, fl.name), getattr(other, fl.name)))
            for fl in fields(self)})

    def colours(self) -> dict[str, RGBA]:
        return {fl.name: getattr(self, fl.name) for fl in fields(self)}


def _calm(bg: str, shape: str, accent: str, ink: str = "#EEF0EA") -> Palette:
    return Palette(bg=hex_rgba(bg), ink=hex_rgba(ink, 0.94), ink_soft=hex_rgba(ink, 0.62), shape=hex_rgba(shape, 0.92),
                   halo=hex_rgba(shape, 0.30), arc_track=hex_rgba(ink, 0.10), arc=hex_rgba(accent, 0.70),
                   control=hex_rgba(accent, 0.85))


CALM: dict[Phase, Palette] = {
    Phase.WELCOME: _calm("#25303A", "#C9D6CF", "#A9C4BC"),
    Phase.OPENING: _calm("#233440", "#E6D8C0", "#E3CFAF"),
    Phase.HOLDING: _calm("#213530", "#BFD8C6", "#A6CBB2"),
    Phase.CLOSING: _calm("#283044", "#CBD2EC", "#B7C1E4"),
    Phase.DONE: _calm("#33302D", "#EAD9C2", "#E0C7A6"),
}


def _contrast(accent: str) -> Palette:
    return Palette(bg=hex_rgba("#0B0D10"), ink=hex_rgba("#FFFFFF"), ink_soft=hex_rgba("#E4E6EA"), shape=hex_rgba(accent, 1.0),
                   halo=hex_rgba(accent, 0.22), arc_track=hex_rgba("#FFFFFF", 0.28), arc=hex_rgba(accent, 1.0),
                   control=hex_rgba(accent, 1.0))


HIGH_CONTRAST: dict[Phase, Palette] = {
    Phase.WELCOME: _contrast("#F2F2F2"),
    Phase.OPENING: _contrast("#FFE3A8"),
    Phase.HOLDING: _contrast("#B5F2C4"),
    Phase.CLOSING: _contrast("#C9D4FF"),
    Phase.DONE: _contrast("#FFD9B0"),
}


def palette_for(phase: Phase, profile: str) -> Palette:
    table = HIGH_CONTRAST if profile == "high_contrast" else CALM
    return table[phase]


def next_phase_palette(phase: Phase, profile: str) -> Palette:
    """Where a phase's palette drifts as its end nears: holding drifts toward closing, and so on."""
    target = {Phase.WELCOME: Phase.WELCOME, Phase.OPENING: Phase.HOLDING, Phase.HOLDING: Phase.CLOSING,
              Phase.CLOSING: Phase.DONE, Phase.DONE: Phase.WELCOME}[phase]
    return palette_for(target, profile)


def relative_luminance(r: float, g: float, b: float) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0..1 channels)."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def is_alarm_red(rgba: RGBA) -> bool:
    """Saturated reds and oranges-red read as alarm; soft, greyed tones do not."""
    h, _l, s = colorsys.rgb_to_hls(*rgba[:3])
    hue = h * 360
    return s > 0.45 and (hue < 20 or hue > 340) and max(rgba[:3]) > 0.5
