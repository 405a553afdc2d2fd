"""Screenshots of every screen state and help-glyph state, at 800x480 and 1920x1080.

    python -m kiosk.ui.screenshots --out DIR [--size 800x480 --size 1920x1080] [--language de]

Runs offscreen (SDL_VIDEODRIVER=offscreen unless set), with a throwaway
data folder and a FakeClock, so it needs no display and touches nothing.
Each size runs in its own process: an offscreen GL surface keeps the size it
was created with.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kiosk.language import LANGUAGES
from kiosk.launch import prepare_kivy

SIZES = ((800, 480), (1920, 1080))


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(p) for p in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, such as 800x480") from None
    return w, h


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--size", type=parse_size, action="append", help="WIDTHxHEIGHT (repeatable)")
    parser.add_argument("--language", default="en", choices=LANGUAGES, help="what the screens say (default en)")
    args = parser.parse_args(argv)
    sizes = args.size or list(SIZES)
    if len(sizes) > 1:
        for size in sizes:
            cmd = [sys.executable, "-m", "kiosk.ui.screenshots", "--out", str(args.out), "--size",
                   f"{size[0]}x{size[1]}", "--language", args.language]
            code = subprocess.run(cmd, check=False).returncode
            if code:
                return code
        return 0
    work = Path(tempfile.mkdtemp(prefix="kiosk-screenshots-"))
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    prepare_kivy(work / "kivy")
    from kiosk.ui.window import WindowSettings, configure

    configure(WindowSettings(size=sizes[0], fullscreen=False, kiosk=False))
    from kiosk.ui.album import shoot_all

    size = sizes[0]
    try:
        written = shoot_all(args.out, size, work, args.language)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for path in written:
        print(path)
    print(f"{len(written)} screenshots at {size[0]}x{size[1]} in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
