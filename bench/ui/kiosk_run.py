"""The real kiosk program as the benches run it: a throwaway config and data folder, a phase to start in.

The kiosk resumes whatever phase its journal says, so the benches put it in
Holding by writing a session into a fresh journal through the Room (the same
domain code the app uses) before starting it: no test hook in the app needed.
"""

from __future__ import annotations

import compileall
import functools
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.ui import flips

CONFIG = """\
room = "Bench room"
pin = "8642"

[display]
profile = "calm"
breaths_per_minute = 6

[[plans]]
name = "Bench session"
opening_minutes = {opening}
holding_minutes = {holding}
closing_minutes = {closing}
"""


def app_available() -> str | None:
    """None when the kiosk screen can run here, else why not."""
    for module in ("kiosk.launch", "kivy"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not importable yet"
    return None


def write_config(folder: Path, opening: float = 5, holding: float = 40, closing: float = 5) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(CONFIG.format(opening=opening, holding=holding, closing=closing), encoding="utf-8")
    return path


def seed_holding(config_path: Path, data: Path) -> None:
    """Journal a session that has begun and moved on to Holding, as if someone had held to begin and continue."""
    from kiosk.clock import SystemClock
    from kiosk.config import with_overrides
    from kiosk.config_parse import load_config
    from kiosk.room import Room
    from kiosk.store.journal import Journal

    config = with_overrides(load_config(config_path), data=data)
    data.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    journal = Journal(config.paths.database, clock)
    try:
        room = Room(config, journal, clock)
        room.begin()
        room.continue_to_holding()
    finally:
        journal.close()


@functools.cache
def installed_bytecode() -> None:
    """Compile the kiosk package's bytecode, as `pip install` does on the Pi (deploy/install.sh).

    A checkout installed in editable mode, on a machine with PYTHONDONTWRITEBYTECODE set (these
    are), compiles every kiosk module from source at each start: about 70 ms the Pi never pays,
    which made the kiosk look 1.2x a minimal Kivy app's start when it is 1.0x. Once per bench process.
    """
    import kiosk

    compileall.compile_dir(str(Path(kiosk.__file__).parent), quiet=1)


class KioskFailed(RuntimeError):
    pass


class KioskRun:
    """The kiosk under flip_probe.py on env's display: `with KioskRun(env, phase="holding") as k:`."""

    def __init__(self, env: dict[str, str], phase: str = "welcome", workdir: Path | None = None) -> None:
        self.env = dict(env)
        self.phase = phase
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="bench-kiosk-")
        self.workdir = workdir or Path(self._tmp.name)
        self.data = self.workdir / "data"
        self.config = write_config(self.workdir)
        self.report = self.workdir / "flips.txt"
        self.log_path = self.workdir / "kiosk.log"
        self.process: subprocess.Popen | None = None
        self.spawned_at = 0.0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        return [sys.executable, str(flips.PROBE), str(self.report), "-m", "kiosk", "--config", str(self.config),
                "run", "--windowed", "--data", str(self.data)]

    def start(self) -> "KioskRun":
        installed_bytecode()
        if self.phase == "holding" and not self.data.exists():
            seed_holding(self.config, self.data)
        self.report.unlink(missing_ok=True)

        with open(self.log_path, "ab") as log:
            self.spawned_at = time.monotonic()
            self.process = subprocess.Popen(self.command(), env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_first_frame(self, timeout: float = 60.0) -> flips.Flips:
        got = flips.wait_first(self.report, lambda: self.process is not None and self.process.poll() is None,
                               timeout)
        if not got.count:
            code = self.process.poll() if self.process is not None else None
            why = f"exited with code {code}" if code is not None else f"showed no frame within {timeout:.0f} s"
            raise KioskFailed(f"the kiosk {why}; the end of its log:\n{self.log_tail()}")
        return got

    def flips(self) -> flips.Flips:
        return flips.read(self.report)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, as systemd would; SIGKILL only if it does not exit in time. The exit code, or None if killed."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
                return None
        return process.returncode

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> "KioskRun":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
