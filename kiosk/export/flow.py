"""One export, start to end: the same code path for the kiosk's screen and `kiosk export --to DIR`.

Read the journal (read-only) into a bundle in a scratch folder on the kiosk, check the stick has
room, write it onto the stick safely (sealed to the hub when a recipient is configured, else as a
plain folder), read it back, and journal one export.done or export.failed. The scratch folder is
removed whatever happens; nothing else on the kiosk changes.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime
from pathlib import Path
from typing import Any, Callable

from kiosk.clock import Clock, local_zone
from kiosk.config import Config
from kiosk.export import safewrite as W
from kiosk.export.bundle import DATA_FILES, MANIFEST, Manifest, write_bundle
from kiosk.export.names import export_name, free_name
from kiosk.export.sealing import LABEL_SUFFIX, SEALED_SUFFIX, seal, sealed_size, tar_folder
from kiosk.session import facts as F
from kiosk.session.record import iso_utc
from kiosk.store.reader import JournalMissing, read_journal

log = logging.getLogger(__name__)

EXPORT_DONE, EXPORT_FAILED = F.EXPORT_DONE, F.EXPORT_FAILED
LAST_EXPORT_META = "export.last"  # `kiosk export` beside a running kiosk notes its outcome here (kiosk.export.cli)
STICK_FOLDER = "room-kiosk-logs"
STAGING = "export-staging"
FILES = DATA_FILES + (MANIFEST,)
NOT_SEALED = "not sealed: anyone with this stick can read it"

DONE, EMPTY, NO_STICK, FULL, READ_ONLY, REMOVED, FAILED = (
    "done", "empty", "no_stick", "full", "read_only", "removed", "failed")


@dataclass(frozen=True)
class Progress:
    stage: str  # reading, writing, checking
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass(frozen=True)
class ExportResult:
    outcome: str
    message: str
    sealed: bool = False
    path: Path | None = None
    events: int = 0
    sessions: int = 0
    bytes: int = 0
    needed: int | None = None
    free: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == DONE


JournalEvent = Callable[[str, dict[str, Any]], Any]


def export_logs(config: Config, target: Path, *, clock: Clock, since: date | None = None,
                progress: Callable[[Progress], None] | None = None,
                journal_event: JournalEvent | None = None) -> ExportResult:
    """Writes an export into target (a folder on the stick, made if only its parent exists)."""
    result = _export(config, Path(target), clock, since, progress or (lambda _p: None))
    if journal_event is not None:
        try:
            journal_event(*_journal_entry(result, clock.now()))
        except Exception:  # the export itself is done or failed either way; say it was not logged
            log.exception("the export's outcome could not be journalled")
    return result


def _journal_entry(result: ExportResult, now: float) -> tuple[str, dict[str, Any]]:
    if result.ok:
        return EXPORT_DONE, {"at": now, "name": result.path.name if result.path else None, "sealed": result.sealed,
                             "events": result.events, "sessions": result.sessions, "bytes": result.bytes,
                             **result.extra}
    return EXPORT_FAILED, {"at": now, "reason": result.outcome, "detail": result.message[:300]}


def _export(config: Config, target: Path, clock: Clock, since: date | None,
            progress: Callable[[Progress], None]) -> ExportResult:
    if not target.is_dir() and not target.parent.is_dir():
        return ExportResult(NO_STICK, f"no stick or folder at {target}: put a USB stick in (or give a folder "
                                      "that exists)")
    if W.is_read_only(target if target.is_dir() else target.parent):
        return ExportResult(READ_ONLY, str(W.StickReadOnly(target)))
    zone = local_zone(config.timezone)
    zone_name = config.timezone or str(datetime.now().astimezone().tzinfo or "UTC")
    since_wall = datetime.combine(since, dtime.min, zone).timestamp() if since else None
    recipient = config.export.recipient
    staging_root = config.paths.data / STAGING
    try:
        staging_root.mkdir(parents=True, exist_ok=True)
        _remove_stale_scratch(staging_root)
        scratch = Path(tempfile.mkdtemp(dir=staging_root))
    except OSError as exc:
        return ExportResult(FAILED, f"the export did not start: the kiosk cannot write its scratch folder "
                                    f"{staging_root} ({exc})")
    try:
        try:
            with read_journal(config.paths.database) as reader:
                first, last, count = reader.seq_range(since_wall)
                if count == 0:
                    when = f" since {since.isoformat()}" if since else ""
                    return ExportResult(EMPTY, f"nothing to export: no events in the journal{when}")
                name = export_name(config.room, reader.meta("device_id") or "device", first, last)
                bundle = scratch / name
                bundle.mkdir()
                read = [0]

                def reading(n: int) -> None:
                    read[0] += n
                    progress(Progress("reading", read[0], 0))

                progress(Progress("reading", 0, 0))
                manifest = write_bundle(reader, bundle, name=name, room=config.room, zone=zone,
                                        zone_name=zone_name, first_seq=first, last_seq=last, events=count,
                                        now=clock.now(), since=since.isoformat() if since else None,
                                        progress=reading)
        except JournalMissing as exc:
            return ExportResult(EMPTY, f"nothing to export: {exc}")
        except sqlite3.Error as exc:
            return ExportResult(FAILED, f"the export did not start: the journal {config.paths.database} could not "
                                        f"be read ({exc}); nothing was written to the stick")
        except OSError as exc:
            return ExportResult(FAILED, f"the export did not finish: the kiosk could not prepare it in "
                                        f"{scratch} ({exc}); nothing was written to the stick")
        return _write(target, bundle, manifest, recipient, scratch, progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            staging_root.rmdir()
        except OSError:
            pass


def _remove_stale_scratch(staging_root: Path, older_than: float = 3600.0) -> None:
    """Scratch folders a power cut left behind (not one another export is using right now)."""
    import time

    for old in staging_root.iterdir():
        try:
            if time.time() - old.stat().st_mtime > older_than:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def _write(target: Path, bundle: Path, manifest: Manifest, recipient: str | None, scratch: Path,
           progress: Callable[[Progress], None]) -> ExportResult:
    base = dict(events=manifest.events, sessions=manifest.sessions, sealed=bool(recipient))
    if recipient:
        archive = scratch / f"{manifest.name}.tar"
        plain_bytes = tar_folder(bundle, archive, FILES)
        needed = sealed_size(plain_bytes) + 4096
    else:
        plain_bytes = sum((bundle / f).stat().st_size for f in FILES)
        needed = plain_bytes + 4096 * (len(FILES) + 1)
    where = target if target.is_dir() else target.parent
    try:
        free = W.free_bytes(where)
    except OSError as exc:
        return _failed(W.stick_error(exc, where, needed), needed, base)
    if free < needed:
        return _failed(W.StickFull(needed, free), needed, base)
    written = [0]

    def writing(n: int) -> None:
        written[0] += n
        progress(Progress("writing", written[0], plain_bytes))

    progress(Progress("writing", 0, plain_bytes))
    try:
        W.make_folder(target)
        if recipient:
            name = free_name(target, manifest.name, (SEALED_SUFFIX, LABEL_SUFFIX))
            sealed_file = f"{name}{SEALED_SUFFIX}"
            with archive.open("rb") as source:
                sha = W.write_file(target, sealed_file, lambda sink: seal(source, sink, recipient, writing))
            size = (target / sealed_file).stat().st_size
            progress(Progress("checking", plain_bytes, plain_bytes))
            label = {"format": "room-kiosk sealed export", "version": 1, "name": name, "file": sealed_file,
                     "device_id": manifest.device_id, "seq_first": manifest.seq_first,
                     "seq_last": manifest.seq_last, "exported_at": iso_utc(manifest.exported_at),
                     "sha256": sha, "bytes": size, "sealed_to": recipient,
                     "open_with": f"age -d -i export-identity.txt {sealed_file} | tar -x"}
            text = (json.dumps(label, indent=2) + "\n").encode("utf-8")
            W.write_file(target, f"{name}{LABEL_SUFFIX}", lambda sink: sink.write(text))
            path = target / sealed_file
            extra = {"sha256": sha}
        else:
            name = free_name(target, manifest.name, ("",))
            sums = W.write_folder(target, name, bundle, FILES, writing)
            progress(Progress("checking", plain_bytes, plain_bytes))
            expected = {n: f.sha256 for n, f in manifest.files.items()}
            bad = [n for n in DATA_FILES if sums[n] != expected[n]]
            if bad:
                raise W.VerifyFailed(bad[0])
            path, size, extra = target / name, plain_bytes, {}
    except W.StickError as exc:
        return _failed(exc, needed, base)
    except OSError as exc:
        return _failed(W.stick_error(exc, where, needed), needed, base)
    what = "sealed to the hub" if recipient else NOT_SEALED
    return ExportResult(DONE, f"{counted(manifest.events, 'event')} from {counted(manifest.sessions, 'session')} "
                              f"written to {path.name} "
                              f"({what}). Safe to remove the stick.", path=path, bytes=size,
                        extra={"seq_first": manifest.seq_first, "seq_last": manifest.seq_last, **extra}, **base)


def counted(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _failed(exc: W.StickError, needed: int, base: dict[str, Any]) -> ExportResult:
    outcome = {W.StickFull: FULL, W.StickReadOnly: READ_ONLY, W.StickRemoved: REMOVED}.get(type(exc), FAILED)
    free = exc.free if isinstance(exc, W.StickFull) else None
    log.warning("export failed (%s): %s", outcome, exc)
    return ExportResult(outcome, str(exc), needed=needed, free=free, **base)
