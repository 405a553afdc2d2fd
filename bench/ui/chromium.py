"""Chromium in kiosk mode on a given X display: the baseline a web developer would ship for the same scene."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "holding.html"


def binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class ChromiumFailed(RuntimeError):
    pass


class Chromium:
    """`with Chromium(env, url) as c:` runs Chromium full screen on env's DISPLAY; c.pid roots its process tree."""

    def __init__(self, env: dict[str, str], url: str, size: tuple[int, int] = (800, 480)) -> None:
        self.env = env
        self.url = url
        self.size = size
        self.process: subprocess.Popen | None = None
        self.profile: str | None = None
        self.log = tempfile.TemporaryFile()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        exe = binary()
        if exe is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium)")
        width, height = self.size
        return [exe, "--no-sandbox", "--test-type", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-translate", "--noerrdialogs", "--disable-session-crashed-bubble",
                "--password-store=basic", f"--user-data-dir={self.profile}", "--kiosk",
                f"--window-size={width},{height}", "--window-position=0,0", self.url]

    def start(self) -> "Chromium":
        self.profile = tempfile.mkdtemp(prefix="bench-chromium-")
        self.process = subprocess.Popen(self.command(), env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=self.log, start_new_session=True)
        return self

    def log_tail(self, lines: int = 15) -> str:
        self.log.seek(0)
        return "\n".join(self.log.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None
        self.log.close()

    def __enter__(self) -> "Chromium":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
