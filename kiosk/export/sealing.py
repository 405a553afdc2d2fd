"""Sealing an export to the hub's key in the age format (https://age-encryption.org/v1).

The bundle's folder goes into one tar archive, encrypted with pyrage to the hub's X25519 recipient
(`age1...`). The kiosk holds only the public recipient, so it cannot read its own old exports;
the standard `age` tool opens one at the hub with no project code:

    age -d -i export-identity.txt NAME.age | tar -x
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import IO, Callable

import pyrage

SEALED_SUFFIX = ".age"
LABEL_SUFFIX = ".label.json"
AGE_CHUNK = 64 * 1024
AGE_OVERHEAD_PER_CHUNK = 16


class RecipientError(ValueError):
    pass


def parse_recipient(text: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except (pyrage.RecipientError, ValueError) as exc:
        raise RecipientError(f"{text!r} is not an age recipient ({exc})") from None


def valid_recipient(text: str) -> bool:
    try:
        parse_recipient(text)
    except RecipientError:
        return False
    return True


def tar_folder(folder: Path, archive: Path, files: tuple[str, ...]) -> int:
    """folder's files (in this order) as NAME/file in a tar at archive; returns its size in bytes."""
    with tarfile.open(archive, "x", format=tarfile.PAX_FORMAT) as tar:
        for name in files:
            info = tar.gettarinfo(str(folder / name), arcname=f"{folder.name}/{name}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o644
            with (folder / name).open("rb") as f:
                tar.addfile(info, f)
    return archive.stat().st_size


def sealed_size(plain_bytes: int) -> int:
    """An upper bound on the age file's size for plain_bytes of content (header plus a tag per chunk)."""
    chunks = plain_bytes // AGE_CHUNK + 1
    return plain_bytes + chunks * AGE_OVERHEAD_PER_CHUNK + 1024


class _CountingReader(io.RawIOBase):
    def __init__(self, source: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self.source = source
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self.source.readinto(buffer)
        if n and self.progress:
            self.progress(n)
        return n or 0


def seal(source: IO[bytes], sink: IO[bytes], recipient: str, progress: Callable[[int], None] | None = None) -> None:
    """Streams source into sink, encrypted to recipient; progress(n) for each n plain bytes read."""
    pyrage.encrypt_io(io.BufferedReader(_CountingReader(source, progress), AGE_CHUNK), sink,
                      [parse_recipient(recipient)])
