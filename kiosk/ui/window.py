"""Kivy's settings, applied before the window exists.

Import this (and call `configure`) before anything that imports
kivy.core.window: Kivy opens its window at that import. kiosk/launch.py has
already set the environment (KIVY_HOME, KIVY_NO_CONFIG, SDL drivers).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from dataclasses import dataclass

from kivy.config import Config

log = logging.getLogger(__name__)

# The event loop wakes at most this often; the pacer asks for far fewer redraws.
MAX_FPS = 20
# Kivy's clock stops sleeping once its next event is closer than about twice this and loops until the event is
# due. Left to Kivy it is a third of a frame (17 ms at 20 fps): the loop spun for up to 30 ms before every pacer
# wake and room tick, some 500 idle loops a second in Holding instead of 25. 2 ms keeps wakes on time and the
# loop asleep in between.
CLOCK_RESOLUTION = 0.002
BASE_SIZE = (800, 480)


@dataclass(frozen=True)
class WindowSettings:
    size: tuple[int, int] = BASE_SIZE
    fullscreen: bool = True
    kiosk: bool = True  # no way out with Escape or F1, cursor hidden
    max_fps: int = MAX_FPS  # 0: no cap, for a rehearsal that draws each frame itself (the compressed soak)

    @property
    def show_cursor(self) -> bool:
        return not self.kiosk


def configure(settings: WindowSettings) -> None:
    # Kivy set its logger's level from its config on import; follow the kiosk's --verbose instead
    verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    logging.getLogger("kivy").setLevel(logging.DEBUG if verbose else logging.WARNING)
    Config.set("kivy", "exit_on_escape", "0" if settings.kiosk else "1")
    Config.set("kivy", "desktop", "0" if settings.kiosk else "1")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("graphics", "maxfps", str(settings.max_fps))
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
    from kivy.clock import Clock  # made on first import, from the config above (kiosk/launch.py chose the clock)

    if Clock._max_fps != settings.max_fps:  # imported before configure(): it read another maxfps
        log.warning("Kivy's clock was made before the window settings (maxfps %s, not %s)", Clock._max_fps,
                    settings.max_fps)
    Clock.clock_resolution = CLOCK_RESOLUTION


def x11_window_manager_running() -> bool | None:
    """Whether an EWMH window manager runs on $DISPLAY (None: not X11, or it cannot tell).

    Without one (a kiosk started by xinit alone), SDL's fullscreen request is
    never carried out and the window stays small in the middle of the screen.
    """
    if not os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or \
            os.environ.get("SDL_VIDEODRIVER", "x11") != "x11":
        return None
    try:
        x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    except OSError:
        return None
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XGetWindowProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long,
                                       ctypes.c_long, ctypes.c_int, ctypes.c_ulong,
                                       ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_int),
                                       ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                       ctypes.POINTER(ctypes.c_void_p)]
    x11.XFree.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        return None
    try:
        atom = x11.XInternAtom(display, b"_NET_SUPPORTING_WM_CHECK", 1)
        if not atom:
            return False
        kind, fmt = ctypes.c_ulong(), ctypes.c_int()
        count, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = x11.XGetWindowProperty(display, x11.XDefaultRootWindow(display), atom, 0, 1, 0, 0,
                                        ctypes.byref(kind), ctypes.byref(fmt), ctypes.byref(count),
                                        ctypes.byref(after), ctypes.byref(data))
        if data.value:
            x11.XFree(data)
        return status == 0 and count.value > 0
    finally:
        x11.XCloseDisplay(display)


def cover_the_screen(window, later) -> bool:
    """Full screen with no window manager: a borderless window at 0,0 the size of the display.

    SDL reports the display's size as the window's size after a fullscreen
    request even when nothing carried it out. The steps wait for the event
    loop in between (later(callback, seconds)). Returns True when it steps in.
    """
    if x11_window_manager_running() is not False:
        return False
    w, h = window.system_size

    def place(_dt=None) -> None:
        window.borderless = True
        window.left, window.top = 0, 0
        # the window may still believe it has the display's size: nudge it so the size is really set
        window.size = (w - 1, h - 1)
        later(settle, 0.2)

    def settle(_dt=None) -> None:
        window.size = (w, h)
        window.left, window.top = 0, 0

    window.fullscreen = False
    later(place, 0.3)
    log.info("no window manager: covering the %dx%d screen with a borderless window", w, h)
    return True
