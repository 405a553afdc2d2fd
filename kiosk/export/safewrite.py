"""Writing onto a USB stick so that "Safe to remove" is only ever said when it is true.

Each file: a temporary name in the target folder (created exclusively, never over an existing
file), written, fsync'd, the folder fsync'd, renamed to its final name, the folder fsync'd again;
then its page cache is dropped and it is read back from the stick and its SHA-256 compared with
what was written. A plain export's folder is made the same way: each file written that way into a new folder, the manifest last.

Every failure is named by what the person can do about it: the stick is full (with how much space
is needed), read-only, or was removed before the write finished. Whatever the failure, the partial
temporary file is removed where the stick still allows it, and nothing on the kiosk changes.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
from pathlib import Path
from typing import IO, Callable

log = logging.getLogger(__name__)

PARTIAL = ".partial-"
READ_CHUNK = 256 * 1024

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_GONE = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOTCONN, errno.ENOENT, errno.ESTALE, errno.EBADF,
         errno.ENOTDIR, errno.ECONNABORTED}


class StickError(Exception):
    """A write onto the stick that did not finish; str() says so in words for the facilitator."""


class StickFull(StickError):
    def __init__(self, needed: int, free: int) -> None:
        self.needed, self.free = needed, free
        super().__init__(f"the stick is full: this export needs {size_text(needed)} and the stick has "
                         f"{size_text(free)} free. Nothing was left on it; free some space or use another stick.")


class StickReadOnly(StickError):
    def __init__(self, where: Path) -> None:
        super().__init__(f"the stick at {where} is read-only (a lock switch on its side?); nothing was written.")


class StickRemoved(StickError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"the export did NOT finish: the stick was removed or stopped answering ({detail}). "
                         "Put it back and export again.")


class VerifyFailed(StickError):
    def __init__(self, name: str) -> None:
        super().__init__(f"the export did NOT finish: {name} read back from the stick differs from what was "
                         "written (a failing stick?). Try another stick.")


def size_text(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    if n < 1024 ** 3:
        return f"{n / 1024 ** 2:.1f} MB"
    return f"{n / 1024 ** 3:.1f} GB"


def free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def is_read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def stick_error(exc: OSError, where: Path, needed: int) -> StickError:
    """The facilitator's words for an OSError met while writing onto the stick."""
    if exc.errno in _FULL:
        try:
            free = free_bytes(where)
        except OSError:
            free = 0
        return StickFull(needed, free)
    if exc.errno in _READ_ONLY:
        return StickReadOnly(where)
    if exc.errno in _GONE:
        return StickRemoved(os.strerror(exc.errno))
    return StickError(f"the export did NOT finish: {exc}")


def fsync_folder(folder: Path) -> None:
    """Makes a create or rename in folder durable. Some FUSE file systems refuse fsync on a folder
    (EINVAL): that is noted, and the read-back still checks what the stick holds."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
        log.debug("fsync of the folder %s is not supported there (%s)", folder, exc)
    finally:
        os.close(fd)


def make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    folder.mkdir()
    fsync_folder(folder.parent)


def write_stream(sink: IO[bytes], source: IO[bytes], progress: Callable[[int], None] | None) -> None:
    while True:
        chunk = source.read(READ_CHUNK)
        if not chunk:
            return
        sink.write(chunk)
        if progress:
            progress(len(chunk))


def write_file(folder: Path, name: str, fill: Callable[[IO[bytes]], None]) -> str:
    """Writes folder/name through a temporary name; fill(f) writes the content into f. Returns the
    SHA-256 of what was written, checked against what the stick gives back."""
    from kiosk.export.bundle import HashingWriter

    final = folder / name
    temp = folder / f"{PARTIAL}{name}"
    if final.exists():
        raise FileExistsError(f"{final} already exists; an export never overwrites one")
    try:
        with temp.open("xb") as raw:
            sink = HashingWriter(raw)
            fill(sink)
            raw.flush()
            os.fsync(raw.fileno())
        fsync_folder(folder)
        os.rename(temp, final)
        fsync_folder(folder)
    except BaseException:
        remove_quietly(temp)
        raise
    written = sink.summary().sha256
    if read_back(final) != written:
        raise VerifyFailed(name)
    return written


def write_folder(parent: Path, name: str, source: Path, files: tuple[str, ...],
                 progress: Callable[[int], None] | None = None) -> dict[str, str]:
    """Copies source's files into a new folder parent/name, each through write_file; the last file
    (the manifest) marks the folder complete. A folder is never renamed: some FAT drivers lose a
    renamed folder's contents (fusefat does). On any failure the partial folder is removed.
    Returns each file's SHA-256 as read back from the stick."""
    final = parent / name
    final.mkdir()
    fsync_folder(parent)
    sums: dict[str, str] = {}
    try:
        for file in files:
            with (source / file).open("rb") as src:
                sums[file] = write_file(final, file, lambda sink, src=src: write_stream(sink, src, progress))
    except BaseException:
        remove_quietly(final)
        raise
    return sums


def read_back(path: Path) -> str:
    """The SHA-256 of path as the stick holds it: its cached pages are dropped first (after the
    fsync they are clean), so the read goes to the device, not to memory."""
    sha = hashlib.sha256()
    with path.open("rb") as f:
        try:
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        except (OSError, AttributeError):
            pass
        while chunk := f.read(READ_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def remove_quietly(path: Path) -> None:
    """Removes a partial file or folder; a stick that is gone or read-only is left as it is."""
    try:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    except OSError as exc:
        log.warning("could not remove the partial %s: %s", path, exc)
