"""The kv rule files in kiosk/ui/kv/, each loaded once per process, when what it styles is first needed.

Kivy applies every loaded rule to every instance, so a file loaded twice would
apply its rules twice. Loading a screen's rules with its first instance, and the
facilitator layer's with its module, keeps them off the path to the first frame.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

KV_DIR = Path(__file__).resolve().parent / "kv"

_loaded: set[str] = set()


def load(*names: str) -> None:
    """Load kiosk/ui/kv/<name>.kv for each name not yet loaded, in the order given."""
    for name in names:
        if name not in _loaded:
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
            _loaded.add(name)
