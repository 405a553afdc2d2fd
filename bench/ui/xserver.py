"""A private Xvfb: a real X server, so every frame pays for presenting itself as it would on a screen.

The offscreen SDL driver skips the copy to the X server, which is most of a
software-rendered frame's cost; the benches and the end-to-end test use this.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path


class XServerError(RuntimeError):
    pass


class Xvfb:
    """`with Xvfb() as x:` starts `Xvfb -displayfd` on a free display number; `x.env()` points children at it."""

    def __init__(self, width: int = 800, height: int = 480, depth: int = 24, start_timeout: float = 15.0) -> None:
        self.size = (width, height)
        self.depth = depth
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.display: str | None = None
        self._log = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise XServerError("Xvfb is not running")
        return self.process.pid

    def start(self) -> "Xvfb":
        binary = shutil.which("Xvfb")
        if binary is None:
            raise XServerError("Xvfb is not installed (apt-get install xvfb)")
        read_end, write_end = os.pipe()
        self._log = tempfile.TemporaryFile()
        width, height = self.size
        try:
            self.process = subprocess.Popen(
                [binary, "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x{self.depth}",
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._log, start_new_session=True)
        finally:
            os.close(write_end)
        try:
            number = self._read_display_number(read_end)
        finally:
            os.close(read_end)
        self.display = f":{number}"
        return self

    def _read_display_number(self, fd: int) -> str:
        deadline = time.monotonic() + self.start_timeout
        data = b""
        os.set_blocking(fd, False)
        while not data.endswith(b"\n"):
            if self.process.poll() is not None:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")
                raise XServerError(f"Xvfb exited with {self.process.returncode} before it was ready: {err.strip()}")
            if time.monotonic() > deadline:
                self.stop()
                raise XServerError(f"Xvfb did not report a display within {self.start_timeout:.0f} s")
            try:
                chunk = os.read(fd, 64)
            except BlockingIOError:
                time.sleep(0.02)
                continue
            if not chunk:
                time.sleep(0.02)
                continue
            data += chunk
        return data.decode().strip()

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a child that draws here through X11 (never the offscreen driver, never Wayland)."""
        env = dict(os.environ if base is None else base)
        env["DISPLAY"] = self.display or ""
        for key in ("WAYLAND_DISPLAY", "SDL_VIDEODRIVER", "KIVY_WINDOW"):
            env.pop(key, None)
        env.setdefault("SDL_AUDIODRIVER", "dummy")
        env.setdefault("XDG_RUNTIME_DIR", "/tmp")
        return env

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            if self.display and self.display.startswith(":"):  # a killed server leaves these behind
                n = self.display[1:].split(".")[0]
                for leftover in (Path(f"/tmp/.X{n}-lock"), Path(f"/tmp/.X11-unix/X{n}")):
                    leftover.unlink(missing_ok=True)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "Xvfb":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

