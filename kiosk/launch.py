"""Starting the kiosk screen: Kivy's environment, the display check, the station, the app.

Kivy reads its environment when first imported and writes ~/.kivy unless
told otherwise, so everything here happens before kiosk.ui is imported.
This module itself never imports Kivy.
"""

from __future__ import annotations

import glob
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Mapping

from kiosk.config import Config

log = logging.getLogger(__name__)

WINDOW_SIZE_ENV = "KIOSK_WINDOW_SIZE"
DEFAULT_WINDOW = (800, 480)

NO_DISPLAY = (
    "no display found: DISPLAY and WAYLAND_DISPLAY are unset and there is no /dev/dri/card*.\n"
    "  On the kiosk: start it from the desktop session (or with DISPLAY=:0), or enable the KMS driver.\n"
    "  Over SSH on a laptop: run it in your desktop's terminal, or `ssh -X`.\n"
    "  Without any screen: `Xvfb :99 & DISPLAY=:99 kiosk run ...`, or SDL_VIDEODRIVER=offscreen for tests."
)


def display_problem(env: Mapping[str, str] | None = None, dri_glob: str | None = None) -> str | None:
    """Why no window can open here, or None. An explicit SDL_VIDEODRIVER is trusted.

    KIOSK_DRI_GLOB names where to look for a GPU the console could draw on (tests point it at nothing).
    """
    env = os.environ if env is None else env
    if env.get("SDL_VIDEODRIVER") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    if glob.glob(dri_glob or env.get("KIOSK_DRI_GLOB") or "/dev/dri/card*"):
        return None
    return NO_DISPLAY


def data_in_ram_refusal(config: Config, mountinfo: Path | None = None) -> str | None:
    """Why sessions must not run on this data folder (it lives in RAM), or None.

    On tmpfs, or on Raspberry Pi OS's overlay file system (its upper layer is a
    tmpfs), the journal's fsync reaches RAM only: a power cut loses every log.
    """
    from kiosk.doctor.mounts import MOUNTINFO, ram_reason, read_mounts, real_path

    if config.paths.allow_data_in_ram:
        return None
    try:
        mounts = read_mounts(mountinfo or MOUNTINFO)
    except OSError:
        return None
    reason = ram_reason(real_path(config.paths.data), mounts)
    if reason is None:
        return None
    return (f"not running sessions: the data folder {reason}, so a power cut would lose every session log.\n"
            "  Put the data folder on persistent storage: [paths] data in the config, or --data DIR "
            "(README: Read-only root).\n"
            "  To run anyway (a demonstration, a test): [paths] allow_data_in_ram = true, or --allow-data-in-ram.")


def window_size(env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """The windowed size: 800x480 (the official 7-inch display) unless KIOSK_WINDOW_SIZE=WxH says otherwise."""
    env = os.environ if env is None else env
    raw = env.get(WINDOW_SIZE_ENV, "")
    if raw:
        try:
            w, h = (int(part) for part in raw.lower().split("x"))
            if 320 <= w <= 7680 and 240 <= h <= 4320:
                return (w, h)
        except ValueError:
            pass
        log.warning("%s=%r is not WIDTHxHEIGHT (such as 1920x1080); using 800x480", WINDOW_SIZE_ENV, raw)
    return DEFAULT_WINDOW


def kivy_environment(home: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables Kivy and SDL must see before Kivy is imported."""
    env = os.environ if env is None else env
    out = {
        "KIVY_NO_ARGS": "1",          # our argv is ours, not Kivy's
        "KIVY_NO_CONFIG": "1",        # never read or write ~/.kivy/config.ini
        "KIVY_NO_FILELOG": "1",       # our logs go through Python logging (kiosk/cli.py)
        "KIVY_LOG_MODE": "PYTHON",
        "KIVY_HOME": str(home),
        "KIVY_CLOCK": "interrupt",    # a help press from the button thread is drawn at once, not next frame
        "KIVY_WINDOW": "sdl2",
        "KIVY_AUDIO": "sdl2",
        "SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS": "0",
        "SDL_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR": "0",
    }
    return {k: v for k, v in out.items() if not (k.startswith("SDL_") and k in env)}


def prepare_kivy(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(kivy_environment(home))


def kivy_home(config: Config) -> Path:
    try:
        home = config.paths.data / "kivy"
        home.mkdir(parents=True, exist_ok=True)
        return home
    except OSError:
        return Path(tempfile.mkdtemp(prefix="room-kiosk-kivy-"))


def run_kiosk(config: Config, simulate_button: bool = False) -> int:
    """`kiosk run`: the screen, around a started Station. Returns the exit code."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        config.paths.data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"cannot create the data folder {config.paths.data}: {exc}\n"
              "  choose another with --data DIR or [paths] data in the config", file=sys.stderr)
        return 2
    refusal = data_in_ram_refusal(config)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    prepare_kivy(kivy_home(config))
    windowed = not config.display.fullscreen
    stopping = threading.Event()
    apps: list = []

    def on_sigterm(*_args) -> None:
        stopping.set()
        for running in apps:
            running.request_stop()

    from kiosk.station import Station

    station = Station(config, simulate_button=simulate_button)  # refuses a data folder another kiosk owns
    for warning in config.warnings():  # the same as check-config: a technician reading the log sees them
        log.warning("%s", warning)
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        station.start()
        if simulate_button:
            if station.simulated_button_path:
                print(f"simulated help button: press H in the window, or: echo HELP > {station.simulated_button_path}",
                      flush=True)
            else:
                print("simulated help button: press H in the window (no pseudo-terminal available)", flush=True)
        from kiosk.ui.window import WindowSettings, configure

        configure(WindowSettings(size=window_size(), fullscreen=not windowed, kiosk=not windowed))
        from kiosk.ui.app import KioskApp

        app = KioskApp(station, help_key=simulate_button)
        apps.append(app)
        app.bind(on_start=lambda *_: stopping.is_set() and app.request_stop())
        if not stopping.is_set():
            app.run()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        station.stop()

