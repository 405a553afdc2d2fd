"""Real file systems for the export tests: a FAT image through fusefat, size-limited and read-only tmpfs.

Mounting needs root and /dev/fuse (both are there on these machines and on CI); without them the
tests skip with the reason, and fail under CI=true (tests/needs.py).
"""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.needs import need, need_tool


def need_mounting() -> None:
    need(os.geteuid() == 0, "mounting a test stick needs root")


@contextmanager
def fat_stick(where: Path, size_mb: int = 16, label: str = "KIOSKSTICK") -> Iterator["FatStick"]:
    """A FAT file system in an image file, mounted read-write with fusefat (as the kiosk sees a stick)."""
    need_mounting()
    need(Path("/dev/fuse").exists(), "/dev/fuse is missing (FUSE is needed for fusefat)")
    mkfs = need_tool("mkfs.vfat", "dosfstools")
    fusefat = need_tool("fusefat")
    image, mount = where / f"{label}.img", where / label
    with image.open("wb") as f:
        f.truncate(size_mb * 1024 * 1024)
    subprocess.run([mkfs, "-n", label, str(image)], check=True, capture_output=True)
    stick = FatStick(image, mount, fusefat)
    stick.mount()
    try:
        yield stick
    finally:
        stick.unmount()
        if stick.process is not None:  # lazily unmounted: the driver ends when its last file closes
            stick.pull()


class FatStick:
    """fusefat runs in the foreground as our child, so it can be ended by its own pid (a pulled stick)."""

    def __init__(self, image: Path, mount: Path, fusefat: str) -> None:
        self.image, self.path, self.fusefat = image, mount, fusefat
        self.process: subprocess.Popen | None = None

    def mount(self) -> None:
        self.path.mkdir(exist_ok=True)
        self.process = subprocess.Popen([self.fusefat, "-f", "-o", "rw+", str(self.image), str(self.path)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: os.path.ismount(self.path), f"fusefat to mount {self.path}")

    def unmount(self, lazy: bool = False) -> None:
        if os.path.ismount(self.path):
            subprocess.run(["fusermount", "-u", *(["-z"] if lazy else []), str(self.path)], check=False,
                           capture_output=True)
            _wait(lambda: not os.path.ismount(self.path), f"{self.path} to unmount")
        if not lazy:
            self._reap()

    def pull(self) -> None:
        """The stick is gone: its driver dies under the writer, then the mount is cleared lazily."""
        if self.process is not None:
            self.process.kill()
        subprocess.run(["fusermount", "-u", "-z", str(self.path)], check=False, capture_output=True)
        self._reap()

    def _reap(self) -> None:
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    @contextmanager
    def remounted(self) -> Iterator[Path]:
        """The image as a fresh mount shows it: what is really on the stick, not in a cache."""
        self.unmount()
        self.mount()
        yield self.path


@contextmanager
def tmpfs_stick(where: Path, size: str = "1m", read_only: bool = False) -> Iterator[Path]:
    need_mounting()
    mount = where / ("ro-stick" if read_only else "small-stick")
    mount.mkdir()
    options = f"size={size},mode=0777" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "stick", str(mount)], check=True, capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False, capture_output=True)


def _wait(condition, what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
