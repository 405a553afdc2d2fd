"""Fonts for the words a room types into its prompts and names.

Kivy's own font (Roboto) draws Latin, Greek and Cyrillic. For a text in another script the label
takes a Noto font where the system has one (Debian's fonts-noto-core, which deploy/install.sh
installs on a Pi), else DejaVu Sans (fonts-dejavu-core: Arabic and Hebrew letters, no Devanagari),
else Roboto (boxes). Right-to-left layout and Arabic joining are not done: Kivy's SDL2 text
renderer has no shaping, so Arabic shows its letters unjoined, left to right (the README says so).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"),
             Path("/usr/share/fonts/truetype/dejavu"))
DEFAULT = "Roboto"
SCRIPTS = (  # a script's code point ranges, and the font files that draw it, best first
    (((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
     ("NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf", "DejaVuSans.ttf")),
    (((0x0590, 0x05FF),), ("NotoSansHebrew-Regular.ttf", "DejaVuSans.ttf")),
    (((0x0900, 0x097F),), ("NotoSansDevanagari-Regular.ttf",)),
    (((0x0980, 0x09FF),), ("NotoSansBengali-Regular.ttf",)),
    (((0x0E00, 0x0E7F),), ("NotoSansThai-Regular.ttf",)),
    (((0x10A0, 0x10FF),), ("NotoSansGeorgian-Regular.ttf", "DejaVuSans.ttf")),
    (((0x0530, 0x058F),), ("NotoSansArmenian-Regular.ttf", "DejaVuSans.ttf")),
)


@lru_cache(maxsize=None)
def installed(name: str) -> str | None:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return str(folder / name)
    return None


def font_for(text: str) -> str:
    """The font to draw this text with: Roboto unless it holds a script Roboto lacks and a font for it is here."""
    for ranges, files in SCRIPTS:
        if any(lo <= ord(ch) <= hi for ch in text for lo, hi in ranges):
            for name in files:
                path = installed(name)
                if path:
                    return path
    return DEFAULT
