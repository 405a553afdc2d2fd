"""The audio seam: soft chimes at transition cues, never in the silent or still profiles.

Chime is what the app calls; tests pass a RecordingChime. The sounds are the
WAV files assets/make_chimes.py synthesises.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Protocol

from kiosk.config import CHIME_FLOOR
from kiosk.room import Room

log = logging.getLogger(__name__)

CHIME_DIRS = (Path(__file__).resolve().parents[2] / "assets" / "chimes",      # a checkout / editable install
              Path(sys.prefix) / "share" / "room-kiosk" / "chimes",          # an installed wheel
              Path(__file__).resolve().parent / "assets" / "chimes")
SOUNDLESS_PROFILES = ("silent", "still")


class Chime(Protocol):
    def play(self, name: str, volume: float) -> bool:
        """True when the chime is playing; False when it cannot (no audio device, no file)."""


def chime_file(name: str) -> Path | None:
    for folder in CHIME_DIRS:
        path = folder / f"{name}.wav"
        if path.is_file():
            return path
    return None


def audible_volume(volume: float) -> float:
    """The configured volume, never below the floor (below it a chime would be lost in the room)."""
    return max(CHIME_FLOOR, min(1.0, volume))


def sounded(chime: Chime, room: Room, name: str, volume: float) -> bool:
    """Play a chime and tell the room whether sound works: the adults must know when the cues are silent."""
    played = bool(chime.play(name, audible_volume(volume)))
    if played != room.health.sound_ok:
        room.update_health(sound_ok=played)
    return played


class KivyChime:
    """Plays through Kivy's SDL2 audio; a missing device or file is logged once, not fatal."""

    def __init__(self) -> None:
        self._sounds: dict[str, object] = {}
        self._warned: set[str] = set()

    def play(self, name: str, volume: float) -> bool:
        from kivy.core.audio import SoundLoader

        sound = self._sounds.get(name)
        if sound is None:
            path = chime_file(name)
            sound = SoundLoader.load(str(path)) if path else None
            if sound is None:
                if name not in self._warned:
                    self._warned.add(name)
                    log.warning("chime %r cannot play (file %s, audio device?): continuing silently", name, path)
                return False
            self._sounds[name] = sound
        try:
            sound.stop()
            sound.volume = audible_volume(volume)
            sound.play()
        except Exception:
            log.exception("chime %r failed to play", name)
            return False
        return True


class RecordingChime:
    """A Chime for tests: remembers what would have played; can_play=False stands for no audio device."""

    def __init__(self, can_play: bool = True) -> None:
        self.played: list[tuple[str, float]] = []
        self.can_play = can_play

    def play(self, name: str, volume: float) -> bool:
        if self.can_play:
            self.played.append((name, audible_volume(volume)))
        return self.can_play
