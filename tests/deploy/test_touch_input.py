"""One touch is one touch: the real kiosk screen runs exactly one Kivy input provider.

SDL turns the touch screen's events into mouse events (on KMSDRM through its own evdev reader, under
X through the X server); Kivy's Linux defaults would add a second reader of the same device
(probesysfs/hidinput), and every touch would then arrive twice. Kivy's SDL window also registers its
own finger provider, which it feeds only on iOS and Android (kivy/core/window/window_sdl2.py ignores
finger events elsewhere): on a Pi it never delivers a touch.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import REPO


def test_the_kiosk_screen_reads_touches_through_one_provider_the_sdl_mouse(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.update(SDL_VIDEODRIVER="offscreen", SDL_AUDIODRIVER="dummy", HOME=str(tmp_path), PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, str(REPO / "tests/deploy/input_providers.py"), str(tmp_path / "data")],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    providers = [line.split()[1:] for line in out.stdout.splitlines() if line.startswith("PROVIDER ")]
    assert sorted(providers) == [["kivy.core.window.window_sdl2.SDL2MotionEventProvider", "sdl"],
                                 ["kivy.input.providers.mouse.MouseMotionEventProvider", "mouse"]], out.stdout
    # the finger provider's feeding rule, read from Kivy's source (importing it would open a window here)
    kivy_dir = Path(importlib.util.find_spec("kivy").submodule_search_locations[0])
    window_source = (kivy_dir / "core/window/window_sdl2.py").read_text()
    assert re.search(r"if platform in \('ios', 'android'\):\s+SDL2MotionEventProvider\.q\.appendleft\(event\)",
                     window_source), "Kivy now feeds finger events on Linux too: touches may arrive twice"
