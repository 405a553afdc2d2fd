"""A download, made by the USB export's own code: the bundle written by kiosk.export.bundle into a
scratch folder on the kiosk, then served as one file — the bundle as a tar (sealed to the hub with
kiosk.export.sealing when `[export] recipient` is set) or one of its CSV files — streamed in chunks.

Nothing from the request names a file: the choice is checked against fixed words, dates and the
journal's own session ids, and the scratch folder's name comes from tempfile.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Callable, Iterator

from kiosk.clock import Clock, local_zone
from kiosk.config import Config
from kiosk.export.bundle import EVENTS_CSV, SESSIONS, write_bundle
from kiosk.export.flow import FILES
from kiosk.export.names import export_name
from kiosk.export.sealing import SEALED_SUFFIX, seal, tar_folder
from kiosk.language import N_
from kiosk.store.reader import JournalMissing, read_journal

STAGING = "download-staging"
CHUNK = 64 * 1024
WHATS = ("all", "range", "session")
FORMATS = {"bundle": N_("bundle"), "sessions.csv": N_("sessions CSV"), "events.csv": N_("events CSV")}


class Refusal(Exception):
    """Why a download was not made, in words the page translates: message is the catalog's English (with
    %(name)s for the values), str() is it in English."""

    def __init__(self, message: str, **values: object) -> None:
        self.message, self.values = message, values
        super().__init__(message % values)

    def said(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message) % self.values


class NotOffered(Refusal, ValueError):
    """A choice the page does not offer; it says what is allowed."""


@dataclass(frozen=True)
class Choice:
    what: str
    format: str
    first_day: date | None = None
    last_day: date | None = None
    session_id: str | None = None

    def describe(self) -> dict:
        out: dict = {"what": self.what, "format": self.format}
        if self.what == "range":
            out.update({"first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat()})
        if self.what == "session":
            out["session_id"] = self.session_id
        return out


def _day(text: str, not_a_date: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise NotOffered(not_a_date, given=repr(text[:20])) from None


def parse_choice(form: dict, known_session) -> Choice:
    """The form's fields as a Choice; NotOffered names the field, what was given and what is allowed."""
    what, fmt = form.get("what", ""), form.get("format", "")
    if what not in WHATS:
        raise NotOffered(N_("what %(given)s is not offered: choose all, range or session"), given=repr(what[:20]))
    if fmt not in FORMATS:
        raise NotOffered(N_("format %(given)s is not offered: choose %(allowed)s"), given=repr(fmt[:20]),
                         allowed=", ".join(FORMATS))
    if what == "range":
        first = _day(form.get("from", ""), N_("the first day, %(given)s, is not a date like 2026-11-25"))
        last = _day(form.get("to", ""), N_("the last day, %(given)s, is not a date like 2026-11-25"))
        if last < first:
            raise NotOffered(N_("the range ends on %(last)s, before it begins on %(first)s: swap the dates"),
                             last=last.isoformat(), first=first.isoformat())
        return Choice(what, fmt, first_day=first, last_day=last)
    if what == "session":
        sid = form.get("session", "")
        if not (0 < len(sid) <= 64) or not all(c.isalnum() or c == "-" for c in sid) or not known_session(sid):
            raise NotOffered(N_("that session is not in this kiosk's journal: choose one from the list"))
        return Choice(what, fmt, session_id=sid)
    return Choice(what, fmt)


@dataclass
class Prepared:
    filename: str
    content_type: str
    path: Path
    size: int
    sealed: bool
    events: int
    seq_first: int
    seq_last: int
    scratch: Path

    def chunks(self, stop=None) -> Iterator[bytes]:
        with self.path.open("rb") as f:
            while chunk := f.read(CHUNK):
                if stop is not None and stop.is_set():
                    return
                yield chunk

    def cleanup(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


class Nothing(Refusal):
    """Nothing in the journal for that choice (it says so)."""


BACKGROUND_NICE = 10


def yield_to_the_screen() -> None:
    """Lowers this thread's scheduling priority (Linux: niceness is per thread), so a download that keeps
    a core busy gives way to the screen's thread when the kiosk's cores are all in use."""
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
    except (OSError, AttributeError):
        pass


def prepare(config: Config, clock: Clock, choice: Choice, staging: Path | None = None) -> Prepared:
    """The file for choice, in a fresh scratch folder under staging (this opening's folder under the
    data folder), removed by cleanup."""
    yield_to_the_screen()
    zone = local_zone(config.timezone)
    zone_name = config.timezone or str(datetime.now().astimezone().tzinfo or "UTC")
    root = staging or config.paths.data / STAGING
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root))
    try:
        try:
            with read_journal(config.paths.database) as reader:
                first, last, count = _range(reader, choice, zone)
                if count == 0:
                    raise Nothing(N_("Nothing to download: there are no events in the journal for that choice."))
                name = export_name(config.room, reader.meta("device_id") or "device", first, last)
                bundle = scratch / name
                bundle.mkdir()
                write_bundle(reader, bundle, name=name, room=config.room, zone=zone, zone_name=zone_name,
                             first_seq=first, last_seq=last, events=count, now=clock.now(),
                             since=choice.first_day.isoformat() if choice.first_day else None)
        except JournalMissing:
            raise Nothing(N_("Nothing to download: nothing has been logged on this kiosk yet.")) from None
        recipient = config.export.recipient
        if choice.format == "bundle":
            archive = scratch / f"{name}.tar"
            tar_folder(bundle, archive, FILES)
            if recipient:
                sealed = scratch / f"{name}{SEALED_SUFFIX}"
                with archive.open("rb") as source, sealed.open("xb") as sink:
                    seal(source, sink, recipient)
                archive.unlink()
                path, ctype = sealed, "application/octet-stream"
            else:
                path, ctype = archive, "application/x-tar"
            filename = path.name
        else:
            path = bundle / (SESSIONS if choice.format == "sessions.csv" else EVENTS_CSV)
            filename, ctype = f"{name}_{path.name}", "text/csv; charset=utf-8"
        return Prepared(filename, ctype, path, path.stat().st_size, bool(recipient) and choice.format == "bundle",
                        count, first, last, scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _range(reader, choice: Choice, zone) -> tuple[int, int, int]:
    if choice.what == "all":
        return reader.seq_range()
    if choice.what == "range":
        since = datetime.combine(choice.first_day, dtime.min, zone).timestamp()
        until = datetime.combine(choice.last_day + timedelta(days=1), dtime.min, zone).timestamp()
        return reader.seq_between(since, until)
    records = reader.session(choice.session_id, 2 ** 62)
    if not records:
        return 0, 0, 0
    first, last = records[0].seq, records[-1].seq
    return first, last, reader.count(first, last)


def staging_folder(config: Config) -> Path:
    """This process's scratch folder for downloads: data/download-staging/<pid>-<random>."""
    return config.paths.data / STAGING / f"{os.getpid()}-{os.urandom(4).hex()}"


def clear_stale_staging(config: Config) -> None:
    """Scratch folders whose process is gone (a power cut, a crash); never another running page's."""
    root = config.paths.data / STAGING
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for entry in entries:
        pid = entry.name.split("-", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or _alive(int(pid))):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
