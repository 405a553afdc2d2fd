"""Export names a FAT32 or exFAT stick accepts (most sticks are FAT): ASCII letters, digits, '-' and '_'."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_SLUG = 40


def fat_slug(text: str, fallback: str = "room") -> str:
    """'Salle Étoile: 3' -> 'salle-etoile-3'. No ':' '/' '\\' '*' '?' '"' '<' '>' '|', no trailing dot or space."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:MAX_SLUG].strip("-")
    return slug or fallback


def export_name(room: str, device_id: str, first_seq: int, last_seq: int) -> str:
    device = fat_slug(device_id, "device")[:8]
    return f"{fat_slug(room)}_{device}_seq{first_seq}-{last_seq}"


def free_name(folder: Path, base: str, suffixes: tuple[str, ...]) -> str:
    """base, else base-2, base-3...: a name none of whose files (base + each suffix) exists in folder.
    FAT compares names without case, so this does too; an older export is never overwritten."""
    try:
        taken = {p.name.lower() for p in folder.iterdir()}
    except FileNotFoundError:
        taken = set()
    n = 1
    while True:
        name = base if n == 1 else f"{base}-{n}"
        if not any((name + s).lower() in taken for s in suffixes):
            return name
        n += 1
