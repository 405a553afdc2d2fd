"""Importing a USB export into the hub: sealed (an age file) or plain (a folder), exactly once.

The export is checked against its manifest (every file's SHA-256), then its events.jsonl goes in
batch by batch through the same checks and the same insert-or-ignore by event UUID as sync
(kiosk.hub.validate, kiosk.hub.ingest): importing it twice, or after the same events came by sync,
stores nothing new. A sealed export is decrypted with the hub's identity into a temporary file and
read as a tar archive; nothing in it is ever extracted to a path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator

import pyrage

from kiosk.export.bundle import DATA_FILES, EVENTS_JSONL, MANIFEST, read_manifest
from kiosk.hub.database import HubDatabase
from kiosk.hub.exportkey import load_identities
from kiosk.hub.ingest import DUPLICATE, REJECTED, STORED, store_batch
from kiosk.hub.readerlanguage import gettext as _
from kiosk.hub.validate import BadRequest, check_batch

log = logging.getLogger(__name__)

BATCH = 500
MAX_LINE = 256 * 1024
MAX_REASONS = 20

Opener = Callable[[str], IO[bytes]]


class ImportRefused(ValueError):
    """The export as a whole cannot be imported; str() says why and what to do."""


@dataclass
class ImportReport:
    source: str
    name: str | None = None
    room: str | None = None
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None

    def line(self) -> str:
        if self.refused:
            return f"{self.source}: refused: {self.refused}"
        text = (f"{self.source}: room {self.room!r}: {self.stored} stored, {self.duplicate} already there, "
                f"{self.rejected} refused")
        return text + "".join(f"\n  refused: {r}" for r in self.reasons)


def import_path(hub: HubDatabase, path: Path, identity_file: Path, now: float) -> ImportReport:
    """A plain export's folder, or a sealed NAME.age file."""
    path = Path(path)
    report = ImportReport(source=path.name or str(path))
    try:
        if path.is_dir():
            _import(hub, lambda name: (path / name).open("rb"), report, now)
        elif path.is_file():
            with path.open("rb") as f:
                import_sealed(hub, f, identity_file, now, report)
        else:
            raise ImportRefused(_("there is no file or folder at %(path)s") % {"path": path})
    except ImportRefused as exc:
        report.refused = str(exc)
    return report


def import_sealed(hub: HubDatabase, sealed: IO[bytes], identity_file: Path, now: float,
                  report: ImportReport) -> ImportReport:
    """Raises ImportRefused; used by import_path and the Logs page's upload."""
    from kiosk.hub.exportkey import ExportKeyError

    try:
        identities = load_identities(identity_file)
    except ExportKeyError as exc:
        raise ImportRefused(str(exc)) from None
    with tempfile.TemporaryFile() as plain:
        try:
            pyrage.decrypt_io(sealed, plain, identities)
        except (pyrage.DecryptError, ValueError, OSError) as exc:
            raise ImportRefused(_("this hub's key does not open it (%(error)s): it was sealed to another hub's key, "
                                  "or it is not a sealed room kiosk export") % {"error": exc}) from None
        plain.seek(0)
        with _tar_opener(plain) as opener:
            return _import(hub, opener, report, now)


@contextmanager
def _tar_opener(plain: IO[bytes]) -> Iterator[Opener]:
    try:
        tar = tarfile.open(fileobj=plain, mode="r:")
    except tarfile.TarError as exc:
        raise ImportRefused(_("the sealed content is not an export archive (%(error)s)") % {"error": exc}) from None
    with tar:
        members = {}
        for m in tar.getmembers():
            parts = m.name.split("/")
            if m.isfile() and len(parts) == 2 and parts[1] in DATA_FILES + (MANIFEST,):
                members[parts[1]] = m

        def opener(name: str) -> IO[bytes]:
            member = members.get(name)
            extracted = tar.extractfile(member) if member is not None else None
            if extracted is None:
                raise FileNotFoundError(name)
            return extracted

        yield opener


def import_files(hub: HubDatabase, files: dict[str, Path], now: float, source: str) -> ImportReport:
    """A plain export uploaded as its files (name -> a temporary path)."""
    report = ImportReport(source=source)

    def opener(name: str) -> IO[bytes]:
        if name not in files:
            raise FileNotFoundError(name)
        return files[name].open("rb")

    try:
        _import(hub, opener, report, now)
    except ImportRefused as exc:
        report.refused = str(exc)
    return report


