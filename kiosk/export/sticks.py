"""Noticing USB sticks: mounted file systems under the mount root ([paths] usb_mount_root).

The kiosk never mounts a block device itself; the OS does (on the Pi, deploy/ sets up automounting:
udisks2 mounts at /media/<user>/<LABEL>, a udev + systemd-mount rule at /media/<LABEL>). So a stick
is a mount point directly under the root or one level below it. A thread looks every couple of
seconds (Event.wait, so it stops at once and tests drive `poll` by hand) and tells its listeners,
in its own thread, when the set of sticks changes.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.export.safewrite import free_bytes, is_read_only

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Stick:
    path: Path
    label: str
    free: int
    read_only: bool


StickListener = Callable[[tuple[Stick, ...]], None]


def find_sticks(root: Path, is_mount: Callable[[Path], bool] = os.path.ismount) -> tuple[Stick, ...]:
    found: list[Stick] = []
    try:
        children = sorted(p for p in Path(root).iterdir() if p.is_dir())
    except OSError:
        return ()
    for child in children:
        candidates = [child] if is_mount(child) else _mounts_below(child, is_mount)
        for path in candidates:
            try:
                found.append(Stick(path, path.name, free_bytes(path), is_read_only(path)))
            except OSError as exc:  # pulled while we looked
                log.debug("stick at %s went away: %s", path, exc)
    return tuple(found)


def _mounts_below(folder: Path, is_mount: Callable[[Path], bool]) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and is_mount(p))
    except OSError:
        return []


class StickWatcher:
    def __init__(self, root: Path, poll_seconds: float = POLL_SECONDS,
                 is_mount: Callable[[Path], bool] = os.path.ismount) -> None:
        self.root = Path(root)
        self.poll_seconds = poll_seconds
        self.is_mount = is_mount
        self.sticks: tuple[Stick, ...] = ()
        self._listeners: list[StickListener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, listener: StickListener) -> None:
        """listener(sticks) runs in the watcher's thread: bridge it before touching widgets."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: StickListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def poll(self) -> tuple[Stick, ...]:
        sticks = find_sticks(self.root, self.is_mount)
        changed = [s.path for s in sticks] != [s.path for s in self.sticks] or \
            [s.read_only for s in sticks] != [s.read_only for s in self.sticks]
        self.sticks = sticks
        if changed:
            log.info("USB sticks under %s: %s", self.root, ", ".join(s.label for s in sticks) or "none")
            for listener in list(self._listeners):
                try:
                    listener(sticks)
                except Exception:
                    log.exception("stick listener %r failed", listener)
        return sticks

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="usb-sticks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # thread boundary: keep looking, keep the kiosk up
                log.exception("looking for USB sticks under %s failed", self.root)
            self._stop.wait(self.poll_seconds)
