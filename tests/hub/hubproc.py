"""A real hub in a real subprocess, for tests and benches: `python -m kiosk hub serve` on 127.0.0.1.

    hub = start_hub(tmp_path / "hub")                  # SQLite in that folder
    hub = start_hub(tmp_path / "hub", database=url)    # PostgreSQL (see fresh_postgres_database)
    token = hub.add_room("Room 3")
    hub.set_password("staff", "correct horse")
    hub.url, hub.kill(), hub.stop(), hub.restart()

restart() comes back on the same port, so a kiosk configured with hub.url reconnects by itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import requests

REPO = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"hub listening on (http://\S+)")


class HubStartError(RuntimeError):
    pass


class HubProcess:
    def __init__(self, data_dir: Path, database: str | None = None, port: int = 0, threads: int = 24,
                 extra_args: tuple[str, ...] = (), start_timeout: float = 30.0) -> None:
        self.data_dir = Path(data_dir)
        self.database = database
        self.port = port
        self.threads = threads
        self.extra_args = tuple(extra_args)
        self.start_timeout = start_timeout
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._listening = threading.Event()

    # --- life ------------------------------------------------------------------------------

    def start(self) -> "HubProcess":
        if self.running:
            raise HubStartError("this hub is already running; stop() or kill() it first")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._listening.clear()
        cmd = [sys.executable, "-m", "kiosk", "hub", "serve", *self._db_args(), "--host", "127.0.0.1",
               "--port", str(self.port), "--threads", str(self.threads), *self.extra_args]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True, name="hub-output")
        self._reader.start()
        deadline = time.monotonic() + self.start_timeout
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise HubStartError(f"the hub did not start (exit {self.proc.returncode}):\n{self.output()}")
        while True:
            try:
                requests.get(f"{self.url}/api/v1/help", timeout=2)
                return self
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    self.kill()
                    raise HubStartError(f"the hub printed its address but does not answer:\n{self.output()}")
                time.sleep(0.05)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not stopped within timeout."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._close_output()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: a crash or pulled plug, no clean shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._close_output()

    def _close_output(self) -> None:
        """The reader sees EOF once the hub is gone; then the pipe can be closed, leaving no fd behind."""
        if self.proc is None or self.proc.stdout is None or self.proc.poll() is None:
            return
        reader = getattr(self, "_reader", None)
        if reader is not None:
            reader.join(2)
        if reader is None or not reader.is_alive():
            self.proc.stdout.close()

    def restart(self, *, kill: bool = False) -> "HubProcess":
        if kill:
            self.kill()
        else:
            self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "HubProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the CLI against the same database -----------------------------------------------------

    def add_room(self, name: str) -> str:
        out = self.cli("add-room", name)
        return out.strip().splitlines()[0]

    def rotate_token(self, name: str) -> str:
        return self.cli("rotate-token", name).strip().splitlines()[0]

    def set_password(self, user: str, password: str) -> None:
        self.cli("set-password", "--user", user, "--stdin", stdin=password + "\n")

    def cli(self, command: str, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "kiosk", "hub", command, *self._db_args(), *args],
                              cwd=REPO, env=_env(), input=stdin, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"kiosk hub {command} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def output(self) -> str:
        return "".join(self.lines[-200:])

    # --- internals ------------------------------------------------------------------------

    def _db_args(self) -> list[str]:
        args = ["--data", str(self.data_dir)]
        if self.database:
            args += ["--database", self.database]
        return args

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)
            found = _LISTENING.search(line)
            if found and proc is self.proc:
                self.url = found.group(1)
                self.port = int(urlsplit(self.url).port or 0)
                self._listening.set()


def start_hub(data_dir: Path, database: str | None = None, port: int = 0, threads: int = 24,
              extra_args: tuple[str, ...] = ()) -> HubProcess:
    """Starts a hub subprocess and returns once it answers HTTP."""
    return HubProcess(data_dir, database, port, threads, extra_args).start()


@contextlib.contextmanager
def fresh_postgres_database(base_url: str, prefix: str = "hubtest") -> Iterator[str]:
    """A new, empty PostgreSQL database made from base_url's server, dropped afterwards."""
    import psycopg2

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = psycopg2.connect(base_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(base_url)
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND "
                        "pid <> pg_backend_pid()", (name,))
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.pop("KIOSK_HUB_DATABASE", None)
    return env
