"""Which file system a folder lives on, and whether that is RAM (lost at the next power cut).

Read from /proc/self/mountinfo. Raspberry Pi OS's overlay file system (raspi-config,
"Overlay File System") mounts / as an overlay whose upper layer is a tmpfs: every
write lands in RAM. So does a tmpfs, a ramfs, or a zram device.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

RAM_TYPES = frozenset({"tmpfs", "ramfs", "devtmpfs"})
MOUNTINFO = Path("/proc/self/mountinfo")


@dataclass(frozen=True)
class Mount:
    point: str
    fstype: str
    source: str
    options: str       # the per-mount options (rw, ro, noatime, ...)
    super_options: str  # the file system's own (lowerdir=..., upperdir=... for an overlay)

    @property
    def read_only(self) -> bool:
        return "ro" in self.options.split(",")

    def option(self, name: str) -> str | None:
        for item in self.super_options.split(","):
            key, _, value = item.partition("=")
            if key == name:
                return value
        return None


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as \\040, \\011, \\012, \\134."""
    out, i = [], 0
    while i < len(field):
        code = field[i + 1:i + 4]
        if field[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 6 or len(tail) < 2:
            continue
        mounts.append(Mount(point=_unescape(fields[4]), fstype=tail[0], source=_unescape(tail[1]),
                            options=fields[5], super_options=tail[2] if len(tail) > 2 else ""))
    return mounts


def read_mounts(path: Path = MOUNTINFO) -> list[Mount]:
    return parse_mountinfo(path.read_text(encoding="utf-8", errors="replace"))


def _inside(path: str, point: str) -> bool:
    return point == "/" or path == point or path.startswith(point.rstrip("/") + "/")


def mount_of(path: Path | str, mounts: list[Mount]) -> Mount | None:
    """The mount a path is on: the last-mounted of the longest mount points containing it."""
    p = os.path.normpath(os.path.abspath(str(path)))
    best: Mount | None = None
    for mount in mounts:
        if _inside(p, mount.point) and (best is None or len(mount.point) >= len(best.point)):
            best = mount
    return best


def ram_reason(path: Path | str, mounts: list[Mount]) -> str | None:
    """Why a folder's writes would be lost at a power cut (they live in RAM), or None."""
    mount = mount_of(path, mounts)
    if mount is None:
        return None
    if mount.fstype in RAM_TYPES:
        return f"{path} is on a {mount.fstype} at {mount.point}: it lives in RAM"
    if mount.source.startswith("/dev/zram"):
        return f"{path} is on {mount.source} at {mount.point}, a compressed RAM disk"
    if mount.fstype == "overlay":
        upper = mount.option("upperdir")
        under = mount_of(upper, mounts) if upper else None
        if under is None or under is mount or under.fstype in RAM_TYPES:
            layer = f"is on a {under.fstype} at {under.point}" if under is not None and under is not mount \
                else "is not on any disk this kiosk can see"
            return (f"{path} is on the overlay file system at {mount.point}, whose writable upper layer "
                    f"({upper or 'not named'}) {layer}: it lives in RAM")
    return None


def real_path(path: Path | str) -> Path:
    """The path with symlinks resolved as far as it exists (a data folder may not exist yet)."""
    return Path(os.path.realpath(os.path.abspath(str(path))))
