"""One kiosk process owns a data folder: the one that appends to its journal.

The journal hands out sequence numbers from memory, so a second writer on the
same file (a technician trying `kiosk run` by hand while the service runs)
would journal a false interruption into the running session and make the
running kiosk's next write fail on a duplicate seq — possibly its help call.
The owner holds an exclusive `flock` on a file beside the journal for as long
as it lives; the kernel drops it when the process dies, however it dies, so a
crash never leaves a stale lock. Readers (`kiosk sessions`, `kiosk sync
status`, `kiosk sync now`, which only marks) never take it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


class DataFolderInUse(RuntimeError):
    """Another process owns this journal; the message names it and says what to do."""


@dataclass
class Ownership:
    path: Path
    fd: int | None

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        except OSError:
            pass
        os.close(self.fd)  # closing the descriptor drops the flock
        self.fd = None


def lock_path(database: Path | str) -> Path:
    database = Path(database)
    return database.with_name(database.name + LOCK_SUFFIX)


def claim(database: Path | str) -> Ownership:
    """Take ownership of the journal at database, or raise DataFolderInUse naming the owner."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _describe_owner(fd)
        os.close(fd)
        raise DataFolderInUse(
            f"the kiosk data folder {path.parent} is in use by {owner}. Only one kiosk may write a data "
            "folder: stop the other one first (on the kiosk: sudo systemctl stop room-kiosk), or give this one "
            "another folder with --data DIR. Commands that only read (kiosk sessions, kiosk sync status, "
            "kiosk sync now) work beside it.") from None
    except BaseException:
        os.close(fd)
        raise
    note = {"pid": os.getpid(), "since": time.time(), "command": " ".join(sys.argv[:4])}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(note) + "\n").encode(), 0)
    return Ownership(path, fd)


def _describe_owner(fd: int) -> str:
    try:
        note = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        note = {}
    pid = note.get("pid")
    if not isinstance(pid, int):
        return "another process (it did not say which)"
    command = str(note.get("command") or "").strip()
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip() \
            or command
    except OSError:
        pass
    since = note.get("since")
    started = time.strftime(" since %Y-%m-%d %H:%M", time.localtime(since)) if isinstance(since, (int, float)) else ""
    return f"another process: pid {pid}{f' ({command[:120]})' if command else ''}{started}"
