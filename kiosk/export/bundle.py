"""The export bundle: sessions.csv and events.csv for people, events.jsonl for machines, manifest.json.

Written file by file into a folder, streamed from the journal: the events are read one row at a time
and each session's records are held only while its row is written, so a year of logs (100,000
events) exports in bounded memory. Each file's SHA-256 and size are taken as it is written and go
into the manifest, which the hub checks on import.

CSV files are UTF-8 with a byte-order mark (so Excel reads them as UTF-8; LibreOffice asks or
detects it), times are ISO 8601 with their zone offset, and text that a spreadsheet would run as a
formula is quoted (the same guard as the hub's CSV download).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import IO, Any, Callable

from kiosk.session.record import iso_utc
from kiosk.session import facts as F
from kiosk.session.record import EventRecord
from kiosk.session_report import BEGAN, SessionSummary, summarise
from kiosk.spreadsheet import csv_cell
from kiosk.store.reader import JournalReader, RawEvent

FORMAT = "room-kiosk export"
VERSION = 1
SESSIONS, EVENTS_CSV, EVENTS_JSONL, MANIFEST = "sessions.csv", "events.csv", "events.jsonl", "manifest.json"
DATA_FILES = (SESSIONS, EVENTS_CSV, EVENTS_JSONL)
CHUNK = 64 * 1024

EVENT_COLUMNS = ("local_time", "wall_utc", "clock_trusted", "room", "device_id", "seq", "session_id", "kind",
                 "payload", "uuid")
PHASES = ("opening", "holding", "closing")
SESSION_COLUMNS = (("session_id", "plan", "started", "how_it_ended", "must_end_by")
                   + tuple(f"{p}_{w}" for p in PHASES
                           for w in ("planned_start", "planned_end", "actual_start", "actual_end", "began"))
                   + ("extensions", "cues", "help_calls", "interruptions", "clock_steps", "ended"))

Progress = Callable[[int], None]


@dataclass(frozen=True)
class FileSum:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    name: str
    room: str
    device_id: str
    seq_first: int
    seq_last: int
    events: int
    sessions: int
    exported_at: float
    since: str | None
    timezone: str
    files: dict[str, FileSum] = field(default_factory=dict)

    @property
    def data_bytes(self) -> int:
        return sum(f.bytes for f in self.files.values())

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "name": self.name, "room": self.room,
                "device_id": self.device_id, "seq_first": self.seq_first, "seq_last": self.seq_last,
                "counts": {"events": self.events, "sessions": self.sessions},
                "exported_at": iso_utc(self.exported_at), "since": self.since, "timezone": self.timezone,
                "files": {n: {"sha256": f.sha256, "bytes": f.bytes} for n, f in self.files.items()}}


class HashingWriter(io.RawIOBase):
    """A binary sink that hashes and counts what passes through, and reports progress in bytes."""

    def __init__(self, sink: IO[bytes], progress: Progress | None = None) -> None:
        self.sink = sink
        self.sha = hashlib.sha256()
        self.bytes = 0
        self.progress = progress

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        self.sink.write(view)
        self.sha.update(view)
        self.bytes += len(view)
        if self.progress:
            self.progress(len(view))
        return len(view)

    def summary(self) -> FileSum:
        return FileSum(self.sha.hexdigest(), self.bytes)


def write_bundle(reader: JournalReader, folder: Path, *, name: str, room: str, zone: tzinfo, zone_name: str,
                 first_seq: int, last_seq: int, events: int, now: float, since: str | None,
                 progress: Progress | None = None) -> Manifest:
    """Writes the four files into folder (which exists and is empty) and returns the manifest."""
    device_id = reader.meta("device_id") or "unknown-device"
    sums: dict[str, FileSum] = {}
    safe_room = csv_cell(room)
    with _open_text(folder / EVENTS_JSONL, progress, csv_file=False) as (jsonl, jsonl_sink), \
            _open_text(folder / EVENTS_CSV, progress) as (text, csv_sink):
        writer = csv.writer(text)
        writer.writerow(EVENT_COLUMNS)
        for row in reader.rows(first_seq, last_seq):
            wall = iso_utc(row.wall)
            jsonl.write(wire_line(row, wall))
            writer.writerow((local_iso(row.wall, zone), wall, "yes" if row.clock_trusted else "no", safe_room,
                             csv_cell(row.device_id), row.seq, csv_cell(row.session_id or ""), csv_cell(row.kind),
                             csv_cell(readable_payload(row.payload)), row.uuid))
    sums[EVENTS_JSONL] = jsonl_sink.summary()
    sums[EVENTS_CSV] = csv_sink.summary()
    sessions = 0
    with _open_text(folder / SESSIONS, progress) as (text, sink):
        writer = csv.writer(text)
        writer.writerow(SESSION_COLUMNS)
        for start in reader.session_starts(first_seq, last_seq):
            if start.session_id is None:
                continue
            summary = summarise(start, reader.session(start.session_id, last_seq))
            writer.writerow([csv_cell(v) for v in session_row(summary, zone)])
            sessions += 1
    sums[SESSIONS] = sink.summary()
    manifest = Manifest(name=name, room=room, device_id=device_id, seq_first=first_seq, seq_last=last_seq,
                        events=events, sessions=sessions, exported_at=now, since=since, timezone=zone_name,
                        files=sums)
    (folder / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return manifest


class _open_text:
    """A text file over a HashingWriter: UTF-8 (with a BOM for CSV), newlines left to the csv module."""

    def __init__(self, path: Path, progress: Progress | None, csv_file: bool = True) -> None:
        self.raw = path.open("xb")
        self.sink = HashingWriter(self.raw, progress)
        self.text = io.TextIOWrapper(io.BufferedWriter(self.sink, CHUNK), encoding="utf-8-sig" if csv_file
                                     else "utf-8", newline="" if csv_file else "\n", write_through=False)

    def __enter__(self) -> tuple[io.TextIOWrapper, HashingWriter]:
        return self.text, self.sink

    def __exit__(self, *exc: Any) -> None:
        try:
            self.text.flush()
            self.text.detach().flush()
        finally:
            self.raw.close()


def local_iso(ts: float | None, zone: tzinfo) -> str:
    """2026-11-25T10:42:07+00:00: the room's local time with its offset, so no reader guesses the zone."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone(zone).isoformat(timespec="seconds")


