"""Kivy's settings, applied before the window exists.

Import this (and call `configure`) before anything that imports
kivy.core.window: Kivy opens its window at that import. kiosk/launch.py has
already set the environment (KIVY_HOME, KIVY_NO_CONFIG, SDL drivers).
"""

from __future__ import annotations

from dataclasses import dataclass

from kivy.config import Config

# The event loop wakes at most this often; the pacer asks for far fewer redraws.
MAX_FPS = 20
BASE_SIZE = (800, 480)


@dataclass(frozen=True)
class WindowSettings:
    size: tuple[int, int] = BASE_SIZE
    fullscreen: bool = True
    kiosk: bool = True  # no way out with Escape or F1, cursor hidden

    @property
    def show_cursor(self) -> bool:
        return not self.kiosk


def configure(settings: WindowSettings) -> None:
    Config.set("kivy", "exit_on_escape", "0" if settings.kiosk else "1")
    Config.set("kivy", "desktop", "0" if settings.kiosk else "1")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("graphics", "maxfps", str(MAX_FPS))
    Config.set("graphics", "show_cursor", "1" if settings.show_cursor else "0")
    Config.set("graphics", "resizable", "0" if settings.kiosk else "1")
    Config.set("graphics", "multisamples", "0")  # MSAA is costly in software GL; Smooth* shapes antialias themselves
    if settings.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "width", str(settings.size[0]))
        Config.set("graphics", "height", str(settings.size[1]))
    # one mouse provider only: no red multitouch dots, no doubled touches from probesysfs
    for option in list(Config.options("input")):
        Config.remove_option("input", option)
    Config.set("input", "mouse", "mouse,disable_multitouch")
