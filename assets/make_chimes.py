"""Synthesise the kiosk's chimes: soft attack, long decay, no harsh harmonics.

Run `python assets/make_chimes.py` to rewrite assets/chimes/*.wav (committed).
Pure Python (no numpy), deterministic output.

Each chime is a few sine partials at gentle, near-harmonic ratios (a warm
singing-bowl colour rather than a bell's clang), each decaying on its own
time constant, higher ones faster, so the sound darkens as it fades. The
attack is a 60-90 ms raised-cosine swell: no click, nothing startling. Peak
level is -9 dBFS so the volume setting, not the file, decides loudness.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 44100
PEAK = 10 ** (-9 / 20)

# name: (fundamental Hz, seconds, attack s, [(ratio, amplitude, decay time-constant s)])
CHIMES = {
    # a lead-time cue: "time is moving on"; a soft, warm tone
    "cue": (392.0, 4.5, 0.08, [(1.0, 1.0, 1.6), (2.0, 0.22, 0.9), (3.0, 0.06, 0.5), (1.5, 0.10, 1.1)]),
    # a phase change (opening into holding, closing into thank-you): lower and longer
    "phase": (293.66, 5.5, 0.09, [(1.0, 1.0, 2.0), (2.0, 0.18, 1.1), (2.5, 0.05, 0.6), (1.498, 0.12, 1.4)]),
    # the facilitator's test tone in settings: short
    "test": (440.0, 2.5, 0.06, [(1.0, 1.0, 0.8), (2.0, 0.15, 0.5)]),
}


def synthesise(fundamental: float, seconds: float, attack: float,
               partials: list[tuple[float, float, float]]) -> list[float]:
    n = int(RATE * seconds)
    out = [0.0] * n
    for ratio, amp, tau in partials:
        f = fundamental * ratio
        w = 2 * math.pi * f / RATE
        for i in range(n):
            t = i / RATE
            out[i] += amp * math.exp(-t / tau) * math.sin(w * i)
    fade_out = int(0.3 * RATE)
    for i in range(n):
        t = i / RATE
        env = 0.5 - 0.5 * math.cos(math.pi * t / attack) if t < attack else 1.0
        if i >= n - fade_out:
            env *= (n - i) / fade_out
        out[i] *= env
    top = max(abs(x) for x in out) or 1.0
    return [x / top * PEAK for x in out]


def write_wav(path: Path, samples: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(max(-1.0, min(1.0, x)) * 32767)) for x in samples)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)


def main() -> None:
    folder = Path(__file__).resolve().parent / "chimes"
    for name, (f0, secs, attack, partials) in CHIMES.items():
        write_wav(folder / f"{name}.wav", synthesise(f0, secs, attack, partials))
        print(f"wrote {folder / (name + '.wav')}")


if __name__ == "__main__":
    main()
