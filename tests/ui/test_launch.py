"""`kiosk run` end to end in a subprocess (offscreen), the display check, and Kivy staying out of the core."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.launch import NO_DISPLAY, display_problem, kivy_environment, window_size

ROOT = Path(__file__).resolve().parents[2]
KIOSK = [sys.executable, "-m", "kiosk"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KIVY_", "SDL_")) and k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_CONFIG")}
    env.update(extra)
    return env


def test_display_problem_names_what_to_do(tmp_path):
    assert display_problem({}, dri_glob=str(tmp_path / "card*")) == NO_DISPLAY
    assert "DISPLAY" in NO_DISPLAY and "Xvfb" in NO_DISPLAY
    assert display_problem({"DISPLAY": ":0"}, dri_glob=str(tmp_path / "card*")) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, dri_glob=str(tmp_path / "card*")) is None
    assert display_problem({"SDL_VIDEODRIVER": "offscreen"}, dri_glob=str(tmp_path / "card*")) is None
    (tmp_path / "card0").touch()
    assert display_problem({}, dri_glob=str(tmp_path / "card*")) is None


def test_kivy_environment_keeps_kivy_out_of_home(tmp_path):
    env = kivy_environment(tmp_path / "kivy", env={"SDL_VIDEODRIVER": "x11"})
    assert env["KIVY_HOME"] == str(tmp_path / "kivy")
    assert env["KIVY_NO_CONFIG"] == "1" and env["KIVY_NO_ARGS"] == "1" and env["KIVY_NO_FILELOG"] == "1"
    assert "SDL_VIDEODRIVER" not in env
    assert window_size({}) == (800, 480)
    assert window_size({"KIOSK_WINDOW_SIZE": "1920x1080"}) == (1920, 1080)
    assert window_size({"KIOSK_WINDOW_SIZE": "huge"}) == (800, 480)


def test_run_without_a_display_says_so_and_exits_2(tmp_path):
    no_gpu = str(tmp_path / "no-dri-card*")
    assert display_problem({}, dri_glob=no_gpu) is not None
    out = subprocess.run(KIOSK + ["run", "--windowed", "--data", str(tmp_path / "data")], cwd=ROOT,
                         env=clean_env(HOME=str(tmp_path), KIOSK_DRI_GLOB=no_gpu), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2
    assert "no display found" in out.stderr
    assert not (tmp_path / ".kivy").exists()


def test_core_modules_import_no_kivy():
    code = ("import sys, kiosk.launch, kiosk.room, kiosk.station, kiosk.ui, kiosk.ui.status, kiosk.ui.palette, "
            "kiosk.ui.pacer; bad = [m for m in sys.modules if m == 'kivy' or m.startswith('kivy.')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(), check=True, timeout=60)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        threading.Event().wait(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_kiosk_run_simulated_button_over_a_pty_then_sigterm(tmp_path):
    data = tmp_path / "data"
    proc = subprocess.Popen(KIOSK + ["run", "--windowed", "--simulate-button", "--data", str(data)], cwd=ROOT,
                            env=clean_env(SDL_VIDEODRIVER="offscreen", SDL_AUDIODRIVER="dummy", HOME=str(tmp_path)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        line = wait_for(lambda: next((ln for ln in lines if "simulated help button" in ln), None), 60,
                        "the simulated button's line")
        assert "press H" in line
        if "/dev/pts/" in line:
            pty = line.rsplit(" ", 1)[-1].strip()
            with open(pty, "w") as port:
                port.write("HELP\n")

            def raised() -> bool:
                with sqlite3.connect(f"file:{data / 'kiosk.sqlite3'}?mode=ro", uri=True) as db:
                    return db.execute("select count(*) from event where kind='help.raised'").fetchone()[0] > 0
            wait_for(raised, 30, "help.raised in the journal")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not (tmp_path / ".kivy").exists()
    assert (data / "kivy").is_dir()


def free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise AssertionError("no free X display number")


def test_full_screen_without_a_window_manager_covers_the_screen(tmp_path):
    from tests.needs import need_tool

    xvfb = need_tool("Xvfb", "xvfb")
    xwininfo = need_tool("xwininfo", "x11-utils")
    n = free_display()
    server = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1024x600x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kiosk = None
    try:
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), 20, "Xvfb")
        env = clean_env(DISPLAY=f":{n}", SDL_AUDIODRIVER="dummy", HOME=str(tmp_path))
        kiosk = subprocess.Popen(KIOSK + ["run", "--data", str(tmp_path / "data")], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def geometry() -> str | None:
            tree = subprocess.run([xwininfo, "-root", "-tree"], env=env, capture_output=True, text=True).stdout
            line = next((ln for ln in tree.splitlines() if '"Room kiosk"' in ln), None)
            return line if line and "1024x600+0+0" in line else None
        assert wait_for(geometry, 30, "the kiosk window covering the 1024x600 screen")
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=30) == 0
    finally:
        if kiosk is not None and kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
        stop_x_server(server, n)


def stop_x_server(server: subprocess.Popen, n: int) -> None:
    """SIGTERM lets Xvfb remove its lock and socket; after a SIGKILL they are removed here, or every
    killed server would hold a display number until no number is free."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for leftover in (Path(f"/tmp/.X{n}-lock"), Path(f"/tmp/.X11-unix/X{n}")):
        leftover.unlink(missing_ok=True)
