"""`python -m kiosk.ui.screenshots --out DIR` (what `make screenshots` runs) writes every state at both sizes."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLYPHS = ("quiet", "sending", "delivered", "coming", "not-delivered", "button-fault")
SCREENS = ("welcome", "opening", "holding", "closing", "thank-you", "facilitator", "pin", "settings",
           "export-stick-found", "export-writing", "export-safe-to-remove", "export-full-stick", "not-sealed",
           "export-stick-found-sealed", "export-stick-removed")


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_screenshots_of_every_state_at_both_sizes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env["HOME"] = str(tmp_path)
    out = tmp_path / "shots"
    subprocess.run([sys.executable, "-m", "kiosk.ui.screenshots", "--out", str(out)], cwd=ROOT, env=env,
                   check=True, timeout=300, capture_output=True)
    for w, h in ((800, 480), (1920, 1080)):
        files = sorted(out.glob(f"{w}x{h}-*.png"))
        names = " ".join(p.name for p in files)
        for state in SCREENS + tuple(f"glyph-{g}" for g in GLYPHS):
            assert f"-{state}" in names, f"no {state} screenshot at {w}x{h}"
        assert all(png_size(p) == (w, h) for p in files)
        again = out / f"{w}x{h}-15-welcome-again.png"
        assert again.read_bytes() == (out / f"{w}x{h}-01-welcome.png").read_bytes(), "welcome left traces"
        others = [p for p in files if p != again]
        assert len({p.read_bytes() for p in others}) == len(others), "two states look identical"
    assert not (tmp_path / ".kivy").exists()
