"""The hub's key pair for sealed USB exports (the age format, X25519).

The identity is a file in the hub's data folder, mode 0600, in the same form `age-keygen` writes,
so the standard `age -d -i export-identity.txt` opens an export with no project code. It is made
the first time `kiosk hub export-key` runs; with several hub processes (PostgreSQL), copy the same
file into each one's data folder.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pyrage

IDENTITY_FILE = "export-identity.txt"


class ExportKeyError(ValueError):
    pass


def identity_path(data_dir: Path) -> Path:
    return Path(data_dir) / IDENTITY_FILE


def ensure_identity(data_dir: Path) -> tuple[str, bool]:
    """The hub's public recipient (age1...), and whether the identity was created just now."""
    path = identity_path(data_dir)
    if path.exists():
        return str(load_identities(path)[0].to_public()), False
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    text = (f"# created: {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
            f"# public key: {public}\n# the room kiosk hub's key for sealed USB exports: keep it secret, back it up\n"
            f"{identity}\n")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another hub process made it first
        return str(load_identities(path)[0].to_public()), False
    try:
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return public, True


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    try:
        lines = Path(path).read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise ExportKeyError(f"this hub has no export key at {path}: run `kiosk hub export-key` to make one "
                             "(and put what it prints in each kiosk's [export] recipient)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportKeyError(f"cannot read the hub's export key {path}: {exc}") from None
    identities = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line))
            except (pyrage.IdentityError, ValueError) as exc:
                raise ExportKeyError(f"{path} holds a line that is not an age identity ({exc})") from None
    if not identities:
        raise ExportKeyError(f"{path} holds no age identity (AGE-SECRET-KEY-1...)")
    return identities
