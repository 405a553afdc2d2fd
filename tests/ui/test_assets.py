"""The chimes are soft (slow attack, long decay, no harsh harmonics); the palettes are calm and readable."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from kiosk.session.plan import Phase
from kiosk.ui.chime import chime_file
from kiosk.ui.palette import CALM, HIGH_CONTRAST, is_alarm_red, relative_luminance

ROOT = Path(__file__).resolve().parents[2]


def samples(path: Path) -> tuple[int, list[float]]:
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    return rate, [v / 32768 for v in struct.unpack(f"<{len(raw) // 2}h", raw)]


def rms(xs: list[float]) -> float:
    return math.sqrt(sum(x * x for x in xs) / max(1, len(xs)))


def energy_at(xs: list[float], rate: int, freq: float) -> float:
    """Goertzel: the strength of one frequency in a block."""
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in xs:
        s1, s2 = x + k * s1 - s2, s1
    return math.sqrt(max(0.0, s1 * s1 + s2 * s2 - k * s1 * s2)) / len(xs)


@pytest.mark.parametrize("name", ["cue", "phase", "test"])
def test_chime_is_soft(name):
    path = chime_file(name)
    assert path is not None, f"assets/chimes/{name}.wav is missing: run python assets/make_chimes.py"
    rate, xs = samples(path)
    ms = rate // 1000
    peak = max(abs(x) for x in xs)
    assert peak <= 10 ** (-8 / 20), "peak above -8 dBFS: the volume setting should decide loudness"
    assert max(abs(x) for x in xs[:5 * ms]) < 0.1 * peak, "the attack is a click, not a swell"
    assert abs(xs[0]) < 1e-3 and abs(xs[-1]) < 1e-3
    early, late = rms(xs[100 * ms:400 * ms]), rms(xs[len(xs) // 2:len(xs) // 2 + 300 * ms])
    assert late < early / 2 and late > early / 200, "it should ring on and fade, not stop or drone"
    block = xs[100 * ms:100 * ms + 4096]
    body = max(energy_at(block, rate, f) for f in (293.66, 392.0, 440.0))
    harsh = max(energy_at(block, rate, f) for f in (2500.0, 3150.0, 4000.0, 6300.0))
    assert harsh < body / 300, "harsh high harmonics"


def test_make_chimes_reproduces_the_committed_files(tmp_path):
    committed = {p.name: p.read_bytes() for p in (ROOT / "assets" / "chimes").glob("*.wav")}
    code = ("import runpy, sys, pathlib; sys.argv=['make_chimes']; ns = runpy.run_path(%r); "
            "[ns['write_wav'](pathlib.Path(%r) / (n + '.wav'), ns['synthesise'](*spec)) "
            "for n, spec in ns['CHIMES'].items()]") % (str(ROOT / "assets" / "make_chimes.py"), str(tmp_path))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    made = {p.name: p.read_bytes() for p in tmp_path.glob("*.wav")}
    assert made == committed


def contrast(a, b) -> float:
    la, lb = relative_luminance(*a[:3]), relative_luminance(*b[:3])
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_palettes_are_calm_readable_and_never_alarm_red():
    for table, minimum in ((CALM, 7.0), (HIGH_CONTRAST, 12.0)):
        for phase, palette in table.items():
            for name, rgba in palette.colours().items():
                assert not is_alarm_red(rgba), (phase, name, rgba)
            assert contrast(palette.ink, palette.bg) >= minimum, phase
    assert is_alarm_red((0.9, 0.1, 0.1, 1.0))
    assert not is_alarm_red((0.8, 0.6, 0.55, 1.0))
    calm_bgs = [relative_luminance(*p.bg[:3]) for p in CALM.values()]
    assert max(calm_bgs) < 0.05, "calm backgrounds stay dim in a therapy room"
    assert CALM[Phase.HOLDING] != CALM[Phase.CLOSING]


def test_kivy_chime_plays_through_sdl_audio(rehearse):
    from kiosk.ui.chime import KivyChime

    chime = KivyChime()
    chime.play("cue", 0.01)
    sound = chime._sounds.get("cue")
    assert sound is not None, "SDL2 audio could not load assets/chimes/cue.wav"
    assert sound.volume == 0.05                         # never below the floor
    assert sound.length > 3.0                           # a long, soft decay
    sound.stop()