def _import(hub: HubDatabase, open_file: Opener, report: ImportReport, now: float) -> ImportReport:
    try:
        with open_file(MANIFEST) as f:
            manifest = read_manifest(f.read(1024 * 1024))
    except FileNotFoundError:
        raise ImportRefused(_("it has no %(file)s: is it a room kiosk export?") % {"file": MANIFEST}) from None
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None
    report.name = str(manifest.get("name") or report.source)
    _check_files(open_file, manifest)
    room = _room(hub, manifest)
    report.room = room.name
    try:
        _read_events(hub, open_file, room.id, manifest, report, now)
    finally:
        _keep_last_contact(hub, room.id, room.last_seen, now)
    log.info("import of %s into room %s: %d stored, %d already there, %d refused", report.source, room.name,
             report.stored, report.duplicate, report.rejected)
    return report


def _keep_last_contact(hub: HubDatabase, room_id: int, before: float | None, now: float) -> None:
    """store_batch notes a kiosk's contact; a stick is not one. Put the room's last contact back (only
    where it is still this import's `now`: a real upload meanwhile keeps its own), so the board never shows
    a kiosk in a basement as online because its logs were carried up."""
    Room = hub.models.Room
    with hub.write():
        Room.update(last_seen=before).where((Room.id == room_id) & (Room.last_seen == now)).execute()


def _read_events(hub: HubDatabase, open_file: Opener, room_id: int, manifest: dict, report: ImportReport,
                 now: float) -> None:
    with open_file(EVENTS_JSONL) as lines:
        batch: list[dict] = []
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE:
                _note(report, f"{EVENTS_JSONL} line {n} is {len(raw)} bytes, over {MAX_LINE}")
                continue
            try:
                event = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                _note(report, f"{EVENTS_JSONL} line {n} is not JSON: {exc}")
                continue
            batch.append(event if isinstance(event, dict) else {"line": n})
            if len(batch) >= BATCH:
                _store(hub, room_id, manifest["device_id"], batch, now, report)
                batch = []
        if batch:
            _store(hub, room_id, manifest["device_id"], batch, now, report)


def _check_files(open_file: Opener, manifest: dict) -> None:
    files = manifest["files"]
    for name in DATA_FILES:
        expected = files.get(name, {}).get("sha256") if isinstance(files.get(name), dict) else None
        if not expected:
            raise ImportRefused(_("its %(manifest)s lists no SHA-256 for %(file)s") % {"manifest": MANIFEST, "file": name})
        sha = hashlib.sha256()
        try:
            with open_file(name) as f:
                while chunk := f.read(256 * 1024):
                    sha.update(chunk)
        except FileNotFoundError:
            raise ImportRefused(_("%(file)s is missing from it: copy the whole export folder") % {"file": name}) from None
        if sha.hexdigest() != expected:
            raise ImportRefused(_("%(file)s does not match its manifest (SHA-256 %(found)s…, manifest says %(expected)s…): "
                                  "the copy is damaged or was changed; export again")
                                % {"file": name, "found": sha.hexdigest()[:12], "expected": str(expected)[:12]})


def _room(hub: HubDatabase, manifest: dict):
    Room = hub.models.Room
    device_id, name = str(manifest["device_id"]), str(manifest["room"])
    room = Room.get_or_none(Room.device_id == device_id) or Room.get_or_none(Room.name == name)
    if room is None:
        raise ImportRefused(_("this hub knows no room %(room)s (device %(device)s…): add it with `%(command)s` and "
                              "import again") % {"room": repr(name), "device": device_id[:8],
                                                 "command": f"kiosk hub add-room {json.dumps(name)}"})
    return room


def _store(hub: HubDatabase, room_id: int, device_id: str, events: list[dict], now: float,
           report: ImportReport) -> None:
    try:
        batch = check_batch({"device_id": device_id, "events": events})
    except BadRequest as exc:
        raise ImportRefused(_("its %(file)s is malformed: %(error)s") % {"file": EVENTS_JSONL, "error": exc}) from None
    for result in store_batch(hub, room_id, batch, now):
        if result["status"] == STORED:
            report.stored += 1
        elif result["status"] == DUPLICATE:
            report.duplicate += 1
        elif result["status"] == REJECTED:
            _note(report, result["reason"])


def _note(report: ImportReport, reason: str) -> None:
    report.rejected += 1
    if len(report.reasons) < MAX_REASONS:
        report.reasons.append(reason)
