"""Synthesise the hub staff page's alert: two soft, falling tones (a doorbell's "ding-dong", not a siren).

Run `python assets/make_alert_sound.py` to rewrite kiosk/hub/static/alert.wav (committed). Pure Python,
deterministic. Distinct enough to be noticed in an office, gentle enough to play every ten seconds: a
40 ms raised-cosine swell (no click), sine partials with a little warmth, decaying in about a second;
peak -6 dBFS, mono 22.05 kHz, 1.8 s.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
PEAK = 10 ** (-6 / 20)
SECONDS = 1.8
# (start s, fundamental Hz, [(ratio, amplitude, decay time-constant s)])
NOTES = [(0.0, 659.25, [(1.0, 1.0, 0.45), (2.0, 0.12, 0.2), (3.0, 0.03, 0.12)]),
         (0.42, 523.25, [(1.0, 1.0, 0.6), (2.0, 0.12, 0.25), (3.0, 0.03, 0.15)])]
ATTACK = 0.04
OUT = Path(__file__).resolve().parents[1] / "kiosk" / "hub" / "static" / "alert.wav"


def synthesise() -> list[float]:
    n = int(RATE * SECONDS)
    out = [0.0] * n
    for start, fundamental, partials in NOTES:
        first = int(start * RATE)
        for ratio, amp, tau in partials:
            w = 2 * math.pi * fundamental * ratio / RATE
            for i in range(n - first):
                t = i / RATE
                swell = 0.5 - 0.5 * math.cos(math.pi * t / ATTACK) if t < ATTACK else 1.0
                out[first + i] += amp * swell * math.exp(-t / tau) * math.sin(w * i)
    tail = int(0.15 * RATE)   # fade the last 150 ms to silence
    for i in range(tail):
        out[n - tail + i] *= 1 - i / tail
    top = max(abs(x) for x in out) or 1.0
    return [x * PEAK / top for x in out]


def write(path: Path = OUT) -> Path:
    samples = synthesise()
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(b"".join(struct.pack("<h", int(round(x * 32767))) for x in samples))
    return path


if __name__ == "__main__":
    print(write())
