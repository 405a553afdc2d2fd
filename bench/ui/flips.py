"""Reading what flip_probe.py writes: how many frames a probed Kivy program has flipped, and when."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

PROBE = Path(__file__).with_name("flip_probe.py")


@dataclass(frozen=True)
class Flips:
    count: int = 0
    first: float | None = None
    latest: float | None = None


def read(path: Path) -> Flips:
    for _ in range(5):
        try:
            parts = path.read_text().split()
        except FileNotFoundError:
            return Flips()
        if not parts:
            return Flips()
        try:
            count, first, latest = int(parts[0]), float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            time.sleep(0.005)
            continue
        return Flips(count, first, latest)
    return Flips()


def wait_first(path: Path, alive, timeout: float) -> Flips:  # noqa: ANN001 - alive() -> bool
    """Poll until the first flip is reported, the program dies, or timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        flips = read(path)
        if flips.count:
            return flips
        time.sleep(0.01)
    return read(path)
