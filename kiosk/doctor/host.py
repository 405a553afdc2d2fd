"""The machine the doctor examines: its /proc, /sys, /dev, /etc, /run and mount table as folders.

`Host()` is this machine; `Host.under(root)` is a tree that looks like one (a
test's fake, or an SD card image mounted on a laptop). Whatever cannot be read
from files (free space, the kernel's clock state) is a function a test replaces.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kiosk.clock import kernel_clock_synchronized
from kiosk.doctor.mounts import Mount, read_mounts, real_path


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def systemd_unit_state(unit: str) -> dict[str, str] | None:
    """`systemctl show` of a unit (ActiveState, Result, NRestarts, ...); None without systemd."""
    try:
        out = subprocess.run(["systemctl", "show", unit, "--property=LoadState,ActiveState,SubState,Result,NRestarts"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


@dataclass(frozen=True)
class Host:
    proc: Path = Path("/proc")
    sys: Path = Path("/sys")
    dev: Path = Path("/dev")
    etc: Path = Path("/etc")
    run: Path = Path("/run")
    mountinfo: Path = Path("/proc/self/mountinfo")
    free_bytes: Callable[[Path], int] = field(default=free_bytes)
    kernel_clock: Callable[[], bool | None] | None = field(default=kernel_clock_synchronized)
    unit_state: Callable[[str], dict[str, str] | None] | None = field(default=systemd_unit_state)
    root: Path | None = None  # the tree this host lives in (Host.under), for paths its mount table names

    def as_mounted(self, path: Path) -> Path:
        """A path as the host's own mount table would name it (inside the tree: from the tree's root)."""
        real = real_path(path)
        if self.root is not None:
            try:
                return Path("/") / real.relative_to(real_path(self.root))
            except ValueError:
                return real
        return real

    @classmethod
    def under(cls, root: Path, **changes) -> "Host":
        root = Path(root)
        values = dict(proc=root / "proc", sys=root / "sys", dev=root / "dev", etc=root / "etc", run=root / "run",
                      mountinfo=root / "proc" / "self" / "mountinfo", kernel_clock=None, unit_state=None,
                      root=root)
        values.update(changes)
        return cls(**values)

    def device(self, path: str) -> Path:
        """A /dev path as seen on this host."""
        return self.dev / path[len("/dev/"):] if path.startswith("/dev/") else Path(path)

    def mounts(self) -> list[Mount]:
        try:
            return read_mounts(self.mountinfo)
        except OSError:
            return []

    def read(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def clock_synchronized(self) -> bool | None:
        """systemd-timesyncd's flag file, else the kernel's own state; None when it cannot tell."""
        if (self.run / "systemd" / "timesync" / "synchronized").exists():
            return True
        return self.kernel_clock() if self.kernel_clock else None
