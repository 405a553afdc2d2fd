"""Frame luminance, and the WCAG 2.3.1 general-flash count, for the flash test."""

from __future__ import annotations

_LINEAR = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in range(256)]
FLASH_DELTA = 0.10  # a change of relative luminance that counts toward a flash (WCAG)


def cell_luminance(w: int, h: int, rgb: bytes, cols: int = 8, rows: int = 5, stride: int = 4) -> list[float]:
    """Mean relative luminance of each cell of a cols x rows grid (about 100x96 px at 800x480)."""
    sums = [0.0] * (cols * rows)
    counts = [0] * (cols * rows)
    lin = _LINEAR
    for y in range(0, h, stride):
        row = y * w * 3
        cy = min(rows - 1, y * rows // h)
        for x in range(0, w, stride):
            i = row + x * 3
            k = cy * cols + min(cols - 1, x * cols // w)
            sums[k] += 0.2126 * lin[rgb[i]] + 0.7152 * lin[rgb[i + 1]] + 0.0722 * lin[rgb[i + 2]]
            counts[k] += 1
    return [s / max(1, n) for s, n in zip(sums, counts)]


def flashes_per_second(times: list[float], values: list[float]) -> float:
    """Most flashes (pairs of opposing changes of >= 0.1 luminance) in any one-second window.

    A single slow change, however large, is no flash."""
    swings: list[float] = []
    anchor = values[0]
    direction = 0
    for t, v in zip(times, values):
        delta = v - anchor
        if abs(delta) >= FLASH_DELTA and (direction == 0 or (delta > 0) != (direction > 0)):
            swings.append(t)
            direction = 1 if delta > 0 else -1
            anchor = v
        elif direction and ((v > anchor) == (direction > 0)):
            anchor = v
    most = 0
    for i, t in enumerate(swings):
        within = sum(1 for s in swings[i:] if s - t < 1.0)
        most = max(most, within // 2)
    return float(most)


def fastest_change(times: list[float], values: list[float], window: float = 1 / 3) -> float:
    """The largest luminance change between any two samples less than `window` seconds apart."""
    worst = 0.0
    for i, (t, v) in enumerate(zip(times, values)):
        for t2, v2 in zip(times[i + 1:], values[i + 1:]):
            if t2 - t >= window:
                break
            worst = max(worst, abs(v2 - v))
    return worst