def readable_payload(text: str) -> str:
    """The payload for people: the journal's JSON, with any \\u escapes shown as the letters they are."""
    if "\\u" not in text:
        return text
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def wire_line(row: RawEvent, wall: str) -> str:
    """One line of events.jsonl: the event as EventRecord.to_wire gives it, the journal's payload text
    embedded as it is (it is already JSON), so a year of events is not decoded and encoded again."""
    envelope = json.dumps({"uuid": row.uuid, "seq": row.seq, "device_id": row.device_id, "wall": wall,
                           "mono": row.mono, "boot_id": row.boot_id, "clock_trusted": bool(row.clock_trusted),
                           "session_id": row.session_id, "kind": row.kind}, separators=(",", ":"))
    return f'{envelope[:-1]},"payload":{row.payload}}}\n'


def _hm(ts: float | None, zone: tzinfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M:%S") if ts else "?"


def session_row(s: SessionSummary, zone: tzinfo) -> list[Any]:
    state = s.state
    row: list[Any] = [s.start.session_id, state.plan.name if state.plan else "?", local_iso(s.start.wall, zone),
                      s.status, local_iso(state.hard_end_at, zone)]
    by_phase = {str(p.phase): p for p in state.phases}
    for name in PHASES:
        p = by_phase.get(name)
        if p is None:
            row += ["", "", "", "", ""]
            continue
        row += [local_iso(p.planned_start, zone), local_iso(p.planned_end, zone), local_iso(p.actual_start, zone),
                local_iso(p.actual_end, zone), BEGAN.get(p.reason, p.reason)]
    row.append("; ".join(f"{phase} +{seconds / 60:g} min" for phase, seconds in state.extensions))
    row.append("; ".join(f"{c.payload.get('phase', '?')} {float(c.payload.get('lead', 0)) / 60:g} min before end "
                         f"at {_hm(c.payload.get('at', c.wall), zone)}" for c in s.cues))
    row.append("; ".join(_call(c, s.records, zone) for c in s.calls))
    row.append("; ".join(_interruption(r, zone) for r in s.interruptions))
    row.append("; ".join(f"{float(r.payload.get('offset', 0)):+.0f} s at {_hm(r.payload.get('at'), zone)}"
                         for r in s.clock_steps))
    row.append(local_iso(state.ended_at, zone))
    return row


_HELP_STEPS = ((F.HELP_DELIVERED, "delivered"), (F.HELP_ACKNOWLEDGED, "acknowledged"),
               (F.HELP_RESOLVED, "resolved"), (F.HELP_CANCELLED, "cancelled"))


def _call(call, records: tuple[EventRecord, ...], zone: tzinfo) -> str:
    """raised, delivered, acknowledged (and who answered), resolved: each time once, as first journalled."""
    parts = [f"raised {_hm(call.raised_at, zone)} ({call.source})"]
    mine = [r for r in records if r.payload.get("call_id") == call.call_id]
    repeats = sum(1 for r in mine if r.kind == F.HELP_REPEATED)
    if repeats:
        parts.append(f"pressed again ×{repeats}")
    for kind, word in _HELP_STEPS:
        first = next((r for r in mine if r.kind == kind), None)
        if first is not None:
            by = f" by {first.payload['by']}" if first.payload.get("by") else ""
            parts.append(f"{word} {_hm(first.payload.get('at', first.wall), zone)}{by}")
    return ", ".join(parts)


def _interruption(r: EventRecord, zone: tzinfo) -> str:
    d = r.payload
    if d.get("length_known", True) and "from" in d and isinstance(d.get("down_by"), (int, float)) \
            and d["from"] < d["down_by"] < d.get("to", 0):
        return (f"stopped between {_hm(d['from'], zone)} and {_hm(d['down_by'], zone)}, back {_hm(d.get('to'), zone)} "
                f"({float(d.get('seconds_at_least', 0)) / 60:.1f}-{float(d.get('seconds', 0)) / 60:.1f} min)")
    if d.get("length_known", True) and "from" in d:
        return f"{_hm(d['from'], zone)}-{_hm(d.get('to'), zone)} ({float(d.get('seconds', 0)) / 60:.1f} min)"
    return f"until {_hm(d.get('to'), zone)}, length unknown"


def read_manifest(data: bytes) -> dict[str, Any]:
    """The manifest as JSON, checked for the keys an importer needs (ValueError names what is wrong)."""
    try:
        m = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{MANIFEST} is not JSON: {exc}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise ValueError(f"{MANIFEST} is not a room kiosk export's manifest")
    if m.get("version") != VERSION:
        raise ValueError(f"{MANIFEST} is version {m.get('version')!r}; this hub reads version {VERSION}: "
                         "update the hub")
    for key in ("device_id", "room", "files"):
        if key not in m:
            raise ValueError(f"{MANIFEST} has no {key!r}")
    return m

